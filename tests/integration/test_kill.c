/* SPDX-License-Identifier: MIT */
/*
 * kill -9 at random moments (RELIABILITY D1, N6): 20 rounds during `urscout crawl` and 20
 * during `urscout digest send` (Maildir and SMTP). After every kill the database passes
 * `db check`, no posting or outbox row is lost, a posting is closed only once it left a
 * complete listing, and once the work is redone every subscriber has exactly one digest per
 * round, each outbox row one Message-ID. The moments come from a printed seed
 * (URS_FAULT_SEED replays a run).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "crawl_harness.h"
#include "fault_util.h"
#include "httpd.h"
#include "proc.h"
#include "testutil.h"

#define ROUNDS     20
#define JSON_CT    "Content-Type: application/json\r\n"
#define SHIFT      5 /* each round the listings move on by this many postings */
#define HMAC_KEY   "test-hmac-key-0123456789abcdef!!"

/* ---- kill -9 during a crawl ---- */

struct listing {
    const char *name; /* source and id prefix */
    size_t size;      /* postings listed each round */
    struct httpd *server;
};

/* Lever pages of round r: ids name-(SHIFT*r) .. name-(SHIFT*r + size - 1), 100 a page. */
static void listing_route(struct listing *l, size_t round)
{
    size_t from = SHIFT * round;
    for (size_t page = 0; page * 100 <= l->size; page++) {
        size_t n = l->size - page * 100 < 100 ? l->size - page * 100 : 100;
        char path[128];
        snprintf(path, sizeof path, "/v0/postings/%s?mode=json&skip=%zu&limit=100", l->name,
                 page * 100);
        char *body = ch_lever(l->name, from + page * 100, n);
        struct httpd_resp r = {.headers = JSON_CT, .body = body, .body_len = (size_t)-1};
        httpd_route(l->server, path, &r, 1);
        free(body);
    }
}

static void crawl_config(const char *path, const char *db, struct listing *ls, size_t n)
{
    char text[4096];
    int len = snprintf(text, sizeof text,
                       "[general]\ndatabase = %s\nbundled_sources = no\n"
                       "[crawl]\nhost_delay = 0s\nrobots = no\nallow_hosts = 127.0.0.1\n"
                       "connect_timeout = 2s\ntimeout = 10s\n",
                       db);
    for (size_t i = 0; i < n; i++)
        len += snprintf(text + len, sizeof text - (size_t)len,
                        "[source \"%s\"]\nkind = lever\nurl = %s\nboard = %s\n", ls[i].name,
                        httpd_base(ls[i].server), ls[i].name);
    tu_write_file(path, text, (size_t)-1);
}

static void db_check(const char *dir, const char *cfg, const char *when)
{
    struct tu_run r;
    tu_urscout(&r, dir, "--config", cfg, "db", "check", NULL);
    if (r.status != 0)
        fail_msg("db check %s: %s%s", when, r.out, r.err);
    tu_run_free(&r);
}

/* Number at the end of "name-N". */
static long id_number(const char *id)
{
    const char *dash = strrchr(id, '-');
    return dash ? strtol(dash + 1, NULL, 10) : -1;
}

/* Every line of before is in after (both sorted, one id a line). */
static void lines_kept(const char *before, const char *after, size_t round)
{
    for (const char *p = before; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = (size_t)(end - p);
        char needle[128];
        snprintf(needle, sizeof needle, "\n%.*s\n", (int)len, p);
        size_t hay_len = strlen(after);
        char *hay = malloc(hay_len + 2);
        hay[0] = '\n';
        memcpy(hay + 1, after, hay_len + 1);
        if (!strstr(hay, needle))
            fail_msg("round %zu: posting %.*s was lost", round, (int)len, p);
        free(hay);
        p = end + 1;
    }
}

/*
 * Start urscout, SIGKILL it at a random moment of *span_ms, reap it; true when the kill hit a
 * running process. A run that ended before its kill shows the job is quicker than the span
 * (a crawl over a warm database is), so the span shrinks to 5/4 of that moment: the later
 * kills keep landing mid-run, whatever the machine's load did to the calibration.
 */
static bool kill_at_random(const char *dir, const char *log, uint64_t *rng, int64_t *span_ms,
                           const char *a1, const char *a2, const char *a3, const char *a4)
{
    pid_t pid = fu_spawn(dir, log, a1, a2, a3, a4, NULL);
    int64_t at = (int64_t)fu_below(rng, (uint64_t)*span_ms);
    fu_sleep_ms(at);
    kill(pid, SIGKILL); /* a process that already ended is a zombie: no effect */
    int status = proc_wait(pid, 10000);
    if (status != 128 + SIGKILL && status != 0) {
        char *text = tu_read_file(log, NULL);
        fail_msg("urscout %s %s %s ended with %d:\n%s", a1, a2, a3, status, text ? text : "");
    }
    if (status == 0 && at >= 16 && at * 5 / 4 + 1 < *span_ms)
        *span_ms = at * 5 / 4 + 1;
    return status == 128 + SIGKILL;
}

