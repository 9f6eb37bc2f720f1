/* SPDX-License-Identifier: MIT */
/* The main job end to end: the daemon's signals, reload, single instance (RELIABILITY A1-A3). */
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"

struct fx {
    char *dir, *site, *cfg, *db, *log, *key, *mail;
    int port;
    pid_t server;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->site = tu_path(f->dir, "site");
    f->cfg = tu_path(f->dir, "urscout.ini");
    f->db = tu_path(f->dir, "urscout.db");
    f->log = tu_path(f->dir, "daemon.log");
    f->key = tu_path(f->dir, "hmac.key");
    f->mail = tu_path(f->dir, "mail");
    assert_int_equal(mkdir(f->site, 0755), 0);
    tu_write_file(f->key, "0123456789abcdef0123456789abcdef\n", (size_t)-1);
    assert_int_equal(chmod(f->key, 0600), 0);
    f->server = site_start(f->site, &f->port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    proc_stop(f->server);
    tu_rmtree(f->dir);
    char **strings[] = {&f->dir, &f->site, &f->cfg, &f->db, &f->log, &f->key, &f->mail};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    free(f);
    return 0;
}

/* The site and a config naming only the given kinds of source (NULL: all six). */
static void generate(struct fx *f, const char *only)
{
    if (only)
        site_generate(f->site, f->port, "--config", f->cfg, "--db", f->db, "--maildir", f->mail,
                      "--hmac-key-file", f->key, "--only", only, NULL);
    else
        site_generate(f->site, f->port, "--config", f->cfg, "--db", f->db, "--maildir", f->mail,
                      "--hmac-key-file", f->key, NULL);
}

static long long count_sql(const char *db, const char *sql)
{
    sqlite3 *s;
    if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s, 2000);
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(s);
    return v;
}

struct wait_rows {
    const char *db;
    const char *sql;
    long long want;
};

static bool rows_reached(void *ctx)
{
    struct wait_rows *w = ctx;
    return count_sql(w->db, w->sql) >= w->want;
}

static bool log_has(const char *path, const char *text)
{
    char *log = tu_read_file(path, NULL);
    bool found = log && strstr(log, text);
    free(log);
    return found;
}

struct wait_log {
    const char *path, *text;
};

static bool log_reached(void *ctx)
{
    struct wait_log *w = ctx;
    return log_has(w->path, w->text);
}

static pid_t start_daemon(struct fx *f, const char *log)
{
    char *argv[] = {(char *)tu_urscout_bin(), "--config", f->cfg, "run", NULL};
    return proc_spawn(f->dir, log, argv);
}

