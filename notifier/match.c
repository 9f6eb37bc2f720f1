/* SPDX-License-Identifier: MIT */
/* One digest per subscriber: filters, coach picks, order, render, record with its deliveries. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "config/config.h"
#include "notifier/digest_int.h"

static int64_t period_of(enum db_frequency f)
{
    return f == DB_FREQ_DAILY ? 86400 : f == DB_FREQ_WEEKLY ? 7 * 86400 : 31 * 86400;
}

/*
 * New since the last digest (the first digest looks back one period), never more than two
 * periods back, with a day of overlap so a posting committed late is not skipped; the
 * deliveries table keeps the overlap from sending anything twice.
 */
static int64_t since_of(const struct db_subscriber *s, int64_t now)
{
    int64_t period = period_of(s->frequency);
    int64_t since = s->last_digest_at > 0 ? s->last_digest_at : s->created_at - period;
    if (since < now - 2 * period)
        since = now - 2 * period;
    return since - NOTIFY_SINCE_OVERLAP;
}

/* The tag filters, with the same meaning as `urscout search`. */
static bool filters_match(const struct db_subscriber *s, const struct posting *p)
{
    if (s->disciplines && !(s->disciplines & p->disciplines))
        return false;
    if (s->modes && !(s->modes & (1u << p->work_mode)))
        return false;
    if (s->schedules && !(s->schedules & p->schedule))
        return false;
    if (s->states && !(s->states & (1ULL << STATE_ANY)) &&
        !(p->license_states & (1ULL << STATE_ANY)) && !(p->license_states & s->states))
        return false;
    return !(s->min_salary > 0) || p->salary.annual >= s->min_salary;
}

static bool employer_excluded(const struct db_subscriber *s, const struct posting *p)
{
    if (!s->exclude_employers || !p->employer)
        return false;
    size_t hay = strlen(p->employer);
    for (const char *line = s->exclude_employers; *line;) {
        size_t n = strcspn(line, "\n");
        char needle[256];
        if (n > 0 && n < sizeof needle) {
            memcpy(needle, line, n);
            needle[n] = '\0';
            if (text_find_ci(p->employer, hay, needle) != (size_t)-1)
                return true;
        }
        line += n;
        if (*line)
            line++;
    }
    return false;
}

/* The cohorts subscriber sub belongs to: a slice of b->members. */
static const struct member *cohorts_of(const struct build *b, int64_t sub, size_t *n)
{
    size_t lo = 0, hi = b->nmembers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->members[mid].sub < sub)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < b->nmembers && b->members[end].sub == sub)
        end++;
    *n = end - lo;
    return b->members + lo;
}

static const struct cur *curation_of(const struct build *b, int64_t cohort, int64_t posting)
{
    size_t lo = 0, hi = b->ncur;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct cur *c = &b->curs[mid];
        if (c->cohort < cohort || (c->cohort == cohort && c->posting < posting))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < b->ncur && b->curs[lo].cohort == cohort && b->curs[lo].posting == posting)
        return &b->curs[lo];
    return NULL;
}

static int add_sel(struct build *b, uint32_t cand, const char *note, bool pick)
{
    if (b->nsel == b->sel_cap) {
        size_t cap = b->sel_cap ? 2 * b->sel_cap : 64;
        struct sel *n = realloc(b->sel, cap * sizeof *n);
        if (!n)
            return URS_ENOMEM;
        b->sel = n;
        b->sel_cap = cap;
    }
    b->sel[b->nsel++] = (struct sel){cand, note, pick};
    return URS_OK;
}

/* May class cls go to subscriber si? Marks it taken for this digest. */
static bool take_class(struct build *b, size_t si, uint32_t cls)
{
    if (b->taken[cls] == (int64_t)si + 1 || digest_was_sent(b, b->subs[si].id, cls))
        return false;
    b->taken[cls] = (int64_t)si + 1;
    return true;
}

/* Coach picks: pinned open postings of the subscriber's cohorts, filters or not. */
static int select_picks(struct build *b, size_t si, const struct member *m, size_t nm,
                        const char **coach)
{
    int rc = URS_OK;
    for (size_t k = 0; k < nm && rc == URS_OK; k++) {
        for (size_t j = 0; j < b->ncur && rc == URS_OK; j++) {
            const struct cur *c = &b->curs[j];
            if (c->cohort != m[k].cohort || !c->pinned)
                continue;
            long ci = digest_find(b, c->posting);
            if (ci < 0 || !take_class(b, si, b->c[ci].cls))
                continue;
            rc = add_sel(b, (uint32_t)ci, c->note, true);
            if (!*coach)
                *coach = c->coach;
        }
    }
    return rc;
}

/* Hidden for one of the subscriber's cohorts? Also finds a coach's note. */
static bool hidden_for(const struct build *b, const struct member *m, size_t nm, int64_t posting,
                       const char **note)
{
    *note = NULL;
    for (size_t k = 0; k < nm; k++) {
        const struct cur *c = curation_of(b, m[k].cohort, posting);
        if (c && c->hidden)
            return true;
        if (c && c->note && !*note)
            *note = c->note;
    }
    return false;
}

