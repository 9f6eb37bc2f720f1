/* SPDX-License-Identifier: MIT */
/* From rule scores to tags: page kind, discipline, role family and UR relevance, mode, schedule. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "classifier/classifier_int.h"

/* Evidence rows kept per tag value. */
#define EV_DISC  2
#define EV_MODE  2
#define EV_SCHED 1
#define EV_ROLE  2
#define EV_UR    3

static bool is_ur_family(enum role_family f)
{
    return f == ROLE_UTILIZATION_REVIEW || f == ROLE_PRIOR_AUTHORIZATION ||
           f == ROLE_APPEALS_DENIALS || f == ROLE_PHYSICIAN_ADVISOR;
}

static bool is_coord_family(enum role_family f)
{
    return f == ROLE_CARE_COORDINATION || f == ROLE_CASE_MANAGEMENT;
}

/* The strongest negative rule of (tag, value) as evidence for a "no". */
static int negative_evidence(const struct scan *s, struct posting *p, enum tag_kind kind,
                             const char *value, enum ctag tag, int v)
{
    size_t best = s->c->rules_len;
    for (size_t i = 0; i < s->active_len; i++) {
        size_t r = s->active[i];
        const struct rule *rule = &s->c->rules[r];
        if (rule->tag != tag || rule->value != v || rule->weight >= 0)
            continue;
        if (best == s->c->rules_len || rule->weight < s->c->rules[best].weight)
            best = r;
    }
    if (best == s->c->rules_len)
        return URS_OK;
    const struct match *m = &s->m[s->first[best]];
    int rc =
        posting_add_evidence(p, kind, value, s->text.data + m->start, m->end - m->start, m->start);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

/* Start of the line holding text offset off, past its leading spaces (a field mark such as
 * "|" ends a line too). */
static size_t line_start(const struct scan *s, size_t off)
{
    size_t i = off;
    while (i > 0 && scan_mark_before(s, i) == 0)
        i--;
    while (i < off && (s->text.data[i] == ' ' || s->text.data[i] == '\t'))
        i++;
    return i;
}

/* The end of the line at text offset i. */
static size_t line_end(const struct scan *s, size_t i)
{
    while (i < s->text.len && scan_line_mark(s, i) == 0)
        i++;
    return i;
}

/*
 * Bit set of disciplines named on a requirements line ("Requirements: LCSW, LPC or RN"). A
 * heading alone on its line ("Requirements", "Qualifications:") makes the first line under it
 * one too.
 */
static uint32_t on_requirement_lines(const struct scan *s)
{
    const char *t = s->text.data;
    uint32_t bits = 0;
    for (size_t i = 0; i < s->m_len; i++) {
        const struct rule *r = &s->c->rules[s->m[i].rule];
        if (s->m[i].tag != CT_PAGE || r->value != PV_REQUIREMENTS)
            continue;
        size_t from = s->m[i].start, to = line_end(s, from), e = s->m[i].end;
        while (e < to && (t[e] == ':' || t[e] == ' ' || t[e] == '\r'))
            e++;
        if (e == to) {
            for (size_t used; to < s->text.len; to += used)
                if ((used = scan_line_mark(s, to)) == 0 &&
                    (used = isspace((unsigned char)t[to]) ? 1 : 0) == 0)
                    break;
            to = line_end(s, to);
        }
        for (size_t k = 0; k < s->m_len; k++) {
            const struct rule *d = &s->c->rules[s->m[k].rule];
            if (s->m[k].tag == CT_DISCIPLINE && d->weight > 0 && !s->m[k].dropped &&
                s->m[k].start >= from && s->m[k].start < to && line_start(s, from) == from)
                bits |= 1u << d->value;
        }
    }
    return bits;
}

/* Only list joiners between text offsets a and b: ", ", " or ", "/", " and ". */
static bool joined(const struct scan *s, size_t a, size_t b)
{
    if (b < a || b - a > 6)
        return false;
    const char *t = s->text.data;
    for (size_t i = a; i < b; i++) {
        if (t[i] == ' ' || t[i] == ',' || t[i] == '/' || t[i] == '&')
            continue;
        if (i + 2 <= b && strncasecmp(t + i, "or", 2) == 0) {
            i++;
            continue;
        }
        if (i + 3 <= b && strncasecmp(t + i, "and", 3) == 0) {
            i += 2;
            continue;
        }
        return false;
    }
    return true;
}

/* Disciplines listed next to a hiring requirement: "licensed RN or PT", "PT/OT license". */
static uint32_t listed_with_required(const struct scan *s)
{
    uint32_t bits = 0;
    const struct match *prev = NULL;
    double min = s->c->set.discipline_min;
    for (size_t i = 0; i < s->m_len; i++) {
        const struct match *m = &s->m[i];
        const struct rule *r = &s->c->rules[m->rule];
        if (m->dropped || m->tag != CT_DISCIPLINE || r->weight <= 0)
            continue;
        if (prev && joined(s, prev->end, m->start)) {
            const struct rule *pr = &s->c->rules[prev->rule];
            /* along the list: "licensed PT, OT or SLP, or RN" requires all four */
            if ((pr->weight >= min || (bits & (1u << pr->value))) && r->value != pr->value)
                bits |= 1u << r->value;
            if (r->weight >= min && r->value != pr->value)
                bits |= 1u << pr->value;
        }
        prev = m;
    }
    return bits;
}

/* True when the title names discipline d. */
static bool in_title(const struct scan *s, int d)
{
    for (size_t i = 0; i < s->m_len; i++) {
        const struct rule *r = &s->c->rules[s->m[i].rule];
        if (s->m[i].tag == CT_DISCIPLINE && r->value == d && r->weight > 0 && !s->m[i].dropped &&
            (s->m[i].zone & Z_TITLE))
            return true;
    }
    return false;
}

/*
 * An assistant's posting names the therapist who supervises them ("under the supervision of
 * a licensed occupational therapist"): the therapist is not whom the job is for unless the
 * title names them too.
 */
static uint32_t supervisors(const struct scan *s, const uint32_t *set)
{
    static const int pairs[][2] = {{DISC_PTA, DISC_PT}, {DISC_COTA, DISC_OT}, {DISC_SLPA, DISC_SLP}};
    uint32_t drop = 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if ((*set & (1u << pairs[i][0])) && (*set & (1u << pairs[i][1])) &&
            in_title(s, pairs[i][0]) && !in_title(s, pairs[i][1]))
            drop |= 1u << pairs[i][1];
    return drop;
}

static int decide_disciplines(const struct scan *s, struct posting *p)
{
    int rc = URS_OK;
    uint32_t required = on_requirement_lines(s) | listed_with_required(s), set = 0;
    for (int d = 0; d < DISC_COUNT; d++) {
        double score = SCORE(s, CT_DISCIPLINE, d);
        if (required & (1u << d))
            score += s->c->set.requirement_weight;
        if (score >= s->c->set.discipline_min)
            set |= 1u << d;
    }
    set &= ~supervisors(s, &set);
    for (int d = 0; d < DISC_COUNT && rc == URS_OK; d++) {
        if (!(set & (1u << d)))
            continue;
        p->disciplines |= 1u << d;
        rc =
            scan_evidence(s, p, TAG_DISCIPLINE, disc_name((enum disc)d), CT_DISCIPLINE, d, EV_DISC);
    }
    return rc;
}

static int decide_schedule(const struct scan *s, struct posting *p)
{
    int rc = URS_OK;
    for (int v = 0; v < SCHED_COUNT && rc == URS_OK; v++) {
        if (SCORE(s, CT_SCHEDULE, v) < s->c->set.schedule_min)
            continue;
        p->schedule |= 1u << v;
        rc = scan_evidence(s, p, TAG_SCHEDULE, sched_name((enum sched)v), CT_SCHEDULE, v, EV_SCHED);
    }
    return rc;
}

/*
 * Work mode, strongest statement first: hybrid; an on-site requirement (beats a "Remote"
 * location bucket); remote; a plain on-site statement; on site inferred from hands-on duties,
 * for clinical, clerical and coordination jobs that are not UR roles, or for any job when the
 * hands-on evidence is twice the usual.
 */
static int decide_mode(const struct scan *s, struct posting *p)
{
    double min = s->c->set.mode_min;
    int v = -1;
    enum work_mode mode = MODE_UNKNOWN;
    bool infer =
        (!p->ur_role && (p->role_family == ROLE_CLINICAL_OTHER ||
                         p->role_family == ROLE_ADMIN_OTHER || is_coord_family(p->role_family))) ||
        SCORE(s, CT_MODE, MV_ONSITE_INFERRED) >= 2 * min;
    if (SCORE(s, CT_MODE, MV_HYBRID) >= min)
        v = MV_HYBRID, mode = MODE_HYBRID;
    else if (SCORE(s, CT_MODE, MV_ONSITE_REQUIRED) >= min)
        v = MV_ONSITE_REQUIRED, mode = MODE_ONSITE;
    else if (SCORE(s, CT_MODE, MV_REMOTE) >= min)
        v = MV_REMOTE, mode = MODE_REMOTE;
    else if (SCORE(s, CT_MODE, MV_ONSITE) >= min)
        v = MV_ONSITE, mode = MODE_ONSITE;
    else if (infer && SCORE(s, CT_MODE, MV_ONSITE_INFERRED) >= min)
        v = MV_ONSITE_INFERRED, mode = MODE_ONSITE;
    p->work_mode = mode;
    if (v < 0)
        return URS_OK;
    return scan_evidence(s, p, TAG_WORK_MODE, work_mode_name(mode), CT_MODE, v, EV_MODE);
}

/* The family with the highest score; general review evidence leans to utilization review. */
static enum role_family best_family(const struct scan *s, bool ur_only)
{
    enum role_family best = ROLE_UNKNOWN;
    double best_score = 0;
    for (int f = ROLE_UNKNOWN + 1; f < ROLE_ARTICLE; f++) {
        double score = SCORE(s, CT_ROLE, f);
        if (f == ROLE_UTILIZATION_REVIEW && SCORE(s, CT_UR, UR_REVIEW) > 0)
            score += s->c->set.review_lean * SCORE(s, CT_UR, UR_REVIEW);
        if ((!ur_only || is_ur_family((enum role_family)f)) && score > best_score) {
            best_score = score;
            best = (enum role_family)f;
        }
    }
    return best;
}

/* UR evidence: the [ur review] rules. */
static double ur_evidence(const struct scan *s)
{
    return SCORE(s, CT_UR, UR_REVIEW);
}

/* Healthcare vocabulary, disciplines, UR evidence and the healthcare role families. */
static double healthcare_evidence(const struct scan *s, double ur)
{
    double h = SCORE(s, CT_PAGE, PV_HEALTHCARE) + (ur > 0 ? ur : 0);
    for (int d = 0; d < DISC_COUNT; d++)
        h += SCORE(s, CT_DISCIPLINE, d) > 0 ? SCORE(s, CT_DISCIPLINE, d) : 0;
    for (int f = ROLE_UNKNOWN + 1; f < ROLE_ARTICLE; f++)
        if (f != ROLE_NON_HEALTHCARE && f != ROLE_ADMIN_OTHER && SCORE(s, CT_ROLE, f) > 0)
            h += SCORE(s, CT_ROLE, f);
    return h;
}

static int role_evidence(const struct scan *s, struct posting *p, enum role_family chosen)
{
    const char *name = role_family_name(p->role_family);
    int rc = scan_evidence(s, p, TAG_ROLE_FAMILY, name, CT_ROLE, (int)p->role_family, EV_ROLE);
    if (rc == URS_OK && chosen != p->role_family) /* fell back: show what it was read as */
        rc = scan_evidence(s, p, TAG_ROLE_FAMILY, name, CT_ROLE, (int)chosen, 1);
    if (rc != URS_OK)
        return rc;
    if (p->ur_role) {
        rc = scan_evidence(s, p, TAG_UR_ROLE, "yes", CT_UR, UR_REVIEW, EV_UR);
        if (rc == URS_OK && is_ur_family(p->role_family))
            rc = scan_evidence(s, p, TAG_UR_ROLE, "yes", CT_ROLE, (int)p->role_family, 1);
        return rc;
    }
    if (is_ur_family(chosen) || is_coord_family(chosen))
        rc = negative_evidence(s, p, TAG_UR_ROLE, "no", CT_UR, UR_REVIEW);
    return rc;
}

/*
 * The ur_role decision with the model: alone, its probability decides; combined, a rule
 * decision backed by strong review evidence (ur_strong) stands and the model decides the rest.
 */
static bool model_ur(const struct scan *s, bool rules_yes, double ur)
{
    const struct classifier *c = s->c;
    if (!c->lr.loaded || c->lr_use == CLASSIFY_LR_OFF)
        return rules_yes;
    bool model_yes = s->lr_p[LR_UR] >= 0.5;
    if (c->lr_use == CLASSIFY_LR_MODEL)
        return model_yes;
    return (rules_yes && ur >= c->set.ur_strong) || model_yes;
}

/* The page decision with the model: rules alone, model alone, or either one saying "not one
 * posting" (the rules' article cues are strong; the model catches the pages they miss). */
static bool is_article(const struct scan *s)
{
    const struct classifier *c = s->c;
    double article = SCORE(s, CT_PAGE, PV_ARTICLE) - SCORE(s, CT_PAGE, PV_POSTING);
    bool titled = SCORE(s, CT_PAGE, PV_JOB) > 0;
    bool rules = article >= (titled ? c->set.article_min : c->set.untitled_min);
    if (!c->lr.loaded || c->lr_use == CLASSIFY_LR_OFF)
        return rules;
    bool model = s->lr_p[LR_POSTING] < 0.5;
    return c->lr_use == CLASSIFY_LR_MODEL ? model : rules || model;
}

static int decide_role(const struct scan *s, struct posting *p)
{
    const struct csettings *set = &s->c->set;
    double ur = ur_evidence(s);
    enum role_family f = best_family(s, false), chosen;
    /* review words too few for a UR role and no UR title: no family yet (not a UR one) */
    if (f == ROLE_UTILIZATION_REVIEW && SCORE(s, CT_ROLE, f) <= 0 && ur < set->ur_min)
        f = ROLE_UNKNOWN;
    /* a discipline title over a body full of review work: the review work is the job */
    if ((f == ROLE_UNKNOWN || f == ROLE_CLINICAL_OTHER) && ur >= set->ur_strong) {
        f = best_family(s, true);
        f = f == ROLE_UNKNOWN ? ROLE_UTILIZATION_REVIEW : f;
    }
    if (f == ROLE_UNKNOWN && ur >= set->ur_min)
        f = ROLE_UTILIZATION_REVIEW;
    /* no healthcare words: a job outside healthcare, if it reads as a job at all */
    if (healthcare_evidence(s, ur) < set->healthcare_min)
        f = SCORE(s, CT_ROLE, ROLE_NON_HEALTHCARE) > 0 || SCORE(s, CT_PAGE, PV_POSTING) >= 3
                ? ROLE_NON_HEALTHCARE
                : ROLE_UNKNOWN;
    /* a discipline's posting with no role words of its own: the discipline's care work */
    if (f == ROLE_UNKNOWN && p->disciplines != 0)
        f = ROLE_CLINICAL_OTHER;
    chosen = f;
    if (is_ur_family(f))
        p->ur_role = ur >= set->ur_min;
    else if (is_coord_family(f))
        p->ur_role = ur >= set->ur_coord_min;
    bool rules_yes = p->ur_role;
    p->ur_role = model_ur(s, p->ur_role, ur);
    if (p->ur_role && !rules_yes && !is_ur_family(f) && !is_coord_family(f)) {
        f = best_family(s, true); /* the model found a UR role the rules read as another job */
        f = f == ROLE_UNKNOWN ? ROLE_UTILIZATION_REVIEW : f;
        chosen = f;
    }
    if (is_ur_family(f) && !p->ur_role)
        f = f == ROLE_PHYSICIAN_ADVISOR ? ROLE_CLINICAL_OTHER : ROLE_ADMIN_OTHER;
    p->role_family = f;
    double min = is_coord_family(f) ? set->ur_coord_min : set->ur_min;
    p->ur_score = ur > 0 ? ur / (ur + min) : 0;
    if (s->c->lr.loaded && s->c->lr_use == CLASSIFY_LR_MODEL)
        p->ur_score = s->lr_p[LR_UR];
    else if (s->c->lr.loaded && s->c->lr_use == CLASSIFY_LR_COMBINE && !(rules_yes && ur >= set->ur_strong))
        p->ur_score = s->lr_p[LR_UR];
    if (!p->ur_role && p->ur_score >= 0.5)
        p->ur_score = 0.49;
    if (p->ur_role && p->ur_score < 0.5)
        p->ur_score = 0.5;
    return role_evidence(s, p, chosen);
}

int decide_all(const struct scan *s, struct posting *p)
{
    if (is_article(s)) {
        p->role_family = ROLE_ARTICLE;
        return scan_evidence(s, p, TAG_ROLE_FAMILY, "article", CT_PAGE, PV_ARTICLE, EV_ROLE);
    }
    int rc = decide_disciplines(s, p);
    if (rc == URS_OK)
        rc = decide_role(s, p);
    if (rc == URS_OK)
        rc = decide_mode(s, p);
    if (rc == URS_OK)
        rc = decide_schedule(s, p);
    if (rc == URS_OK)
        rc = licence_decide(s, p);
    if (rc == URS_OK)
        rc = salary_decide(s, p);
    return rc;
}
