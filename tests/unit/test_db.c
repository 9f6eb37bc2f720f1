/* SPDX-License-Identifier: MIT */
/* Unit tests for db/: refusals, migrations, upsert lifecycle, search filters, backup, locking. */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"

struct fx {
    char *dir;
    char *path;
    struct db *db;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->path = tu_path(f->dir, "test.db");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    db_close(f->db);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->path);
    free(f);
    return 0;
}

static void open_db(struct fx *f)
{
    struct err e;
    err_clear(&e);
    int rc = db_open(f->path, true, &f->db, &e);
    if (rc != URS_OK)
        fail_msg("db_open: %s", e.msg);
}

static long long query_int(const char *path, const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

static void make_posting(struct posting *p, const char *source, const char *ext, const char *title)
{
    posting_init(p);
    assert_int_equal(posting_set(&p->source, source), URS_OK);
    assert_int_equal(posting_set(&p->external_id, ext), URS_OK);
    assert_int_equal(posting_set(&p->title, title), URS_OK);
    assert_int_equal(posting_set(&p->employer, "Bluestem Health Plan"), URS_OK);
    assert_int_equal(posting_set(&p->location, "Remote"), URS_OK);
    assert_int_equal(posting_set(&p->description, "Review therapy requests."), URS_OK);
}

static void upsert(struct db *db, struct posting *p, int64_t now, enum db_upsert expect)
{
    struct err e;
    err_clear(&e);
    enum db_upsert r;
    int rc = db_posting_upsert(db, p, now, &r, &e);
    if (rc != URS_OK)
        fail_msg("upsert: %s", e.msg);
    assert_int_equal(r, expect);
}

static void test_open_creates_schema(void **state)
{
    struct fx *f = *state;
    open_db(f);
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(query_int(f->path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'postings_fts'"), 1);
    open_db(f); /* a second open migrates nothing */
}

static void assert_refused(struct fx *f, const char *path, int code, const char *words)
{
    size_t before_len = 0, after_len = 0;
    char *before = tu_read_file(path, &before_len);
    struct err e;
    err_clear(&e);
    struct db *db = NULL;
    assert_int_equal(db_open(path, true, &db, &e), code);
    assert_null(db);
    assert_non_null(strstr(e.msg, words));
    assert_non_null(strstr(e.msg, path));
    char *after = tu_read_file(path, &after_len);
    if (before) {
        assert_int_equal(before_len, after_len);
        assert_memory_equal(before, after, before_len);
    }
    (void)f;
    free(before);
    free(after);
}

static void test_refusals(void **state)
{
    struct fx *f = *state;
    char *missing = tu_path(f->dir, "no/such/folder/x.db");
    assert_refused(f, missing, URS_EIO, "does not exist");
    free(missing);

    char *text = tu_path(f->dir, "notes.txt");
    tu_write_file(text, "just some text, not a database at all\n", (size_t)-1);
    assert_refused(f, text, URS_EDB, "not an SQLite database");
    free(text);

    char *foreign = tu_path(f->dir, "foreign.db");
    sqlite3 *s;
    assert_int_equal(sqlite3_open(foreign, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    assert_refused(f, foreign, URS_EDB, "not urscout's");
    free(foreign);

    char *newer = tu_path(f->dir, "newer.db");
    assert_int_equal(sqlite3_open(newer, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    assert_refused(f, newer, URS_EVERSION, "newer");
    free(newer);
}

static void test_failed_migration_keeps_old_version(void **state)
{
    struct fx *f = *state;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 0; VACUUM", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    setenv("URSCOUT_FAULT", "migrate", 1);
    struct err e;
    err_clear(&e);
    struct db *db = NULL;
    assert_int_equal(db_open(f->path, true, &db, &e), URS_EDB);
    unsetenv("URSCOUT_FAULT");
    assert_non_null(strstr(e.msg, "injected"));
    assert_int_equal(query_int(f->path, "PRAGMA user_version"), 0);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM sqlite_master"), 0);
    open_db(f); /* and the next try succeeds */
}

/* A database urscout 0.1.0 wrote (schema 1) opens, migrates to the current schema, and keeps
 * every row: postings, their search index, subscribers, coaches and cohorts. */
static void test_upgrade_from_schema_1(void **state)
{
    struct fx *f = *state;
    char *fixture = tu_path(tu_source_dir(), "tests/fixtures/db/schema-v1.sql");
    char *sql = tu_read_file(fixture, NULL);
    assert_non_null(sql);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    free(sql);
    free(fixture);
    assert_int_equal(query_int(f->path, "PRAGMA user_version"), 1);

    open_db(f);
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(query_int(f->path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM postings"), 11);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM postings_fts WHERE postings_fts "
                                        "MATCH 'review'"),
                     7);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM postings WHERE is_posting = 1"), 11);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM subscribers"), 1);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM cohort_members"), 1);
    open_db(f); /* and a second open migrates nothing */
}

static void test_upsert_lifecycle(void **state)
{
    struct fx *f = *state;
    open_db(f);
    struct posting p;
    make_posting(&p, "bluestem", "J1", "Therapy Reviewer");
    p.disciplines = 1u << DISC_PT | 1u << DISC_OT;
    p.license_states = 1ULL << STATE_ANY;
    assert_int_equal(posting_add_evidence(&p, TAG_DISCIPLINE, "PT", "physical therapist", 18, 7),
                     URS_OK);
    upsert(f->db, &p, 1000, DB_UPSERT_NEW);
    int64_t id = p.id;
    assert_true(id > 0);
    upsert(f->db, &p, 2000, DB_UPSERT_UNCHANGED);
    assert_int_equal(p.id, id);
    assert_int_equal(posting_set(&p.title, "Therapy Reviewer II"), URS_OK);
    upsert(f->db, &p, 3000, DB_UPSERT_UPDATED);

    struct posting got;
    struct err e;
    err_clear(&e);
    assert_int_equal(db_posting_get(f->db, id, &got, &e), URS_OK);
    assert_string_equal(got.title, "Therapy Reviewer II");
    assert_int_equal(got.first_seen, 1000);
    assert_int_equal(got.last_seen, 3000);
    assert_int_equal(got.disciplines, p.disciplines);
    assert_int_equal(got.license_states, 1ULL << STATE_ANY);
    assert_int_equal(got.evidence_len, 1);
    assert_string_equal(got.evidence[0].phrase, "physical therapist");
    assert_int_equal(got.evidence[0].offset, 7);
    posting_free(&got);
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM posting_tags WHERE tag = 'discipline'"), 2);

    open_db(f);
    size_t closed = 9;
    assert_int_equal(db_postings_close_missing(f->db, "bluestem", 4000, &closed, &e), URS_OK);
    assert_int_equal(closed, 0); /* seen in the current crawl: still listed */
    /* a new crawl that does not list it, within the same second as the last sighting */
    assert_int_equal(db_source_crawl_begin(f->db, "bluestem", 3000, &e), URS_OK);
    assert_int_equal(db_postings_close_missing(f->db, "bluestem", 4000, &closed, &e), URS_OK);
    assert_int_equal(closed, 1);
    assert_int_equal(db_posting_get(f->db, id, &got, &e), URS_OK);
    assert_int_equal(got.closed_at, 4000);
    posting_free(&got);
    upsert(f->db, &p, 5000, DB_UPSERT_UPDATED); /* seen again: reopened */
    assert_int_equal(db_posting_get(f->db, id, &got, &e), URS_OK);
    assert_int_equal(got.closed_at, 0);
    posting_free(&got);

    size_t touched = 0;
    assert_int_equal(db_postings_touch_source(f->db, "bluestem", 6000, &touched, &e), URS_OK);
    assert_int_equal(touched, 1);
    p.valid_through = 5500;
    upsert(f->db, &p, 6000, DB_UPSERT_UPDATED);
    assert_int_equal(db_postings_close_expired(f->db, 7000, &closed, &e), URS_OK);
    assert_int_equal(closed, 1);
    assert_int_equal(db_posting_get(f->db, 999, &got, &e), URS_ENOTFOUND);
    posting_free(&p);
}

static void test_upsert_rejects_incomplete(void **state)
{
    struct fx *f = *state;
    open_db(f);
    struct posting p;
    make_posting(&p, "s", "x", "");
    struct err e;
    err_clear(&e);
    assert_int_equal(db_posting_upsert(f->db, &p, 1, NULL, &e), URS_EINVAL);
    assert_non_null(strstr(e.msg, "no title"));
    posting_free(&p);
}

struct collect {
    char titles[16][64];
    int64_t ids[16];
    size_t n;
};

static int collect_fn(void *ctx, const struct posting *p)
{
    struct collect *c = ctx;
    if (c->n < 16) {
        snprintf(c->titles[c->n], sizeof c->titles[0], "%s", p->title);
        c->ids[c->n] = p->id;
    }
    c->n++;
    return 0;
}

static void seed(struct db *db)
{
    static const struct {
        const char *source, *ext, *title, *employer, *location;
        uint32_t disc;
        enum work_mode mode;
        uint64_t states;
        double annual;
        bool ur;
    } rows[] = {
        {"a", "1", "Utilization Review Physical Therapist", "Bluestem", "Remote", 1u << DISC_PT,
         MODE_REMOTE, 1ULL << STATE_ANY, 90000, true},
        {"b", "1", "Utilization Review Physical Therapist", "Bluestem", "Remote", 1u << DISC_PT,
         MODE_REMOTE, 1ULL << STATE_ANY, 90000, true},
        {"a", "2", "Prior Authorization Nurse", "Kestrel", "Austin, TX", 1u << DISC_RN,
         MODE_HYBRID, 1ULL << 42, 70000, true},
        {"a", "3", "Outpatient Occupational Therapist", "Harborlight", "Denver", 1u << DISC_OT,
         MODE_ONSITE, 1ULL << 5, 0, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct posting p;
        make_posting(&p, rows[i].source, rows[i].ext, rows[i].title);
        assert_int_equal(posting_set(&p.employer, rows[i].employer), URS_OK);
        assert_int_equal(posting_set(&p.location, rows[i].location), URS_OK);
        p.disciplines = rows[i].disc;
        p.work_mode = rows[i].mode;
        p.license_states = rows[i].states;
        p.salary.period = rows[i].annual > 0 ? PERIOD_YEAR : PERIOD_NONE;
        p.salary.min = p.salary.max = p.salary.annual = rows[i].annual;
        p.ur_role = rows[i].ur;
        upsert(db, &p, 1000 + (int64_t)i, DB_UPSERT_NEW);
        posting_free(&p);
    }
}

static size_t run_search(struct db *db, struct db_query *q, struct collect *c)
{
    struct err e;
    err_clear(&e);
    memset(c, 0, sizeof *c);
    int rc = db_search(db, q, collect_fn, c, &e);
    if (rc != URS_OK)
        fail_msg("search: %s", e.msg);
    return c->n;
}

static void test_search_filters(void **state)
{
    struct fx *f = *state;
    open_db(f);
    seed(f->db);
    struct collect c;
    struct db_query q = {0};
    assert_int_equal(run_search(f->db, &q, &c), 3); /* the two sources' copy shows once */
    q.text = "utilization";
    assert_int_equal(run_search(f->db, &q, &c), 1);
    assert_string_equal(c.titles[0], "Utilization Review Physical Therapist");
    q.text = "therapist";
    assert_int_equal(run_search(f->db, &q, &c), 2);
    q.text = NULL;
    q.disciplines = 1u << DISC_RN;
    assert_int_equal(run_search(f->db, &q, &c), 1);
    assert_string_equal(c.titles[0], "Prior Authorization Nurse");
    q.disciplines = 0;
    q.modes = 1u << MODE_ONSITE;
    assert_int_equal(run_search(f->db, &q, &c), 1);
    q.modes = 0;
    q.states = 1ULL << 42; /* TX: the TX posting and the ANY-state one */
    assert_int_equal(run_search(f->db, &q, &c), 2);
    q.states = 0;
    q.min_salary = 80000;
    assert_int_equal(run_search(f->db, &q, &c), 1);
    q.min_salary = 0;
    q.employer = "kest";
    assert_int_equal(run_search(f->db, &q, &c), 1);
    q.employer = NULL;
    q.ur_only = true;
    assert_int_equal(run_search(f->db, &q, &c), 2);
    q.ur_only = false;
    q.since = 1003;
    assert_int_equal(run_search(f->db, &q, &c), 1);
}

/*
 * A page the classifier found is not one posting (role family article) is stored with
 * is_posting = 0 and left out of search unless asked for; re-tagged as a posting, it is back.
 */
static void test_search_leaves_out_pages(void **state)
{
    struct fx *f = *state;
    open_db(f);
    struct posting job, page;
    make_posting(&job, "pg", "1", "Utilization Review Nurse");
    job.role_family = ROLE_UTILIZATION_REVIEW;
    job.ur_role = true;
    make_posting(&page, "pg", "2", "What does a utilization review nurse do");
    page.role_family = ROLE_ARTICLE;
    upsert(f->db, &job, 1000, DB_UPSERT_NEW);
    upsert(f->db, &page, 1001, DB_UPSERT_NEW);
    struct collect c;
    struct db_query q = {0};
    assert_int_equal(run_search(f->db, &q, &c), 1);
    assert_string_equal(c.titles[0], "Utilization Review Nurse");
    q.text = "utilization";
    assert_int_equal(run_search(f->db, &q, &c), 1);
    q.include_pages = true;
    assert_int_equal(run_search(f->db, &q, &c), 2);
    q.text = NULL;
    q.include_pages = false;
    page.role_family = ROLE_CLINICAL_OTHER;
    upsert(f->db, &page, 2000, DB_UPSERT_UPDATED);
    assert_int_equal(run_search(f->db, &q, &c), 2);
    page.role_family = ROLE_ARTICLE;
    upsert(f->db, &page, 3000, DB_UPSERT_UPDATED);
    assert_int_equal(run_search(f->db, &q, &c), 1);
    posting_free(&job);
    posting_free(&page);
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM postings WHERE is_posting = 0"), 1);
    assert_int_equal(query_int(f->path, "SELECT is_posting FROM postings WHERE external_id = '1'"),
                     1);
}

/*
 * The full-text index is written at commit, not by triggers: an insert, an update (new words
 * in, old words out, twice in one transaction) and a rolled-back change all leave it matching
 * the table, and FTS5's own integrity check passes.
 */
static void test_fts_written_at_commit(void **state)
{
    struct fx *f = *state;
    open_db(f);
    struct err e;
    err_clear(&e);
    struct posting p;
    make_posting(&p, "fts", "1", "Alpha Reviewer");
    upsert(f->db, &p, 1000, DB_UPSERT_NEW);
    struct collect c;
    struct db_query q = {.text = "alpha"};
    assert_int_equal(run_search(f->db, &q, &c), 1);

    assert_int_equal(db_begin(f->db, &e), URS_OK);
    assert_int_equal(posting_set(&p.title, "Bravo Reviewer"), URS_OK);
    upsert(f->db, &p, 2000, DB_UPSERT_UPDATED);
    assert_int_equal(posting_set(&p.title, "Charlie Reviewer"), URS_OK);
    upsert(f->db, &p, 2001, DB_UPSERT_UPDATED);
    struct posting other;
    make_posting(&other, "fts", "2", "Delta Reviewer");
    upsert(f->db, &other, 2002, DB_UPSERT_NEW);
    assert_int_equal(db_commit(f->db, &e), URS_OK);
    q.text = "alpha";
    assert_int_equal(run_search(f->db, &q, &c), 0);
    q.text = "bravo";
    assert_int_equal(run_search(f->db, &q, &c), 0);
    q.text = "charlie";
    assert_int_equal(run_search(f->db, &q, &c), 1);
    q.text = "delta";
    assert_int_equal(run_search(f->db, &q, &c), 1);
    q.text = "reviewer";
    assert_int_equal(run_search(f->db, &q, &c), 2);

    /* rolled back: neither the row nor its index entry changes */
    assert_int_equal(db_begin(f->db, &e), URS_OK);
    assert_int_equal(posting_set(&p.title, "Echo Reviewer"), URS_OK);
    upsert(f->db, &p, 3000, DB_UPSERT_UPDATED);
    db_rollback(f->db);
    q.text = "echo";
    assert_int_equal(run_search(f->db, &q, &c), 0);
    q.text = "charlie";
    assert_int_equal(run_search(f->db, &q, &c), 1);
    posting_free(&p);
    posting_free(&other);
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                                        " AND name IN ('postings_fts_ai', 'postings_fts_au')"),
                     0);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(s, "INSERT INTO postings_fts(postings_fts) VALUES ('integrity-check')",
                          NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("fts integrity-check: %s", msg ? msg : "?");
    sqlite3_close(s);
}

/* Record one digest for subscriber sid showing ids[0..n) in the open transaction. */
static int record_digest(struct db *db, int64_t sid, const int64_t *ids, size_t n, int64_t now,
                         struct err *e)
{
    static const char msg[] = "Subject: new jobs\r\n\r\nthree postings\r\n";
    struct db_digest_record r = {.subscriber_id = sid,
                                 .now = now,
                                 .next_due_at = now + 86400,
                                 .recipient = "x@example.org",
                                 .message_id = "<m@example.org>",
                                 .subject = "new jobs",
                                 .message = msg,
                                 .message_len = sizeof msg - 1,
                                 .posting_ids = ids,
                                 .postings_len = n,
                                 .shown_len = n};
    int64_t outbox_id;
    return db_digest_record(db, &r, &outbox_id, e);
}

/* Deliveries rows are held to commit (sorted for the index): all land, a rollback drops them,
   a conflict among them fails the commit and keeps nothing of that transaction. */
static void test_deliveries_written_at_commit(void **state)
{
    struct fx *f = *state;
    open_db(f);
    struct err e;
    err_clear(&e);
    char ext[8];
    for (int i = 1; i <= 4; i++) {
        struct posting p;
        (void)snprintf(ext, sizeof ext, "%d", i);
        make_posting(&p, "dq", ext, "Therapy Reviewer");
        upsert(f->db, &p, 1000 + i, DB_UPSERT_NEW);
        posting_free(&p);
    }
    const char *emails[] = {"a@example.org", "b@example.org", "c@example.org"};
    for (int i = 0; i < 3; i++) {
        struct db_subscriber s;
        db_subscriber_init(&s);
        s.email = strdup(emails[i]);
        assert_int_equal(db_subscriber_add(f->db, &s, 1000, &e), URS_OK);
        db_subscriber_free(&s);
    }
    assert_int_equal(db_begin(f->db, &e), URS_OK);
    const int64_t first[] = {3, 1, 2}, second[] = {2};
    assert_int_equal(record_digest(f->db, 1, first, 3, 2000, &e), URS_OK);
    assert_int_equal(record_digest(f->db, 2, second, 1, 2000, &e), URS_OK);
    assert_int_equal(db_commit(f->db, &e), URS_OK);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM deliveries"), 4);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM deliveries d JOIN outbox o ON"
                                        " o.id = d.outbox_id AND o.subscriber_id = d.subscriber_id"),
                     4);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s,
                                        "SELECT group_concat(subscriber_id || ':' || posting_id)"
                                        " FROM (SELECT * FROM deliveries ORDER BY 1, 2)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "1:1,1:2,1:3,2:2");
    sqlite3_finalize(st);
    sqlite3_close(s);

    /* rolled back: the held row is dropped, not written by the next commit */
    const int64_t fourth[] = {4};
    assert_int_equal(db_begin(f->db, &e), URS_OK);
    assert_int_equal(record_digest(f->db, 3, fourth, 1, 3000, &e), URS_OK);
    db_rollback(f->db);
    assert_int_equal(db_begin(f->db, &e), URS_OK);
    assert_int_equal(record_digest(f->db, 2, fourth, 1, 3000, &e), URS_EBUSY);
    db_rollback(f->db);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM deliveries"), 4);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM deliveries WHERE posting_id = 4"), 0);

    /* the same posting twice for one subscriber: the commit fails and stores nothing */
    const int64_t twice[] = {4, 4};
    assert_int_equal(db_begin(f->db, &e), URS_OK);
    assert_int_equal(record_digest(f->db, 3, twice, 2, 4000, &e), URS_OK);
    err_clear(&e);
    assert_int_equal(db_commit(f->db, &e), URS_EDB);
    assert_non_null(strstr(e.msg, "record deliveries"));
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM deliveries"), 4);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM outbox WHERE subscriber_id = 3"), 0);
    assert_int_equal(query_int(f->path, "SELECT coalesce(last_digest_at, 0) FROM subscribers"
                                        " WHERE id = 3"),
                     0);
}

