/* SPDX-License-Identifier: MIT */
/* Building digests: match new postings to due subscribers in memory, render, record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "config/config.h"
#include "notifier/digest_int.h"

/* ---- fingerprint classes and (subscriber, class) pairs ---- */

static uint64_t fp_key(const char *fp)
{
    uint64_t v = 0;
    size_t n = 0;
    for (; fp && n < 16; n++) {
        char c = fp[n];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            break;
        v = (v << 4) | (uint64_t)d;
    }
    if (n == 16 && fp[16] == '\0')
        return v;
    uint64_t h = 1469598103934665603ULL; /* not hex: FNV-1a of the text */
    for (; fp && *fp; fp++)
        h = (h ^ (unsigned char)*fp) * 1099511628211ULL;
    return h;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static int fpmap_init(struct fpmap *m, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = malloc(cap * sizeof *m->vals);
    if (!m->keys || !m->vals)
        return URS_ENOMEM;
    memset(m->vals, 0xff, cap * sizeof *m->vals);
    m->mask = cap - 1;
    return URS_OK;
}

/* The class of key, adding it as class *next when new (add) or UINT32_MAX when absent. */
static uint32_t fpmap_get(struct fpmap *m, uint64_t key, bool add, uint32_t *next)
{
    for (size_t i = mix(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->vals[i] == UINT32_MAX) {
            if (!add)
                return UINT32_MAX;
            m->keys[i] = key;
            m->vals[i] = (*next)++;
            return m->vals[i];
        }
        if (m->keys[i] == key)
            return m->vals[i];
    }
}

static int pairset_init(struct pairset *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    s->slots = calloc(cap, sizeof *s->slots);
    s->mask = cap - 1;
    return s->slots ? URS_OK : URS_ENOMEM;
}

static bool pairset_has(const struct pairset *s, int64_t sub, uint32_t cls, bool add)
{
    uint64_t key = mix((uint64_t)sub * 0x9E3779B97F4A7C15ULL ^ cls);
    for (size_t i = key & s->mask;; i = (i + 1) & s->mask) {
        struct pair *p = &s->slots[i];
        if (!p->used) {
            if (add) {
                p->used = 1;
                p->sub = sub;
                p->cls = cls;
            }
            return false;
        }
        if (p->sub == sub && p->cls == cls)
            return true;
    }
}

/* ---- loading ---- */

static int take_subscriber(void *ctx, const struct db_subscriber *s)
{
    struct build *b = ctx;
    if (b->nsubs == b->subs_cap) {
        size_t cap = b->subs_cap ? 2 * b->subs_cap : 256;
        struct db_subscriber *n = realloc(b->subs, cap * sizeof *n);
        if (!n)
            return 1;
        b->subs = n;
        b->subs_cap = cap;
    }
    struct db_subscriber *d = &b->subs[b->nsubs];
    *d = *s;
    char **strings[] = {&d->email, &d->name, &d->time_zone, &d->keywords, &d->exclude_employers};
    const char *src[] = {s->email, s->name, s->time_zone, s->keywords, s->exclude_employers};
    for (size_t i = 0; i < 5; i++)
        *strings[i] = NULL;
    for (size_t i = 0; i < 5; i++) {
        if (src[i] && !(*strings[i] = strdup(src[i]))) {
            db_subscriber_free(d);
            return 1;
        }
    }
    b->nsubs++;
    return 0;
}

static int take_candidate(void *ctx, const struct posting *p, const char *fingerprint)
{
    struct build *b = ctx;
    if (b->nc == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        struct cand *n = realloc(b->c, cap * sizeof *n);
        if (!n)
            return 1;
        b->c = n;
        b->cap = cap;
    }
    struct cand *c = &b->c[b->nc];
    c->blocks = NULL;
    if (posting_copy(&c->p, p) != URS_OK)
        return 1;
    (void)snprintf(c->fp, sizeof c->fp, "%s", fingerprint);
    c->key = fp_key(fingerprint);
    c->url_ok = text_url_is_http(p->url);
    b->nc++;
    return 0;
}

static int take_member(void *ctx, int64_t cohort, int64_t sub)
{
    struct build *b = ctx;
    if (b->nmembers == b->members_cap) {
        size_t cap = b->members_cap ? 2 * b->members_cap : 64;
        struct member *n = realloc(b->members, cap * sizeof *n);
        if (!n)
            return 1;
        b->members = n;
        b->members_cap = cap;
    }
    b->members[b->nmembers++] = (struct member){sub, cohort};
    return 0;
}

static int take_curation(void *ctx, const struct db_curation *c)
{
    struct build *b = ctx;
    if (!c->open)
        return 0;
    if (b->ncur == b->cur_cap) {
        size_t cap = b->cur_cap ? 2 * b->cur_cap : 64;
        struct cur *n = realloc(b->curs, cap * sizeof *n);
        if (!n)
            return 1;
        b->curs = n;
        b->cur_cap = cap;
    }
    struct cur *k = &b->curs[b->ncur];
    *k = (struct cur){c->cohort_id, c->posting_id, c->pinned, c->hidden, NULL, NULL};
    if ((c->note && !(k->note = strdup(c->note))) || (c->coach && !(k->coach = strdup(c->coach)))) {
        free(k->note);
        return 1;
    }
    b->ncur++;
    return 0;
}

static int cmp_member(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    return x->cohort < y->cohort ? -1 : x->cohort > y->cohort;
}

static int cmp_cur(const void *a, const void *b)
{
    const struct cur *x = a, *y = b;
    if (x->cohort != y->cohort)
        return x->cohort < y->cohort ? -1 : 1;
    return x->posting < y->posting ? -1 : x->posting > y->posting;
}

static int mode_rank(enum work_mode m)
{
    return m == MODE_REMOTE ? 0 : m == MODE_HYBRID ? 1 : m == MODE_ONSITE ? 2 : 3;
}

/*
 * The order of a digest, computed once for all subscribers: grouped by work mode (remote
 * first), then postings with a usable link, UR roles, higher UR score, newer. Walking the
 * candidates in this order gives each digest sorted, and the first of duplicates (one job on
 * several sources) is the best one.
 */
static int cmp_order(const void *a, const void *b, void *ctx)
{
    const struct build *bld = ctx;
    const struct cand *x = &bld->c[*(const uint32_t *)a];
    const struct cand *y = &bld->c[*(const uint32_t *)b];
    int mx = mode_rank(x->p.work_mode), my = mode_rank(y->p.work_mode);
    if (mx != my)
        return mx - my;
    if (x->url_ok != y->url_ok)
        return x->url_ok ? -1 : 1;
    if (x->p.ur_role != y->p.ur_role)
        return x->p.ur_role ? -1 : 1;
    if (x->p.ur_score != y->p.ur_score)
        return x->p.ur_score > y->p.ur_score ? -1 : 1;
    if (x->p.first_seen != y->p.first_seen)
        return x->p.first_seen > y->p.first_seen ? -1 : 1;
    return x->p.id > y->p.id ? -1 : x->p.id < y->p.id;
}

/* For each discipline, the positions in b->order of its candidates (ascending); and the
   packed copy of what matching reads. */
static int index_disciplines(struct build *b)
{
    if (!(b->fc = malloc((b->nc + 1) * sizeof *b->fc)))
        return URS_ENOMEM;
    for (size_t k = 0; k < b->nc; k++) {
        const struct cand *c = &b->c[b->order[k]];
        b->fc[k] = (struct fcand){c->p.first_seen,  c->p.license_states,    c->p.salary.annual,
                                  c->p.disciplines, c->p.schedule,          c->cls,
                                  b->order[k],      (uint8_t)c->p.work_mode};
    }
    for (int d = 0; d < DISC_COUNT; d++)
        if (!(b->by_disc[d] = malloc((b->nc + 1) * sizeof *b->by_disc[d])))
            return URS_ENOMEM;
    for (size_t k = 0; k < b->nc; k++) {
        uint32_t bits = b->c[b->order[k]].p.disciplines;
        for (int d = 0; d < DISC_COUNT; d++)
            if (bits & (1u << d))
                b->by_disc[d][b->n_disc[d]++] = (uint32_t)k;
    }
    return URS_OK;
}

void digest_walk_start(const struct build *b, uint32_t disciplines, struct walk *w)
{
    memset(w, 0, sizeof *w);
    if (!disciplines) {
        w->all = b->nc;
        return;
    }
    for (int d = 0; d < DISC_COUNT; d++) {
        if (disciplines & (1u << d)) {
            w->list[w->lists] = b->by_disc[d];
            w->len[w->lists++] = b->n_disc[d];
        }
    }
}

bool digest_walk_next(struct walk *w, size_t *pos)
{
    if (w->lists == 0) {
        if (w->next_all >= w->all)
            return false;
        *pos = w->next_all++;
        return true;
    }
    size_t best = SIZE_MAX;
    for (int i = 0; i < w->lists; i++)
        if (w->pos[i] < w->len[i] && w->list[i][w->pos[i]] < best)
            best = w->list[i][w->pos[i]];
    if (best == SIZE_MAX)
        return false;
    for (int i = 0; i < w->lists; i++) /* a posting of two disciplines comes once */
        if (w->pos[i] < w->len[i] && w->list[i][w->pos[i]] == best)
            w->pos[i]++;
    *pos = best;
    return true;
}

/* Classes for fingerprints, the iteration order, and the already-sent pairs. */
static int index_candidates(struct build *b)
{
    if (fpmap_init(&b->classes, b->nc) != URS_OK ||
        !(b->order = malloc((b->nc + 1) * sizeof *b->order)) ||
        !(b->taken = calloc(b->nc + 1, sizeof *b->taken)))
        return URS_ENOMEM;
    uint32_t next = 0;
    for (size_t i = 0; i < b->nc; i++) {
        b->c[i].cls = fpmap_get(&b->classes, b->c[i].key, true, &next);
        b->order[i] = (uint32_t)i;
    }
    if (b->nc > 1)
        qsort_r(b->order, b->nc, sizeof *b->order, cmp_order, b);
    if (index_disciplines(b) != URS_OK)
        return URS_ENOMEM;
    if (b->nmembers > 1)
        qsort(b->members, b->nmembers, sizeof *b->members, cmp_member);
    if (b->ncur > 1)
        qsort(b->curs, b->ncur, sizeof *b->curs, cmp_cur);
    return pairset_init(&b->sent, b->nc * 4 + 1024);
}

/* Class cls was sent to subscriber sub. URS_OK or URS_ENOMEM. */
static int mark_sent(struct build *b, int64_t sub, uint32_t cls)
{
    if (b->nsent + 1 > (b->sent.mask + 1) / 2) {
        struct pairset grown;
        if (pairset_init(&grown, 2 * (b->sent.mask + 1)) != URS_OK)
            return URS_ENOMEM;
        for (size_t i = 0; i <= b->sent.mask; i++)
            if (b->sent.slots[i].used)
                (void)pairset_has(&grown, b->sent.slots[i].sub, b->sent.slots[i].cls, true);
        free(b->sent.slots);
        b->sent = grown;
    }
    if (!pairset_has(&b->sent, sub, cls, true))
        b->nsent++;
    return URS_OK;
}

static int take_sent(void *ctx, int64_t sub, const char *fp)
{
    struct build *b = ctx;
    uint32_t next = 0;
    uint32_t cls = fpmap_get(&b->classes, fp_key(fp), false, &next);
    return cls != UINT32_MAX && mark_sent(b, sub, cls) != URS_OK ? 1 : 0;
}

/*
 * The matches an earlier digest summarised as "N more": sent, as far as they are candidates
 * now (a summarised posting is only ever a candidate again through its first_seen, so the
 * summaries since `since` hold every one that matters).
 */
static int take_summary(void *ctx, int64_t sub, const int64_t *ids, size_t n)
{
    struct build *b = ctx;
    for (size_t i = 0; i < n; i++) {
        long k = digest_find(b, ids[i]);
        if (k >= 0 && mark_sent(b, sub, b->c[k].cls) != URS_OK)
            return 1;
    }
    return 0;
}

long digest_find(const struct build *b, int64_t posting_id)
{
    size_t lo = 0, hi = b->nc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->c[mid].p.id < posting_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->nc && b->c[lo].p.id == posting_id ? (long)lo : -1;
}

struct kw_walk {
    const struct build *b;
    uint8_t *hits;
};

static int kw_hit(void *ctx, int64_t id)
{
    struct kw_walk *w = ctx;
    long i = digest_find(w->b, id);
    if (i >= 0)
        w->hits[i] = 1;
    return 0;
}

/* Run one keyword text through FTS5 into a new class. */
static int keyword_class(struct build *b, const char *text, struct err *e)
{
    struct kwclass *k = realloc(b->kw, (b->nkw + 1) * sizeof *k);
    if (!k)
        return err_set(e, URS_ENOMEM, "digest: out of memory");
    b->kw = k;
    k = &b->kw[b->nkw];
    k->text = text;
    if (!(k->hits = calloc(b->nc + 1, 1)))
        return err_set(e, URS_ENOMEM, "digest: out of memory");
    b->nkw++;
    struct kw_walk w = {b, k->hits};
    struct err why;
    err_clear(&why);
    int rc = b->nc ? db_keyword_hits(b->db, text, b->c[0].p.id, kw_hit, &w, &why) : URS_OK;
    if (rc == URS_EINVAL) { /* no usable word: the filter matches nothing */
        log_warn("digest: keywords matched nothing: %s", why.msg);
        return URS_OK;
    }
    if (rc != URS_OK)
        return err_set(e, rc, "%s", why.msg);
    return URS_OK;
}

static int cmp_kw(const void *a, const void *b, void *ctx)
{
    const struct build *bld = ctx;
    return strcmp(bld->subs[*(const uint32_t *)a].keywords,
                  bld->subs[*(const uint32_t *)b].keywords);
}

/* The postings each distinct keyword text matches, one FTS5 query per distinct text. */
static int load_keywords(struct build *b, struct err *e)
{
    uint32_t *idx = malloc((b->nsubs + 1) * sizeof *idx);
    b->sub_kw = malloc((b->nsubs + 1) * sizeof *b->sub_kw);
    if (!idx || !b->sub_kw) {
        free(idx);
        return err_set(e, URS_ENOMEM, "digest: out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < b->nsubs; i++) {
        b->sub_kw[i] = -1;
        if (b->subs[i].keywords && *b->subs[i].keywords)
            idx[n++] = (uint32_t)i;
    }
    if (n > 1)
        qsort_r(idx, n, sizeof *idx, cmp_kw, b);
    int rc = URS_OK;
    for (size_t i = 0; i < n && rc == URS_OK; i++) {
        const char *kw = b->subs[idx[i]].keywords;
        if (i == 0 || strcmp(kw, b->subs[idx[i - 1]].keywords) != 0)
            rc = keyword_class(b, kw, e);
        b->sub_kw[idx[i]] = (int32_t)(b->nkw - 1);
    }
    free(idx);
    return rc;
}

int digest_load(struct build *b, int64_t since, struct err *e)
{
    int rc = db_digest_candidates(b->db, since, take_candidate, b, e);
    if (rc == URS_OK)
        rc = db_memberships_each(b->db, take_member, b, e);
    if (rc == URS_OK)
        rc = db_curation_each(b->db, NULL, take_curation, b, e);
    if (rc == URS_OK && index_candidates(b) != URS_OK)
        rc = err_set(e, URS_ENOMEM, "digest: out of memory");
    if (rc == URS_OK && b->nc > 0)
        rc = db_digest_sent_pairs(b->db, since, take_sent, b, e);
    if (rc == URS_OK && b->nc > 0)
        rc = db_digest_summaries(b->db, since, take_summary, b, e);
    if (rc == URS_OK)
        rc = load_keywords(b, e);
    return rc;
}

void digest_free(struct build *b)
{
    for (size_t i = 0; i < b->nsubs; i++)
        db_subscriber_free(&b->subs[i]);
    for (size_t i = 0; i < b->nc; i++) {
        posting_free(&b->c[i].p);
        if (b->c[i].blocks) {
            for (int k = 0; k < 4; k++)
                sbuf_free(&b->c[i].blocks[k]);
            free(b->c[i].blocks);
        }
    }
    for (size_t i = 0; i < b->ncur; i++) {
        free(b->curs[i].note);
        free(b->curs[i].coach);
    }
    for (size_t i = 0; i < b->nkw; i++)
        free(b->kw[i].hits);
    free(b->kw);
    free(b->subs);
    free(b->sub_kw);
    free(b->c);
    free(b->order);
    free(b->fc);
    for (int d = 0; d < DISC_COUNT; d++)
        free(b->by_disc[d]);
    free(b->taken);
    free(b->members);
    free(b->curs);
    free(b->classes.keys);
    free(b->classes.vals);
    free(b->sent.slots);
    free(b->sel);
    free(b->ids);
    free(b->bits);
    free(b->items);
    notify_message_free(&b->msg);
    memset(b, 0, sizeof *b);
}

int digest_add_subscriber(struct build *b, const struct db_subscriber *s)
{
    if (take_subscriber(b, s) == 0)
        return URS_OK;
    b->oom = true;
    return URS_ENOMEM;
}

bool digest_was_sent(struct build *b, int64_t sub, uint32_t cls)
{
    return pairset_has(&b->sent, sub, cls, false);
}
