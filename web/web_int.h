/* SPDX-License-Identifier: MIT */
/* Inside the web module: the request parser, the form reader, the pages and the handler. */
#ifndef URSCOUT_WEB_WEB_INT_H
#define URSCOUT_WEB_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"
#include "web/web.h"

enum web_method { WEB_GET = 0, WEB_HEAD, WEB_POST };

#define WEB_MAX_BOUNDARY 70 /* RFC 2046 5.1.1 */

/* A parsed request head. Only the fields the endpoint uses are kept. */
struct web_request {
    enum web_method method;
    char path[WEB_MAX_TARGET + 1]; /* the target up to '?', never the query */
    bool has_length;
    size_t content_length;
    bool form_urlencoded; /* Content-Type: application/x-www-form-urlencoded */
    bool multipart;       /* Content-Type: multipart/form-data with a boundary */
    char boundary[WEB_MAX_BOUNDARY + 1];
};

/* ---- web/http.c ---- */

/*
 * Where the head ends in buf[0..len): the offset just past the first CRLF CRLF, or 0 when
 * it has not arrived yet. from says how much was already searched (pass the previous len).
 */
size_t web_head_end(const char *buf, size_t len, size_t from);

/*
 * Parse a complete head buf[0..len) (ending in CRLF CRLF; web_head_end found it) into req.
 * Strict, so that the proxy in front and this server cannot read one request two ways:
 * CRLF line ends only, no obs-fold, no space before a colon, no controls, one Host for
 * HTTP/1.1, one Content-Length value, no Transfer-Encoding. On refusal *status is the HTTP
 * status to answer: 400, 405 (method other than GET/HEAD/POST), 411 (POST without
 * Content-Length, or Transfer-Encoding), 413 (body over WEB_MAX_BODY), 414, 431, 505.
 * Returns URS_OK (*status 0), URS_EPARSE, URS_ELIMIT (413/414/431) or URS_EINVAL (405/505).
 */
URS_NODISCARD int web_request_parse(const char *buf, size_t len, struct web_request *req,
                                    int *status);

/*
 * True when the body of req carries the RFC 8058 field List-Unsubscribe=One-Click: as
 * application/x-www-form-urlencoded (percent and '+' decoding, any field order) or as
 * multipart/form-data (a part named List-Unsubscribe whose content is One-Click). A
 * malformed body (bad percent escape, missing boundary) is false.
 */
bool web_form_one_click(const struct web_request *req, const char *body, size_t len);

/* "GET", "HEAD" or "POST". */
const char *web_method_name(enum web_method m);

/* ---- web/unsubscribe.c ---- */

/* What the handler needs; borrowed from the server. */
struct web_site {
    struct db *db;
    const char *hmac_key;
    size_t hmac_key_len;
    const char *site_name;
    char prefix[256]; /* base_url's path without its trailing '/', "" for none */
};

/*
 * Fill site->prefix from base_url ("https://host/jobs/" gives "/jobs"). URS_OK, or
 * URS_EINVAL when the path is too long or holds characters other than the unreserved
 * ones and '/'.
 */
URS_NODISCARD int web_site_prefix(struct web_site *site, const char *base_url, struct err *e);

/*
 * The token in path when it is "/u/TOKEN" or "<prefix>/u/TOKEN", else NULL. Borrowed from
 * path. The token is not checked here.
 */
const char *web_route_token(const struct web_site *site, const char *path);

/*
 * Write into out (at most size bytes, NUL included) a form of path fit for the log: the
 * token after "/u/" becomes "[token]", other paths are cut to 64 printable bytes with any
 * segment longer than 24 bytes shown as "[...]".
 */
void web_path_for_log(const struct web_site *site, const char *path, char *out, size_t size);

/*
 * Answer one request: GET/HEAD /u/TOKEN show a page with one button and change nothing;
 * POST /u/TOKEN with List-Unsubscribe=One-Click marks the subscriber unsubscribed and
 * returns only after the change is committed. A token that fails notify_token_verify or
 * names no subscriber gives 404 without touching the database; other paths 404. The
 * response (headers and, unless HEAD, the page) is written to out (reset first); *status
 * gets its code. now is the Unix time stored with the change. Returns URS_OK, or URS_ENOMEM /
 * URS_ELIMIT from out (nothing usable in it then).
 */
URS_NODISCARD int web_handle(const struct web_site *site, const struct web_request *req,
                             const char *body, size_t body_len, int64_t now, struct sbuf *out,
                             int *status);

/*
 * A complete response with status and a short page saying why (for refusals the parser or
 * the server decide: 400, 404, 405, 408, 411, 413, 414, 431, 503, 505). head leaves the
 * body out. URS_OK or the sbuf error.
 */
URS_NODISCARD int web_respond_status(struct sbuf *out, int status, bool head);

#endif
