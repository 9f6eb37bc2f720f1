/* SPDX-License-Identifier: MIT */
/* The web pages (unsubscribe, preferences, sign-up, matches): a libmicrohttpd server. */
#ifndef URSCOUT_WEB_WEB_H
#define URSCOUT_WEB_WEB_H

/*
 * How a page module plugs in (read this before adding one, e.g. web/coach.c):
 *
 *  1. Write web/NAME.c with handlers of type web_handler_fn (web/router.h):
 *         int handler(const struct web_site *site, const struct web_req *req,
 *                     struct web_resp *resp);
 *     req holds the method, the path without the base_url prefix, the {} segment of the
 *     pattern (req->arg, already checked to be [A-Za-z0-9._-]{1,128}), the whole body
 *     (bounded by WEB_MAX_BODY), a few headers and the time. Fill resp: resp->status and
 *     resp->body (an sbuf capped at WEB_MAX_RESPONSE), extra headers with web_resp_header
 *     (Set-Cookie, Location). Return URS_OK, or URS_ENOMEM/URS_ELIMIT (the server then
 *     answers 503). Never write outside the database handle site->db; the server calls every
 *     handler from its one polling thread, so handlers need no locks but must not block
 *     for long.
 *  2. Declare a route table in web/web_int.h and define it in NAME.c:
 *         const struct web_route web_NAME_routes[] = {
 *             {WEB_GET | WEB_POST, "/coach/c/{}", coach_cohort},
 *             {0, NULL, NULL}};
 *     and add web_NAME_routes to the list in web/server.c (route_tables). A pattern
 *     matched with the wrong method gives 405 with Allow; nothing matched gives 404.
 *  3. Pages: web_page_begin/web_page_end (web/page.h) give the one layout and stylesheet;
 *     escape every shown string with web_esc. web_resp_page_status and
 *     web_resp_bad_token answer errors with a page that says what to do. Every response
 *     gets the security headers (CSP, nosniff, no-referrer, no-store) from the server.
 *  4. Forms: web_form_parse (web/form.h) reads urlencoded and multipart bodies with
 *     bounded fields; every POST that changes state checks web_csrf_check (web/csrf.h)
 *     first and answers web_resp_csrf_failed (403, nothing changed) when it fails. Put
 *     web_csrf_field in the form; the subject names what the form acts on ("p:12",
 *     "coach:SESSION-ID"), so a token from one page is refused on another.
 *  5. Tests: tests/unit/test_web.c for the pure parts, tests/integration/ for the server.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct config;
struct db;
struct web_server;

/* ---- limits (every one of them bounds what a client can make the server hold) ---- */

#define WEB_MAX_HEADER   8192         /* bytes of the request line and headers (431 beyond) */
#define WEB_MAX_TARGET   2048         /* bytes of the request target (414 beyond) */
#define WEB_MAX_HEADERS  64           /* header fields in one request (431 beyond) */
#define WEB_MAX_BODY     16384        /* bytes of a request body (413 beyond) */
#define WEB_MAX_RESPONSE (512 * 1024) /* bytes of one response body */

#define WEB_DEFAULT_TIMEOUT_MS 10000 /* a connection idle this long is closed */
#define WEB_DEFAULT_MAX_CONN   512   /* connections held at once */

struct web_opts {
    const char *listen;     /* address or host name to bind, e.g. "127.0.0.1", "::1" */
    long port;              /* 0: any free port (see web_server_port) */
    int64_t timeout_ms;     /* idle connections are closed after this (rounded up to 1 s) */
    size_t max_connections; /* more are refused at once */
    const char *hmac_key;   /* the [delivery] key that signed the links (borrowed) */
    size_t hmac_key_len;
    const char *base_url;        /* [web] base_url: its path is an accepted prefix; may be NULL */
    const char *site_name;       /* shown on the pages (escaped), e.g. [delivery] from_name */
    const struct config *cfg;    /* the loaded config, for mail sent from pages; may be NULL */
    volatile sig_atomic_t *stop; /* set by a SIGTERM/SIGINT handler; web_server_run returns */
    /* Called from web_server_run (the caller's thread, never the server's) at most a second
       after a page queued a notice (a sign-up confirmation) to send it; may be NULL, then
       the owner polls web_server_take_notices. */
    void (*send_notices)(void *ctx);
    void *send_ctx;
};

/*
 * Bind and listen on o->listen:o->port and start the libmicrohttpd daemon (one internal
 * thread with epoll). db is borrowed for the server's life and used only from that
 * thread. The options are copied (strings stay borrowed).
 * Returns URS_OK, URS_EINVAL (bad options, key shorter than NOTIFY_MIN_KEY), URS_ENET (cannot
 * resolve, bind or listen; e names the address), URS_ENOMEM. *out is freed with
 * web_server_close.
 */
URS_NODISCARD int web_server_open(const struct web_opts *o, struct db *db, struct web_server **out,
                                  struct err *e);

/* The port actually bound (useful with port 0). */
long web_server_port(const struct web_server *s);

/*
 * Wait until *o->stop is set while the daemon serves, calling o->send_notices when a page
 * queued one. SIGTERM, SIGINT and SIGHUP are blocked in the server thread and taken only
 * here. Logs one info line per request
 * (method, the path with tokens redacted, status); never tokens or client addresses.
 * Returns URS_OK when stopped.
 */
URS_NODISCARD int web_server_run(struct web_server *s, struct err *e);

/* True once after a page queued a notice (the flag is cleared); false for NULL. */
bool web_server_take_notices(struct web_server *s);

/* Stop the daemon and close the listener; accepts NULL. */
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
