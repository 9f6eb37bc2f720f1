/* SPDX-License-Identifier: MIT */
/* CSV per RFC 4180, with spreadsheet formula cells neutralised and restored on import. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"
#include "common/limits.h"
#include "common/text.h"

static const char *const columns[] = {
    "id",          "source",        "external_id",    "url",           "title",
    "employer",    "location",      "description",    "posted_at",     "valid_through",
    "first_seen",  "last_seen",     "closed_at",      "disciplines",   "work_mode",
    "schedule",    "license_states", "salary_min",    "salary_max",    "salary_period",
    "salary_annual", "role_family", "ur_role",        "ur_score",      "evidence",
    "work_hint",   "employment_hint", "salary_hint_min", "salary_hint_max", "salary_hint_period"};
#define COLUMN_COUNT (sizeof columns / sizeof columns[0])

/*
 * A cell a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading quote; so does
 * one that already starts with a quote, so import can always strip exactly one.
 */
static int put_cell(struct sbuf *out, const char *s, bool last)
{
    int rc = URS_OK;
    s = s ? s : "";
    bool neutralise = strchr("=+-@\t\r'", s[0]) != NULL && s[0] != '\0';
    bool quote = neutralise || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        rc = sbuf_putc(out, '"');
    if (rc == URS_OK && neutralise)
        rc = sbuf_putc(out, '\'');
    for (const char *c = s; *c && rc == URS_OK; c++)
        rc = *c == '"' ? sbuf_puts(out, "\"\"") : sbuf_putc(out, *c);
    if (rc == URS_OK && quote)
        rc = sbuf_putc(out, '"');
    if (rc == URS_OK)
        rc = last ? sbuf_puts(out, "\r\n") : sbuf_putc(out, ',');
    return rc;
}

int cli_csv_header(struct sbuf *out)
{
    int rc = URS_OK;
    for (size_t i = 0; i < COLUMN_COUNT && rc == URS_OK; i++)
        rc = put_cell(out, columns[i], i + 1 == COLUMN_COUNT);
    return rc;
}

/* A JSON value as cell text: strings as is, arrays of strings joined by ';', others as JSON. */
static char *cell_text(json_t *v)
{
    if (!v || json_is_null(v))
        return strdup("");
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_array(v) && (json_array_size(v) == 0 || json_is_string(json_array_get(v, 0)))) {
        struct sbuf b;
        sbuf_init(&b, URS_MAX_JSONL_LINE);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if ((i && sbuf_putc(&b, ';') != URS_OK) ||
                sbuf_puts(&b, json_string_value(x) ? json_string_value(x) : "") != URS_OK)
                return NULL;
        }
        return sbuf_take(&b);
    }
    if (json_is_real(v)) {
        char buf[64];
        (void)snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        return strdup(buf);
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

static json_t *lookup(json_t *rec, const char *column)
{
    static const char *const salary_parts[] = {"min", "max", "period", "annual"};
    if (strncmp(column, "salary_", 7) == 0) {
        bool hint = strncmp(column, "salary_hint_", 12) == 0;
        const char *part = column + (hint ? 12 : 7);
        for (size_t i = 0; i < 4; i++)
            if (strcmp(part, salary_parts[i]) == 0)
                return json_object_get(json_object_get(rec, hint ? "salary_hint" : "salary"),
                                       part);
    }
    return json_object_get(rec, column);
}

int cli_csv_row(struct sbuf *out, const struct posting *p)
{
    json_t *rec = cli_posting_to_json(p);
    if (!rec)
        return URS_ENOMEM;
    int rc = URS_OK;
    for (size_t i = 0; i < COLUMN_COUNT && rc == URS_OK; i++) {
        char *cell = cell_text(lookup(rec, columns[i]));
        if (!cell) {
            rc = URS_ENOMEM;
            break;
        }
        rc = put_cell(out, cell, i + 1 == COLUMN_COUNT);
        free(cell);
    }
    json_decref(rec);
    return rc;
}

/* ---- reading ---- */

static void free_fields(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(fields[i]);
        fields[i] = NULL;
    }
}

static int end_field(struct sbuf *cell, char **fields, size_t max, size_t *n, struct err *e,
                     size_t line)
{
    if (*n >= max)
        return err_set(e, URS_ELIMIT, "line %zu: more than %zu fields", line, max);
    const char *s = sbuf_str(cell);
    fields[*n] = strdup(s[0] == '\'' && strchr("=+-@\t\r'", s[1]) && s[1] ? s + 1 : s);
    if (!fields[*n])
        return err_set(e, URS_ENOMEM, "out of memory");
    (*n)++;
    sbuf_reset(cell);
    return URS_OK;
}

/* After a closing quote: the byte that ends the field must follow (RFC 4180 2.7). */
static int after_quote(FILE *f, size_t line, struct err *e)
{
    int next = fgetc(f);
    if (next == '\r') {
        int lf = fgetc(f);
        if (lf != '\n' && lf != EOF)
            return err_set(e, URS_EPARSE, "line %zu: CR without LF after a quoted field", line);
        if (lf != EOF)
            ungetc(lf, f);
        return URS_OK;
    }
    if (next != ',' && next != '\n' && next != EOF)
        return err_set(e, URS_EPARSE, "line %zu: text after the closing quote of a field", line);
    if (next != EOF)
        ungetc(next, f);
    return URS_OK;
}

