/* SPDX-License-Identifier: MIT */
/* Digests and the outbox against a real database and Maildir: crashes, filters, cohorts. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "notify_util.h"

/* ---- kill -9 at a named point, in a child process with its own connection ---- */

struct crash {
    enum notify_point at;
    int skip;   /* occurrences to let pass first */
    bool fsize; /* instead of killing: limit file size so the next write dies (SIGXFSZ) */
};

static void crash_hook(void *ctx, enum notify_point at, int64_t id)
{
    struct crash *c = ctx;
    (void)id;
    if (at != c->at || c->skip-- > 0)
        return;
    if (c->fsize) {
        struct rlimit lim = {2048, 2048};
        (void)setrlimit(RLIMIT_FSIZE, &lim);
        return;
    }
    raise(SIGKILL);
}

/* Run build (or deliver) at now in a child that dies at the crash point; returns the signal. */
static int run_child(struct nenv *env, bool deliver, int64_t now, struct crash *c)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct db *db = NULL;
        struct err e;
        err_clear(&e);
        if (db_open(env->db_path, false, &db, &e) != URS_OK)
            _exit(3);
        struct notify_opts o = {.now = now, .hook = crash_hook, .hook_ctx = c};
        struct notify_stats st = {0};
        int rc = deliver ? notify_deliver(db, &env->cfg, &o, &st, &e)
                         : notify_build_due(db, &env->cfg, &o, &st, &e);
        _exit(rc == URS_OK ? 0 : 4);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
}

/* D1 for digests: every outbox row has its deliveries and every delivery its outbox row. */
static void check_consistent(struct nenv *env)
{
    assert_int_equal(nt_sql_int(env, "SELECT count(*) FROM outbox o WHERE NOT EXISTS"
                                     " (SELECT 1 FROM deliveries d WHERE d.outbox_id = o.id)"),
                     0);
    assert_int_equal(nt_sql_int(env, "SELECT count(*) FROM deliveries WHERE outbox_id IS NULL"
                                     " OR outbox_id NOT IN (SELECT id FROM outbox)"),
                     0);
    assert_int_equal(nt_sql_int(env,
                                "SELECT count(*) FROM outbox o WHERE postings !="
                                " (SELECT count(*) FROM deliveries d WHERE d.outbox_id = o.id)"),
                     0);
    bool ok = false;
    struct sbuf report;
    struct err e;
    sbuf_init(&report, 65536);
    err_clear(&e);
    assert_int_equal(db_check(env->db, &ok, &report, &e), URS_OK);
    if (!ok)
        fail_msg("db check: %s", sbuf_str(&report));
    sbuf_free(&report);
}

static void three_subscribers(struct nenv *env)
{
    struct nt_posting p = {NULL,        "ur1", "Utilization Review Nurse",
                           NULL,        NULL,  "https://jobs.example.com/ur1",
                           MODE_REMOTE, 0,     0,
                           0,           600,   0.9};
    (void)nt_posting(env, &p);
    (void)nt_subscriber(env, "a@example.org", NULL, 0);
    (void)nt_subscriber(env, "b@example.org", NULL, 0);
    (void)nt_subscriber(env, "c@example.org", NULL, 0);
}

/* Files in dir/sub (regular, not dot files). */
static size_t count_files(const char *dir, const char *sub)
{
    char *path = tu_path(dir, sub);
    DIR *d = opendir(path);
    size_t n = 0;
    for (struct dirent *ent; d && (ent = readdir(d)) != NULL;)
        n += ent->d_name[0] != '.';
    if (d)
        closedir(d);
    free(path);
    return n;
}

