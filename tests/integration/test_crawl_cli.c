/* SPDX-License-Identifier: MIT */
/* `urscout crawl` end to end: loopback server -> binary -> real database; lines, exit status,
 * closing only after complete listings (C4), 304 keeping postings open (C8), health. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crawl_harness.h"
#include "db/db.h"
#include "httpd.h"
#include "testutil.h"

#define JSON_CT "Content-Type: application/json\r\n"

struct row {
    char source[32], id[64];
    int64_t last_seen, closed_at;
};

struct rows {
    struct row r[512];
    size_t n;
};

static int collect(void *ctx, const struct posting *p)
{
    struct rows *rs = ctx;
    assert_true(rs->n < 512);
    struct row *r = &rs->r[rs->n++];
    snprintf(r->source, sizeof r->source, "%s", p->source);
    snprintf(r->id, sizeof r->id, "%s", p->external_id);
    r->last_seen = p->last_seen;
    r->closed_at = p->closed_at;
    return 0;
}

static void load_rows(const char *db_path, struct rows *rs)
{
    struct db *db = NULL;
    struct err e;
    err_clear(&e);
    rs->n = 0;
    assert_int_equal(db_open(db_path, false, &db, &e), URS_OK);
    assert_int_equal(db_postings_each(db, collect, rs, &e), URS_OK);
    db_close(db);
}

static const struct row *find(const struct rows *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].id, id) == 0)
            return &rs->r[i];
    print_error("no posting %s\n", id);
    fail();
    return NULL;
}

static size_t open_count(const struct rows *rs, const char *source)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].source, source) == 0 && rs->r[i].closed_at == 0)
            n++;
    return n;
}

static void board(struct httpd *s, const char *name, const char *prefix, size_t n, const char *etag)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/boards/%s/jobs?content=true", name);
    char *body = ch_greenhouse(prefix, n);
    struct httpd_resp r = {.headers = JSON_CT, .body = body, .body_len = (size_t)-1, .etag = etag};
    httpd_route(s, path, &r, 1);
    free(body);
}

static void lever_pages(struct httpd *s, bool truncate_second)
{
    for (size_t page = 0; page < 2; page++) {
        char path[128];
        snprintf(path, sizeof path, "/v0/postings/p?mode=json&skip=%zu&limit=100", page * 100);
        char *p = ch_lever("p", page * 100, page ? 20 : 100);
        if (page == 1 && truncate_second)
            p[strlen(p) / 2] = '\0';
        httpd_simple(s, path, 200, JSON_CT, p);
        free(p);
    }
}

static char *write_config(const char *dir, struct httpd *s)
{
    char *path = tu_path(dir, "urscout.ini");
    char *db = tu_path(dir, "u.db");
    char text[4096];
    const char *base = httpd_base(s);
    snprintf(text, sizeof text,
             "[general]\ndatabase = %s\nbundled_sources = no\ncontact = test@example.org\n"
             "[crawl]\nhost_delay = 0s\nretries = 2\nallow_hosts = 127.0.0.1\n"
             "connect_timeout = 2s\ntimeout = 5s\n"
             "[source \"a\"]\nkind = greenhouse\nurl = %s\nboard = a\n"
             "[source \"p\"]\nkind = lever\nurl = %s\nboard = p\n"
             "[source \"c\"]\nkind = greenhouse\nurl = %s\nboard = c\n"
             "[source \"nx\"]\nkind = rss\nurl = http://urscout-nonexistent.invalid/feed.xml\n",
             db, base, base, base);
    tu_write_file(path, text, (size_t)-1);
    free(db);
    return path;
}

static void crawl(struct tu_run *r, const char *dir, const char *cfg, const char *src1,
                  const char *src2)
{
    tu_urscout(r, dir, "--config", cfg, "crawl", src1, src2, (char *)NULL);
    print_message("   exit %d\n%s%s", r->status, r->out, r->err);
}

static void test_crawl_cli(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *db = tu_path(dir, "u.db");
    struct httpd *s = httpd_start();
    char *cfg = write_config(dir, s);
    board(s, "a", "a", 3, NULL);
    lever_pages(s, false);
    struct tu_run r;
    struct rows rs;

    /* Every enabled source: two succeed, the unresolvable one fails with a clear line. */
    tu_urscout(&r, dir, "--config", cfg, "crawl", "a", "p", "nx", (char *)NULL);
    assert_int_equal(r.status, 1);
    assert_true(ch_contains(r.out, "source=a OK postings=3 new=3 updated=0 closed=0 pages=1\n"));
    assert_true(ch_contains(r.out, "source=p OK postings=120 new=120"));
    assert_true(ch_contains(r.out, "source=nx FAIL (fetch): "));
    assert_true(ch_contains(r.out, "could not resolve host urscout-nonexistent.invalid"));
    tu_run_free(&r);
    load_rows(db, &rs);
    assert_int_equal(open_count(&rs, "a"), 3);
    assert_int_equal(open_count(&rs, "p"), 120);
    int64_t p_seen = find(&rs, "p-0")->last_seen;

    /* a drops a-2 (closed); p's second page is truncated: FAIL, nothing of p closed. */
    sleep(1);
    board(s, "a", "a", 2, NULL);
    lever_pages(s, true);
    crawl(&r, dir, cfg, "a", "p");
    assert_int_equal(r.status, 1);
    assert_true(ch_contains(r.out, "source=a OK postings=2 new=0 updated=0 closed=1"));
    assert_true(ch_contains(r.out, "source=p FAIL (parse): "));
    tu_run_free(&r);
    load_rows(db, &rs);
    assert_true(find(&rs, "a-2")->closed_at > 0);
    assert_int_equal(open_count(&rs, "a"), 2);
    assert_int_equal(open_count(&rs, "p"), 120);
    assert_true(find(&rs, "p-0")->last_seen > p_seen);

    /* The unresolvable source again: still one line, saying for how long it has failed. */
    crawl(&r, dir, cfg, "nx", NULL);
    assert_int_equal(r.status, 1);
    assert_true(ch_contains(r.out, "could not resolve host"));
    assert_true(ch_contains(r.out, "(failing for 2 crawls)"));
    tu_run_free(&r);

    /* a suddenly lists nothing: flagged, nothing closed. */
    sleep(1);
    board(s, "a", "a", 0, NULL);
    crawl(&r, dir, cfg, "a", NULL);
    assert_int_equal(r.status, 1);
    assert_true(ch_contains(r.out, "source=a FAIL (check): 0 postings after 2 last time"));
    tu_run_free(&r);
    load_rows(db, &rs);
    assert_int_equal(open_count(&rs, "a"), 2);

    /* C8: unchanged listing (304): postings stay open and are seen again. */
    board(s, "c", "c", 3, "\"c1\"");
    crawl(&r, dir, cfg, "c", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    load_rows(db, &rs);
    int64_t c_seen = find(&rs, "c-1")->last_seen;
    sleep(1);
    crawl(&r, dir, cfg, "c", NULL);
    assert_int_equal(r.status, 0);
    assert_true(ch_contains(r.out, "source=c OK unchanged (not modified) postings kept open=3"));
    tu_run_free(&r);
    load_rows(db, &rs);
    assert_int_equal(open_count(&rs, "c"), 3);
    assert_true(find(&rs, "c-1")->last_seen > c_seen);

    /* Health, as `sources list` shows it; an unknown name is a usage error naming the known. */
    tu_urscout(&r, dir, "--config", cfg, "sources", "list", (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(tu_count(r.out, "flagged"), 1);
    assert_true(ch_contains(r.out, "(parse)"));
    tu_run_free(&r);
    tu_urscout(&r, dir, "--config", cfg, "crawl", "bogus", (char *)NULL);
    assert_int_equal(r.status, 2);
    assert_true(ch_contains(r.err, "unknown source 'bogus' (known: a, p, c, nx)"));
    tu_run_free(&r);

    httpd_stop(s);
    tu_rmtree(dir);
    free(cfg);
    free(db);
    free(dir);
}

/* `sources test`: one page printed, nothing written (no database is created). */
static void test_sources_test(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct httpd *s = httpd_start();
    char *cfg = write_config(dir, s);
    board(s, "a", "a", 2, NULL);
    struct tu_run r;
    tu_urscout(&r, dir, "--config", cfg, "sources", "test", "a", "--format", "jsonl", (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(tu_count(r.out, "\"external_id\":\"a-"), 2);
    assert_true(ch_contains(r.err, "source=a OK postings=2"));
    tu_run_free(&r);
    char *db = tu_path(dir, "u.db");
    assert_int_not_equal(access(db, F_OK), 0);
    free(db);
    httpd_stop(s);
    tu_rmtree(dir);
    free(cfg);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crawl_cli),
        cmocka_unit_test(test_sources_test),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
