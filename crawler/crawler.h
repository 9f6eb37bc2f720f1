/* SPDX-License-Identifier: MIT */
/* The crawler: polite fetching plus one adapter per source kind, handing postings to a callback. */
#ifndef URSCOUT_CRAWLER_CRAWLER_H
#define URSCOUT_CRAWLER_CRAWLER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/posting.h"
#include "config/config.h"

/*
 * Called for every posting a source yields. The posting is borrowed for the call (the callee
 * may modify it, e.g. classify it); source names the config section. Non-zero return: the
 * crawl of that source stops and is marked incomplete.
 */
typedef int (*crawl_posting_fn)(void *ctx, const char *source, struct posting *p);

/* ---- documents (no network): saved pages and ATS JSON, used by `urscout import` ---- */

/*
 * Parse one saved document as source kind `kind` (NULL: detect JSON-LD pages, RSS/Atom,
 * sitemaps and the ATS JSON shapes of tests/fixtures/formats/), giving each posting to fn with
 * source name `source_name`. url is the page address (for relative links and external ids;
 * may be NULL). src supplies selectors for the html kind (may be NULL). Returns URS_OK,
 * URS_EPARSE (with "what: reason"), URS_ELIMIT, URS_ENOMEM, or fn's failure.
 */
URS_NODISCARD int crawl_parse_document(const char *kind, const char *source_name, const char *url,
                                       const char *data, size_t len,
                                       const struct config_source *src, crawl_posting_fn fn,
                                       void *ctx, size_t *count, struct err *e);

/* True when kind names a known adapter. */
bool crawl_kind_known(const char *kind);
/* Comma-separated adapter kinds, for messages. */
const char *crawl_kind_names(void);

/* ---- crawling (crawler/engine.c): polite fetching of many sources at once ---- */

/*
 * How to fetch. crawl_options_init sets the defaults below; crawl_options_from_config copies
 * the [crawl] and [general] settings (strings borrowed from cfg, which must outlive the run).
 */
struct crawl_options {
    const char *user_agent;     /* sent on every request; its product token picks robots groups */
    const char *contact;        /* operator contact for sources that want it (may be NULL) */
    long concurrency;           /* transfers at once, default 8 */
    long host_connections;      /* connections (and transfers) per host at once, default 1 */
    int64_t host_delay_ms;      /* least gap between request starts to one host, default 1000 */
    int64_t connect_timeout_ms; /* default 10000 */
    int64_t timeout_ms;         /* whole transfer, default 60000 */
    int64_t low_speed_time_ms;  /* abort under low_speed_limit for this long (1 s steps) */
    long low_speed_limit;       /* bytes per second, default 100 */
    int64_t max_body;           /* decoded bytes per response, default URS_MAX_BODY */
    long attempts;              /* tries per request on 429/5xx/network errors, default 3 */
    int64_t retry_base_ms;      /* first backoff, doubled per attempt with jitter; default 1000 */
    int64_t retry_max_ms;       /* longest wait honoured (Retry-After); beyond it the host is
                                   "rate limited until T" for this run; default 1 h */
    bool robots;                /* obey robots.txt, default true */
    int64_t robots_ttl;         /* seconds a stored robots.txt is fresh, default 24 h */
    int64_t robots_stale;       /* seconds a stored good copy may stand in when robots.txt is
                                   unreachable, default 30 days */
    int64_t max_crawl_delay_ms; /* hosts asking a longer Crawl-delay are skipped, default 60 s */
    const char *const *allow_hosts; /* hosts allowed on private/loopback addresses (tests) */
    size_t allow_hosts_len;
    const char *const *resolve; /* "host:port:address" pins, as curl --resolve (tests) */
    size_t resolve_len;
    size_t max_listing_pages;   /* listing requests per source, 0 = no limit (`sources test`) */
    size_t max_detail_pages;    /* other requests per source, 0 = no limit */
    long parse_threads;         /* threads running adapters and callbacks (one job on one thread
                                   at a time); 0: on the fetching thread; default: the online
                                   CPUs, at most 4 */
    int64_t stop_grace_ms;      /* after *stop, running transfers get this long, default 3000 */
    int64_t (*clock)(void *ctx); /* wall clock in Unix seconds (tests move it); NULL: time() */
    void *clock_ctx;
};

