/* SPDX-License-Identifier: MIT */
/* crawl_run: one libcurl multi loop for all sources, adapters fed on a parsing thread. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/text.h"
#include "crawler/engine_int.h"

void crawl_options_init(struct crawl_options *o)
{
    memset(o, 0, sizeof *o);
    o->user_agent = "urscout/" URSCOUT_VERSION;
    o->concurrency = 8;
    o->host_connections = 1;
    o->host_delay_ms = 1000;
    o->connect_timeout_ms = 10000;
    o->timeout_ms = 60000;
    o->low_speed_time_ms = 20000;
    o->low_speed_limit = 100;
    o->max_body = URS_MAX_BODY;
    o->attempts = 3;
    o->retry_base_ms = 1000;
    o->retry_max_ms = 3600 * 1000;
    o->robots = true;
    o->robots_ttl = 24 * 3600;
    o->robots_stale = 30 * 24 * 3600;
    o->max_crawl_delay_ms = 60 * 1000;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->parse_threads = cpus < 1 ? 1 : cpus > 4 ? 4 : cpus;
    o->stop_grace_ms = 3000;
}

void crawl_options_from_config(struct crawl_options *o, const struct config *cfg)
{
    crawl_options_init(o);
    if (cfg->user_agent)
        o->user_agent = cfg->user_agent;
    o->contact = cfg->contact;
    o->concurrency = cfg->concurrency;
    o->host_connections = cfg->host_connections;
    o->host_delay_ms = cfg->host_delay_ms;
    o->connect_timeout_ms = cfg->connect_timeout_ms;
    o->timeout_ms = cfg->timeout_ms;
    o->low_speed_time_ms = cfg->low_speed_time_ms;
    o->low_speed_limit = cfg->low_speed_limit;
    o->max_body = cfg->max_body;
    o->attempts = cfg->retries;
    o->robots = cfg->robots;
    o->allow_hosts = (const char *const *)cfg->allow_hosts;
    o->allow_hosts_len = cfg->allow_hosts_len;
}

int64_t eng_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t eng_wall(const struct engine *eng)
{
    if (eng->o->clock)
        return eng->o->clock(eng->o->clock_ctx);
    return (int64_t)time(NULL);
}

void eng_hooks_lock(struct engine *eng)
{
    pthread_mutex_lock(&eng->hook_lock);
}

void eng_hooks_unlock(struct engine *eng)
{
    pthread_mutex_unlock(&eng->hook_lock);
}

/* The posting callback as jobs see it (parsing thread): serialised with every other hook. */
static int post_wrapper(void *ctx, const char *source, struct posting *p)
{
    struct ejob *job = ctx;
    struct engine *eng = job->eng;
    int rc = eng->h->prepare ? eng->h->prepare(eng->h->ctx, source, p) : 0;
    if (rc == 0) {
        eng_hooks_lock(eng);
        rc = eng->h->posting(eng->h->ctx, source, p);
        eng_hooks_unlock(eng);
    }
    if (rc != 0)
        job->cb_failed_w = true;
    return rc;
}

static void job_error(struct ejob *job, const char *step, const char *fmt, ...) URS_PRINTF(3, 4);
static void job_error(struct ejob *job, const char *step, const char *fmt, ...)
{
    if (job->error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->error, sizeof job->error, fmt, ap);
    va_end(ap);
    job->step = step;
}

static void free_validators(struct ejob *job)
{
    while (job->validators) {
        struct validator *v = job->validators;
        job->validators = v->next;
        free(v->url);
        free(v->etag);
        free(v->last_modified);
        free(v);
    }
}

static void put_validators(struct engine *eng, struct ejob *job)
{
    if (!eng->h->validators_put)
        return;
    eng_hooks_lock(eng);
    for (struct validator *v = job->validators; v; v = v->next)
        eng->h->validators_put(eng->h->ctx, v->url, v->etag, v->last_modified);
    eng_hooks_unlock(eng);
}

