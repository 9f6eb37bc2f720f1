/* SPDX-License-Identifier: MIT */
/* Inside web/: requests, responses and the route table (private to the web module). */
#ifndef URSCOUT_WEB_ROUTER_H
#define URSCOUT_WEB_ROUTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/sbuf.h"

struct db;
struct config;

/* Methods, as bits so that a route names a set of them. HEAD is served wherever GET is. */
enum web_method { WEB_GET = 1, WEB_HEAD = 2, WEB_POST = 4 };

#define WEB_MAX_ARG       128 /* bytes of the {} segment of a route */
#define WEB_MAX_PREFIX    256 /* bytes of base_url's path */
#define WEB_RESP_HEADERS  4   /* extra headers a handler may add */
#define WEB_MAX_HDR_VALUE 512 /* bytes of one of them */

/* What every handler needs; borrowed from the server for its whole life. */
struct web_site {
    struct db *db;
    const char *hmac_key;
    size_t hmac_key_len;
    const char *site_name;       /* never NULL once the server is open */
    const char *base_url;        /* "" when not configured */
    const struct config *cfg;    /* may be NULL (unit tests) */
    char prefix[WEB_MAX_PREFIX]; /* base_url's path without its trailing '/', "" for none */
    atomic_bool *notices;        /* set when a page queued a notice; may be NULL (tests) */
};

/* One request, as a handler sees it. Everything borrowed for the handler's call. */
struct web_req {
    enum web_method method;
    const char *path;          /* the target's path without the prefix and the query */
    char arg[WEB_MAX_ARG + 1]; /* the {} segment of the matched pattern, "" when none */
    void *conn;                /* the server's connection (web_req_query); NULL in tests */
    const char *body;          /* POST body (bounded by WEB_MAX_BODY), "" otherwise */
    size_t body_len;
    const char *content_type; /* NULL when absent */
    const char *cookie;       /* the Cookie header, NULL when absent */
    char client[64];          /* the peer's address (the proxy's, behind one) */
    int64_t now;              /* Unix time */
};

/* A response a handler fills; the server adds the security headers. */
struct web_resp {
    int status;               /* 200 unless set */
    const char *content_type; /* static string; text/html; charset=utf-8 unless set */
    bool cacheable;           /* false: Cache-Control: no-store (every personal page) */
    bool mail_styles;         /* the body is a rendered digest: allow its inline style
                                 attributes (web_csp_mail), as a mail client shows them */
    struct sbuf body;         /* capped at WEB_MAX_RESPONSE */
    size_t n_headers;
    struct {
        char name[32];
        char value[WEB_MAX_HDR_VALUE];
    } headers[WEB_RESP_HEADERS];
};

/* The decoded value of query parameter name ("?page=2"), NULL when absent or no connection. */
const char *web_req_query(const struct web_req *req, const char *name);

void web_resp_init(struct web_resp *r);
void web_resp_free(struct web_resp *r);

/*
 * Add a header (Set-Cookie, Location, Allow...). The name must be a token and the value
 * printable ASCII without CR/LF. URS_OK, URS_EINVAL (bad name or value), URS_ELIMIT (too
 * many or too long).
 */
int web_resp_header(struct web_resp *r, const char *name, const char *value);

/* A handler: fill resp. URS_OK, or URS_ENOMEM/URS_ELIMIT (the server answers 503). */
typedef int (*web_handler_fn)(const struct web_site *site, const struct web_req *req,
                              struct web_resp *resp);

/*
 * A route: the methods it takes and a pattern of literal bytes with at most one "{}",
 * which matches one segment of 1..WEB_MAX_ARG bytes of [A-Za-z0-9._-] (tokens, ids).
 * Bytes after "{}" are a literal suffix ("/m/{}.atom"). Tables end with a NULL pattern.
 */
struct web_route {
    unsigned methods;
    const char *pattern;
    web_handler_fn handler;
};

/*
 * Match path (prefix already removed) against tables (a NULL-terminated list of route
 * tables, tried in order, first match wins). Returns 0 and sets *out and arg when a
 * route matches path and method; 405 when some pattern matched but not the method
 * (*allow gets the union of the methods those patterns take); 404 when none matched.
 * HEAD matches routes with WEB_GET.
 */
int web_route_find(const struct web_route *const *tables, const char *path, enum web_method method,
                   const struct web_route **out, char arg[WEB_MAX_ARG + 1], unsigned *allow);

/* True when path matches pattern; arg (may be NULL) gets the {} segment. */
bool web_route_match(const char *pattern, const char *path, char arg[WEB_MAX_ARG + 1]);

/* "GET, HEAD, POST" for a method set (HEAD added with GET), into out. */
void web_allow_list(unsigned methods, char *out, size_t size);

/* "GET", "HEAD" or "POST". */
const char *web_method_name(enum web_method m);

/*
 * Fill site->prefix from base_url ("https://host/jobs/" gives "/jobs"). URS_OK, or
 * URS_EINVAL when the path is too long or holds characters other than the unreserved
 * ones and '/'.
 */
URS_NODISCARD int web_site_prefix(struct web_site *site, const char *base_url, struct err *e);

/*
 * path without site->prefix: "/jobs/p/X" gives "/p/X" under prefix "/jobs"; paths not
 * under the prefix are returned as they are (the proxy may strip it or not).
 */
const char *web_strip_prefix(const struct web_site *site, const char *path);

/*
 * Write into out (at most size bytes, NUL included) a form of path fit for the log: a
 * path matching a route shows the pattern with "{}" replaced by "[token]"; other paths
 * are cut to 64 printable bytes with any segment longer than 24 bytes shown as "[...]".
 */
void web_path_for_log(const struct web_route *const *tables, const struct web_site *site,
                      const char *path, char *out, size_t size);

/*
 * A link to rel (starting with '/') for a mail or a page: base_url's scheme, host and
 * path then rel ("https://host/jobs" + "/p/TOKEN"). When base_url is empty, just prefix +
 * rel. URS_OK or the sbuf error.
 */
URS_NODISCARD int web_link(const struct web_site *site, const char *rel, struct sbuf *out);

#endif