static void test_kill_during_crawl(void **state)
{
    (void)state;
    uint64_t rng = fu_seed("kill -9 during crawl");
    char *dir = tu_mkdtemp();
    char *db = tu_path(dir, "u.db"), *cfg = tu_path(dir, "urscout.ini");
    char *log = tu_path(dir, "crawl.log");
    struct listing ls[] = {{"p", 350, httpd_start()}, {"q", 250, httpd_start()},
                           {"s", 180, httpd_start()}};
    size_t n = sizeof ls / sizeof ls[0], listed = 0;
    for (size_t i = 0; i < n; i++)
        listed += ls[i].size;
    crawl_config(cfg, db, ls, n);

    /* calibration: one whole crawl on a scratch database sets the span of the kill moments */
    char *scratch = tu_path(dir, "scratch.db"), *scratch_cfg = tu_path(dir, "scratch.ini");
    crawl_config(scratch_cfg, scratch, ls, n);
    for (size_t i = 0; i < n; i++)
        listing_route(&ls[i], 0);
    int64_t t0 = fu_now_ms();
    struct tu_run r;
    tu_urscout(&r, dir, "--config", scratch_cfg, "crawl", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    int64_t span = (fu_now_ms() - t0) * 5 / 4 + 1;

    char *before = calloc(1, 1);
    size_t hits = 0;
    for (size_t round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < n; i++)
            listing_route(&ls[i], round);
        hits += kill_at_random(dir, log, &rng, &span, "--config", cfg, "crawl", NULL);
        char when[32];
        snprintf(when, sizeof when, "after round %zu", round);
        /* killed before the first crawl made the database: nothing was stored, nothing lost */
        if (!before[0] && access(db, F_OK) != 0)
            continue;
        db_check(dir, cfg, when);
        char *after = fu_sql_lines(db, "SELECT external_id FROM postings ORDER BY external_id");
        lines_kept(before, after, round);
        free(before);
        before = after;
        /* closed only after leaving a complete listing: never one that is listed now */
        char *closed = fu_sql_lines(db, "SELECT external_id FROM postings WHERE closed_at IS "
                                        "NOT NULL");
        for (char *p = closed, *end; *p; p = end + 1) {
            end = strchr(p, '\n');
            *end = '\0';
            if (id_number(p) >= (long)(SHIFT * round))
                fail_msg("round %zu: %s is closed but still listed", round, p);
        }
        free(closed);
    }
    print_message("kill -9 during crawl: %d rounds over %lld ms spans, %zu killed mid-crawl, "
                  "%lld postings stored, db check clean after each\n",
                  ROUNDS, (long long)span, hits,
                  fu_sql_int(db, "SELECT count(*) FROM postings"));
    assert_true(hits >= ROUNDS / 4);

    /* the crawl redone in peace: every listed posting open, exactly the departed ones closed */
    tu_urscout(&r, dir, "--config", cfg, "crawl", NULL);
    if (r.status != 0)
        fail_msg("crawl after the kills: %s%s", r.out, r.err);
    tu_run_free(&r);
    long long open = fu_sql_int(db, "SELECT count(*) FROM postings WHERE closed_at IS NULL");
    assert_int_equal(open, (long long)listed);
    for (size_t i = 0; i < n; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM postings WHERE source = '%s' AND closed_at IS NULL AND "
                 "CAST(substr(external_id, 3) AS INTEGER) >= %d",
                 ls[i].name, SHIFT * (ROUNDS - 1));
        assert_int_equal(fu_sql_int(db, sql), (long long)ls[i].size);
    }
    db_check(dir, cfg, "at the end");

    for (size_t i = 0; i < n; i++)
        httpd_stop(ls[i].server);
    free(before);
    tu_rmtree(dir);
    char *strings[] = {dir, db, cfg, log, scratch, scratch_cfg};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
}

/* ---- kill -9 during digest send ---- */


struct dfx {
    char *dir, *db, *cfg, *log, *mail, *sink_dir;
    pid_t sink;
    long port;
    int subs; /* subscribers, all matching every new posting */
};

static void digest_config(struct dfx *f, bool smtp)
{
    char text[2048];
    int len = snprintf(text, sizeof text,
                       "[general]\ndatabase = %s\nbundled_sources = no\n"
                       "[delivery]\nfrom = digest@urscout.example.org\n"
                       "postal_address = urscout Inc, 100 Main St, Springfield, IL\n"
                       "maildir = %s\nrate_per_minute = 100000\n"
                       "[web]\nbase_url = https://jobs.example.org\n",
                       f->db, f->mail);
    if (smtp)
        snprintf(text + len, sizeof text - (size_t)len,
                 "[smtp]\nhost = 127.0.0.1\nport = %ld\nstarttls = off\n", f->port);
    tu_write_file(f->cfg, text, (size_t)-1);
}

