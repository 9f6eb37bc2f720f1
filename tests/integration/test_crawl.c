/* SPDX-License-Identifier: MIT */
/* Crawls against loopback servers: robots.txt (C1, C2), rate limits (C3), retries and partial
 * listings (C4), conditional GET (C8), politeness (C9). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sbuf.h"
#include "crawl_harness.h"
#include "httpd.h"
#include "testutil.h"

#define JSON_CT "Content-Type: application/json\r\n"

/* base + path in one of a ring of buffers (enough for one test's sources). */
static const char *at(struct httpd *s, const char *path)
{
    static char ring[32][256];
    static unsigned next;
    char *b = ring[next++ % 32];
    snprintf(b, sizeof ring[0], "%s%s", httpd_base(s), path);
    return b;
}

static void board(struct httpd *s, const char *name, const char *prefix, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/boards/%s/jobs?content=true", name);
    char *body = ch_greenhouse(prefix, n);
    httpd_simple(s, path, 200, JSON_CT, body);
    free(body);
}

static const char *board_path(const char *name)
{
    static char ring[8][128];
    static unsigned next;
    char *b = ring[next++ % 8];
    snprintf(b, sizeof ring[0], "/v1/boards/%s/jobs?content=true", name);
    return b;
}

/* A simple board: robots.txt absent (404), three postings, the UA sent, robots.txt cached. */
static void test_basic(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    board(s, "acme", "a", 3);
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    struct config_source src[] = {ch_source("acme", "greenhouse", httpd_base(s), "acme")};
    ch_run(&c, &o, src, 1);
    const struct ch_report *r = ch_report(&c, "acme");
    assert_true(r->complete);
    assert_false(r->not_modified);
    assert_int_equal(r->pages, 1);
    assert_int_equal(r->postings, 3);
    assert_int_equal(r->errors, 0);
    assert_null(r->error);
    assert_true(ch_has(&c, "acme", "a-0") && ch_has(&c, "acme", "a-2"));
    size_t n;
    struct httpd_log *log = httpd_log_copy(s, &n);
    assert_int_equal(n, 2);
    assert_string_equal(log[0].target, "/robots.txt");
    assert_string_equal(log[1].target, board_path("acme"));
    assert_string_equal(log[1].user_agent, CH_UA);
    free(log);
    const struct ch_entry *cached = ch_robots_find(&c, httpd_base(s));
    assert_non_null(cached);
    assert_int_equal(cached->status, 404);
    ch_free(&c);
    httpd_stop(s);
}

/* C1: robots.txt 500/503/429/reset: no page requested, "robots.txt unreachable"; 4xx: crawled. */
static void test_robots_unreachable(void **state)
{
    (void)state;
    static const int codes[] = {500, 503, 429, 0 /* reset */, 404, 410, 403};
    enum { N = sizeof codes / sizeof codes[0] };
    struct httpd *s[N];
    struct config_source src[N];
    char names[N][16];
    for (size_t i = 0; i < N; i++) {
        s[i] = httpd_start();
        snprintf(names[i], sizeof names[i], "r%d", codes[i]);
        struct httpd_resp robots = {.kind = codes[i] ? HTTPD_BODY : HTTPD_RESET,
                                    .status = codes[i],
                                    .body = "no",
                                    .body_len = 2};
        httpd_route(s[i], "/robots.txt", &robots, 1);
        board(s[i], names[i], names[i], 2);
        src[i] = ch_source(names[i], "greenhouse", httpd_base(s[i]), names[i]);
    }
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.parse_threads = 4; /* more parsing threads than jobs with work */
    ch_run(&c, &o, src, N);
    for (size_t i = 0; i < N; i++) {
        const struct ch_report *r = ch_report(&c, names[i]);
        bool unreachable = codes[i] == 0 || codes[i] >= 429;
        if (unreachable) {
            assert_false(r->complete);
            assert_int_equal(r->postings, 0);
            assert_string_equal(r->step, "robots");
            assert_true(ch_contains(r->error, "robots.txt unreachable"));
            assert_true(httpd_count(s[i], "/robots.txt") >= 1);
            assert_int_equal(httpd_count(s[i], ""), httpd_count(s[i], "/robots.txt"));
            assert_null(ch_robots_find(&c, httpd_base(s[i]))); /* not cached: retried next run */
        } else {
            assert_true(r->complete);
            assert_int_equal(r->postings, 2);
            assert_int_equal(httpd_count(s[i], board_path(names[i])), 1);
        }
    }
    /* Next cycle: the 500 host has a stored copy 10 days old (used), the 503 host is fixed,
       the 429 host's copy is 40 days old (too old: still unreachable). */
    ch_clear_run(&c);
    int64_t now = (int64_t)time(NULL);
    ch_robots_store(&c, httpd_base(s[0]), 200, "User-agent: *\nDisallow: /nothing\n",
                    now - 10 * 86400);
    httpd_simple(s[1], "/robots.txt", 200, NULL, "User-agent: *\nAllow: /\n");
    ch_robots_store(&c, httpd_base(s[2]), 200, "User-agent: *\nAllow: /\n", now - 40 * 86400);
    ch_run(&c, &o, src, 3);
    assert_true(ch_report(&c, "r500")->complete);
    assert_int_equal(ch_count(&c, "r500"), 2);
    assert_true(ch_report(&c, "r503")->complete);
    assert_false(ch_report(&c, "r429")->complete);
    assert_true(ch_contains(ch_report(&c, "r429")->error, "robots.txt unreachable"));
    ch_free(&c);
    for (size_t i = 0; i < N; i++)
        httpd_stop(s[i]);
}

