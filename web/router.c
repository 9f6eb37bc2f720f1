/* SPDX-License-Identifier: MIT */
/* The route table: patterns with one token segment, the base_url prefix, 404 and 405. */
#include <stdio.h>
#include <string.h>

#include "web/web_int.h"

#define LOG_SEGMENT_MAX 24 /* longer path segments are not logged: a token is at least 25 */
#define LOG_PATH_MAX    64

static bool arg_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

bool web_route_match(const char *pattern, const char *path, char arg[WEB_MAX_ARG + 1])
{
    const char *hole = strstr(pattern, "{}");
    if (arg)
        arg[0] = '\0';
    if (!hole)
        return strcmp(pattern, path) == 0;
    size_t pre = (size_t)(hole - pattern);
    const char *suffix = hole + 2;
    size_t suf = strlen(suffix), len = strlen(path);
    if (len < pre + suf + 1 || strncmp(path, pattern, pre) != 0 ||
        strcmp(path + len - suf, suffix) != 0)
        return false;
    size_t n = len - pre - suf;
    if (n > WEB_MAX_ARG)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!arg_char(path[pre + i]))
            return false;
    if (arg) {
        memcpy(arg, path + pre, n);
        arg[n] = '\0';
    }
    return true;
}

int web_route_find(const struct web_route *const *tables, const char *path,
                   enum web_method method, const struct web_route **out,
                   char arg[WEB_MAX_ARG + 1], unsigned *allow)
{
    unsigned want = method == WEB_HEAD ? WEB_GET : (unsigned)method;
    *allow = 0;
    *out = NULL;
    for (size_t t = 0; tables[t]; t++)
        for (const struct web_route *r = tables[t]; r->pattern; r++) {
            if (!web_route_match(r->pattern, path, arg))
                continue;
            if (r->methods & want) {
                *out = r;
                return 0;
            }
            *allow |= r->methods;
        }
    if (arg)
        arg[0] = '\0';
    return *allow ? 405 : 404;
}

void web_allow_list(unsigned methods, char *out, size_t size)
{
    (void)snprintf(out, size, "%s%s%s", methods & WEB_GET ? "GET, HEAD" : "",
                   (methods & WEB_GET) && (methods & WEB_POST) ? ", " : "",
                   methods & WEB_POST ? "POST" : "");
}

const char *web_method_name(enum web_method m)
{
    return m == WEB_POST ? "POST" : m == WEB_HEAD ? "HEAD" : "GET";
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
                    path[i]))
            return err_set(e, URS_EINVAL,
                           "[web] base_url: the path may hold only letters, digits, '-', '.', "
                           "'_', '~' and '/'");
    memcpy(site->prefix, path, n);
    site->prefix[n] = '\0';
    return URS_OK;
}

const char *web_strip_prefix(const struct web_site *site, const char *path)
{
    size_t pl = strlen(site->prefix);
    if (pl > 0 && strncmp(path, site->prefix, pl) == 0 && path[pl] == '/')
        return path + pl;
    return path;
}

/* pattern with "{}" shown as "[token]", after the prefix the path had. */
static void log_pattern(const char *path, const char *rel, const char *pattern, char *out,
                        size_t size)
{
    const char *hole = strstr(pattern, "{}");
    int pre = (int)(rel - path);
    if (!hole)
        (void)snprintf(out, size, "%.*s%s", pre, path, pattern);
    else
        (void)snprintf(out, size, "%.*s%.*s[token]%s", pre, path, (int)(hole - pattern), pattern,
                       hole + 2);
}

void web_path_for_log(const struct web_route *const *tables, const struct web_site *site,
                      const char *path, char *out, size_t size)
{
    if (size == 0)
        return;
    const char *rel = web_strip_prefix(site, path);
    for (size_t t = 0; tables && tables[t]; t++)
        for (const struct web_route *r = tables[t]; r->pattern; r++)
            if (web_route_match(r->pattern, rel, NULL)) {
                log_pattern(path, rel, r->pattern, out, size);
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

int web_link(const struct web_site *site, const char *rel, struct sbuf *out)
{
    const char *b = site->base_url ? site->base_url : "";
    size_t n = strcspn(b, "?#");
    while (n > 0 && b[n - 1] == '/')
        n--;
    if (n == 0)
        return sbuf_printf(out, "%s%s", site->prefix, rel);
    return sbuf_printf(out, "%.*s%s", (int)n, b, rel);
}

void web_resp_init(struct web_resp *r)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
    r->content_type = "text/html; charset=utf-8";
    sbuf_init(&r->body, WEB_MAX_RESPONSE);
}

void web_resp_free(struct web_resp *r)
{
    if (r)
        sbuf_free(&r->body);
}

int web_resp_header(struct web_resp *r, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    if (nl == 0 || nl >= sizeof r->headers[0].name)
        return URS_EINVAL;
    for (size_t i = 0; i < nl; i++)
        if (!arg_char(name[i]))
            return URS_EINVAL;
    for (size_t i = 0; i < vl; i++)
        if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] >= 0x7f)
            return URS_EINVAL;
    if (r->n_headers >= WEB_RESP_HEADERS || vl >= sizeof r->headers[0].value)
        return URS_ELIMIT;
    memcpy(r->headers[r->n_headers].name, name, nl + 1);
    memcpy(r->headers[r->n_headers].value, value, vl + 1);
    r->n_headers++;
    return URS_OK;
}

int web_dispatch(const struct web_site *site, struct web_req *req, const char *raw_path,
                 struct web_resp *resp)
{
    const struct web_route *route = NULL;
    unsigned allow = 0;
    req->path = web_strip_prefix(site, raw_path);
    int code = web_route_find(web_route_tables, req->path, req->method, &route, req->arg, &allow);
    int rc = URS_OK;
    if (code == 0) {
        rc = route->handler(site, req, resp);
        if (rc == URS_OK)
            return URS_OK;
        code = 503;
    }
    sbuf_reset(&resp->body);
    resp->n_headers = 0;
    if (code == 405) {
        char list[32];
        web_allow_list(allow, list, sizeof list);
        (void)web_resp_header(resp, "Allow", list);
    }
    if (code == 503)
        (void)web_resp_header(resp, "Retry-After", "60");
    return web_resp_page_status(resp, site, code);
}
