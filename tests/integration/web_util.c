/* SPDX-License-Identifier: MIT */
/* Helpers for the `urscout web` tests: a store with a subscriber, the server, raw HTTP. */
#include "web_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t wt_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wt_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void wt_run_ok(struct web *w, const char *a1, const char *a2, const char *a3)
{
    struct tu_run r;
    if (RUN(&r, w, a1, a2, a3) != 0)
        fail_msg("urscout %s %s %s: status %d\n%s%s", a1, a2, a3 ? a3 : "", r.status, r.out, r.err);
    tu_run_free(&r);
}

void wt_open(struct web *w)
{
    memset(w, 0, sizeof *w);
    nt_open(&w->env);
    w->ini = tu_path(w->env.dir, "urscout.ini");
    w->log = tu_path(w->env.dir, "web.log");
    char ini[2048];
    (void)snprintf(ini, sizeof ini,
                   "[general]\ndatabase = %s\nbundled_sources = false\n"
                   "[delivery]\nfrom = digest@urscout.example.org\nfrom_name = Jobs <&> \"UR\"\n"
                   "postal_address = urscout Inc, 100 Main St, Springfield, IL\nmaildir = %s\n"
                   "[web]\nbase_url = https://jobs.example.org/jobs\nlisten = 127.0.0.1\n",
                   w->env.db_path, w->env.maildir);
    tu_write_file(w->ini, ini, (size_t)-1);
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", NT_KEY, 1), 0);
    wt_run_ok(w, "subscriber", "add", EMAIL);
    w->sub_id = nt_sql_int(&w->env, "SELECT id FROM subscribers WHERE email = 'ana@example.org'");
    assert_true(w->sub_id > 0);
    struct err e;
    err_clear(&e);
    assert_int_equal(notify_token_make(NT_KEY, strlen(NT_KEY), NOTIFY_TOKEN_UNSUBSCRIBE, w->sub_id,
                                       w->token, &e),
                     URS_OK);
}