static void fill_report(struct engine *eng, struct ejob *job, struct crawl_report *r)
{
    bool adapter_ok = job->job && crawl_job_is_complete(job->job);
    memset(r, 0, sizeof *r);
    r->source = job->src->name;
    r->not_modified = job->entries > 0 && job->entries_304 == job->entries &&
                      job->entries_full == 0 && !job->incomplete && !job->interrupted;
    r->complete =
        adapter_ok && !job->incomplete && !job->limited && !job->interrupted && !job->cb_failed;
    if (job->job && !adapter_ok && !job->error[0]) {
        const char *why = crawl_job_incomplete_reason(job->job);
        job_error(job, "parse", "%s", why ? why : "listing incomplete");
    }
    if (job->interrupted)
        job_error(job, "interrupted", "interrupted before the source was done");
    r->pages = job->pages;
    r->postings = job->job ? crawl_job_emitted(job->job) : 0;
    r->errors = job->errors;
    r->started_at = job->started_at;
    r->finished_at = eng_wall(eng);
    r->rate_limited_until = job->rate_limited_until;
    r->step = job->error[0] ? job->step : NULL;
    r->error = job->error[0] ? job->error : NULL;
}

static void job_finish(struct engine *eng, struct ejob *job)
{
    job->finished = true;
    eng->jobs_done++;
    while (job->stash) {
        struct xfer *x = job->stash;
        job->stash = x->next;
        xfer_free(x);
    }
    struct crawl_report r;
    fill_report(eng, job, &r);
    if (r.complete && !r.not_modified)
        put_validators(eng, job);
    log_info("crawl: source=%s %s pages=%zu postings=%zu errors=%zu%s%s", r.source,
             r.not_modified ? "not modified"
             : r.complete   ? "complete"
                            : "incomplete",
             r.pages, r.postings, r.errors, r.error ? ": " : "", r.error ? r.error : "");
    if (eng->h->source_done) {
        eng_hooks_lock(eng);
        eng->h->source_done(eng->h->ctx, &r);
        eng_hooks_unlock(eng);
    }
    free_validators(job);
    crawl_job_free(job->job);
    job->job = NULL;
}

void engine_job_release(struct engine *eng, struct ejob *job)
{
    if (job->pending > 0 && --job->pending == 0 && !job->finished)
        job_finish(eng, job);
}

void engine_xfer_failed(struct engine *eng, struct xfer *x, const char *step, const char *msg)
{
    struct ejob *job = x->job;
    if (!job) {
        xfer_free(x);
        return;
    }
    if (strcmp(step, "interrupted") == 0) {
        job->interrupted = true;
    } else {
        bool gone = !x->rq.listing && x->res.outcome == FETCH_FAIL &&
                    (x->res.status == 404 || x->res.status == 410);
        job->errors++;
        eng->errors++;
        if (!gone)
            job->incomplete = true; /* a posting may be missing: close nothing */
        char shown[TEXT_URL_SHOWN + 1];
        job_error(job, step, "%s: %s", text_url_short(x->url, shown, sizeof shown), msg);
        log_info("crawl: source=%s url=%s: %s", job->src->name, x->url, msg);
        if (x->host && x->host->rate_limited_until > job->rate_limited_until)
            job->rate_limited_until = x->host->rate_limited_until;
    }
    xfer_free(x);
    engine_job_release(eng, job);
}

/* Re-issue the entries answered 304 without validators: the listing changed after all. */
static void reissue_stash(struct engine *eng, struct ejob *job)
{
    while (job->stash) {
        struct xfer *x = job->stash;
        job->stash = x->next;
        x->conditional = false;
        x->attempt = 0;
        job->pending++;
        sched_submit(eng, x);
    }
}

static void keep_validators(struct ejob *job, struct xfer *x)
{
    if (x->rq.method != CRAWL_GET || (!x->res.etag && !x->res.last_modified && !x->conditional))
        return;
    struct validator *v = calloc(1, sizeof *v);
    if (!v)
        return;
    v->url = strdup(x->rq.url);
    v->etag = x->res.etag ? strdup(x->res.etag) : NULL;
    v->last_modified = x->res.last_modified ? strdup(x->res.last_modified) : NULL;
    if (!v->url) {
        free(v->etag);
        free(v->last_modified);
        free(v);
        return;
    }
    v->next = job->validators;
    job->validators = v;
}