/* Concatenate every file in maildir/new. */
static char *read_new(const char *maildir, size_t *files)
{
    char *path = tu_path(maildir, "new");
    DIR *d = opendir(path);
    assert_non_null(d);
    struct sbuf all;
    sbuf_init(&all, 1 << 24);
    *files = 0;
    for (struct dirent *ent; (ent = readdir(d)) != NULL;) {
        if (ent->d_name[0] == '.')
            continue;
        char *file = tu_path(path, ent->d_name);
        char *text = tu_read_file(file, NULL);
        assert_non_null(text);
        assert_null(strstr(text, "\r\n")); /* Maildir files use LF */
        assert_non_null(strstr(text, "\n--=_urscout_"));
        assert_true(strlen(text) > 6 && strcmp(text + strlen(text) - 3, "--\n") == 0);
        assert_int_equal(sbuf_puts(&all, text), URS_OK);
        (*files)++;
        free(text);
        free(file);
    }
    closedir(d);
    free(path);
    return sbuf_take(&all);
}

/* D1/N6: killed while rendering the second digest; a restart finishes without duplicates. */
static void test_crash_while_building(void **state)
{
    (void)state;
    struct nenv env;
    nt_open(&env);
    three_subscribers(&env);
    struct crash c = {NOTIFY_AT_RENDERED, 1, false};
    assert_int_equal(run_child(&env, false, NT_NOW, &c), SIGKILL);
    /* digests are committed in batches: the open batch is gone, whole */
    int64_t kept = nt_sql_int(&env, "SELECT count(*) FROM outbox");
    assert_true(kept <= 1);
    check_consistent(&env);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, false, &st);
    assert_int_equal(st.digests, 3 - (size_t)kept);
    assert_int_equal(nt_sql_int(&env, "SELECT count(DISTINCT subscriber_id) FROM outbox"), 3);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox"), 3);
    check_consistent(&env);
    nt_close(&env);
}

/* N6: killed between render and send, and between the Maildir link and "mark sent". */
static void test_crash_maildir_accepted(void **state)
{
    (void)state;
    struct nenv env;
    nt_open(&env);
    three_subscribers(&env);
    struct crash built = {NOTIFY_AT_RECORDED, 2, false};
    assert_int_equal(run_child(&env, false, NT_NOW, &built), SIGKILL);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'queued'"), 3);
    struct crash c = {NOTIFY_AT_ACCEPTED, 0, false};
    assert_int_equal(run_child(&env, true, NT_NOW, &c), SIGKILL);
    assert_int_equal(count_files(env.maildir, "new"), 1);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'sent'"), 0);
    struct notify_stats st = {0};
    struct err e;
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_int_equal(st.sent, 0); /* the dead run's claimed rows wait for their lease */
    assert_int_equal(nt_deliver(&env, NT_NOW + 15 * 60 + 1, &st, &e), URS_OK);
    assert_int_equal(st.sent, 3);
    size_t files = 0;
    char *all = read_new(env.maildir, &files);
    assert_int_equal(files, 3);
    for (int64_t id = 1; id <= 3; id++) {
        char q[80];
        (void)snprintf(q, sizeof q, "SELECT message_id FROM outbox WHERE id = %lld", (long long)id);
        char *mid = nt_sql_text(&env, q);
        char needle[200];
        (void)snprintf(needle, sizeof needle, "\nMessage-ID: %s\n", mid);
        assert_int_equal(tu_count(all, needle), 1);
        free(mid);
    }
    free(all);
    assert_int_equal(count_files(env.maildir, "tmp"), 0);
    nt_close(&env);
}

/* N6: the Maildir write killed half-way (SIGXFSZ): new/ never sees a partial message. */
static void test_crash_maildir_mid_write(void **state)
{
    (void)state;
    struct nenv env;
    nt_open(&env);
    three_subscribers(&env);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, false, &st);
    struct crash c = {NOTIFY_AT_CLAIMED, 1, true};
    assert_int_equal(run_child(&env, true, NT_NOW, &c), SIGXFSZ);
    assert_int_equal(count_files(env.maildir, "new"), 1); /* the first one, complete */
    assert_int_equal(count_files(env.maildir, "tmp"), 1); /* the torn one stays in tmp/ */
    struct err e;
    assert_int_equal(nt_deliver(&env, NT_NOW + 15 * 60 + 1, &st, &e), URS_OK);
    size_t files = 0;
    char *all = read_new(env.maildir, &files);
    assert_int_equal(files, 3);
    assert_int_equal(tu_count(all, "\nMessage-ID: <urscout."), 3);
    free(all);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'sent'"), 3);
    nt_close(&env);
}

