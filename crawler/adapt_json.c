/* SPDX-License-Identifier: MIT */
/* Untrusted JSON for the adapters: a depth guard before jansson, typed getters that warn. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/utf8.h"
#include "crawler/adapt.h"

/* Refuse nesting deeper than URS_MAX_JSON_DEPTH: jansson recurses once per level. */
static bool depth_ok(const char *s, size_t len, int *line, int *col)
{
    int depth = 0;
    int ln = 1;
    size_t line_start = 0;
    bool in_str = false;
    bool esc = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\n') {
            ln++;
            line_start = i + 1;
        }
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > URS_MAX_JSON_DEPTH) {
                *line = ln;
                *col = (int)(i - line_start + 1);
                return false;
            }
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return true;
}

/*
 * Drop "\u0000" escapes (a real escape, not an escaped backslash before "u0000"): a NUL would
 * cut every C string read from the value. Columns after one shift by 6 in error messages.
 */
static int strip_nul_escapes(const char *s, size_t len, struct sbuf *out)
{
    bool in_str = false;
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        if (!in_str) {
            in_str = s[i] == '"';
            continue;
        }
        if (s[i] == '"') {
            in_str = false;
        } else if (s[i] == '\\') {
            if (len - i >= 6 && memcmp(s + i, "\\u0000", 6) == 0) {
                int rc = sbuf_append(out, s + from, i - from);
                if (rc != URS_OK)
                    return rc;
                from = i + 6;
            }
            i++; /* the escaped character */
        }
    }
    int rc = sbuf_append(out, s + from, len - from);
    return rc == URS_OK ? sbuf_append(out, "", 0) : rc;
}

/* Line/column in the enclosing document of a position (l, c) inside data at (line0, col0). */
static void shift(int line0, int col0, int *l, int *c)
{
    if (*l <= 1)
        *c += col0 - 1;
    *l += line0 - 1;
}

int crawl_json_load(struct crawl_job *job, const char *url, const char *data, size_t len,
                    json_t **out, struct err *e)
{
    return crawl_json_load_at(job, url, data, len, 1, 1, out, e);
}

int crawl_json_load_at(struct crawl_job *job, const char *url, const char *data, size_t len,
                       int line0, int col0, json_t **out, struct err *e)
{
    *out = NULL;
    const char *where = url ? url : "document";
    struct sbuf fixed;
    sbuf_init(&fixed, len * 3 + 16);
    if (!utf8_valid(data, len)) {
        log_warn("source=%s url=%.120s: invalid UTF-8 replaced by U+FFFD", crawl_job_name(job),
                 where);
        if (crawl_utf8_repair(data, len, &fixed) != URS_OK)
            return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
        data = sbuf_str(&fixed);
        len = fixed.len;
    }
    struct sbuf no_nul;
    sbuf_init(&no_nul, len + 16);
    if (memmem(data, len, "\\u0000", 6)) {
        if (strip_nul_escapes(data, len, &no_nul) != URS_OK) {
            sbuf_free(&fixed);
            return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
        }
        data = sbuf_str(&no_nul);
        len = no_nul.len;
    }
    int line = 0, col = 0;
    int rc = URS_OK;
    if (!depth_ok(data, len, &line, &col)) {
        shift(line0, col0, &line, &col);
        rc = err_set(e, URS_ELIMIT, "%s: %.100s: %d:%d: JSON nested deeper than %d levels",
                     crawl_job_name(job), where, line, col, URS_MAX_JSON_DEPTH);
    } else {
        json_error_t jerr;
        *out = json_loadb(data, len, JSON_ALLOW_NUL, &jerr);
        line = jerr.line;
        col = jerr.column;
        shift(line0, col0, &line, &col);
        if (!*out)
            rc = err_set(e, URS_EPARSE, "%s: %.100s: %d:%d: %s", crawl_job_name(job), where, line,
                         col, jerr.text);
    }
    sbuf_free(&no_nul);
    sbuf_free(&fixed);
    return rc;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static void mistyped(struct crawl_job *job, const char *key, const char *want, const json_t *v)
{
    log_warn("source=%s: field %s: expected %s, got %s: treated as absent", crawl_job_name(job),
             key, want, type_name(v));
}

/* The member key of obj, or NULL when obj is no object, the key is absent, or null. */
static json_t *member(json_t *obj, const char *key)
{
    if (!json_is_object(obj))
        return NULL;
    json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v) ? v : NULL;
}

json_t *crawl_json_obj(struct crawl_job *job, json_t *obj, const char *key)
{
    json_t *v = member(obj, key);
    if (v && !json_is_object(v)) {
        mistyped(job, key, "object", v);
        return NULL;
    }
    return v;
}

json_t *crawl_json_arr(struct crawl_job *job, json_t *obj, const char *key)
{
    json_t *v = member(obj, key);
    if (v && !json_is_array(v)) {
        mistyped(job, key, "array", v);
        return NULL;
    }
    return v;
}

const char *crawl_json_str(struct crawl_job *job, json_t *obj, const char *key)
{
    json_t *v = member(obj, key);
    if (v && !json_is_string(v)) {
        mistyped(job, key, "string", v);
        return NULL;
    }
    return v ? json_string_value(v) : NULL;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end || errno || !isfinite(d))
        return false;
    *out = d;
    return true;
}

bool crawl_json_num(struct crawl_job *job, json_t *obj, const char *key, double *out)
{
    json_t *v = member(obj, key);
    if (!v)
        return false;
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (isfinite(d)) {
            *out = d;
            return true;
        }
    } else if (json_is_string(v) && parse_double(json_string_value(v), out)) {
        return true;
    }
    mistyped(job, key, "number", v);
    return false;
}

bool crawl_json_bool(struct crawl_job *job, json_t *obj, const char *key, bool *out)
{
    json_t *v = member(obj, key);
    if (!v)
        return false;
    if (!json_is_boolean(v)) {
        mistyped(job, key, "boolean", v);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

int crawl_json_set_value(char **field, json_t *v)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    char *copy = malloc(len + 1);
    if (!copy)
        return URS_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\0')
            copy[n++] = s[i];
    copy[n] = '\0';
    free(*field);
    *field = copy;
    return URS_OK;
}

int crawl_json_set(struct crawl_job *job, char **field, json_t *obj, const char *key,
                   bool allow_int)
{
    json_t *v = member(obj, key);
    if (!v)
        return URS_OK;
    if (json_is_string(v))
        return crawl_json_set_value(field, v);
    if (allow_int && json_is_integer(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return posting_set(field, buf);
    }
    mistyped(job, key, allow_int ? "string or integer" : "string", v);
    return URS_OK;
}

int crawl_json_response(struct crawl_job *job, const struct crawl_request *rq,
                        const struct crawl_response *rs, json_t **out, struct err *e)
{
    *out = NULL;
    int rc = crawl_response_check(job, rq, rs, e);
    if (rc != URS_OK)
        return rc;
    rc = crawl_json_load(job, rq->url, rs->body, rs->body_len, out, e);
    if (rc != URS_OK)
        return crawl_parse_failed(job, rq, rc, e);
    return URS_OK;
}
