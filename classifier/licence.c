/* SPDX-License-Identifier: MIT */
/* Licence states: a state named close to a licence word, in the same clause, not an address. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier_int.h"

#define ANY_REACH       120 /* bytes after an "any US state" phrase whose state names it explains */
#define RESIDENCE_REACH 40  /* bytes before a state in which "must reside in" takes it */
#define OPTIONAL_REACH  45  /* bytes around a licence in which "is a plus" makes it optional */

/* The licence rule matches of one scan, sorted by kind once. */
struct lic {
    const struct scan *s;
    const struct match **ctx; /* licence words outside "driver's license" and the like */
    size_t n_ctx;
    const struct match **res; /* residence rules */
    size_t n_res;
    const struct match **any; /* "licensed in any US state" */
    size_t n_any;
    const struct match **nots; /* "driver's license" */
    size_t n_not;
    const struct match **opt; /* "is a plus", "not required", "willingness to obtain" */
    size_t n_opt;
};

static bool overlaps(const struct match *a, const struct match *b)
{
    return a->start < b->end && b->start < a->end;
}

static enum ctag tag_of(const struct scan *s, const struct match *m)
{
    (void)s;
    return (enum ctag)m->tag;
}

static int value_of(const struct scan *s, const struct match *m)
{
    return s->c->rules[m->rule].value;
}

static bool is_value(const struct scan *s, const struct match *m, int v)
{
    return tag_of(s, m) == CT_LICENCE && value_of(s, m) == v;
}

/* Part of "driver's license" and the like (nots: the LV_NOT matches, in text order). */
static bool negated(const struct match *const *nots, size_t n, const struct match *m)
{
    for (size_t k = 0; k < n && nots[k]->start < m->end; k++)
        if (overlaps(nots[k], m))
            return true;
    return false;
}

static int lic_index(struct lic *l, const struct scan *s)
{
    memset(l, 0, sizeof *l);
    l->s = s;
    l->ctx = malloc((s->m_len + 1) * sizeof *l->ctx);
    l->res = malloc((s->m_len + 1) * sizeof *l->res);
    l->any = malloc((s->m_len + 1) * sizeof *l->any);
    l->nots = malloc((s->m_len + 1) * sizeof *l->nots);
    l->opt = malloc((s->m_len + 1) * sizeof *l->opt);
    if (!l->ctx || !l->res || !l->any || !l->nots || !l->opt)
        return URS_ENOMEM;
    for (size_t k = 0; k < s->m_len; k++)
        if (is_value(s, &s->m[k], LV_NOT))
            l->nots[l->n_not++] = &s->m[k];
    for (size_t k = 0; k < s->m_len; k++) {
        const struct match *m = &s->m[k];
        /* a licence word inside a longer match ("multistate RN license") still counts */
        if (is_value(s, m, LV_CONTEXT) && (!m->dropped || m->dropped == DROP_CONTAINED) &&
            !negated(l->nots, l->n_not, m))
            l->ctx[l->n_ctx++] = m;
        else if (is_value(s, m, LV_RESIDENCE))
            l->res[l->n_res++] = m;
        else if (is_value(s, m, LV_ANY))
            l->any[l->n_any++] = m;
        else if ((is_value(s, m, LV_OPTIONAL) || is_value(s, m, LV_OBTAIN)) && !m->dropped)
            l->opt[l->n_opt++] = m;
    }
    return URS_OK;
}

