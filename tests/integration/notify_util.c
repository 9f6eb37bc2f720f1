/* SPDX-License-Identifier: MIT */
/* Helpers for the notifier integration tests: a store, postings, subscribers, the SMTP sink. */
#include "notify_util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void nt_open(struct nenv *env)
{
    memset(env, 0, sizeof *env);
    env->dir = tu_mkdtemp();
    env->db_path = tu_path(env->dir, "urscout.db");
    env->maildir = tu_path(env->dir, "mail");
    struct err e;
    err_clear(&e);
    if (db_open(env->db_path, true, &env->db, &e) != URS_OK)
        fail_msg("db_open: %s", e.msg);
    /* libesmtp looks for certificates under ~/.authenticate: keep it away from the real home */
    assert_int_equal(setenv("HOME", env->dir, 1), 0);
    struct config *c = &env->cfg;
    c->from = (char *)"digest@urscout.example.org";
    c->from_name = (char *)"urscout";
    c->postal_address = (char *)".urscout Inc, 100 Main St, Springfield, IL 62701";
    c->maildir = env->maildir;
    c->rate_per_minute = 100000;
    c->max_age = 2 * 86400;
    c->bounce_limit = 2;
    c->unsubscribe_mailto = (char *)"unsub@urscout.example.org";
    c->hmac_key = (char *)NT_KEY;
    c->hmac_key_len = strlen(NT_KEY);
    c->base_url = (char *)"https://jobs.example.org";
    c->smtp_port = 25;
    c->starttls = CONFIG_STARTTLS_OFF;
    c->smtp_timeout_ms = 5000;
}

void nt_close(struct nenv *env)
{
    db_close(env->db);
    tu_rmtree(env->dir);
    free(env->dir);
    free(env->db_path);
    free(env->maildir);
}

int64_t nt_posting(struct nenv *env, const struct nt_posting *in)
{
    struct posting p;
    posting_init(&p);
    assert_int_equal(posting_set(&p.source, in->source ? in->source : "test"), URS_OK);
    assert_int_equal(posting_set(&p.external_id, in->external_id), URS_OK);
    assert_int_equal(posting_set(&p.title, in->title), URS_OK);
    assert_int_equal(posting_set(&p.employer, in->employer ? in->employer : "Acme Health"), URS_OK);
    assert_int_equal(posting_set(&p.location, in->location ? in->location : "Dallas, TX"), URS_OK);
    assert_int_equal(posting_set(&p.url, in->url), URS_OK);
    p.work_mode = in->mode;
    p.disciplines = in->disciplines ? in->disciplines : 1u << DISC_RN;
    p.schedule = 1u << SCHED_FULL_TIME;
    p.license_states = in->states;
    if (in->salary > 0)
        p.salary = (struct salary){in->salary, 0, PERIOD_YEAR, in->salary};
    p.ur_role = true;
    p.ur_score = in->ur_score > 0 ? in->ur_score : 0.8;
    p.role_family = ROLE_UTILIZATION_REVIEW;
    p.first_seen = NT_NOW - in->age;
    p.last_seen = NT_NOW;
    struct err e;
    err_clear(&e);
    if (db_posting_upsert(env->db, &p, NT_NOW, NULL, &e) != URS_OK)
        fail_msg("upsert: %s", e.msg);
    int64_t id = p.id;
    posting_free(&p);
    return id;
}

int64_t nt_subscriber(struct nenv *env, const char *email, const char *name, uint32_t disciplines)
{
    struct db_subscriber s;
    db_subscriber_init(&s);
    s.email = (char *)email;
    s.name = (char *)name;
    s.disciplines = disciplines;
    s.frequency = DB_FREQ_DAILY;
    s.next_due_at = NT_NOW - 60;
    struct err e;
    err_clear(&e);
    if (db_subscriber_add(env->db, &s, NT_NOW - 86400, &e) != URS_OK)
        fail_msg("subscriber: %s", e.msg);
    return s.id;
}

void nt_build(struct nenv *env, int64_t now, bool all, struct notify_stats *st)
{
    struct notify_opts o = {.now = now, .all = all};
    struct err e;
    err_clear(&e);
    if (notify_build_due(env->db, &env->cfg, &o, st, &e) != URS_OK)
        fail_msg("build: %s", e.msg);
}

int nt_deliver(struct nenv *env, int64_t now, struct notify_stats *st, struct err *e)
{
    struct notify_opts o = {.now = now};
    err_clear(e);
    return notify_deliver(env->db, &env->cfg, &o, st, e);
}

