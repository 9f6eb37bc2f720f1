/* SPDX-License-Identifier: MIT */
/* `urscout web` end to end over loopback sockets: RELIABILITY.md H1-H4 against a real store. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "web/web.h"
#include "web/web_int.h"
#include "web_util.h"

#define SLOW_CONNS 500 /* RELIABILITY.md H4 */

/* ---- H2: GET (a link scanner) shows a page and changes nothing ---- */

static void test_get_shows_button_changes_nothing(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    struct snap s = {0};
    wt_snap_take(&w, &s);
    char path[256];
    (void)snprintf(path, sizeof path, "/jobs/u/%s", w.token);
    struct resp r, h;
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    /* one form that POSTs the RFC 8058 field back to this address, and nothing to load */
    assert_int_equal(tu_count(r.body, "<form"), 1);
    assert_int_equal(tu_count(r.body, "<button"), 1);
    assert_non_null(strstr(r.body, "<form method=\"post\">"));
    assert_non_null(
        strstr(r.body, "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"));
    assert_null(strstr(r.body, "action="));
    assert_null(strstr(r.body, "<script"));
    assert_null(strstr(r.body, "src="));
    /* the one link is the site's own stylesheet (CSP style-src 'self') */
    assert_int_equal(tu_count(r.body, "href="), 1);
    assert_non_null(strstr(r.body, "<link rel=\"stylesheet\" href=\"/jobs/style.css\">"));
    assert_null(strstr(r.body, "://"));
    /* the configured name is escaped */
    assert_non_null(strstr(r.body, "Jobs &lt;&amp;&gt; &quot;UR&quot;"));
    assert_null(strstr(r.body, "<&>"));
    assert_non_null(strstr(r.raw,
                           "\r\nContent-Security-Policy: default-src 'none'; style-src 'self'; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"));
    assert_non_null(strstr(r.raw, "\r\nContent-Type: text/html; charset=utf-8\r\n"));
    assert_non_null(strstr(r.raw, "\r\nCache-Control: no-store\r\n"));

    /* without the base_url prefix too (a proxy that strips it), and HEAD */
    (void)snprintf(path, sizeof path, "/u/%s?utm_source=scanner", w.token);
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    assert_int_equal(wt_get(&w, "HEAD", path, &h), 200);
    assert_non_null(strstr(h.raw, "Content-Length: "));
    assert_int_equal(strtoul(strstr(h.raw, "Content-Length: ") + 16, NULL, 10),
                     strtoul(strstr(r.raw, "Content-Length: ") + 16, NULL, 10));
    /* a GET carrying the form field still changes nothing */
    char raw[512];
    (void)snprintf(raw, sizeof raw,
                   "GET /u/%s HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\n\r\n"
                   "List-Unsubscribe=One-Click",
                   w.token);
    assert_int_equal(wt_request(&w, raw, &r), 200);
    wt_snap_unchanged(&w, &s, "GET and HEAD");
    wt_expect_status(&w, "active");
    wt_snap_close(&s);

    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    char *log = tu_read_file(w.log, NULL);
    assert_non_null(log);
    assert_int_equal(tu_count(log, "web: method=GET path=/jobs/u/[token] status=200"), 1);
    assert_int_equal(tu_count(log, "web: method=GET path=/u/[token] status=200"), 2);
    assert_int_equal(tu_count(log, "web: method=HEAD path=/u/[token] status=200"), 1);
    assert_null(strstr(log, strchr(w.token, '.') + 1)); /* never the token */
    assert_null(strstr(log, "utm_source"));
    assert_null(strstr(log, EMAIL));
    assert_non_null(strstr(log, "plain HTTP: serve it through a TLS reverse proxy"));
    free(log);
    wt_close(&w);
}

/* ---- H1: POST unsubscribes, durably, once; nothing is mailed afterwards ---- */

static void queue_digest(struct web *w)
{
    int64_t now = (int64_t)time(NULL);
    struct nt_posting p = {
        NULL, "1", "Utilization Review Nurse", NULL, NULL, "https://x.example/1", MODE_REMOTE, 0,
        0,    0,   NT_NOW - now + 600,         0.9};
    (void)nt_posting(&w->env, &p);
    struct notify_stats st = {0};
    nt_build(&w->env, now, true, &st);
    assert_int_equal(st.digests, 1);
    assert_int_equal(nt_sql_int(&w->env, "SELECT count(*) FROM outbox WHERE status = 'queued'"), 1);
}