/* C2: rules obeyed (case-insensitive agent), robots.txt fetched once in 24 h, again after. */
static void test_robots_rules_and_expiry(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    httpd_simple(s, "/robots.txt", 200, NULL,
                 "User-agent: *\nDisallow: /\n\n"
                 "User-agent: URSCOUT\nAllow: /v1/boards/open\nDisallow: /v1/boards/secret\n");
    board(s, "open", "o", 2);
    board(s, "secret", "x", 2);
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    int64_t t0 = 1800000000;
    struct config_source src[] = {ch_source("open", "greenhouse", httpd_base(s), "open"),
                                  ch_source("secret", "greenhouse", httpd_base(s), "secret")};
    ch_use_clock(&c, &o, t0);
    ch_run(&c, &o, src, 2);
    assert_true(ch_report(&c, "open")->complete);
    assert_int_equal(ch_count(&c, "open"), 2);
    const struct ch_report *r = ch_report(&c, "secret");
    assert_false(r->complete);
    assert_string_equal(r->step, "robots");
    assert_true(ch_contains(r->error, "disallowed by robots.txt"));
    assert_int_equal(httpd_count(s, "/v1/boards/secret"), 0);
    assert_int_equal(httpd_count(s, "/robots.txt"), 1);
    assert_int_equal(ch_robots_find(&c, httpd_base(s))->at, t0);

    ch_clear_run(&c);
    c.now = t0 + 3600; /* an hour later: the stored copy is fresh */
    ch_run(&c, &o, src, 2);
    assert_int_equal(httpd_count(s, "/robots.txt"), 1);
    assert_int_equal(httpd_count(s, board_path("open")), 2);
    assert_int_equal(httpd_count(s, "/v1/boards/secret"), 0);

    ch_clear_run(&c);
    c.now = t0 + 25 * 3600; /* expired: fetched again */
    ch_run(&c, &o, src, 2);
    assert_int_equal(httpd_count(s, "/robots.txt"), 2);
    assert_int_equal(ch_robots_find(&c, httpd_base(s))->at, t0 + 25 * 3600);
    ch_free(&c);
    httpd_stop(s);
}

/* C2: a 2 MB robots.txt: only the first 500 KiB are read and stored. */
static void test_robots_big_file(void **state)
{
    (void)state;
    size_t cap = 2 * 1024 * 1024;
    char *txt = malloc(cap + 1);
    assert_non_null(txt);
    size_t n = (size_t)snprintf(txt, cap, "User-agent: *\nDisallow: /v1/boards/early\n");
    while (n + 64 < cap - 64)
        n += (size_t)snprintf(txt + n, cap - n, "# %060zu\n", n);
    n += (size_t)snprintf(txt + n, cap - n, "Disallow: /v1/boards/late\n");
    struct httpd *s = httpd_start();
    struct httpd_resp robots = {.body = txt, .body_len = n};
    httpd_route(s, "/robots.txt", &robots, 1);
    free(txt);
    board(s, "early", "e", 1);
    board(s, "late", "l", 1);
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    struct config_source src[] = {ch_source("early", "greenhouse", httpd_base(s), "early"),
                                  ch_source("late", "greenhouse", httpd_base(s), "late")};
    ch_run(&c, &o, src, 2);
    assert_false(ch_report(&c, "early")->complete);
    assert_true(ch_report(&c, "late")->complete);
    const struct ch_entry *cached = ch_robots_find(&c, httpd_base(s));
    assert_non_null(cached);
    assert_int_equal(cached->status, 200);
    assert_true(cached->b_len <= 500 * 1024);
    ch_free(&c);
    httpd_stop(s);
}

