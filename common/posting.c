/* SPDX-License-Identifier: MIT */
/* The posting model: ownership, evidence, tag value names and fingerprints. */
#include "common/posting.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/utf8.h"

void posting_init(struct posting *p)
{
    memset(p, 0, sizeof *p);
}

/* Every owned string field, so free and copy cannot forget one. */
static const size_t string_offsets[] = {
    offsetof(struct posting, source),      offsetof(struct posting, external_id),
    offsetof(struct posting, url),         offsetof(struct posting, title),
    offsetof(struct posting, employer),    offsetof(struct posting, location),
    offsetof(struct posting, description), offsetof(struct posting, work_hint),
    offsetof(struct posting, employment_hint),
};
#define STRING_FIELDS (sizeof string_offsets / sizeof string_offsets[0])

static char **field_at(struct posting *p, size_t offset)
{
    return (char **)(void *)((char *)p + offset);
}

void posting_free(struct posting *p)
{
    for (size_t i = 0; i < STRING_FIELDS; i++)
        free(*field_at(p, string_offsets[i]));
    free(p->evidence);
    posting_init(p);
}

int posting_set(char **field, const char *value)
{
    char *copy = NULL;
    if (value) {
        copy = strdup(value);
        if (!copy)
            return URS_ENOMEM;
    }
    free(*field);
    *field = copy;
    return URS_OK;
}

int posting_copy(struct posting *dst, const struct posting *src)
{
    *dst = *src;
    dst->evidence = NULL;
    dst->evidence_len = dst->evidence_cap = 0;
    for (size_t i = 0; i < STRING_FIELDS; i++)
        *field_at(dst, string_offsets[i]) = NULL;
    for (size_t i = 0; i < STRING_FIELDS; i++) {
        const char *v = *(char *const *)(const void *)((const char *)src + string_offsets[i]);
        if (posting_set(field_at(dst, string_offsets[i]), v) != URS_OK)
            goto fail;
    }
    if (src->evidence_len) {
        dst->evidence = malloc(src->evidence_len * sizeof *dst->evidence);
        if (!dst->evidence)
            goto fail;
        memcpy(dst->evidence, src->evidence, src->evidence_len * sizeof *dst->evidence);
        dst->evidence_len = dst->evidence_cap = src->evidence_len;
    }
    return URS_OK;
fail:
    posting_free(dst);
    return URS_ENOMEM;
}

void posting_clear_tags(struct posting *p)
{
    p->disciplines = 0;
    p->work_mode = MODE_UNKNOWN;
    p->schedule = 0;
    p->license_states = 0;
    memset(&p->salary, 0, sizeof p->salary);
    p->role_family = ROLE_UNKNOWN;
    p->ur_role = false;
    p->ur_score = 0;
    p->evidence_len = 0;
}

static void copy_cut(char *dst, size_t dst_size, const char *src, size_t src_len)
{
    size_t n = utf8_boundary(src, src_len, dst_size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    /* evidence is shown on one line */
    for (size_t i = 0; i < n; i++)
        if (dst[i] == '\n' || dst[i] == '\t' || dst[i] == '\r')
            dst[i] = ' ';
}

int posting_add_evidence(struct posting *p, enum tag_kind tag, const char *value,
                         const char *phrase, size_t phrase_len, size_t offset)
{
    if (p->evidence_len >= URS_MAX_EVIDENCE)
        return URS_ELIMIT;
    if (p->evidence_len == p->evidence_cap) {
        size_t cap = p->evidence_cap ? p->evidence_cap * 2 : 8;
        struct evidence *ev = realloc(p->evidence, cap * sizeof *ev);
        if (!ev)
            return URS_ENOMEM;
        p->evidence = ev;
        p->evidence_cap = cap;
    }
    struct evidence *ev = &p->evidence[p->evidence_len++];
    ev->tag = tag;
    copy_cut(ev->value, sizeof ev->value, value ? value : "", value ? strlen(value) : 0);
    copy_cut(ev->phrase, sizeof ev->phrase, phrase ? phrase : "", phrase ? phrase_len : 0);
    ev->offset = offset;
    return URS_OK;
}

static const char *const disc_names[DISC_COUNT] = {"PT",   "OT", "SLP", "PTA", "COTA",
                                                   "SLPA", "RN", "LPN", "MD"};
static const char *const mode_names[MODE_COUNT] = {"unknown", "remote", "hybrid", "onsite"};
static const char *const sched_names[SCHED_COUNT] = {"full_time", "part_time", "prn", "contract"};
static const char *const period_names[PERIOD_COUNT] = {"",    "hour",  "week",   "month",
                                                               "year", "day", "visit", "review", "unit"};
static const char *const role_names[ROLE_COUNT] = {
    "unknown",           "utilization_review", "prior_authorization", "appeals_denials",
    "care_coordination", "physician_advisor",  "case_management",     "clinical_other",
    "non_healthcare",    "admin_other",        "article"};
static const char *const tag_names[TAG_COUNT] = {"discipline", "work_mode",   "schedule", "license",
                                                 "salary",     "role_family", "ur_role"};
static const char *const state_codes[STATE_COUNT] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "VI", "GU", "AS", "MP", "COMPACT", "ANY"};