static void test_daemon_reload_stop_and_lock(void **state)
{
    struct fx *f = *state;
    generate(f, "greenhouse,lever");
    pid_t daemon = start_daemon(f, f->log);
    struct wait_rows first = {f->db, "SELECT count(*) FROM postings", 4};
    if (!proc_until(rows_reached, &first, 20000)) {
        char *log = tu_read_file(f->log, NULL);
        fail_msg("daemon stored no postings; its log:\n%s", log ? log : "");
    }

    /* A3: a second daemon refuses and names the first; reads still work */
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, "run", "--once", NULL);
    assert_int_equal(r.status, 1);
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "pid %ld", (long)daemon);
    assert_non_null(strstr(r.err, pid_text));
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "--config", f->cfg, "search", "--format", "csv", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "--config", f->cfg, "status", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "demo-greenhouse"));
    tu_run_free(&r);

    /* A2: a typo'd key: the daemon logs file:line and keeps running on the old config */
    char *good = tu_read_file(f->cfg, NULL);
    char *broken = malloc(strlen(good) + 64);
    snprintf(broken, strlen(good) + 64, "%s\n[crawl]\nconcurency = 2\n", good);
    tu_write_file(f->cfg, broken, (size_t)-1);
    assert_int_equal(kill(daemon, SIGHUP), 0);
    struct wait_log typo = {f->log, "keeping the running config"};
    assert_true(proc_until(log_reached, &typo, 5000));
    assert_true(log_has(f->log, "urscout.ini:"));
    assert_true(log_has(f->log, "concurrency"));
    assert_true(proc_alive(daemon));

    /* a valid change is used from the next cycle: the other four sources get crawled */
    generate(f, NULL);
    assert_int_equal(kill(daemon, SIGHUP), 0);
    struct wait_rows all = {f->db, "SELECT count(DISTINCT source) FROM postings", 6};
    assert_true(proc_until(rows_reached, &all, 20000));

    /* A1: SIGTERM: exit 0 within 5 s, the database consistent */
    assert_int_equal(kill(daemon, SIGTERM), 0);
    assert_int_equal(proc_wait(daemon, 5000), 0);
    tu_urscout(&r, f->dir, "--config", f->cfg, "db", "check", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);

    /* A3: after kill -9 the kernel drops the lock and a new daemon starts */
    char *second_log = tu_path(f->dir, "second.log");
    pid_t second = start_daemon(f, second_log);
    struct wait_log started = {second_log, "daemon started"};
    assert_true(proc_until(log_reached, &started, 5000));
    free(second_log);
    kill(second, SIGKILL);
    assert_int_equal(proc_wait(second, 5000), 128 + SIGKILL);
    tu_urscout(&r, f->dir, "--config", f->cfg, "run", "--once", NULL);
    if (r.status != 0)
        fail_msg("run after kill -9: %s", r.err);
    tu_run_free(&r);
    free(good);
    free(broken);
}

/* A free port on 127.0.0.1 (closed again: the daemon binds it next). */
static long free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* method path (with a form body when body is set) to 127.0.0.1:port: the status, 0 when
   nothing answers; the response (cut to size) into out when out is set. */
static int http_exchange(long port, const char *method, const char *path, const char *body,
                         char *out, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char req[1024], resp[65536];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, body ? strlen(body) : 0, body ? body : "");
    if (n <= 0 || (size_t)n >= sizeof req || write(fd, req, (size_t)n) != n) {
        close(fd);
        return 0;
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < sizeof resp && (r = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)r;
    resp[got] = '\0';
    close(fd);
    int status = 0;
    if (got > 12)
        (void)sscanf(resp, "HTTP/1.%*d %d", &status);
    if (out && size > 0)
        (void)snprintf(out, size, "%s", resp);
    return status;
}

/* The status of GET path from 127.0.0.1:port, 0 when nothing answers. */
static int http_status(long port, const char *path)
{
    return http_exchange(port, "GET", path, NULL, NULL, 0);
}

/* True once a message in maildir/new holds want. */
struct wait_mail {
    const char *maildir;
    const char *want;
};

