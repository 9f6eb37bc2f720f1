/* SPDX-License-Identifier: MIT */
/* Unit tests for notifier/: quoted-printable, RFC 2047, addresses, tokens, rendering, schedules. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "config/config.h"
#include "db/db.h"
#include "notifier/notifier.h"
#include "testutil.h"

/* ---- small decoders, written independently of the encoders under test ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode quoted-printable with CRLF lines back to LF text; asserts on malformed input. */
static char *qp_decode(const char *in)
{
    size_t n = strlen(in), o = 0;
    char *out = malloc(n + 1);
    assert_non_null(out);
    for (size_t i = 0; i < n;) {
        if (in[i] == '=' && in[i + 1] == '\r' && in[i + 2] == '\n') {
            i += 3;
        } else if (in[i] == '=') {
            int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            assert_true(hi >= 0 && lo >= 0);
            out[o++] = (char)(hi * 16 + lo);
            i += 3;
        } else if (in[i] == '\r' && in[i + 1] == '\n') {
            out[o++] = '\n';
            i += 2;
        } else {
            assert_true(in[i] != '\r' && in[i] != '\n');
            out[o++] = in[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* Longest line (bytes before CRLF) in s. */
static size_t max_line(const char *s)
{
    size_t best = 0;
    while (*s) {
        size_t n = strcspn(s, "\r\n");
        if (n > best)
            best = n;
        s += n;
        while (*s == '\r' || *s == '\n')
            s++;
    }
    return best;
}

/* Unfold a header and decode its encoded-words (UTF-8 Q only); checks each word's length. */
static char *header_decode(const char *h, size_t *max_word)
{
    const char *colon = strchr(h, ':');
    assert_non_null(colon);
    size_t n = strlen(h), o = 0;
    char *out = malloc(n + 1);
    assert_non_null(out);
    *max_word = 0;
    bool prev_word = false;
    for (const char *p = colon + 1; *p;) {
        if (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t') {
            const char *q = p;
            while (*q == '\r' || *q == '\n' || *q == ' ' || *q == '\t')
                q++;
            bool next_word = strncmp(q, "=?UTF-8?Q?", 10) == 0;
            if (!(prev_word && next_word) && *q && o > 0)
                out[o++] = ' ';
            p = q;
            continue;
        }
        if (strncmp(p, "=?UTF-8?Q?", 10) == 0) {
            const char *end = strstr(p + 10, "?=");
            assert_non_null(end);
            size_t wlen = (size_t)(end + 2 - p);
            if (wlen > *max_word)
                *max_word = wlen;
            for (const char *c = p + 10; c < end;) {
                if (*c == '_') {
                    out[o++] = ' ';
                    c++;
                } else if (*c == '=') {
                    out[o++] = (char)(hexval(c[1]) * 16 + hexval(c[2]));
                    c += 3;
                } else {
                    out[o++] = *c++;
                }
            }
            p = end + 2;
            prev_word = true;
            continue;
        }
        prev_word = false;
        out[o++] = *p++;
    }
    out[o] = '\0';
    return out;
}

/* ---- quoted-printable ---- */

static void test_qp_long_and_special_lines(void **state)
{
    (void)state;
    struct sbuf in, out;
    sbuf_init(&in, 100000);
    sbuf_init(&out, 100000);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(sbuf_putc(&in, (char)('a' + i % 26)), URS_OK);
    assert_int_equal(sbuf_puts(&in, "\n.dotted line\nFrom here\ntrailing space \n"
                                    "caf\xc3\xa9 = 100% \xf0\x9f\x98\x80\n\tTab\n\n"),
                     URS_OK);
    assert_int_equal(notify_qp_encode(&out, in.data, in.len), URS_OK);
    assert_true(max_line(out.data) <= 76);
    for (const unsigned char *p = (const unsigned char *)out.data; *p; p++)
        assert_true(*p < 0x80);
    assert_non_null(strstr(out.data, "\r\n=2Edotted line\r\n"));
    assert_non_null(strstr(out.data, "\r\n=46rom here\r\n"));
    assert_non_null(strstr(out.data, "trailing space=20\r\n"));
    assert_null(strstr(out.data, "\r\n.")); /* no line starts with a dot */
    char *back = qp_decode(out.data);
    /* the encoder ends every line with CRLF: the decoded text is the input */
    assert_string_equal(back, in.data);
    free(back);
    sbuf_free(&in);
    sbuf_free(&out);
}

static void test_qp_every_byte(void **state)
{
    (void)state;
    char in[256];
    for (int i = 1; i < 256; i++)
        in[i - 1] = (char)(i == '\n' ? 'x' : i);
    in[255] = '\0';
    struct sbuf out;
    sbuf_init(&out, 10000);
    assert_int_equal(notify_qp_encode(&out, in, 255), URS_OK);
    assert_true(max_line(out.data) <= 76);
    char *back = qp_decode(out.data);
    assert_int_equal(strlen(back), 256); /* 255 bytes and the line end */
    assert_memory_equal(back, in, 255);
    free(back);
    sbuf_free(&out);
}

/* notify_qp_decode undoes notify_qp_encode; notify_mime_part finds and decodes a part. */
static void test_qp_decode_and_mime_part(void **state)
{
    (void)state;
    char in[300];
    for (int i = 0; i < 299; i++)
        in[i] = (char)(i % 97 == 96 ? '\n' : (i % 5 == 0 ? '=' : "a\xc3\xa9 b"[i % 5]));
    in[299] = '\0';
    struct sbuf enc, dec;
    sbuf_init(&enc, 10000);
    sbuf_init(&dec, 10000);
    assert_int_equal(notify_qp_encode(&enc, in, 299), URS_OK);
    assert_int_equal(notify_qp_decode(&dec, enc.data, enc.len), URS_OK);
    assert_int_equal(dec.len, 300); /* the encoder ends the last line */
    assert_memory_equal(dec.data, in, 299);
    sbuf_reset(&dec);
    /* a malformed escape stays as it is */
    assert_int_equal(notify_qp_decode(&dec, "a=ZZb=", 6), URS_OK);
    assert_string_equal(sbuf_str(&dec), "a=ZZb=");
    sbuf_reset(&dec);

    static const char msg[] = "From: a@example.org\r\nContent-Type: multipart/alternative;\r\n"
                              " boundary=\"=_b1\"\r\n\r\n"
                              "\r\n--=_b1\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n\r\nplain=\r\n text"
                              "\r\n--=_b1\r\nContent-Type: text/html; charset=UTF-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n\r\n<p class=3D\"x\">"
                              "caf=C3=A9</p>\r\n--=_b1--\r\n";
    struct err e;
    err_clear(&e);
    assert_int_equal(notify_mime_part(msg, sizeof msg - 1, "text/html", &dec, &e), URS_OK);
    assert_string_equal(sbuf_str(&dec), "<p class=\"x\">caf\xc3\xa9</p>");
    sbuf_reset(&dec);
    assert_int_equal(notify_mime_part(msg, sizeof msg - 1, "text/plain", &dec, &e), URS_OK);
    assert_string_equal(sbuf_str(&dec), "plain text");
    assert_int_equal(notify_mime_part(msg, sizeof msg - 1, "image/png", &dec, &e), URS_ENOTFOUND);
    assert_int_equal(notify_mime_part("To: x\r\n\r\nbody", 15, "text/html", &dec, &e),
                     URS_EPARSE);
    sbuf_free(&enc);
    sbuf_free(&dec);
}

/* ---- headers ---- */

static void test_header_encoded_words(void **state)
{
    (void)state;
    struct sbuf subject, out;
    sbuf_init(&subject, 4096);
    sbuf_init(&out, 8192);
    for (int i = 0; i < 12; i++)
        assert_int_equal(sbuf_puts(&subject, "R\xc3\xa9sum\xc3\xa9 \xe2\x80\x94 na\xc3\xafve "
                                             "\xf0\x9f\x98\x80 "),
                         URS_OK);
    assert_true(utf8_columns(subject.data) > 200);
    assert_int_equal(notify_header_text(&out, "Subject", subject.data), URS_OK);
    assert_true(max_line(out.data) <= 78);
    assert_string_equal(out.data + out.len - 2, "\r\n");
    size_t word = 0;
    char *back = header_decode(out.data, &word);
    assert_true(word > 0 && word <= 75);
    char *expect = utf8_clean_dup(subject.data, UTF8_ONE_LINE, 400, NULL);
    assert_string_equal(back, expect);
    free(expect);
    free(back);
    sbuf_free(&subject);
    sbuf_free(&out);
}

static void test_header_injection(void **state)
{
    (void)state;
    struct sbuf out;
    sbuf_init(&out, 4096);
    assert_int_equal(notify_header_text(&out, "Subject", "Nurse\r\nBcc: x@example.com"), URS_OK);
    assert_string_equal(out.data, "Subject: Nurse Bcc: x@example.com\r\n");
    sbuf_reset(&out);
    assert_int_equal(notify_header_text(&out, "Subject", "Case\nManager\x01\x7f =?x?="), URS_OK);
    size_t word;
    char *back = header_decode(out.data, &word);
    assert_string_equal(back, "Case Manager =?x?=");
    assert_null(strchr(out.data, '\x01'));
    assert_int_equal(tu_count(out.data, "\r\n"), 1);
    free(back);
    sbuf_reset(&out);
    assert_int_equal(notify_header_raw(&out, "X-Test", "a\r\nBcc: y"), URS_EINVAL);
    assert_int_equal(notify_header_address(&out, "To", "x", "a@b.org\r\nBcc: c@d.org"), URS_EINVAL);
    sbuf_free(&out);
}

static void test_header_folds_plain_ascii(void **state)
{
    (void)state;
    struct sbuf out;
    sbuf_init(&out, 4096);
    const char *text = "Utilization review nurse, remote, full time, compact licence accepted, "
                       "great benefits and a sign-on bonus for the right candidate";
    assert_int_equal(notify_header_text(&out, "Subject", text), URS_OK);
    assert_true(max_line(out.data) <= 78);
    assert_null(strstr(out.data, "=?"));
    size_t word;
    char *back = header_decode(out.data, &word);
    assert_string_equal(back, text);
    free(back);
    sbuf_free(&out);
}

static void test_header_address(void **state)
{
    (void)state;
    struct sbuf out;
    sbuf_init(&out, 4096);
    assert_int_equal(notify_header_address(&out, "To", "Ana \"AJ\" D\\az", "ana@example.org"),
                     URS_OK);
    assert_string_equal(out.data, "To: \"Ana \\\"AJ\\\" D\\\\az\" <ana@example.org>\r\n");
    sbuf_reset(&out);
    assert_int_equal(notify_header_address(&out, "To", "Jos\xc3\xa9 Mu\xc3\xb1oz", "j@example.org"),
                     URS_OK);
    assert_string_equal(out.data, "To: =?UTF-8?Q?Jos=C3=A9_Mu=C3=B1oz?= <j@example.org>\r\n");
    sbuf_reset(&out);
    assert_int_equal(notify_header_address(&out, "From", NULL, "digest@example.org"), URS_OK);
    assert_string_equal(out.data, "From: <digest@example.org>\r\n");
    sbuf_free(&out);
}

struct email_case {
    const char *addr;
    bool ok;
};

static void test_email_check(void **state)
{
    (void)state;
    char local65[80], long_addr[300];
    memset(local65, 'a', 65);
    local65[65] = '\0';
    (void)snprintf(long_addr, sizeof long_addr, "%s@example.org", local65);
    char too_long[300];
    memset(too_long, 'b', 250);
    memcpy(too_long + 40, "@", 1);
    memcpy(too_long + 245, ".org", 5);
    for (int i = 41; i < 245; i += 60)
        too_long[i] = '.';
    static const struct email_case cases[] = {
        {"ana@example.org", true},
        {"ana.m+jobs@mail.example.co.uk", true},
        {"o'brien@example.org", true},
        {"", false},
        {"ana", false},
        {"@example.org", false},
        {"ana@", false},
        {"ana@localhost", false},
        {"ana@example", false},
        {".ana@example.org", false},
        {"ana..b@example.org", false},
        {"ana@-example.org", false},
        {"ana@example..org", false},
        {"ana@example.org.", false},
        {"ana@1.2.3.4", false},
        {"ana b@example.org", false},
        {"\"ana\"@example.org", false},
        {"ana@exa_mple.org", false},
        {"an\xc3\xa1@example.org", false},
        {"ana@example.org\r\nBcc: x@y.org", false},
    };
    struct err e;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&e);
        int rc = notify_email_check(cases[i].addr, &e);
        if ((rc == URS_OK) != cases[i].ok)
            fail_msg("%s: expected %s, got %s", cases[i].addr, cases[i].ok ? "ok" : "refusal",
                     e.msg);
        if (!cases[i].ok)
            assert_true(e.msg[0] != '\0');
    }
    assert_int_equal(notify_email_check(long_addr, NULL), URS_EINVAL);
    assert_int_equal(notify_email_check(too_long, NULL), URS_EINVAL);
}

/* ---- tokens ---- */

static const char key[] = "0123456789abcdef0123456789abcdef";

static void test_token_roundtrip_and_forgery(void **state)
{
    (void)state;
    char tok[NOTIFY_TOKEN_MAX], other[NOTIFY_TOKEN_MAX];
    struct err e;
    int64_t id = 0;
    err_clear(&e);
    assert_int_equal(notify_token_make(key, 32, NOTIFY_TOKEN_UNSUBSCRIBE, 42, tok, &e), URS_OK);
    assert_true(strncmp(tok, "u42.", 4) == 0);
    assert_int_equal(strlen(tok), 4 + 22);
    assert_int_equal(notify_token_verify(key, 32, tok, NOTIFY_TOKEN_UNSUBSCRIBE, &id, &e), URS_OK);
    assert_int_equal(id, 42);
    /* one flipped character anywhere fails */
    for (size_t i = 0; i < strlen(tok); i++) {
        (void)snprintf(other, sizeof other, "%s", tok);
        other[i] = other[i] == 'A' ? 'B' : 'A';
        assert_int_equal(notify_token_verify(key, 32, other, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                         URS_EINVAL);
        assert_int_equal(id, 0);
    }
    (void)snprintf(other, sizeof other, "%.*s", (int)strlen(tok) - 1, tok);
    assert_int_equal(notify_token_verify(key, 32, other, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_EINVAL);
    /* another key, another purpose, another id */
    assert_int_equal(notify_token_verify("another key of enough length", 28, tok,
                                         NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_EINVAL);
    assert_int_equal(notify_token_make(key, 32, NOTIFY_TOKEN_PREFERENCES, 42, other, &e), URS_OK);
    assert_int_equal(notify_token_verify(key, 32, other, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_EINVAL);
    other[0] = 'u';
    assert_int_equal(notify_token_verify(key, 32, other, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_EINVAL);
    (void)snprintf(other, sizeof other, "u43%.40s", tok + 3);
    assert_int_equal(notify_token_verify(key, 32, other, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_EINVAL);
    (void)snprintf(other, sizeof other, "u042%.40s", tok + 3);
    assert_int_equal(notify_token_verify(key, 32, other, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_EINVAL);
    assert_int_equal(notify_token_make("short", 5, NOTIFY_TOKEN_UNSUBSCRIBE, 1, tok, NULL),
                     URS_EINVAL);
    assert_int_equal(notify_token_verify(key, 32, "", NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_EINVAL);
}

/* Sign-up confirmation links carry their issue time and expire after 48 hours. */
static void test_timed_token(void **state)
{
    (void)state;
    char tok[NOTIFY_TOKEN_MAX], other[NOTIFY_TOKEN_MAX];
    int64_t id = 0, issued = 0, t0 = 1800000000;
    struct err e;
    err_clear(&e);
    assert_int_equal(
        notify_token_make_timed(key, 32, NOTIFY_TOKEN_CONFIRM, 42, t0, tok, &e), URS_OK);
    assert_true(strncmp(tok, "c42.1800000000.", 15) == 0);
    assert_int_equal(notify_token_verify_timed(key, 32, tok, NOTIFY_TOKEN_CONFIRM, t0 + 3600,
                                               NOTIFY_CONFIRM_TTL, &id, &issued, &e),
                     URS_OK);
    assert_int_equal(id, 42);
    assert_int_equal(issued, t0);
    /* at the edge of 48 h it holds, a second later it is expired, not forged */
    assert_int_equal(notify_token_verify_timed(key, 32, tok, NOTIFY_TOKEN_CONFIRM,
                                               t0 + NOTIFY_CONFIRM_TTL, NOTIFY_CONFIRM_TTL, &id,
                                               &issued, NULL),
                     URS_OK);
    assert_int_equal(notify_token_verify_timed(key, 32, tok, NOTIFY_TOKEN_CONFIRM,
                                               t0 + NOTIFY_CONFIRM_TTL + 1, NOTIFY_CONFIRM_TTL,
                                               &id, &issued, NULL),
                     URS_ENOTFOUND);
    assert_int_equal(id, 0);
    /* issued in the future (a clock far ahead, or a forged time): refused */
    assert_int_equal(notify_token_verify_timed(key, 32, tok, NOTIFY_TOKEN_CONFIRM, t0 - 3600,
                                               NOTIFY_CONFIRM_TTL, &id, &issued, NULL),
                     URS_ENOTFOUND);
    /* a later time with the old MAC, one flipped character, another key: forged */
    (void)snprintf(other, sizeof other, "c42.1800090000.%s", tok + 15);
    assert_int_equal(notify_token_verify_timed(key, 32, other, NOTIFY_TOKEN_CONFIRM, t0 + 90000,
                                               NOTIFY_CONFIRM_TTL, &id, &issued, NULL),
                     URS_EINVAL);
    for (size_t i = 0; i < strlen(tok); i++) {
        (void)snprintf(other, sizeof other, "%s", tok);
        other[i] = other[i] == 'A' ? 'B' : 'A';
        assert_int_not_equal(notify_token_verify_timed(key, 32, other, NOTIFY_TOKEN_CONFIRM,
                                                       t0 + 60, NOTIFY_CONFIRM_TTL, &id,
                                                       &issued, NULL),
                             URS_OK);
    }
    assert_int_equal(notify_token_verify_timed("another key of enough length", 28, tok,
                                               NOTIFY_TOKEN_CONFIRM, t0 + 60, NOTIFY_CONFIRM_TTL,
                                               &id, &issued, NULL),
                     URS_EINVAL);
    /* untimed tokens are not confirmation tokens, and the other way round */
    assert_int_equal(notify_token_make(key, 32, NOTIFY_TOKEN_PREFERENCES, 42, other, &e), URS_OK);
    other[0] = 'c';
    assert_int_equal(notify_token_verify_timed(key, 32, other, NOTIFY_TOKEN_CONFIRM, t0 + 60,
                                               NOTIFY_CONFIRM_TTL, &id, &issued, NULL),
                     URS_EINVAL);
    assert_int_equal(notify_token_verify(key, 32, tok, NOTIFY_TOKEN_CONFIRM, &id, NULL),
                     URS_EINVAL);
    assert_int_equal(notify_token_make(key, 32, NOTIFY_TOKEN_CONFIRM, 42, other, NULL),
                     URS_EINVAL);
    assert_int_equal(notify_token_make_timed(key, 32, NOTIFY_TOKEN_PREFERENCES, 42, t0, other,
                                             NULL),
                     URS_EINVAL);
    assert_int_equal(notify_token_make_timed(key, 32, NOTIFY_TOKEN_CONFIRM, 42, 0, other, NULL),
                     URS_EINVAL);
}

/* The MAC must only be compared with CRYPTO_memcmp (RELIABILITY H3). */
static void test_token_uses_constant_time_compare(void **state)
{
    (void)state;
    char *path = tu_path(tu_source_dir(), "notifier/token.c");
    char *src = tu_read_file(path, NULL);
    assert_non_null(src);
    assert_non_null(strstr(src, "CRYPTO_memcmp(got, want"));
    assert_int_equal(tu_count(src, "memcmp("), tu_count(src, "CRYPTO_memcmp("));
    assert_int_equal(tu_count(src, "strcmp("), 0);
    free(src);
    free(path);
}

/* ---- rendering ---- */

static void test_config(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->from = (char *)"digest@urscout.example.org";
    cfg->from_name = (char *)"urscout digest";
    cfg->postal_address = (char *)"urscout, 100 Main St, Springfield, IL 62701";
    cfg->maildir = (char *)"mail";
    cfg->rate_per_minute = 6000;
    cfg->max_age = 2 * 86400;
    cfg->bounce_limit = 3;
    cfg->unsubscribe_mailto = (char *)"unsubscribe@urscout.example.org";
    cfg->hmac_key = (char *)key;
    cfg->hmac_key_len = 32;
    cfg->base_url = (char *)"https://jobs.example.org/";
    cfg->smtp_port = 587;
    cfg->starttls = CONFIG_STARTTLS_REQUIRED;
}

static void posting_fill(struct posting *p, int64_t id, const char *title, const char *url,
                         enum work_mode mode)
{
    posting_init(p);
    p->id = id;
    assert_int_equal(posting_set(&p->title, title), URS_OK);
    assert_int_equal(posting_set(&p->employer, "Acme Health\nPlans"), URS_OK);
    assert_int_equal(posting_set(&p->location, "Dallas, TX"), URS_OK);
    assert_int_equal(posting_set(&p->url, url), URS_OK);
    p->work_mode = mode;
    p->schedule = 1u << SCHED_FULL_TIME;
    p->license_states = (1ULL << 42) | (1ULL << STATE_COMPACT);
    p->salary = (struct salary){70000, 85000, PERIOD_YEAR, 77500};
    p->first_seen = 1770000000 - 2 * 86400;
}

/* Pay as the posting states it: a range, "up to" a maximum, "from" a starting minimum. */
static void test_render_salary_wording(void **state)
{
    (void)state;
    struct config cfg;
    test_config(&cfg);
    struct db_subscriber sub;
    db_subscriber_init(&sub);
    sub.id = 8;
    sub.email = (char *)"bo@example.org";
    struct posting p[3];
    posting_fill(&p[0], 1, "PT Reviewer", "https://example.com/1", MODE_REMOTE);
    posting_fill(&p[1], 2, "UR Nurse", "https://example.com/2", MODE_REMOTE);
    posting_fill(&p[2], 3, "PTA", "https://example.com/3", MODE_ONSITE);
    p[1].salary = (struct salary){0, 52, PERIOD_HOUR, 52 * 2080};
    p[2].salary = (struct salary){26, 0, PERIOD_HOUR, 26 * 2080};
    struct notify_item items[3] = {{.p = &p[0]}, {.p = &p[1]}, {.p = &p[2]}};
    struct notify_digest d = {.sub = &sub, .items = items, .items_len = 3, .now = 1770000000};
    struct notify_message m;
    struct err e;
    err_clear(&e);
    notify_message_init(&m);
    assert_int_equal(notify_render(&d, &cfg, &m, &e), URS_OK);
    assert_non_null(strstr(m.text.data, "$70,000\xe2\x80\x93$85,000 a year"));
    assert_non_null(strstr(m.text.data, "up to $52 an hour"));
    assert_non_null(strstr(m.text.data, "from $26 an hour"));
    assert_null(strstr(m.text.data, "from $70,000"));
    notify_message_free(&m);
    for (int i = 0; i < 3; i++)
        posting_free(&p[i]);
}

static void test_render_hostile_postings(void **state)
{
    (void)state;
    struct config cfg;
    test_config(&cfg);
    struct db_subscriber sub;
    db_subscriber_init(&sub);
    sub.id = 7;
    sub.email = (char *)"ana@example.org";
    sub.name = (char *)"Ana \"Nurse\" D\xc3\xad"
                       "az";
    sub.disciplines = 1u << DISC_RN;
    struct posting p[4];
    posting_fill(&p[0], 1, "</a><script>alert(1)</script>", "javascript:alert(1)", MODE_REMOTE);
    posting_fill(&p[1], 2, "\"><img src=x onerror=alert(1)>", "data:text/html,<b>x</b>",
                 MODE_HYBRID);
    posting_fill(&p[2], 3, "Nurse\r\nBcc: x@example.com", "https://jobs.example.com/a?b=1&c='2'",
                 MODE_ONSITE);
    posting_fill(&p[3], 4, "UR Nurse \xe2\x80\x94 remote", "https://example.com/4", MODE_UNKNOWN);
    struct notify_item items[4] = {{.p = &p[0], .note = "Great <b>fit</b>", .pick = true},
                                   {.p = &p[1]},
                                   {.p = &p[2]},
                                   {.p = &p[3]}};
    struct notify_digest d = {.sub = &sub,
                              .items = items,
                              .items_len = 4,
                              .more = 3,
                              .coach = "Coach <Kim>",
                              .since = 1769000000,
                              .now = 1770000000};
    struct notify_message m;
    struct err e;
    err_clear(&e);
    notify_message_init(&m);
    assert_int_equal(notify_render(&d, &cfg, &m, &e), URS_OK);
    const char *html = m.html.data, *msg = m.message.data;
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<b>fit"));
    assert_non_null(strstr(html, "Great &lt;b&gt;fit&lt;/b&gt;"));
    assert_null(strstr(html, "javascript:"));
    assert_null(strstr(html, "data:"));
    assert_non_null(strstr(html, "&lt;/a&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(html, "href=\"https://jobs.example.com/a?b=1&amp;c=&#39;2&#39;\""));
    assert_non_null(strstr(html, "Coach &lt;Kim&gt;"));
    assert_int_equal(tu_count(html, "href=\""), 2 * 2 + 3); /* 2 each, the rest, prefs, unsub */
    assert_non_null(strstr(m.text.data, "* </a><script>alert(1)</script>\n"));
    assert_non_null(strstr(m.text.data, "* Nurse Bcc: x@example.com\n"));
    assert_non_null(strstr(m.text.data, "3 more new postings"));
    assert_non_null(strstr(m.text.data, "$70,000\xe2\x80\x93$85,000 a year"));
    assert_non_null(strstr(m.text.data, "Licence: TX, or a compact licence"));
    assert_non_null(strstr(m.text.data, cfg.postal_address));
    assert_non_null(strstr(html, cfg.postal_address));
    assert_non_null(strstr(m.text.data, "https://jobs.example.org/u/u7."));
    /* headers */
    const char *end = strstr(msg, "\r\n\r\n");
    assert_non_null(end);
    size_t head_len = (size_t)(end - msg) + 2;
    char *head = strndup(msg, head_len);
    assert_true(max_line(head) <= 78);
    assert_int_equal(tu_count(head, "\nBcc:"), 0);
    assert_true(strncmp(head, "From: \"urscout digest\" <digest@urscout.example.org>\r\n", 53) ==
                0);
    assert_non_null(strstr(head, "\r\nTo: =?UTF-8?Q?"));
    assert_non_null(strstr(head, "\r\nList-Unsubscribe: <https://jobs.example.org/u/u7."));
    assert_non_null(strstr(head, ">,\r\n <mailto:unsubscribe@urscout.example.org?subject=u7."));
    assert_non_null(strstr(head, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    assert_non_null(strstr(head, "\r\nDate: Mon, 02 Feb 2026 02:40:00 +0000\r\n"));
    assert_non_null(strstr(head, m.message_id));
    assert_true(strncmp(m.message_id, "<urscout.", 9) == 0);
    assert_non_null(strstr(m.message_id, ".7@urscout.example.org>"));
    assert_string_equal(m.subject, "7 new jobs for you: </a><script>alert(1)</script> and more");
    free(head);
    assert_true(max_line(msg) <= 78);
    for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
        assert_true(*c < 0x80 && (*c != '\r' || c[1] == '\n'));
    notify_message_free(&m);
    for (int i = 0; i < 4; i++)
        posting_free(&p[i]);
}

static void test_render_refuses_incomplete_config(void **state)
{
    (void)state;
    struct config cfg;
    struct err e;
    test_config(&cfg);
    cfg.hmac_key = NULL;
    err_clear(&e);
    assert_int_equal(notify_check_config(&cfg, &e), URS_EINVAL);
    assert_non_null(strstr(e.msg, "URSCOUT_HMAC_KEY"));
    test_config(&cfg);
    cfg.base_url = (char *)"http://jobs.example.org";
    err_clear(&e);
    assert_int_equal(notify_check_config(&cfg, &e), URS_EINVAL);
    assert_non_null(strstr(e.msg, "https"));
    test_config(&cfg);
    cfg.postal_address = NULL;
    assert_int_equal(notify_check_config(&cfg, NULL), URS_EINVAL);
    test_config(&cfg);
    cfg.smtp_host = (char *)"127.0.0.1";
    cfg.smtp_user = (char *)"u";
    cfg.smtp_password = (char *)"p";
    cfg.starttls = CONFIG_STARTTLS_OPTIONAL;
    err_clear(&e);
    assert_int_equal(notify_check_config(&cfg, &e), URS_EINVAL);
    assert_non_null(strstr(e.msg, "starttls"));
    test_config(&cfg);
    assert_int_equal(notify_check_config(&cfg, NULL), URS_OK);
}

/* ---- schedules and fields ---- */

static void test_next_due(void **state)
{
    (void)state;
    struct db_subscriber s;
    struct err e;
    int64_t next = 0;
    db_subscriber_init(&s);
    s.send_hour = 7;
    s.frequency = DB_FREQ_DAILY;
    /* 2026-03-04 (Wednesday) 12:00 UTC */
    const int64_t wed_noon = 1772625600;
    err_clear(&e);
    assert_int_equal(notify_next_due(&s, wed_noon, &next, &e), URS_OK);
    assert_int_equal(next, 1772694000); /* Thu 07:00 UTC */
    s.frequency = DB_FREQ_WEEKLY;
    assert_int_equal(notify_next_due(&s, wed_noon, &next, &e), URS_OK);
    assert_int_equal(next, 1773039600); /* Mon 2026-03-09 07:00 UTC */
    s.frequency = DB_FREQ_MONTHLY;
    assert_int_equal(notify_next_due(&s, wed_noon, &next, &e), URS_OK);
    assert_int_equal(next, 1775026800); /* 2026-04-01 07:00 UTC */
    s.frequency = DB_FREQ_DAILY;
    s.time_zone = (char *)"America/Chicago";
    assert_int_equal(notify_next_due(&s, wed_noon, &next, &e), URS_OK);
    assert_int_equal(next, 1772629200); /* Wed 07:00 CST = 13:00 UTC, still ahead */
    /* across the DST change (2026-03-08): Mon 07:00 CDT = 12:00 UTC */
    s.frequency = DB_FREQ_WEEKLY;
    assert_int_equal(notify_next_due(&s, wed_noon, &next, &e), URS_OK);
    assert_int_equal(next, 1773057600);
    s.time_zone = (char *)"Mars/Olympus_Mons";
    assert_int_equal(notify_next_due(&s, wed_noon, &next, &e), URS_EINVAL);
    assert_false(notify_tz_valid("../../etc/passwd"));
    assert_false(notify_tz_valid("/etc/localtime"));
    assert_true(notify_tz_valid("UTC"));
    assert_true(notify_tz_valid("Europe/Berlin"));
    assert_null(getenv("TZ")); /* the process zone is left as it was */
    /* 02:00 does not exist in Chicago on 2026-03-08: the slot moves past the gap */
    s.frequency = DB_FREQ_DAILY;
    s.send_hour = 2;
    s.time_zone = (char *)"America/Chicago";
    assert_int_equal(notify_next_due(&s, 1772884800, &next, &e), URS_OK); /* Sat 12:00 UTC */
    assert_int_equal(next, 1772956800);                                  /* Sun 03:00 CDT */
    /* monthly from the last day of a month: the 1st of the next, not a day later */
    s.frequency = DB_FREQ_MONTHLY;
    s.send_hour = 7;
    s.time_zone = (char *)"Europe/Berlin";
    assert_int_equal(notify_next_due(&s, 1772236800, &next, &e), URS_OK); /* 2026-02-28 00:00Z */
    assert_int_equal(next, 1772344800);                                  /* 03-01 07:00 CET */
}

/* Zone arithmetic from several threads at once gives each its own zone's answer (no
 * process-wide TZ switched underneath another thread). */
struct tz_job {
    const char *zone;
    int64_t want;
    size_t wrong;
};

static void *tz_worker(void *arg)
{
    struct tz_job *j = arg;
    struct db_subscriber s;
    db_subscriber_init(&s);
    s.send_hour = 7;
    s.frequency = DB_FREQ_DAILY;
    s.time_zone = (char *)j->zone;
    for (int i = 0; i < 2000; i++) {
        struct err e;
        int64_t next = 0;
        err_clear(&e);
        if (notify_next_due(&s, 1772625600, &next, &e) != URS_OK || next != j->want)
            j->wrong++;
    }
    return NULL;
}

static void test_next_due_threads(void **state)
{
    (void)state;
    struct tz_job jobs[] = {{"America/Chicago", 1772629200, 0},
                            {"Europe/Berlin", 1772690400, 0},
                            {"Asia/Tokyo", 1772661600, 0},
                            {"UTC", 1772694000, 0}};
    pthread_t t[4];
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, tz_worker, &jobs[i]), 0);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].wrong, 0);
    }
    assert_null(getenv("TZ"));
}

static void test_token_in_render_verifies(void **state)
{
    (void)state;
    struct config cfg;
    test_config(&cfg);
    struct db_subscriber sub;
    db_subscriber_init(&sub);
    sub.id = 123;
    sub.email = (char *)"bo@example.org";
    struct posting p;
    posting_fill(&p, 9, "Utilization Review RN", "https://example.com/9", MODE_REMOTE);
    struct notify_item it = {.p = &p};
    struct notify_digest d = {.sub = &sub, .items = &it, .items_len = 1, .now = 1770000000};
    struct notify_message m;
    notify_message_init(&m);
    assert_int_equal(notify_render(&d, &cfg, &m, NULL), URS_OK);
    const char *at = strstr(m.text.data, "/u/");
    assert_non_null(at);
    char tok[NOTIFY_TOKEN_MAX];
    (void)snprintf(tok, sizeof tok, "%.*s", (int)strcspn(at + 3, "\n"), at + 3);
    int64_t id = 0;
    assert_int_equal(notify_token_verify(key, 32, tok, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
                     URS_OK);
    assert_int_equal(id, 123);
    assert_string_equal(m.subject, "New job for you: Utilization Review RN");
    notify_message_free(&m);
    posting_free(&p);
}

/* A digest assembled from cached posting blocks is byte for byte the one rendered in full. */
static void test_render_cached_blocks(void **state)
{
    (void)state;
    struct config cfg;
    test_config(&cfg);
    struct db_subscriber sub;
    db_subscriber_init(&sub);
    sub.id = 5;
    sub.email = (char *)"cy@example.org";
    struct posting p[3];
    posting_fill(&p[0], 1, "Utilization Review RN \xe2\x80\x94 remote", "https://x.example/1",
                 MODE_REMOTE);
    posting_fill(&p[1], 2, "Prior Authorization Nurse", "https://x.example/2", MODE_REMOTE);
    posting_fill(&p[2], 3,
                 ".NET analyst with a very long title that goes on and on and on and "
                 "on past the quoted-printable line length",
                 "https://x.example/3", MODE_HYBRID);
    struct sbuf blocks[3][2];
    struct notify_item plain[3], cached[3];
    for (int i = 0; i < 3; i++) {
        sbuf_init(&blocks[i][0], 1 << 16);
        sbuf_init(&blocks[i][1], 1 << 16);
        assert_int_equal(notify_render_block(&p[i], 1770000000, &blocks[i][0], &blocks[i][1]),
                         URS_OK);
        plain[i] = (struct notify_item){.p = &p[i]};
        cached[i] =
            (struct notify_item){.p = &p[i], .text_qp = &blocks[i][0], .html_qp = &blocks[i][1]};
    }
    cached[1].note = "keep going"; /* a note: rendered in full even with a block */
    plain[1].note = "keep going";
    struct notify_digest d1 = {.sub = &sub, .items = plain, .items_len = 3, .now = 1770000000};
    struct notify_digest d2 = d1;
    d2.items = cached;
    struct notify_message m1, m2;
    notify_message_init(&m1);
    notify_message_init(&m2);
    m2.no_parts = true;
    assert_int_equal(notify_render(&d1, &cfg, &m1, NULL), URS_OK);
    assert_int_equal(notify_render(&d2, &cfg, &m2, NULL), URS_OK);
    assert_string_equal(sbuf_str(&m1.enc_text), sbuf_str(&m2.enc_text));
    assert_string_equal(sbuf_str(&m1.enc_html), sbuf_str(&m2.enc_html));
    assert_int_equal(m2.text.len, 0);
    assert_int_equal(m1.message.len, m2.message.len);
    notify_message_free(&m1);
    notify_message_free(&m2);
    for (int i = 0; i < 3; i++) {
        sbuf_free(&blocks[i][0]);
        sbuf_free(&blocks[i][1]);
        posting_free(&p[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qp_long_and_special_lines),
        cmocka_unit_test(test_qp_every_byte),
        cmocka_unit_test(test_qp_decode_and_mime_part),
        cmocka_unit_test(test_header_encoded_words),
        cmocka_unit_test(test_header_injection),
        cmocka_unit_test(test_header_folds_plain_ascii),
        cmocka_unit_test(test_header_address),
        cmocka_unit_test(test_email_check),
        cmocka_unit_test(test_token_roundtrip_and_forgery),
        cmocka_unit_test(test_timed_token),
        cmocka_unit_test(test_token_uses_constant_time_compare),
        cmocka_unit_test(test_render_hostile_postings),
        cmocka_unit_test(test_render_salary_wording),
        cmocka_unit_test(test_render_refuses_incomplete_config),
        cmocka_unit_test(test_next_due),
        cmocka_unit_test(test_next_due_threads),
        cmocka_unit_test(test_token_in_render_verifies),
        cmocka_unit_test(test_render_cached_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
