/* SPDX-License-Identifier: MIT */
/* The crawl job: one source's request queue, posting hand-over with cleaning, and status. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/text.h"
#include "common/utf8.h"
#include "crawler/adapt.h"

struct qnode {
    struct crawl_request rq;
    struct qnode *next;
};

/* A set of strings (ids, URLs) with open addressing. */
struct seen_set {
    char **slots;
    size_t cap; /* a power of two, or 0 */
    size_t len;
};

struct crawl_job {
    const struct config_source *src;
    const struct crawl_adapter *ad;
    crawl_posting_fn fn;
    void *ctx;
    struct qnode *head;
    struct qnode *tail;
    size_t pending;   /* requests waiting */
    size_t requested; /* requests queued over the job's life */
    size_t emitted;
    bool capped;   /* URS_MAX_ITEMS reached */
    bool stopped;  /* the callback asked to stop */
    bool document; /* no network: requests are dropped */
    bool incomplete;
    char reason[256];
    char *contact;
    void *state;
    void (*state_free)(void *);
    struct seen_set seen;
};

int crawl_job_new(const struct config_source *src, const struct crawl_adapter *ad,
                  crawl_posting_fn fn, void *ctx, struct crawl_job **out, struct err *e)
{
    *out = NULL;
    if (!src || !src->name || !ad || !fn)
        return err_set(e, URS_EINVAL, "crawl job: source, adapter and callback are required");
    struct crawl_job *job = calloc(1, sizeof *job);
    if (!job)
        return err_set(e, URS_ENOMEM, "source %s: out of memory", src->name);
    job->src = src;
    job->ad = ad;
    job->fn = fn;
    job->ctx = ctx;
    *out = job;
    return URS_OK;
}

static void seen_free(struct seen_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

void crawl_job_free(struct crawl_job *job)
{
    if (!job)
        return;
    struct qnode *n = job->head;
    while (n) {
        struct qnode *next = n->next;
        crawl_request_clear(&n->rq);
        free(n);
        n = next;
    }
    if (job->state && job->state_free)
        job->state_free(job->state);
    seen_free(&job->seen);
    free(job->contact);
    free(job);
}

const struct config_source *crawl_job_source(const struct crawl_job *job)
{
    return job->src;
}

const struct crawl_adapter *crawl_job_adapter(const struct crawl_job *job)
{
    return job->ad;
}

const char *crawl_job_name(const struct crawl_job *job)
{
    return job->src->name;
}

/* A header line must be "Name: value" without CR or LF (no header injection). */
static bool header_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    return colon && colon != h && !strpbrk(h, "\r\n");
}

static int copy_request(struct crawl_request *dst, const struct crawl_request *src)
{
    *dst = *src;
    dst->url = strdup(src->url);
    dst->body = src->body ? strdup(src->body) : NULL;
    dst->ref = src->ref ? strdup(src->ref) : NULL;
    bool ok = dst->url && (!src->body || dst->body) && (!src->ref || dst->ref);
    for (size_t i = 0; i < CRAWL_MAX_HEADERS; i++) {
        dst->headers[i] = src->headers[i] ? strdup(src->headers[i]) : NULL;
        ok = ok && (!src->headers[i] || dst->headers[i]);
    }
    if (!ok) {
        crawl_request_clear(dst);
        return URS_ENOMEM;
    }
    return URS_OK;
}

int crawl_job_request(struct crawl_job *job, const struct crawl_request *rq)
{
    if (!rq || !text_url_is_http(rq->url))
        return URS_EINVAL;
    for (size_t i = 0; i < CRAWL_MAX_HEADERS; i++)
        if (rq->headers[i] && !header_ok(rq->headers[i]))
            return URS_EINVAL;
    if (job->document || job->stopped)
        return URS_OK; /* nothing will be fetched: drop it */
    if (job->pending >= CRAWL_MAX_QUEUE || job->requested >= CRAWL_MAX_REQUESTS)
        return URS_ELIMIT;
    struct qnode *n = calloc(1, sizeof *n);
    if (!n)
        return URS_ENOMEM;
    if (copy_request(&n->rq, rq) != URS_OK) {
        free(n);
        return URS_ENOMEM;
    }
    if (job->tail)
        job->tail->next = n;
    else
        job->head = n;
    job->tail = n;
    job->pending++;
    job->requested++;
    return URS_OK;
}

bool crawl_job_next(struct crawl_job *job, struct crawl_request *rq)
{
    memset(rq, 0, sizeof *rq);
    struct qnode *n = job->head;
    if (!n || job->stopped)
        return false;
    job->head = n->next;
    if (!job->head)
        job->tail = NULL;
    job->pending--;
    *rq = n->rq;
    free(n);
    return true;
}

void crawl_request_clear(struct crawl_request *rq)
{
    if (!rq)
        return;
    free(rq->url);
    free(rq->body);
    free(rq->ref);
    for (size_t i = 0; i < CRAWL_MAX_HEADERS; i++)
        free(rq->headers[i]);
    memset(rq, 0, sizeof *rq);
}

