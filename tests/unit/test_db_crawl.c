/* SPDX-License-Identifier: MIT */
/* db/crawl.c on a real database file: validators, robots.txt cache, source health. */
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "testutil.h"

struct fixture {
    char *dir;
    char *path;
    struct db *db;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_mkdtemp();
    f->path = tu_path(f->dir, "crawl.db");
    struct err e;
    err_clear(&e);
    assert_int_equal(db_open(f->path, true, &f->db, &e), URS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    db_close(f->db);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->path);
    free(f);
    return 0;
}

static void test_validators(void **state)
{
    struct fixture *f = *state;
    struct err e;
    err_clear(&e);
    char *etag = NULL, *lm = NULL;
    const char *url = "https://boards.example/v1/jobs?content=true";
    assert_int_equal(db_validators_get(f->db, url, &etag, &lm, &e), URS_ENOTFOUND);
    assert_int_equal(db_validators_put(f->db, url, "W/\"abc\"", NULL, 100, &e), URS_OK);
    assert_int_equal(db_validators_get(f->db, url, &etag, &lm, &e), URS_OK);
    assert_string_equal(etag, "W/\"abc\"");
    assert_null(lm);
    free(etag);
    assert_int_equal(
        db_validators_put(f->db, url, "\"v2\"", "Tue, 01 Dec 2026 10:00:00 GMT", 200, &e), URS_OK);
    assert_int_equal(db_validators_get(f->db, url, &etag, &lm, &e), URS_OK);
    assert_string_equal(etag, "\"v2\"");
    assert_string_equal(lm, "Tue, 01 Dec 2026 10:00:00 GMT");
    free(etag);
    free(lm);
    assert_int_equal(db_validators_put(f->db, url, NULL, NULL, 300, &e), URS_OK);
    assert_int_equal(db_validators_get(f->db, url, &etag, &lm, &e), URS_ENOTFOUND);
}

static void test_robots_cache(void **state)
{
    struct fixture *f = *state;
    struct err e;
    err_clear(&e);
    long status = 0;
    char *body = NULL;
    size_t len = 0;
    int64_t at = 0;
    const char *origin = "https://jobs.example:443";
    assert_int_equal(db_robots_get(f->db, origin, &status, &body, &len, &at, &e), URS_ENOTFOUND);
    static const char txt[] = "User-agent: *\nDisallow: /x\n\0binary";
    assert_int_equal(db_robots_put(f->db, origin, 200, txt, sizeof txt - 1, 1000, &e), URS_OK);
    assert_int_equal(db_robots_get(f->db, origin, &status, &body, &len, &at, &e), URS_OK);
    assert_int_equal(status, 200);
    assert_int_equal(len, sizeof txt - 1);
    assert_memory_equal(body, txt, len);
    assert_int_equal(at, 1000);
    free(body);
    assert_int_equal(db_robots_put(f->db, origin, 404, NULL, 0, 2000, &e), URS_OK);
    assert_int_equal(db_robots_get(f->db, origin, &status, &body, &len, &at, &e), URS_OK);
    assert_int_equal(status, 404);
    assert_null(body);
    assert_int_equal(len, 0);
    assert_int_equal(at, 2000);
}

static int count_rows(void *ctx, const struct db_source_health *h)
{
    size_t *n = ctx;
    assert_true(h->source[0]);
    (*n)++;
    return 0;
}

static void test_source_health(void **state)
{
    struct fixture *f = *state;
    struct err e;
    err_clear(&e);
    struct db_source_health h, got;
    assert_int_equal(db_source_health_get(f->db, "acme", &got, &e), URS_ENOTFOUND);
    memset(&h, 0, sizeof h);
    memcpy(h.source, "acme", 5);
    h.last_crawl = 10;
    h.last_finished = 12;
    memcpy(h.status, "fail", 5);
    memcpy(h.step, "fetch", 6);
    memcpy(h.error, "https://x: HTTP 500", 20);
    h.pages = 3;
    h.postings = 7;
    h.consecutive_failures = 2;
    h.last_nonzero = 9;
    h.rate_limited_until = 99;
    assert_int_equal(db_source_health_put(f->db, &h, &e), URS_OK);
    assert_int_equal(db_source_health_get(f->db, "acme", &got, &e), URS_OK);
    assert_memory_equal(&got, &h, sizeof h);
    memcpy(h.source, "beta", 5);
    assert_int_equal(db_source_health_put(f->db, &h, &e), URS_OK);
    size_t n = 0;
    assert_int_equal(db_source_health_each(f->db, count_rows, &n, &e), URS_OK);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_validators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_robots_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_health, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
