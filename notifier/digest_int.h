/* SPDX-License-Identifier: MIT */
/* notifier/ private: the in-memory state of one digest run (digest.c loads, match.c uses). */
#ifndef URSCOUT_NOTIFIER_DIGEST_INT_H
#define URSCOUT_NOTIFIER_DIGEST_INT_H

#include "notifier/notifier_int.h"

/* A candidate posting: the fields a digest shows, its fingerprint and class. */
struct cand {
    struct posting p;
    char fp[17];
    uint64_t key;  /* the fingerprint as a number */
    uint32_t cls;  /* fingerprint class: candidates with one class are one job */
    bool url_ok;
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

struct build {
    struct db *db;
    const struct config *cfg;
    const struct notify_opts *o;
    struct notify_stats *st;
    int64_t now;

    struct db_subscriber *subs; /* owned copies */
    size_t nsubs, subs_cap;
    int32_t *sub_kw;            /* keyword class per subscriber, -1 none */

    struct cand *c;             /* by posting id */
    size_t nc, cap;
    uint32_t *order;            /* candidates, preferred duplicate first */
    int64_t *taken;             /* per class: 1 + index of the subscriber that took it */
    struct fpmap classes;
    struct pairset sent;
    size_t nsent;

    struct kwclass *kw;
    size_t nkw;

    struct member *members;     /* sorted by subscriber */
    size_t nmembers, members_cap;
    struct cur *curs;           /* open postings only, sorted by (cohort, posting) */
    size_t ncur, cur_cap;

    struct sel *sel;            /* the digest being built */
    size_t nsel, sel_cap;
    struct notify_item *items;
    size_t items_cap;
    struct notify_message msg;  /* reused between subscribers */

    struct notify_message *capture; /* preview: the rendered digest goes here */
    size_t captured;
    bool oom;                       /* a load callback ran out of memory */

    struct due_slot due[32];        /* next send slots after now, by zone/frequency/hour */
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
/* The candidate with posting id, or -1. */
long digest_find(const struct build *b, int64_t posting_id);

#endif