void engine_response(struct engine *eng, struct xfer *x)
{
    struct ejob *job = x->job;
    job->pages++;
    eng->pages++;
    if (x->entry) {
        job->entries_full++;
        keep_validators(job, x);
        reissue_stash(eng, job);
    } else {
        job->other_pages = true;
    }
    struct task *t = calloc(1, sizeof *t);
    if (!t) {
        engine_xfer_failed(eng, x, "fetch", "out of memory");
        return;
    }
    t->kind = TASK_RESPONSE;
    t->job = job;
    t->x = x;
    worker_submit(eng, t);
}

void engine_not_modified(struct engine *eng, struct xfer *x)
{
    struct ejob *job = x->job;
    if (!x->conditional) {
        engine_xfer_failed(eng, x, "fetch", "HTTP 304 to an unconditional request");
        return;
    }
    job->pages++;
    eng->pages++;
    job->entries_304++;
    if (job->entries_full > 0) {
        x->conditional = false; /* the listing changed elsewhere: this part is needed in full */
        x->attempt = 0;
        sched_submit(eng, x);
        return;
    }
    x->next = job->stash;
    job->stash = x;
    engine_job_release(eng, job);
}

/* The stored validators of an entry request, to send them (conditional GET). */
static void load_validators(struct engine *eng, struct xfer *x)
{
    if (!eng->h->validators_get || x->rq.method != CRAWL_GET)
        return;
    eng_hooks_lock(eng);
    bool found = eng->h->validators_get(eng->h->ctx, x->url, &x->etag, &x->last_modified);
    eng_hooks_unlock(eng);
    x->conditional = found && (x->etag || x->last_modified);
}

/* Page limits (sources test): true when rq may be fetched. */
static bool within_limits(const struct crawl_options *o, struct ejob *job,
                          const struct crawl_request *rq)
{
    size_t *count = rq->listing ? &job->listing_reqs : &job->detail_reqs;
    size_t max = rq->listing ? o->max_listing_pages : o->max_detail_pages;
    if (max && *count >= max) {
        job->limited = true;
        return false;
    }
    (*count)++;
    return true;
}

static void take_requests(struct engine *eng, struct task *t)
{
    struct ejob *job = t->job;
    for (size_t i = 0; i < t->out_len; i++) {
        struct crawl_request *rq = &t->out[i];
        if (eng->stopping || job->cb_failed || !within_limits(eng->o, job, rq)) {
            if (eng->stopping)
                job->interrupted = true;
            crawl_request_clear(rq);
            continue;
        }
        struct xfer *x = xfer_new(job, rq);
        if (!x) {
            crawl_request_clear(rq);
            job->errors++;
            job->incomplete = true;
            job_error(job, "fetch", "out of memory");
            continue;
        }
        x->entry = t->kind == TASK_START;
        if (x->entry) {
            job->entries++;
            load_validators(eng, x);
        }
        job->pending++;
        sched_submit(eng, x);
    }
    free(t->out);
    t->out = NULL;
}

void engine_task_done(struct engine *eng, struct task *t)
{
    struct ejob *job = t->job;
    eng->in_worker--;
    if (t->cb_failed)
        job->cb_failed = true;
    if (t->out_nomem) {
        job->incomplete = true;
        job_error(job, "fetch", "out of memory queuing requests");
    }
    take_requests(eng, t);
    if (t->rc != URS_OK) {
        const char *step = job->cb_failed ? "store" : t->kind == TASK_START ? "start" : "parse";
        const char *msg = t->e.msg[0] ? t->e.msg : err_name(t->rc);
        bool listing = t->kind == TASK_START || (t->x && t->x->rq.listing);
        job->errors++;
        eng->errors++;
        if (listing || job->cb_failed)
            job->incomplete = true;
        char shown[TEXT_URL_SHOWN + 1];
        if (t->x && !strstr(msg, t->x->url))
            job_error(job, step, "%s: %s", text_url_short(t->x->url, shown, sizeof shown), msg);
        else
            job_error(job, step, "%s", msg);
    }
    xfer_free(t->x);
    free(t);
    engine_job_release(eng, job);
}

