/* SPDX-License-Identifier: MIT */
/* Crawl test harness: hooks that record postings and reports, in-memory caches, payload makers. */
#ifndef URSCOUT_TESTS_CRAWL_HARNESS_H
#define URSCOUT_TESTS_CRAWL_HARNESS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crawler/crawler.h"

#define CH_UA "urscout/0.1-test (+mailto:crawl-test@example.org)"

struct ch_post {
    char *source, *id, *title, *description;
};

struct ch_report {
    char *source;
    bool complete, not_modified;
    size_t pages, postings, errors;
    int64_t started_at, finished_at, rate_limited_until;
    char *step, *error;
    int64_t done_ms; /* monotonic, when reported */
};

struct ch_entry {
    char *key;
    char *a, *b; /* validators: etag, last_modified; robots: body */
    size_t b_len;
    long status;
    int64_t at;
};

/* Everything the hooks saw; the in-memory "database" persists across runs of one test. */
struct ch {
    struct ch_post *posts;
    size_t posts_len;
    struct ch_report *reps;
    size_t reps_len;
    struct ch_entry validators[64];
    size_t validators_len;
    struct ch_entry robots[64];
    size_t robots_len;
    size_t robots_puts;
    int64_t now; /* the injected wall clock (when use_clock) */
    bool use_clock;
    long fail_after; /* the posting callback fails after this many; -1 never */
    volatile sig_atomic_t stop;
    int64_t stop_after_ms; /* progress hook raises stop this long after the start; 0 never */
    int64_t started_ms;
    bool progress_seen;
};

void ch_init(struct ch *c);
void ch_free(struct ch *c);
/* Forget postings and reports (keep the caches) before another run. */
void ch_clear_run(struct ch *c);

/* Test options: small timeouts and delays, loopback allowed, robots on, the test UA. */
void ch_options(struct crawl_options *o);
/* Point o's clock at c->now. */
void ch_use_clock(struct ch *c, struct crawl_options *o, int64_t now);

/* Put a robots.txt copy into the in-memory cache, as if fetched at `at`. */
void ch_robots_store(struct ch *c, const char *origin, long status, const char *body, int64_t at);
/* The cached robots.txt entry of origin, or NULL. */
const struct ch_entry *ch_robots_find(const struct ch *c, const char *origin);
/* The stored validators of url, or NULL. */
const struct ch_entry *ch_validators_find(const struct ch *c, const char *url);

/* Crawl; asserts crawl_run itself returned URS_OK. Returns the elapsed milliseconds. */
int64_t ch_run(struct ch *c, const struct crawl_options *o, struct config_source *srcs, size_t n);

/* A source (strings borrowed; static or test-owned). */
struct config_source ch_source(const char *name, const char *kind, const char *url,
                               const char *board);

/* The report for source (asserts there is exactly one). */
const struct ch_report *ch_report(const struct ch *c, const char *source);
/* Postings recorded for source. */
size_t ch_count(const struct ch *c, const char *source);
/* True when a posting of source has external id id. */
bool ch_has(const struct ch *c, const char *source, const char *id);

/* A Greenhouse board payload with n jobs "<prefix>-<i>" (malloc'd). */
char *ch_greenhouse(const char *prefix, size_t n);
/* A Lever page: ids prefix-from .. prefix-(from+n-1) (malloc'd). */
char *ch_lever(const char *prefix, size_t from, size_t n);

/* True when hay contains needle; prints both when not (for assertion messages). */
bool ch_contains(const char *hay, const char *needle);

#endif
