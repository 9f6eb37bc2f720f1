/* SPDX-License-Identifier: MIT */
/* Evaluation: classify a labelled JSON Lines set and count hits and misses per tag and value. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/eval_int.h"
#include "common/limits.h"
#include "common/text.h"
#include "common/utf8.h"

#define EVAL_MAX_RECORDS 100000

static const char *const etag_names[ET_COUNT] = {"ur_role",  "role_family", "discipline", "work_mode",
                                                 "schedule", "license",     "is_posting"};

const char *etag_name(enum etag t)
{
    return etag_names[t];
}

size_t etag_values(enum etag t)
{
    static const size_t n[ET_COUNT] = {2,          ROLE_COUNT,  DISC_COUNT,
                                       MODE_COUNT, SCHED_COUNT, STATE_COUNT, 2};
    return n[t];
}

const char *etag_value_name(enum etag t, size_t v)
{
    switch (t) {
    case ET_UR:
        return v ? "yes" : "no";
    case ET_ROLE:
        return role_family_name((enum role_family)v);
    case ET_DISC:
        return disc_name((enum disc)v);
    case ET_MODE:
        return work_mode_name((enum work_mode)v);
    case ET_SCHED:
        return sched_name((enum sched)v);
    case ET_PAGE:
        return v ? "other" : "posting";
    default:
        return state_code((int)v);
    }
}

uint64_t eval_want_bits(const struct expect *x, enum etag t)
{
    switch (t) {
    case ET_UR:
        return UINT64_C(1) << (x->ur_role ? 1 : 0);
    case ET_ROLE:
        return UINT64_C(1) << x->role;
    case ET_DISC:
        return x->disciplines;
    case ET_MODE:
        return UINT64_C(1) << x->mode;
    case ET_SCHED:
        return x->schedule;
    case ET_PAGE:
        return UINT64_C(1) << (x->is_posting ? 0 : 1);
    default:
        return x->licenses;
    }
}

uint64_t eval_got_bits(const struct posting *p, enum etag t)
{
    switch (t) {
    case ET_UR:
        return UINT64_C(1) << (p->ur_role ? 1 : 0);
    case ET_ROLE:
        return UINT64_C(1) << p->role_family;
    case ET_DISC:
        return p->disciplines;
    case ET_MODE:
        return UINT64_C(1) << p->work_mode;
    case ET_SCHED:
        return p->schedule;
    case ET_PAGE:
        return UINT64_C(1) << (p->role_family == ROLE_ARTICLE ? 1 : 0);
    default:
        return p->license_states;
    }
}

bool eval_salary_equal(const struct salary *a, const struct salary *b)
{
    return a->period == b->period && fabs(a->min - b->min) < 0.005 && fabs(a->max - b->max) < 0.005;
}

double eval_micro_f1(const struct classify_eval *ev, enum etag t, struct counts *sum)
{
    struct counts s = {0, 0, 0};
    size_t from = t == ET_UR || t == ET_PAGE ? 1 : 0; /* the "yes" / "other" class only */
    for (size_t v = from; v < etag_values(t); v++) {
        s.tp += ev->c[t][v].tp;
        s.fp += ev->c[t][v].fp;
        s.fn += ev->c[t][v].fn;
    }
    if (sum)
        *sum = s;
    if (s.tp + s.fp + s.fn == 0)
        return 1;
    return 2.0 * (double)s.tp / (double)(2 * s.tp + s.fp + s.fn);
}

/* ---- reading labels ---- */

static int label_error(struct err *e, const char *path, size_t line, const char *what)
{
    return err_set(e, URS_EPARSE, "%s:%zu: labels: %s", path, line, what);
}

static int names_to_bits(json_t *arr, int (*parse)(const char *), uint64_t *out)
{
    size_t i;
    json_t *v;
    *out = 0;
    if (!json_is_array(arr))
        return URS_EPARSE;
    json_array_foreach(arr, i, v)
    {
        int bit = json_is_string(v) ? parse(json_string_value(v)) : -1;
        if (bit < 0 || bit >= 64)
            return URS_EPARSE;
        *out |= UINT64_C(1) << bit;
    }
    return URS_OK;
}

