/* SPDX-License-Identifier: MIT */
/* robots.txt matcher (RFC 9309), the private-address guard and the retry timing, table-driven. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "crawler/engine_int.h"
#include "testutil.h"

#define UA "URScout/0.1 (+mailto:ops@example.org)"

struct robots_case {
    const char *robots;
    const char *path;
    bool allowed;
};

static const struct robots_case robots_cases[] = {
    /* longest match wins; allow wins a tie */
    {"User-agent: *\nAllow: /p\nDisallow: /p\n", "/page", true},
    {"User-agent: *\nDisallow: /p\nAllow: /p\n", "/page", true},
    {"User-agent: *\nDisallow: /jobs\nAllow: /jobs/open\n", "/jobs/open/1", true},
    {"User-agent: *\nDisallow: /jobs\nAllow: /jobs/open\n", "/jobs/closed/1", false},
    {"User-agent: *\nAllow: /jobs\nDisallow: /jobs/private\n", "/jobs/private/x", false},
    {"User-agent: *\nAllow: /folder\nDisallow: /folder/\n", "/folder/page", false},
    /* wildcards and end anchors */
    {"User-agent: *\nDisallow: /*.json$\n", "/api/jobs.json", false},
    {"User-agent: *\nDisallow: /*.json$\n", "/api/jobs.json?x=1", true},
    {"User-agent: *\nDisallow: /*.json$\n", "/api/jobs.jsonl", true},
    {"User-agent: *\nDisallow: /*.json\n", "/api/jobs.jsonl", false},
    {"User-agent: *\nDisallow: /a*b*c\n", "/axxbyyc/d", false},
    {"User-agent: *\nDisallow: /a*b*c\n", "/axxbyy", true},
    {"User-agent: *\nDisallow: /$\n", "/", false},
    {"User-agent: *\nDisallow: /$\n", "/jobs", true},
    {"User-agent: *\nDisallow: *private\n", "/x/private/y", false},
    /* user agent: product token, case-insensitive; our group beats `*` */
    {"User-agent: URSCOUT\nDisallow: /mine\n\nUser-agent: *\nDisallow: /\n", "/jobs", true},
    {"User-agent: urscout\nDisallow: /mine\n\nUser-agent: *\nDisallow: /\n", "/mine/x", false},
    {"User-agent: urscout/2.0\nDisallow: /v\n", "/v", false},
    {"User-agent: urscoutbot\nDisallow: /\n", "/jobs", true},
    {"User-agent: otherbot\nDisallow: /\n", "/jobs", true},
    {"User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /x\n", "/x", false},
    /* blank lines do not end a group: both agents share the rules (RFC 9309 2.1) */
    {"User-agent: urscout\n\nUser-agent: *\nDisallow: /\n", "/jobs", false},
    /* our group beats `*` even when it allows everything */
    {"User-agent: urscout\nAllow: /\n\nUser-agent: *\nDisallow: /\n", "/jobs", true},
    /* two groups for one agent are merged */
    {"User-agent: urscout\nDisallow: /a\n\nUser-agent: *\nDisallow: /\n\n"
     "User-agent: urscout\nDisallow: /b\n",
     "/b/1", false},
    {"User-agent: urscout\nDisallow: /a\n\nUser-agent: *\nDisallow: /\n\n"
     "User-agent: urscout\nDisallow: /b\n",
     "/a/1", false},
    {"User-agent: urscout\nDisallow: /a\n\nUser-agent: *\nDisallow: /\n\n"
     "User-agent: urscout\nDisallow: /b\n",
     "/c", true},
    /* several agents sharing one group */
    {"User-agent: a\nUser-agent: urscout\nUser-agent: b\nDisallow: /shared\n", "/shared", false},
    /* %-encoding: unreserved decoded, reserved kept; hex case ignored */
    {"User-agent: *\nDisallow: /a%2Fb\n", "/a/b", true},
    {"User-agent: *\nDisallow: /a%2Fb\n", "/a%2fb", false},
    {"User-agent: *\nDisallow: /a/b\n", "/a%2Fb", true},
    {"User-agent: *\nDisallow: /%7Ejoe\n", "/~joe/jobs", false},
    {"User-agent: *\nDisallow: /~joe\n", "/%7ejoe/jobs", false},
    {"User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "/foo/bar/baz", false},
    {"User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n", "/foo/bar/%E3%83%84", false},
    /* /robots.txt is always allowed; empty Disallow allows; comments and CRLF */
    {"User-agent: *\nDisallow: /\n", "/robots.txt", true},
    {"User-agent: *\nDisallow: /\n", "/jobs", false},
    {"User-agent: *\nDisallow:\n", "/jobs", true},
    {"User-agent: * # all\r\nDisallow: /x # no\r\n", "/x/1", false},
    {"\xEF\xBB\xBFUser-agent: *\nDisallow: /bom\n", "/bom", false},
    {"user-AGENT: *\nDISALLOW: /caps\n", "/caps", false},
    {"Disallow: /before-any-group\nUser-agent: *\nAllow: /\n", "/before-any-group", true},
    {"", "/anything", true},
    {"garbage\nwithout colons\n", "/anything", true},
    {"User-agent: *\nDisallow: /jobs?page=\n", "/jobs?page=2", false},
    {"User-agent: *\nDisallow: /jobs?page=\n", "/jobs", true},
    {"User-agent: *\nDisallow: /x\n", "", true},
};