/* ---- the run ---- */

static int check_options(const struct crawl_options *o, const struct crawl_hooks *h, struct err *e)
{
    if (!h || !h->posting)
        return err_set(e, URS_EINVAL, "crawl: no posting callback");
    if (!o->user_agent || !*o->user_agent || strpbrk(o->user_agent, "\r\n"))
        return err_set(e, URS_EINVAL, "crawl: user_agent must be one non-empty line");
    if (o->concurrency < 1 || o->host_connections < 1 || o->attempts < 1 || o->parse_threads < 0 ||
        o->parse_threads > 64)
        return err_set(e, URS_EINVAL,
                       "crawl: concurrency, host_connections and retries must be at least 1");
    if (o->max_body < 1 || o->timeout_ms < 1 || o->connect_timeout_ms < 1 || o->host_delay_ms < 0 ||
        o->retry_base_ms < 0 || o->retry_max_ms < 0)
        return err_set(e, URS_EINVAL, "crawl: limits and timeouts must be positive");
    return URS_OK;
}

static int engine_init(struct engine *eng, struct err *e)
{
    const struct crawl_options *o = eng->o;
    eng->seed = (uint64_t)eng_mono_ms() ^ ((uint64_t)time(NULL) << 20) ^ (uint64_t)(uintptr_t)eng;
    eng->multi = curl_multi_init();
    eng->share = curl_share_init();
    eng->pool_cap = (size_t)o->concurrency;
    eng->pool = calloc(eng->pool_cap, sizeof *eng->pool);
    if (!eng->multi || !eng->share || !eng->pool)
        return err_set(e, URS_ENET, "crawl: libcurl could not start");
    curl_share_setopt(eng->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(eng->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_multi_setopt(eng->multi, CURLMOPT_MAX_HOST_CONNECTIONS, o->host_connections);
    curl_multi_setopt(eng->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, o->concurrency);
    curl_multi_setopt(eng->multi, CURLMOPT_MAXCONNECTS, o->concurrency * 2);
    for (size_t i = 0; i < o->resolve_len; i++) {
        struct curl_slist *l = curl_slist_append(eng->resolve, o->resolve[i]);
        if (!l)
            return err_set(e, URS_ENOMEM, "crawl: out of memory");
        eng->resolve = l;
    }
    return worker_start(eng, e);
}

static void job_begin(struct engine *eng, struct ejob *job, const struct config_source *src)
{
    struct err e;
    err_clear(&e);
    job->eng = eng;
    job->src = src;
    job->started_at = eng_wall(eng);
    job->pending = 1;
    const struct crawl_adapter *ad = src->kind ? crawl_adapter_find(src->kind) : NULL;
    if (!ad) {
        job_error(job, "config", "unknown source kind '%s' (known: %s)", src->kind ? src->kind : "",
                  crawl_kind_names());
    } else if (crawl_job_new(src, ad, post_wrapper, job, &job->job, &e) != URS_OK ||
               crawl_job_set_contact(job->job, eng->o->contact) != URS_OK) {
        job_error(job, "start", "%s", e.msg[0] ? e.msg : "out of memory");
    } else {
        struct task *t = calloc(1, sizeof *t);
        if (t) {
            t->kind = TASK_START;
            t->job = job;
            worker_submit(eng, t);
            return;
        }
        job_error(job, "start", "out of memory");
    }
    job->errors++;
    engine_job_release(eng, job);
}

static void report_progress(struct engine *eng, bool force)
{
    int64_t now = eng_mono_ms();
    if (!eng->h->progress || (!force && now - eng->last_progress < 200))
        return;
    eng->last_progress = now;
    struct crawl_progress p = {
        .sources_done = eng->jobs_done,
        .sources_total = eng->jobs_len,
        .pages = eng->pages,
        .errors = eng->errors,
        .active = (size_t)eng->active,
        .queued = eng->queued,
    };
    eng_hooks_lock(eng);
    eng->h->progress(eng->h->ctx, &p);
    eng_hooks_unlock(eng);
}

static void collect_tasks(struct engine *eng)
{
    struct task *t = worker_collect(eng);
    while (t) {
        struct task *next = t->next;
        engine_task_done(eng, t);
        t = next;
    }
}

static void check_stop(struct engine *eng)
{
    int64_t now = eng_mono_ms();
    if (!eng->stopping && eng->stop && *eng->stop) {
        log_info("crawl: stopping: no new transfers; running ones get %lld ms",
                 (long long)eng->o->stop_grace_ms);
        eng->stopping = true;
        eng->stop_deadline = now + eng->o->stop_grace_ms;
        sched_drop_queued(eng);
    }
    if (eng->stopping && now >= eng->stop_deadline)
        sched_abort_running(eng);
}

/* Finish jobs that can make no progress (a bug guard: the loop must always end). */
static void unstick(struct engine *eng)
{
    for (size_t i = 0; i < eng->jobs_len; i++) {
        struct ejob *job = &eng->jobs[i];
        if (job->finished)
            continue;
        log_error("crawl: source=%s: no work left but not finished; ending it", job->src->name);
        job->incomplete = true;
        job_error(job, "fetch", "internal error: the crawl stalled");
        job->pending = 1;
        engine_job_release(eng, job);
    }
}

static void run_loop(struct engine *eng)
{
    for (;;) {
        collect_tasks(eng);
        check_stop(eng);
        if (eng->jobs_done == eng->jobs_len)
            break;
        sched_start_ready(eng);
        report_progress(eng, false);
        check_stop(eng);
        if (eng->active == 0 && eng->queued == 0 && eng->in_worker == 0) {
            collect_tasks(eng);
            if (eng->jobs_done < eng->jobs_len && eng->in_worker == 0)
                unstick(eng);
            continue;
        }
        int64_t wait = sched_wait_ms(eng);
        if (eng->stop && wait > 100)
            wait = 100; /* a stop request (a signal) is seen within 0.1 s */
        int running = 0;
        curl_multi_poll(eng->multi, NULL, 0, (int)wait, NULL);
        curl_multi_perform(eng->multi, &running);
        CURLMsg *msg;
        int left = 0;
        while ((msg = curl_multi_info_read(eng->multi, &left)))
            if (msg->msg == CURLMSG_DONE)
                sched_finished(eng, msg->easy_handle, msg->data.result);
    }
    report_progress(eng, true);
}

static void engine_free(struct engine *eng)
{
    eng->stopping = true;
    if (eng->multi)
        sched_free(eng);
    worker_stop(eng);
    collect_tasks(eng);
    for (size_t i = 0; i < eng->pool_len; i++)
        curl_easy_cleanup(eng->pool[i]);
    free(eng->pool);
    free(eng->jobs);
    curl_slist_free_all(eng->resolve);
    if (eng->multi)
        curl_multi_cleanup(eng->multi);
    if (eng->share)
        curl_share_cleanup(eng->share);
    pthread_mutex_destroy(&eng->hook_lock);
}

int crawl_run(const struct crawl_options *o, const struct config_source *const *sources, size_t n,
              const struct crawl_hooks *h, volatile sig_atomic_t *stop, struct err *e)
{
    int rc = check_options(o, h, e);
    if (rc != URS_OK)
        return rc;
    struct engine eng;
    memset(&eng, 0, sizeof eng);
    eng.o = o;
    eng.h = h;
    eng.stop = stop;
    eng.jobs = calloc(n ? n : 1, sizeof *eng.jobs);
    if (!eng.jobs || pthread_mutex_init(&eng.hook_lock, NULL) != 0) {
        free(eng.jobs);
        return err_set(e, URS_ENOMEM, "crawl: out of memory");
    }
    rc = engine_init(&eng, e);
    if (rc != URS_OK) {
        engine_free(&eng);
        return rc;
    }
    eng.jobs_len = n;
    for (size_t i = 0; i < n; i++)
        job_begin(&eng, &eng.jobs[i], sources[i]);
    run_loop(&eng);
    engine_free(&eng);
    return URS_OK;
}