/* N6: killed after the server's 250, before "mark sent": resent with the same Message-ID. */
static void test_crash_smtp_accepted(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    nt_open(&env);
    three_subscribers(&env);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, false, &st);
    sink_start(&s, &env, NULL);
    struct crash c = {NOTIFY_AT_ACCEPTED, 1, false};
    assert_int_equal(run_child(&env, true, NT_NOW, &c), SIGKILL);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'sent'"), 1);
    struct err e;
    assert_int_equal(nt_deliver(&env, NT_NOW + 15 * 60 + 1, &st, &e), URS_OK);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'sent'"), 3);
    json_t *msgs = sink_messages(&s);
    assert_int_equal(json_array_size(msgs), 4); /* the second message arrived twice */
    size_t with_row[4] = {0};
    for (size_t i = 0; i < json_array_size(msgs); i++) {
        const char *mid = json_string_value(json_object_get(json_array_get(msgs, i), "message_id"));
        for (int id = 1; id <= 3; id++) {
            char q[80];
            (void)snprintf(q, sizeof q, "SELECT message_id FROM outbox WHERE id = %d", id);
            char *row_mid = nt_sql_text(&env, q);
            with_row[id] += strcmp(row_mid, mid) == 0;
            free(row_mid);
        }
    }
    assert_int_equal(with_row[1], 1);
    assert_int_equal(with_row[2], 2);
    assert_int_equal(with_row[3], 1);
    json_decref(msgs);
    sink_stop(&s);
    nt_close(&env);
}

/* ---- filters, cohorts, privacy, stopping ---- */

static char *preview_text(struct nenv *env, const char *email, size_t *postings)
{
    struct notify_message m;
    struct err e;
    err_clear(&e);
    notify_message_init(&m);
    if (notify_preview(env->db, &env->cfg, email, NT_NOW, &m, postings, &e) != URS_OK)
        fail_msg("preview: %s", e.msg);
    char *text = strdup(sbuf_str(&m.text));
    notify_message_free(&m);
    return text;
}

