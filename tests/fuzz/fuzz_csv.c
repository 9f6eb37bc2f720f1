/* SPDX-License-Identifier: MIT */
/* Fuzz the CSV reader of `import` (cli_csv_read) against libcsv's strict parser as an oracle:
 * on input without CR (where the two differ by design: libcsv ends a record at a lone CR, the
 * reader refuses it), both accept the same records with the same fields or both refuse. Records
 * of one empty field are left out on both sides (libcsv skips empty lines, the reader returns
 * them as such a record); the
 * quote that neutralises a formula cell is stripped from both. Every
 * accepted record written back as RFC 4180 reads back the same. */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"
#include "fuzz.h"

#define MAX_FIELDS  64
#define MAX_RECORDS 256

struct records {
    size_t n;
    size_t fields[MAX_RECORDS];
    char *text[MAX_RECORDS]; /* fields joined as length:bytes, malloc'd */
    size_t len[MAX_RECORDS];
    char *cur;
    size_t cur_len, cur_fields;
    bool overflow;
    bool strip; /* drop the quote before a formula character, as the reader does */
};

static void grow_append(struct records *r, const char *s, size_t n)
{
    if (r->strip && n > 1 && s[0] == '\'' && strchr("=+-@\t\r'", s[1])) {
        s++;
        n--;
    }
    char head[24];
    int h = snprintf(head, sizeof head, "%zu:", n);
    char *bigger = realloc(r->cur, r->cur_len + (size_t)h + n + 1);
    if (!bigger)
        abort();
    r->cur = bigger;
    memcpy(r->cur + r->cur_len, head, (size_t)h);
    if (n)
        memcpy(r->cur + r->cur_len + h, s, n);
    r->cur_len += (size_t)h + n;
    r->cur_fields++;
}

static void end_record(struct records *r)
{
    if (r->cur_fields == 1 && r->cur_len == 2) { /* one empty field ("0:"): see the top */
        free(r->cur);
        r->cur = NULL;
        r->cur_len = r->cur_fields = 0;
        return;
    }
    if (r->n >= MAX_RECORDS) {
        r->overflow = true;
        free(r->cur);
    } else {
        r->fields[r->n] = r->cur_fields;
        r->text[r->n] = r->cur;
        r->len[r->n] = r->cur_len;
        r->n++;
    }
    r->cur = NULL;
    r->cur_len = r->cur_fields = 0;
}

static void on_field(void *s, size_t len, void *data)
{
    grow_append(data, s ? s : "", len);
}

static void on_record(int c, void *data)
{
    (void)c;
    end_record(data);
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0; /* RFC 4180: spaces are part of a field */
}

static void records_free(struct records *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->text[i]);
    free(r->cur);
}

/* libcsv strict over data; true when it accepted all of it. */
static bool oracle(const uint8_t *data, size_t size, struct records *r)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        abort();
    csv_set_space_func(&p, no_space);
    bool ok = csv_parse(&p, data, size, on_field, on_record, r) == size &&
              csv_fini(&p, on_field, on_record, r) == 0;
    csv_free(&p);
    return ok;
}

/* One record as RFC 4180 with every field quoted, then read back. */
static void check_round_trip(char *const *fields, size_t n)
{
    size_t cap = 2;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(fields[i]) + 3;
    char *buf = malloc(cap), *o = buf;
    if (!buf)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *c = fields[i]; *c; c++) {
            if (*c == '"')
                *o++ = '"';
            *o++ = *c;
        }
        *o++ = '"';
    }
    *o++ = '\r';
    *o++ = '\n';
    FILE *f = fmemopen(buf, (size_t)(o - buf), "r");
    if (!f)
        abort();
    char *back[MAX_FIELDS];
    size_t m = 0, line = 0;
    struct err e;
    err_clear(&e);
    if (cli_csv_read(f, back, MAX_FIELDS, &m, &line, &e) != URS_OK || m != n)
        abort();
    for (size_t i = 0; i < n; i++) {
        /* a leading quote before a formula character is stripped once more: compare after it */
        const char *want = fields[i];
        if (want[0] == '\'' && want[1] && strchr("=+-@\t\r'", want[1]))
            want++;
        if (strcmp(back[i], want) != 0)
            abort();
        free(back[i]);
    }
    fclose(f);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 65536 || memchr(data, '\0', size))
        return 0; /* the reader takes text; NUL bytes end C strings in the fields */
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        abort();
    struct records ours = {0};
    int rc = URS_OK;
    size_t line = 0, last_line = 0;
    while (!ours.overflow) {
        char *fields[MAX_FIELDS];
        size_t n = 0;
        struct err e;
        err_clear(&e);
        rc = cli_csv_read(f, fields, MAX_FIELDS, &n, &line, &e);
        if (rc != URS_OK) {
            if (rc != URS_ENOTFOUND && !e.msg[0])
                abort(); /* every refusal says why */
            break;
        }
        if (line < last_line || n == 0 || n > MAX_FIELDS)
            abort();
        last_line = line;
        check_round_trip(fields, n);
        for (size_t i = 0; i < n; i++)
            grow_append(&ours, fields[i], strlen(fields[i]));
        end_record(&ours);
        for (size_t i = 0; i < n; i++)
            free(fields[i]);
    }
    fclose(f);
    if (!memchr(data, '\r', size) && !ours.overflow && rc != URS_ELIMIT) {
        struct records lib = {.strip = true};
        bool lib_ok = oracle(data, size, &lib);
        bool ours_ok = rc == URS_ENOTFOUND;
        if (lib_ok != ours_ok)
            abort();
        if (ours_ok && !lib.overflow) {
            if (lib.n != ours.n)
                abort();
            for (size_t i = 0; i < ours.n; i++)
                if (lib.fields[i] != ours.fields[i] || lib.len[i] != ours.len[i] ||
                    memcmp(lib.text[i], ours.text[i], ours.len[i]) != 0)
                    abort();
        }
        records_free(&lib);
    }
    records_free(&ours);
    return 0;
}
