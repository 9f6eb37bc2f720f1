/* SPDX-License-Identifier: MIT */
/* The scheduler: per-host queues, robots.txt, pacing, connection limits, retries, redirects. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/text.h"
#include "crawler/engine_int.h"

struct xfer *xfer_new(struct ejob *job, struct crawl_request *rq_take)
{
    struct xfer *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->job = job;
    x->rq = *rq_take;
    memset(rq_take, 0, sizeof *rq_take);
    x->url = strdup(x->rq.url ? x->rq.url : "");
    x->res.retry_after = -1;
    if (!x->url) {
        xfer_free(x);
        return NULL;
    }
    return x;
}

void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    crawl_request_clear(&x->rq);
    free(x->url);
    free(x->path);
    free(x->etag);
    free(x->last_modified);
    fetch_free_body(x);
    fetch_result_clear(&x->res);
    free(x);
}

static void fifo_push(struct xfer **head, struct xfer **tail, struct xfer *x)
{
    x->next = NULL;
    if (*tail)
        (*tail)->next = x;
    else
        *head = x;
    *tail = x;
}

static struct lane *lane_of(struct host *h, struct ejob *job)
{
    struct lane *l = h->ring;
    if (l) {
        do {
            if (l->job == job)
                return l;
            l = l->next;
        } while (l != h->ring);
    }
    l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->job = job;
    if (!h->ring) {
        l->next = l->prev = l;
        h->ring = l;
    } else { /* last in the turn order */
        l->next = h->ring;
        l->prev = h->ring->prev;
        h->ring->prev->next = l;
        h->ring->prev = l;
    }
    return l;
}

/* Queue x on h: at the very front (robots.txt, retries), or at the end of its job's lane. */
static void host_push(struct host *h, struct xfer *x, bool front)
{
    struct lane *l = front ? NULL : lane_of(h, x->job);
    if (l) {
        fifo_push(&l->head, &l->tail, x);
    } else if (front || !h->urgent) {
        x->next = h->urgent;
        h->urgent = x;
        if (!h->urgent_tail)
            h->urgent_tail = x;
    } else {
        fifo_push(&h->urgent, &h->urgent_tail, x); /* no memory for a lane: still queued */
    }
}

static struct xfer *host_peek(const struct host *h)
{
    return h->urgent ? h->urgent : h->ring ? h->ring->head : NULL;
}

static struct xfer *host_pop(struct host *h)
{
    struct xfer *x = h->urgent;
    if (x) {
        h->urgent = x->next;
        if (!h->urgent)
            h->urgent_tail = NULL;
        x->next = NULL;
        return x;
    }
    struct lane *l = h->ring;
    if (!l)
        return NULL;
    x = l->head;
    l->head = x->next;
    x->next = NULL;
    if (l->head) {
        h->ring = l->next; /* the next job's turn */
        return x;
    }
    if (l->next == l) {
        h->ring = NULL;
    } else {
        l->prev->next = l->next;
        l->next->prev = l->prev;
        h->ring = l->next;
    }
    free(l);
    return x;
}

static struct host *host_get(struct engine *eng, const struct url_parts *u)
{
    for (struct host *h = eng->hosts; h; h = h->next)
        if (strcmp(h->origin, u->origin) == 0)
            return h;
    struct host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->origin = strdup(u->origin);
    h->name = strdup(u->host);
    if (!h->origin || !h->name) {
        free(h->origin);
        free(h->name);
        free(h);
        return NULL;
    }
    h->allow_private = crawl_host_listed(h->name, eng->o->allow_hosts, eng->o->allow_hosts_len);
    h->delay_ms = eng->o->host_delay_ms;
    h->next = eng->hosts;
    eng->hosts = h;
    return h;
}

/* A final failure: a job's request, or a robots.txt fetch (which decides its host). */
static void robots_failed(struct engine *eng, struct xfer *x, const char *msg);

static void fail_xfer(struct engine *eng, struct xfer *x, const char *step, const char *msg)
{
    if (x->robots_for) {
        if (eng->stopping)
            xfer_free(x);
        else
            robots_failed(eng, x, msg);
        return;
    }
    engine_xfer_failed(eng, x, step, msg);
}

