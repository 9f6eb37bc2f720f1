/* SPDX-License-Identifier: MIT */
/* `urscout crawl` when storing fails while other sources share the open batch transaction:
 * the rolled-back sources must fail and close nothing (a real SQLite trigger makes it fail). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl_harness.h"
#include "httpd.h"
#include "testutil.h"

#define JSON_CT "Content-Type: application/json\r\n"

static void board(struct httpd *s, size_t n, bool slow)
{
    char *body = ch_greenhouse("a", n);
    struct httpd_resp seq[] = {
        {.status = 503, .headers = "Retry-After: 1\r\n", .body = "busy", .body_len = (size_t)-1},
        {.headers = JSON_CT, .body = body, .body_len = (size_t)-1},
    };
    httpd_route(s, "/v1/boards/a/jobs?content=true", slow ? seq : seq + 1, slow ? 2 : 1);
    free(body);
}

/* Two listing pages; with slow, the second answers 503 "Retry-After: 2" first. */
static void lever_pages(struct httpd *s, bool slow)
{
    for (size_t page = 0; page < 2; page++) {
        char path[128];
        snprintf(path, sizeof path, "/v0/postings/p?mode=json&skip=%zu&limit=100", page * 100);
        char *body = ch_lever("p", page * 100, page ? 20 : 100);
        struct httpd_resp seq[] = {
            {.status = 503,
             .headers = "Retry-After: 2\r\n",
             .body = "busy",
             .body_len = (size_t)-1},
            {.headers = JSON_CT, .body = body, .body_len = (size_t)-1},
        };
        bool wait = slow && page == 1;
        httpd_route(s, path, wait ? seq : seq + 1, wait ? 2 : 1);
        free(body);
    }
}

static long long sql_count(const char *db, const char *sql)
{
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(s);
}

/*
 * Source a (server 1) fails to store a new posting while source p (server 2) has its first
 * listing page upserted but not yet committed: a's failure rolls the shared batch back, so p's
 * sightings are gone. p must then fail ("store") and close nothing, even though its listing
 * completes afterwards. Timeline: p page 1 at 0 s, a's failing posting at 1 s (Retry-After 1),
 * p page 2 at 2 s (Retry-After 2).
 */
static void test_rollback_fails_every_source_in_batch(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *db = tu_path(dir, "u.db");
    char *cfg = tu_path(dir, "urscout.ini");
    struct httpd *s1 = httpd_start(), *s2 = httpd_start();
    char text[2048];
    snprintf(text, sizeof text,
             "[general]\ndatabase = %s\nbundled_sources = no\n"
             "[crawl]\nhost_delay = 0s\nretries = 3\nrobots = no\nallow_hosts = 127.0.0.1\n"
             "connect_timeout = 2s\ntimeout = 5s\n"
             "[source \"a\"]\nkind = greenhouse\nurl = %s\nboard = a\n"
             "[source \"p\"]\nkind = lever\nurl = %s\nboard = p\n",
             db, httpd_base(s1), httpd_base(s2));
    tu_write_file(cfg, text, (size_t)-1);
    board(s1, 3, false);
    lever_pages(s2, false);
    struct tu_run r;
    tu_urscout(&r, dir, "--config", cfg, "crawl", (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_true(ch_contains(r.out, "source=p OK postings=120 new=120"));
    tu_run_free(&r);

    /* a's new posting a-3 cannot be stored; p's second page comes a second after that. */
    sql_exec(db, "CREATE TRIGGER test_fail BEFORE INSERT ON postings WHEN NEW.external_id = 'a-3' "
                 "BEGIN SELECT RAISE(ABORT, 'injected store failure'); END");
    board(s1, 4, true);
    lever_pages(s2, true);
    httpd_reset(s2);
    tu_urscout(&r, dir, "--config", cfg, "crawl", (char *)NULL);
    print_message("   exit %d\n%s%s", r.status, r.out, r.err);
    assert_int_equal(r.status, 1);
    assert_true(ch_contains(r.out, "source=a FAIL (store): "));
    assert_true(ch_contains(r.out, "source=p FAIL (store): "));
    assert_true(ch_contains(r.out, "rolled back"));
    tu_run_free(&r);
    assert_int_equal(httpd_count(s2, "/v0/postings/p?mode=json&skip=100"), 2);
    assert_int_equal(sql_count(db, "SELECT count(*) FROM postings WHERE closed_at IS NOT NULL"), 0);
    assert_int_equal(sql_count(db, "SELECT count(*) FROM postings WHERE source = 'p'"), 120);

    httpd_stop(s1);
    httpd_stop(s2);
    tu_rmtree(dir);
    free(cfg);
    free(db);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollback_fails_every_source_in_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
