/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request heads and RFC 8058 form bodies, read strictly and within fixed bounds. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "web/web_int.h"

#define MAX_METHOD 16 /* bytes of a method token we bother to read */
#define MAX_FIELD  64 /* bytes of a decoded form name or value worth comparing */

static const char one_click_name[] = "List-Unsubscribe";
static const char one_click_value[] = "One-Click";

const char *web_method_name(enum web_method m)
{
    return m == WEB_HEAD ? "HEAD" : m == WEB_POST ? "POST" : "GET";
}

size_t web_head_end(const char *buf, size_t len, size_t from)
{
    for (size_t i = from >= 3 ? from - 3 : 0; i + 4 <= len; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return i + 4;
    return 0;
}

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field-value byte: HTAB, SP, VCHAR or obs-text; never CR, LF, NUL or another control. */
static bool is_value_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* s[0..n) equals lit, exactly (case) or ignoring ASCII case (nocase). */
static bool same(const char *s, size_t n, const char *lit, bool nocase)
{
    if (strlen(lit) != n)
        return false;
    return nocase ? strncasecmp(s, lit, n) == 0 : strncmp(s, lit, n) == 0;
}

static int refuse(int *status, int http, int code)
{
    *status = http;
    return code;
}

/* "HTTP/1.1" or "HTTP/1.0": 0; another "HTTP/d.d": 505; anything else: 400. */
static int check_version(const char *v, size_t n)
{
    if (n != 8 || strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9')
        return 400;
    return v[5] == '1' && (v[7] == '0' || v[7] == '1') ? 0 : 505;
}

/* method SP request-target SP HTTP-version, without its CRLF. */
static int parse_request_line(const char *l, size_t n, struct web_request *req, bool *http11,
                              int *status)
{
    size_t m = 0;
    while (m < n && m <= MAX_METHOD && is_tchar((unsigned char)l[m]))
        m++;
    if (m == 0 || m > MAX_METHOD || m >= n || l[m] != ' ')
        return refuse(status, 400, URS_EPARSE);
    size_t t0 = m + 1, t = t0;
    while (t < n && l[t] > 0x20 && l[t] < 0x7f)
        t++;
    if (t == t0 || t >= n || l[t] != ' ')
        return refuse(status, 400, URS_EPARSE);
    int v = check_version(l + t + 1, n - t - 1);
    if (v != 0)
        return refuse(status, v, v == 505 ? URS_EINVAL : URS_EPARSE);
    *http11 = l[t + 8] == '1';
    if (same(l, m, "GET", false))
        req->method = WEB_GET;
    else if (same(l, m, "HEAD", false))
        req->method = WEB_HEAD;
    else if (same(l, m, "POST", false))
        req->method = WEB_POST;
    else
        return refuse(status, 405, URS_EINVAL);
    size_t tlen = t - t0;
    if (tlen > WEB_MAX_TARGET)
        return refuse(status, 414, URS_ELIMIT);
    /* origin-form only: what a reverse proxy sends; no fragment */
    if (l[t0] != '/' || memchr(l + t0, '#', tlen))
        return refuse(status, 400, URS_EPARSE);
    const char *q = memchr(l + t0, '?', tlen);
    size_t plen = q ? (size_t)(q - (l + t0)) : tlen;
    memcpy(req->path, l + t0, plen);
    req->path[plen] = '\0';
    return URS_OK;
}

/* Digits only, no sign, no overflow. */
static bool parse_length(const char *v, size_t n, size_t *out)
{
    size_t x = 0;
    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (size_t)(v[i] - '0');
    }
    *out = x;
    return true;
}

/*
 * Find parameter want in "type; a=b; c="d"" (the part after the first ';'), copying its
 * value (unquoted; a quoted-pair keeps its second byte) into out. False when missing,
 * malformed or too long for out.
 */
static bool find_param(const char *v, size_t n, const char *want, char *out, size_t size)
{
    size_t i = 0;
    while (i < n && v[i] != ';')
        i++;
    while (i < n) {
        i++; /* the ';' */
        while (i < n && is_ows(v[i]))
            i++;
        size_t name = i;
        while (i < n && is_tchar((unsigned char)v[i]))
            i++;
        size_t name_len = i - name, o = 0;
        if (name_len == 0 || i >= n || v[i] != '=')
            return false;
        bool match = same(v + name, name_len, want, true);
        if (++i < n && v[i] == '"') {
            for (i++; i < n && v[i] != '"'; i++) {
                if ((v[i] == '\\' && ++i >= n) || (unsigned char)v[i] < 0x20)
                    return false;
                if (match && o + 1 < size)
                    out[o++] = v[i];
                else if (match)
                    return false;
            }
            if (i++ >= n)
                return false;
        } else {
            for (; i < n && is_tchar((unsigned char)v[i]); i++) {
                if (match && o + 1 >= size)
                    return false;
                if (match)
                    out[o++] = v[i];
            }
        }
        if (match) {
            out[o] = '\0';
            return o > 0;
        }
        while (i < n && is_ows(v[i]))
            i++;
        if (i < n && v[i] != ';')
            return false;
    }
    return false;
}

static void parse_content_type(const char *v, size_t n, struct web_request *req)
{
    size_t t = 0;
    while (t < n && v[t] != ';' && !is_ows(v[t]))
        t++;
    req->form_urlencoded = same(v, t, "application/x-www-form-urlencoded", true);
    req->multipart = same(v, t, "multipart/form-data", true) &&
                     find_param(v, n, "boundary", req->boundary, sizeof req->boundary);
}

struct head {
    size_t hosts;
    bool transfer_encoding;
    size_t fields;
};

/* One "name: value" line without its CRLF. */
static int parse_field(const char *l, size_t n, struct web_request *req, struct head *h,
                       int *status)
{
    if (++h->fields > WEB_MAX_HEADERS)
        return refuse(status, 431, URS_ELIMIT);
    size_t c = 0;
    while (c < n && is_tchar((unsigned char)l[c]))
        c++;
    /* an empty name, obs-fold (leading space) or a space before the colon: refused */
    if (c == 0 || c >= n || l[c] != ':')
        return refuse(status, 400, URS_EPARSE);
    size_t v = c + 1, end = n;
    for (size_t i = v; i < n; i++)
        if (!is_value_byte((unsigned char)l[i]))
            return refuse(status, 400, URS_EPARSE);
    while (v < end && is_ows(l[v]))
        v++;
    while (end > v && is_ows(l[end - 1]))
        end--;
    size_t length;
    if (same(l, c, "Host", true)) {
        h->hosts++;
    } else if (same(l, c, "Transfer-Encoding", true)) {
        h->transfer_encoding = true;
    } else if (same(l, c, "Content-Type", true)) {
        parse_content_type(l + v, end - v, req);
    } else if (same(l, c, "Content-Length", true)) {
        if (!parse_length(l + v, end - v, &length) ||
            (req->has_length && req->content_length != length))
            return refuse(status, 400, URS_EPARSE);
        req->has_length = true;
        req->content_length = length;
    }
    return URS_OK;
}

/* The checks that need every field: Host, framing, size. */
static int check_head(const struct web_request *req, const struct head *h, bool http11, int *status)
{
    if ((http11 && h->hosts != 1) || h->hosts > 1)
        return refuse(status, 400, URS_EPARSE);
    if (h->transfer_encoding) /* chunked bodies are not needed here; no smuggling either */
        return refuse(status, req->has_length ? 400 : 411,
                      req->has_length ? URS_EPARSE : URS_EINVAL);
    if (req->method == WEB_POST && !req->has_length)
        return refuse(status, 411, URS_EINVAL);
    if (req->has_length && req->content_length > WEB_MAX_BODY)
        return refuse(status, 413, URS_ELIMIT);
    return URS_OK;
}

int web_request_parse(const char *buf, size_t len, struct web_request *req, int *status)
{
    memset(req, 0, sizeof *req);
    *status = 0;
    if (len > WEB_MAX_HEADER)
        return refuse(status, 431, URS_ELIMIT);
    if (len < 4 || web_head_end(buf, len, 0) != len)
        return refuse(status, 400, URS_EPARSE);
    struct head h = {0, false, 0};
    bool http11 = false;
    size_t at = 0;
    for (bool first = true;; first = false) {
        const char *crlf = NULL;
        for (size_t i = at; i + 1 < len && !crlf; i++)
            if (buf[i] == '\r' && buf[i + 1] == '\n')
                crlf = buf + i;
        size_t n = (size_t)(crlf - (buf + at));
        if (n == 0 && !first)
            break;
        int rc = first ? parse_request_line(buf + at, n, req, &http11, status)
                       : parse_field(buf + at, n, req, &h, status);
        if (rc != URS_OK)
            return rc;
        at += n + 2;
    }
    return check_head(req, &h, http11, status);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decode one urlencoded name or value into out (NUL-terminated); *out_len gets its length,
 * or SIZE_MAX when it does not fit (it then cannot match anything). False for a bad escape
 * or a decoded control byte.
 */
static bool form_decode(const char *s, size_t n, char out[MAX_FIELD + 1], size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return false;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f)
            return false;
        if (o < MAX_FIELD)
            out[o] = (char)c;
        o++;
    }
    out[o < MAX_FIELD ? o : MAX_FIELD] = '\0';
    *out_len = o <= MAX_FIELD ? o : SIZE_MAX;
    return true;
}