static void test_search_hostile_queries(void **state)
{
    struct fx *f = *state;
    open_db(f);
    seed(f->db);
    static const char *const bad[] = {"\"unbalanced", "NEAR(", "title:", "nosuchcol:x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct db_query q = {.text = bad[i]};
        struct err e;
        err_clear(&e);
        struct collect c = {0};
        assert_int_equal(db_search(f->db, &q, collect_fn, &c, &e), URS_EINVAL);
        assert_non_null(strstr(e.msg, "not valid full-text syntax"));
    }
    struct db_query inj = {.text = "\"'; DROP TABLE postings; --\""};
    struct collect c;
    assert_int_equal(run_search(f->db, &inj, &c), 0);
    struct db_query all = {0};
    assert_int_equal(run_search(f->db, &all, &c), 3); /* the table is still there */
}

static void test_check_and_backup(void **state)
{
    struct fx *f = *state;
    open_db(f);
    seed(f->db);
    struct err e;
    err_clear(&e);
    struct sbuf report;
    sbuf_init(&report, 4096);
    bool ok = false;
    assert_int_equal(db_check(f->db, &ok, &report, &e), URS_OK);
    assert_true(ok);
    sbuf_free(&report);
    char *copy = tu_path(f->dir, "copy.db");
    assert_int_equal(db_backup(f->db, copy, &e), URS_OK);
    assert_int_equal(query_int(copy, "SELECT count(*) FROM postings"), 4);
    char *bad = tu_path(f->dir, "no/such/dir/copy.db");
    assert_int_equal(db_backup(f->db, bad, &e), URS_EIO);
    free(copy);
    free(bad);
}