/*
 * The reader fails closed where a lenient one would guess (as libcsv's strict mode does): a
 * quote inside an unquoted field, text after a closing quote and a CR not followed by LF are
 * errors naming the line, never repaired into a different cell.
 */
int cli_csv_read(FILE *f, char **fields, size_t max_fields, size_t *n_fields, size_t *line,
                 struct err *e)
{
    struct sbuf cell;
    sbuf_init(&cell, URS_MAX_JSONL_LINE);
    bool quoted = false, any = false;
    size_t start = *line + 1;
    int c, rc = URS_OK;
    *n_fields = 0;
    while (rc == URS_OK && (c = fgetc(f)) != EOF) {
        any = true;
        if (quoted) {
            if (c == '"') {
                int next = fgetc(f);
                if (next == '"') {
                    rc = sbuf_putc(&cell, '"');
                } else {
                    quoted = false;
                    if (next != EOF)
                        ungetc(next, f);
                    rc = after_quote(f, start, e);
                }
            } else {
                if (c == '\n')
                    (*line)++;
                rc = sbuf_putc(&cell, (char)c);
            }
        } else if (c == '"') {
            rc = cell.len == 0
                     ? (quoted = true, URS_OK)
                     : err_set(e, URS_EPARSE, "line %zu: quote inside an unquoted field", start);
        } else if (c == ',') {
            rc = end_field(&cell, fields, max_fields, n_fields, e, start);
        } else if (c == '\n') {
            (*line)++;
            break;
        } else if (c == '\r') {
            int lf = fgetc(f);
            if (lf != '\n' && lf != EOF)
                rc = err_set(e, URS_EPARSE, "line %zu: CR without LF", start);
            else if (lf == '\n')
                ungetc(lf, f);
        } else {
            rc = sbuf_putc(&cell, (char)c);
        }
        if (rc == URS_ELIMIT)
            rc = err_set(e, URS_ELIMIT, "line %zu: a field over %d bytes", start,
                         URS_MAX_JSONL_LINE);
    }
    if (rc == URS_OK && quoted)
        rc = err_set(e, URS_EPARSE, "line %zu: unterminated quoted field", start);
    if (rc == URS_OK && any)
        rc = end_field(&cell, fields, max_fields, n_fields, e, start);
    sbuf_free(&cell);
    if (rc != URS_OK) {
        free_fields(fields, *n_fields);
        *n_fields = 0;
        return e && e->code ? e->code : rc;
    }
    return any ? URS_OK : URS_ENOTFOUND;
}

static json_t *cell_value(const char *column, const char *s)
{
    if (!*s)
        return json_null();
    if (strcmp(column, "disciplines") == 0 || strcmp(column, "schedule") == 0 ||
        strcmp(column, "license_states") == 0) {
        json_t *a = json_array();
        char *copy = strdup(s), *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ";", &save) : NULL; tok;
             tok = strtok_r(NULL, ";", &save))
            json_array_append_new(a, json_string(tok));
        free(copy);
        return a;
    }
    if (strcmp(column, "evidence") == 0)
        return json_loads(s, 0, NULL);
    if (strcmp(column, "ur_role") == 0)
        return strcmp(s, "true") == 0 || strcmp(s, "false") == 0
                   ? json_boolean(strcmp(s, "true") == 0)
                   : NULL;
    char *end = NULL;
    errno = 0;
    if (strcmp(column, "id") == 0) {
        long long id = strtoll(s, &end, 10);
        return errno == 0 && end != s && *end == '\0' ? json_integer(id) : NULL;
    }
    if ((strncmp(column, "salary_", 7) == 0 && !strstr(column, "period")) ||
        strcmp(column, "ur_score") == 0) {
        double v = strtod(s, &end);
        return errno == 0 && end != s && *end == '\0' ? json_real(v) : NULL;
    }
    return json_string(s);
}

json_t *cli_csv_to_json(char *const *header, size_t n_header, char *const *fields, size_t n)
{
    json_t *rec = json_object();
    json_t *salary = json_object(), *hint = json_object();
    for (size_t i = 0; rec && i < n && i < n_header; i++) {
        const char *col = header[i];
        json_t *v = cell_value(col, fields[i]);
        if (!v) /* not a number or boolean where one belongs: kept as text, which the record
                   check reports with the field's name */
            v = json_string(fields[i]);
        if (strncmp(col, "salary_hint_", 12) == 0)
            json_object_set_new(hint, col + 12, v);
        else if (strncmp(col, "salary_", 7) == 0)
            json_object_set_new(salary, col + 7, v);
        else
            json_object_set_new(rec, col, v);
    }
    json_object_set_new(rec, "salary", salary);
    json_object_set_new(rec, "salary_hint", hint);
    return rec;
}
