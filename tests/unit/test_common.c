/* SPDX-License-Identifier: MIT */
/* Unit tests for common/: sbuf limits, UTF-8 cleaning, HTML to text, times, postings. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

static void test_sbuf_limit_empties(void **state)
{
    (void)state;
    struct sbuf b;
    sbuf_init(&b, 8);
    assert_int_equal(sbuf_puts(&b, "12345"), URS_OK);
    assert_string_equal(sbuf_str(&b), "12345");
    assert_int_equal(sbuf_puts(&b, "6789"), URS_ELIMIT);
    assert_int_equal(b.len, 0);
    assert_string_equal(sbuf_str(&b), "");
    assert_int_equal(sbuf_printf(&b, "%d-%s", 42, "x"), URS_OK);
    assert_string_equal(sbuf_str(&b), "42-x");
    char *s = sbuf_take(&b);
    assert_string_equal(s, "42-x");
    free(s);
    assert_null(b.data);
    sbuf_free(&b);
}

static void test_sbuf_printf_long(void **state)
{
    (void)state;
    struct sbuf b;
    sbuf_init(&b, 10000);
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(sbuf_printf(&b, "<%s>", big), URS_OK);
    assert_int_equal(b.len, 1001);
    sbuf_free(&b);
}

static void test_err_first_wins(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    assert_int_equal(err_set(&e, URS_EPARSE, "file:%d: bad", 7), URS_EPARSE);
    assert_int_equal(err_set(&e, URS_EIO, "later"), URS_EIO);
    assert_int_equal(e.code, URS_EPARSE);
    assert_string_equal(e.msg, "file:7: bad");
}

struct utf8_case {
    const char *in;
    const char *out;
};

static void test_utf8_stress(void **state)
{
    (void)state;
    static const struct utf8_case cases[] = {
        {"plain", "plain"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"over\xc0\xaflong", "over\xef\xbf\xbd\xef\xbf\xbdlong"},        /* overlong '/' */
        {"sur\xed\xa0\x80x", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"}, /* surrogate */
        {"big\xf4\x90\x80\x80", "big\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"trunc\xe2\x82", "trunc\xef\xbf\xbd\xef\xbf\xbd"},
        {"lone\x80", "lone\xef\xbf\xbd"},
        {"ff\xff", "ff\xef\xbf\xbd"},
        {"a\x1b]0;x\x07z", "a]0;xz"},          /* ESC and BEL dropped */
        {"bidi\xe2\x80\xae" "evil", "bidievil"},  /* U+202E dropped */
        {"c1\xc2\x85x", "c1x"},                /* U+0085 dropped */
        {"  many \t\n spaces  ", "many spaces"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool cut = true;
        char *s = utf8_clean_dup(cases[i].in, UTF8_ONE_LINE, 100, &cut);
        assert_non_null(s);
        assert_string_equal(s, cases[i].out);
        assert_false(cut);
        assert_true(utf8_valid(s, strlen(s)));
        free(s);
    }
}

static void test_utf8_cap_on_boundary(void **state)
{
    (void)state;
    bool cut = false;
    /* "é" is two bytes: a cap of 4 must not split the second one */
    char *s = utf8_clean_dup("ab\xc3\xa9\xc3\xa9", UTF8_ONE_LINE, 5, &cut);
    assert_string_equal(s, "ab\xc3\xa9");
    assert_true(cut);
    free(s);
    s = utf8_clean_dup("abcdef ghi", UTF8_ONE_LINE, 3, &cut); /* inside an ASCII run */
    assert_string_equal(s, "abc");
    assert_true(cut);
    free(s);
    s = utf8_clean_dup("abc", UTF8_ONE_LINE, 3, &cut);
    assert_string_equal(s, "abc");
    assert_false(cut);
    free(s);
}

static void test_utf8_multiline(void **state)
{
    (void)state;
    char *s = utf8_clean_dup("a  b\r\n\r\n\r\n\r\nc\nd", UTF8_MULTI_LINE, 100, NULL);
    assert_string_equal(s, "a b\n\nc\nd");
    free(s);
    s = utf8_clean_dup("one\r\ntwo\rthree", UTF8_MULTI_LINE, 100, NULL);
    assert_string_equal(s, "one\ntwo\nthree"); /* CRLF is one break, a lone CR too */
    free(s);
}

static void test_html_to_text(void **state)
{
    (void)state;
    const char *html = "<html><head><title>T</title><style>p{}</style></head><body>"
                       "<h1>Therapy&nbsp;Reviewer</h1><script>alert(1)</script>"
                       "<p>Remote &amp; part&#8209;time</p><ul><li>PT license</li></ul></body></html>";
    struct sbuf out;
    sbuf_init(&out, 4096);
    struct err e;
    err_clear(&e);
    bool cut;
    assert_int_equal(text_from_html(html, strlen(html), 4000, &out, &cut, &e), URS_OK);
    assert_non_null(strstr(sbuf_str(&out), "Therapy Reviewer"));
    assert_non_null(strstr(sbuf_str(&out), "Remote & part\xe2\x80\x91time"));
    assert_non_null(strstr(sbuf_str(&out), "- PT license"));
    assert_null(strstr(sbuf_str(&out), "alert"));
    assert_null(strstr(sbuf_str(&out), "p{}"));
    sbuf_free(&out);
}

static void test_html_junk(void **state)
{
    (void)state;
    const char junk[] = "\x00\x01\xff<<<>>>&&&#;<!--";
    struct sbuf out;
    sbuf_init(&out, 4096);
    assert_int_equal(text_from_html(junk, sizeof junk - 1, 4000, &out, NULL, NULL), URS_OK);
    assert_true(utf8_valid(sbuf_str(&out), out.len));
    sbuf_free(&out);
    sbuf_init(&out, 4096);
    assert_int_equal(text_from_html("", 0, 4000, &out, NULL, NULL), URS_OK);
    assert_string_equal(sbuf_str(&out), "");
    sbuf_free(&out);
}

static void test_entities(void **state)
{
    (void)state;
    struct sbuf out;
    sbuf_init(&out, 1024);
    const char *in = "&lt;p&gt;A &amp; B &#39;x&#x2014;&bogus; &#0;";
    assert_int_equal(text_decode_entities(in, strlen(in), &out), URS_OK);
    assert_string_equal(sbuf_str(&out), "<p>A & B 'x\xe2\x80\x94&bogus; \xef\xbf\xbd");
    sbuf_free(&out);
}

static void test_html_escape_and_urls(void **state)
{
    (void)state;
    struct sbuf out;
    sbuf_init(&out, 1024);
    assert_int_equal(text_html_escape(&out, "</a><script>\"'&"), URS_OK);
    assert_string_equal(sbuf_str(&out), "&lt;/a&gt;&lt;script&gt;&quot;&#39;&amp;");
    sbuf_free(&out);
    assert_true(text_url_is_http("https://jobs.example/x?y=1"));
    assert_true(text_url_is_http("HTTP://a.example"));
    assert_false(text_url_is_http("javascript:alert(1)"));
    assert_false(text_url_is_http("data:text/html,x"));
    assert_false(text_url_is_http("https:///nohost"));
    assert_false(text_url_is_http("https://a.example/\"onmouseover"));
    assert_false(text_url_is_http(NULL));
}

static void test_times(void **state)
{
    (void)state;
    int64_t t;
    char buf[32];
    assert_int_equal(text_parse_time("2026-11-30", &t), URS_OK);
    text_format_time(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-30T00:00:00Z");
    assert_int_equal(text_parse_time("2026-11-30T08:15:00.123-05:00", &t), URS_OK);
    text_format_time(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-30T13:15:00Z");
    assert_int_equal(text_parse_time("2024-02-29T23:59:59Z", &t), URS_OK);
    assert_int_equal(t, 1709251199);
    assert_int_equal(text_parse_time("2026-13-01", &t), URS_EPARSE);
    assert_int_equal(text_parse_time("yesterday", &t), URS_EPARSE);
    assert_int_equal(text_parse_time("2026-11-30Tjunk", &t), URS_EPARSE);
}

static void test_parse_int(void **state)
{
    (void)state;
    long long v;
    assert_int_equal(text_parse_int("42", 0, 100, &v), URS_OK);
    assert_int_equal(v, 42);
    assert_int_equal(text_parse_int("101", 0, 100, &v), URS_EINVAL);
    assert_int_equal(text_parse_int("4x", 0, 100, &v), URS_EINVAL);
    assert_int_equal(text_parse_int("", 0, 100, &v), URS_EINVAL);
    assert_int_equal(text_parse_int("99999999999999999999999", 0, 100, &v), URS_EINVAL);
}

static void test_posting_names(void **state)
{
    (void)state;
    assert_int_equal(disc_parse("pt"), DISC_PT);
    assert_int_equal(disc_parse("OTA"), DISC_COTA);
    assert_int_equal(disc_parse("LVN"), DISC_LPN);
    assert_int_equal(disc_parse("DO"), DISC_MD);
    assert_int_equal(disc_parse("dentist"), -1);
    assert_int_equal(state_parse("tx"), 42);
    assert_string_equal(state_code(state_parse("TX")), "TX");
    assert_int_equal(state_parse("COMPACT"), STATE_COMPACT);
    assert_int_equal(state_parse("ANY"), STATE_ANY);
    assert_int_equal(state_parse("XX"), -1);
    assert_string_equal(role_family_name(ROLE_PRIOR_AUTHORIZATION), "prior_authorization");
    assert_int_equal(sched_parse("prn"), SCHED_PRN);
    assert_int_equal(work_mode_parse("Remote"), MODE_REMOTE);
}

static void test_posting_copy_and_evidence(void **state)
{
    (void)state;
    struct posting a, b;
    posting_init(&a);
    assert_int_equal(posting_set(&a.title, "Therapy Reviewer"), URS_OK);
    assert_int_equal(posting_set(&a.employer, "Bluestem"), URS_OK);
    assert_int_equal(posting_add_evidence(&a, TAG_DISCIPLINE, "PT", "physical therapist", 18, 5),
                     URS_OK);
    assert_int_equal(posting_copy(&b, &a), URS_OK);
    assert_string_equal(b.title, "Therapy Reviewer");
    assert_ptr_not_equal(b.title, a.title);
    assert_int_equal(b.evidence_len, 1);
    assert_string_equal(b.evidence[0].phrase, "physical therapist");
    for (int i = 0; i < URS_MAX_EVIDENCE; i++)
        if (posting_add_evidence(&a, TAG_SCHEDULE, "prn", "per diem", 8, 0) != URS_OK)
            break;
    assert_int_equal(a.evidence_len, URS_MAX_EVIDENCE);
    assert_int_equal(posting_add_evidence(&a, TAG_SCHEDULE, "prn", "x", 1, 0), URS_ELIMIT);
    char fa[17], fb[17];
    posting_fingerprint(&a, fa);
    assert_int_equal(posting_set(&b.title, "therapy  reviewer!"), URS_OK);
    posting_fingerprint(&b, fb);
    assert_string_equal(fa, fb);
    posting_free(&a);
    posting_free(&b);
}

static void test_salary_annual(void **state)
{
    (void)state;
    struct salary s = {27, 36, PERIOD_HOUR, 0};
    salary_update_annual(&s);
    assert_true(s.annual > 65519 && s.annual < 65521);
    struct salary y = {0, 80000, PERIOD_YEAR, 0};
    salary_update_annual(&y);
    assert_true(y.annual == 80000);
}

/* Error lines shorten URLs at segment boundaries, never inside the host or a word. */
static void test_url_short(void **state)
{
    (void)state;
    char buf[TEXT_URL_SHOWN + 1];
    assert_string_equal(text_url_short("https://a.example/x?y=1", buf, sizeof buf),
                        "https://a.example/x?y=1");
    char longq[400];
    snprintf(longq, sizeof longq, "https://cigna.wd5.myworkdayjobs.com/wday/cxs/cigna/jobs?q=%0200d",
             7);
    assert_string_equal(text_url_short(longq, buf, sizeof buf),
                        "https://cigna.wd5.myworkdayjobs.com/wday/cxs/cigna/jobs?\xe2\x80\xa6");
    char longp[400];
    snprintf(longp, sizeof longp, "https://h.example/careers/%0150d/openings/nurse-reviewer?id=4",
             3);
    assert_string_equal(text_url_short(longp, buf, sizeof buf),
                        "https://h.example/careers/\xe2\x80\xa6/nurse-reviewer?\xe2\x80\xa6");
    /* a last segment longer than the room: cut, marked, within the room */
    char huge[600];
    memset(huge, 'a', sizeof huge);
    memcpy(huge, "http://h.example/", 17);
    huge[sizeof huge - 1] = '\0';
    text_url_short(huge, buf, sizeof buf);
    assert_true(strlen(buf) <= TEXT_URL_SHOWN);
    assert_non_null(strstr(buf, "\xe2\x80\xa6"));
    assert_true(strncmp(buf, "http://h.example/", 17) == 0);
    /* a huge host */
    memcpy(huge, "http://", 7);
    text_url_short(huge, buf, sizeof buf);
    assert_true(strlen(buf) <= TEXT_URL_SHOWN);
    /* every length from short to long stays within the room */
    for (size_t n = 10; n < 300; n += 7) {
        char u[320];
        snprintf(u, sizeof u, "https://x.example/%.*s", (int)n,
                 "a/bb/ccc/dddd/eeeee?f=gggggg&h=iiiiiiiii/jjjjjjjjjj/kkkkkkkkkkkk/lllllllllllll/"
                 "mmmmmmmmmmmmmmmmmmmmmmm/nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn/oooooo"
                 "ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo"
                 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
        text_url_short(u, buf, sizeof buf);
        assert_true(strlen(buf) <= TEXT_URL_SHOWN);
    }
    char small[8];
    assert_string_equal(text_url_short("https://a.example/", small, sizeof small), "http\xe2\x80\xa6");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sbuf_limit_empties),
        cmocka_unit_test(test_sbuf_printf_long),
        cmocka_unit_test(test_err_first_wins),
        cmocka_unit_test(test_utf8_stress),
        cmocka_unit_test(test_utf8_cap_on_boundary),
        cmocka_unit_test(test_utf8_multiline),
        cmocka_unit_test(test_html_to_text),
        cmocka_unit_test(test_html_junk),
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_html_escape_and_urls),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_posting_names),
        cmocka_unit_test(test_posting_copy_and_evidence),
        cmocka_unit_test(test_salary_annual),
        cmocka_unit_test(test_url_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