struct writer {
    const char *path;
    volatile int stop;
    int written;
};

/* Keep writing postings from another connection until told to stop. */
static void *keep_writing(void *arg)
{
    struct writer *w = arg;
    struct db *db = NULL;
    struct err e;
    err_clear(&e);
    if (db_open(w->path, false, &db, &e) != URS_OK)
        return NULL;
    for (int i = 0; !w->stop && i < 100000; i++) {
        struct posting p;
        char ext[32];
        snprintf(ext, sizeof ext, "w%d", i);
        make_posting(&p, "writer", ext, "Concurrent Reviewer");
        if (db_posting_upsert(db, &p, 10000 + i, NULL, &e) == URS_OK)
            w->written++;
        posting_free(&p);
    }
    db_close(db);
    return NULL;
}

/* D5: an online backup while another connection writes is complete and consistent. */
static void test_backup_while_writing(void **state)
{
    struct fx *f = *state;
    open_db(f);
    seed(f->db);
    struct writer w = {f->path, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, keep_writing, &w);
    while (w.written < 20)
        usleep(1000);
    char *copy = tu_path(f->dir, "online.db");
    struct err e;
    err_clear(&e);
    int rc = db_backup(f->db, copy, &e);
    w.stop = 1;
    pthread_join(t, NULL);
    if (rc != URS_OK)
        fail_msg("backup: %s", e.msg);
    struct db *back = NULL;
    assert_int_equal(db_open(copy, false, &back, &e), URS_OK);
    struct sbuf report;
    sbuf_init(&report, 4096);
    bool ok = false;
    assert_int_equal(db_check(back, &ok, &report, &e), URS_OK);
    assert_true(ok);
    sbuf_free(&report);
    db_close(back);
    assert_true(query_int(copy, "SELECT count(*) FROM postings") >= 4);
    free(copy);
}