static double num_or_zero(json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : 0;
}

static int read_salary(json_t *sal, struct salary *out)
{
    memset(out, 0, sizeof *out);
    if (json_is_null(sal) || !sal)
        return URS_OK;
    json_t *period = json_object_get(sal, "period");
    if (!json_is_object(sal))
        return URS_EPARSE;
    out->min = num_or_zero(json_object_get(sal, "min"));
    out->max = num_or_zero(json_object_get(sal, "max"));
    if (json_is_string(period)) {
        int p = period_parse(json_string_value(period));
        if (p < 0)
            return URS_EPARSE;
        out->period = (enum pay_period)p;
    }
    return URS_OK;
}

static int read_labels(json_t *l, struct expect *x, const char *path, size_t line, struct err *e)
{
    uint64_t bits;
    if (!json_is_object(l))
        return label_error(e, path, line, "missing \"labels\" object");
    x->is_posting = json_is_true(json_object_get(l, "is_posting"));
    x->ur_role = json_is_true(json_object_get(l, "ur_role"));
    const char *role = json_string_value(json_object_get(l, "role_family"));
    const char *mode = json_string_value(json_object_get(l, "work_mode"));
    int r = role ? role_family_parse(role) : -1, m = mode ? work_mode_parse(mode) : -1;
    if (r < 0)
        return label_error(e, path, line, "bad role_family");
    if (m < 0)
        return label_error(e, path, line, "bad work_mode");
    x->role = (enum role_family)r;
    x->mode = (enum work_mode)m;
    if (names_to_bits(json_object_get(l, "disciplines"), disc_parse, &bits) != URS_OK)
        return label_error(e, path, line, "bad disciplines");
    x->disciplines = (uint32_t)bits;
    if (names_to_bits(json_object_get(l, "schedule"), sched_parse, &bits) != URS_OK)
        return label_error(e, path, line, "bad schedule");
    x->schedule = (uint32_t)bits;
    if (names_to_bits(json_object_get(l, "license_states"), state_parse, &x->licenses) != URS_OK)
        return label_error(e, path, line, "bad license_states");
    if (read_salary(json_object_get(l, "salary"), &x->salary) != URS_OK)
        return label_error(e, path, line, "bad salary");
    return URS_OK;
}

/* The description as the pipeline would store it: cleaned, HTML turned into text. */
static int set_text(struct posting *p, const char *text)
{
    size_t n = strlen(text);
    if (text_looks_like_html(text, n)) {
        struct sbuf b;
        struct err ignored;
        err_clear(&ignored);
        sbuf_init(&b, URS_MAX_DESCRIPTION);
        int rc = text_from_html(text, n, URS_MAX_DESCRIPTION, &b, NULL, &ignored);
        if (rc == URS_OK)
            rc = posting_set(&p->description, sbuf_str(&b));
        sbuf_free(&b);
        if (rc == URS_OK || rc == URS_ENOMEM)
            return rc;
    }
    free(p->description);
    p->description = utf8_clean_dup(text, UTF8_MULTI_LINE, URS_MAX_DESCRIPTION, NULL);
    return p->description ? URS_OK : URS_ENOMEM;
}

static int str_field(json_t *rec, const char *key, char **field)
{
    const char *v = json_string_value(json_object_get(rec, key));
    if (!v)
        return URS_OK;
    *field = utf8_clean_dup(v, UTF8_ONE_LINE, URS_MAX_FIELD, NULL);
    return *field ? URS_OK : URS_ENOMEM;
}

static int read_record(const struct classifier *c, json_t *rec, struct eval_record *r,
                       const char *path, size_t line, struct err *e)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    const char *text = json_string_value(json_object_get(rec, "text"));
    if (!id || !text)
        return err_set(e, URS_EPARSE, "%s:%zu: record needs string \"id\" and \"text\"", path,
                       line);
    int rc = read_labels(json_object_get(rec, "labels"), &r->want, path, line, e);
    if (rc != URS_OK)
        return rc;
    if (!(r->id = strdup(id)) || str_field(rec, "title", &r->got.title) != URS_OK ||
        str_field(rec, "company", &r->got.employer) != URS_OK ||
        str_field(rec, "url", &r->got.url) != URS_OK || set_text(&r->got, text) != URS_OK)
        return err_set(e, URS_ENOMEM, "%s:%zu: out of memory", path, line);
    return classify_posting(c, &r->got, e);
}

