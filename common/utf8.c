/* SPDX-License-Identifier: MIT */
/* UTF-8 decoding per RFC 3629 with U+FFFD substitution, and text cleaning for storage. */
#include "common/utf8.h"

#include <string.h>
#include <utf8proc.h>

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < need + 1) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return need + 1;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1)
            return false;
        i += n;
    }
    return true;
}

size_t utf8_boundary(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static bool dropped(uint32_t cp)
{
    if (cp < 0x20)
        return cp != '\t' && cp != '\n';
    if (cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
        return true;
    /* bidi embeddings/overrides and isolates can disguise text */
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return true;
    return cp == 0xFEFF || cp == 0x200B;
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x2007 || cp == 0x202F ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x3000;
}

struct cleaner {
    struct sbuf *out;
    size_t start; /* out->len when cleaning began */
    size_t cap;
    bool truncated;
    bool pending_space;
    int pending_newlines;
};

static int put(struct cleaner *c, const char *bytes, size_t n)
{
    if (c->truncated)
        return URS_OK;
    size_t used = c->out->len - c->start;
    if (used + n > c->cap) {
        c->truncated = true;
        return URS_OK;
    }
    return sbuf_append(c->out, bytes, n);
}

/* A run of printable ASCII: appended in one go, cut at the cap (any byte is a boundary). */
static int put_ascii(struct cleaner *c, const char *bytes, size_t n)
{
    size_t used = c->out->len - c->start;
    if (used + n > c->cap) {
        n = c->cap > used ? c->cap - used : 0;
        c->truncated = true;
    }
    return n ? sbuf_append(c->out, bytes, n) : URS_OK;
}

static int flush_ws(struct cleaner *c)
{
    int rc = URS_OK;
    bool at_start = c->out->len == c->start;
    if (!at_start && c->pending_newlines > 0)
        rc = put(c, "\n\n", c->pending_newlines > 1 ? 2 : 1);
    else if (!at_start && c->pending_space)
        rc = put(c, " ", 1);
    c->pending_newlines = 0;
    c->pending_space = false;
    return rc;
}

int utf8_clean(const char *in, size_t len, enum utf8_mode mode, size_t cap, struct sbuf *out,
               bool *truncated)
{
    struct cleaner c = {out, out->len, cap, false, false, 0};
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0;
    int rc = URS_OK;

    while (i < len && rc == URS_OK && !c.truncated) {
        if (p[i] > 0x20 && p[i] < 0x7F) {
            size_t j = i + 1;
            while (j < len && p[j] > 0x20 && p[j] < 0x7F)
                j++;
            rc = flush_ws(&c);
            if (rc == URS_OK)
                rc = put_ascii(&c, in + i, j - i);
            i = j;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        i += n;
        if (cp == '\r' && i < len && p[i] == '\n')
            continue; /* CRLF is one line break */
        if (cp == '\r')
            cp = '\n';
        if (cp == '\n' && mode == UTF8_MULTI_LINE) {
            c.pending_newlines++;
            c.pending_space = false;
            continue;
        }
        if (cp == '\n' || is_space(cp)) {
            c.pending_space = true;
            continue;
        }
        if (dropped(cp))
            continue;
        rc = flush_ws(&c);
        if (rc != URS_OK)
            break;
        char enc[4];
        size_t elen = utf8_encode(cp, enc);
        rc = put(&c, enc, elen);
    }
    if (truncated)
        *truncated = c.truncated;
    return rc;
}

char *utf8_clean_dup(const char *in, enum utf8_mode mode, size_t cap, bool *truncated)
{
    struct sbuf b;
    sbuf_init(&b, cap + 8);
    if (truncated)
        *truncated = false;
    if (in && utf8_clean(in, strlen(in), mode, cap, &b, truncated) != URS_OK)
        return NULL;
    return sbuf_take(&b);
}

size_t utf8_cp_width(uint32_t cp)
{
    if (cp < 0x7F)
        return cp >= 0x20; /* the common case without a table lookup */
    if (cp > 0x10FFFF)
        return 1;
    int w = utf8proc_charwidth((utf8proc_int32_t)cp);
    return w > 0 ? (size_t)w : 0;
}

size_t utf8_columns(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), cols = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(p + i, len - i, &cp);
        cols += utf8_cp_width(cp);
    }
    return cols;
}
