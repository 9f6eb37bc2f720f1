/* SPDX-License-Identifier: MIT */
/* Unit tests for web/: the form reader, routes and log paths, CSRF tokens, pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "web/web_int.h"

struct form_case {
    const char *body;
    bool want;
};

static void test_form_urlencoded(void **state)
{
    (void)state;
    const struct form_case cases[] = {
        {"List-Unsubscribe=One-Click", true},
        {"a=1&List-Unsubscribe=One-Click&b=", true},
        {"List%2DUnsubscribe=One%2dClick", true},
        {"List-Unsubscribe=One-Click&", true},
        {"&&List-Unsubscribe=One-Click", true},
        {"List-Unsubscribe=one-click", false},
        {"list-unsubscribe=One-Click", false},
        {"List-Unsubscribe=One-Click%", false}, /* bad escape anywhere refuses all */
        {"List-Unsubscribe=One-Click&x=%zz", false},
        {"List-Unsubscribe=One-Click%0", false},
        {"List-Unsubscribe=One-Click%00", false}, /* decoded control */
        {"List-Unsubscribe%00=One-Click", false},
        {"List-Unsubscribe=One-Click+", false},
        {"List-Unsubscribe= One-Click", false},
        {"List-Unsubscribe=One-Click=", false},
        {"List-Unsubscribe", false},
        {"=One-Click", false},
        {"One-Click", false},
        {"", false},
        {"List-Unsubscribe=One-ClickOne-ClickOne-ClickOne-ClickOne-ClickOne-ClickOne-Click", false},
    };
    const char *q = "application/x-www-form-urlencoded";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (web_form_one_click(q, cases[i].body, strlen(cases[i].body)) != cases[i].want)
            fail_msg("case %zu (%s): want %d", i, cases[i].body, cases[i].want);
    /* the length given is the body: bytes past it are not read */
    assert_false(web_form_one_click(q, "List-Unsubscribe=One-Click", 20));
    /* a long body of separators and long fields stays bounded and false */
    char *big = malloc(WEB_MAX_BODY + 1);
    assert_non_null(big);
    memset(big, '&', WEB_MAX_BODY);
    big[WEB_MAX_BODY] = '\0';
    assert_false(web_form_one_click(q, big, WEB_MAX_BODY));
    memset(big, 'a', WEB_MAX_BODY);
    big[100] = '=';
    assert_false(web_form_one_click(q, big, WEB_MAX_BODY));
    free(big);
}

static void test_form_multipart(void **state)
{
    (void)state;
    const struct form_case cases[] = {
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
         "One-Click\r\n--XyZ--\r\n",
         true},
        /* what curl -F sends: a preamble-free body, a second part first */
        {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
         "--XyZ\r\ncontent-disposition: form-data; name=List-Unsubscribe\r\n"
         "Content-Type: text/plain\r\n\r\nOne-Click\r\n--XyZ--\r\n",
         true},
        {"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
         "One-Click\r\n--XyZ--",
         true},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
         "One-Click\r\n", /* no closing delimiter */
         false},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
         "One-Clicks\r\n--XyZ--\r\n",
         false},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
         "One-Click\r\n--XyZ--\r\n", /* no blank line after the part head */
         false},
        {"--XyZ\r\nContent-Disposition: attachment; name=\"List-Unsubscribe\"\r\n\r\n"
         "One-Click\r\n--XyZ--\r\n",
         false},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\x01\"\r\n\r\n"
         "One-Click\r\n--XyZ--\r\n",
         false},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsub", false},
        {"--XyZ--\r\n", false},
        {"--XyZ", false},
        {"--Xy", false},
        {"", false},
        {"List-Unsubscribe=One-Click", false}, /* not multipart although declared so */
    };
    const char *q = "multipart/form-data; boundary=XyZ";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (web_form_one_click(q, cases[i].body, strlen(cases[i].body)) != cases[i].want)
            fail_msg("case %zu: want %d: %s", i, cases[i].want, cases[i].body);
}

