/* SPDX-License-Identifier: MIT */
/* Capped growable strings: going over the cap is an error, never a silent truncation. */
#include "common/sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void sbuf_free(struct sbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void sbuf_reset(struct sbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int grow(struct sbuf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need + 1) {
        if (cap > ((size_t)-1) / 2) {
            cap = need + 1;
            break;
        }
        cap *= 2;
    }
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return URS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return URS_OK;
}

int sbuf_append(struct sbuf *b, const void *data, size_t len)
{
    if (len > b->max || b->len > b->max - len) {
        sbuf_free(b);
        return URS_ELIMIT;
    }
    if (b->len + len + 1 > b->cap && grow(b, b->len + len) != URS_OK) {
        sbuf_free(b);
        return URS_ENOMEM;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return URS_OK;
}

int sbuf_puts(struct sbuf *b, const char *s)
{
    return sbuf_append(b, s, strlen(s));
}

int sbuf_putc(struct sbuf *b, char c)
{
    return sbuf_append(b, &c, 1);
}

int sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0)
        return URS_EINVAL;
    if ((size_t)n < sizeof small)
        return sbuf_append(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        sbuf_free(b);
        return URS_ENOMEM;
    }
    (void)vsnprintf(big, (size_t)n + 1, fmt, ap);
    int rc = sbuf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

int sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *sbuf_str(const struct sbuf *b)
{
    return b->data ? b->data : "";
}

char *sbuf_take(struct sbuf *b)
{
    char *s = b->data ? b->data : calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return s;
}

void sbuf_truncate(struct sbuf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}