static bool urlencoded_one_click(const char *b, size_t n)
{
    bool found = false;
    char name[MAX_FIELD + 1], value[MAX_FIELD + 1];
    for (size_t at = 0; at < n;) {
        const char *amp = memchr(b + at, '&', n - at);
        size_t pair = amp ? (size_t)(amp - (b + at)) : n - at;
        const char *eq = memchr(b + at, '=', pair);
        size_t name_n = eq ? (size_t)(eq - (b + at)) : pair;
        size_t value_n = eq ? pair - name_n - 1 : 0;
        size_t name_len, value_len;
        if (!form_decode(b + at, name_n, name, &name_len) ||
            !form_decode(eq ? eq + 1 : b + at, value_n, value, &value_len))
            return false; /* malformed anywhere: refused as a whole */
        if (eq && name_len == strlen(one_click_name) && strcmp(name, one_click_name) == 0 &&
            value_len == strlen(one_click_value) && strcmp(value, one_click_value) == 0)
            found = true;
        at += pair + 1;
    }
    return found;
}

/* One multipart part's head: is it Content-Disposition: form-data; name="List-Unsubscribe"? */
static bool part_is_one_click(const char *h, size_t n)
{
    char name[MAX_FIELD + 1];
    for (size_t at = 0; at < n;) {
        const char *crlf = memmem(h + at, n - at, "\r\n", 2);
        size_t len = crlf ? (size_t)(crlf - (h + at)) : n - at;
        const char *colon = memchr(h + at, ':', len);
        if (colon && same(h + at, (size_t)(colon - (h + at)), "Content-Disposition", true)) {
            const char *v = colon + 1;
            size_t vn = len - (size_t)(v - (h + at));
            while (vn > 0 && is_ows(*v))
                v++, vn--;
            return vn >= 9 && strncasecmp(v, "form-data", 9) == 0 &&
                   find_param(v, vn, "name", name, sizeof name) &&
                   strcmp(name, one_click_name) == 0;
        }
        at += len + 2;
    }
    return false;
}

