/* SPDX-License-Identifier: MIT */
/* Postings as JSON records and CSV rows: the export format, read back losslessly by import. */
#include "cli/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/text.h"
#include "common/utf8.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t t)
{
    if (!t)
        return json_null();
    char buf[32];
    text_format_time(t, buf, sizeof buf);
    return json_string(buf);
}

static json_t *real_or_null(double v)
{
    return v > 0 ? json_real(v) : json_null();
}

static json_t *salary_json(const struct salary *s)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "min", real_or_null(s->min), "max",
                     real_or_null(s->max), "period",
                     s->period ? json_string(period_name(s->period)) : json_null(), "annual",
                     real_or_null(s->annual));
}

static json_t *bits_json(uint64_t bits, int count, const char *(*name)(int))
{
    json_t *a = json_array();
    for (int i = 0; a && i < count; i++)
        if (bits & (1ULL << i))
            json_array_append_new(a, json_string(name(i)));
    return a;
}

static const char *disc_at(int i)
{
    return disc_name((enum disc)i);
}

static const char *sched_at(int i)
{
    return sched_name((enum sched)i);
}

static json_t *evidence_json(const struct posting *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->evidence_len; i++) {
        const struct evidence *ev = &p->evidence[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "tag", tag_kind_name(ev->tag),
                                           "value", ev->value, "phrase", ev->phrase, "offset",
                                           (json_int_t)ev->offset));
    }
    return a;
}

json_t *cli_posting_to_json(const struct posting *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "id", json_integer(p->id));
    bad |= json_object_set_new(o, "source", str_or_null(p->source));
    bad |= json_object_set_new(o, "external_id", str_or_null(p->external_id));
    bad |= json_object_set_new(o, "url", str_or_null(p->url));
    bad |= json_object_set_new(o, "title", str_or_null(p->title));
    bad |= json_object_set_new(o, "employer", str_or_null(p->employer));
    bad |= json_object_set_new(o, "location", str_or_null(p->location));
    bad |= json_object_set_new(o, "description", str_or_null(p->description));
    bad |= json_object_set_new(o, "posted_at", time_or_null(p->posted_at));
    bad |= json_object_set_new(o, "valid_through", time_or_null(p->valid_through));
    bad |= json_object_set_new(o, "first_seen", time_or_null(p->first_seen));
    bad |= json_object_set_new(o, "last_seen", time_or_null(p->last_seen));
    bad |= json_object_set_new(o, "closed_at", time_or_null(p->closed_at));
    bad |= json_object_set_new(o, "disciplines", bits_json(p->disciplines, DISC_COUNT, disc_at));
    bad |= json_object_set_new(o, "work_mode", json_string(work_mode_name(p->work_mode)));
    bad |= json_object_set_new(o, "schedule", bits_json(p->schedule, SCHED_COUNT, sched_at));
    bad |= json_object_set_new(o, "license_states",
                               bits_json(p->license_states, STATE_COUNT, state_code));
    bad |= json_object_set_new(o, "salary", salary_json(&p->salary));
    bad |= json_object_set_new(o, "role_family", json_string(role_family_name(p->role_family)));
    bad |= json_object_set_new(o, "ur_role", json_boolean(p->ur_role));
    bad |= json_object_set_new(o, "ur_score", json_real(p->ur_score));
    bad |= json_object_set_new(o, "evidence", evidence_json(p));
    bad |= json_object_set_new(o, "work_hint", str_or_null(p->work_hint));
    bad |= json_object_set_new(o, "employment_hint", str_or_null(p->employment_hint));
    bad |= json_object_set_new(o, "salary_hint", salary_json(&p->salary_hint));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- reading records ---- */

struct text_field {
    const char *key;
    size_t offset;
    size_t cap;
    bool multi_line;
};

static const struct text_field text_fields[] = {
    {"source", offsetof(struct posting, source), URS_MAX_FIELD, false},
    {"external_id", offsetof(struct posting, external_id), URS_MAX_FIELD, false},
    {"url", offsetof(struct posting, url), URS_MAX_URL, false},
    {"title", offsetof(struct posting, title), URS_MAX_TITLE, false},
    {"employer", offsetof(struct posting, employer), URS_MAX_FIELD, false},
    {"company", offsetof(struct posting, employer), URS_MAX_FIELD, false},
    {"location", offsetof(struct posting, location), URS_MAX_FIELD, false},
    {"description", offsetof(struct posting, description), URS_MAX_DESCRIPTION, true},
    {"text", offsetof(struct posting, description), URS_MAX_DESCRIPTION, true},
    {"work_hint", offsetof(struct posting, work_hint), URS_MAX_FIELD, false},
    {"employment_hint", offsetof(struct posting, employment_hint), URS_MAX_FIELD, false},
};