static int select_matches(struct build *b, size_t si, const struct member *m, size_t nm)
{
    const struct db_subscriber *s = &b->subs[si];
    int64_t since = since_of(s, b->now);
    int32_t kw = b->sub_kw ? b->sub_kw[si] : -1;
    int rc = URS_OK;
    for (size_t k = 0; k < b->nc && rc == URS_OK; k++) {
        uint32_t ci = b->order[k];
        const struct cand *c = &b->c[ci];
        const char *note;
        if (c->p.first_seen < since || !filters_match(s, &c->p) ||
            (kw >= 0 && !b->kw[kw].hits[ci]) || employer_excluded(s, &c->p) ||
            (nm && hidden_for(b, m, nm, c->p.id, &note)))
            continue;
        if (!nm)
            note = NULL;
        if (take_class(b, si, c->cls))
            rc = add_sel(b, ci, note, false);
    }
    return rc;
}

static int mode_rank(enum work_mode m)
{
    return m == MODE_REMOTE ? 0 : m == MODE_HYBRID ? 1 : m == MODE_ONSITE ? 2 : 3;
}

static int cmp_sel(const void *a, const void *b, void *ctx)
{
    const struct build *bld = ctx;
    const struct sel *x = a, *y = b;
    if (x->pick != y->pick)
        return x->pick ? -1 : 1;
    const struct posting *p = &bld->c[x->cand].p, *q = &bld->c[y->cand].p;
    if (x->pick)
        return p->id > q->id ? -1 : p->id < q->id;
    if (mode_rank(p->work_mode) != mode_rank(q->work_mode))
        return mode_rank(p->work_mode) - mode_rank(q->work_mode);
    if (p->ur_role != q->ur_role)
        return p->ur_role ? -1 : 1;
    if (p->ur_score != q->ur_score)
        return p->ur_score > q->ur_score ? -1 : 1;
    if (p->first_seen != q->first_seen)
        return p->first_seen > q->first_seen ? -1 : 1;
    return p->id > q->id ? -1 : p->id < q->id;
}

/* Choose what subscriber si gets; *coach names the coach of the picks. */
static int select_for(struct build *b, size_t si, const char **coach)
{
    size_t nm;
    const struct member *m = cohorts_of(b, b->subs[si].id, &nm);
    b->nsel = 0;
    *coach = NULL;
    int rc = nm ? select_picks(b, si, m, nm, coach) : URS_OK;
    if (rc == URS_OK)
        rc = select_matches(b, si, m, nm);
    if (rc == URS_OK && b->nsel > 1)
        qsort_r(b->sel, b->nsel, sizeof *b->sel, cmp_sel, b);
    return rc;
}

/* The next send slot after now, cached per (zone, frequency, hour): zone switches are slow. */
static int64_t next_due(struct build *b, const struct db_subscriber *s)
{
    const char *tz = s->time_zone ? s->time_zone : "UTC";
    for (size_t i = 0; i < b->ndue; i++)
        if (b->due[i].frequency == (int)s->frequency && b->due[i].hour == s->send_hour &&
            strcmp(b->due[i].tz, tz) == 0)
            return b->due[i].next;
    int64_t next;
    struct err why;
    err_clear(&why);
    if (notify_next_due(s, b->now, &next, &why) != URS_OK) {
        log_warn("digest: subscriber=%lld: %s; using UTC", (long long)s->id, why.msg);
        struct db_subscriber utc = *s;
        utc.time_zone = NULL;
        if (notify_next_due(&utc, b->now, &next, &why) != URS_OK)
            next = b->now + period_of(s->frequency);
    }
    if (b->ndue < sizeof b->due / sizeof b->due[0])
        b->due[b->ndue++] = (struct due_slot){tz, (int)s->frequency, s->send_hour, next};
    return next;
}

static void hook(struct build *b, enum notify_point at, int64_t id)
{
    if (b->o->hook)
        b->o->hook(b->o->hook_ctx, at, id);
}

static int record(struct build *b, size_t si, size_t shown, struct notify_message *m,
                  struct err *e)
{
    const struct db_subscriber *s = &b->subs[si];
    int64_t *ids = shown ? malloc(shown * sizeof *ids) : NULL;
    const char **fps = shown ? malloc(shown * sizeof *fps) : NULL;
    if (shown && (!ids || !fps)) {
        free(ids);
        free(fps);
        return err_set(e, URS_ENOMEM, "digest: out of memory");
    }
    for (size_t i = 0; i < shown; i++) {
        ids[i] = b->c[b->sel[i].cand].p.id;
        fps[i] = b->c[b->sel[i].cand].fp;
    }
    struct db_digest_record r = {
        .subscriber_id = s->id, .expect_last_digest_at = s->last_digest_at, .now = b->now,
        .next_due_at = next_due(b, s), .recipient = s->email,
        .message_id = shown ? m->message_id : NULL, .subject = shown ? m->subject : NULL,
        .message = shown ? m->message.data : NULL, .message_len = shown ? m->message.len : 0,
        .posting_ids = ids, .fingerprints = fps, .postings_len = shown};
    struct err why;
    err_clear(&why);
    int64_t outbox_id;
    int rc = db_digest_record(b->db, &r, &outbox_id, &why);
    free(ids);
    free(fps);
    if (rc == URS_EBUSY) {
        log_info("digest: subscriber=%lld skipped: %s", (long long)s->id, why.msg);
        return URS_OK;
    }
    if (rc != URS_OK)
        return err_set(e, rc, "%s", why.msg);
    if (shown) {
        b->st->digests++;
        b->st->postings += shown;
        hook(b, NOTIFY_AT_RECORDED, s->id);
    }
    return URS_OK;
}