struct locker {
    const char *path;
    pthread_barrier_t *ready;
};

/* Hold the write lock for 300 ms from another connection. */
static void *hold_lock(void *arg)
{
    struct locker *l = arg;
    sqlite3 *s;
    sqlite3_open(l->path, &s);
    sqlite3_exec(s, "BEGIN IMMEDIATE; UPDATE postings SET title = title;", NULL, NULL, NULL);
    pthread_barrier_wait(l->ready);
    usleep(300000);
    sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(s);
    return NULL;
}

/* Another process (this program again: a fork would share SQLite's lock bookkeeping)
   opens, reads and closes, as a CLI command does; it must not take itself for the last user. */
static int read_and_close(const char *path)
{
    sqlite3 *s = NULL;
    int ok = sqlite3_open_v2(path, &s, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
             sqlite3_exec(s, "SELECT count(*) FROM subscribers", NULL, NULL, NULL) == SQLITE_OK;
    ok = sqlite3_close(s) == SQLITE_OK && ok;
    return ok ? 0 : 1;
}

static void other_process_reads(const char *path)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/proc/self/exe", "test_db", "--read-and-close", path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A second connection in the same process (the daemon serving pages has two) must leave the
 * first one's locks alone: closing a descriptor of the file drops every POSIX lock the
 * process holds on it, and another process closing last would then delete the WAL under the
 * first connection, whose later writes nobody else would see.
 */
static void test_second_connection_keeps_locks(void **state)
{
    struct fx *f = *state;
    struct err e;
    err_clear(&e);
    assert_int_equal(db_open(f->path, true, &f->db, &e), URS_OK);
    struct db_subscriber s;
    db_subscriber_init(&s);
    s.email = strdup("one@example.org");
    assert_int_equal(db_subscriber_add(f->db, &s, 1000, &e), URS_OK);
    struct db *second = NULL;
    assert_int_equal(db_open(f->path, false, &second, &e), URS_OK);
    other_process_reads(f->path);
    char *wal = tu_path(f->dir, "test.db-wal");
    struct stat st;
    assert_int_equal(stat(wal, &st), 0); /* still there: this process still uses it */
    free(s.email);
    s.email = strdup("two@example.org");
    assert_int_equal(db_subscriber_add(f->db, &s, 1001, &e), URS_OK);
    db_subscriber_free(&s);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &other, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(other, "SELECT count(*) FROM subscribers", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2); /* the write after it is seen */
    sqlite3_finalize(q);
    sqlite3_close(other);
    db_close(second);
    free(wal);
}

static void test_writer_waits_for_lock(void **state)
{
    struct fx *f = *state;
    open_db(f);
    seed(f->db);
    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, 2);
    struct locker l = {f->path, &ready};
    pthread_t t;
    pthread_create(&t, NULL, hold_lock, &l);
    pthread_barrier_wait(&ready);
    struct posting p;
    make_posting(&p, "c", "9", "Waiting Writer");
    upsert(f->db, &p, 5000, DB_UPSERT_NEW); /* busy_timeout, not SQLITE_BUSY */
    posting_free(&p);
    pthread_join(t, NULL);
    pthread_barrier_destroy(&ready);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--read-and-close") == 0)
        return read_and_close(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_keeps_old_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_from_schema_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_rejects_incomplete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_leaves_out_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_written_at_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deliveries_written_at_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_hostile_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_and_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_waits_for_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_connection_keeps_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_while_writing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