static int set_clean(char **field, const char *value, const struct text_field *tf, struct err *e)
{
    size_t len = strlen(value);
    struct sbuf b;
    sbuf_init(&b, tf->cap + 8);
    int rc;
    if (tf->multi_line && text_looks_like_html(value, len))
        rc = text_from_html(value, len, tf->cap, &b, NULL, e);
    else
        rc = utf8_clean(value, len, tf->multi_line ? UTF8_MULTI_LINE : UTF8_ONE_LINE, tf->cap,
                        &b, NULL);
    if (rc != URS_OK) {
        sbuf_free(&b);
        return err_set(e, rc, "field '%s': %s", tf->key, err_name(rc));
    }
    free(*field);
    *field = sbuf_take(&b);
    return *field ? URS_OK : err_set(e, URS_ENOMEM, "out of memory");
}

static int read_texts(json_t *rec, struct posting *p, struct err *e)
{
    for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++) {
        const struct text_field *tf = &text_fields[i];
        json_t *v = json_object_get(rec, tf->key);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v))
            return err_set(e, URS_EPARSE, "field '%s': expected a string", tf->key);
        char **field = (char **)(void *)((char *)p + tf->offset);
        if (set_clean(field, json_string_value(v), tf, e) != URS_OK)
            return e ? e->code : URS_EPARSE;
    }
    if (p->url && *p->url && !text_url_is_http(p->url))
        return err_set(e, URS_EPARSE, "field 'url': not an http or https URL");
    return URS_OK;
}

static int read_time(json_t *rec, const char *key, int64_t *out, struct err *e)
{
    json_t *v = json_object_get(rec, key);
    if (!v || json_is_null(v))
        return URS_OK;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (int64_t)json_integer_value(v);
        return URS_OK;
    }
    if (json_is_string(v) && text_parse_time(json_string_value(v), out) == URS_OK)
        return URS_OK;
    return err_set(e, URS_EPARSE, "field '%s': expected an ISO 8601 date or time", key);
}

static int read_bits(json_t *rec, const char *key, int (*parse)(const char *), int count,
                     const char *allowed, uint64_t *out, struct err *e)
{
    json_t *a = json_object_get(rec, key);
    if (!a || json_is_null(a))
        return URS_OK;
    if (!json_is_array(a))
        return err_set(e, URS_EPARSE, "field '%s': expected an array", key);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        int bit = json_is_string(v) ? parse(json_string_value(v)) : -1;
        if (bit < 0 || bit >= count)
            return err_set(e, URS_EPARSE, "field '%s': unknown value (allowed: %s)", key,
                           allowed);
        *out |= 1ULL << bit;
    }
    return URS_OK;
}

static int read_number(json_t *o, const char *key, double *out, struct err *e)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return URS_OK;
    if (!json_is_number(v) || json_number_value(v) < 0 || !isfinite(json_number_value(v)))
        return err_set(e, URS_EPARSE, "field '%s': expected a non-negative number", key);
    *out = json_number_value(v);
    return URS_OK;
}

static int read_salary(json_t *rec, const char *key, struct salary *s, struct err *e)
{
    json_t *o = json_object_get(rec, key);
    if (!o || json_is_null(o))
        return URS_OK;
    if (!json_is_object(o))
        return err_set(e, URS_EPARSE, "field '%s': expected an object", key);
    if (read_number(o, "min", &s->min, e) || read_number(o, "max", &s->max, e) ||
        read_number(o, "annual", &s->annual, e))
        return URS_EPARSE;
    json_t *period = json_object_get(o, "period");
    if (period && !json_is_null(period)) {
        int pp = json_is_string(period) ? period_parse(json_string_value(period)) : -1;
        if (pp < 0)
            return err_set(e, URS_EPARSE, "field '%s.period': expected hour, week, month or year",
                           key);
        s->period = (enum pay_period)pp;
    }
    if (s->annual == 0)
        salary_update_annual(s);
    return URS_OK;
}

static int read_enum(json_t *rec, const char *key, int (*parse)(const char *), int *out,
                     struct err *e)
{
    json_t *v = json_object_get(rec, key);
    if (!v || json_is_null(v))
        return URS_OK;
    int x = json_is_string(v) ? parse(json_string_value(v)) : -1;
    if (x < 0)
        return err_set(e, URS_EPARSE, "field '%s': unknown value", key);
    *out = x;
    return URS_OK;
}