static bool mail_reached(void *ctx)
{
    const struct wait_mail *w = ctx;
    char *dir = tu_path(w->maildir, "new");
    DIR *d = opendir(dir);
    struct dirent *de;
    bool hit = false;
    while (d && !hit && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *path = tu_path(dir, de->d_name);
        char *text = tu_read_file(path, NULL);
        hit = text && strstr(text, w->want);
        free(text);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    return hit;
}

struct wait_http {
    long port;
    int want;
};

static bool http_reached(void *ctx)
{
    struct wait_http *w = ctx;
    return http_status(w->port, "/style.css") == w->want;
}

/* [web] serve: the daemon serves the pages, keeps serving them across a reload, stops with it. */
static void test_daemon_serves_pages(void **state)
{
    struct fx *f = *state;
    generate(f, "greenhouse");
    long port = free_port();
    char *cfg = tu_read_file(f->cfg, NULL);
    size_t size = strlen(cfg) + 128;
    char *more = malloc(size);
    (void)snprintf(more, size, "%s\n[web]\nserve = yes\nlisten = 127.0.0.1\nport = %ld\n", cfg,
                   port);
    tu_write_file(f->cfg, more, (size_t)-1);
    pid_t daemon = start_daemon(f, f->log);
    struct wait_http up = {port, 200};
    if (!proc_until(http_reached, &up, 10000)) {
        char *log = tu_read_file(f->log, NULL);
        fail_msg("the daemon serves no pages; its log:\n%s", log ? log : "");
    }
    assert_int_equal(http_status(port, "/u/forged.token"), 404);
    assert_true(log_has(f->log, "serving the web pages"));
    /* a sign-up on the served pages: the daemon mails the confirmation by itself */
    char page[65536], body[512];
    assert_int_equal(http_exchange(port, "GET", "/signup", NULL, page, sizeof page), 200);
    const char *v = strstr(page, "name=\"csrf\" value=\"");
    assert_non_null(v);
    v += strlen("name=\"csrf\" value=\"");
    (void)snprintf(body, sizeof body,
                   "csrf=%.*s&email=new%%40example.org&frequency=daily&hour=7&tz=UTC"
                   "&min_salary=0",
                   (int)strcspn(v, "\""), v);
    assert_int_equal(http_exchange(port, "POST", "/signup", body, page, sizeof page), 200);
    struct wait_mail mailed = {f->mail, "Subject: Confirm your"};
    if (!proc_until(mail_reached, &mailed, 10000)) {
        char *log = tu_read_file(f->log, NULL);
        fail_msg("no confirmation mail from the daemon; its log:\n%s", log ? log : "");
    }
    /* a reload restarts the pages with the new config */
    assert_int_equal(kill(daemon, SIGHUP), 0);
    struct wait_log reloaded = {f->log, "reload: config reloaded"};
    assert_true(proc_until(log_reached, &reloaded, 5000));
    assert_true(proc_until(http_reached, &up, 5000));
    assert_int_equal(kill(daemon, SIGTERM), 0);
    assert_int_equal(proc_wait(daemon, 5000), 0);
    assert_int_equal(http_status(port, "/style.css"), 0);
    free(cfg);
    free(more);
}

/* A1: SIGTERM while a transfer hangs: the daemon still exits 0 within 5 s, db consistent. */
static void test_daemon_stops_during_slow_transfer(void **state)
{
    struct fx *f = *state;
    site_generate(f->site, f->port, "--config", f->cfg, "--db", f->db, "--maildir", f->mail,
                  "--hmac-key-file", f->key, "--only", "greenhouse,lever", "--slow", "/gh/",
                  NULL);
    pid_t daemon = start_daemon(f, f->log);
    char *requests = tu_path(f->site, "requests.log");
    struct wait_log asked = {requests, "GET /gh/v1/boards/demo/jobs"};
    assert_true(proc_until(log_reached, &asked, 10000));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(kill(daemon, SIGTERM), 0);
    assert_int_equal(proc_wait(daemon, 5000), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec <= 5);
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, "db", "check", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    /* the interrupted source closed nothing and is crawled again next time */
    assert_int_equal(count_sql(f->db, "SELECT count(*) FROM postings WHERE closed_at IS NOT NULL"),
                     0);
    free(requests);
}

/* ---- the main job end to end: 3 sources, 3 subscribers, a real SMTP server ---- */

static pid_t sink_begin(struct fx *f, char **dir)
{
    *dir = tu_path(f->dir, "smtp");
    assert_int_equal(mkdir(*dir, 0755), 0);
    char *script = tu_path(tu_source_dir(), "tests/integration/smtp_sink.py");
    char *port_file = tu_path(*dir, "port");
    char *log = tu_path(*dir, "sink.log");
    char *argv[] = {"/usr/bin/python3", script, "--dir", *dir, "--port-file", port_file, NULL};
    pid_t pid = proc_spawn(NULL, log, argv);
    char *text = NULL;
    for (int i = 0; i < 400 && !(text = tu_read_file(port_file, NULL)); i++)
        usleep(25000);
    if (!text) {
        char *why = tu_read_file(log, NULL);
        fail_msg("smtp_sink.py did not start: %s", why ? why : "");
    }
    int port = (int)strtol(text, NULL, 10);
    char *cfg = tu_read_file(f->cfg, NULL);
    size_t n = strlen(cfg) + 128;
    char *more = malloc(n);
    snprintf(more, n, "%s\n[smtp]\nhost = 127.0.0.1\nport = %d\nstarttls = off\n", cfg, port);
    tu_write_file(f->cfg, more, (size_t)-1);
    free(more);
    free(cfg);
    free(text);
    free(script);
    free(port_file);
    free(log);
    return pid;
}

/* Each received message as "rcpt: title; title" lines (titles in the text part), sorted. */
static char *received(const char *dir, size_t *count)
{
    static const char *const titles[] = {
        "Utilization Review Physical Therapist", "Outpatient Physical Therapist",
        "Physician Advisor, Utilization Management", "Utilization Management Nurse Reviewer",
        "Therapy Reviewer - Occupational Therapist", "Appeals and Denials Nurse",
        "Utilization Review Occupational Therapist"};
    char lines[16][512];
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 16) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "msg-", 4) != 0 || len < 5 || strcmp(de->d_name + len - 5, ".json"))
            continue;
        char *path = tu_path(dir, de->d_name);
        json_t *m = json_load_file(path, 0, NULL);
        assert_non_null(m);
        const char *text = "";
        size_t i;
        json_t *part;
        json_array_foreach(json_object_get(m, "parts"), i, part)
            if (strcmp(json_string_value(json_object_get(part, "type")), "text/plain") == 0)
                text = json_string_value(json_object_get(part, "text"));
        snprintf(lines[n], sizeof lines[n], "%s:",
                 json_string_value(json_array_get(json_object_get(m, "rcpt_tos"), 0)));
        for (size_t t = 0; t < sizeof titles / sizeof titles[0]; t++)
            if (strstr(text, titles[t])) {
                strncat(lines[n], " ", sizeof lines[n] - strlen(lines[n]) - 1);
                strncat(lines[n], titles[t], sizeof lines[n] - strlen(lines[n]) - 1);
                strncat(lines[n], ";", sizeof lines[n] - strlen(lines[n]) - 1);
            }
        n++;
        json_decref(m);
        free(path);
    }
    closedir(d);
    qsort(lines, n, sizeof lines[0], (int (*)(const void *, const void *))strcmp);
    char *out = calloc(1, sizeof lines);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    *count = n;
    return out;
}