/* Clean one text field in place to cap bytes; an empty result becomes NULL. */
static int clean_field(struct crawl_job *job, const struct posting *p, char **field,
                       const char *name, enum utf8_mode mode, size_t cap)
{
    if (!*field)
        return URS_OK;
    struct sbuf b;
    sbuf_init(&b, cap + 8);
    bool truncated = false;
    int rc = utf8_clean(*field, strlen(*field), mode, cap, &b, &truncated);
    if (rc != URS_OK) {
        sbuf_free(&b);
        return URS_ENOMEM;
    }
    if (truncated)
        log_warn("source=%s id=%s: %s truncated to %zu bytes", job->src->name,
                 p->external_id ? p->external_id : "?", name, cap);
    char *clean = NULL;
    if (b.len) {
        clean = sbuf_take(&b);
        if (!clean)
            return URS_ENOMEM;
    }
    sbuf_free(&b);
    free(*field);
    *field = clean;
    return URS_OK;
}

struct field_rule {
    size_t offset;
    const char *name;
    enum utf8_mode mode;
    size_t cap;
};

static const struct field_rule field_rules[] = {
    {offsetof(struct posting, external_id), "external id", UTF8_ONE_LINE, URS_MAX_FIELD},
    {offsetof(struct posting, title), "title", UTF8_ONE_LINE, URS_MAX_TITLE},
    {offsetof(struct posting, url), "url", UTF8_ONE_LINE, URS_MAX_URL},
    {offsetof(struct posting, employer), "employer", UTF8_ONE_LINE, URS_MAX_FIELD},
    {offsetof(struct posting, location), "location", UTF8_ONE_LINE, URS_MAX_FIELD},
    {offsetof(struct posting, work_hint), "work hint", UTF8_ONE_LINE, URS_MAX_FIELD},
    {offsetof(struct posting, employment_hint), "employment hint", UTF8_ONE_LINE, URS_MAX_FIELD},
    {offsetof(struct posting, description), "description", UTF8_MULTI_LINE, URS_MAX_DESCRIPTION},
};

static char **field_at(struct posting *p, size_t offset)
{
    return (char **)(void *)((char *)p + offset);
}

static int clean_posting(struct crawl_job *job, struct posting *p)
{
    for (size_t i = 0; i < sizeof field_rules / sizeof field_rules[0]; i++) {
        const struct field_rule *r = &field_rules[i];
        int rc = clean_field(job, p, field_at(p, r->offset), r->name, r->mode, r->cap);
        if (rc != URS_OK)
            return rc;
    }
    if (p->url && !text_url_is_http(p->url)) {
        log_warn("source=%s id=%s: url dropped: not an http(s) URL", job->src->name,
                 p->external_id ? p->external_id : "?");
        free(p->url);
        p->url = NULL;
    }
    return URS_OK;
}

static void clean_numbers(struct posting *p)
{
    struct salary *s = &p->salary_hint;
    if (!isfinite(s->min) || s->min < 0)
        s->min = 0;
    if (!isfinite(s->max) || s->max < 0)
        s->max = 0;
    if (s->min == 0 && s->max == 0)
        s->period = PERIOD_NONE;
    salary_update_annual(s);
    if (p->posted_at < 0)
        p->posted_at = 0;
    if (p->valid_through < 0)
        p->valid_through = 0;
}

/* Fill what the payload left out: employer from the config, id from the URL. */
static int fill_defaults(struct crawl_job *job, struct posting *p)
{
    int rc = URS_OK;
    if (!p->employer && job->src->employer)
        rc = posting_set(&p->employer, job->src->employer);
    if (rc == URS_OK && !p->external_id && p->url) {
        rc = posting_set(&p->external_id, p->url);
        if (rc == URS_OK)
            rc = clean_field(job, p, &p->external_id, "external id", UTF8_ONE_LINE, URS_MAX_FIELD);
    }
    if (rc == URS_OK && p->employer)
        rc = clean_field(job, p, &p->employer, "employer", UTF8_ONE_LINE, URS_MAX_FIELD);
    return rc == URS_OK ? posting_set(&p->source, job->src->name) : rc;
}

int crawl_job_emit(struct crawl_job *job, struct posting *p)
{
    if (job->stopped)
        return URS_OK;
    if (job->emitted >= URS_MAX_ITEMS) {
        if (!job->capped) {
            log_warn("source=%s: more than %d postings: the rest are dropped", job->src->name,
                     URS_MAX_ITEMS);
            crawl_job_incomplete(job, "listing capped at %d postings", URS_MAX_ITEMS);
            job->capped = true;
        }
        return URS_ELIMIT;
    }
    int rc = clean_posting(job, p);
    if (rc == URS_OK)
        rc = fill_defaults(job, p);
    if (rc != URS_OK)
        return URS_ENOMEM;
    clean_numbers(p);
    if (!p->external_id || !p->title) {
        log_warn("source=%s id=%s: posting skipped: no %s", job->src->name,
                 p->external_id ? p->external_id : "?", p->title ? "id or URL" : "title");
        return URS_OK;
    }
    rc = job->fn(job->ctx, job->src->name, p);
    if (rc != 0) {
        job->stopped = true;
        crawl_job_incomplete(job, "stopped by the posting handler (code %d)", rc);
        return rc;
    }
    job->emitted++;
    return URS_OK;
}

