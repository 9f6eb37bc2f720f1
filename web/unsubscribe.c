/* SPDX-License-Identifier: MIT */
/* The /u/TOKEN routes: a page with one button on GET, the RFC 8058 one-click unsubscribe on POST.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/text.h"
#include "db/db.h"
#include "notifier/notifier.h"
#include "web/web_int.h"

#define LOG_SEGMENT_MAX 24 /* longer path segments are not logged: a token is at least 25 */
#define LOG_PATH_MAX    64

/* No script, style, image, font or frame may load; the form may only post back here. */
static const char security_headers[] =
    "Content-Security-Policy: default-src 'none'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "X-Robots-Tag: noindex, nofollow\r\n"
    "Cache-Control: no-store\r\n";

/* Every status this endpoint answers, its reason phrase and what the page says. */
static const struct {
    int status;
    const char *reason;
    const char *text;
} statuses[] = {
    {200, "OK", ""},
    {400, "Bad Request", "The request could not be read."},
    {404, "Not Found", "There is nothing at this address."},
    {405, "Method Not Allowed", "Only GET, HEAD and POST are served here."},
    {408, "Request Timeout", "The request took too long to arrive."},
    {411, "Length Required", "A request body needs a Content-Length."},
    {413, "Content Too Large", "The request body is too large."},
    {414, "URI Too Long", "The address is too long."},
    {431, "Request Header Fields Too Large", "The request headers are too large."},
    {503, "Service Unavailable",
     "Your request could not be recorded just now. Please try again in a minute."},
    {505, "HTTP Version Not Supported", "Only HTTP/1.0 and HTTP/1.1 are served here."},
};

/* The entry for status (400's for one not in the table). */
static size_t status_index(int status)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].status == status)
            return i;
    return 1;
}

static const char *reason(int status)
{
    return statuses[status_index(status)].reason;
}

static const char *explain(int status)
{
    return statuses[status_index(status)].text;
}

/* Status line, fixed headers, Content-Length of the page, then the page unless head. */
static int respond(struct sbuf *out, int status, const struct sbuf *page, bool head)
{
    char date[40];
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        date[0] = '\0';
    sbuf_reset(out);
    int rc = sbuf_printf(out,
                         "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/html; charset=utf-8\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n%s%s%s\r\n",
                         status, reason(status), date, page->len, security_headers,
                         status == 405 ? "Allow: GET, HEAD, POST\r\n" : "",
                         status == 503 ? "Retry-After: 60\r\n" : "");
    if (rc == URS_OK && !head)
        rc = sbuf_append(out, page->data ? page->data : "", page->len);
    return rc;
}

/* A whole page: title, one paragraph (text, then site_name and after if site_name is set),
 * and the unsubscribe button when asked. Every piece is escaped. */
static int page(struct sbuf *b, const char *title, const char *text, const char *site_name,
                const char *after, bool button)
{
    int rc =
        sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"robots\" content=\"noindex, nofollow\">\n<title>");
    if (rc == URS_OK)
        rc = text_html_escape(b, title);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</title>\n</head>\n<body>\n<h1>");
    if (rc == URS_OK)
        rc = text_html_escape(b, title);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</h1>\n<p>");
    if (rc == URS_OK)
        rc = text_html_escape(b, text);
    if (rc == URS_OK && site_name && *site_name) {
        rc = text_html_escape(b, site_name);
        if (rc == URS_OK)
            rc = text_html_escape(b, after);
    }
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</p>\n");
    /* no action: the form posts to the address the page was loaded from, prefix and all */
    if (rc == URS_OK && button)
        rc = sbuf_puts(b, "<form method=\"post\">\n"
                          "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                          "<button type=\"submit\">Unsubscribe</button>\n</form>\n");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</body>\n</html>\n");
    return rc;
}

int web_respond_status(struct sbuf *out, int status, bool head)
{
    struct sbuf b;
    sbuf_init(&b, WEB_MAX_RESPONSE / 2);
    int rc = page(&b, reason(status), explain(status), NULL, NULL, false);
    if (rc == URS_OK)
        rc = respond(out, status, &b, head);
    sbuf_free(&b);
    return rc;
}

enum outcome { SHOW_BUTTON = 0, SHOW_DONE, BAD_FORM, BAD_LINK };

static int respond_outcome(const struct web_site *site, enum outcome what, bool head,
                           struct sbuf *out, int *status)
{
    struct sbuf b;
    sbuf_init(&b, WEB_MAX_RESPONSE / 2);
    const char *name = site->site_name && *site->site_name ? site->site_name : "urscout";
    int rc;
    if (what == SHOW_BUTTON)
        rc = page(&b, "Unsubscribe", "Stop getting job digests from ", name,
                  "? Nothing changes until you press the button.", true);
    else if (what == SHOW_DONE)
        rc = page(&b, "Unsubscribed", "You are unsubscribed: no more digests from ", name, ".",
                  false);
    else if (what == BAD_FORM)
        rc = page(&b, "Not unsubscribed",
                  "The request did not confirm the unsubscribe (it needs the form field "
                  "List-Unsubscribe=One-Click). Use the button on the unsubscribe page.",
                  NULL, NULL, true);
    else
        rc = page(&b, "Link not valid",
                  "This unsubscribe link is not valid: it may be incomplete, or the address "
                  "it was sent to is no longer on the list. Use the link in your latest "
                  "digest, or reply to it.",
                  NULL, NULL, false);
    *status = what == BAD_FORM ? 400 : what == BAD_LINK ? 404 : 200;
    if (rc == URS_OK)
        rc = respond(out, *status, &b, head);
    sbuf_free(&b);
    return rc;
}