static void run_once(struct fx *f, bool day_passed)
{
    /* a day passes between runs: every subscriber is due again */
    sqlite3 *s;
    if (day_passed && sqlite3_open(f->db, &s) == SQLITE_OK)
        sqlite3_exec(s, "UPDATE subscribers SET next_due_at = 0", NULL, NULL, NULL);
    if (day_passed)
        sqlite3_close(s);
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, "run", "--once", "--force", NULL);
    if (r.status != 0)
        fail_msg("run --once: %s\n%s", r.out, r.err);
    tu_run_free(&r);
}

static void subscribe(struct fx *f, const char *email, const char *a1, const char *a2,
                      const char *a3, const char *a4)
{
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, "subscriber", "add", email, "--frequency",
               "daily", a1, a2, a3, a4, NULL);
    if (r.status != 0)
        fail_msg("subscriber add %s: %s", email, r.err);
    tu_run_free(&r);
}

static void test_run_end_to_end(void **state)
{
    struct fx *f = *state;
    generate(f, "greenhouse,lever,jsonld");
    char *sink_dir;
    pid_t sink = sink_begin(f, &sink_dir);
    subscribe(f, "pt@example.com", "--discipline", "PT,OT", "--mode", "remote");
    subscribe(f, "rn@example.com", "--discipline", "RN", NULL, NULL);
    subscribe(f, "md@example.com", "--discipline", "MD", "--schedule", "part_time");

    run_once(f, false); /* new subscribers get their first digest with the next run */
    char *titles = NULL;
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, "search", "--all", "--format", "csv", NULL);
    assert_int_equal(count_sql(f->db, "SELECT count(*) FROM postings"), 6);
    assert_int_equal(count_sql(f->db, "SELECT count(DISTINCT source) FROM postings"), 3);
    tu_run_free(&r);
    size_t n;
    titles = received(sink_dir, &n);
    assert_string_equal(titles,
                        "md@example.com: Physician Advisor, Utilization Management;\n"
                        "pt@example.com: Utilization Review Physical Therapist; Therapy Reviewer "
                        "- Occupational Therapist;\n"
                        "rn@example.com: Utilization Management Nurse Reviewer; Appeals and "
                        "Denials Nurse;\n");
    free(titles);

    run_once(f, true); /* nothing new: nothing sent */
    titles = received(sink_dir, &n);
    assert_int_equal(n, 3);
    free(titles);

    /* the site changes: the clinic job leaves, an OT reviewer job arrives */
    site_generate(f->site, f->port, "--drop", "gh-clinic-pt", "--add", "gh-ur-ot", NULL);
    run_once(f, true);
    assert_int_equal(count_sql(f->db, "SELECT count(*) FROM postings WHERE closed_at IS NOT NULL"),
                     1);
    assert_int_equal(count_sql(f->db, "SELECT count(*) FROM postings WHERE closed_at IS NOT NULL "
                                      "AND title = 'Outpatient Physical Therapist'"),
                     1);
    titles = received(sink_dir, &n);
    assert_int_equal(n, 4);
    assert_non_null(strstr(titles, "pt@example.com: Utilization Review Occupational Therapist;\n"));
    free(titles);
    proc_stop(sink);
    free(sink_dir);
}