static void test_filters(void **state)
{
    (void)state;
    struct nenv env;
    nt_open(&env);
    const uint64_t TX = 1ULL << state_parse("TX"), FL = 1ULL << state_parse("FL");
    const uint64_t COMPACT = 1ULL << STATE_COMPACT, ANY = 1ULL << STATE_ANY;
    const struct nt_posting ps[] = {
        {NULL, "1", "Utilization Review Nurse TX", NULL, NULL, "https://x.example/1", MODE_REMOTE,
         0, TX, 80000, 60, 0.9},
        {NULL, "2", "Utilization Review Nurse compact", NULL, NULL, "https://x.example/2",
         MODE_HYBRID, 0, COMPACT, 90000, 60, 0.9},
        {NULL, "3", "Utilization Review Nurse anywhere", NULL, NULL, "https://x.example/3",
         MODE_REMOTE, 0, ANY, 75000, 60, 0.9},
        {NULL, "4", "Utilization Review Nurse FL only", NULL, NULL, "https://x.example/4",
         MODE_REMOTE, 0, FL, 80000, 60, 0.9},
        {NULL, "5", "Utilization Review Nurse low pay", NULL, NULL, "https://x.example/5",
         MODE_REMOTE, 0, TX, 50000, 60, 0.9},
        {NULL, "6", "Utilization Review Nurse onsite", NULL, NULL, "https://x.example/6",
         MODE_ONSITE, 0, TX, 80000, 60, 0.9},
        {NULL, "7", "Prior Authorization Nurse TX", NULL, NULL, "https://x.example/7", MODE_REMOTE,
         0, TX, 80000, 60, 0.9},
        {NULL, "8", "Case Manager TX", NULL, NULL, "https://x.example/8", MODE_REMOTE, 0, TX, 80000,
         60, 0.9},
        {NULL, "9", "Utilization Review Nurse excluded", "Evil Corp Health", NULL,
         "https://x.example/9", MODE_REMOTE, 0, TX, 80000, 60, 0.9},
        {NULL, "10", "Utilization Review PT", NULL, NULL, "https://x.example/10", MODE_REMOTE,
         1u << DISC_PT, TX, 80000, 60, 0.9},
    };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        (void)nt_posting(&env, &ps[i]);
    struct db_subscriber s;
    db_subscriber_init(&s);
    s.email = (char *)"f@example.org";
    s.disciplines = 1u << DISC_RN;
    s.modes = (1u << MODE_REMOTE) | (1u << MODE_HYBRID);
    s.states = TX | COMPACT;
    s.min_salary = 70000;
    s.keywords = (char *)"utilization review, prior authorization";
    s.exclude_employers = (char *)"evil corp\nNobody Inc";
    s.next_due_at = NT_NOW;
    struct err e;
    err_clear(&e);
    assert_int_equal(db_subscriber_add(env.db, &s, NT_NOW - 86400, &e), URS_OK);
    size_t n = 0;
    char *text = preview_text(&env, "f@example.org", &n);
    static const char *const yes[] = {"Nurse TX", "Nurse compact", "Nurse anywhere",
                                      "Prior Authorization Nurse TX"};
    static const char *const no[] = {"FL only",      "low pay",  "onsite",
                                     "Case Manager", "excluded", "Review PT"};
    for (size_t i = 0; i < 4; i++)
        if (!strstr(text, yes[i]))
            fail_msg("'%s' should be in the digest", yes[i]);
    for (size_t i = 0; i < 6; i++)
        if (strstr(text, no[i]))
            fail_msg("'%s' should not be in the digest", no[i]);
    assert_int_equal(n, 4);
    /* previewing records nothing */
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM deliveries"), 0);
    assert_int_equal(nt_sql_int(&env, "SELECT last_digest_at IS NULL FROM subscribers"), 1);
    free(text);
    nt_close(&env);
}

