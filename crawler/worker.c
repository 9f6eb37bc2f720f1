/* SPDX-License-Identifier: MIT */
/* The parsing thread: runs adapters on finished bodies while the main thread keeps fetching. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "crawler/engine_int.h"

/* Move the requests the adapter queued into t->out, for the fetching thread to pick up. */
static void drain_requests(struct task *t)
{
    struct crawl_request rq;
    while (crawl_job_next(t->job->job, &rq)) {
        if (t->out_len == t->out_cap) {
            size_t cap = t->out_cap ? t->out_cap * 2 : 8;
            struct crawl_request *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                crawl_request_clear(&rq);
                t->out_nomem = true;
                continue;
            }
            t->out = grown;
            t->out_cap = cap;
        }
        t->out[t->out_len++] = rq;
    }
}

static void run_task(struct task *t)
{
    struct crawl_job *job = t->job->job;
    const struct crawl_adapter *ad = crawl_job_adapter(job);
    err_clear(&t->e);
    if (t->kind == TASK_START) {
        t->rc = ad->start(job, &t->e);
    } else {
        struct xfer *x = t->x;
        struct crawl_response rs = {
            .status = x->res.status,
            .body = x->f->body.data ? x->f->body.data : "",
            .body_len = x->f->body.len,
            .content_type = x->res.content_type,
            .url = x->url,
        };
        t->rc = ad->on_response(job, &x->rq, &rs, &t->e);
        fetch_free_body(x); /* the largest allocation: give it back here, not later */
    }
    t->cb_failed = t->job->cb_failed_w;
    drain_requests(t);
}

static void push_out(struct worker *w, struct task *t)
{
    t->next = NULL;
    if (w->out_tail)
        w->out_tail->next = t;
    else
        w->out_head = t;
    w->out_tail = t;
}

/* The first waiting task whose job no other thread holds (one job, one thread at a time). */
static struct task *take_task(struct worker *w)
{
    struct task *prev = NULL;
    for (struct task *t = w->in_head; t; prev = t, t = t->next) {
        if (t->job->busy_w)
            continue;
        if (prev)
            prev->next = t->next;
        else
            w->in_head = t->next;
        if (w->in_tail == t)
            w->in_tail = prev;
        t->next = NULL;
        t->job->busy_w = true;
        return t;
    }
    return NULL;
}

static void *worker_main(void *arg)
{
    struct engine *eng = arg;
    struct worker *w = &eng->w;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        struct task *t = take_task(w);
        if (!t) {
            if (w->quit && !w->in_head)
                break;
            pthread_cond_wait(&w->cond, &w->lock);
            continue;
        }
        pthread_mutex_unlock(&w->lock);
        run_task(t);
        pthread_mutex_lock(&w->lock);
        t->job->busy_w = false;
        push_out(w, t);
        pthread_cond_broadcast(&w->cond); /* a task held back for this job may go now */
        (void)curl_multi_wakeup(eng->multi);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int worker_start(struct engine *eng, struct err *e)
{
    struct worker *w = &eng->w;
    memset(w, 0, sizeof *w);
    if (pthread_mutex_init(&w->lock, NULL) != 0)
        return err_set(e, URS_ENOMEM, "crawl: cannot create a mutex");
    if (pthread_cond_init(&w->cond, NULL) != 0) {
        pthread_mutex_destroy(&w->lock);
        return err_set(e, URS_ENOMEM, "crawl: cannot create a condition variable");
    }
    w->inited = true;
    size_t want = (size_t)eng->o->parse_threads;
    if (want > WORKER_MAX_THREADS)
        want = WORKER_MAX_THREADS;
    while (w->n_threads < want &&
           pthread_create(&w->threads[w->n_threads], NULL, worker_main, eng) == 0)
        w->n_threads++;
    if (w->n_threads < want)
        log_warn("crawl: started %zu of %zu parsing threads", w->n_threads, want);
    return URS_OK;
}

void worker_submit(struct engine *eng, struct task *t)
{
    struct worker *w = &eng->w;
    eng->in_worker++;
    t->next = NULL;
    if (w->n_threads == 0) {
        run_task(t);
        push_out(w, t);
        return;
    }
    pthread_mutex_lock(&w->lock);
    if (w->in_tail)
        w->in_tail->next = t;
    else
        w->in_head = t;
    w->in_tail = t;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

struct task *worker_collect(struct engine *eng)
{
    struct worker *w = &eng->w;
    if (w->n_threads)
        pthread_mutex_lock(&w->lock);
    struct task *list = w->out_head;
    w->out_head = w->out_tail = NULL;
    if (w->n_threads)
        pthread_mutex_unlock(&w->lock);
    return list;
}

void worker_stop(struct engine *eng)
{
    struct worker *w = &eng->w;
    if (!w->inited)
        return;
    if (w->n_threads) {
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
        for (size_t i = 0; i < w->n_threads; i++)
            pthread_join(w->threads[i], NULL);
        w->n_threads = 0;
    }
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    w->inited = false;
}
