/* SPDX-License-Identifier: MIT */
/*
 * Misbehaving sources under load (issue 11, RELIABILITY C5/C7 at scale): `urscout crawl` of
 * 1,000 sources on 127.0.0.1 where 20% hang, 10% answer 500, 5% send garbage and 5% redirect
 * in a loop. With short timeouts the crawl ends in bounded time, every posting of the good
 * sources is stored, every failed source has its reason in source_health (step and error)
 * and the ok/fail counts agree, and the process's resident set stays flat: sampled through the run,
 * and the peak of a second crawl against that of the first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "crawl_harness.h"
#include "fault_util.h"
#include "httpd.h"
#include "proc.h"
#include "testutil.h"

#define JSON_CT "Content-Type: application/json\r\n"
#define JOBS    3 /* postings per good board */

enum group { G_GOOD, G_HANG, G_500, G_GARBAGE, G_LOOP, G_COUNT };

static const struct {
    const char *prefix; /* source names: prefix + number */
    size_t sources, servers;
} groups[G_COUNT] = {
    [G_GOOD] = {"good", 600, 6},   [G_HANG] = {"hang", 200, 8}, [G_500] = {"e500", 100, 2},
    [G_GARBAGE] = {"junk", 50, 1}, [G_LOOP] = {"loop", 50, 1},
};

struct load {
    struct httpd *servers[G_COUNT][8];
};

static void serve(struct load *l)
{
    for (int g = 0; g < G_COUNT; g++)
        for (size_t s = 0; s < groups[g].servers; s++)
            l->servers[g][s] = httpd_start();
    /* good boards: each its own three jobs */
    for (size_t i = 0; i < groups[G_GOOD].sources; i++) {
        char name[32], path[96];
        snprintf(name, sizeof name, "good%zu", i);
        snprintf(path, sizeof path, "/v1/boards/%s/jobs?content=true", name);
        char *body = ch_greenhouse(name, JOBS);
        httpd_simple(l->servers[G_GOOD][i % groups[G_GOOD].servers], path, 200, JSON_CT, body);
        free(body);
    }
    for (size_t s = 0; s < groups[G_HANG].servers; s++) {
        struct httpd_resp r = {.kind = HTTPD_HANG};
        httpd_route(l->servers[G_HANG][s], "/v1/boards/*", &r, 1);
    }
    for (size_t s = 0; s < groups[G_500].servers; s++)
        httpd_simple(l->servers[G_500][s], "/v1/boards/*", 500, NULL, "internal error\n");
    httpd_simple(l->servers[G_GARBAGE][0], "/v1/boards/*", 200, JSON_CT,
                 "{\"jobs\": [{\"id\": \x01\xff\xfe garbage ]]]} <html>");
    struct httpd *loop = l->servers[G_LOOP][0];
    httpd_simple(loop, "/v1/boards/*", 302, "Location: /loop/a\r\n", "");
    httpd_simple(loop, "/loop/a", 302, "Location: /loop/b\r\n", "");
    httpd_simple(loop, "/loop/b", 302, "Location: /loop/a\r\n", "");
}

static void unserve(struct load *l)
{
    for (int g = 0; g < G_COUNT; g++)
        for (size_t s = 0; s < groups[g].servers; s++)
            httpd_stop(l->servers[g][s]);
}

static void write_config(const char *path, const char *db, const struct load *l)
{
    struct sbuf b;
    sbuf_init(&b, 1024 * 1024);
    assert_int_equal(sbuf_printf(&b,
                                 "[general]\ndatabase = %s\nbundled_sources = no\n"
                                 "[crawl]\nhost_delay = 0s\nrobots = no\nallow_hosts = 127.0.0.1\n"
                                 "concurrency = 128\nhost_connections = 16\n"
                                 "connect_timeout = 1s\ntimeout = 2s\nlow_speed_time = 1s\n"
                                 "low_speed_limit = 10\nretries = 2\n",
                                 db),
                     URS_OK);
    for (int g = 0; g < G_COUNT; g++)
        for (size_t i = 0; i < groups[g].sources; i++)
            assert_int_equal(sbuf_printf(&b,
                                         "[source \"%s%zu\"]\nkind = greenhouse\nurl = %s\n"
                                         "board = %s%zu\n",
                                         groups[g].prefix, i,
                                         httpd_base(l->servers[g][i % groups[g].servers]),
                                         groups[g].prefix, i),
                             URS_OK);
    char *text = sbuf_take(&b);
    assert_non_null(text);
    tu_write_file(path, text, (size_t)-1);
    free(text);
}

struct sampled {
    int status;
    int64_t ms;
    long peak_kb, first_half_kb, second_half_kb, fds_peak;
    size_t samples;
};