static sqlite3_stmt *query(struct nenv *env, sqlite3 **sql, const char *q)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(env->db_path, sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(*sql, 5000);
    if (sqlite3_prepare_v2(*sql, q, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", q, sqlite3_errmsg(*sql));
    return st;
}

int64_t nt_sql_int(struct nenv *env, const char *q)
{
    sqlite3 *sql;
    sqlite3_stmt *st = query(env, &sql, q);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(sql);
    return v;
}

void nt_sql_exec(struct nenv *env, const char *q)
{
    sqlite3 *sql;
    char *msg = NULL;
    assert_int_equal(sqlite3_open_v2(env->db_path, &sql, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(sql, 5000);
    if (sqlite3_exec(sql, q, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", q, msg ? msg : sqlite3_errmsg(sql));
    sqlite3_close(sql);
}

char *nt_sql_text(struct nenv *env, const char *q)
{
    sqlite3 *sql;
    sqlite3_stmt *st = query(env, &sql, q);
    const unsigned char *t = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    char *v = strdup(t ? (const char *)t : "");
    sqlite3_finalize(st);
    sqlite3_close(sql);
    return v;
}

/* ---- the sink ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void sink_start(struct sink *s, struct nenv *env, ...)
{
    static char dirname[32];
    static int serial;
    (void)snprintf(dirname, sizeof dirname, "sink%d", ++serial);
    s->dir = tu_path(env->dir, dirname);
    assert_int_equal(mkdir(s->dir, 0700), 0);
    char *port_file = tu_path(s->dir, "port");
    char *script = tu_path(tu_source_dir(), "tests/integration/smtp_sink.py");
    char *argv[32] = {"/usr/bin/python3", script, "--dir", s->dir, "--port-file", port_file};
    int argc = 6;
    va_list ap;
    va_start(ap, env);
    for (char *a; argc < 31 && (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(NULL);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a crashed test */
        execv(argv[0], argv);
        _exit(127);
    }
    char *text = NULL;
    for (int i = 0; i < 200 && !(text = tu_read_file(port_file, NULL)); i++)
        sleep_ms(25);
    if (!text)
        fail_msg("the SMTP sink did not start (see stderr)");
    s->port = strtol(text, NULL, 10);
    assert_true(s->port > 0);
    env->cfg.smtp_host = (char *)"127.0.0.1";
    env->cfg.smtp_port = s->port;
    free(text);
    free(port_file);
    free(script);
}

void sink_stop(struct sink *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int status;
        while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    s->pid = 0;
    free(s->dir);
    s->dir = NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *sink_messages(const struct sink *s)
{
    json_t *all = json_array();
    DIR *d = opendir(s->dir);
    assert_non_null(d);
    char *names[1000];
    size_t n = 0;
    for (struct dirent *ent; (ent = readdir(d)) != NULL && n < 1000;) {
        size_t len = strlen(ent->d_name);
        if (strncmp(ent->d_name, "msg-", 4) == 0 && len > 5 &&
            strcmp(ent->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(ent->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char *path = tu_path(s->dir, names[i]);
        json_error_t err;
        json_t *one = json_load_file(path, 0, &err);
        if (!one)
            fail_msg("%s: %s", path, err.text);
        json_array_append_new(all, one);
        free(path);
        free(names[i]);
    }
    return all;
}

size_t sink_events(const struct sink *s, const char *event)
{
    char *path = tu_path(s->dir, "events.jsonl");
    char *text = tu_read_file(path, NULL);
    char needle[64];
    (void)snprintf(needle, sizeof needle, "\"event\": \"%s\"", event);
    size_t n = text ? tu_count(text, needle) : 0;
    free(text);
    free(path);
    return n;
}

void nt_cert(const char *name, char **cert, char **key)
{
    static char *dir;
    if (!dir)
        dir = tu_mkdtemp(); /* lives as long as the process: the TLS trust store points here */
    char kn[64], cn[64];
    (void)snprintf(kn, sizeof kn, "%s.key", name);
    (void)snprintf(cn, sizeof cn, "%s.pem", name);
    *key = tu_path(dir, kn);
    *cert = tu_path(dir, cn);
    if (access(*cert, R_OK) == 0)
        return;
    char *argv[] = {"/usr/bin/openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-keyout",
                    *key,
                    "-out",
                    *cert,
                    "-days",
                    "2",
                    "-subj",
                    "/CN=localhost",
                    "-addext",
                    "subjectAltName=DNS:localhost",
                    NULL};
    struct tu_run r;
    tu_run(&r, NULL, NULL, argv);
    if (r.status != 0)
        fail_msg("openssl req: %s", r.err);
    tu_run_free(&r);
}

const char *nt_part(json_t *msg, const char *type)
{
    json_t *parts = json_object_get(msg, "parts");
    for (size_t i = 0; i < json_array_size(parts); i++) {
        json_t *p = json_array_get(parts, i);
        if (strcmp(json_string_value(json_object_get(p, "type")), type) == 0)
            return json_string_value(json_object_get(p, "text"));
    }
    fail_msg("no %s part", type);
    return NULL;
}
