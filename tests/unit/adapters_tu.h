/* SPDX-License-Identifier: MIT */
/* Adapter test harness: a job fed by hand (no network), collecting the postings it emits. */
#ifndef URSCOUT_TESTS_ADAPTERS_TU_H
#define URSCOUT_TESTS_ADAPTERS_TU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/posting.h"
#include "config/config.h"
#include "crawler/crawler_int.h"
#include "testutil.h"

struct tc {
    struct config_source src; /* filled by the test before tc_start */
    struct crawl_job *job;
    struct posting *got; /* copies of every emitted posting */
    size_t got_len;
    size_t got_cap;
    size_t calls; /* callback calls (also when not kept) */
    bool keep;    /* keep copies (default true) */
    int fail_at;  /* fail the callback on this call (1-based), 0: never */
};

/* A fresh harness for kind with source name name (no job yet). */
void tc_init(struct tc *c, const char *kind, const char *name);
/* Create the job and run the adapter's start; returns its code (message in e). */
int tc_start(struct tc *c, struct err *e);
/* Create the job only (for on_response without start, as documents do). */
void tc_job(struct tc *c);
/* The next queued request (asserts there is one); free with crawl_request_clear. */
void tc_next(struct tc *c, struct crawl_request *rq);
/* Assert the queue is empty. */
void tc_none(struct tc *c);
/* Feed body as the response to rq (final URL = rq->url). */
int tc_feed(struct tc *c, const struct crawl_request *rq, long status, const char *body, size_t len,
            struct err *e);
/* Feed a tests/fixtures/formats file (name) or a tests/fixtures/adapters file (fixture:name). */
int tc_feed_file(struct tc *c, const struct crawl_request *rq, const char *name, struct err *e);
/*
 * crawl_parse_document on a file (as tc_read names it) with source name c->src.name and
 * c->src as the source (selectors); postings are collected into c. Returns its code.
 */
int tc_document(struct tc *c, const char *kind, const char *url, const char *name, size_t *count,
                struct err *e);
/* As tc_document on data in memory. */
int tc_document_mem(struct tc *c, const char *kind, const char *url, const char *data, size_t len,
                    size_t *count, struct err *e);
/* The emitted posting with that external id (asserts it exists). */
const struct posting *tc_get(struct tc *c, const char *external_id);
void tc_free(struct tc *c);

/* Read tests/fixtures/formats/name, or tests/fixtures/adapters/X for "fixture:X"; asserts. */
char *tc_read(const char *name, size_t *len);
/* Unix time of an ISO 8601 string (asserts it parses). */
int64_t tc_time(const char *iso);
/* Assert hay contains needle (with a readable failure). */
void tc_has(const char *hay, const char *needle);
/* Assert s is valid UTF-8 without C0 (but TAB/LF), DEL, C1 or bidi override characters. */
void tc_clean_text(const char *s);

#endif