/* With every source unreachable, run --once ends with a line naming the offline demo. */
static void test_run_offline_hint(void **state)
{
    struct fx *f = *state;
    generate(f, "greenhouse,lever");
    proc_stop(f->server); /* the site goes away: nothing answers on its port */
    f->server = 0;
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, "run", "--once", "--force", NULL);
    assert_int_equal(r.status, 1);
    const char *last = strstr(r.out, "urscout run: no source was reachable");
    if (!last)
        fail_msg("no offline hint:\n%s\n%s", r.out, r.err);
    assert_non_null(strstr(last, "'make demo'"));
    assert_string_equal(strchr(last, '\n'), "\n"); /* the last line */
    tu_run_free(&r);
}

/* The embedded defaults (no config file): digests go to ./mail with a key made on first use. */
static void test_embedded_defaults_deliver_locally(void **state)
{
    struct fx *f = *state;
    /* postings first seen now (no first_seen given), so the test does not age */
    char *fixture = tu_path(f->dir, "now.jsonl");
    tu_write_file(fixture,
                  "{\"external_id\":\"n1\",\"title\":\"Therapy Reviewer\",\"employer\":\"Bluestem\","
                  "\"url\":\"https://jobs.example/n1\",\"disciplines\":[\"PT\"],\"work_mode\":\"remote\","
                  "\"ur_role\":true,\"role_family\":\"utilization_review\"}\n"
                  "{\"external_id\":\"n2\",\"title\":\"Nurse Reviewer\",\"employer\":\"Bluestem\","
                  "\"disciplines\":[\"RN\"],\"ur_role\":true}\n",
                  (size_t)-1);
    struct tu_run r;
    tu_urscout(&r, f->dir, "subscriber", "add", "me@example.org", "--discipline", "PT", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "import", fixture, NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "digest", "send", "--due", NULL);
    if (r.status != 0)
        fail_msg("digest send on the defaults: %s", r.err);
    tu_run_free(&r);
    char *key = tu_path(f->dir, "urscout.db.hmac-key");
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *mail = tu_path(f->dir, "mail/new");
    DIR *d = opendir(mail);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') {
            char *path = tu_path(mail, de->d_name);
            char *msg = tu_read_file(path, NULL);
            assert_non_null(strstr(msg, "To: <me@example.org>"));
            assert_non_null(strstr(msg, "List-Unsubscribe: <http://127.0.0.1:8080/u/"));
            free(msg);
            free(path);
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
    free(mail);
    free(key);
    free(fixture);
}

