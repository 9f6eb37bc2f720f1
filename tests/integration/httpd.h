/* SPDX-License-Identifier: MIT */
/* A small threaded HTTP/1.1 server on 127.0.0.1 for tests: it can misbehave on purpose. */
#ifndef URSCOUT_TESTS_HTTPD_H
#define URSCOUT_TESTS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum httpd_kind {
    HTTPD_BODY = 0,    /* status, headers, body (Content-Length), keep-alive */
    HTTPD_DRIP,        /* 200 with Content-Length 100000, then one byte a second */
    HTTPD_HANG,        /* read the request, never answer */
    HTTPD_RESET,       /* read the request, reset the connection */
    HTTPD_HUGE_LENGTH, /* Content-Length: 2147483648, then bytes until the client leaves */
    HTTPD_ENDLESS,     /* chunked body that never ends */
    HTTPD_GZIP_BOMB,   /* Content-Encoding: gzip of 10 GB of zeros, deflated as it is sent */
};

/* One answer. Strings are copied by httpd_route. */
struct httpd_resp {
    enum httpd_kind kind;
    int status;                /* 0 means 200 */
    const char *headers;       /* extra header lines, each ending in "\r\n", or NULL */
    const char *body;          /* or NULL */
    size_t body_len;           /* (size_t)-1: strlen(body) */
    const char *etag;          /* sent; a matching If-None-Match gets 304 */
    const char *last_modified; /* sent; an equal If-Modified-Since gets 304 */
};

/* What the server saw, one entry per request. */
struct httpd_log {
    char method[8];
    char target[512]; /* path and query */
    char host[128];   /* Host header */
    char user_agent[256];
    char if_none_match[128];
    char if_modified_since[64];
    int64_t t_ms;    /* monotonic ms when the request head was read */
    int64_t done_ms; /* when the answer was written (or given up) */
    unsigned conn;   /* connection number */
    int status;      /* status sent (0: none) */
};

struct httpd;

/* Start on 127.0.0.1, a free port. Never fails (asserts). */
struct httpd *httpd_start(void);
/* Stop: connections are closed, threads joined. Accepts NULL. */
void httpd_stop(struct httpd *s);
int httpd_port(const struct httpd *s);
/* "http://127.0.0.1:PORT" (borrowed). */
const char *httpd_base(const struct httpd *s);

/*
 * Answer requests whose target is path (exact, query included; a final '*' makes it a prefix)
 * with seq[0], seq[1], ... in turn, the last one repeating. A later route for the same path
 * replaces the earlier one and restarts the turn.
 */
void httpd_route(struct httpd *s, const char *path, const struct httpd_resp *seq, size_t n);
/* Shorthand: status with a body (and optional headers). */
void httpd_simple(struct httpd *s, const char *path, int status, const char *headers,
                  const char *body);

/* Requests whose target starts with prefix ("" counts all). */
size_t httpd_count(struct httpd *s, const char *prefix);
/* A copy of the log (free it); *n entries. */
struct httpd_log *httpd_log_copy(struct httpd *s, size_t *n);
/* The most connections open at once, since start or the last reset. */
size_t httpd_max_conns(struct httpd *s);
/* Forget the log and the connection peak. */
void httpd_reset(struct httpd *s);
/* Monotonic milliseconds, the clock of t_ms. */
int64_t httpd_now_ms(void);

#endif
