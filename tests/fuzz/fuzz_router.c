/* SPDX-License-Identifier: MIT */
/* Fuzz the web router: method + path to a route and its token, the base_url prefix, the log form
 * of a path and response headers. Input: byte 0 picks the method and the log buffer size, then
 * NUL- or LF-separated fields: path, base_url, header name, header value. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "web/web_int.h"

#define FIELDS 4

static bool token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Split data[1..size) at LF or NUL into up to FIELDS owned strings ("" when missing). */
static void split(const uint8_t *data, size_t size, char *field[FIELDS])
{
    size_t at = 1;
    for (int i = 0; i < FIELDS; i++) {
        size_t end = at;
        while (end < size && data[end] != '\n' && data[end] != '\0')
            end++;
        size_t n = at < size ? end - at : 0;
        field[i] = malloc(n + 1);
        if (!field[i])
            abort();
        if (n)
            memcpy(field[i], data + at, n);
        field[i][n] = '\0';
        at = end + 1;
    }
}

static void check_route(const char *path, enum web_method method)
{
    const struct web_route *route = (const struct web_route *)1;
    char arg[WEB_MAX_ARG + 1], again[WEB_MAX_ARG + 1];
    unsigned allow = 99;
    memset(arg, 'x', sizeof arg);
    int code = web_route_find(web_route_tables, path, method, &route, arg, &allow);
    size_t n = strnlen(arg, sizeof arg);
    if (n > WEB_MAX_ARG)
        abort(); /* not terminated */
    if (code == 0) {
        unsigned want = method == WEB_HEAD ? WEB_GET : (unsigned)method;
        if (!route || !(route->methods & want) || !web_route_match(route->pattern, path, again) ||
            strcmp(again, arg) != 0)
            abort();
        if ((strstr(route->pattern, "{}") != NULL) != (n > 0))
            abort();
        for (size_t i = 0; i < n; i++)
            if (!token_char(arg[i]))
                abort();
    } else if (route || n || (code == 405) != (allow != 0) || (code != 404 && code != 405)) {
        abort();
    }
}

static void check_log(const struct web_site *site, const char *path, size_t size)
{
    char *out = malloc(size); /* exact size: ASan sees any overrun */
    if (!out)
        abort();
    web_path_for_log(web_route_tables, site, path, out, size);
    size_t n = strnlen(out, size);
    if (n >= size)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f)
            abort(); /* nothing unprintable reaches the log */
    free(out);
}

static void check_prefix(struct web_site *site, const char *base_url, const char *path)
{
    struct err e;
    err_clear(&e);
    if (web_site_prefix(site, base_url, &e) != URS_OK) {
        if (!e.msg[0])
            abort();
        return;
    }
    size_t pl = strlen(site->prefix);
    if (pl >= WEB_MAX_PREFIX || (pl && site->prefix[pl - 1] == '/'))
        abort();
    const char *rel = web_strip_prefix(site, path);
    if (rel != path && (rel != path + pl || *rel != '/'))
        abort();
    struct sbuf link;
    sbuf_init(&link, 4096);
    if (web_link(site, "/p/x", &link) == URS_OK && !strstr(sbuf_str(&link), "/p/x"))
        abort();
    sbuf_free(&link);
}

static void check_header(const char *name, const char *value)
{
    struct web_resp resp;
    web_resp_init(&resp);
    if (web_resp_header(&resp, name, value) == URS_OK) {
        if (resp.n_headers != 1)
            abort();
        for (const char *p = resp.headers[0].name; *p; p++)
            if (!token_char(*p))
                abort();
        for (const unsigned char *p = (const unsigned char *)resp.headers[0].value; *p; p++)
            if (*p < 0x20 || *p >= 0x7f)
                abort(); /* no CR/LF: no header splitting */
    }
    web_resp_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const enum web_method methods[] = {WEB_GET, WEB_HEAD, WEB_POST, 0};
    enum web_method method = methods[data[0] & 3];
    size_t log_size = 1 + (data[0] >> 2) * 2; /* 1..127 bytes */
    char *field[FIELDS];
    split(data, size, field);
    struct web_site site;
    memset(&site, 0, sizeof site);
    site.base_url = field[1];
    site.site_name = "fuzz";

    check_route(field[0], method);
    check_log(&site, field[0], log_size);
    check_prefix(&site, field[1], field[0]);
    check_route(web_strip_prefix(&site, field[0]), method);
    check_log(&site, field[0], log_size);
    check_header(field[2], field[3]);
    char allow[32];
    web_allow_list(data[0] & 7, allow, sizeof allow);
    for (int i = 0; i < FIELDS; i++)
        free(field[i]);
    return 0;
}
