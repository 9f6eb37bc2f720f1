/* SPDX-License-Identifier: MIT */
/* Fuzz the form parser (urlencoded and multipart/form-data): every accepted form keeps the
 * documented limits and byte rules, and re-encoded as urlencoded parses back to the same fields.
 * Input: byte 0 picks the Content-Type (none, urlencoded, multipart with boundary "b0und", or
 * the first line of the input); the rest is the body, in a buffer of exactly its size. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "web/form.h"

static bool ctl(unsigned char c, bool is_name)
{
    if (c == 0x7f)
        return true;
    return c < 0x20 && (is_name || !(c == '\t' || c == '\r' || c == '\n'));
}

static void check_field(const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    if (nl == 0 || nl > WEB_FORM_MAX_NAME || vl > WEB_FORM_MAX_VALUE)
        abort();
    for (size_t i = 0; i < nl; i++)
        if (ctl((unsigned char)name[i], true))
            abort();
    for (size_t i = 0; i < vl; i++)
        if (ctl((unsigned char)value[i], false))
            abort();
}

static char *encode_form(const struct web_form *f, size_t *len)
{
    size_t cap = 1;
    for (size_t i = 0; i < f->n; i++)
        cap += 3 * (strlen(f->name[i]) + strlen(f->value[i])) + 2;
    char *out = malloc(cap), *o = out;
    if (!out)
        abort();
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            *o++ = '&';
        for (int part = 0; part < 2; part++) {
            for (const unsigned char *p = (const unsigned char *)(part ? f->value[i] : f->name[i]);
                 *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9')) {
                    *o++ = (char)*p;
                } else {
                    *o++ = '%';
                    *o++ = hex[*p >> 4];
                    *o++ = hex[*p & 15];
                }
            }
            if (!part)
                *o++ = '=';
        }
    }
    *len = (size_t)(o - out);
    return out;
}

static void check_round_trip(const struct web_form *f)
{
    size_t len = 0;
    char *body = encode_form(f, &len);
    struct web_form g;
    if (web_form_parse("application/x-www-form-urlencoded", body, len, &g) != URS_OK || g.n != f->n)
        abort();
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->name[i], g.name[i]) != 0 || strcmp(f->value[i], g.value[i]) != 0)
            abort();
    web_form_free(&g);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *rest = data + 1;
    size_t rest_len = size - 1;
    char *ctype = NULL;
    switch (data[0] & 3) {
    case 1:
        ctype = strdup("application/x-www-form-urlencoded");
        break;
    case 2:
        ctype = strdup("multipart/form-data; boundary=b0und");
        break;
    case 3: {
        const uint8_t *nl = memchr(rest, '\n', rest_len);
        size_t n = nl ? (size_t)(nl - rest) : rest_len;
        ctype = strndup((const char *)rest, n);
        rest += nl ? n + 1 : n;
        rest_len -= nl ? n + 1 : n;
        break;
    }
    default:
        break;
    }
    if ((data[0] & 3) && !ctype)
        abort();
    char *body = malloc(rest_len ? rest_len : 1);
    if (!body)
        abort();
    memcpy(body, rest, rest_len);

    struct web_form f;
    int rc = web_form_parse(ctype, body, rest_len, &f);
    if (rc == URS_OK) {
        if (f.n > WEB_FORM_MAX_FIELDS)
            abort();
        for (size_t i = 0; i < f.n; i++)
            check_field(f.name[i], f.value[i]);
        if (f.n &&
            (web_form_get(&f, f.name[0]) != f.value[0] || web_form_count(&f, f.name[0]) == 0))
            abort();
        check_round_trip(&f);
        web_form_free(&f);
    } else if (rc != URS_EPARSE && rc != URS_ELIMIT && rc != URS_ENOMEM) {
        abort();
    } else if (f.n != 0) {
        abort(); /* a refused form holds nothing */
    }
    (void)web_form_one_click(ctype, body, rest_len);
    free(body);
    free(ctype);
    return 0;
}