static void run_ok(struct dfx *f, const char *a1, const char *a2, const char *a3)
{
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, a1, a2, a3, NULL);
    if (r.status != 0)
        fail_msg("urscout %s %s: %d\n%s%s", a1, a2 ? a2 : "", r.status, r.out, r.err);
    tu_run_free(&r);
}

/* Ten new PT postings for round r, first seen now: every subscriber has news. */
static void new_postings(struct dfx *f, size_t round)
{
    char *path = tu_path(f->dir, "new.jsonl");
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    for (int i = 0; i < 10; i++)
        fprintf(out,
                "{\"external_id\":\"r%zu-%d\",\"title\":\"Utilization Review Physical Therapist "
                "%zu.%d\",\"employer\":\"Bluestem\",\"url\":\"https://jobs.example/r%zu/%d\","
                "\"disciplines\":[\"PT\"],\"work_mode\":\"remote\",\"ur_role\":true,"
                "\"role_family\":\"utilization_review\"}\n",
                round, i, round, i, round, i);
    fclose(out);
    run_ok(f, "import", path, NULL);
    free(path);
}

static void subscribers(struct dfx *f)
{
    run_ok(f, "subscriber", "add", "s0@example.org");
    fu_sql_exec(f->db, "UPDATE subscribers SET disciplines = 1, frequency = 'daily'");
    char sql[512];
    for (int i = 1; i < f->subs; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO subscribers(email, status, frequency, disciplines, time_zone, "
                 "send_hour, created_at, updated_at, next_due_at) SELECT 's%d@example.org', "
                 "status, frequency, disciplines, time_zone, send_hour, created_at, updated_at, "
                 "0 FROM subscribers WHERE email = 's0@example.org'",
                 i);
        fu_sql_exec(f->db, sql);
    }
}

/* Message-IDs and recipients in Maildir new/: each complete, none twice. */
static size_t maildir_check(struct dfx *f, json_t *seen)
{
    char *new_dir = tu_path(f->mail, "new");
    DIR *d = opendir(new_dir);
    size_t n = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        char *path = tu_path(new_dir, de->d_name);
        char *msg = tu_read_file(path, NULL);
        assert_non_null(msg);
        const char *mid = strstr(msg, "\nMessage-ID: ");
        assert_non_null(mid);
        char id[256];
        assert_int_equal(sscanf(mid + 13, "%255s", id), 1);
        /* complete: the closing boundary of the multipart is there */
        const char *b = strstr(msg, "boundary=\"");
        assert_non_null(b);
        char close[128];
        snprintf(close, sizeof close, "--%.*s--", (int)strcspn(b + 10, "\""), b + 10);
        if (!strstr(msg, close))
            fail_msg("%s is cut short", path);
        json_object_set_new(seen, id, json_integer(json_integer_value(json_object_get(seen, id)) + 1));
        n++;
        free(msg);
        free(path);
    }
    if (d)
        closedir(d);
    free(new_dir);
    return n;
}

/* Message-IDs the sink received (copies counted). */
static size_t sink_check(struct dfx *f, json_t *seen)
{
    DIR *d = opendir(f->sink_dir);
    size_t n = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "msg-", 4) != 0 || len < 5 || strcmp(de->d_name + len - 5, ".json"))
            continue;
        char *path = tu_path(f->sink_dir, de->d_name);
        json_t *m = json_load_file(path, 0, NULL);
        assert_non_null(m);
        const char *id = json_string_value(json_object_get(m, "message_id"));
        json_object_set_new(seen, id, json_integer(json_integer_value(json_object_get(seen, id)) + 1));
        json_decref(m);
        free(path);
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

/*
 * After the work is redone: rows = rounds x subscribers, all sent, each subscriber one per
 * round, every rendered digest with its deliveries rows and every delivery with its digest,
 * and each outbox Message-ID delivered; returns the copies beyond the first.
 */
