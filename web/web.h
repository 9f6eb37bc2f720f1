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

/* ---- coach desk sign-in (web/coach_auth.c) ---- */

#define WEB_PASSWORD_MIN      12  /* characters (bytes) of a coach's password, at least */
#define WEB_PASSWORD_MAX      128 /* bytes, at most */
#define WEB_PASSWORD_HASH_MAX 128 /* bytes of an Argon2id encoded hash with its NUL */
#define WEB_LOGIN_MAX         254 /* bytes of a login (a coach's name or address) */
#define WEB_SESSION_ID_LEN    32  /* random bytes of a session id (getrandom) */
#define WEB_SESSION_HEX_LEN   64  /* its cookie form: lowercase hex */

/* How long sessions live and when sign-ins lock; times in seconds. */
struct web_auth_policy {
    int64_t idle_s;      /* a session unused this long is over (2 h) */
    int64_t absolute_s;  /* a session this old is over, however used (12 h) */
    int64_t coach_free;  /* failed sign-ins for one coach before it locks (5) */
    int64_t ip_free;     /* failed sign-ins from one client address before it locks (20) */
    int64_t lock_base_s; /* the first lock (60 s); each further failure doubles it */
    int64_t lock_max_s;  /* up to this (1 h) */
    int64_t forget_s;    /* failures are forgotten after this long without one (24 h) */
};
void web_auth_policy_default(struct web_auth_policy *p);

/* A password we accept: 12..128 bytes, no control characters. URS_OK or URS_EINVAL. */
URS_NODISCARD int web_password_check(const char *pw, struct err *e);
/* Argon2id-hash pw (after web_password_check) with a fresh salt into out (encoded form). */
URS_NODISCARD int web_password_hash(const char *pw, char out[WEB_PASSWORD_HASH_MAX],
                                    struct err *e);
/*
 * *ok when pw matches the encoded hash (constant time, inside libargon2). A hash that is not
 * Argon2id v19 or asks for more than 256 MiB, 16 passes or 8 lanes is refused: URS_EINVAL.
 */
URS_NODISCARD int web_password_verify(const char *encoded, const char *pw, bool *ok,
                                      struct err *e);
/*
 * `urscout coach passwd`: set the password of the coach named (or addressed) login; ends the
 * coach's sessions. URS_OK, URS_EINVAL (weak password, ambiguous address), URS_ENOTFOUND, URS_EDB.
 */
URS_NODISCARD int web_coach_passwd(struct db *db, const char *login, const char *pw,
                                   int64_t now, struct err *e);

enum web_login_result { WEB_LOGIN_OK = 0, WEB_LOGIN_REFUSED, WEB_LOGIN_LOCKED };
struct web_login {
    enum web_login_result result;
    int64_t coach_id;                      /* WEB_LOGIN_OK */
    int64_t retry_after;                   /* WEB_LOGIN_LOCKED: seconds */
    char session[WEB_SESSION_HEX_LEN + 1]; /* WEB_LOGIN_OK: the cookie value */
};
/*
 * Sign a coach in by name or address from client (its address, for the per-client count).
 * While the coach or the client is locked the password is not checked. A wrong password, an
 * unknown login and a coach without a password are the same refusal, at the same cost, and
 * count as failures; going over the free tries locks with doubling backoff. Success forgets
 * the coach's failures and starts a session. URS_OK whatever the outcome (see out->result);
 * URS_EDB, URS_EIO (no randomness), URS_ENOMEM.
 */
URS_NODISCARD int web_coach_login(struct db *db, const struct web_auth_policy *p,
                                  const char *login, const char *pw, const char *client,
                                  int64_t now, struct web_login *out, struct err *e);
/* The coach of the session in cookie. URS_OK, URS_ENOTFOUND (malformed, unknown, expired). */
URS_NODISCARD int web_coach_session(struct db *db, const struct web_auth_policy *p,
                                    const char *cookie, int64_t now, int64_t *coach_id,
                                    struct err *e);
/* End the session in cookie (a malformed or unknown one is fine). URS_OK, URS_EDB. */
URS_NODISCARD int web_coach_logout(struct db *db, const char *cookie, struct err *e);

#endif
