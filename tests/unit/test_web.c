/* SPDX-License-Identifier: MIT */
/* Unit tests for web/: the request parser, the RFC 8058 form reader, routes, log paths, pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "web/web_int.h"

static int parse(const char *raw, struct web_request *req)
{
    int status = -1;
    int rc = web_request_parse(raw, strlen(raw), req, &status);
    assert_int_equal(rc == URS_OK, status == 0);
    return status;
}

static void test_head_end(void **state)
{
    (void)state;
    const char *r = "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY";
    size_t full = strlen(r) - 4;
    assert_int_equal(web_head_end(r, strlen(r), 0), full);
    /* fed a byte at a time, the end is found exactly when its last byte arrives */
    size_t found = 0, at = 0;
    for (size_t len = 1; len <= strlen(r) && !found; len++) {
        found = web_head_end(r, len, at);
        at = len;
        if (len < full)
            assert_int_equal(found, 0);
    }
    assert_int_equal(found, full);
    assert_int_equal(web_head_end("GET / HTTP/1.1\n\n", 16, 0), 0);
    assert_int_equal(web_head_end("\r\n\r", 3, 0), 0);
    assert_int_equal(web_head_end("", 0, 0), 0);
}

static void test_parse_accepts(void **state)
{
    (void)state;
    struct web_request q;
    assert_int_equal(parse("GET /u/u1.abc?utm=x HTTP/1.1\r\nHost: jobs\r\n\r\n", &q), 0);
    assert_int_equal(q.method, WEB_GET);
    assert_string_equal(q.path, "/u/u1.abc");
    assert_false(q.has_length);

    assert_int_equal(parse("HEAD / HTTP/1.0\r\n\r\n", &q), 0); /* 1.0 needs no Host */
    assert_int_equal(q.method, WEB_HEAD);

    assert_int_equal(parse("POST /u/t HTTP/1.1\r\nhost:x\r\nCONTENT-length:  26 \r\n"
                           "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
                           "X-Empty:\r\nX-Bytes: \xc3\xa9\t!\r\n\r\n",
                           &q),
                     0);
    assert_int_equal(q.method, WEB_POST);
    assert_true(q.has_length);
    assert_int_equal(q.content_length, 26);
    assert_true(q.form_urlencoded);
    assert_false(q.multipart);

    /* the same Content-Length twice is one value (RFC 9110 8.6) */
    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                           "Content-Length: 3\r\n\r\n",
                           &q),
                     0);
    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Type: "
                           "multipart/form-data; charset=utf-8; boundary=\"a b\\\"c\"\r\n\r\n",
                           &q),
                     0);
    assert_true(q.multipart);
    assert_string_equal(q.boundary, "a b\"c");
    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Type: "
                           "Multipart/Form-Data;boundary=XyZ\r\n\r\n",
                           &q),
                     0);
    assert_true(q.multipart);
    assert_string_equal(q.boundary, "XyZ");
}

struct refusal {
    const char *raw;
    int status;
};