static void test_cohort_picks(void **state)
{
    (void)state;
    struct nenv env;
    struct err e;
    nt_open(&env);
    struct nt_posting old = {NULL,        "old",      "Pinned physician advisor role",
                             NULL,        NULL,       "https://x.example/old",
                             MODE_ONSITE, 0,          0,
                             0,           40 * 86400, 0.5};
    struct nt_posting hidden = {
        NULL, "hid", "Hidden UR role", NULL, NULL, "https://x.example/hid", MODE_REMOTE, 0, 0, 0,
        60,   0.9};
    struct nt_posting fresh = {
        NULL, "new", "Fresh UR role", NULL, NULL, "https://x.example/new", MODE_REMOTE, 0, 0, 0,
        60,   0.9};
    int64_t old_id = nt_posting(&env, &old), hidden_id = nt_posting(&env, &hidden);
    (void)nt_posting(&env, &fresh);
    (void)nt_subscriber(&env, "student@example.org", NULL, 0);
    (void)nt_subscriber(&env, "other@example.org", NULL, 0);
    err_clear(&e);
    assert_int_equal(db_coach_add(env.db, "Kim", "kim@example.org", NT_NOW, &e), URS_OK);
    assert_int_equal(db_cohort_add(env.db, "spring", "Kim", NT_NOW, &e), URS_OK);
    assert_int_equal(db_cohort_join(env.db, "spring", "student@example.org", NT_NOW, &e), URS_OK);
    assert_int_equal(db_curate(env.db, "spring", old_id, DB_CURATE_PIN, NULL, NT_NOW, &e), URS_OK);
    assert_int_equal(
        db_curate(env.db, "spring", old_id, DB_CURATE_NOTE, "Great first step into UR", NT_NOW, &e),
        URS_OK);
    assert_int_equal(db_curate(env.db, "spring", hidden_id, DB_CURATE_HIDE, NULL, NT_NOW, &e),
                     URS_OK);
    assert_int_equal(db_curate(env.db, "spring", 999999, DB_CURATE_PIN, NULL, NT_NOW, &e),
                     URS_ENOTFOUND);
    size_t n = 0;
    char *text = preview_text(&env, "student@example.org", &n);
    const char *pick = strstr(text, "Picked by your coach Kim (1)");
    assert_non_null(pick);
    assert_true(pick < strstr(text, "Pinned physician advisor role"));
    assert_true(strstr(text, "Pinned physician advisor role") < strstr(text, "Fresh UR role"));
    assert_non_null(strstr(text, "Coach's note: Great first step into UR"));
    assert_null(strstr(text, "Hidden UR role"));
    assert_int_equal(n, 2);
    free(text);
    text = preview_text(&env, "other@example.org", &n);
    assert_null(strstr(text, "Pinned physician"));
    assert_non_null(strstr(text, "Hidden UR role"));
    free(text);
    /* joining made the student's digest monthly */
    assert_int_equal(nt_sql_int(&env, "SELECT frequency = 'monthly' FROM subscribers WHERE "
                                      "email = 'student@example.org'"),
                     1);
    nt_close(&env);
}

/* An unsubscribed subscriber's queued digest is not sent; removal keeps only counts. */
static int copy_message(void *ctx, const struct db_outbox_row *r)
{
    char **out = ctx;
    if (memchr(r->message, '\0', r->message_len)) /* a block reference left unresolved */
        return 1;
    *out = strndup(r->message, r->message_len);
    return *out ? 0 : 1;
}

/* Outbox row id's message as delivery reads it (blocks resolved), NUL-terminated. */
static char *outbox_message(struct nenv *env, int64_t id)
{
    char *msg = NULL;
    struct err e;
    err_clear(&e);
    if (db_outbox_get(env->db, id, copy_message, &msg, &e) != URS_OK)
        fail_msg("outbox get: %s", e.msg);
    assert_non_null(msg);
    return msg;
}

/*
 * Past [delivery] max_items the digest says "N more"; those postings count as delivered, so a
 * second build right after the first has nothing new. A page that is not a posting never
 * reaches anyone.
 */
