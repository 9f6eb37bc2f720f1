/* SPDX-License-Identifier: MIT */
/* Helpers for the `urscout web` tests: a store with a subscriber, the server, raw HTTP. */
#ifndef URSCOUT_TESTS_WEB_UTIL_H
#define URSCOUT_TESTS_WEB_UTIL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "notify_util.h"

#define EMAIL "ana@example.org"

struct web {
    struct nenv env; /* the database (and a config for building digests in-process) */
    char *ini;
    char *log; /* the server's stderr */
    pid_t pid;
    long port;
    int64_t sub_id;
    char token[NOTIFY_TOKEN_MAX];
};

/* Run urscout with the test config; returns the status, output in r (caller frees). */
#define RUN(r, w, ...)                                                                             \
    (tu_urscout(r, (w)->env.dir, "--config", (w)->ini, __VA_ARGS__, NULL), (r)->status)

/* Monotonic milliseconds; sleep that many. */
int64_t wt_ms(void);
void wt_sleep_ms(long ms);
/* Run urscout a1 a2 a3 with the test config; fails the test unless it exits 0. */
void wt_run_ok(struct web *w, const char *a1, const char *a2, const char *a3);

/* A fresh store, urscout.ini (base_url https://jobs.example.org/jobs), subscriber EMAIL
 * added with the CLI, and its unsubscribe token. */
void wt_open(struct web *w);
/* Start `urscout web --port 0 --timeout T --max-connections N`; w->port from its stdout. */
void wt_start(struct web *w, const char *timeout_ms, const char *max_conn);
/* Send sig and wait (5 s) for the exit; its status (exit code, or 128+signal). */
int wt_signal(struct web *w, int sig);
/* Kill a server still running, remove the folder. */
void wt_close(struct web *w);

/* A connected socket to 127.0.0.1:port; send all of data (errors ignored). */
int wt_dial(long port);
void wt_send_all(int fd, const char *data, size_t len);

struct resp {
    int status;
    char raw[16384];
    size_t len;
    const char *body;
};

/* Read a response until the server closes (at most 5 s). */
void wt_read(int fd, struct resp *r);
/* Connection: close, Content-Length equal to the body (0 bytes after a HEAD), no cookie. */
void wt_check_framing(const struct resp *r, bool head);
/* Send raw, read and check the answer; its status. */
int wt_request(struct web *w, const char *raw, struct resp *r);
/* method path with a Host and a Cookie; a form POST of body. */
int wt_get(struct web *w, const char *method, const char *path, struct resp *r);
int wt_post(struct web *w, const char *path, const char *body, struct resp *r);
/* The CSRF token of the first form in body, into out (fails the test when there is none). */
void wt_csrf_of(const char *body, char *out, size_t size);
/* The subscriber's stored status is want. */
void wt_expect_status(struct web *w, const char *want);

/* A watching connection (PRAGMA data_version moves when another connection commits) and
 * the database and WAL files' size and mtime. */
struct snap {
    sqlite3 *watch; /* PRAGMA data_version moves when another connection commits */
    int64_t version;
    struct stat db, wal;
};

void wt_snap_take(struct web *w, struct snap *s);
/* Fail unless nothing was committed and neither file changed since s was taken. */
void wt_snap_unchanged(struct web *w, struct snap *s, const char *what);
void wt_snap_close(struct snap *s);

/* Files under dir. */
size_t wt_count_files(const char *dir);

#endif