void crawl_job_incomplete(struct crawl_job *job, const char *fmt, ...)
{
    if (!job->incomplete) {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(job->reason, sizeof job->reason, fmt, ap);
        va_end(ap);
    }
    job->incomplete = true;
}

bool crawl_job_is_complete(const struct crawl_job *job)
{
    return !job->incomplete;
}

const char *crawl_job_incomplete_reason(const struct crawl_job *job)
{
    return job->incomplete ? job->reason : NULL;
}

size_t crawl_job_emitted(const struct crawl_job *job)
{
    return job->emitted;
}

int crawl_job_set_contact(struct crawl_job *job, const char *contact)
{
    return posting_set(&job->contact, contact);
}

const char *crawl_job_contact(const struct crawl_job *job)
{
    return job->contact;
}

void crawl_job_set_state(struct crawl_job *job, void *state, void (*free_fn)(void *))
{
    if (job->state && job->state_free && job->state != state)
        job->state_free(job->state);
    job->state = state;
    job->state_free = free_fn;
}

void *crawl_job_state(struct crawl_job *job)
{
    return job->state;
}

void crawl_job_set_document(struct crawl_job *job, bool on)
{
    job->document = on;
}

bool crawl_job_is_document(const struct crawl_job *job)
{
    return job->document;
}

/* FNV-1a, 64 bit. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static char **seen_slot(struct seen_set *s, const char *key)
{
    size_t i = (size_t)hash_str(key) & (s->cap - 1);
    while (s->slots[i] && strcmp(s->slots[i], key) != 0)
        i = (i + 1) & (s->cap - 1);
    return &s->slots[i];
}

static int seen_grow(struct seen_set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct seen_set bigger = {calloc(cap, sizeof(char *)), cap, s->len};
    if (!bigger.slots)
        return URS_ENOMEM;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            *seen_slot(&bigger, s->slots[i]) = s->slots[i];
    free(s->slots);
    *s = bigger;
    return URS_OK;
}

int crawl_job_mark_seen(struct crawl_job *job, const char *key, bool *seen_before)
{
    struct seen_set *s = &job->seen;
    *seen_before = false;
    if (s->cap && *seen_slot(s, key)) {
        *seen_before = true;
        return URS_OK;
    }
    if (s->len >= CRAWL_MAX_REQUESTS)
        return URS_ELIMIT;
    if ((s->len + 1) * 10 > s->cap * 7 && seen_grow(s) != URS_OK)
        return URS_ENOMEM;
    char *copy = strdup(key);
    if (!copy)
        return URS_ENOMEM;
    *seen_slot(s, key) = copy;
    s->len++;
    return URS_OK;
}

int crawl_emit(struct crawl_job *job, struct posting *p)
{
    int rc = crawl_job_emit(job, p);
    posting_free(p);
    return rc;
}

int crawl_get(struct crawl_job *job, const char *url, int stage, long page, const char *ref,
              bool listing)
{
    struct crawl_request rq = {0};
    rq.method = CRAWL_GET;
    rq.url = (char *)url;
    rq.stage = stage;
    rq.page = page;
    rq.ref = (char *)ref;
    rq.listing = listing;
    rq.extra_header = NULL;
    return crawl_job_request(job, &rq);
}

int crawl_response_check(struct crawl_job *job, const struct crawl_request *rq,
                         const struct crawl_response *rs, struct err *e)
{
    if (rs->status >= 200 && rs->status <= 299)
        return URS_OK;
    char shown[TEXT_URL_SHOWN + 1];
    text_url_short(rq->url, shown, sizeof shown);
    if (rq->listing)
        crawl_job_incomplete(job, "%s: HTTP %ld", shown, rs->status);
    return err_set(e, URS_ENET, "%s: %s: HTTP %ld", job->src->name, shown, rs->status);
}

int crawl_parse_failed(struct crawl_job *job, const struct crawl_request *rq, int rc,
                       const struct err *e)
{
    (void)rq;
    crawl_job_incomplete(job, "%s", e && e->msg[0] ? e->msg : err_name(rc));
    return rc;
}

int crawl_done(struct crawl_job *job, int rc, struct err *e)
{
    if (rc == URS_OK || rc == URS_ELIMIT)
        return URS_OK;
    return err_set(e, rc, "%s: %s", job->src->name,
                   job->stopped ? "stopped by the posting handler" : err_name(rc));
}
