/* SPDX-License-Identifier: MIT */
/* Crawls that must fail cleanly: slow and hung servers (C5), oversized bodies and bombs (C6),
 * redirect abuse and private addresses (C7), stop flag, refusing callback, DNS, page limits. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crawl_harness.h"
#include "httpd.h"
#include "testutil.h"

#define RSS_CT "Content-Type: application/rss+xml\r\n"

static const char *at(struct httpd *s, const char *path)
{
    static char ring[32][256];
    static unsigned next;
    char *b = ring[next++ % 32];
    snprintf(b, sizeof ring[0], "%s%s", httpd_base(s), path);
    return b;
}

static char *feed(const char *prefix, size_t n)
{
    size_t cap = 1024 + n * 256;
    char *b = malloc(cap);
    assert_non_null(b);
    size_t len = (size_t)snprintf(b, cap,
                                  "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                                  "<title>Jobs</title>");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(b + len, cap - len,
                                "<item><title>Utilization Review RN %zu</title>"
                                "<link>https://jobs.example/%s/%zu</link>"
                                "<guid>%s-%zu</guid><description>Remote UM review.</description>"
                                "</item>",
                                i, prefix, i, prefix, i);
    snprintf(b + len, cap - len, "</channel></rss>");
    return b;
}

static void serve_feed(struct httpd *s, const char *path, const char *prefix, size_t n)
{
    char *f = feed(prefix, n);
    httpd_simple(s, path, 200, RSS_CT, f);
    free(f);
}

static void route_kind(struct httpd *s, const char *path, enum httpd_kind kind)
{
    struct httpd_resp r = {.kind = kind};
    httpd_route(s, path, &r, 1);
}

/* C5: one byte a second, and a server that never answers: both end by the low-speed limit. */
static void test_slow_and_hung(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    route_kind(s, "/drip", HTTPD_DRIP);
    route_kind(s, "/hang", HTTPD_HANG);
    serve_feed(s, "/fine", "f", 2);
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.host_connections = 4;
    o.low_speed_limit = 100;
    o.low_speed_time_ms = 1000;
    o.timeout_ms = 3000;
    o.attempts = 2;
    struct config_source src[] = {ch_source("drip", "rss", at(s, "/drip"), NULL),
                                  ch_source("hang", "rss", at(s, "/hang"), NULL),
                                  ch_source("fine", "rss", at(s, "/fine"), NULL)};
    int64_t ms = ch_run(&c, &o, src, 3);
    assert_true(ms < 8000);
    for (size_t i = 0; i < 2; i++) {
        const struct ch_report *r = ch_report(&c, src[i].name);
        assert_false(r->complete);
        assert_string_equal(r->step, "fetch");
        assert_true(ch_contains(r->error, src[i].url));
        assert_true(ch_contains(r->error, "timed out"));
        assert_true(ch_contains(r->error, "(after 2 attempts)"));
    }
    assert_true(ch_report(&c, "fine")->complete);
    assert_int_equal(ch_count(&c, "fine"), 2);
    ch_free(&c);
    httpd_stop(s);
}

/* The child's crawl for test_body_caps: results as lines on fd. No cmocka here. */
static void caps_child(struct httpd *s, int fd)
{
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.host_connections = 4;
    struct config_source src[] = {ch_source("length", "rss", at(s, "/length"), NULL),
                                  ch_source("endless", "rss", at(s, "/endless"), NULL),
                                  ch_source("bomb", "rss", at(s, "/bomb"), NULL),
                                  ch_source("fine", "rss", at(s, "/fine"), NULL)};
    ch_run(&c, &o, src, 4);
    for (size_t i = 0; i < c.reps_len; i++)
        dprintf(fd, "%s|%d|%zu|%s\n", c.reps[i].source, c.reps[i].complete, c.reps[i].postings,
                c.reps[i].error ? c.reps[i].error : "");
    ch_free(&c);
}