static void count(struct classify_eval *ev, const struct eval_record *r)
{
    for (int t = 0; t < ET_COUNT; t++) {
        uint64_t want = eval_want_bits(&r->want, (enum etag)t);
        uint64_t got = eval_got_bits(&r->got, (enum etag)t);
        for (size_t v = 0; v < etag_values((enum etag)t); v++) {
            uint64_t bit = UINT64_C(1) << v;
            ev->c[t][v].tp += (want & got & bit) != 0;
            ev->c[t][v].fp += (~want & got & bit) != 0;
            ev->c[t][v].fn += (want & ~got & bit) != 0;
        }
    }
    bool stated = r->want.salary.period != PERIOD_NONE;
    ev->salary_stated += stated;
    ev->salary_exact += stated && eval_salary_equal(&r->want.salary, &r->got.salary);
    ev->salary_false += !stated && r->got.salary.period != PERIOD_NONE;
}

static int add_line(const struct classifier *c, struct classify_eval *ev, const char *buf,
                    size_t line, struct err *e)
{
    json_error_t je;
    json_t *rec = json_loads(buf, JSON_REJECT_DUPLICATES, &je);
    if (!rec || !json_is_object(rec)) {
        json_decref(rec);
        return err_set(e, URS_EPARSE, "%s:%zu: not a JSON object: %s", ev->path, line,
                       rec ? "wrong type" : je.text);
    }
    if (ev->len == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 64;
        struct eval_record *r = cap <= EVAL_MAX_RECORDS ? realloc(ev->rec, cap * sizeof *r) : NULL;
        if (!r) {
            json_decref(rec);
            return err_set(e, cap > EVAL_MAX_RECORDS ? URS_ELIMIT : URS_ENOMEM,
                           "%s:%zu: too many records", ev->path, line);
        }
        ev->rec = r;
        ev->cap = cap;
    }
    struct eval_record *r = &ev->rec[ev->len++];
    memset(r, 0, sizeof *r);
    posting_init(&r->got);
    int rc = read_record(c, rec, r, ev->path, line, e);
    json_decref(rec);
    if (rc == URS_OK)
        count(ev, r);
    return rc;
}

static int read_lines(const struct classifier *c, struct classify_eval *ev, FILE *f, struct err *e)
{
    char *buf = NULL;
    size_t cap = 0, line = 0;
    ssize_t n;
    int rc = URS_OK;
    while (rc == URS_OK && (n = getline(&buf, &cap, f)) >= 0) {
        line++;
        if ((size_t)n > URS_MAX_JSONL_LINE)
            rc = err_set(e, URS_ELIMIT, "%s:%zu: line longer than %d bytes", ev->path, line,
                         URS_MAX_JSONL_LINE);
        else if (strspn(buf, " \t\r\n") != (size_t)n)
            rc = add_line(c, ev, buf, line, e);
    }
    if (rc == URS_OK && ferror(f))
        rc = err_set(e, URS_EIO, "%s: read error", ev->path);
    free(buf);
    return rc;
}

int classify_eval_file(const struct classifier *c, const char *path, struct classify_eval **out,
                       struct err *e)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(e, URS_EIO, "%s: %s", path, strerror(errno));
    struct classify_eval *ev = calloc(1, sizeof *ev);
    int rc = ev && (ev->path = strdup(path)) ? URS_OK : URS_ENOMEM;
    if (rc != URS_OK)
        err_set(e, rc, "%s: out of memory", path);
    else
        rc = read_lines(c, ev, f, e);
    fclose(f);
    if (rc != URS_OK) {
        classify_eval_free(ev);
        return rc;
    }
    *out = ev;
    return URS_OK;
}

void classify_eval_free(struct classify_eval *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->len; i++) {
        free(ev->rec[i].id);
        posting_free(&ev->rec[i].got);
    }
    free(ev->rec);
    free(ev->path);
    free(ev);
}