void crawl_options_init(struct crawl_options *o);
void crawl_options_from_config(struct crawl_options *o, const struct config *cfg);

/* What happened to one source, given to crawl_hooks.source_done once per source. */
struct crawl_report {
    const char *source;        /* config section name */
    bool complete;             /* every listing page was read: missing postings may be closed */
    bool not_modified;         /* the listing answered 304: unchanged and complete, nothing
                                  parsed; keep every posting open and touch last_seen */
    size_t pages;              /* responses read (304s included) */
    size_t postings;           /* postings handed to the posting callback */
    size_t errors;             /* requests that failed for good */
    int64_t started_at;        /* Unix seconds (crawl_options.clock): the "seen since" mark */
    int64_t finished_at;
    int64_t rate_limited_until;/* 0, or when the host said it would take requests again */
    const char *step;          /* NULL when all went well; else "robots", "fetch", "parse",
                                  "store", "limit", "interrupted", "config" */
    const char *error;         /* the first error ("url: reason"), NULL when none */
};

/* Running totals for a progress line, given to crawl_hooks.progress now and then. */
struct crawl_progress {
    size_t sources_done, sources_total;
    size_t pages, errors, active, queued;
};

/*
 * What the caller provides. Every hook but posting may be NULL. The engine never calls two
 * hooks at once: all calls are serialised by one lock, though they may come from either the
 * fetching thread or the parsing thread, so a single SQLite connection can serve them all.
 * Strings passed in are borrowed for the call.
 */
struct crawl_hooks {
    void *ctx;
    /* Each posting first goes to prepare (may be NULL), called WITHOUT the lock and possibly
       on several threads at once (thread-safe work such as classifying), then to posting.
       A non-zero return from either stops that source (step "store"). */
    crawl_posting_fn prepare;
    crawl_posting_fn posting;
    /* Conditional GET: the stored validators of url (*etag, *last_modified malloc'd or NULL);
       return true when some were found. */
    bool (*validators_get)(void *ctx, const char *url, char **etag, char **last_modified);
    /* Store (or, both NULL, forget) the validators of url after a complete crawl. */
    void (*validators_put)(void *ctx, const char *url, const char *etag,
                           const char *last_modified);
    /* The stored robots.txt of origin ("https://host:port"): status, body (malloc'd, may be
       NULL), fetched_at. Return true when found. */
    bool (*robots_get)(void *ctx, const char *origin, long *status, char **body,
                       size_t *body_len, int64_t *fetched_at);
    void (*robots_put)(void *ctx, const char *origin, long status, const char *body,
                       size_t body_len, int64_t fetched_at);
    void (*source_done)(void *ctx, const struct crawl_report *r);
    void (*progress)(void *ctx, const struct crawl_progress *p);
};

/*
 * Crawl sources[0..n) at once with libcurl's multi interface: robots.txt, per-host pacing and
 * connection limits, conditional GET, retries with backoff, redirects checked hop by hop,
 * private addresses refused, body caps. One source failing never stops the others; each ends
 * in exactly one source_done report. When *stop (may be NULL) becomes non-zero, no new
 * transfer starts, running ones get stop_grace_ms, and the remaining sources are reported
 * incomplete (step "interrupted"). Returns URS_OK when the run itself worked (per-source
 * failures are in the reports), URS_EINVAL (bad options), URS_ENOMEM, URS_ENET (libcurl
 * could not start). curl_global_init must have been called.
 */
URS_NODISCARD int crawl_run(const struct crawl_options *o,
                            const struct config_source *const *sources, size_t n,
                            const struct crawl_hooks *h, volatile sig_atomic_t *stop,
                            struct err *e);

#endif
