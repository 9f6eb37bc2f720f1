/* SPDX-License-Identifier: MIT */
/* The unsubscribe endpoint: a small HTTP/1.1 server for the links every digest carries. */
#ifndef URSCOUT_WEB_WEB_H
#define URSCOUT_WEB_WEB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct db;
struct web_server;

/* ---- limits (every one of them bounds what a client can make the server hold) ---- */

#define WEB_MAX_HEADER   8192 /* bytes of the request line, headers and blank line */
#define WEB_MAX_TARGET   2048 /* bytes of the request target (414 beyond) */
#define WEB_MAX_HEADERS  64   /* header fields in one request (431 beyond) */
#define WEB_MAX_BODY     4096 /* bytes of a request body (413 beyond); RFC 8058 needs ~30 */
#define WEB_MAX_DRAIN    (2 * 1024 * 1024) /* bytes read and dropped after a refusal */
#define WEB_MAX_RESPONSE 8192              /* bytes of one response, headers included */

#define WEB_DEFAULT_TIMEOUT_MS 10000 /* a connection's whole life: request in, response out */
#define WEB_DEFAULT_MAX_CONN   512   /* connections held at once */

struct web_opts {
    const char *listen;     /* address or host name to bind, e.g. "127.0.0.1", "::1" */
    long port;              /* 0: any free port (see web_server_port) */
    int64_t timeout_ms;     /* a connection is closed this long after it was accepted */
    size_t max_connections; /* when full, the oldest connection still sending is dropped */
    const char *hmac_key;   /* the [delivery] key that signed the links (borrowed) */
    size_t hmac_key_len;
    const char *base_url;        /* [web] base_url: its path is an accepted prefix; may be NULL */
    const char *site_name;       /* shown on the pages (escaped), e.g. [delivery] from_name */
    volatile sig_atomic_t *stop; /* set by a SIGTERM/SIGINT handler; web_server_run returns */
};

/*
 * Bind and listen on o->listen:o->port (non-blocking, SO_REUSEADDR) and prepare a
 * connection table of o->max_connections. db is borrowed for the server's life and only
 * used from web_server_run. The options are copied (strings stay borrowed).
 * Returns URS_OK, URS_EINVAL (bad options, key shorter than NOTIFY_MIN_KEY), URS_ENET (cannot
 * resolve, bind or listen; e names the address), URS_ENOMEM. *out is freed with
 * web_server_close.
 */
URS_NODISCARD int web_server_open(const struct web_opts *o, struct db *db, struct web_server **out,
                                  struct err *e);

/* The port actually bound (useful with port 0). */
long web_server_port(const struct web_server *s);

/*
 * Serve until *o->stop is set: one thread, poll(), every connection closed after one
 * response. SIGTERM, SIGINT and SIGHUP are blocked except while waiting in ppoll, so a
 * handler that sets *stop ends the loop at once. Logs one info line per request (method,
 * the path with the token redacted, status); never tokens or client addresses.
 * Returns URS_OK when stopped, URS_ENET when poll fails, URS_ENOMEM.
 */
URS_NODISCARD int web_server_run(struct web_server *s, struct err *e);

/* Close the listener and every connection; accepts NULL. */
void web_server_close(struct web_server *s);

#endif