static void test_more_counts_as_delivered(void **state)
{
    (void)state;
    struct nenv env;
    nt_open(&env);
    env.cfg.max_items = 3;
    char ext[16], title[64], url[64];
    for (int i = 0; i < 8; i++) {
        (void)snprintf(ext, sizeof ext, "m%d", i);
        (void)snprintf(title, sizeof title, "Utilization Review Nurse %c", 'A' + i);
        (void)snprintf(url, sizeof url, "https://x.example/m%d", i);
        const struct nt_posting p = {NULL, ext, title, NULL, NULL, url, MODE_REMOTE, 0, 0,
                                     80000, 600 + i, 0.9};
        (void)nt_posting(&env, &p);
    }
    const struct nt_posting article = {
        NULL, "art", "Utilization Review Nurse salary guide", NULL, NULL, "https://x.example/art",
        MODE_REMOTE, 0, 0, 0, 60, 0.9};
    int64_t art = nt_posting(&env, &article);
    char q[128];
    (void)snprintf(q, sizeof q, "UPDATE postings SET is_posting = 0 WHERE id = %lld",
                   (long long)art);
    nt_sql_exec(&env, q);
    (void)nt_subscriber(&env, "m@example.org", NULL, 0);

    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, true, &st);
    assert_int_equal(st.digests, 1);
    assert_int_equal(st.postings, 3);
    assert_int_equal(st.summarised, 5);
    /* stored with references to the postings' blocks, read back whole */
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM digest_blocks"), 6);
    assert_int_equal(nt_sql_int(&env, "SELECT instr(message, x'0001') > 0 FROM outbox"), 1);
    char *msg = outbox_message(&env, nt_sql_int(&env, "SELECT id FROM outbox"));
    assert_non_null(strstr(msg, "5 more new postings"));
    assert_non_null(strstr(msg, "Utilization Review Nurse A"));
    assert_null(strstr(msg, "salary guide"));
    free(msg);
    struct err e;
    struct notify_stats dst = {0};
    assert_int_equal(nt_deliver(&env, NT_NOW, &dst, &e), URS_OK);
    assert_int_equal(dst.sent, 1);
    size_t files = 0;
    char *file = read_new(env.maildir, &files);
    assert_int_equal(files, 1);
    assert_non_null(strstr(file, "Utilization Review Nurse A"));
    assert_non_null(strstr(file, "5 more new postings"));
    free(file);
    assert_int_equal(nt_sql_int(&env, "SELECT postings FROM outbox"), 3);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM deliveries"), 3);
    assert_int_equal(nt_sql_int(&env, "SELECT postings FROM digest_summaries"), 5);

    /* right after: nothing new, so no second message */
    struct notify_stats again = {0};
    nt_build(&env, NT_NOW + 60, true, &again);
    assert_int_equal(again.digests, 0);
    assert_int_equal(again.empty, 1);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox"), 1);

    /* a new posting comes alone */
    const struct nt_posting fresh = {NULL, "new", "Prior Authorization Nurse Z", NULL, NULL,
                                     "https://x.example/new", MODE_REMOTE, 0, 0, 80000, -30, 0.9};
    (void)nt_posting(&env, &fresh);
    struct notify_stats third = {0};
    nt_build(&env, NT_NOW + 120, true, &third);
    assert_int_equal(third.digests, 1);
    assert_int_equal(third.postings, 1);
    assert_int_equal(third.summarised, 0);
    nt_close(&env);
}

/* A message whose stored block is gone is refused with the row and block named. */
static void test_block_missing(void **state)
{
    (void)state;
    struct nenv env;
    nt_open(&env);
    (void)nt_subscriber(&env, "b@example.org", NULL, 0);
    const struct nt_posting p = {NULL, "b1", "Utilization Review Nurse", NULL, NULL,
                                 "https://x.example/b1", MODE_REMOTE, 0, 0, 80000, 60, 0.9};
    (void)nt_posting(&env, &p);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, true, &st);
    assert_int_equal(st.digests, 1);
    nt_sql_exec(&env, "DELETE FROM digest_blocks WHERE id = 2");
    struct err e;
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_EDB);
    assert_non_null(strstr(e.msg, "outbox message 1: block 2 is missing"));
    assert_int_equal(nt_sql_int(&env, "SELECT status = 'queued' FROM outbox"), 1);
    nt_close(&env);
}

/* A corrupt summary row is an error naming the row, not a digest sent twice. */
static void test_summary_corrupt(void **state)
{
    (void)state;
    struct nenv env;
    nt_open(&env);
    int64_t sub = nt_subscriber(&env, "c@example.org", NULL, 0);
    const struct nt_posting p = {NULL, "c1", "Utilization Review Nurse", NULL, NULL,
                                 "https://x.example/c1", MODE_REMOTE, 0, 0, 80000, 60, 0.9};
    (void)nt_posting(&env, &p);
    char q[200];
    (void)snprintf(q, sizeof q,
                   "INSERT INTO digest_summaries (subscriber_id, created_at, postings, ids)"
                   " VALUES (%lld, %d, 3, x'8001')",
                   (long long)sub, NT_NOW - 60);
    nt_sql_exec(&env, q);
    struct notify_opts o = {.now = NT_NOW, .all = true};
    struct notify_stats st = {0};
    struct err e;
    err_clear(&e);
    assert_int_equal(notify_build_due(env.db, &env.cfg, &o, &st, &e), URS_EDB);
    assert_non_null(strstr(e.msg, "digest summary 1"));
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox"), 0);
    nt_close(&env);
}