static void test_routes_and_log_paths(void **state)
{
    (void)state;
    struct web_site site;
    struct err e;
    memset(&site, 0, sizeof site);
    err_clear(&e);
    assert_int_equal(web_site_prefix(&site, "https://jobs.example.org", &e), URS_OK);
    assert_string_equal(site.prefix, "");
    assert_int_equal(web_site_prefix(&site, "https://jobs.example.org/", &e), URS_OK);
    assert_string_equal(site.prefix, "");
    assert_int_equal(web_site_prefix(&site, "https://x.example/a/b//", &e), URS_OK);
    assert_string_equal(site.prefix, "/a/b");
    assert_int_equal(web_site_prefix(&site, "https://x.example/a\"b", &e), URS_EINVAL);
    assert_non_null(strstr(e.msg, "base_url"));
    err_clear(&e);
    assert_int_equal(web_site_prefix(&site, "https://x.example/jobs", &e), URS_OK);
    assert_string_equal(site.prefix, "/jobs");

    site.site_name = "x";
    assert_string_equal(web_strip_prefix(&site, "/jobs/u/u1.abc"), "/u/u1.abc");
    assert_string_equal(web_strip_prefix(&site, "/u/u1.abc"), "/u/u1.abc");
    assert_string_equal(web_strip_prefix(&site, "/jobsu/u1"), "/jobsu/u1");
    char arg[WEB_MAX_ARG + 1];
    assert_true(web_route_match("/u/{}", "/u/u1.abc", arg));
    assert_string_equal(arg, "u1.abc");
    assert_false(web_route_match("/u/{}", "/u/", arg));
    assert_false(web_route_match("/u/{}", "/u/a/b", arg));
    assert_false(web_route_match("/u/{}", "/u/a%20b", arg));
    assert_false(web_route_match("/u/{}", "/other/u/u1.abc", arg));
    assert_true(web_route_match("/m/{}.atom", "/m/p1.xyz.atom", arg));
    assert_string_equal(arg, "p1.xyz");
    assert_false(web_route_match("/m/{}.atom", "/m/.atom", arg));
    assert_true(web_route_match("/style.css", "/style.css", NULL));
    char longarg[WEB_MAX_ARG + 8];
    memset(longarg, 0, sizeof longarg);
    memcpy(longarg, "/u/", 3);
    memset(longarg + 3, 'a', WEB_MAX_ARG + 1);
    assert_false(web_route_match("/u/{}", longarg, arg));
    const struct web_route *found = NULL;
    unsigned allow = 0;
    assert_int_equal(web_route_find(web_route_tables, "/u/x1", WEB_GET, &found, arg, &allow), 0);
    assert_non_null(found);
    assert_int_equal(web_route_find(web_route_tables, "/u/x1", WEB_HEAD, &found, arg, &allow), 0);
    assert_int_equal(web_route_find(web_route_tables, "/style.css", WEB_POST, &found, arg, &allow),
                     405);
    assert_int_equal(allow, WEB_GET);
    char list[32];
    web_allow_list(WEB_GET | WEB_POST, list, sizeof list);
    assert_string_equal(list, "GET, HEAD, POST");
    assert_int_equal(web_route_find(web_route_tables, "/nothing", WEB_GET, &found, arg, &allow),
                     404);

    char out[96];
    const char *token = "u12.AAAAAAAAAAAAAAAAAAAAAA";
    char path[128];
    (void)snprintf(path, sizeof path, "/jobs/u/%s", token);
    web_path_for_log(web_route_tables, &site, path, out, sizeof out);
    assert_string_equal(out, "/jobs/u/[token]");
    (void)snprintf(path, sizeof path, "/u/%s", token);
    web_path_for_log(web_route_tables, &site, path, out, sizeof out);
    assert_string_equal(out, "/u/[token]");
    /* a token somewhere else is a long segment: never logged */
    (void)snprintf(path, sizeof path, "/%%75/%s/x", token);
    web_path_for_log(web_route_tables, &site, path, out, sizeof out);
    assert_string_equal(out, "/%75/[...]/x");
    assert_null(strstr(out, "AAAA"));
    web_path_for_log(web_route_tables, &site, "/favicon.ico", out, sizeof out);
    assert_string_equal(out, "/favicon.ico");
    web_path_for_log(web_route_tables, &site,
                     "/a\x01"
                     "b",
                     out, sizeof out);
    assert_string_equal(out, "/a?b");
    char longp[400];
    memset(longp, 0, sizeof longp);
    for (size_t i = 0; i < 60; i++)
        memcpy(longp + i * 5, "/abcd", 5);
    web_path_for_log(web_route_tables, &site, longp, out, sizeof out);
    assert_true(strlen(out) <= 64);
    web_path_for_log(web_route_tables, &site, longp, out, 8); /* a small buffer stays terminated */
    assert_true(strlen(out) < 8);
}