static void test_robots_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof robots_cases / sizeof robots_cases[0]; i++) {
        const struct robots_case *c = &robots_cases[i];
        struct crawl_robots *r = NULL;
        assert_int_equal(crawl_robots_parse(c->robots, strlen(c->robots), UA, &r), URS_OK);
        bool got = crawl_robots_allowed(r, c->path);
        if (got != c->allowed)
            print_error("case %zu: path '%s' under:\n%s\n", i, c->path, c->robots);
        assert_int_equal(got, c->allowed);
        crawl_robots_free(r);
    }
}

static void test_robots_crawl_delay(void **state)
{
    (void)state;
    static const char txt[] = "User-agent: *\nCrawl-delay: 0.25\nDisallow: /x\n\n"
                              "User-agent: urscout\nCrawl-delay: 2\n\n"
                              "User-agent: urscout\nCrawl-delay: 3600\n";
    struct crawl_robots *r = NULL;
    assert_int_equal(crawl_robots_parse(txt, sizeof txt - 1, UA, &r), URS_OK);
    assert_int_equal(crawl_robots_delay_ms(r), 3600000); /* merged groups: the largest */
    assert_true(crawl_robots_allowed(r, "/x"));
    crawl_robots_free(r);
    assert_int_equal(crawl_robots_parse(txt, sizeof txt - 1, "otherbot/1", &r), URS_OK);
    assert_int_equal(crawl_robots_delay_ms(r), 250);
    assert_false(crawl_robots_allowed(r, "/x"));
    crawl_robots_free(r);
    assert_int_equal(crawl_robots_parse("User-agent: *\nCrawl-delay: soon\n", 33, UA, &r), URS_OK);
    assert_int_equal(crawl_robots_delay_ms(r), -1);
    crawl_robots_free(r);
}

/* A 2 MB robots.txt: only the first 500 KiB count (a rule past it is not seen). */
static void test_robots_size_cap(void **state)
{
    (void)state;
    size_t cap = 2 * 1024 * 1024;
    char *txt = malloc(cap + 64);
    assert_non_null(txt);
    size_t n = (size_t)snprintf(txt, cap, "User-agent: *\nDisallow: /early\n");
    while (n + 39 < URS_MAX_ROBOTS - 10)
        n += (size_t)snprintf(txt + n, cap - n, "# padding padding padding padding pad\n");
    txt[n++] = '#';
    while (n < URS_MAX_ROBOTS - 11)
        txt[n++] = ' ';
    txt[n++] = '\n';
    assert_int_equal(n, URS_MAX_ROBOTS - 10);
    n += (size_t)snprintf(txt + n, cap - n, "Disallow: /edge-of-limit\n"); /* cut mid-line */
    while (n < cap - 100)
        n += (size_t)snprintf(txt + n, cap - n, "# more padding after the limit........\n");
    n += (size_t)snprintf(txt + n, cap + 64 - n, "Disallow: /late\n");
    struct crawl_robots *r = NULL;
    assert_int_equal(crawl_robots_parse(txt, n, UA, &r), URS_OK);
    assert_false(crawl_robots_allowed(r, "/early"));
    assert_true(crawl_robots_allowed(r, "/late"));
    assert_true(crawl_robots_allowed(r, "/edge-of-limit"));
    assert_int_equal(crawl_robots_rule_count(r), 1);
    crawl_robots_free(r);
    free(txt);
}

static void test_robots_null(void **state)
{
    (void)state;
    assert_true(crawl_robots_allowed(NULL, "/x"));
    assert_int_equal(crawl_robots_delay_ms(NULL), -1);
    struct crawl_robots *r = NULL;
    assert_int_equal(crawl_robots_parse(NULL, 0, UA, &r), URS_OK);
    assert_true(crawl_robots_allowed(r, "/x"));
    crawl_robots_free(r);
    crawl_robots_free(NULL);
}