/* A4: a world-readable key file is refused with the fix named; a secret given in the
 * environment shows up in no log, no config check, no mail and no command line. */
static void test_secrets_never_shown(void **state)
{
    struct fx *f = *state;
    generate(f, "greenhouse");
    assert_int_equal(chmod(f->key, 0644), 0);
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, "run", "--once", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "chmod 600"));
    tu_run_free(&r);

    /* the key from the environment instead of the file */
    static const char secret[] = "s3cret-Key-From-The-Env-0123456789";
    char *cfg = tu_read_file(f->cfg, NULL);
    char *line = strstr(cfg, "hmac_key_file");
    assert_non_null(line);
    memcpy(line, "#", 1); /* comment the key file out */
    tu_write_file(f->cfg, cfg, (size_t)-1);
    free(cfg);
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", secret, 1), 0);
    tu_urscout(&r, f->dir, "--config", f->cfg, "subscriber", "add", "pt@example.com",
               "--discipline", "PT", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    char *outputs[4];
    size_t n = 0;
    tu_urscout(&r, f->dir, "-v", "--config", f->cfg, "run", "--once", NULL);
    assert_int_equal(r.status, 0);
    outputs[n++] = r.out;
    outputs[n++] = r.err;
    struct tu_run check;
    tu_urscout(&check, f->dir, "--config", f->cfg, "config", "check", NULL);
    assert_int_equal(check.status, 0);
    assert_non_null(strstr(check.out, "URSCOUT_HMAC_KEY"));
    outputs[n++] = check.out;
    outputs[n++] = check.err;
    for (size_t i = 0; i < n; i++)
        assert_null(strstr(outputs[i], secret));
    tu_run_free(&r);
    tu_run_free(&check);

    /* the daemon's command line and log, and every delivered message */
    pid_t daemon = start_daemon(f, f->log);
    struct wait_log started = {f->log, "daemon started"};
    assert_true(proc_until(log_reached, &started, 5000));
    char proc_path[64];
    snprintf(proc_path, sizeof proc_path, "/proc/%ld/cmdline", (long)daemon);
    size_t len = 0;
    char *cmdline = tu_read_file(proc_path, &len);
    assert_non_null(cmdline);
    for (size_t i = 0; i < len; i++)
        cmdline[i] = cmdline[i] ? cmdline[i] : ' ';
    assert_null(strstr(cmdline, secret));
    free(cmdline);
    proc_stop(daemon);
    assert_false(log_has(f->log, secret));
    char *mail = tu_path(f->dir, "mail/new");
    DIR *d = opendir(mail);
    assert_non_null(d);
    size_t messages = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *path = tu_path(mail, de->d_name);
        char *msg = tu_read_file(path, NULL);
        assert_null(strstr(msg, secret));
        free(msg);
        free(path);
        messages++;
    }
    closedir(d);
    assert_int_equal(messages, 1);
    free(mail);
    unsetenv("URSCOUT_HMAC_KEY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_daemon_reload_stop_and_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_stops_during_slow_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_serves_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_offline_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_defaults_deliver_locally, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_never_shown, setup, teardown),
    };
    /* tests/valgrind.sh leaves out the daemon tests: their 5 s bounds do not allow for it */
    const char *skip = getenv("URS_TEST_SKIP");
    if (skip && *skip)
        cmocka_set_skip_filter(skip);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