static void test_post_unsubscribes_durably(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    queue_digest(&w); /* a digest waits in the outbox when the reader unsubscribes */
    wt_start(&w, "2000", "64");
    char path[256];
    (void)snprintf(path, sizeof path, "/jobs/u/%s", w.token);
    struct resp r;
    assert_int_equal(wt_post(&w, path, "List-Unsubscribe=One-Click", &r), 200);
    /* kill -9 right after the answer: the change was committed before it */
    assert_int_equal(wt_signal(&w, SIGKILL), 128 + SIGKILL);
    assert_non_null(strstr(r.body, "You are unsubscribed"));
    wt_expect_status(&w, "unsubscribed");
    char *check = nt_sql_text(&w.env, "PRAGMA integrity_check");
    assert_string_equal(check, "ok");
    free(check);

    /* repeated (a second click, a retrying mail client): 200 again and no write */
    wt_start(&w, "2000", "64");
    struct snap s = {0};
    wt_snap_take(&w, &s);
    assert_int_equal(wt_post(&w, path, "List-Unsubscribe=One-Click", &r), 200);
    (void)snprintf(path, sizeof path, "/u/%s", w.token);
    assert_int_equal(wt_post(&w, path, "List-Unsubscribe=One-Click", &r), 200);
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    assert_non_null(strstr(r.body, "You are unsubscribed"));
    assert_null(strstr(r.body, "<form"));
    wt_snap_unchanged(&w, &s, "a repeated unsubscribe");
    wt_snap_close(&s);
    assert_int_equal(wt_signal(&w, SIGINT), 0);

    /* the queued digest is not delivered, and no new one is built */
    struct tu_run t;
    assert_int_equal(RUN(&t, &w, "outbox", "flush"), 1);
    assert_non_null(strstr(t.out, "0 sent, 0 deferred, 1 failed"));
    tu_run_free(&t);
    char *why = nt_sql_text(&w.env, "SELECT last_error FROM outbox");
    assert_non_null(strstr(why, "unsubscribed"));
    free(why);
    assert_int_equal(RUN(&t, &w, "digest", "send", "--all"), 0);
    tu_run_free(&t);
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM outbox"), 1);
    assert_int_equal(wt_count_files(w.env.maildir), 0);
    char *log = tu_read_file(w.log, NULL);
    assert_int_equal(tu_count(log, "unsubscribed (was active)"), 1);
    assert_int_equal(tu_count(log, "method=POST path=/jobs/u/[token] status=200"), 2);
    free(log);
    wt_close(&w);
}