static int refuse(struct sbuf *out, int code, bool head, int *status)
{
    *status = code;
    return web_respond_status(out, code, head);
}

/* Mark sub unsubscribed; the UPDATE commits (synchronous=FULL) before this returns. Gives
 * the status to answer: 200, 404 (removed meanwhile) or 503. */
static int unsubscribe(const struct web_site *site, const struct db_subscriber *sub, int64_t now)
{
    struct err e;
    err_clear(&e);
    if (sub->status == DB_SUB_UNSUBSCRIBED) /* repeated: nothing to write */
        return 200;
    int rc = db_subscriber_set_status(site->db, sub->id, DB_SUB_UNSUBSCRIBED, now, &e);
    if (rc == URS_ENOTFOUND)
        return 404;
    if (rc != URS_OK) {
        log_error("web: subscriber=%lld: cannot record the unsubscribe: %s", (long long)sub->id,
                  e.msg);
        return 503;
    }
    log_info("web: subscriber=%lld unsubscribed (was %s)", (long long)sub->id,
             db_sub_status_name(sub->status));
    return 200;
}

/* The subscriber a verified link names: 200 and sub filled, 404 (gone) or 503. */
static int load_subscriber(const struct web_site *site, const char *token,
                           struct db_subscriber *sub)
{
    int64_t id = 0;
    struct err e;
    err_clear(&e);
    if (notify_token_verify(site->hmac_key, site->hmac_key_len, token, NOTIFY_TOKEN_UNSUBSCRIBE,
                            &id, &e) != URS_OK) {
        log_debug("web: refused link: %s", e.msg);
        return 404;
    }
    int rc = db_subscriber_get_id(site->db, id, sub, &e);
    if (rc == URS_ENOTFOUND)
        return 404;
    if (rc != URS_OK) {
        log_error("web: subscriber=%lld: cannot read: %s", (long long)id, e.msg);
        return 503;
    }
    return 200;
}

int web_handle(const struct web_site *site, const struct web_request *req, const char *body,
               size_t body_len, int64_t now, struct sbuf *out, int *status)
{
    bool head = req->method == WEB_HEAD;
    const char *token = web_route_token(site, req->path);
    if (!token)
        return refuse(out, 404, head, status);
    struct db_subscriber sub;
    db_subscriber_init(&sub);
    int code = load_subscriber(site, token, &sub);
    enum outcome what = SHOW_DONE;
    if (code == 200 && req->method != WEB_POST) /* link scanners prefetch: change nothing */
        what = sub.status == DB_SUB_UNSUBSCRIBED ? SHOW_DONE : SHOW_BUTTON;
    else if (code == 200 && !web_form_one_click(req, body, body_len))
        what = BAD_FORM;
    else if (code == 200)
        code = unsubscribe(site, &sub, now);
    db_subscriber_free(&sub);
    if (code == 404)
        return respond_outcome(site, BAD_LINK, head, out, status);
    if (code != 200)
        return refuse(out, code, head, status);
    return respond_outcome(site, what, head, out, status);
}

int web_site_prefix(struct web_site *site, const char *base_url, struct err *e)
{
    site->prefix[0] = '\0';
    if (!base_url || !*base_url)
        return URS_OK;
    const char *host = strstr(base_url, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    if (!path)
        return URS_OK;
    size_t n = strcspn(path, "?#");
    while (n > 0 && path[n - 1] == '/')
        n--;
    if (n >= sizeof site->prefix)
        return err_set(e, URS_EINVAL, "[web] base_url: the path is over %zu bytes",
                       sizeof site->prefix - 1);
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/",
                    path[i]) ||
            path[i] == '\0')
            return err_set(e, URS_EINVAL,
                           "[web] base_url: the path may hold only letters, digits, '-', '.', "
                           "'_', '~' and '/'");
    memcpy(site->prefix, path, n);
    site->prefix[n] = '\0';
    return URS_OK;
}

const char *web_route_token(const struct web_site *site, const char *path)
{
    size_t pl = strlen(site->prefix);
    if (pl > 0 && strncmp(path, site->prefix, pl) == 0 && strncmp(path + pl, "/u/", 3) == 0)
        return path + pl + 3;
    if (strncmp(path, "/u/", 3) == 0)
        return path + 3;
    return NULL;
}

void web_path_for_log(const struct web_site *site, const char *path, char *out, size_t size)
{
    const char *token = web_route_token(site, path);
    if (size == 0)
        return;
    if (token) {
        (void)snprintf(out, size, "%.*s/u/[token]", (int)(token - 3 - path), path);
        return;
    }
    size_t o = 0;
    for (const char *p = path; *p && o + 6 < size && o < LOG_PATH_MAX;) {
        size_t seg = strcspn(p + (*p == '/'), "/") + (*p == '/');
        if (seg > LOG_SEGMENT_MAX + 1) {
            o += (size_t)snprintf(out + o, size - o, "%s[...]", *p == '/' ? "/" : "");
            p += seg;
            continue;
        }
        for (size_t i = 0; i < seg && o + 1 < size && o < LOG_PATH_MAX; i++)
            out[o++] = p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?';
        p += seg;
    }
    out[o < size ? o : size - 1] = '\0';
}