/* Every page the framework builds: the status, the layout, the stylesheet link, escaping. */
static void test_pages_and_dispatch(void **state)
{
    (void)state;
    struct web_site site;
    memset(&site, 0, sizeof site);
    site.site_name = "Jobs <&> \"UR\"";
    (void)snprintf(site.prefix, sizeof site.prefix, "/jobs");
    static const int statuses[] = {400, 403, 404, 405, 408, 411, 413, 414, 429, 431, 503};
    struct web_resp r;
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        web_resp_init(&r);
        assert_int_equal(web_resp_page_status(&r, &site, statuses[i]), URS_OK);
        assert_int_equal(r.status, statuses[i]);
        assert_non_null(strstr(sbuf_str(&r.body), "<link rel=\"stylesheet\" href=\"/jobs/style.css\">"));
        assert_non_null(strstr(sbuf_str(&r.body), "Jobs &lt;&amp;&gt; &quot;UR&quot;"));
        assert_null(strstr(sbuf_str(&r.body), "<&>"));
        assert_non_null(strstr(sbuf_str(&r.body), web_status_reason(statuses[i])));
        web_resp_free(&r);
    }
    /* routing through the whole table: 404, 405 with Allow, the stylesheet */
    struct web_req q;
    memset(&q, 0, sizeof q);
    q.method = WEB_POST;
    q.body = "";
    web_resp_init(&r);
    assert_int_equal(web_dispatch(&site, &q, "/jobs/style.css", &r), URS_OK);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.headers[0].name, "Allow");
    assert_string_equal(r.headers[0].value, "GET, HEAD");
    web_resp_free(&r);
    q.method = WEB_GET;
    web_resp_init(&r);
    assert_int_equal(web_dispatch(&site, &q, "/jobs/nowhere", &r), URS_OK);
    assert_int_equal(r.status, 404);
    web_resp_free(&r);
    web_resp_init(&r);
    assert_int_equal(web_dispatch(&site, &q, "/style.css", &r), URS_OK);
    assert_int_equal(r.status, 200);
    assert_true(r.cacheable);
    assert_string_equal(sbuf_str(&r.body), web_stylesheet);
    web_resp_free(&r);
    /* response headers: no CR/LF, bounded */
    web_resp_init(&r);
    assert_int_equal(web_resp_header(&r, "Location", "/a\r\nSet-Cookie: x"), URS_EINVAL);
    assert_int_equal(web_resp_header(&r, "Bad Name", "x"), URS_EINVAL);
    for (int i = 0; i < WEB_RESP_HEADERS; i++)
        assert_int_equal(web_resp_header(&r, "X-A", "1"), URS_OK);
    assert_int_equal(web_resp_header(&r, "X-A", "1"), URS_ELIMIT);
    web_resp_free(&r);
    /* every response carries the security headers */
    bool csp = false, nosniff = false, referrer = false;
    for (size_t i = 0; web_security_headers[i]; i += 2) {
        csp |= strcmp(web_security_headers[i], "Content-Security-Policy") == 0 &&
               strstr(web_security_headers[i + 1], "default-src 'none'") &&
               strstr(web_security_headers[i + 1], "form-action 'self'") &&
               strstr(web_security_headers[i + 1], "frame-ancestors 'none'");
        nosniff |= strcmp(web_security_headers[i], "X-Content-Type-Options") == 0;
        referrer |= strcmp(web_security_headers[i + 1], "no-referrer") == 0;
    }
    assert_true(csp && nosniff && referrer);
}

