/* SPDX-License-Identifier: MIT */
/* Form bodies: urlencoded and multipart/form-data, decoded into bounded fields. */
#include "web/form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static bool bad_byte(unsigned char c, bool is_name)
{
    if (c == 0x7f)
        return true;
    if (c >= 0x20)
        return false;
    return is_name || !(c == '\t' || c == '\r' || c == '\n');
}

/* Decode s[0..n) into a new string; URS_EPARSE, URS_ELIMIT or URS_ENOMEM. */
static int decode(const char *s, size_t n, bool is_name, char **out)
{
    size_t max = is_name ? WEB_FORM_MAX_NAME : WEB_FORM_MAX_VALUE;
    char *d = malloc(n + 1);
    if (!d)
        return URS_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(d);
                return URS_EPARSE;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (bad_byte(c, is_name)) {
            free(d);
            return URS_EPARSE;
        }
        d[o++] = (char)c;
    }
    d[o] = '\0';
    if (o > max) {
        free(d);
        return URS_ELIMIT;
    }
    *out = d;
    return URS_OK;
}

static int add(struct web_form *f, char *name, char *value)
{
    if (f->n >= WEB_FORM_MAX_FIELDS) {
        free(name);
        free(value);
        return URS_ELIMIT;
    }
    f->name[f->n] = name;
    f->value[f->n] = value;
    f->n++;
    return URS_OK;
}

static int parse_urlencoded(const char *b, size_t n, struct web_form *f)
{
    for (size_t at = 0; at < n;) {
        const char *amp = memchr(b + at, '&', n - at);
        size_t pair = amp ? (size_t)(amp - (b + at)) : n - at;
        if (pair > 0) {
            const char *eq = memchr(b + at, '=', pair);
            if (!eq || eq == b + at)
                return URS_EPARSE;
            size_t name_n = (size_t)(eq - (b + at));
            char *name = NULL, *value = NULL;
            int rc = decode(b + at, name_n, true, &name);
            if (rc == URS_OK)
                rc = decode(eq + 1, pair - name_n - 1, false, &value);
            if (rc == URS_OK && memchr(value, '=', strlen(value)) &&
                !memchr(eq + 1, '%', pair - name_n - 1))
                rc = URS_EPARSE; /* a raw '=' in a value: not what a browser sends */
            if (rc != URS_OK) {
                free(name);
                free(value);
                return rc;
            }
            if ((rc = add(f, name, value)) != URS_OK)
                return rc;
        }
        at += pair + 1;
    }
    return URS_OK;
}

/* The value of parameter key in a header value ("form-data; name=\"x\""), into out. */
static bool find_param(const char *v, size_t vn, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 1 < vn + 1; i++) {
        if ((i > 0 && v[i - 1] != ';' && v[i - 1] != ' ' && v[i - 1] != '\t') ||
            strncasecmp(v + i, key, kl) != 0 || i + kl >= vn || v[i + kl] != '=')
            continue;
        const char *p = v + i + kl + 1, *end = v + vn;
        bool quoted = p < end && *p == '"';
        p += quoted;
        size_t o = 0;
        while (p < end && (quoted ? *p != '"' : (*p != ';' && *p != ' ' && *p != '\t'))) {
            if ((unsigned char)*p < 0x20 || o + 1 >= size)
                return false;
            out[o++] = *p++;
        }
        if (quoted && (p >= end || *p != '"'))
            return false;
        out[o] = '\0';
        return o > 0;
    }
    return false;
}

/* One part head: the field name of a form-data part, into name. */
static bool part_name(const char *h, size_t n, char *name, size_t size)
{
    for (size_t at = 0; at < n;) {
        const char *crlf = memmem(h + at, n - at, "\r\n", 2);
        size_t len = crlf ? (size_t)(crlf - (h + at)) : n - at;
        const char *colon = memchr(h + at, ':', len);
        if (colon && (size_t)(colon - (h + at)) == 19 &&
            strncasecmp(h + at, "Content-Disposition", 19) == 0) {
            const char *v = colon + 1;
            size_t vn = len - (size_t)(v - (h + at));
            while (vn > 0 && (*v == ' ' || *v == '\t'))
                v++, vn--;
            return vn >= 9 && strncasecmp(v, "form-data", 9) == 0 &&
                   find_param(v, vn, "name", name, size);
        }
        at += len + 2;
    }
    return false;
}