/* Fail every waiting request of h (queue and retry list). */
static void host_flush(struct engine *eng, struct host *h, const char *step, const char *msg)
{
    struct xfer *x;
    while ((x = host_pop(h))) {
        eng->queued--;
        fail_xfer(eng, x, step, msg);
    }
    struct xfer **pp = &eng->delayed;
    while (*pp) {
        x = *pp;
        if (x->host != h) {
            pp = &x->next;
            continue;
        }
        *pp = x->next;
        eng->queued--;
        fail_xfer(eng, x, step, msg);
    }
}

/* The host is out for this run: every waiting and future request of it fails with why. */
static void host_out(struct engine *eng, struct host *h, const char *step, const char *fmt, ...)
    URS_PRINTF(4, 5);
static void host_out(struct engine *eng, struct host *h, const char *step, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!h->fail) {
        h->fail = strdup(msg);
        h->fail_step = step;
        log_info("crawl: host %s is out for this run: %s", h->origin, msg);
    }
    host_flush(eng, h, step, h->fail ? h->fail : msg);
}

static bool good_robots_status(long status)
{
    return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status != 429);
}

/* Use a robots.txt answer: a 2xx body is parsed, a 4xx allows everything. */
static void robots_apply(struct engine *eng, struct host *h, long status, const char *body,
                         size_t len)
{
    crawl_robots_free(h->rules);
    h->rules = NULL;
    h->robots = ROBOTS_READY;
    if (status >= 200 && status < 300 &&
        crawl_robots_parse(body, len, eng->o->user_agent, &h->rules) != URS_OK) {
        host_out(eng, h, "robots", "robots.txt: out of memory");
        return;
    }
    int64_t d = crawl_robots_delay_ms(h->rules);
    if (d > eng->o->max_crawl_delay_ms) {
        log_warn("crawl: %s asks for Crawl-delay %lld s, over the limit of %lld s: host skipped",
                 h->origin, (long long)(d / 1000), (long long)(eng->o->max_crawl_delay_ms / 1000));
        host_out(eng, h, "robots",
                 "robots.txt Crawl-delay %lld s is over the limit of %lld s: "
                 "host skipped",
                 (long long)(d / 1000), (long long)(eng->o->max_crawl_delay_ms / 1000));
        return;
    }
    if (d > h->delay_ms)
        h->delay_ms = d;
}

static void robots_store(struct engine *eng, struct host *h, long status, const char *body,
                         size_t len)
{
    if (!eng->h->robots_put)
        return;
    eng_hooks_lock(eng);
    eng->h->robots_put(eng->h->ctx, h->origin, status, body, len, eng_wall(eng));
    eng_hooks_unlock(eng);
}

/* robots.txt could not be had: a stored good copy stands in, else the host is out. */
static void robots_failed(struct engine *eng, struct xfer *x, const char *msg)
{
    struct host *h = x->robots_for;
    if (x->res.host_down) {
        host_out(eng, h, "fetch", "%s", msg); /* the host itself is unreachable */
        xfer_free(x);
        return;
    }
    if (h->has_stale) {
        log_warn("crawl: %s/robots.txt unreachable (%s): using the copy stored %lld h ago",
                 h->origin, msg, (long long)((eng_wall(eng) - h->stale_at) / 3600));
        robots_apply(eng, h, h->stale_status, h->stale_body, h->stale_len);
    } else {
        h->robots = ROBOTS_OUT;
        host_out(eng, h, "robots", "robots.txt unreachable: %s", msg);
    }
    xfer_free(x);
}

static void robots_done(struct engine *eng, struct xfer *x)
{
    struct host *h = x->robots_for;
    long status = x->res.status;
    if (x->res.outcome == FETCH_DONE) {
        robots_store(eng, h, status, x->f->body.data, x->f->body.len);
        robots_apply(eng, h, status, x->f->body.data, x->f->body.len);
    } else if (status >= 400 && status < 500 && status != 429) {
        robots_store(eng, h, status, NULL, 0); /* unavailable: crawl freely */
        robots_apply(eng, h, status, NULL, 0);
    } else if (x->res.outcome == FETCH_REDIRECT) {
        robots_apply(eng, h, 404, NULL, 0); /* over five redirects: unavailable (RFC 9309) */
    } else {
        robots_failed(eng, x, x->res.msg);
        return;
    }
    xfer_free(x);
}