/* Run fn in a child; its peak RSS in KiB, its output in *out. */
static long child_rss(struct httpd *s, void (*fn)(struct httpd *, int), char **out)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        if (fn)
            fn(s, p[1]);
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    size_t len = 0, cap = 65536;
    char *buf = malloc(cap);
    assert_non_null(buf);
    ssize_t n;
    while ((n = read(p[0], buf + len, cap - len - 1)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(p[0]);
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    *out = buf;
    return ru.ru_maxrss;
}

/* C6: 2 GB Content-Length, endless chunks, a 10 GB gzip bomb: cut at the cap, RSS bounded. */
static void test_body_caps(void **state)
{
    (void)state;
    if (getenv("URS_NO_FORK"))
        skip(); /* ThreadSanitizer cannot follow a fork of a threaded process */
    struct httpd *s = httpd_start();
    route_kind(s, "/length", HTTPD_HUGE_LENGTH);
    route_kind(s, "/endless", HTTPD_ENDLESS);
    route_kind(s, "/bomb", HTTPD_GZIP_BOMB);
    serve_feed(s, "/fine", "f", 3);
    char *base_out = NULL, *out = NULL;
    long base = child_rss(s, NULL, &base_out);
    long peak = child_rss(s, caps_child, &out);
    print_message("   child peak RSS %ld KiB, baseline %ld KiB\n", peak, base);
    assert_true(peak - base < 64 * 1024);
    assert_true(ch_contains(out, "length|0|0|"));
    assert_true(ch_contains(out, "endless|0|0|"));
    assert_true(ch_contains(out, "bomb|0|0|"));
    assert_true(ch_contains(out, "fine|1|3|\n"));
    assert_int_equal(tu_count(out, "response too large"), 3);
    assert_true(ch_contains(out, "Content-Length over the limit of 1048576 bytes"));
    assert_true(ch_contains(out, "over 1048576 decoded bytes"));
    free(base_out);
    free(out);
    httpd_stop(s);
}

/* C7: redirect loop, file:// and gopher:// targets, names resolving to private addresses. */
static void test_redirects_and_private(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    char loc[256];
    httpd_simple(s, "/loop/a", 302, "Location: /loop/b\r\n", "");
    httpd_simple(s, "/loop/b", 302, "Location: /loop/a\r\n", "");
    httpd_simple(s, "/to-file", 302, "Location: file:///etc/passwd\r\n", "");
    snprintf(loc, sizeof loc, "Location: gopher://127.0.0.1:%d/1\r\n", httpd_port(s));
    httpd_simple(s, "/to-gopher", 302, loc, "");
    snprintf(loc, sizeof loc, "Location: http://evil.test:%d/feed\r\n", httpd_port(s));
    httpd_simple(s, "/to-private", 302, loc, "");
    httpd_simple(s, "/hop", 301, "Location: /feed\r\n", "");
    serve_feed(s, "/feed", "ok", 2);
    char pin[64], evil[128];
    snprintf(pin, sizeof pin, "evil.test:%d:127.0.0.1", httpd_port(s));
    snprintf(evil, sizeof evil, "http://evil.test:%d/feed", httpd_port(s));
    const char *const resolve[] = {pin, "metadata.test:80:169.254.169.254"};
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.robots = false;
    o.resolve = resolve;
    o.resolve_len = 2;
    struct config_source src[] = {ch_source("loop", "rss", at(s, "/loop/a"), NULL),
                                  ch_source("file", "rss", at(s, "/to-file"), NULL),
                                  ch_source("gopher", "rss", at(s, "/to-gopher"), NULL),
                                  ch_source("evil", "rss", evil, NULL),
                                  ch_source("meta", "rss", "http://metadata.test/latest", NULL),
                                  ch_source("redir", "rss", at(s, "/to-private"), NULL),
                                  ch_source("hop", "rss", at(s, "/hop"), NULL)};
    ch_run(&c, &o, src, 7);
    assert_true(ch_contains(ch_report(&c, "loop")->error, "too many redirects (more than 5)"));
    assert_int_equal(httpd_count(s, "/loop/"), 6);
    assert_true(ch_contains(ch_report(&c, "file")->error, "redirect to a file: URL refused"));
    assert_true(ch_contains(ch_report(&c, "gopher")->error, "redirect to a gopher: URL refused"));
    assert_true(ch_contains(ch_report(&c, "evil")->error, "private address 127.0.0.1"));
    assert_true(ch_contains(ch_report(&c, "meta")->error, "private address 169.254.169.254"));
    assert_true(ch_contains(ch_report(&c, "redir")->error, "private address 127.0.0.1"));
    assert_int_equal(httpd_count(s, "/feed"), 1); /* only the allowed hop reached it */
    assert_true(ch_report(&c, "hop")->complete);
    assert_int_equal(ch_count(&c, "hop"), 2);
    for (size_t i = 0; i < c.posts_len; i++)
        assert_null(c.posts[i].description ? strstr(c.posts[i].description, "root:") : NULL);
    for (size_t i = 0; i < 6; i++)
        assert_false(ch_report(&c, src[i].name)->complete);
    ch_free(&c);

    /* With the allow-list empty, loopback itself is refused at connect. */
    ch_init(&c);
    o.allow_hosts_len = 0;
    ch_run(&c, &o, src + 6, 1);
    assert_true(ch_contains(ch_report(&c, "hop")->error, "private address 127.0.0.1"));
    assert_int_equal(httpd_count(s, "/hop"), 1);
    ch_free(&c);
    httpd_stop(s);
}

/* The stop flag: running transfers get the grace period, everything ends "interrupted". */
static void test_stop_flag(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    route_kind(s, "/drip", HTTPD_DRIP);
    serve_feed(s, "/later", "l", 1);
    struct ch c;
    ch_init(&c);
    c.stop_after_ms = 300;
    struct crawl_options o;
    ch_options(&o);
    o.robots = false;
    o.low_speed_limit = 0;
    o.timeout_ms = 30000;
    o.host_delay_ms = 2000; /* /later waits behind /drip */
    /* One parsing thread starts the jobs in order, so drip's lane comes first on the shared
       host; with several, later's start could finish first and /later be fetched at once. */
    o.parse_threads = 1;
    struct config_source src[] = {ch_source("drip", "rss", at(s, "/drip"), NULL),
                                  ch_source("later", "rss", at(s, "/later"), NULL)};
    int64_t ms = ch_run(&c, &o, src, 2);
    print_message("   stopped after %lld ms\n", (long long)ms);
    assert_true(ms < 4000); /* 0.3 s + 0.5 s grace when idle; generous under load */
    for (size_t i = 0; i < 2; i++) {
        const struct ch_report *r = ch_report(&c, src[i].name);
        assert_false(r->complete);
        assert_string_equal(r->step, "interrupted");
    }
    assert_int_equal(httpd_count(s, "/later"), 0);
    ch_free(&c);
    httpd_stop(s);
}

/* A posting callback that refuses stops that source ("store"), not the others. */
static void test_callback_refuses(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    serve_feed(s, "/a", "a", 5);
    struct ch c;
    ch_init(&c);
    c.fail_after = 2;
    struct crawl_options o;
    ch_options(&o);
    struct config_source src[] = {ch_source("a", "rss", at(s, "/a"), NULL)};
    ch_run(&c, &o, src, 1);
    const struct ch_report *r = ch_report(&c, "a");
    assert_false(r->complete);
    assert_string_equal(r->step, "store");
    assert_int_equal(r->postings, 2);
    ch_free(&c);
    httpd_stop(s);
}

/* A name that does not resolve: a clear message, at most two tries, quickly. */
static void test_dns_failure(void **state)
{
    (void)state;
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.attempts = 5;
    o.retry_base_ms = 200;
    struct config_source src[] = {
        ch_source("nx1", "rss", "http://urscout-nonexistent.invalid/feed.xml", NULL),
        ch_source("nx2", "rss", "http://urscout-nonexistent.invalid/other.xml", NULL)};
    int64_t ms = ch_run(&c, &o, src, 2);
    assert_true(ms < 10000);
    for (size_t i = 0; i < 2; i++) {
        const struct ch_report *r = ch_report(&c, src[i].name);
        assert_false(r->complete);
        assert_string_equal(r->step, "fetch");
        assert_true(ch_contains(r->error, "could not resolve host urscout-nonexistent.invalid"));
        assert_null(strstr(r->error, "after 5 attempts"));
    }
    ch_free(&c);
}

/* Page limits (sources test): one listing page fetched, the crawl reported incomplete. */
static void test_page_limit(void **state)
{
    (void)state;
    struct httpd *s = httpd_start();
    for (size_t page = 0; page < 3; page++) {
        char path[128];
        snprintf(path, sizeof path, "/v0/postings/lim?mode=json&skip=%zu&limit=100", page * 100);
        char *p = ch_lever("lm", page * 100, 100);
        httpd_simple(s, path, 200, "Content-Type: application/json\r\n", p);
        free(p);
    }
    struct ch c;
    ch_init(&c);
    struct crawl_options o;
    ch_options(&o);
    o.max_listing_pages = 1;
    struct config_source src[] = {ch_source("lim", "lever", httpd_base(s), "lim")};
    ch_run(&c, &o, src, 1);
    const struct ch_report *r = ch_report(&c, "lim");
    assert_false(r->complete);
    assert_null(r->error);
    assert_int_equal(r->postings, 100);
    assert_int_equal(httpd_count(s, "/v0/postings/"), 1);
    ch_free(&c);
    httpd_stop(s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_and_hung),
        cmocka_unit_test(test_body_caps),
        cmocka_unit_test(test_redirects_and_private),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_callback_refuses),
        cmocka_unit_test(test_dns_failure),
        cmocka_unit_test(test_page_limit),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
