/* SPDX-License-Identifier: MIT */
/* notifier/ private: the in-memory state of one digest run (digest.c loads, match.c uses). */
#ifndef URSCOUT_NOTIFIER_DIGEST_INT_H
#define URSCOUT_NOTIFIER_DIGEST_INT_H

#include "notifier/notifier_int.h"

#define DIGEST_BATCH 4000 /* digests recorded per write transaction */

/* A candidate posting: the fields a digest shows, its fingerprint and class. */
struct cand {
    struct posting p;
    struct sbuf *blocks; /* once used (NULL before): the rendered text and HTML blocks, then
                            the references to them once stored (4; db_block_ref) */
    char fp[17];
    uint64_t key; /* the fingerprint as a number */
    uint32_t cls; /* fingerprint class: candidates with one class are one job */
    bool url_ok;
};

/* What matching reads of a candidate, packed and in digest order (one cache line each). */
struct fcand {
    int64_t first_seen;
    uint64_t states;
    double salary; /* annualised, 0 unknown */
    uint32_t disciplines;
    uint32_t schedule;
    uint32_t cls;
    uint32_t cand; /* index into build.c */
    uint8_t mode;
};

/* Fingerprint -> class, open addressing. */
struct fpmap {
    uint64_t *keys;
    uint32_t *vals; /* UINT32_MAX: empty */
    size_t mask;
};

/* A set of (subscriber, class) pairs: what was already sent. */
struct pair {
    int64_t sub;
    uint32_t cls;
    uint32_t used;
};
struct pairset {
    struct pair *slots;
    size_t mask;
};

struct member {
    int64_t sub;
    int64_t cohort;
};

struct cur {
    int64_t cohort;
    int64_t posting;
    bool pinned;
    bool hidden;
    char *note;
    char *coach;
};

/* The postings one keyword text matches: a byte per candidate. */
struct kwclass {
    const char *text; /* borrowed from a subscriber */
    uint8_t *hits;
};

/* One chosen posting for the digest being built. */
struct sel {
    uint32_t cand;
    const char *note;
    bool pick;
};

/* The next send slot after now for one (zone, frequency, hour). */
struct due_slot {
    const char *tz; /* borrowed from a subscriber */
    int frequency;
    int hour;
    int64_t next;
};

#define DIGEST_CACHE_KIB 16384 /* the database page cache while digests are recorded */

struct build {
    struct db *db;
    const struct config *cfg;
    const struct notify_opts *o;
    struct notify_stats *st;
    int64_t now;

    struct db_subscriber *subs; /* owned copies */
    size_t nsubs, subs_cap;
    int32_t *sub_kw; /* keyword class per subscriber, -1 none */

    struct cand *c; /* by posting id */
    size_t nc, cap;
    uint32_t *order;               /* candidates in digest order (preferred duplicate first) */
    struct fcand *fc;              /* the same order, packed for matching */
    uint32_t *by_disc[DISC_COUNT]; /* positions in order of the candidates of each discipline */
    size_t n_disc[DISC_COUNT];
    int64_t *taken; /* per class: 1 + index of the subscriber that took it */
    struct fpmap classes;
    struct pairset sent;
    size_t nsent;

    struct kwclass *kw;
    size_t nkw;

    struct member *members; /* sorted by subscriber */
    size_t nmembers, members_cap;
    struct cur *curs; /* open postings only, sorted by (cohort, posting) */
    size_t ncur, cur_cap;

    struct sel *sel; /* the digest being built: picks, then matches in order */
    size_t nsel, sel_cap;
    size_t shown_cap;     /* postings shown in one digest ([delivery] max_items) */
    int64_t *ids;         /* posting ids of the digest being recorded */
    size_t ids_cap;
    uint64_t *bits;       /* a bit per candidate, all clear between digests */
    size_t bits_cap;
    struct notify_item *items;
    size_t items_cap;
    struct notify_message msg; /* reused between subscribers */

    struct notify_message *capture; /* preview: the rendered digest goes here */
    size_t captured;
    bool oom;                    /* a load callback ran out of memory */
    bool in_tx;                  /* a batch of digest records is open */
    int64_t batch[DIGEST_BATCH]; /* subscribers recorded in the open batch */
    size_t nbatch;

    struct due_slot due[32]; /* next send slots after now, by zone/frequency/hour */
    size_t ndue;
};

/* Load candidates since `since`, memberships, curation, sent pairs and keyword classes. */
int digest_load(struct build *b, int64_t since, struct err *e);
/* Add a copy of s to the subscribers to build for. URS_OK or URS_ENOMEM. */
int digest_add_subscriber(struct build *b, const struct db_subscriber *s);
/* Release everything the build holds. */
void digest_free(struct build *b);
/* True when class cls was already sent to subscriber sub. */
bool digest_was_sent(struct build *b, int64_t sub, uint32_t cls);
/*
 * Walk positions of b->order in increasing order: every candidate when disciplines is 0, else
 * the candidates tagged with one of those disciplines (a merge of the per-discipline lists).
 */
struct walk {
    const uint32_t *list[DISC_COUNT];
    size_t len[DISC_COUNT];
    size_t pos[DISC_COUNT];
    int lists;
    size_t all, next_all; /* disciplines 0: every position below all */
};
void digest_walk_start(const struct build *b, uint32_t disciplines, struct walk *w);
/* The next position, or false at the end. */
bool digest_walk_next(struct walk *w, size_t *pos);

/* The candidate with posting id, or -1. */
long digest_find(const struct build *b, int64_t posting_id);

#endif