/* First sight of a host: a fresh stored robots.txt, else fetch it ahead of everything else. */
static void robots_begin(struct engine *eng, struct host *h)
{
    h->robots = ROBOTS_PENDING;
    long status = 0;
    char *body = NULL;
    size_t len = 0;
    int64_t at = 0;
    bool found = false;
    if (eng->h->robots_get) {
        eng_hooks_lock(eng);
        found = eng->h->robots_get(eng->h->ctx, h->origin, &status, &body, &len, &at);
        eng_hooks_unlock(eng);
    }
    int64_t age = eng_wall(eng) - at;
    if (found && good_robots_status(status) && age >= 0 && age < eng->o->robots_ttl) {
        robots_apply(eng, h, status, body, len);
        free(body);
        return;
    }
    if (found && good_robots_status(status) && age >= 0 && age < eng->o->robots_stale) {
        h->has_stale = true;
        h->stale_status = status;
        h->stale_body = body;
        h->stale_len = len;
        h->stale_at = at;
        body = NULL;
    }
    free(body);
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    struct crawl_request rq = {.method = CRAWL_GET};
    struct xfer *x = NULL;
    if (sbuf_printf(&url, "%s/robots.txt", h->origin) == URS_OK && (rq.url = sbuf_take(&url)))
        x = xfer_new(NULL, &rq);
    crawl_request_clear(&rq);
    if (!x) {
        host_out(eng, h, "robots", "robots.txt: out of memory");
        return;
    }
    x->robots_for = h;
    x->host = h;
    x->path = strdup("/robots.txt");
    host_push(h, x, true);
    eng->queued++;
}

void sched_submit(struct engine *eng, struct xfer *x)
{
    if (eng->stopping) {
        fail_xfer(eng, x, "interrupted", "interrupted");
        return;
    }
    struct url_parts u;
    if (url_split(x->url, &u) != URS_OK) {
        fail_xfer(eng, x, "fetch", "not an http(s) URL");
        return;
    }
    struct host *h = host_get(eng, &u);
    free(x->path);
    x->path = u.path;
    u.path = NULL;
    url_parts_free(&u);
    if (!h) {
        fail_xfer(eng, x, "fetch", "out of memory");
        return;
    }
    x->host = h;
    if (!x->robots_for && eng->o->robots && h->robots == ROBOTS_UNKNOWN)
        robots_begin(eng, h);
    if (h->fail) {
        fail_xfer(eng, x, h->fail_step, h->fail);
        return;
    }
    host_push(h, x, x->robots_for != NULL);
    eng->queued++;
}

static void start_xfer(struct engine *eng, struct xfer *x, int64_t now)
{
    struct host *h = x->host;
    struct err e;
    err_clear(&e);
    if (fetch_begin(eng, x, &e) != URS_OK) {
        fail_xfer(eng, x, "fetch", e.msg);
        return;
    }
    if (curl_multi_add_handle(eng->multi, x->f->easy) != CURLM_OK) {
        fetch_end(eng, x);
        fail_xfer(eng, x, "fetch", "cannot add the transfer to libcurl");
        return;
    }
    log_debug("crawl: GET %s (attempt %d)", x->url, x->attempt + 1);
    x->next = eng->running;
    eng->running = x;
    h->active++;
    eng->active++;
    h->next_start = now + h->delay_ms;
}

/* May the host's first waiting request start now? */
static bool host_ready(struct engine *eng, struct host *h, int64_t now)
{
    const struct xfer *x = host_peek(h);
    if (!x || h->active >= eng->o->host_connections || h->next_start > now)
        return false;
    if (!x->robots_for && eng->o->robots && h->robots != ROBOTS_READY)
        return false; /* waiting for robots.txt */
    return true;
}

