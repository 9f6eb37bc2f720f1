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
static bool filters_match(const struct db_subscriber *s, const struct fcand *f)
{
    if (s->disciplines && !(s->disciplines & f->disciplines))
        return false;
    if (s->modes && !(s->modes & (1u << f->mode)))
        return false;
    if (s->schedules && !(s->schedules & f->schedule))
        return false;
    if (s->states && !(s->states & (1ULL << STATE_ANY)) && !(f->states & (1ULL << STATE_ANY)) &&
        !(f->states & s->states))
        return false;
    return !(s->min_salary > 0) || f->salary >= s->min_salary;
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
    if (b->taken[cls] == (int64_t)si + 1 || (b->nsent && digest_was_sent(b, b->subs[si].id, cls)))
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

/*
 * Matches in digest order (b->order), all of them: the first b->shown_cap (after the picks) are
 * shown, the rest are summarised as "N more", and every one is recorded as delivered.
 */
static int select_matches(struct build *b, size_t si, const struct member *m, size_t nm)
{
    const struct db_subscriber *s = &b->subs[si];
    int64_t since = since_of(s, b->now);
    int32_t kw = b->sub_kw ? b->sub_kw[si] : -1;
    int rc = URS_OK;
    struct walk w;
    size_t k;
    digest_walk_start(b, s->disciplines, &w);
    while (rc == URS_OK && digest_walk_next(&w, &k)) {
        const struct fcand *f = &b->fc[k];
        uint32_t ci = f->cand;
        const char *note = NULL;
        if (f->first_seen < since || !filters_match(s, f) || (kw >= 0 && !b->kw[kw].hits[ci]) ||
            (s->exclude_employers && employer_excluded(s, &b->c[ci].p)) ||
            (nm && hidden_for(b, m, nm, b->c[ci].p.id, &note)))
            continue;
        if (!take_class(b, si, f->cls))
            continue;
        rc = add_sel(b, ci, note, false);
    }
    return rc;
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

/*
 * Record the digest. What it shows and every coach's pick get a deliveries row each; the
 * matches summarised as "N more" count as delivered too, kept as one compact summary (a
 * digest can summarise hundreds). b->ids holds the first kind from the front, the second from
 * position n_del on.
 */
static int record(struct build *b, size_t si, size_t shown, struct notify_message *m, struct err *e)
{
    const struct db_subscriber *s = &b->subs[si];
    size_t n = shown ? b->nsel : 0, n_del = 0, n_sum = 0;
    if (n > b->ids_cap) {
        int64_t *ids = realloc(b->ids, n * sizeof *ids);
        if (!ids)
            return err_set(e, URS_ENOMEM, "digest: out of memory");
        b->ids = ids;
        b->ids_cap = n;
    }
    for (size_t i = 0; i < n; i++) /* picks come first in sel, so the shown ones stay first */
        if (i < shown || b->sel[i].pick)
            b->ids[n_del++] = b->c[b->sel[i].cand].p.id;
    /* the summarised ones in posting id order (b->c is by id): a bitmap, not a sort */
    size_t words = (b->nc + 63) / 64;
    if (n > shown && words > b->bits_cap) {
        uint64_t *bits = realloc(b->bits, words * sizeof *bits);
        if (!bits)
            return err_set(e, URS_ENOMEM, "digest: out of memory");
        memset(bits, 0, words * sizeof *bits);
        b->bits = bits;
        b->bits_cap = words;
    }
    for (size_t i = shown; i < n; i++)
        if (!b->sel[i].pick)
            b->bits[b->sel[i].cand / 64] |= 1ULL << (b->sel[i].cand % 64);
    for (size_t w = 0; n > shown && w < words; w++)
        for (uint64_t x = b->bits[w]; x; x &= x - 1)
            b->ids[n_del + n_sum++] = b->c[w * 64 + (size_t)__builtin_ctzll(x)].p.id;
    if (n > shown)
        memset(b->bits, 0, words * sizeof *b->bits);
    struct db_digest_record r = {.subscriber_id = s->id,
                                 .expect_last_digest_at = s->last_digest_at,
                                 .now = b->now,
                                 .next_due_at = next_due(b, s),
                                 .recipient = s->email,
                                 .message_id = shown ? m->message_id : NULL,
                                 .subject = shown ? m->subject : NULL,
                                 .message = shown ? m->message.data : NULL,
                                 .message_len = shown ? m->message.len : 0,
                                 .posting_ids = b->ids,
                                 .postings_len = n_del,
                                 .shown_len = shown,
                                 .summarised_ids = b->ids + n_del,
                                 .summarised_len = n_sum};
    struct err why;
    err_clear(&why);
    int64_t outbox_id;
    int rc = db_digest_record(b->db, &r, &outbox_id, &why);
    if (rc == URS_EBUSY) {
        log_info("digest: subscriber=%lld skipped: %s", (long long)s->id, why.msg);
        return URS_OK;
    }
    if (rc != URS_OK)
        return err_set(e, rc, "%s", why.msg);
    if (shown) {
        b->st->digests++;
        b->st->postings += shown;
        b->st->summarised += n - shown;
        if (b->nbatch < DIGEST_BATCH)
            b->batch[b->nbatch++] = s->id; /* RECORDED fires once the batch is committed */
    }
    return URS_OK;
}

/* A candidate's rendered blocks, made on first use and shared by every digest of the run. */
static int blocks_of(struct build *b, struct cand *c)
{
    if (c->blocks)
        return URS_OK;
    if (!(c->blocks = calloc(4, sizeof *c->blocks)))
        return URS_ENOMEM;
    sbuf_init(&c->blocks[0], NOTIFY_MAX_MESSAGE / 4);
    sbuf_init(&c->blocks[1], NOTIFY_MAX_MESSAGE / 4);
    sbuf_init(&c->blocks[2], DB_BLOCK_REF_LEN);
    sbuf_init(&c->blocks[3], DB_BLOCK_REF_LEN);
    return notify_render_block(&c->p, b->now, &c->blocks[0], &c->blocks[1]);
}

/*
 * A candidate's blocks stored once per build (in the open batch's transaction) and the
 * references every message that shows it holds instead of the bytes: 10,000 digests of 25
 * postings would otherwise write the same blocks 250,000 times.
 */
static int stored_blocks(struct build *b, struct cand *c, struct err *e)
{
    if (c->blocks[2].len)
        return URS_OK;
    for (int k = 0; k < 2; k++) {
        int64_t id;
        unsigned char ref[DB_BLOCK_REF_LEN];
        int rc = db_digest_block_add(b->db, b->now, c->blocks[k].data ? c->blocks[k].data : "",
                                     c->blocks[k].len, &id, e);
        if (rc != URS_OK)
            return rc;
        db_block_ref(ref, id);
        sbuf_reset(&c->blocks[2 + k]);
        if (sbuf_append(&c->blocks[2 + k], ref, sizeof ref) != URS_OK)
            return err_set(e, URS_ENOMEM, "digest: out of memory");
    }
    return URS_OK;
}

static int fill_items(struct build *b, size_t shown, struct err *e)
{
    bool store = !b->o->dry_run && !b->capture;
    if (shown > b->items_cap) {
        struct notify_item *n = realloc(b->items, shown * sizeof *n);
        if (!n)
            return URS_ENOMEM;
        b->items = n;
        b->items_cap = shown;
    }
    for (size_t i = 0; i < shown; i++) {
        struct cand *c = &b->c[b->sel[i].cand];
        b->items[i] = (struct notify_item){&c->p, b->sel[i].note, b->sel[i].pick, NULL, NULL};
        if (b->capture || b->sel[i].pick || b->sel[i].note)
            continue;
        int rc = blocks_of(b, c);
        if (rc != URS_OK)
            return err_set(e, rc, "digest: %s", err_name(rc));
        if (store && (rc = stored_blocks(b, c, e)) != URS_OK)
            return rc;
        b->items[i].text_qp = &c->blocks[store ? 2 : 0];
        b->items[i].html_qp = &c->blocks[store ? 3 : 1];
    }
    return URS_OK;
}

static int build_one(struct build *b, size_t si, struct err *e)
{
    const struct db_subscriber *s = &b->subs[si];
    const char *coach;
    if (select_for(b, si, &coach) != URS_OK)
        return err_set(e, URS_ENOMEM, "digest: out of memory");
    size_t shown = b->nsel < b->shown_cap ? b->nsel : b->shown_cap;
    int rc = fill_items(b, shown, e);
    if (rc != URS_OK)
        return rc;
    size_t more = b->nsel - shown; /* picks past the cap count too */
    b->st->subscribers++;
    if (shown == 0) {
        b->st->empty++;
        return b->o->dry_run || b->capture ? URS_OK : record(b, si, 0, NULL, e);
    }
    struct notify_digest d = {.sub = s,
                              .items = b->items,
                              .items_len = shown,
                              .more = more,
                              .coach = coach,
                              .since = since_of(s, b->now) + NOTIFY_SINCE_OVERLAP,
                              .now = b->now};
    struct notify_message *m = b->capture ? b->capture : &b->msg;
    rc = notify_render(&d, b->cfg, m, e);
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

/*
 * Digests are recorded in batches of up to DIGEST_BATCH per transaction: each digest and its
 * deliveries still commit together (or not at all), but 100,000 digests cost 25 commits, not
 * 100,000. Large batches matter for the deliveries_posting index too: every commit rewrites
 * each of its pages the batch touched, and a batch of 4,000 digests touches most of them
 * (1,000 per batch: 15.5 s for 100,000 digests; 4,000, with the rows sorted at commit: 13.3
 * s). A crash loses at most the open batch, which is simply built again; the write lock is
 * held for about half a second at a time.
 */
static int commit_batch(struct build *b, int rc, struct err *e)
{
    if (!b->in_tx)
        return rc;
    b->in_tx = false;
    if (rc != URS_OK) {
        db_rollback(b->db);
        b->nbatch = 0;
        return rc;
    }
    rc = db_commit(b->db, e);
    for (size_t i = 0; i < b->nbatch && rc == URS_OK; i++)
        hook(b, NOTIFY_AT_RECORDED, b->batch[i]);
    b->nbatch = 0;
    return rc;
}

static int run(struct build *b, struct err *e)
{
    int64_t since = b->now;
    for (size_t i = 0; i < b->nsubs; i++) {
        int64_t s = since_of(&b->subs[i], b->now);
        if (s < since)
            since = s;
    }
    bool records = !b->o->dry_run && !b->capture;
    int rc = digest_load(b, since, e);
    for (size_t i = 0, in_batch = 0; i < b->nsubs && rc == URS_OK; i++) {
        if (b->o->stop && *b->o->stop)
            break;
        if (records && !b->in_tx) {
            if ((rc = db_begin(b->db, e)) != URS_OK)
                break;
            b->in_tx = true;
            in_batch = 0;
        }
        rc = build_one(b, i, e);
        if (++in_batch >= DIGEST_BATCH || rc != URS_OK)
            rc = commit_batch(b, rc, e);
    }
    return commit_batch(b, rc, e);
}

size_t notify_max_items(const struct config *cfg)
{
    long n = cfg->max_items;
    if (n <= 0)
        return NOTIFY_DEFAULT_ITEMS;
    return n > NOTIFY_MAX_ITEMS ? NOTIFY_MAX_ITEMS : (size_t)n;
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
    struct build b = {
        .db = db, .cfg = cfg, .o = o, .st = st, .now = o->now, .shown_cap = notify_max_items(cfg)};
    notify_message_init(&b.msg);
    b.msg.no_parts = true; /* only the message is recorded: reuse the postings' blocks */
    struct err why;
    err_clear(&why);
    int rc = db_subscribers_due(db, o->now, o->all, take_due, &b, &why);
    if (rc != URS_OK)
        rc =
            b.oom ? err_set(e, URS_ENOMEM, "digest: out of memory") : err_set(e, rc, "%s", why.msg);
    if (rc == URS_OK && b.nsubs > 0 && !o->dry_run) {
        /* writing thousands of digests re-reads B-tree pages a 2 MB cache has dropped */
        rc = db_cache_size(db, DIGEST_CACHE_KIB, e);
        if (rc == URS_OK)
            rc = run(&b, e);
        struct err ignored;
        err_clear(&ignored);
        if (db_cache_size(db, 0, &ignored) != URS_OK)
            log_warn("digest: %s", ignored.msg);
    } else if (rc == URS_OK && b.nsubs > 0) {
        rc = run(&b, e);
    }
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
    struct build b = {.db = db,
                      .cfg = cfg,
                      .o = &o,
                      .st = &st,
                      .now = now,
                      .shown_cap = notify_max_items(cfg),
                      .capture = out};
    notify_message_init(&b.msg);
    rc = digest_add_subscriber(&b, &s) == URS_OK ? run(&b, e)
                                                 : err_set(e, URS_ENOMEM, "out of memory");
    *postings = b.captured;
    digest_free(&b);
    db_subscriber_free(&s);
    return rc;
}

static int take_active_member(void *ctx, const struct db_subscriber *s)
{
    if (s->status != DB_SUB_ACTIVE)
        return 0;
    return digest_add_subscriber(ctx, s) == URS_OK ? 0 : 1;
}

int notify_build_cohort(struct db *db, const struct config *cfg, const struct notify_opts *o,
                        const char *cohort, struct notify_stats *st, struct err *e)
{
    if (notify_check_config(cfg, e) != URS_OK)
        return URS_EINVAL;
    struct build b = {
        .db = db, .cfg = cfg, .o = o, .st = st, .now = o->now, .shown_cap = notify_max_items(cfg)};
    notify_message_init(&b.msg);
    b.msg.no_parts = true;
    struct err why;
    err_clear(&why);
    int rc = db_cohort_members(db, cohort, take_active_member, &b, &why);
    if (rc != URS_OK)
        rc =
            b.oom ? err_set(e, URS_ENOMEM, "digest: out of memory") : err_set(e, rc, "%s", why.msg);
    if (rc == URS_OK && b.nsubs > 0)
        rc = run(&b, e);
    digest_free(&b);
    return rc;
}