#define NAME_OR_EMPTY(table, count, i) ((i) >= 0 && (size_t)(i) < (count) ? (table)[i] : "")

const char *disc_name(enum disc d)
{
    return NAME_OR_EMPTY(disc_names, (size_t)DISC_COUNT, (int)d);
}
const char *work_mode_name(enum work_mode m)
{
    return NAME_OR_EMPTY(mode_names, (size_t)MODE_COUNT, (int)m);
}
const char *sched_name(enum sched s)
{
    return NAME_OR_EMPTY(sched_names, (size_t)SCHED_COUNT, (int)s);
}
const char *period_name(enum pay_period p)
{
    return NAME_OR_EMPTY(period_names, (size_t)PERIOD_COUNT, (int)p);
}
const char *role_family_name(enum role_family r)
{
    return NAME_OR_EMPTY(role_names, (size_t)ROLE_COUNT, (int)r);
}
const char *tag_kind_name(enum tag_kind t)
{
    return NAME_OR_EMPTY(tag_names, (size_t)TAG_COUNT, (int)t);
}
const char *state_code(int index)
{
    return NAME_OR_EMPTY(state_codes, (size_t)STATE_COUNT, index);
}

static int lookup(const char *s, const char *const *table, size_t n)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (table[i][0] && strcasecmp(s, table[i]) == 0)
            return (int)i;
    return -1;
}

int disc_parse(const char *s)
{
    int d = lookup(s, disc_names, DISC_COUNT);
    if (d >= 0 || !s)
        return d;
    if (strcasecmp(s, "OTA") == 0 || strcasecmp(s, "COTA/L") == 0)
        return DISC_COTA;
    if (strcasecmp(s, "LVN") == 0)
        return DISC_LPN;
    if (strcasecmp(s, "DO") == 0 || strcasecmp(s, "physician") == 0)
        return DISC_MD;
    return -1;
}

int work_mode_parse(const char *s)
{
    return lookup(s, mode_names, MODE_COUNT);
}

int sched_parse(const char *s)
{
    return lookup(s, sched_names, SCHED_COUNT);
}

int period_parse(const char *s)
{
    if (s && s[0] == '\0')
        return PERIOD_NONE;
    return lookup(s, period_names, PERIOD_COUNT);
}

int role_family_parse(const char *s)
{
    return lookup(s, role_names, ROLE_COUNT);
}

int tag_kind_parse(const char *s)
{
    return lookup(s, tag_names, TAG_COUNT);
}

int state_parse(const char *s)
{
    return lookup(s, state_codes, STATE_COUNT);
}

const char *disc_all_names(void)
{
    return "PT, OT, SLP, PTA, COTA, SLPA, RN, LPN, MD";
}

const char *work_mode_all_names(void)
{
    return "remote, hybrid, onsite, unknown";
}

const char *sched_all_names(void)
{
    return "full_time, part_time, prn, contract";
}

double salary_annualise(double amount, enum pay_period period)
{
    switch (period) {
    case PERIOD_HOUR:
        return amount * 2080.0;
    case PERIOD_WEEK:
        return amount * 52.0;
    case PERIOD_MONTH:
        return amount * 12.0;
    case PERIOD_YEAR:
        return amount;
    default:
        return 0;
    }
}

void salary_update_annual(struct salary *s)
{
    double v = 0;
    if (s->min > 0 && s->max > 0)
        v = (s->min + s->max) / 2.0;
    else if (s->min > 0)
        v = s->min;
    else
        v = s->max;
    s->annual = salary_annualise(v, s->period);
}

static uint64_t fnv_text(uint64_t h, const char *s)
{
    if (!s)
        return h;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c < 0x80 && !isalnum(c))
            continue;
        c = (unsigned char)tolower(c);
        h ^= c;
        h *= 1099511628211ULL;
    }
    h ^= 0xFF; /* field separator */
    h *= 1099511628211ULL;
    return h;
}

void posting_fingerprint(const struct posting *p, char out[17])
{
    uint64_t h = 14695981039346656037ULL;
    h = fnv_text(h, p->title);
    h = fnv_text(h, p->employer);
    h = fnv_text(h, p->location);
    (void)snprintf(out, 17, "%016llx", (unsigned long long)h);
}