static size_t worker_backlog_max(const struct engine *eng)
{
    size_t n = (size_t)eng->o->concurrency * 2;
    return n < 4 ? 4 : n;
}

static void promote_delayed(struct engine *eng, int64_t now)
{
    struct xfer **pp = &eng->delayed;
    while (*pp) {
        struct xfer *x = *pp;
        if (x->not_before > now) {
            pp = &x->next;
            continue;
        }
        *pp = x->next;
        host_push(x->host, x, true);
    }
}

void sched_start_ready(struct engine *eng)
{
    int64_t now = eng_mono_ms();
    promote_delayed(eng, now);
    if (eng->stopping)
        return;
    for (struct host *h = eng->hosts; h; h = h->next) {
        while (eng->active < eng->o->concurrency && eng->in_worker < worker_backlog_max(eng) &&
               host_ready(eng, h, now)) {
            struct xfer *x = host_pop(h);
            eng->queued--;
            if (x->job && x->job->cb_failed) {
                fail_xfer(eng, x, "store", "not fetched: storing this source's postings failed");
                continue;
            }
            if (!x->robots_for && eng->o->robots && !crawl_robots_allowed(h->rules, x->path)) {
                fail_xfer(eng, x, "robots", "disallowed by robots.txt");
                continue;
            }
            start_xfer(eng, x, now);
        }
    }
}

static void running_remove(struct engine *eng, struct xfer *x)
{
    for (struct xfer **pp = &eng->running; *pp; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            x->next = NULL;
            return;
        }
    }
}

/* The final verdict on a request that will not be tried again. */
static void fail_final(struct engine *eng, struct xfer *x)
{
    char msg[256];
    if (x->attempt > 1)
        snprintf(msg, sizeof msg, "%s (after %d attempts)", x->res.msg, x->attempt);
    else
        snprintf(msg, sizeof msg, "%s", x->res.msg);
    if (x->res.host_down && !x->robots_for) {
        struct host *h = x->host;
        fail_xfer(eng, x, "fetch", msg);
        host_out(eng, h, "fetch", "%s", msg); /* its other requests would fail alike */
        return;
    }
    fail_xfer(eng, x, "fetch", msg);
}

static void rate_limited(struct engine *eng, struct xfer *x, int64_t seconds)
{
    struct host *h = x->host;
    char when[32];
    h->rate_limited_until = eng_wall(eng) + seconds;
    text_format_time(h->rate_limited_until, when, sizeof when);
    char msg[256];
    snprintf(msg, sizeof msg,
             "rate limited until %s (Retry-After %lld s is over the limit of "
             "%lld s)",
             when, (long long)seconds, (long long)(eng->o->retry_max_ms / 1000));
    fail_xfer(eng, x, "fetch", msg);
    host_out(eng, h, "fetch", "%s", msg);
}

static void retry_or_fail(struct engine *eng, struct xfer *x)
{
    const struct crawl_options *o = eng->o;
    int64_t ra = x->res.retry_after;
    if (ra >= 0 && ra > o->retry_max_ms / 1000) {
        rate_limited(eng, x, ra);
        return;
    }
    long max = o->attempts;
    if (x->res.dns && max > 2)
        max = 2; /* a name that does not resolve will not resolve in a second either */
    if (x->attempt >= max || eng->stopping) {
        fail_final(eng, x);
        return;
    }
    int64_t now = eng_mono_ms();
    int64_t wait = crawl_backoff_ms(x->attempt, o->retry_base_ms, o->retry_max_ms, &eng->seed);
    if (ra >= 0) {
        if (ra * 1000 > wait)
            wait = ra * 1000;
        if (now + ra * 1000 > x->host->next_start)
            x->host->next_start = now + ra * 1000; /* the whole host waits, not just this URL */
    }
    log_info("crawl: %s: %s; attempt %d of %ld in %lld ms", x->url, x->res.msg, x->attempt + 1, max,
             (long long)wait);
    x->not_before = now + wait;
    x->next = eng->delayed;
    eng->delayed = x;
    eng->queued++;
}