/* RFC 7578 body: --boundary CRLF head CRLF CRLF content CRLF --boundary ... --boundary-- */
static bool multipart_one_click(const char *b, size_t n, const char *boundary)
{
    char delim[WEB_MAX_BOUNDARY + 8];
    size_t dn = strlen(boundary) + 4;
    (void)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    const char *end = b + n, *after;
    /* the first delimiter may open the body, without the CRLF before it */
    if (n >= dn - 2 && strncmp(b, delim + 2, dn - 2) == 0) {
        after = b + dn - 2;
    } else {
        const char *first = memmem(b, n, delim, dn);
        if (!first)
            return false;
        after = first + dn;
    }
    for (;;) {
        if (end - after < 2 || (after[0] == '-' && after[1] == '-'))
            return false; /* the close delimiter, or truncated */
        while (after < end && is_ows(*after))
            after++;
        if (end - after < 2 || after[0] != '\r' || after[1] != '\n')
            return false;
        const char *head = after + 2;
        const char *head_end = end - head >= 2 && head[0] == '\r' && head[1] == '\n'
                                   ? head
                                   : memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
        if (!head_end)
            return false;
        const char *content = head_end + (head_end == head ? 2 : 4);
        const char *next = memmem(content, (size_t)(end - content), delim, dn);
        if (!next)
            return false;
        if (part_is_one_click(head, (size_t)(head_end - head)) &&
            (size_t)(next - content) == strlen(one_click_value) &&
            strncmp(content, one_click_value, strlen(one_click_value)) == 0)
            return true;
        after = next + dn;
    }
}

bool web_form_one_click(const struct web_request *req, const char *body, size_t len)
{
    if (req->multipart)
        return multipart_one_click(body, len, req->boundary);
    /* RFC 8058 senders declare the type; a bare body is read as urlencoded (curl -d does) */
    return urlencoded_one_click(body, len);
}