static void test_unsubscribe_and_remove(void **state)
{
    (void)state;
    struct nenv env;
    struct err e;
    nt_open(&env);
    three_subscribers(&env);
    assert_int_equal(db_coach_add(env.db, "Kim", "kim@example.org", NT_NOW, &e), URS_OK);
    assert_int_equal(db_cohort_add(env.db, "spring", "Kim", NT_NOW, &e), URS_OK);
    assert_int_equal(db_cohort_join(env.db, "spring", "a@example.org", NT_NOW, &e), URS_OK);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, false, &st);
    assert_int_equal(db_subscriber_set_status(env.db, 1, DB_SUB_UNSUBSCRIBED, NT_NOW, &e), URS_OK);
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_int_equal(st.sent, 2);
    char *err = nt_sql_text(&env, "SELECT last_error FROM outbox WHERE subscriber_id = 1");
    assert_string_equal(err, "not sent: the subscriber is unsubscribed");
    free(err);
    assert_int_equal(count_files(env.maildir, "new"), 2);
    err_clear(&e);
    assert_int_equal(db_subscriber_remove(env.db, "A@example.org", &e), URS_OK);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM subscribers WHERE id = 1"), 0);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE recipient = "
                                      "'a@example.org'"),
                     0);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM deliveries WHERE subscriber_id = 1"),
                     0);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM cohort_members"), 0);
    assert_int_equal(nt_sql_int(&env, "SELECT digests FROM delivery_counts"), 3);
    assert_int_equal(db_subscriber_remove(env.db, "a@example.org", &e), URS_ENOTFOUND);
    /* the removed subscriber's token names nobody, even after a new subscriber joins */
    int64_t id = nt_subscriber(&env, "new@example.org", NULL, 0);
    assert_true(id > 3);
    check_consistent(&env);
    nt_close(&env);
}

static volatile sig_atomic_t stop_flag;

static void stop_hook(void *ctx, enum notify_point at, int64_t id)
{
    (void)ctx;
    (void)id;
    if (at == NOTIFY_AT_MARKED)
        stop_flag = 1;
}

/* The send rate paces a backlog; a stop request ends the run at once between messages. */
static void test_rate_and_stop(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    nt_open(&env);
    three_subscribers(&env);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, false, &st);
    sink_start(&s, &env, NULL);
    env.cfg.rate_per_minute = 1; /* one message, then a minute's wait */
    stop_flag = 0;
    struct notify_opts o = {.now = NT_NOW, .stop = &stop_flag, .hook = stop_hook};
    struct err e;
    err_clear(&e);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(notify_deliver(env.db, &env.cfg, &o, &st, &e), URS_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    assert_int_equal(st.sent, 1);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'queued'"), 2);
    env.cfg.rate_per_minute = 100000;
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_int_equal(st.sent, 3);
    sink_stop(&s);
    nt_close(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_while_building),
        cmocka_unit_test(test_crash_maildir_accepted),
        cmocka_unit_test(test_crash_maildir_mid_write),
        cmocka_unit_test(test_crash_smtp_accepted),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_cohort_picks),
        cmocka_unit_test(test_more_counts_as_delivered),
        cmocka_unit_test(test_summary_corrupt),
        cmocka_unit_test(test_block_missing),
        cmocka_unit_test(test_unsubscribe_and_remove),
        cmocka_unit_test(test_rate_and_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