static bool blocked4(const char *text)
{
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, text, &in.sin_addr), 1);
    return crawl_addr_blocked((struct sockaddr *)&in, sizeof in);
}

static bool blocked6(const char *text)
{
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
    return crawl_addr_blocked((struct sockaddr *)&in6, sizeof in6);
}

static void test_netguard(void **state)
{
    (void)state;
    static const char *const bad4[] = {"10.1.2.3",   "172.16.0.1", "172.31.255.255",  "192.168.1.1",
                                       "127.0.0.1",  "127.9.9.9",  "169.254.169.254", "0.0.0.0",
                                       "100.64.0.1", "224.0.0.1",  "255.255.255.255"};
    static const char *const good4[] = {"8.8.8.8",     "172.32.0.1",    "172.15.255.255",
                                        "192.169.0.1", "93.184.216.34", "11.0.0.1"};
    static const char *const bad6[] = {"::1",
                                       "::",
                                       "fc00::1",
                                       "fd12:3456::1",
                                       "fe80::1",
                                       "::ffff:127.0.0.1",
                                       "::ffff:10.0.0.1",
                                       "ff02::1",
                                       "64:ff9b::a9fe:a9fe"};
    static const char *const good6[] = {"2001:4860:4860::8888", "2606:4700::1111",
                                        "::ffff:8.8.8.8"};
    for (size_t i = 0; i < sizeof bad4 / sizeof bad4[0]; i++)
        assert_true(blocked4(bad4[i]));
    for (size_t i = 0; i < sizeof good4 / sizeof good4[0]; i++)
        assert_false(blocked4(good4[i]));
    for (size_t i = 0; i < sizeof bad6 / sizeof bad6[0]; i++)
        assert_true(blocked6(bad6[i]));
    for (size_t i = 0; i < sizeof good6 / sizeof good6[0]; i++)
        assert_false(blocked6(good6[i]));
    assert_true(crawl_addr_blocked(NULL, 0));
    const char *const list[] = {"127.0.0.1", "Jobs.Local"};
    assert_true(crawl_host_listed("jobs.local", list, 2));
    assert_false(crawl_host_listed("127.0.0.2", list, 2));
    assert_false(crawl_host_listed(NULL, list, 2));
}

static void test_backoff(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int attempt = 1; attempt <= 12; attempt++) {
        int64_t d = 100;
        for (int i = 1; i < attempt && d < 5000; i++)
            d *= 2;
        if (d > 5000)
            d = 5000;
        for (int k = 0; k < 50; k++) {
            int64_t w = crawl_backoff_ms(attempt, 100, 5000, &seed);
            assert_true(w >= d / 2 && w <= d);
        }
    }
}

static void test_retry_after(void **state)
{
    (void)state;
    int64_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
    int64_t s = -1;
    assert_int_equal(crawl_retry_after_parse("120", now, &s), URS_OK);
    assert_int_equal(s, 120);
    assert_int_equal(crawl_retry_after_parse(" 5 ", now, &s), URS_OK);
    assert_int_equal(s, 5);
    assert_int_equal(crawl_retry_after_parse("Sun, 06 Nov 1994 08:49:47 GMT", now, &s), URS_OK);
    assert_int_equal(s, 10);
    assert_int_equal(crawl_retry_after_parse("Sunday, 06-Nov-94 08:50:37 GMT", now, &s), URS_OK);
    assert_int_equal(s, 60);
    assert_int_equal(crawl_retry_after_parse("Sun Nov  6 08:49:57 1994", now, &s), URS_OK);
    assert_int_equal(s, 20);
    assert_int_equal(crawl_retry_after_parse("Sun, 06 Nov 1994 08:00:00 GMT", now, &s), URS_OK);
    assert_int_equal(s, 0); /* in the past */
    assert_int_equal(crawl_retry_after_parse("99999999999999999999", now, &s), URS_OK);
    assert_true(s > 86400 * 365);
    assert_int_equal(crawl_retry_after_parse("soon", now, &s), URS_EPARSE);
    assert_int_equal(crawl_retry_after_parse("-5", now, &s), URS_EPARSE);
    assert_int_equal(crawl_retry_after_parse("12abc", now, &s), URS_EPARSE);
    assert_int_equal(crawl_retry_after_parse(NULL, now, &s), URS_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_robots_table),    cmocka_unit_test(test_robots_crawl_delay),
        cmocka_unit_test(test_robots_size_cap), cmocka_unit_test(test_robots_null),
        cmocka_unit_test(test_netguard),        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
