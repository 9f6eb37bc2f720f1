/* SPDX-License-Identifier: MIT */
/* Licence states: a state named close to a licence word, in the same clause, not an address. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier_int.h"

#define ANY_REACH 120 /* bytes after an "any US state" phrase whose state names it explains */
#define RESIDENCE_REACH 40 /* bytes before a state in which "must reside in" takes it */

static bool overlaps(const struct match *a, const struct match *b)
{
    return a->start < b->end && b->start < a->end;
}

static enum ctag tag_of(const struct scan *s, const struct match *m)
{
    return s->c->rules[m->rule].tag;
}

static int value_of(const struct scan *s, const struct match *m)
{
    return s->c->rules[m->rule].value;
}

/* A licence word that is not part of "driver's license" and the like. */
static bool is_context(const struct scan *s, size_t i)
{
    const struct match *m = &s->m[i];
    if (m->dropped || tag_of(s, m) != CT_LICENCE || value_of(s, m) != LV_CONTEXT)
        return false;
    for (size_t k = 0; k < s->m_len; k++)
        if (tag_of(s, &s->m[k]) == CT_LICENCE && value_of(s, &s->m[k]) == LV_NOT &&
            overlaps(&s->m[k], m))
            return false;
    return true;
}

static bool is_code(const struct scan *s, const struct match *m)
{
    return m->end - m->start == 2 && isupper((unsigned char)s->text.data[m->start]);
}

/* "Austin, TX 78701": a state followed by a ZIP code is an address. */
static bool before_zip(const struct scan *s, const struct match *m)
{
    const char *t = s->text.data;
    size_t i = m->end;
    while (i < s->text.len && (t[i] == ' ' || t[i] == ','))
        i++;
    size_t digits = 0;
    while (i + digits < s->text.len && isdigit((unsigned char)t[i + digits]))
        digits++;
    return digits == 5;
}

/* Bytes between two spans, or 0 when they touch or overlap. */
static size_t gap(const struct match *a, const struct match *b)
{
    if (a->end <= b->start)
        return b->start - a->end;
    if (b->end <= a->start)
        return a->start - b->end;
    return 0;
}

static bool residence_near(const struct scan *s, const struct match *st, const struct match *ctx)
{
    size_t from = st->start > RESIDENCE_REACH ? st->start - RESIDENCE_REACH : 0;
    size_t lo = ctx->start < from ? ctx->start : from;
    size_t hi = ctx->end > st->end ? ctx->end : st->end;
    for (size_t k = 0; k < s->m_len; k++) {
        const struct match *r = &s->m[k];
        if (tag_of(s, r) == CT_LICENCE && value_of(s, r) == LV_RESIDENCE && r->start >= lo &&
            r->end <= hi && scan_same_clause(s, r->end, st->start))
            return true;
    }
    return false;
}

/* The licence word that makes state match i a licence, or -1. */
static long licence_word(const struct scan *s, size_t i)
{
    const struct match *st = &s->m[i];
    size_t window = (size_t)(is_code(s, st) ? s->c->set.code_window : s->c->set.licence_window);
    for (size_t k = 0; k < s->m_len; k++) {
        if (!is_context(s, k))
            continue;
        const struct match *ctx = &s->m[k];
        size_t a = ctx->end <= st->start ? ctx->end : st->end;
        size_t b = ctx->end <= st->start ? st->start : ctx->start;
        if (gap(st, ctx) <= window && scan_same_clause(s, a, b) && !residence_near(s, st, ctx))
            return (long)k;
    }
    return -1;
}

/* "TX, OK or LA": a state right after a licence state in a list is one too. */
static bool continues_list(const struct scan *s, const struct match *prev, const struct match *st)
{
    if (!prev || prev->end > st->start || st->start - prev->end > 8)
        return false;
    const char *t = s->text.data;
    for (size_t i = prev->end; i < st->start; i++) {
        if (t[i] == ',' || t[i] == '/' || t[i] == ' ' || t[i] == '&')
            continue;
        if ((strncmp(t + i, "or", 2) == 0 || strncmp(t + i, "and", 3) == 0) && i + 2 < st->start) {
            i += t[i] == 'o' ? 1 : 2;
            continue;
        }
        return false;
    }
    return true;
}

static int add(const struct scan *s, struct posting *p, int state, size_t a, size_t b)
{
    if (p->license_states & (UINT64_C(1) << state))
        return URS_OK;
    p->license_states |= UINT64_C(1) << state;
    int rc = posting_add_evidence(p, TAG_LICENSE, state_code(state), s->text.data + a, b - a, a);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

static bool in_any_span(const struct scan *s, const struct match *st)
{
    for (size_t k = 0; k < s->m_len; k++) {
        const struct match *m = &s->m[k];
        if (tag_of(s, m) == CT_LICENCE && value_of(s, m) == LV_ANY && st->start >= m->start &&
            st->start <= m->end + ANY_REACH)
            return true;
    }
    return false;
}

static int states(const struct scan *s, struct posting *p)
{
    const struct match *prev = NULL;
    int rc = URS_OK;
    for (size_t i = 0; i < s->m_len && rc == URS_OK; i++) {
        const struct match *st = &s->m[i];
        if (st->dropped || tag_of(s, st) != CT_STATE || before_zip(s, st) || in_any_span(s, st))
            continue;
        long k = licence_word(s, i);
        if (k >= 0) {
            const struct match *ctx = &s->m[k];
            size_t a = ctx->start < st->start ? ctx->start : st->start;
            size_t b = ctx->end > st->end ? ctx->end : st->end;
            rc = add(s, p, value_of(s, st), a, b);
        } else if (continues_list(s, prev, st)) {
            rc = add(s, p, value_of(s, st), st->start, st->end);
        } else {
            continue;
        }
        prev = st;
    }
    return rc;
}

int licence_decide(const struct scan *s, struct posting *p)
{
    int rc = URS_OK;
    for (size_t i = 0; i < s->m_len && rc == URS_OK; i++) {
        const struct match *m = &s->m[i];
        if (m->dropped || tag_of(s, m) != CT_LICENCE || s->c->rules[m->rule].weight <= 0)
            continue;
        if (value_of(s, m) == LV_ANY)
            rc = add(s, p, STATE_ANY, m->start, m->end);
        else if (value_of(s, m) == LV_COMPACT)
            rc = add(s, p, STATE_COMPACT, m->start, m->end);
    }
    return rc == URS_OK ? states(s, p) : rc;
}