/* One crawl in the background, its RSS and descriptors sampled every 50 ms. */
static struct sampled crawl(const char *dir, const char *cfg, const char *log)
{
    struct sampled s = {0};
    long kb[4096];
    int64_t t0 = fu_now_ms();
    pid_t pid = fu_spawn(dir, log, "--config", cfg, "crawl", NULL);
    for (;;) {
        int st = proc_wait(pid, 50);
        if (st != -1) {
            s.status = st;
            break;
        }
        if (fu_now_ms() - t0 > 120000) {
            kill(pid, SIGKILL);
            proc_wait(pid, 5000);
            fail_msg("crawl of 1,000 sources still running after 120 s");
        }
        long rss = fu_rss_kb(pid), fds = fu_fds(pid);
        if (rss > 0 && s.samples < sizeof kb / sizeof kb[0])
            kb[s.samples++] = rss;
        if (fds > s.fds_peak)
            s.fds_peak = fds;
    }
    s.ms = fu_now_ms() - t0;
    for (size_t i = 0; i < s.samples; i++) {
        long *half = i < s.samples / 2 ? &s.first_half_kb : &s.second_half_kb;
        if (kb[i] > *half)
            *half = kb[i];
        if (kb[i] > s.peak_kb)
            s.peak_kb = kb[i];
    }
    return s;
}

static long long count(const char *db, const char *sql)
{
    long long n = fu_sql_int(db, sql);
    if (n < 0)
        fail_msg("query failed on %s: %s", db, sql);
    return n;
}

/* Every source of group g failed with a reason that contains one of the words. */
static void failed_with(const char *db, int g, const char *why1, const char *why2)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM source_health WHERE source GLOB '%s[0-9]*' AND status = 'fail'"
             " AND (error LIKE '%%%s%%' OR error LIKE '%%%s%%')",
             groups[g].prefix, why1, why2);
    long long n = count(db, sql);
    if (n != (long long)groups[g].sources) {
        snprintf(sql, sizeof sql,
                 "SELECT DISTINCT status || ' ' || step || ': ' || error FROM source_health"
                 " WHERE source GLOB '%s[0-9]*'",
                 groups[g].prefix);
        char *lines = fu_sql_lines(db, sql);
        fail_msg("%s: %lld of %zu failed with '%s' or '%s'; seen:\n%s", groups[g].prefix, n,
                 groups[g].sources, why1, why2, lines);
    }
}

static void check_store(const char *db)
{
    long long good = (long long)groups[G_GOOD].sources;
    assert_int_equal(count(db, "SELECT count(*) FROM postings WHERE source GLOB 'good[0-9]*'"),
                     good * JOBS);
    assert_int_equal(count(db, "SELECT count(*) FROM (SELECT source FROM postings GROUP BY source"
                               " HAVING count(DISTINCT external_id) = 3)"),
                     good);
    assert_int_equal(count(db, "SELECT count(*) FROM postings WHERE source NOT GLOB 'good[0-9]*'"),
                     0);
    assert_int_equal(count(db, "SELECT count(*) FROM source_health WHERE source GLOB 'good[0-9]*'"
                               " AND status = 'ok' AND error = '' AND postings = 3"),
                     good);
    assert_int_equal(count(db, "SELECT count(*) FROM source_health WHERE status = 'fail'"
                               " AND error = ''"),
                     0);
    failed_with(db, G_HANG, "timed out", "too slow");
    failed_with(db, G_500, "500", "500");
    failed_with(db, G_GARBAGE, "invalid token", "invalid JSON");
    failed_with(db, G_LOOP, "redirect", "redirect");
    /* `crawl` keeps no run_log row (only `run` does): source_health is the record */
    assert_int_equal(count(db, "SELECT count(*) FROM source_health WHERE status = 'ok'"), good);
    assert_int_equal(count(db, "SELECT count(*) FROM source_health WHERE status = 'fail'"),
                     1000 - good);
}

static void test_thousand_misbehaving_sources(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *db = tu_path(dir, "u.db"), *cfg = tu_path(dir, "urscout.ini");
    char *log = tu_path(dir, "crawl.log");
    struct load l = {0};
    serve(&l);
    write_config(cfg, db, &l);

    struct sampled a = crawl(dir, cfg, log);
    if (a.status == 0 || a.status >= 128) {
        char *text = tu_read_file(log, NULL);
        fail_msg("first crawl ended with %d (failed sources should give 1):\n%.4000s", a.status,
                 text ? text : "");
    }
    check_store(db);
    struct sampled b = crawl(dir, cfg, log);
    assert_true(b.status > 0 && b.status < 128);
    check_store(db);
    assert_int_equal(count(db, "SELECT count(*) FROM source_health WHERE consecutive_failures = 2"),
                     1000 - (long long)groups[G_GOOD].sources);
    print_message("load: crawl 1: %lld ms, %zu samples, RSS peak %ld KiB (halves %ld / %ld),"
                  " fds peak %ld\n",
                  (long long)a.ms, a.samples, a.peak_kb, a.first_half_kb, a.second_half_kb,
                  a.fds_peak);
    print_message("load: crawl 2: %lld ms, %zu samples, RSS peak %ld KiB (halves %ld / %ld),"
                  " fds peak %ld\n",
                  (long long)b.ms, b.samples, b.peak_kb, b.first_half_kb, b.second_half_kb,
                  b.fds_peak);
    /* generous bounds: a leak per source or per request would exceed them several times */
    if (a.samples >= 4)
        assert_true(a.second_half_kb <= a.first_half_kb * 3 / 2 + 32 * 1024);
    assert_true(b.peak_kb <= a.peak_kb * 3 / 2 + 32 * 1024);
    /* descriptors: the connection limit, not the number of sources */
    assert_true(a.fds_peak < 400 && b.fds_peak < 400);

    unserve(&l);
    tu_rmtree(dir);
    free(db);
    free(cfg);
    free(log);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thousand_misbehaving_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