static bool scheme_ok(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static void follow_redirect(struct engine *eng, struct xfer *x)
{
    const char *loc = x->res.location;
    if (x->hops >= URS_MAX_REDIRECTS) {
        if (x->robots_for) {
            robots_done(eng, x);
            return;
        }
        fail_xfer(eng, x, "fetch", "too many redirects (more than 5)");
        return;
    }
    if (!scheme_ok(loc)) {
        char msg[256];
        size_t n = strcspn(loc, ":");
        snprintf(msg, sizeof msg, "redirect to a %.*s: URL refused (only http and https)",
                 (int)(n < 16 ? n : 16), loc);
        fail_xfer(eng, x, "fetch", msg);
        return;
    }
    char *url = strdup(loc);
    if (!url) {
        fail_xfer(eng, x, "fetch", "out of memory");
        return;
    }
    free(x->url);
    x->url = url;
    x->hops++;
    x->attempt = 0;
    long st = x->res.status;
    if (st == 303 || ((st == 301 || st == 302) && x->rq.method == CRAWL_POST)) {
        x->rq.method = CRAWL_GET;
        free(x->rq.body);
        x->rq.body = NULL;
        x->rq.content_type = NULL;
    }
    sched_submit(eng, x);
}

void sched_finished(struct engine *eng, CURL *easy, CURLcode cc)
{
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    struct xfer *x = (struct xfer *)(void *)priv;
    curl_multi_remove_handle(eng->multi, easy);
    running_remove(eng, x);
    fetch_finish(eng, x, cc);
    fetch_end(eng, x);
    x->host->active--;
    eng->active--;
    x->attempt++;
    log_debug("crawl: %s: HTTP %ld, %zu bytes, %s", x->url, x->res.status, x->f->body.len,
              x->res.msg[0] ? x->res.msg : "ok");
    switch (x->res.outcome) {
    case FETCH_DONE:
        if (x->robots_for)
            robots_done(eng, x);
        else
            engine_response(eng, x);
        break;
    case FETCH_NOT_MODIFIED:
        if (x->robots_for)
            robots_done(eng, x);
        else
            engine_not_modified(eng, x);
        break;
    case FETCH_REDIRECT:
        follow_redirect(eng, x);
        break;
    case FETCH_RETRY:
        retry_or_fail(eng, x);
        break;
    case FETCH_FAIL:
        if (x->robots_for)
            robots_done(eng, x);
        else
            fail_final(eng, x);
        break;
    }
}

int64_t sched_wait_ms(struct engine *eng)
{
    int64_t now = eng_mono_ms(), wait = 1000;
    for (struct xfer *x = eng->delayed; x; x = x->next)
        if (x->not_before - now < wait)
            wait = x->not_before - now;
    bool can_start = !eng->stopping && eng->active < eng->o->concurrency &&
                     eng->in_worker < worker_backlog_max(eng);
    for (struct host *h = can_start ? eng->hosts : NULL; h; h = h->next)
        if (host_ready(eng, h, INT64_MAX) && h->next_start - now < wait)
            wait = h->next_start - now;
    if (eng->stopping && eng->stop_deadline - now < wait)
        wait = eng->stop_deadline - now;
    return wait < 0 ? 0 : wait;
}

void sched_drop_queued(struct engine *eng)
{
    for (struct host *h = eng->hosts; h; h = h->next)
        host_flush(eng, h, "interrupted", "interrupted");
}

void sched_abort_running(struct engine *eng)
{
    while (eng->running) {
        struct xfer *x = eng->running;
        eng->running = x->next;
        x->next = NULL;
        curl_multi_remove_handle(eng->multi, x->f->easy);
        fetch_end(eng, x);
        x->host->active--;
        eng->active--;
        fail_xfer(eng, x, "interrupted", "interrupted");
    }
}

void sched_free(struct engine *eng)
{
    sched_abort_running(eng);
    sched_drop_queued(eng);
    while (eng->hosts) {
        struct host *h = eng->hosts;
        eng->hosts = h->next;
        crawl_robots_free(h->rules);
        free(h->stale_body);
        free(h->fail);
        free(h->origin);
        free(h->name);
        free(h);
    }
}