static void test_parse_refuses(void **state)
{
    (void)state;
    static char long_target[WEB_MAX_TARGET + 64], many[WEB_MAX_HEADERS * 8 + 64];
    int n = snprintf(long_target, sizeof long_target, "GET /");
    memset(long_target + n, 'a', WEB_MAX_TARGET);
    (void)snprintf(long_target + n + WEB_MAX_TARGET,
                   sizeof long_target - (size_t)n - WEB_MAX_TARGET, " HTTP/1.1\r\nHost: x\r\n\r\n");
    n = snprintf(many, sizeof many, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < WEB_MAX_HEADERS; i++)
        n += snprintf(many + n, sizeof many - (size_t)n, "A: b\r\n");
    (void)snprintf(many + n, sizeof many - (size_t)n, "\r\n");
    const struct refusal cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", 400},                       /* no Host */
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400}, /* two Hosts */
        {"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400}, /* two spaces */
        {"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
        {"GET /\tx HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},           /* space before the colon */
        {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400}, /* obs-fold */
        {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400}, /* bare LF inside */
        {"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400}, /* bare CR inside */
        {"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n: empty name\r\n\r\n", 400},
        {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET http://jobs/u/x HTTP/1.1\r\nHost: a\r\n\r\n", 400}, /* absolute form */
        {"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 405},
        {"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET /u/x#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
        {"GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
        {"GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400},
        {"GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET / http/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET /\r\nHost: a\r\n\r\n", 400},
        {"PUT / HTTP/1.1\r\nHost: a\r\n\r\n", 405},
        {"DELETE /u/x HTTP/1.1\r\nHost: a\r\n\r\n", 405},
        {"get / HTTP/1.1\r\nHost: a\r\n\r\n", 405}, /* methods are case-sensitive */
        {"G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"AVERYLONGMETHODNAMEX / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\n\r\n", 411},
        {"POST / HTTP/1.0\r\n\r\n", 411},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
         400},
        {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 411},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4097\r\n\r\n", 413},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n", 413},
        {"GET / HTTP/1.1\r\nHost: a\r\n", 400}, /* no end of head */
        {"", 400},
        {long_target, 414},
        {many, 431},
    };
    struct web_request q;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = parse(cases[i].raw, &q);
        if (got != cases[i].status)
            fail_msg("case %zu: status %d, want %d: %.60s", i, got, cases[i].status, cases[i].raw);
    }
    /* over the head limit as a whole */
    char *big = malloc(WEB_MAX_HEADER + 64);
    assert_non_null(big);
    n = snprintf(big, WEB_MAX_HEADER + 64, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    memset(big + n, 'x', WEB_MAX_HEADER);
    memcpy(big + n + WEB_MAX_HEADER, "\r\n\r\n", 5);
    assert_int_equal(parse(big, &q), 431);
    free(big);
}

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
    struct web_request q;
    memset(&q, 0, sizeof q);
    q.form_urlencoded = true;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (web_form_one_click(&q, cases[i].body, strlen(cases[i].body)) != cases[i].want)
            fail_msg("case %zu (%s): want %d", i, cases[i].body, cases[i].want);
    /* the length given is the body: bytes past it are not read */
    assert_false(web_form_one_click(&q, "List-Unsubscribe=One-Click", 20));
    /* a long body of separators and long fields stays bounded and false */
    char *big = malloc(WEB_MAX_BODY + 1);
    assert_non_null(big);
    memset(big, '&', WEB_MAX_BODY);
    big[WEB_MAX_BODY] = '\0';
    assert_false(web_form_one_click(&q, big, WEB_MAX_BODY));
    memset(big, 'a', WEB_MAX_BODY);
    big[100] = '=';
    assert_false(web_form_one_click(&q, big, WEB_MAX_BODY));
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
    struct web_request q;
    memset(&q, 0, sizeof q);
    q.multipart = true;
    (void)snprintf(q.boundary, sizeof q.boundary, "XyZ");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (web_form_one_click(&q, cases[i].body, strlen(cases[i].body)) != cases[i].want)
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

    assert_string_equal(web_route_token(&site, "/u/u1.abc"), "u1.abc");
    assert_string_equal(web_route_token(&site, "/jobs/u/u1.abc"), "u1.abc");
    assert_string_equal(web_route_token(&site, "/u/"), "");
    assert_null(web_route_token(&site, "/other/u/u1.abc"));
    assert_null(web_route_token(&site, "/jobsu/u1"));
    assert_null(web_route_token(&site, "/u"));
    assert_null(web_route_token(&site, "/"));

    char out[96];
    const char *token = "u12.AAAAAAAAAAAAAAAAAAAAAA";
    char path[128];
    (void)snprintf(path, sizeof path, "/jobs/u/%s", token);
    web_path_for_log(&site, path, out, sizeof out);
    assert_string_equal(out, "/jobs/u/[token]");
    (void)snprintf(path, sizeof path, "/u/%s", token);
    web_path_for_log(&site, path, out, sizeof out);
    assert_string_equal(out, "/u/[token]");
    /* a token somewhere else is a long segment: never logged */
    (void)snprintf(path, sizeof path, "/%%75/%s", token);
    web_path_for_log(&site, path, out, sizeof out);
    assert_string_equal(out, "/%75/[...]");
    assert_null(strstr(out, "AAAA"));
    web_path_for_log(&site, "/favicon.ico", out, sizeof out);
    assert_string_equal(out, "/favicon.ico");
    web_path_for_log(&site,
                     "/a\x01"
                     "b",
                     out, sizeof out);
    assert_string_equal(out, "/a?b");
    char longp[400];
    memset(longp, 0, sizeof longp);
    for (size_t i = 0; i < 60; i++)
        memcpy(longp + i * 5, "/abcd", 5);
    web_path_for_log(&site, longp, out, sizeof out);
    assert_true(strlen(out) <= 64);
    web_path_for_log(&site, longp, out, 8); /* a small buffer stays terminated */
    assert_true(strlen(out) < 8);
}

/* Content-Length says exactly how many bytes follow the head. */
static void check_length(const char *resp, size_t len, bool head)
{
    const char *end = strstr(resp, "\r\n\r\n");
    const char *cl = strstr(resp, "Content-Length: ");
    assert_non_null(end);
    assert_non_null(cl);
    size_t body = len - (size_t)(end + 4 - resp);
    size_t said = strtoul(cl + 16, NULL, 10);
    assert_int_equal(body, head ? 0 : said);
    assert_true(said > 0);
}

static void test_status_pages(void **state)
{
    (void)state;
    static const int statuses[] = {400, 404, 405, 408, 411, 413, 414, 431, 503, 505};
    struct sbuf b;
    sbuf_init(&b, WEB_MAX_RESPONSE);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        for (int head = 0; head < 2; head++) {
            assert_int_equal(web_respond_status(&b, statuses[i], head), URS_OK);
            char line[32];
            (void)snprintf(line, sizeof line, "HTTP/1.1 %d ", statuses[i]);
            assert_true(strncmp(sbuf_str(&b), line, strlen(line)) == 0);
            assert_non_null(strstr(sbuf_str(&b), "\r\nConnection: close\r\n"));
            assert_non_null(
                strstr(sbuf_str(&b), "\r\nContent-Security-Policy: default-src 'none'"));
            assert_null(strstr(sbuf_str(&b), "Set-Cookie"));
            check_length(sbuf_str(&b), b.len, head);
        }
    }
    assert_int_equal(web_respond_status(&b, 405, false), URS_OK);
    assert_non_null(strstr(sbuf_str(&b), "\r\nAllow: GET, HEAD, POST\r\n"));
    sbuf_free(&b);
}

/* Random damage to valid requests: the parser answers every one, within bounds. */
static void test_parse_mutations(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "POST /u/u1.abc HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\nContent-Type: "
        "multipart/form-data; boundary=\"ab\"\r\n\r\n",
        "GET /jobs/u/u1.abc?x=1 HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    static const char alphabet[] = "\r\n :;=\"\\/?#%\t\x01\x7f\x80GETPOSTHTTP/1.1";
    unsigned seed = 12345;
    char buf[512];
    struct web_request q;
    for (int round = 0; round < 20000; round++) {
        const char *s = seeds[round % 2];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % (n - 4);
            buf[at] = alphabet[(seed >> 20) % (sizeof alphabet - 1)];
        }
        memcpy(buf + n - 4, "\r\n\r\n", 4);
        size_t end = web_head_end(buf, n, 0);
        if (end == 0)
            continue;
        int status = -1;
        int rc = web_request_parse(buf, end, &q, &status);
        if (rc == URS_OK) {
            assert_int_equal(status, 0);
            assert_true(q.path[0] == '/');
            assert_null(strchr(q.path, '?'));
            assert_true(q.content_length <= WEB_MAX_BODY);
        } else {
            assert_true(status >= 400 && status <= 505);
        }
        (void)web_form_one_click(&q, buf, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_end),       cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_refuses),  cmocka_unit_test(test_form_urlencoded),
        cmocka_unit_test(test_form_multipart), cmocka_unit_test(test_routes_and_log_paths),
        cmocka_unit_test(test_status_pages),   cmocka_unit_test(test_parse_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