static void test_csrf(void **state)
{
    (void)state;
    struct web_site site, other;
    memset(&site, 0, sizeof site);
    site.hmac_key = "0123456789abcdef0123";
    site.hmac_key_len = 20;
    other = site;
    other.hmac_key = "0123456789abcdef0124";
    char tok[WEB_CSRF_MAX];
    int64_t now = 1800000000;
    assert_int_equal(web_csrf_make(&site, "p:12", now, tok), URS_OK);
    assert_true(web_csrf_check(&site, "p:12", tok, now));
    assert_true(web_csrf_check(&site, "p:12", tok, now + WEB_CSRF_TTL));
    assert_false(web_csrf_check(&site, "p:12", tok, now + WEB_CSRF_TTL + 1)); /* expired */
    assert_false(web_csrf_check(&site, "p:12", tok, now - 3600));            /* from the future */
    assert_false(web_csrf_check(&site, "p:13", tok, now));                    /* another subject */
    assert_false(web_csrf_check(&other, "p:12", tok, now));                   /* another key */
    assert_false(web_csrf_check(&site, "p:12", NULL, now));
    assert_false(web_csrf_check(&site, "p:12", "", now));
    assert_false(web_csrf_check(&site, "p:12", "1800000000", now));
    assert_false(web_csrf_check(&site, "p:12", ".abc", now));
    char bad[WEB_CSRF_MAX];
    for (size_t i = 0; tok[i]; i++) { /* every single-character change is refused */
        memcpy(bad, tok, sizeof bad);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        if (strcmp(bad, tok) != 0)
            assert_false(web_csrf_check(&site, "p:12", bad, now));
    }
    memcpy(bad, tok, sizeof bad);
    bad[strlen(bad) - 1] = '\0';
    assert_false(web_csrf_check(&site, "p:12", bad, now));
    struct sbuf b;
    sbuf_init(&b, 1024);
    assert_int_equal(web_csrf_field(&b, &site, "p:12", now), URS_OK);
    assert_non_null(strstr(sbuf_str(&b), "name=\"csrf\" value=\"1800000000."));
    sbuf_free(&b);
}

static void test_form_fields(void **state)
{
    (void)state;
    struct web_form f;
    const char *body = "d=PT&d=OT&kw=utilization+review&x=%C3%A9&e=";
    assert_int_equal(web_form_parse(NULL, body, strlen(body), &f), URS_OK);
    assert_int_equal(f.n, 5);
    assert_int_equal(web_form_count(&f, "d"), 2);
    assert_string_equal(web_form_nth(&f, "d", 1), "OT");
    assert_null(web_form_nth(&f, "d", 2));
    assert_string_equal(web_form_get(&f, "kw"), "utilization review");
    assert_string_equal(web_form_get(&f, "x"), "\xc3\xa9");
    assert_string_equal(web_form_get(&f, "e"), "");
    assert_null(web_form_get(&f, "zz"));
    web_form_free(&f);
    /* a value may hold newlines (a textarea), a name may not */
    assert_int_equal(web_form_parse(NULL, "ex=a%0D%0Ab", 11, &f), URS_OK);
    assert_string_equal(web_form_get(&f, "ex"), "a\r\nb");
    web_form_free(&f);
    assert_int_equal(web_form_parse(NULL, "e%0Ax=1", 7, &f), URS_EPARSE);
    assert_int_equal(web_form_parse(NULL, "a=%zz", 5, &f), URS_EPARSE);
    assert_int_equal(web_form_parse(NULL, "noequals", 8, &f), URS_EPARSE);
    /* bounds: too many fields, a value too long */
    char many[WEB_FORM_MAX_FIELDS * 4 + 8];
    size_t n = 0;
    for (int i = 0; i <= WEB_FORM_MAX_FIELDS; i++) {
        memcpy(many + n, "a=1&", 4);
        n += 4;
    }
    assert_int_equal(web_form_parse(NULL, many, n, &f), URS_ELIMIT);
    char *longv = malloc(WEB_FORM_MAX_VALUE + 8);
    assert_non_null(longv);
    memcpy(longv, "a=", 2);
    memset(longv + 2, 'v', WEB_FORM_MAX_VALUE + 1);
    assert_int_equal(web_form_parse(NULL, longv, WEB_FORM_MAX_VALUE + 3, &f), URS_ELIMIT);
    assert_int_equal(web_form_parse(NULL, longv, WEB_FORM_MAX_VALUE + 2, &f), URS_OK);
    web_form_free(&f);
    free(longv);
    /* multipart with repeated fields */
    const char *mp = "--B\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\nPT\r\n"
                     "--B\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\nRN\r\n--B--\r\n";
    assert_int_equal(web_form_parse("multipart/form-data; boundary=B", mp, strlen(mp), &f), URS_OK);
    assert_int_equal(web_form_count(&f, "d"), 2);
    assert_string_equal(web_form_nth(&f, "d", 1), "RN");
    web_form_free(&f);
    assert_int_equal(web_form_parse("multipart/form-data", mp, strlen(mp), &f), URS_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_urlencoded),   cmocka_unit_test(test_form_multipart),
        cmocka_unit_test(test_form_fields),       cmocka_unit_test(test_routes_and_log_paths),
        cmocka_unit_test(test_pages_and_dispatch), cmocka_unit_test(test_csrf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