static int add_copy(struct web_form *f, const char *name, const char *v, size_t n)
{
    if (n > WEB_FORM_MAX_VALUE)
        return URS_ELIMIT;
    for (const char *c = name; *c; c++) /* find_param stops only at C0: DEL gets here */
        if (bad_byte((unsigned char)*c, true))
            return URS_EPARSE;
    for (size_t i = 0; i < n; i++)
        if (bad_byte((unsigned char)v[i], false))
            return URS_EPARSE;
    char *nm = strdup(name), *val = malloc(n + 1);
    if (!nm || !val) {
        free(nm);
        free(val);
        return URS_ENOMEM;
    }
    memcpy(val, v, n);
    val[n] = '\0';
    return add(f, nm, val);
}

/* RFC 7578: --boundary CRLF head CRLF CRLF content CRLF --boundary ... --boundary-- */
static int parse_multipart(const char *b, size_t n, const char *boundary, struct web_form *f)
{
    char delim[WEB_MAX_BOUNDARY + 8], name[WEB_FORM_MAX_NAME + 1];
    size_t dn = strlen(boundary) + 4;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, dn - 4);
    const char *end = b + n, *after;
    if (n >= dn - 2 && strncmp(b, delim + 2, dn - 2) == 0) {
        after = b + dn - 2;
    } else {
        const char *first = memmem(b, n, delim, dn);
        if (!first)
            return URS_EPARSE;
        after = first + dn;
    }
    for (;;) {
        if (end - after >= 2 && after[0] == '-' && after[1] == '-')
            return URS_OK; /* the close delimiter */
        while (after < end && (*after == ' ' || *after == '\t'))
            after++;
        if (end - after < 2 || after[0] != '\r' || after[1] != '\n')
            return URS_EPARSE;
        const char *head = after + 2;
        const char *head_end = end - head >= 2 && head[0] == '\r' && head[1] == '\n'
                                   ? head
                                   : memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
        if (!head_end)
            return URS_EPARSE;
        const char *content = head_end + (head_end == head ? 2 : 4);
        const char *next = memmem(content, (size_t)(end - content), delim, dn);
        if (!next)
            return URS_EPARSE;
        if (!part_name(head, (size_t)(head_end - head), name, sizeof name))
            return URS_EPARSE;
        int rc = add_copy(f, name, content, (size_t)(next - content));
        if (rc != URS_OK)
            return rc;
        after = next + dn;
    }
}

int web_form_parse(const char *content_type, const char *body, size_t len, struct web_form *f)
{
    memset(f, 0, sizeof *f);
    int rc;
    if (content_type && strncasecmp(content_type, "multipart/form-data", 19) == 0) {
        char boundary[WEB_MAX_BOUNDARY + 1];
        if (!find_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary))
            return URS_EPARSE;
        rc = parse_multipart(body, len, boundary, f);
    } else {
        rc = parse_urlencoded(body, len, f);
    }
    if (rc != URS_OK)
        web_form_free(f);
    return rc;
}

void web_form_free(struct web_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->name[i]);
        free(f->value[i]);
    }
    f->n = 0;
}

const char *web_form_get(const struct web_form *f, const char *name)
{
    return web_form_nth(f, name, 0);
}

size_t web_form_count(const struct web_form *f, const char *name)
{
    size_t c = 0;
    for (size_t i = 0; i < f->n; i++)
        c += strcmp(f->name[i], name) == 0;
    return c;
}

const char *web_form_nth(const struct web_form *f, const char *name, size_t nth)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->name[i], name) == 0 && nth-- == 0)
            return f->value[i];
    return NULL;
}

bool web_form_one_click(const char *content_type, const char *body, size_t len)
{
    struct web_form f;
    if (web_form_parse(content_type, body, len, &f) != URS_OK)
        return false;
    bool found = false;
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.name[i], "List-Unsubscribe") == 0 && strcmp(f.value[i], "One-Click") == 0)
            found = true;
    web_form_free(&f);
    return found;
}