static size_t outbox_check(struct dfx *f, size_t rounds, json_t *seen)
{
    long long want = (long long)rounds * f->subs;
    assert_int_equal(fu_sql_int(f->db, "SELECT count(*) FROM outbox"), want);
    assert_int_equal(fu_sql_int(f->db, "SELECT count(*) FROM outbox WHERE status = 'sent'"), want);
    assert_int_equal(fu_sql_int(f->db, "SELECT count(DISTINCT message_id) FROM outbox"), want);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT subscriber_id FROM outbox GROUP BY subscriber_id "
             "HAVING count(*) != %zu)",
             rounds);
    assert_int_equal(fu_sql_int(f->db, sql), 0);
    assert_int_equal(fu_sql_int(f->db, "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 "
                                       "FROM deliveries d WHERE d.outbox_id = o.id)"),
                     0);
    assert_int_equal(fu_sql_int(f->db, "SELECT count(*) FROM deliveries d WHERE NOT EXISTS "
                                       "(SELECT 1 FROM outbox o WHERE o.id = d.outbox_id)"),
                     0);
    char *ids = fu_sql_lines(f->db, "SELECT message_id FROM outbox");
    size_t extra = 0, total = 0;
    for (char *p = ids, *end; *p; p = end + 1) {
        end = strchr(p, '\n');
        *end = '\0';
        json_int_t copies = json_integer_value(json_object_get(seen, p));
        if (copies < 1)
            fail_msg("%s was never delivered", p);
        extra += (size_t)(copies - 1);
        total += (size_t)copies;
    }
    free(ids);
    assert_int_equal(json_object_size(seen), (size_t)want); /* nothing outside the outbox */
    (void)total;
    return extra;
}

static void digest_rounds(struct dfx *f, bool smtp, uint64_t *rng, size_t *hits, size_t *extra)
{
    /* calibration: how long one round's send takes without a kill */
    new_postings(f, 0);
    fu_sql_exec(f->db, "UPDATE subscribers SET next_due_at = 0");
    int64_t t0 = fu_now_ms();
    run_ok(f, "digest", "send", "--due");
    int64_t span = (fu_now_ms() - t0) * 5 / 4 + 1;
    for (size_t round = 1; round <= ROUNDS / 2; round++) {
        new_postings(f, round);
        fu_sql_exec(f->db, "UPDATE subscribers SET next_due_at = 0");
        *hits += kill_at_random(f->dir, f->log, rng, &span, "--config", f->cfg, "digest", "send");
        char when[64];
        snprintf(when, sizeof when, "after the kill of round %zu", round);
        db_check(f->dir, f->cfg, when);
        /* the restarted job: claimed rows wait out their lease (time moves on) */
        fu_sql_exec(f->db, "UPDATE outbox SET next_attempt_at = 0 WHERE status = 'queued'");
        run_ok(f, "digest", "send", "--due");
        json_t *seen = json_object();
        size_t got = smtp ? sink_check(f, seen) : maildir_check(f, seen);
        *extra = outbox_check(f, round + 1, seen);
        assert_true(got >= (round + 1) * (size_t)f->subs);
        if (!smtp)
            assert_int_equal(*extra, 0); /* the Maildir is exactly once */
        json_decref(seen);
    }
    print_message("kill -9 during digest send (%s): %d rounds over %lld ms spans, %zu killed "
                  "mid-send, %zu messages, %zu resent copies (same Message-ID)\n",
                  smtp ? "SMTP" : "Maildir", ROUNDS / 2, (long long)span, *hits,
                  (size_t)(ROUNDS / 2 + 1) * (size_t)f->subs, *extra);
}

static void dfx_open(struct dfx *f)
{
    memset(f, 0, sizeof *f);
    f->dir = tu_mkdtemp();
    f->db = tu_path(f->dir, "u.db");
    f->cfg = tu_path(f->dir, "urscout.ini");
    f->log = tu_path(f->dir, "send.log");
    f->mail = tu_path(f->dir, "mail");
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", HMAC_KEY, 1), 0);
}

static void dfx_close(struct dfx *f)
{
    proc_stop(f->sink);
    tu_rmtree(f->dir);
    char *strings[] = {f->dir, f->db, f->cfg, f->log, f->mail, f->sink_dir};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
}

static void test_kill_during_digest_send(void **state)
{
    (void)state;
    uint64_t rng = fu_seed("kill -9 during digest send");
    size_t hits = 0, extra = 0;
    struct dfx f;
    dfx_open(&f);
    f.subs = 120;
    digest_config(&f, false);
    subscribers(&f);
    digest_rounds(&f, false, &rng, &hits, &extra);
    dfx_close(&f);

    size_t smtp_hits = 0;
    dfx_open(&f);
    f.sink_dir = tu_path(f.dir, "smtp");
    assert_int_equal(mkdir(f.sink_dir, 0755), 0);
    f.sink = fu_sink_start(f.sink_dir, &f.port, NULL);
    f.subs = 30; /* the sink fsyncs every message: keep its rounds short */
    digest_config(&f, true);
    subscribers(&f);
    digest_rounds(&f, true, &rng, &smtp_hits, &extra);
    dfx_close(&f);
    assert_true(hits + smtp_hits >= ROUNDS / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_crawl),
        cmocka_unit_test(test_kill_during_digest_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