/* Start `urscout web --port 0 ...` and read the port from its first stdout line. */
void wt_start(struct web *w, const char *timeout_ms, const char *max_conn)
{
    int out[2];
    assert_int_equal(pipe(out), 0);
    char *argv[] = {(char *)tu_urscout_bin(),
                    "--config",
                    w->ini,
                    "web",
                    "--port",
                    "0",
                    "--timeout",
                    (char *)timeout_ms,
                    "--max-connections",
                    (char *)max_conn,
                    NULL};
    fflush(NULL);
    w->pid = fork();
    assert_true(w->pid >= 0);
    if (w->pid == 0) {
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        int log = open(w->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int nul = open("/dev/null", O_RDONLY);
        if (log < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(out[1], 1) < 0 || dup2(log, 2) < 0)
            _exit(126);
        close(out[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    char line[128] = "";
    size_t n = 0;
    struct pollfd p = {out[0], POLLIN, 0};
    while (n + 1 < sizeof line && !memchr(line, '\n', n) && poll(&p, 1, 15000) == 1) {
        ssize_t r = read(out[0], line + n, sizeof line - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        line[n] = '\0';
    }
    close(out[0]);
    if (strncmp(line, "http://127.0.0.1:", 17) != 0) {
        char *log = tu_read_file(w->log, NULL);
        fail_msg("urscout web did not start: '%s'\n%s", line, log ? log : "");
    }
    w->port = strtol(line + 17, NULL, 10);
    assert_true(w->port > 0 && w->port < 65536);
}

/* Wait up to ms for the server to exit; its status (exit code or 128+signal), -1 on timeout. */
static int wait_exit(struct web *w, int ms)
{
    for (int waited = 0; waited <= ms; waited += 10) {
        int st;
        if (waitpid(w->pid, &st, WNOHANG) == w->pid) {
            w->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        wt_sleep_ms(10);
    }
    return -1;
}

int wt_signal(struct web *w, int sig)
{
    assert_int_equal(kill(w->pid, sig), 0);
    int st = wait_exit(w, 5000);
    if (st == -1) {
        kill(w->pid, SIGKILL);
        (void)wait_exit(w, 5000);
    }
    return st;
}

void wt_close(struct web *w)
{
    if (w->pid > 0)
        (void)wt_signal(w, SIGKILL);
    free(w->ini);
    free(w->log);
    nt_close(&w->env);
}

int wt_dial(long port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        fail_msg("connect to port %ld: %s", port, strerror(errno));
    return fd;
}

/* Send all of data (errors ignored: the server may have answered and stopped reading). */
void wt_send_all(int fd, const char *data, size_t len)
{
    for (size_t at = 0; at < len;) {
        ssize_t w = send(fd, data + at, len - at, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        at += (size_t)w;
    }
}

/* The response in r is complete: head, then Content-Length bytes (none after a HEAD). */
static bool complete(struct resp *r, bool head)
{
    r->raw[r->len] = '\0';
    const char *end = strstr(r->raw, "\r\n\r\n");
    if (!end)
        return false;
    if (head)
        return true;
    const char *cl = strcasestr(r->raw, "\r\nContent-Length: ");
    if (!cl || cl > end)
        return false;
    return r->len - (size_t)(end + 4 - r->raw) >= strtoul(cl + 18, NULL, 10);
}

static bool reading_head; /* the request was a HEAD: no body follows */

/* Read a response until it is complete or the server closes (at most 5 s). */
void wt_read(int fd, struct resp *r)
{
    r->len = 0;
    int64_t until = wt_ms() + 5000;
    struct pollfd p = {fd, POLLIN, 0};
    while (r->len + 1 < sizeof r->raw && wt_ms() < until && !complete(r, reading_head) &&
           poll(&p, 1, (int)(until - wt_ms())) == 1) {
        ssize_t n = recv(fd, r->raw + r->len, sizeof r->raw - 1 - r->len, 0);
        if (n <= 0)
            break;
        r->len += (size_t)n;
    }
    r->raw[r->len] = '\0';
    r->status = strncmp(r->raw, "HTTP/1.1 ", 9) == 0 ? (int)strtol(r->raw + 9, NULL, 10) : -1;
    const char *end = strstr(r->raw, "\r\n\r\n");
    r->body = end ? end + 4 : "";
}

/* Every response: a Content-Length equal to the body's size. */
void wt_check_framing(const struct resp *r, bool head)
{
    const char *cl = strcasestr(r->raw, "\r\nContent-Length: ");
    if (!cl)
        fail_msg("response without Content-Length:\n%s", r->raw);
    size_t said = strtoul(cl + 18, NULL, 10);
    size_t body = r->len - (size_t)(r->body - r->raw);
    assert_int_equal(body, head ? 0 : said);
    assert_null(strstr(r->raw, "Set-Cookie"));
}

int wt_request(struct web *w, const char *raw, struct resp *r)
{
    int fd = wt_dial(w->port);
    wt_send_all(fd, raw, strlen(raw));
    reading_head = strncmp(raw, "HEAD ", 5) == 0;
    wt_read(fd, r);
    reading_head = false;
    close(fd);
    wt_check_framing(r, strncmp(raw, "HEAD ", 5) == 0);
    return r->status;
}

int wt_get(struct web *w, const char *method, const char *path, struct resp *r)
{
    char raw[1024];
    (void)snprintf(raw, sizeof raw,
                   "%s %s HTTP/1.1\r\nHost: jobs.example.org\r\n"
                   "Cookie: session=abc\r\n\r\n",
                   method, path);
    return wt_request(w, raw, r);
}

int wt_post(struct web *w, const char *path, const char *body, struct resp *r)
{
    char raw[1024];
    (void)snprintf(
        raw, sizeof raw,
        "POST %s HTTP/1.1\r\nHost: jobs.example.org\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
        path, strlen(body), body);
    return wt_request(w, raw, r);
}

static char *sub_status(struct web *w)
{
    char q[128];
    (void)snprintf(q, sizeof q, "SELECT status FROM subscribers WHERE id = %lld",
                   (long long)w->sub_id);
    return nt_sql_text(&w->env, q);
}

void wt_expect_status(struct web *w, const char *want)
{
    char *got = sub_status(w);
    assert_string_equal(got, want);
    free(got);
}

/* ---- "no database write": a watching connection and the files' bytes ---- */

static int64_t data_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void file_stat(const char *path, struct stat *st)
{
    if (stat(path, st) != 0)
        memset(st, 0, sizeof *st);
}

void wt_snap_take(struct web *w, struct snap *s)
{
    char wal[4096];
    (void)snprintf(wal, sizeof wal, "%s-wal", w->env.db_path);
    if (!s->watch)
        assert_int_equal(sqlite3_open_v2(w->env.db_path, &s->watch, SQLITE_OPEN_READONLY, NULL),
                         SQLITE_OK);
    s->version = data_version(s->watch);
    file_stat(w->env.db_path, &s->db);
    file_stat(wal, &s->wal);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Nothing was committed and neither the database nor its WAL changed since s. */
void wt_snap_unchanged(struct web *w, struct snap *s, const char *what)
{
    struct snap now = {s->watch, 0, {0}, {0}};
    wt_snap_take(w, &now);
    if (now.version != s->version || !same_file(&now.db, &s->db) || !same_file(&now.wal, &s->wal))
        fail_msg("%s wrote to the database (data_version %lld -> %lld)", what,
                 (long long)s->version, (long long)now.version);
}

void wt_snap_close(struct snap *s)
{
    sqlite3_close(s->watch);
    s->watch = NULL;
}

size_t wt_count_files(const char *dir)
{
    struct tu_run r;
    char *argv[] = {"/usr/bin/find", (char *)dir, "-type", "f", NULL};
    tu_run(&r, NULL, NULL, argv);
    size_t n = tu_count(r.out, "\n");
    tu_run_free(&r);
    return n;
}

void wt_csrf_of(const char *body, char *out, size_t size)
{
    const char *v = strstr(body, "name=\"csrf\" value=\"");
    assert_non_null(v);
    v += strlen("name=\"csrf\" value=\"");
    size_t n = strcspn(v, "\"");
    assert_true(n < size);
    memcpy(out, v, n);
    out[n] = '\0';
}