static int read_evidence(json_t *rec, struct posting *p, struct err *e)
{
    json_t *a = json_object_get(rec, "evidence");
    if (!a || json_is_null(a))
        return URS_OK;
    if (!json_is_array(a))
        return err_set(e, URS_EPARSE, "field 'evidence': expected an array");
    size_t i;
    json_t *ev;
    json_array_foreach(a, i, ev)
    {
        const char *tag = json_string_value(json_object_get(ev, "tag"));
        const char *value = json_string_value(json_object_get(ev, "value"));
        const char *phrase = json_string_value(json_object_get(ev, "phrase"));
        json_t *off = json_object_get(ev, "offset");
        int t = tag ? tag_kind_parse(tag) : -1;
        if (t < 0 || !value || !phrase || !json_is_integer(off) || json_integer_value(off) < 0)
            return err_set(e, URS_EPARSE, "field 'evidence[%zu]': expected {tag, value, phrase, "
                                          "offset}", i);
        if (posting_add_evidence(p, (enum tag_kind)t, value, phrase, strlen(phrase),
                                 (size_t)json_integer_value(off)) == URS_ENOMEM)
            return err_set(e, URS_ENOMEM, "out of memory");
    }
    return URS_OK;
}

static int read_tags(json_t *rec, struct posting *p, struct err *e)
{
    uint64_t disc = 0, sched = 0, states = 0;
    int mode = MODE_UNKNOWN, role = ROLE_UNKNOWN;
    if (read_bits(rec, "disciplines", disc_parse, DISC_COUNT, disc_all_names(), &disc, e) ||
        read_bits(rec, "schedule", sched_parse, SCHED_COUNT, sched_all_names(), &sched, e) ||
        read_bits(rec, "license_states", state_parse, STATE_COUNT, "state codes, COMPACT, ANY",
                  &states, e) ||
        read_enum(rec, "work_mode", work_mode_parse, &mode, e) ||
        read_enum(rec, "role_family", role_family_parse, &role, e) ||
        read_salary(rec, "salary", &p->salary, e) || read_evidence(rec, p, e))
        return e ? e->code : URS_EPARSE;
    p->disciplines = (uint32_t)disc;
    p->schedule = (uint32_t)sched;
    p->license_states = states;
    p->work_mode = (enum work_mode)mode;
    p->role_family = (enum role_family)role;
    json_t *ur = json_object_get(rec, "ur_role");
    if (ur && !json_is_null(ur) && !json_is_boolean(ur))
        return err_set(e, URS_EPARSE, "field 'ur_role': expected true or false");
    p->ur_role = json_is_true(ur);
    return read_number(rec, "ur_score", &p->ur_score, e);
}

int cli_posting_from_json(json_t *rec, const char *default_source, struct posting *p,
                          struct cli_record_info *info, struct err *e)
{
    if (!json_is_object(rec))
        return err_set(e, URS_EPARSE, "expected a JSON object");
    info->has_tags = json_object_get(rec, "disciplines") != NULL;
    if (read_texts(rec, p, e) != URS_OK)
        return e ? e->code : URS_EPARSE;
    if (!p->source && posting_set(&p->source, default_source) != URS_OK)
        return err_set(e, URS_ENOMEM, "out of memory");
    if (!p->external_id) {
        /* labelled-set records carry "id"; otherwise the URL identifies the posting */
        json_t *id = json_object_get(rec, "id");
        const char *ext = json_is_string(id) ? json_string_value(id) : p->url;
        if (!ext)
            return err_set(e, URS_EPARSE, "no external_id, id or url to identify the posting");
        if (posting_set(&p->external_id, ext) != URS_OK)
            return err_set(e, URS_ENOMEM, "out of memory");
    }
    if (!p->title || !*p->title)
        return err_set(e, URS_EPARSE, "field 'title': missing or empty");
    if (read_time(rec, "posted_at", &p->posted_at, e) ||
        read_time(rec, "valid_through", &p->valid_through, e) ||
        read_time(rec, "first_seen", &p->first_seen, e) ||
        read_time(rec, "last_seen", &p->last_seen, e) ||
        read_time(rec, "closed_at", &p->closed_at, e) ||
        read_salary(rec, "salary_hint", &p->salary_hint, e))
        return e ? e->code : URS_EPARSE;
    if (info->has_tags)
        return read_tags(rec, p, e);
    return URS_OK;
}
