/* SPDX-License-Identifier: MIT */
/* crawler/ private: the adapter interface and the job object that connects adapters to fetching. */
#ifndef URSCOUT_CRAWLER_CRAWLER_INT_H
#define URSCOUT_CRAWLER_CRAWLER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "crawler/crawler.h"

enum crawl_method { CRAWL_GET = 0, CRAWL_POST };

/* Header lines a request may add beyond extra_header (usajobs needs User-Agent + key). */
#define CRAWL_MAX_HEADERS 4

/* One request an adapter wants made. Strings are copied by crawl_job_request. */
struct crawl_request {
    enum crawl_method method;
    char *url;                /* absolute http(s) URL */
    char *body;               /* POST body or NULL */
    const char *content_type; /* POST body type (static string) or NULL */
    const char *extra_header; /* one static extra header line ("Accept: application/json") or NULL */
    int stage;                /* adapter-defined (e.g. 0 listing page, 1 detail page) */
    long page;                /* adapter-defined (page number or offset) */
    char *ref;                /* adapter-defined (external id, ...) or NULL */
    bool listing;             /* a listing page: if it fails, the listing is incomplete */
    /*
     * More header lines ("Name: value"), copied by crawl_job_request; unused slots NULL. A line
     * here replaces the engine's own header of that name (User-Agent). May hold a secret
     * (Authorization-Key): never log them.
     */
    char *headers[CRAWL_MAX_HEADERS];
};

/* What came back (the engine has handled redirects, retries, 304, limits). */
struct crawl_response {
    long status;              /* HTTP status (200 ...) */
    const char *body;         /* decoded body, NUL-terminated, borrowed for the call */
    size_t body_len;
    const char *content_type; /* may be NULL */
    const char *url;          /* final URL after redirects */
};

struct crawl_job;

/* An adapter: one file per source kind (crawler/src_<kind>.c), one table entry. */
struct crawl_adapter {
    const char *kind;
    /* Queue the first requests (crawl_job_request) from crawl_job_source(job). */
    int (*start)(struct crawl_job *job, struct err *e);
    /*
     * Parse a response: crawl_job_emit each posting, crawl_job_request follow-ups (next page,
     * details). A malformed listing page: crawl_job_incomplete + return URS_EPARSE with
     * "url: line:col: reason" in e.
     */
    int (*on_response)(struct crawl_job *job, const struct crawl_request *rq,
                       const struct crawl_response *rs, struct err *e);
};

/* The adapter for kind, or NULL. */
const struct crawl_adapter *crawl_adapter_find(const char *kind);

/* ---- the job (crawler/job.c): one crawl of one source; no network here ---- */

/* A new job for src using adapter; postings go to fn(ctx, src->name, p). */
URS_NODISCARD int crawl_job_new(const struct config_source *src, const struct crawl_adapter *ad,
                                crawl_posting_fn fn, void *ctx, struct crawl_job **out,
                                struct err *e);
void crawl_job_free(struct crawl_job *job);

const struct config_source *crawl_job_source(const struct crawl_job *job);
const struct crawl_adapter *crawl_job_adapter(const struct crawl_job *job);

/* Queue a copy of rq. URS_OK, URS_ENOMEM, URS_EINVAL (not http/https), URS_ELIMIT (too many). */
URS_NODISCARD int crawl_job_request(struct crawl_job *job, const struct crawl_request *rq);

/* Take the next queued request (FIFO) into *rq (caller frees with crawl_request_clear). */
bool crawl_job_next(struct crawl_job *job, struct crawl_request *rq);
void crawl_request_clear(struct crawl_request *rq);

/*
 * Hand a posting over: source is set from the job, text fields cleaned and capped
 * (utf8_clean), then fn is called. Counts it. Returns fn's result or URS_ENOMEM.
 */
URS_NODISCARD int crawl_job_emit(struct crawl_job *job, struct posting *p);

/* Mark the listing incomplete (postings then must not be closed); the first reason is kept. */
void crawl_job_incomplete(struct crawl_job *job, const char *fmt, ...) URS_PRINTF(2, 3);
bool crawl_job_is_complete(const struct crawl_job *job);
const char *crawl_job_incomplete_reason(const struct crawl_job *job);
size_t crawl_job_emitted(const struct crawl_job *job);

/*
 * The operator's contact (config `contact`, a mail address) for sources that want it in a
 * header (usajobs sends it as User-Agent). Copied; NULL clears. URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int crawl_job_set_contact(struct crawl_job *job, const char *contact);
const char *crawl_job_contact(const struct crawl_job *job);

/* Adapter-private state (owned by the adapter; freed by the free function given). */
void crawl_job_set_state(struct crawl_job *job, void *state, void (*free_fn)(void *));
void *crawl_job_state(struct crawl_job *job);

#endif