static int fill_items(struct build *b, size_t shown)
{
    if (shown > b->items_cap) {
        struct notify_item *n = realloc(b->items, shown * sizeof *n);
        if (!n)
            return URS_ENOMEM;
        b->items = n;
        b->items_cap = shown;
    }
    for (size_t i = 0; i < shown; i++)
        b->items[i] = (struct notify_item){&b->c[b->sel[i].cand].p, b->sel[i].note, b->sel[i].pick};
    return URS_OK;
}

static int build_one(struct build *b, size_t si, struct err *e)
{
    const struct db_subscriber *s = &b->subs[si];
    const char *coach;
    if (select_for(b, si, &coach) != URS_OK || fill_items(b, b->nsel) != URS_OK)
        return err_set(e, URS_ENOMEM, "digest: out of memory");
    size_t shown = b->nsel < NOTIFY_MAX_ITEMS ? b->nsel : NOTIFY_MAX_ITEMS;
    b->st->subscribers++;
    if (shown == 0) {
        b->st->empty++;
        return b->o->dry_run || b->capture ? URS_OK : record(b, si, 0, NULL, e);
    }
    struct notify_digest d = {.sub = s, .items = b->items, .items_len = shown,
                              .more = b->nsel - shown, .coach = coach,
                              .since = since_of(s, b->now) + NOTIFY_SINCE_OVERLAP,
                              .now = b->now};
    struct notify_message *m = b->capture ? b->capture : &b->msg;
    int rc = notify_render(&d, b->cfg, m, e);
    if (rc != URS_OK)
        return rc;
    hook(b, NOTIFY_AT_RENDERED, s->id);
    if (b->capture) {
        b->captured = shown;
        return URS_OK;
    }
    if (b->o->dry_run) {
        b->st->digests++;
        b->st->postings += shown;
        return URS_OK;
    }
    return record(b, si, shown, m, e);
}

static int run(struct build *b, struct err *e)
{
    int64_t since = b->now;
    for (size_t i = 0; i < b->nsubs; i++) {
        int64_t s = since_of(&b->subs[i], b->now);
        if (s < since)
            since = s;
    }
    int rc = digest_load(b, since, e);
    for (size_t i = 0; i < b->nsubs && rc == URS_OK; i++) {
        if (b->o->stop && *b->o->stop)
            break;
        rc = build_one(b, i, e);
    }
    return rc;
}

static int take_due(void *ctx, const struct db_subscriber *s)
{
    return digest_add_subscriber(ctx, s) == URS_OK ? 0 : 1;
}

int notify_build_due(struct db *db, const struct config *cfg, const struct notify_opts *o,
                     struct notify_stats *st, struct err *e)
{
    if (notify_check_config(cfg, e) != URS_OK)
        return URS_EINVAL;
    struct build b = {.db = db, .cfg = cfg, .o = o, .st = st, .now = o->now};
    notify_message_init(&b.msg);
    struct err why;
    err_clear(&why);
    int rc = db_subscribers_due(db, o->now, o->all, take_due, &b, &why);
    if (rc != URS_OK)
        rc = b.oom ? err_set(e, URS_ENOMEM, "digest: out of memory") : err_set(e, rc, "%s", why.msg);
    if (rc == URS_OK && b.nsubs > 0)
        rc = run(&b, e);
    digest_free(&b);
    return rc;
}

int notify_preview(struct db *db, const struct config *cfg, const char *email, int64_t now,
                   struct notify_message *out, size_t *postings, struct err *e)
{
    struct notify_opts o = {.now = now, .dry_run = true};
    struct notify_stats st = {0};
    struct db_subscriber s;
    *postings = 0;
    if (notify_check_config(cfg, e) != URS_OK)
        return URS_EINVAL;
    int rc = db_subscriber_get(db, email, &s, e);
    if (rc != URS_OK)
        return rc;
    struct build b = {.db = db, .cfg = cfg, .o = &o, .st = &st, .now = now, .capture = out};
    notify_message_init(&b.msg);
    rc = digest_add_subscriber(&b, &s) == URS_OK ? run(&b, e)
                                                 : err_set(e, URS_ENOMEM, "out of memory");
    *postings = b.captured;
    digest_free(&b);
    db_subscriber_free(&s);
    return rc;
}