/* Run one statement on the store from a connection of the test's own. */
static void exec_sql(struct web *w, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(w->env.db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/* When the change cannot be committed the answer is 503, never 200; a retry then works. */
static void test_failed_write_is_not_acknowledged(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    exec_sql(&w, "CREATE TRIGGER web_test_fault BEFORE UPDATE ON subscribers "
                 "BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
    char path[256];
    struct resp r;
    (void)snprintf(path, sizeof path, "/u/%s", w.token);
    assert_int_equal(wt_post(&w, path, "List-Unsubscribe=One-Click", &r), 503);
    assert_non_null(strstr(r.raw, "\r\nRetry-After: 60\r\n"));
    assert_null(strstr(r.body, "You are unsubscribed"));
    wt_expect_status(&w, "active");
    exec_sql(&w, "DROP TRIGGER web_test_fault");
    assert_int_equal(wt_post(&w, path, "List-Unsubscribe=One-Click", &r), 200);
    wt_expect_status(&w, "unsubscribed");
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    char *log = tu_read_file(w.log, NULL);
    assert_non_null(strstr(log, "cannot record the unsubscribe"));
    assert_int_equal(tu_count(log, "method=POST path=/u/[token] status=503"), 1);
    free(log);
    wt_close(&w);
}

/* The link a real digest carries (List-Unsubscribe, rendered by the notifier) works. */
static char *first_message(struct web *w)
{
    struct tu_run r;
    char newdir[4096];
    (void)snprintf(newdir, sizeof newdir, "%s/new", w->env.maildir);
    char *argv[] = {"/usr/bin/find", newdir, "-type", "f", NULL};
    tu_run(&r, NULL, NULL, argv);
    char *nl = strchr(r.out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    char *msg = tu_read_file(r.out, NULL);
    assert_non_null(msg);
    tu_run_free(&r);
    return msg;
}

static void test_link_from_a_real_digest(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    int64_t now = (int64_t)time(NULL);
    struct nt_posting p = {
        NULL, "1", "Utilization Review Nurse", NULL, NULL, "https://x.example/1", MODE_REMOTE, 0,
        0,    0,   NT_NOW - now + 600,         0.9};
    (void)nt_posting(&w.env, &p);
    wt_run_ok(&w, "digest", "send", "--all");
    char *msg = first_message(&w);
    assert_non_null(strstr(msg, "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    static const char base[] = "List-Unsubscribe: <https://jobs.example.org";
    char *url = strstr(msg, base);
    assert_non_null(url);
    url += sizeof base - 1;
    char *end = strchr(url, '>');
    assert_non_null(end);
    *end = '\0';
    assert_true(strncmp(url, "/jobs/u/", 8) == 0);
    wt_start(&w, "2000", "64");
    struct resp r;
    assert_int_equal(wt_get(&w, "GET", url, &r), 200);
    assert_non_null(strstr(r.body, "<button"));
    wt_expect_status(&w, "active");
    /* what a mail client does for RFC 8058: POST the field to the https URI of the header */
    assert_int_equal(wt_post(&w, url, "List-Unsubscribe=One-Click", &r), 200);
    wt_expect_status(&w, "unsubscribed");
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    free(msg);
    wt_close(&w);
}

/* ---- H3: forged or misused links: 404, nothing changes, nothing written ---- */

static void bad_link(struct web *w, struct snap *s, const char *token, const char *what)
{
    char path[512];
    struct resp r;
    (void)snprintf(path, sizeof path, "/jobs/u/%s", token);
    int got = wt_post(w, path, "List-Unsubscribe=One-Click", &r);
    if (got != 404)
        fail_msg("%s: POST answered %d, want 404", what, got);
    /* a token that verifies not: the page says what to do; one that cannot be a token
       (empty, overlong, escaped) matches no route at all */
    if (!strstr(r.body, "This link is not valid") &&
        !strstr(r.body, "There is nothing at this address"))
        fail_msg("%s: the 404 page does not explain:\n%s", what, r.body);
    assert_int_equal(wt_get(w, "GET", path, &r), 404);
    assert_null(strstr(r.body, "<form"));
    wt_snap_unchanged(w, s, what);
}

/* The right token damaged every way a copy or a forger might damage it. */
static void mangled_tokens(struct web *w, struct snap *s)
{
    size_t len = strlen(w->token), dot = (size_t)(strchr(w->token, '.') - w->token);
    char t[NOTIFY_TOKEN_MAX + 256];
    for (size_t i = dot + 1; i < len; i += 5) { /* one flipped character of the MAC */
        memcpy(t, w->token, len + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        bad_link(w, s, t, "a flipped MAC character");
    }
    memcpy(t, w->token, len + 1);
    t[len - 1] = '\0';
    bad_link(w, s, t, "a truncated token");
    t[dot + 1] = '\0';
    bad_link(w, s, t, "a token cut after the id");
    (void)snprintf(t, sizeof t, "u%lld%s", (long long)w->sub_id + 1, w->token + dot);
    bad_link(w, s, t, "another id with this MAC");
    (void)snprintf(t, sizeof t, "%sA", w->token);
    bad_link(w, s, t, "a token with a byte added");
    bad_link(w, s, "", "an empty token");
    memset(t, 'A', 300);
    t[300] = '\0';
    bad_link(w, s, t, "an overlong token");
    /* libmicrohttpd decodes the path: an escaped token is the same token (RFC 3986 6.2.2.2),
       so only an escaped forgery is tried here */
    (void)snprintf(t, sizeof t, "%%75%s", w->token + 1);
    t[strlen(t) - 1] = t[strlen(t) - 1] == 'A' ? 'B' : 'A';
    bad_link(w, s, t, "a percent-encoded forged token");
}

static void test_bad_links_change_nothing(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    /* a subscriber who was removed: their old link must not work */
    wt_run_ok(&w, "subscriber", "add", "bob@example.org");
    int64_t bob = nt_sql_int(&w.env, "SELECT id FROM subscribers WHERE email = 'bob@example.org'");
    char gone[NOTIFY_TOKEN_MAX], other_key[NOTIFY_TOKEN_MAX], prefs[NOTIFY_TOKEN_MAX];
    struct err e;
    err_clear(&e);
    assert_int_equal(
        notify_token_make(NT_KEY, strlen(NT_KEY), NOTIFY_TOKEN_UNSUBSCRIBE, bob, gone, &e), URS_OK);
    wt_run_ok(&w, "subscriber", "remove", "bob@example.org");
    static const char key2[] = "another-key-0123456789abcdef!!!!";
    assert_int_equal(
        notify_token_make(key2, strlen(key2), NOTIFY_TOKEN_UNSUBSCRIBE, w.sub_id, other_key, &e),
        URS_OK);
    assert_int_equal(
        notify_token_make(NT_KEY, strlen(NT_KEY), NOTIFY_TOKEN_PREFERENCES, w.sub_id, prefs, &e),
        URS_OK);
    wt_start(&w, "2000", "64");
    struct snap s = {0};
    wt_snap_take(&w, &s);

    mangled_tokens(&w, &s);
    bad_link(&w, &s, other_key, "a token made with another key");
    bad_link(&w, &s, prefs, "a preferences token on /u/");
    bad_link(&w, &s, gone, "a removed subscriber's token");
    wt_snap_unchanged(&w, &s, "forged links");
    wt_expect_status(&w, "active");
    wt_snap_close(&s);

    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    char *log = tu_read_file(w.log, NULL);
    assert_null(strstr(log, strchr(w.token, '.') + 1));
    assert_null(strstr(log, strchr(other_key, '.') + 1));
    assert_null(strstr(log, strchr(prefs, '.') + 1));
    assert_null(strstr(log, "unsubscribed (was"));
    free(log);
    wt_close(&w);
}

/* Requests the endpoint does not serve: refused with the right status, nothing written. */
static void test_refused_requests_change_nothing(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    struct snap s = {0};
    wt_snap_take(&w, &s);
    char t[512];
    /* the right link without the one-click field: refused, nothing written */
    char path[256];
    struct resp r;
    (void)snprintf(path, sizeof path, "/jobs/u/%s", w.token);
    assert_int_equal(wt_post(&w, path, "List-Unsubscribe=Yes", &r), 400);
    assert_int_equal(wt_post(&w, path, "", &r), 400);
    /* methods, versions and paths the endpoint does not serve */
    (void)snprintf(t, sizeof t, "PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", path);
    assert_int_equal(wt_request(&w, t, &r), 405);
    assert_non_null(strstr(r.raw, "\r\nAllow: GET, HEAD, POST\r\n"));
    (void)snprintf(t, sizeof t, "DELETE %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    assert_int_equal(wt_request(&w, t, &r), 405);
    assert_int_equal(wt_get(&w, "GET", "/", &r), 404);
    assert_int_equal(wt_get(&w, "GET", "/u", &r), 404);
    assert_int_equal(wt_get(&w, "GET", "/other/u/x", &r), 404);
    assert_int_equal(wt_request(&w, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", &r), 505);
    /* absolute-form: libmicrohttpd passes it on as the path, which no route matches */
    assert_int_equal(wt_request(&w, "GET http://x/u/y HTTP/1.1\r\nHost: x\r\n\r\n", &r), 404);
    /* no Host: libmicrohttpd's own 400 (its page, so only the status is checked) */
    int fd = wt_dial(w.port);
    wt_send_all(fd, "GET / HTTP/1.1\r\n\r\n", 18);
    wt_read(fd, &r);
    close(fd);
    assert_int_equal(r.status, 400);
    /* bare LF line ends: libmicrohttpd accepts them (RFC 9112 2.2 allows it); "/" is nothing */
    assert_int_equal(wt_request(&w, "GET / HTTP/1.1\nHost: x\n\n", &r), 404);
    wt_snap_unchanged(&w, &s, "refused requests");
    wt_expect_status(&w, "active");
    wt_snap_close(&s);
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
}

/* ---- H4: oversize requests ---- */

/* Send len bytes on a new connection; the status of the answer (framing checked). */
static int raw_status(struct web *w, const char *data, size_t len, struct resp *r)
{
    int fd = wt_dial(w->port);
    wt_send_all(fd, data, len);
    wt_read(fd, r);
    close(fd);
    wt_check_framing(r, false);
    return r->status;
}

static void test_oversize_body(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "3000", "64");
    char head[512];
    struct resp r;
    /* a 1 MB body: 413 as soon as the head arrives, before any of the body is sent */
    size_t hl = (size_t)snprintf(head, sizeof head,
                                 "POST /u/%s HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                 "application/x-www-form-urlencoded\r\nContent-Length: "
                                 "1048576\r\n\r\n",
                                 w.token);
    int fd = wt_dial(w.port);
    wt_send_all(fd, head, hl);
    struct pollfd p = {fd, POLLIN, 0};
    int64_t t0 = wt_ms();
    assert_int_equal(poll(&p, 1, 2000), 1);
    assert_true(wt_ms() - t0 < 1000);
    size_t big = 1024 * 1024;
    char *all = malloc(hl + big);
    assert_non_null(all);
    memcpy(all, head, hl);
    memset(all + hl, 'a', big);
    wt_send_all(fd, all + hl, big); /* then the body anyway: the answer survives it */
    wt_read(fd, &r);
    close(fd);
    assert_int_equal(r.status, 413);
    wt_check_framing(&r, false);
    /* the same, the whole request in one go */
    assert_int_equal(raw_status(&w, all, hl + big, &r), 413);
    free(all);
    /* just over the body limit; a chunked body */
    hl = (size_t)snprintf(head, sizeof head,
                          "POST /u/%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", w.token,
                          WEB_MAX_BODY + 1);
    assert_int_equal(raw_status(&w, head, hl, &r), 413);
    hl = (size_t)snprintf(head, sizeof head,
                          "POST /u/%s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "1a\r\nList-Unsubscribe=One-Click\r\n0\r\n\r\n",
                          w.token);
    assert_int_equal(raw_status(&w, head, hl, &r), 411);
    wt_expect_status(&w, "active");
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
}

static void test_oversize_head(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "3000", "64");
    size_t big = 65536, cap = big + 512;
    char *all = malloc(cap);
    assert_non_null(all);
    struct resp r;
    /* a 64 KB header field */
    size_t n = (size_t)snprintf(all, cap, "GET /u/%s HTTP/1.1\r\nHost: x\r\nX-Big: ", w.token);
    memset(all + n, 'b', big);
    memcpy(all + n + big, "\r\n\r\n", 4);
    assert_int_equal(raw_status(&w, all, n + big + 4, &r), 431);
    /* 65 header fields */
    n = (size_t)snprintf(all, cap, "GET /u/%s HTTP/1.1\r\nHost: x\r\n", w.token);
    for (int i = 0; i < WEB_MAX_HEADERS; i++)
        n += (size_t)snprintf(all + n, cap - n, "X-%d: y\r\n", i);
    n += (size_t)snprintf(all + n, cap - n, "\r\n");
    assert_int_equal(raw_status(&w, all, n, &r), 431);
    /* a 64 KB request line */
    n = (size_t)snprintf(all, cap, "GET /u/");
    memset(all + n, 'c', big);
    n += big;
    n += (size_t)snprintf(all + n, cap - n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(raw_status(&w, all, n, &r), 414);
    free(all);
    wt_expect_status(&w, "active");
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
}

/* ---- H4: slowloris ---- */

/* Open n connections and send each the first byte of a request. */
static void open_slow(long port, int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fds[i] = wt_dial(port);
        wt_send_all(fds[i], "G", 1);
    }
}

/* True when the server closed fd (EOF or reset), reading whatever it sent first. */
static bool closed_by_server(int fd)
{
    char buf[512];
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return true;
        if (r < 0)
            return false;
    }
}

static size_t count_closed(const int *fds, const bool *was, bool *now, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        now[i] = was[i] || closed_by_server(fds[i]);
        c += now[i];
    }
    return c;
}

/* A normal unsubscribe page; returns how long it took in ms. */
static int64_t timed_get(struct web *w)
{
    char path[256];
    struct resp r;
    (void)snprintf(path, sizeof path, "/u/%s", w->token);
    int64_t t0 = wt_ms();
    assert_int_equal(wt_get(w, "GET", path, &r), 200);
    return wt_ms() - t0;
}

static void test_slowloris(void **state)
{
    (void)state;
    static const char rest[] = "ET / HTTP/1.1\r\nHost: x\r\n";
    struct web w;
    wt_open(&w);
    wt_start(&w, "1000", "600");
    int *fds = calloc(SLOW_CONNS, sizeof *fds);
    bool *closed = calloc(SLOW_CONNS, sizeof *closed);
    assert_non_null(fds);
    assert_non_null(closed);
    int64_t t0 = wt_ms();
    open_slow(w.port, fds, SLOW_CONNS);
    /* with all of them open and dripping, a normal request is served at once */
    int64_t took = timed_get(&w);
    if (took >= 1000)
        fail_msg("a normal request took %lld ms among %d slow connections", (long long)took,
                 SLOW_CONNS);
    /* one more byte a second each, until the server has closed every one of them */
    size_t done = 0;
    for (int tick = 1; done < SLOW_CONNS && wt_ms() - t0 < 4000; tick++) {
        wt_sleep_ms(100);
        if (tick % 10 == 0)
            for (size_t i = 0; i < SLOW_CONNS; i++)
                if (!closed[i])
                    wt_send_all(fds[i], rest + (tick / 10 - 1) % (sizeof rest - 1), 1);
        done = count_closed(fds, closed, closed, SLOW_CONNS);
    }
    int64_t all_closed = wt_ms() - t0;
    if (done != SLOW_CONNS)
        fail_msg("%zu of %d slow connections still open after %lld ms (timeout 1000 ms)",
                 SLOW_CONNS - done, SLOW_CONNS, (long long)all_closed);
    assert_true(all_closed < 3000);
    printf("slowloris: %d connections: a normal request took %lld ms; all closed after %lld ms\n",
           SLOW_CONNS, (long long)took, (long long)all_closed);
    for (size_t i = 0; i < SLOW_CONNS; i++)
        close(fds[i]);
    assert_true(timed_get(&w) < 1000); /* and it still serves */
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);

    /* a full table: libmicrohttpd stops accepting (further clients wait in the listen
       backlog) and serves them as soon as the idle ones time out */
    wt_open(&w);
    wt_start(&w, "1000", "20");
    memset(closed, 0, SLOW_CONNS * sizeof *closed);
    open_slow(w.port, fds, 20);
    wt_sleep_ms(200);
    assert_int_equal(count_closed(fds, closed, closed, 20), 0); /* the ones in stay */
    char get[512];
    int n = snprintf(get, sizeof get, "GET /u/%s HTTP/1.1\r\nHost: x\r\n\r\n", w.token);
    int extra = wt_dial(w.port);
    wt_send_all(extra, get, (size_t)n);
    struct resp r;
    t0 = wt_ms();
    wt_read(extra, &r); /* waits for the idle ones to time out (1 s) */
    close(extra);
    assert_int_equal(r.status, 200);
    assert_true(wt_ms() - t0 < 3000);
    t0 = wt_ms();
    while (count_closed(fds, closed, closed, 20) < 20 && wt_ms() - t0 < 4000)
        wt_sleep_ms(100);
    assert_int_equal(count_closed(fds, closed, closed, 20), 20);
    for (size_t i = 0; i < 20; i++)
        close(fds[i]);
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
    free(fds);
    free(closed);
}

/* ---- the preferences page: /p/TOKEN ---- */

static void prefs_path(struct web *w, char *path, size_t size)
{
    char tok[NOTIFY_TOKEN_MAX];
    struct err e;
    err_clear(&e);
    assert_int_equal(
        notify_token_make(NT_KEY, strlen(NT_KEY), NOTIFY_TOKEN_PREFERENCES, w->sub_id, tok, &e),
        URS_OK);
    (void)snprintf(path, size, "/jobs/p/%s", tok);
}


static void test_preferences(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    char path[256], csrf[128], body[900];
    struct resp r;
    prefs_path(&w, path, sizeof path);
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    assert_non_null(strstr(r.raw, "\r\nCache-Control: no-store\r\n"));
    assert_non_null(strstr(r.body, "ana@example.org"));
    assert_int_equal(tu_count(r.body, "name=\"csrf\""), 2);
    wt_csrf_of(r.body, csrf, sizeof csrf);

    /* no CSRF token, a wrong one, one for another subscriber: 403, nothing written */
    struct snap s = {0};
    wt_snap_take(&w, &s);
    assert_int_equal(
        wt_post(&w, path, "discipline=OT&frequency=daily&hour=8&tz=UTC&min_salary=0", &r), 403);
    assert_non_null(strstr(r.body, "Nothing was changed"));
    assert_int_equal(wt_post(&w, path, "csrf=123.abc&action=delete", &r), 403);
    struct web_site other = {.hmac_key = NT_KEY, .hmac_key_len = strlen(NT_KEY)};
    char forged[WEB_CSRF_MAX];
    assert_int_equal(web_csrf_make(&other, "p:999", (int64_t)time(NULL), forged), URS_OK);
    (void)snprintf(body, sizeof body, "csrf=%s&action=delete", forged);
    assert_int_equal(wt_post(&w, path, body, &r), 403);
    /* a bad value: 400 with the reason, nothing written */
    (void)snprintf(body, sizeof body,
                   "csrf=%s&frequency=daily&hour=8&tz=Mars%%2FOlympus&min_salary=0", csrf);
    assert_int_equal(wt_post(&w, path, body, &r), 400);
    assert_non_null(strstr(r.body, "Unknown time zone &#39;Mars/Olympus&#39;"));
    (void)snprintf(body, sizeof body, "csrf=%s&frequency=hourly&hour=8&tz=UTC&min_salary=0", csrf);
    assert_int_equal(wt_post(&w, path, body, &r), 400);
    (void)snprintf(body, sizeof body,
                   "csrf=%s&discipline=XX&frequency=daily&hour=8&tz=UTC"
                   "&min_salary=0",
                   csrf);
    assert_int_equal(wt_post(&w, path, body, &r), 400);
    /* the unsubscribe token does not open the preferences */
    char upath[256];
    (void)snprintf(upath, sizeof upath, "/jobs/p/%s", w.token);
    assert_int_equal(wt_get(&w, "GET", upath, &r), 404);
    assert_non_null(strstr(r.body, "This link is not valid"));
    wt_snap_unchanged(&w, &s, "refused preference changes");
    wt_snap_close(&s);

    /* a good form: saved, then shown */
    (void)snprintf(body, sizeof body,
                   "csrf=%s&discipline=OT&discipline=RN&mode=remote&states=TX%%2C+CA"
                   "&min_salary=70000&keywords=utilization+review&exclude=Acme%%0D%%0ABig+Co"
                   "&frequency=daily&hour=8&tz=America%%2FChicago&action=save",
                   csrf);
    assert_int_equal(wt_post(&w, path, body, &r), 303);
    assert_non_null(strstr(r.raw, "\r\nLocation: /jobs/p/"));
    assert_int_equal(nt_sql_int(&w.env, "SELECT frequency FROM subscribers"), DB_FREQ_DAILY);
    assert_int_equal(nt_sql_int(&w.env, "SELECT send_hour FROM subscribers"), 8);
    assert_int_equal(nt_sql_int(&w.env, "SELECT min_salary FROM subscribers"), 70000);
    struct tu_run run;
    assert_int_equal(RUN(&run, &w, "subscriber", "show", EMAIL), 0);
    assert_non_null(strstr(run.out, "OT or RN"));
    assert_non_null(strstr(run.out, "America/Chicago"));
    assert_non_null(strstr(run.out, "Acme\nBig Co"));
    tu_run_free(&run);
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    assert_non_null(strstr(r.body, "value=\"OT\" checked"));
    assert_non_null(strstr(r.body, "value=\"CA, TX\""));
    /* pause, then delete me: the same as `subscriber remove` */
    (void)snprintf(body, sizeof body, "csrf=%s&frequency=daily&hour=8&tz=UTC&min_salary=0&paused=1",
                   csrf);
    assert_int_equal(wt_post(&w, path, body, &r), 303);
    wt_expect_status(&w, "unsubscribed");
    (void)snprintf(body, sizeof body, "csrf=%s&action=delete", csrf);
    assert_int_equal(wt_post(&w, path, body, &r), 200);
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM subscribers"), 0);
    assert_int_equal(wt_get(&w, "GET", path, &r), 404);
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    char *log = tu_read_file(w.log, NULL);
    assert_non_null(strstr(log, "path=/jobs/p/[token] status=303"));
    assert_null(strstr(log, strchr(path, '.') + 1));
    free(log);
    wt_close(&w);
}

/* ---- all matches: /m/TOKEN and its Atom feed ---- */

static void test_matches(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    char *fixture = tu_path(tu_source_dir(), "tests/fixtures/e2e/postings.jsonl");
    wt_run_ok(&w, "import", fixture, NULL);
    free(fixture);
    wt_start(&w, "2000", "64");
    char path[256], atom[300];
    struct resp r;
    prefs_path(&w, path, sizeof path);
    memcpy(path + 6, "m", 1); /* /jobs/p/ -> /jobs/m/ */
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    assert_non_null(strstr(r.raw, "\r\nCache-Control: no-store\r\n"));
    assert_int_equal(tu_count(r.body, "<li>"), 2);
    assert_non_null(strstr(r.body, "Occupational Therapist Utilization Review Specialist"));
    assert_non_null(strstr(r.body, "href=\"https://careers.example.com/jobs/ot-1\""));
    (void)snprintf(atom, sizeof atom, "%s.atom", path);
    assert_int_equal(wt_get(&w, "GET", atom, &r), 200);
    assert_non_null(strstr(r.raw, "\r\nContent-Type: application/atom+xml; charset=utf-8\r\n"));
    assert_true(strncmp(r.body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=", 50) ==
                0);
    assert_int_equal(tu_count(r.body, "<entry>"), 2);
    assert_non_null(strstr(r.body, "<summary>Contoso Care</summary>"));
    /* pages past the end, a bad page number, the unsubscribe token: 404 */
    char more[320];
    (void)snprintf(more, sizeof more, "%s?page=2", path);
    assert_int_equal(wt_get(&w, "GET", more, &r), 404);
    (void)snprintf(more, sizeof more, "%s?page=-1", path);
    assert_int_equal(wt_get(&w, "GET", more, &r), 404);
    (void)snprintf(more, sizeof more, "/jobs/m/%s", w.token);
    assert_int_equal(wt_get(&w, "GET", more, &r), 404);
    (void)snprintf(more, sizeof more, "/jobs/m/%s.atom", w.token);
    assert_int_equal(wt_get(&w, "GET", more, &r), 404);
    assert_int_equal(wt_post(&w, path, "x=1", &r), 405);
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    char *log = tu_read_file(w.log, NULL);
    assert_non_null(strstr(log, "path=/jobs/m/[token].atom status=200"));
    free(log);
    wt_close(&w);
}

/* ---- the command itself ---- */

static void test_command_line(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    struct tu_run r;
    assert_int_equal(RUN(&r, &w, "web", "--help"), 0);
    assert_non_null(strstr(r.out, "TLS reverse proxy"));
    tu_run_free(&r);
    assert_int_equal(RUN(&r, &w, "web", "--port", "70000"), 2);
    assert_non_null(strstr(r.err, "--port '70000' is not a number from 0 to 65535"));
    tu_run_free(&r);
    assert_int_equal(RUN(&r, &w, "web", "--bogus"), 2);
    tu_run_free(&r);
    assert_int_equal(unsetenv("URSCOUT_HMAC_KEY"), 0);
    assert_int_equal(RUN(&r, &w, "web", "--port", "0"), 1);
    assert_non_null(strstr(r.err, "URSCOUT_HMAC_KEY"));
    tu_run_free(&r);
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", NT_KEY, 1), 0);
    /* a port already taken: a clear error naming it */
    wt_start(&w, "1000", "8");
    char port[16];
    (void)snprintf(port, sizeof port, "%ld", w.port);
    assert_int_equal(RUN(&r, &w, "web", "--port", port), 1);
    assert_non_null(strstr(r.err, "cannot listen on 127.0.0.1 port"));
    tu_run_free(&r);
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_shows_button_changes_nothing),
        cmocka_unit_test(test_post_unsubscribes_durably),
        cmocka_unit_test(test_failed_write_is_not_acknowledged),
        cmocka_unit_test(test_link_from_a_real_digest),
        cmocka_unit_test(test_bad_links_change_nothing),
        cmocka_unit_test(test_refused_requests_change_nothing),
        cmocka_unit_test(test_oversize_body),
        cmocka_unit_test(test_oversize_head),
        cmocka_unit_test(test_slowloris),
        cmocka_unit_test(test_preferences),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