static void lic_free(struct lic *l)
{
    free(l->ctx);
    free(l->res);
    free(l->any);
    free(l->nots);
    free(l->opt);
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

/*
 * "Jackson, Mississippi", "in Tulsa, OK": a state right after a city's name and a comma is a
 * place. The word before the comma must start with a capital and not be a state itself, so
 * a list of states ("Texas, Oklahoma or Louisiana") still counts, and a state joined to a
 * licence word after it ("Registered Nurse, Kentucky license", "Ohio RN license") is a
 * licence wherever it is.
 */
static bool after_city(const struct lic *l, size_t at)
{
    enum { CITY_MAX = 24, JOINED_REACH = 9 /* "Kentucky nursing license" */ };
    const struct scan *s = l->s;
    const char *t = s->text.data;
    const struct match *m = &s->m[at];
    size_t i = m->start;
    while (i > 0 && t[i - 1] == ' ')
        i--;
    if (i == 0 || t[i - 1] != ',')
        return false;
    size_t end = --i;
    while (i > 0 && i + CITY_MAX > end && isalpha((unsigned char)t[i - 1]))
        i--;
    if (i == end || !isupper((unsigned char)t[i]) || (i > 0 && isalnum((unsigned char)t[i - 1])))
        return false;
    for (size_t j = at; j-- > 0 && s->m[j].start + CITY_MAX + 8 > i;)
        if (!s->m[j].dropped && tag_of(s, &s->m[j]) == CT_STATE && s->m[j].end == end)
            return false;
    for (size_t k = 0; k < l->n_ctx; k++)
        if (l->ctx[k]->start >= m->end && l->ctx[k]->start - m->end <= JOINED_REACH &&
            scan_same_clause(s, m->end, l->ctx[k]->start))
            return false;
    return true;
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

static bool residence_near(const struct lic *l, const struct match *st, const struct match *ctx)
{
    size_t from = st->start > RESIDENCE_REACH ? st->start - RESIDENCE_REACH : 0;
    size_t lo = ctx->start < from ? ctx->start : from;
    size_t hi = ctx->end > st->end ? ctx->end : st->end;
    for (size_t k = 0; k < l->n_res; k++) {
        const struct match *r = l->res[k];
        if (r->start >= lo && r->end <= hi && scan_same_clause(l->s, r->end, st->start))
            return true;
    }
    return false;
}

/* The licence word that makes state match st a licence, or NULL. */
static const struct match *licence_word(const struct lic *l, const struct match *st)
{
    const struct scan *s = l->s;
    size_t window = (size_t)(is_code(s, st) ? s->c->set.code_window : s->c->set.licence_window);
    for (size_t k = 0; k < l->n_ctx; k++) {
        const struct match *ctx = l->ctx[k];
        if (gap(st, ctx) > window)
            continue;
        size_t a = ctx->end <= st->start ? ctx->end : st->end;
        size_t b = ctx->end <= st->start ? st->start : ctx->start;
        if (scan_same_clause(s, a, b) && !residence_near(l, st, ctx))
            return ctx;
    }
    return NULL;
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

/*
 * A licence named only as a plus, or one to get later ("a Kentucky license is a plus",
 * "compact privilege not yet available" after it; "willingness to obtain Delaware
 * licensure" before it): such a phrase within OPTIONAL_REACH of the span [a, b), in the same
 * clause.
 */
static bool optional(const struct lic *l, size_t a, size_t b)
{
    const char *t = l->s->text.data;
    for (size_t k = 0; k < l->n_opt; k++) {
        const struct match *o = l->opt[k];
        size_t from = 0, to = 0;
        /* "is a plus" looks back at the licence, "willingness to obtain" forward */
        bool back = is_value(l->s, o, LV_OPTIONAL);
        if (back && o->start >= b && o->start - b <= OPTIONAL_REACH)
            from = b, to = o->start;
        else if (!back && o->end <= a && a - o->end <= OPTIONAL_REACH)
            from = o->end, to = a;
        else
            continue;
        /* a parenthesis or semicolon in between starts a remark about something else:
           "DC licence (Maryland or Virginia licences welcome but not required)" */
        bool aside = false;
        for (size_t i = from; i < to && !aside; i++)
            aside = t[i] == '(' || t[i] == ')' || t[i] == ';';
        if (!aside && scan_same_clause(l->s, from, to))
            return true;
    }
    return false;
}

static int add(const struct scan *s, struct posting *p, int state, size_t a, size_t b)
{
    if (p->license_states & (UINT64_C(1) << state))
        return URS_OK;
    p->license_states |= UINT64_C(1) << state;
    int rc = posting_add_evidence(p, TAG_LICENSE, state_code(state), s->text.data + a, b - a, a);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

static bool in_any_span(const struct lic *l, const struct match *st)
{
    for (size_t k = 0; k < l->n_any; k++)
        if (st->start >= l->any[k]->start && st->start <= l->any[k]->end + ANY_REACH)
            return true;
    return false;
}

static int states(const struct lic *l, struct posting *p)
{
    const struct scan *s = l->s;
    const struct match *prev = NULL;
    int rc = URS_OK;
    for (size_t i = 0; i < s->m_len && rc == URS_OK; i++) {
        const struct match *st = &s->m[i], *ctx;
        if (st->dropped || tag_of(s, st) != CT_STATE || s->c->rules[st->rule].weight <= 0 ||
            before_zip(s, st) || after_city(l, i) || in_any_span(l, st))
            continue; /* a 0-weight state phrase only swallows: "RAC-CT" is not Connecticut */
        if ((ctx = licence_word(l, st)) != NULL) {
            size_t a = ctx->start < st->start ? ctx->start : st->start;
            size_t b = ctx->end > st->end ? ctx->end : st->end;
            if (!optional(l, a, b))
                rc = add(s, p, value_of(s, st), a, b);
        } else if (continues_list(s, prev, st)) {
            if (!optional(l, st->start, st->end))
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
    struct lic l;
    int rc = lic_index(&l, s);
    for (size_t i = 0; i < s->m_len && rc == URS_OK; i++) {
        const struct match *m = &s->m[i], *ctx;
        if (m->dropped || tag_of(s, m) != CT_LICENCE || s->c->rules[m->rule].weight <= 0)
            continue;
        if (value_of(s, m) == LV_ANY && (ctx = licence_word(&l, m)) != NULL)
            rc = add(s, p, STATE_ANY, ctx->start < m->start ? ctx->start : m->start,
                     ctx->end > m->end ? ctx->end : m->end);
        else if (value_of(s, m) == LV_COMPACT && !optional(&l, m->start, m->end))
            rc = add(s, p, STATE_COMPACT, m->start, m->end);
    }
    if (rc == URS_OK)
        rc = states(&l, p);
    lic_free(&l);
    return rc;
}