static struct httpd_log *only(struct httpd *s, const char *target, size_t *n)
{
    size_t all;
    struct httpd_log *log = httpd_log_copy(s, &all);
    *n = 0;
    for (size_t i = 0; i < all; i++)
        if (strcmp(log[i].target, target) == 0)
            log[(*n)++] = log[i];
    return log;
}

/* C3: Retry-After in seconds and as an HTTP-date waited out; a huge one gives up. */
static void test_rate_limit(void **state)
{
    (void)state;
    struct httpd *a = httpd_start(), *b = httpd_start(), *c3 = httpd_start();
    char date_hdr[128];
    time_t wall0 = time(NULL);
    int64_t mono0 = httpd_now_ms();
    time_t due = wall0 + 3;
    struct tm tm;
    gmtime_r(&due, &tm);
    strftime(date_hdr, sizeof date_hdr, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    char *body = ch_greenhouse("rl", 2);
    struct httpd_resp seq[] = {
        {.status = 429, .headers = "Retry-After: 1\r\n"},
        {.status = 429, .headers = date_hdr},
        {.status = 200, .headers = JSON_CT, .body = body, .body_len = (size_t)-1},
    };
    httpd_route(a, board_path("slow"), seq, 3);
    free(body);
    httpd_simple(b, board_path("huge"), 429, "Retry-After: 999999\r\n", "go away");
    board(c3, "other", "ot", 1);
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.attempts = 4;
    struct config_source src[] = {ch_source("slow", "greenhouse", httpd_base(a), "slow"),
                                  ch_source("huge", "greenhouse", httpd_base(b), "huge"),
                                  ch_source("other", "greenhouse", httpd_base(c3), "other")};
    ch_run(&c, &o, src, 3);
    assert_true(ch_report(&c, "slow")->complete);
    assert_int_equal(ch_count(&c, "slow"), 2);
    size_t n;
    struct httpd_log *log = only(a, board_path("slow"), &n);
    assert_int_equal(n, 3);
    assert_true(log[1].t_ms - log[0].t_ms >= 1000 - 20);
    assert_true(log[2].t_ms >= mono0 + 2000 - 20); /* not before the stated date */
    free(log);
    const struct ch_report *r = ch_report(&c, "huge");
    assert_false(r->complete);
    assert_true(ch_contains(r->error, "rate limited until"));
    assert_true(r->rate_limited_until >= (int64_t)wall0 + 999999 - 5);
    assert_int_equal(httpd_count(b, board_path("huge")), 1);
    r = ch_report(&c, "other");
    assert_true(r->complete);
    /* not held up by "slow", which waits 2 s and more: done before it (no wall-clock bound,
       which a loaded machine running the ASan build can overshoot) */
    assert_true(r->done_ms < ch_report(&c, "slow")->done_ms);
    ch_free(&c);
    httpd_stop(a);
    httpd_stop(b);
    httpd_stop(c3);
}

/* C4: 500, 500, 200 recovers; 500 forever fails after 3 attempts; page 3 of 5 truncated. */
static void test_retries_and_partial(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    char *body = ch_greenhouse("ok", 3);
    struct httpd_resp seq[] = {
        {.status = 500, .body = "e", .body_len = 1},
        {.status = 502, .body = "e", .body_len = 1},
        {.status = 200, .headers = JSON_CT, .body = body, .body_len = (size_t)-1}};
    httpd_route(s, board_path("flaky"), seq, 3);
    free(body);
    httpd_simple(s, board_path("down"), 500, NULL, "broken");
    for (size_t page = 0; page < 5; page++) {
        char path[128];
        snprintf(path, sizeof path, "/v0/postings/part?mode=json&skip=%zu&limit=100", page * 100);
        char *p = ch_lever("pt", page * 100, page == 4 ? 50 : 100);
        if (page == 2)
            p[strlen(p) / 2] = '\0'; /* truncated JSON */
        httpd_simple(s, path, 200, JSON_CT, p);
        free(p);
    }
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.parse_threads = 0; /* the inline path, too */
    struct config_source src[] = {ch_source("flaky", "greenhouse", httpd_base(s), "flaky"),
                                  ch_source("down", "greenhouse", httpd_base(s), "down"),
                                  ch_source("part", "lever", httpd_base(s), "part")};
    ch_run(&c, &o, src, 3);
    const struct ch_report *r = ch_report(&c, "flaky");
    assert_true(r->complete);
    assert_int_equal(r->postings, 3);
    assert_int_equal(httpd_count(s, board_path("flaky")), 3);
    r = ch_report(&c, "down");
    assert_false(r->complete);
    assert_string_equal(r->step, "fetch");
    assert_true(ch_contains(r->error, "HTTP 500 (after 3 attempts)"));
    assert_true(ch_contains(r->error, board_path("down")));
    size_t n;
    struct httpd_log *log = only(s, board_path("down"), &n);
    assert_int_equal(n, 3);
    assert_true(log[1].t_ms - log[0].t_ms >= 25 - 5); /* backoff: base 50 ms, jitter >= half */
    assert_true(log[2].t_ms - log[1].t_ms >= 50 - 5);
    free(log);
    r = ch_report(&c, "part");
    assert_false(r->complete);
    assert_int_equal(r->postings, 200);
    assert_string_equal(r->step, "parse");
    assert_int_equal(httpd_count(s, "/v0/postings/part?mode=json&skip=300"), 0);
    assert_true(ch_has(&c, "part", "pt-199") && !ch_has(&c, "part", "pt-200"));
    ch_free(&c);
    httpd_stop(s);
}

/* C8: validators stored after a complete crawl, sent next time; 304 = unchanged, no parsing. */
static void test_conditional_get(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    char *body = ch_greenhouse("cg", 3);
    struct httpd_resp v1 = {.headers = JSON_CT,
                            .body = body,
                            .body_len = (size_t)-1,
                            .etag = "\"v1\"",
                            .last_modified = "Tue, 01 Dec 2026 10:00:00 GMT"};
    httpd_route(s, board_path("cond"), &v1, 1);
    free(body);
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    struct config_source src[] = {ch_source("cond", "greenhouse", httpd_base(s), "cond")};
    ch_run(&c, &o, src, 1);
    assert_int_equal(ch_count(&c, "cond"), 3);
    const struct ch_entry *v = ch_validators_find(&c, at(s, board_path("cond")));
    assert_non_null(v);
    assert_string_equal(v->a, "\"v1\"");
    assert_string_equal(v->b, "Tue, 01 Dec 2026 10:00:00 GMT");

    ch_clear_run(&c);
    ch_run(&c, &o, src, 1);
    const struct ch_report *r = ch_report(&c, "cond");
    assert_true(r->not_modified);
    assert_true(r->complete);
    assert_int_equal(r->postings, 0);
    assert_int_equal(r->pages, 1);
    size_t n;
    struct httpd_log *log = only(s, board_path("cond"), &n);
    assert_int_equal(n, 2);
    assert_string_equal(log[1].if_none_match, "\"v1\"");
    assert_string_equal(log[1].if_modified_since, "Tue, 01 Dec 2026 10:00:00 GMT");
    assert_int_equal(log[1].status, 304);
    free(log);

    body = ch_greenhouse("cg", 4);
    struct httpd_resp v2 = {
        .headers = JSON_CT, .body = body, .body_len = (size_t)-1, .etag = "\"v2\""};
    httpd_route(s, board_path("cond"), &v2, 1);
    free(body);
    ch_clear_run(&c);
    ch_run(&c, &o, src, 1);
    r = ch_report(&c, "cond");
    assert_false(r->not_modified);
    assert_int_equal(r->postings, 4);
    v = ch_validators_find(&c, at(s, board_path("cond")));
    assert_string_equal(v->a, "\"v2\"");
    assert_null(v->b);
    ch_free(&c);
    httpd_stop(s);
}

static void html_site(struct httpd *s, size_t jobs)
{
    struct sbuf list;
    sbuf_init(&list, 1 << 20);
    assert_int_equal(sbuf_puts(&list, "<html><body><ul>"), URS_OK);
    for (size_t i = 0; i < jobs; i++) {
        assert_int_equal(
            sbuf_printf(&list, "<li><a class=\"job\" href=\"/job/%zu\">Job %zu</a>", i, i), URS_OK);
        char path[64], page[1024];
        snprintf(path, sizeof path, "/job/%zu", i);
        snprintf(page, sizeof page,
                 "<html><head><script type=\"application/ld+json\">{\"@context\": "
                 "\"https://schema.org\", \"@type\": \"JobPosting\", \"identifier\": \"h-%zu\", "
                 "\"title\": \"UR Physical Therapist %zu\", \"description\": \"Remote review.\", "
                 "\"hiringOrganization\": {\"name\": \"Harborlight\"}}</script></head>"
                 "<body><h1>UR Physical Therapist %zu</h1></body></html>",
                 i, i, i);
        httpd_simple(s, path, 200, "Content-Type: text/html\r\n", page);
    }
    assert_int_equal(sbuf_puts(&list, "</ul></body></html>"), URS_OK);
    struct httpd_resp r = {.headers = "Content-Type: text/html\r\n",
                           .body = list.data,
                           .body_len = list.len,
                           .etag = "W/\"list-1\""};
    httpd_route(s, "/careers", &r, 1);
    sbuf_free(&list);
}

/* C8 with detail pages: an unchanged listing (304) means no detail page is fetched. */
static void test_conditional_get_details(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    html_site(s, 3);
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    struct config_source src[] = {ch_source("site", "html", at(s, "/careers"), NULL)};
    src[0].list_xpath = "//a[@class='job']/@href";
    ch_run(&c, &o, src, 1);
    assert_true(ch_report(&c, "site")->complete);
    assert_int_equal(ch_count(&c, "site"), 3);
    assert_int_equal(httpd_count(s, "/job/"), 3);
    ch_clear_run(&c);
    ch_run(&c, &o, src, 1);
    assert_true(ch_report(&c, "site")->not_modified);
    assert_int_equal(httpd_count(s, "/job/"), 3); /* none fetched again */
    assert_int_equal(httpd_count(s, "/careers"), 2);
    ch_free(&c);
    httpd_stop(s);
}

/* C9: one connection per host, >= Crawl-delay between request starts; 3600 s host skipped. */
static void test_politeness(void **state)
{
    (void)state;
    struct httpd *p = httpd_start(), *q = httpd_start();
    httpd_simple(p, "/robots.txt", 200, NULL, "User-agent: *\nCrawl-delay: 0.3\n");
    httpd_simple(q, "/robots.txt", 200, NULL, "User-agent: *\nCrawl-delay: 3600\n");
    enum { N = 5 };
    struct config_source src[N + 1];
    char names[N][8];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "b%zu", i);
        board(p, names[i], names[i], 1);
        src[i] = ch_source(names[i], "greenhouse", httpd_base(p), names[i]);
    }
    board(q, "far", "far", 1);
    src[N] = ch_source("far", "greenhouse", httpd_base(q), "far");
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.host_delay_ms = 100;
    ch_run(&c, &o, src, N + 1);
    for (size_t i = 0; i < N; i++)
        assert_true(ch_report(&c, names[i])->complete);
    assert_int_equal(httpd_max_conns(p), 1);
    size_t n;
    struct httpd_log *log = httpd_log_copy(p, &n);
    assert_int_equal(n, N + 1);
    assert_string_equal(log[0].target, "/robots.txt");
    assert_true(log[1].t_ms - log[0].t_ms >= 100 - 20);
    for (size_t i = 2; i < n; i++)
        assert_true(log[i].t_ms - log[i - 1].t_ms >= 300 - 20);
    free(log);
    const struct ch_report *r = ch_report(&c, "far");
    assert_false(r->complete);
    assert_string_equal(r->step, "robots");
    assert_true(ch_contains(r->error, "Crawl-delay 3600 s is over the limit"));
    assert_int_equal(httpd_count(q, ""), 1);
    ch_free(&c);
    httpd_stop(p);
    httpd_stop(q);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_robots_unreachable),
        cmocka_unit_test(test_robots_rules_and_expiry),
        cmocka_unit_test(test_robots_big_file),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_retries_and_partial),
        cmocka_unit_test(test_conditional_get),
        cmocka_unit_test(test_conditional_get_details),
        cmocka_unit_test(test_politeness),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
