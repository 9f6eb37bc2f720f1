/* SPDX-License-Identifier: MIT */
/* The store: SQLite schema, migrations, and every SQL statement urscout runs. */
#ifndef URSCOUT_DB_DB_H
#define URSCOUT_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/posting.h"
#include "common/sbuf.h"

struct db;

/* The schema version this build writes; a database with a higher user_version is refused. */
#define DB_SCHEMA_VERSION 3

/*
 * Open (and with create, make and migrate) the database at path: WAL, synchronous=FULL,
 * busy_timeout, foreign_keys=ON. Refuses, with one clear line in e and the file untouched:
 * a missing folder, a file that is not a database, a database of a newer schema
 * (URS_EVERSION). Returns URS_OK, URS_EIO, URS_EDB, URS_EVERSION, URS_ENOMEM.
 */
URS_NODISCARD int db_open(const char *path, bool create, struct db **out, struct err *e);

/*
 * The page cache of this connection: kib KiB, or SQLite's default (2,000 KiB) for 0. The
 * digest build raises it while it writes (B-tree pages are re-read otherwise); the crawl keeps
 * the default to stay small. URS_OK or URS_EDB.
 */
URS_NODISCARD int db_cache_size(struct db *db, long kib, struct err *e);

/* Close; accepts NULL. */
void db_close(struct db *db);

/* The path the database was opened with (borrowed). */
const char *db_path(const struct db *db);

/* Transactions: db_begin is BEGIN IMMEDIATE (waits busy_timeout for the write lock). */
URS_NODISCARD int db_begin(struct db *db, struct err *e);
URS_NODISCARD int db_commit(struct db *db, struct err *e);
void db_rollback(struct db *db);

/* ---- postings (db/postings.c) ---- */

enum db_upsert { DB_UPSERT_NEW = 0, DB_UPSERT_UPDATED, DB_UPSERT_UNCHANGED };

/*
 * Insert or update a posting keyed by (source, external_id), with its tags and evidence.
 * first_seen is kept from the stored row (or p->first_seen, or now); last_seen = p->last_seen
 * or now; a stored closed posting seen again is reopened unless p->closed_at is set.
 * Sets p->id. Call inside db_begin/db_commit for batches (it opens its own transaction
 * otherwise). Returns URS_OK, URS_EINVAL (missing source/external_id/title), URS_EDB.
 */
URS_NODISCARD int db_posting_upsert(struct db *db, struct posting *p, int64_t now,
                                    enum db_upsert *result, struct err *e);

/* Load posting id into out (initialised by the call). URS_OK, URS_ENOTFOUND, URS_EDB. */
URS_NODISCARD int db_posting_get(struct db *db, int64_t id, struct posting *out, struct err *e);

/* Called once per posting; the posting is borrowed for the call. Non-zero stops the walk. */
typedef int (*db_posting_fn)(void *ctx, const struct posting *p);

/* Every posting (closed ones too), in id order. */
URS_NODISCARD int db_postings_each(struct db *db, db_posting_fn fn, void *ctx, struct err *e);

/* A search. Zero values mean "no filter". */
struct db_query {
    const char *text;       /* FTS5 query, or NULL */
    uint32_t disciplines;   /* any of these (bit set over enum disc) */
    uint32_t modes;         /* any of these (bit set over enum work_mode) */
    uint32_t schedules;     /* any of these (bit set over enum sched) */
    uint64_t states;        /* any of these licence codes; postings tagged ANY always match */
    double min_salary;      /* annualised; postings without salary are excluded when set */
    const char *employer;   /* substring, case-insensitive */
    int64_t since;          /* first_seen >= since */
    bool include_closed;
    bool ur_only;           /* only postings tagged ur_role */
    bool include_pages;     /* also pages found not to be one posting (left out by default) */
    size_t limit;           /* 0: no limit */
};

/*
 * Run a search: ranked by FTS5 bm25 when text is given, else newest first; one row per
 * fingerprint (the same job on several sources shows once). A bad FTS query gives
 * URS_EINVAL with a user message, never an SQLite dump. Returns URS_OK, URS_EINVAL, URS_EDB.
 */
URS_NODISCARD int db_search(struct db *db, const struct db_query *q, db_posting_fn fn, void *ctx,
                            struct err *e);

/*
 * A crawl of source begins: its crawl counter goes up (the source row is made if needed).
 * Postings stored or touched from now on count as seen in this crawl.
 */
URS_NODISCARD int db_source_crawl_begin(struct db *db, const char *source, int64_t now,
                                        struct err *e);

/*
 * Close the open postings of source not seen since its last db_source_crawl_begin: they
 * left a complete listing. Call only after a complete, successful crawl. Count in *closed.
 */
URS_NODISCARD int db_postings_close_missing(struct db *db, const char *source, int64_t now,
                                            size_t *closed, struct err *e);

/*
 * A source's listing answered 304 Not Modified: every open posting of it was seen now
 * (last_seen = now); nothing is closed. Returns the count in *touched (may be NULL).
 */
URS_NODISCARD int db_postings_touch_source(struct db *db, const char *source, int64_t now,
                                           size_t *touched, struct err *e);

/* Close open postings whose valid_through is in the past. */
URS_NODISCARD int db_postings_close_expired(struct db *db, int64_t now, size_t *closed,
                                            struct err *e);

/* Counts for `urscout stats` (by state, source, discipline, mode, role), as aligned text. */
URS_NODISCARD int db_stats(struct db *db, struct sbuf *out, struct err *e);

/* ---- the main job's cycles (db/runs.c), read by `urscout status` ---- */

struct db_run {
    int64_t id;
    int64_t pid;
    int64_t started_at;
    int64_t finished_at; /* 0 while running (or when the process died) */
    int64_t sources_ok, sources_failed;
    int64_t postings_new, postings_updated, postings_closed;
    int64_t digests, mail_sent, mail_failed;
    int64_t next_due_at; /* when the daemon planned its next cycle, 0 unknown */
    char summary[256];
};

/* Record the start of a cycle; sets r->id. URS_OK or URS_EDB. */
URS_NODISCARD int db_run_start(struct db *db, struct db_run *r, struct err *e);
/* Record the counts and end of the cycle r->id. URS_OK or URS_EDB. */
URS_NODISCARD int db_run_finish(struct db *db, const struct db_run *r, struct err *e);
/* The latest cycle into *r. URS_OK, URS_ENOTFOUND (none yet), URS_EDB. */
URS_NODISCARD int db_run_last(struct db *db, struct db_run *r, struct err *e);

/* ---- crawl state (db/crawl.c) ---- */

/*
 * The HTTP validators stored for url. *etag and *last_modified are malloc'd (either may be
 * NULL). Returns URS_OK, URS_ENOTFOUND, URS_ENOMEM, URS_EDB.
 */
URS_NODISCARD int db_validators_get(struct db *db, const char *url, char **etag,
                                    char **last_modified, struct err *e);
/* Store the validators of url (both NULL: forget them). URS_OK or URS_EDB. */
URS_NODISCARD int db_validators_put(struct db *db, const char *url, const char *etag,
                                    const char *last_modified, int64_t now, struct err *e);

/*
 * The stored robots.txt of origin ("https://host:443"): the HTTP status it was fetched with,
 * its body (malloc'd, NULL when none) and when. URS_OK, URS_ENOTFOUND, URS_ENOMEM, URS_EDB.
 */
URS_NODISCARD int db_robots_get(struct db *db, const char *origin, long *status, char **body,
                                size_t *body_len, int64_t *fetched_at, struct err *e);
/* Store (replace) the robots.txt of origin. URS_OK or URS_EDB. */
URS_NODISCARD int db_robots_put(struct db *db, const char *origin, long status, const char *body,
                                size_t body_len, int64_t fetched_at, struct err *e);

/* How a source's crawls have gone (one row per source name). */
struct db_source_health {
    char source[128];
    int64_t last_crawl;          /* start of the last crawl, 0 never */
    int64_t last_finished;
    char status[16];             /* "ok", "unchanged", "fail", "flagged", "" never */
    char step[16];               /* failing step ("fetch", "robots", "parse", ...) */
    char error[512];
    int64_t last_ok;             /* end of the last successful crawl, 0 never */
    int64_t pages, postings, new_count, updated, closed, errors;
    int64_t consecutive_failures;
    int64_t last_nonzero;        /* postings of the last crawl that yielded any */
    int64_t rate_limited_until;  /* 0, or the host's stated time */
};

/* The health row of source into *out (zeroed first). URS_OK, URS_ENOTFOUND, URS_EDB. */
URS_NODISCARD int db_source_health_get(struct db *db, const char *source,
                                       struct db_source_health *out, struct err *e);
/* Insert or replace h. URS_OK or URS_EDB. */
URS_NODISCARD int db_source_health_put(struct db *db, const struct db_source_health *h,
                                       struct err *e);
/* Each health row, by source name; a non-zero return from fn stops the walk (and is returned). */
typedef int (*db_health_fn)(void *ctx, const struct db_source_health *h);
URS_NODISCARD int db_source_health_each(struct db *db, db_health_fn fn, void *ctx,
                                        struct err *e);

/* ---- maintenance (db/db.c) ---- */

/* integrity_check and foreign_key_check; *ok false with the findings in report. */
URS_NODISCARD int db_check(struct db *db, bool *ok, struct sbuf *report, struct err *e);

/* Online backup to dest via a temp file and rename: never a partial dest. */
URS_NODISCARD int db_backup(struct db *db, const char *dest, struct err *e);

/* ---- subscribers, coaches, outbox (db/notify.c, db/outbox.c) ---- */

enum db_sub_status { DB_SUB_PENDING = 0, DB_SUB_ACTIVE, DB_SUB_UNSUBSCRIBED, DB_SUB_BOUNCED };
enum db_frequency { DB_FREQ_DAILY = 0, DB_FREQ_WEEKLY, DB_FREQ_MONTHLY };

/* Names as stored and shown ("active", "weekly"); parse returns -1 for unknown names. */
const char *db_sub_status_name(enum db_sub_status s);
int db_sub_status_parse(const char *s);
const char *db_frequency_name(enum db_frequency f);
int db_frequency_parse(const char *s);

/* A subscriber and the filters of their digest. Strings owned (db_subscriber_free). */
struct db_subscriber {
    int64_t id;
    char *email;
    char *name;               /* may be NULL */
    enum db_sub_status status;
    enum db_frequency frequency;
    int send_hour;            /* 0..23, local time in time_zone */
    char *time_zone;          /* IANA name, "UTC" by default */
    uint32_t disciplines;     /* bit set over enum disc; 0 = any */
    uint32_t modes;           /* bit set over enum work_mode; 0 = any */
    uint32_t schedules;       /* bit set over enum sched; 0 = any */
    uint64_t states;          /* licence codes (COMPACT, ANY included); 0 = any */
    double min_salary;        /* annualised; 0 = any */
    char *keywords;           /* "a b, c d": (a AND b) OR (c AND d); NULL = none */
    char *exclude_employers;  /* one employer per line, matched as substrings; NULL = none */
    long hard_bounces;
    int64_t created_at;
    int64_t last_digest_at;   /* 0: never */
    int64_t next_due_at;      /* when the next digest is due (computed by the notifier) */
};

void db_subscriber_init(struct db_subscriber *s);
void db_subscriber_free(struct db_subscriber *s);

/*
 * Add a subscriber (s->id is set). The caller validated the address and computed
 * next_due_at. URS_OK, URS_EINVAL (already subscribed), URS_EDB.
 */
URS_NODISCARD int db_subscriber_add(struct db *db, struct db_subscriber *s, int64_t now,
                                    struct err *e);
/* Write every field of s over the stored row with s->id. URS_OK, URS_ENOTFOUND, URS_EDB. */
URS_NODISCARD int db_subscriber_update(struct db *db, const struct db_subscriber *s,
                                       int64_t now, struct err *e);
/* Load by address (case-insensitive) or id into out (initialised here). URS_ENOTFOUND. */
URS_NODISCARD int db_subscriber_get(struct db *db, const char *email, struct db_subscriber *out,
                                    struct err *e);
URS_NODISCARD int db_subscriber_get_id(struct db *db, int64_t id, struct db_subscriber *out,
                                       struct err *e);
/* Set only the status (the unsubscribe endpoint). URS_OK, URS_ENOTFOUND, URS_EDB. */
URS_NODISCARD int db_subscriber_set_status(struct db *db, int64_t id, enum db_sub_status status,
                                           int64_t now, struct err *e);
/*
 * Remove a subscriber and every piece of their personal data: the row, cohort memberships,
 * deliveries and outbox messages. Only the anonymous per-day counts stay.
 * URS_OK, URS_ENOTFOUND, URS_EDB.
 */
URS_NODISCARD int db_subscriber_remove(struct db *db, const char *email, struct err *e);

/* Called once per subscriber (borrowed for the call); non-zero stops the walk. */
typedef int (*db_subscriber_fn)(void *ctx, const struct db_subscriber *s);

/* Every subscriber (status < 0) or those with that status, by address. */
URS_NODISCARD int db_subscribers_each(struct db *db, int status, db_subscriber_fn fn, void *ctx,
                                      struct err *e);
/* Active subscribers whose next_due_at <= now (or every active one when all), by id. */
URS_NODISCARD int db_subscribers_due(struct db *db, int64_t now, bool all, db_subscriber_fn fn,
                                     void *ctx, struct err *e);

/* Coaches, cohorts and their curation. Names are unique, case-insensitive. */
struct db_coach {
    int64_t id;
    const char *name;
    const char *email;
    size_t cohorts;
};
struct db_cohort {
    int64_t id;
    const char *name;
    const char *coach;
    size_t members;
};
typedef int (*db_coach_fn)(void *ctx, const struct db_coach *c);
typedef int (*db_cohort_fn)(void *ctx, const struct db_cohort *c);

/* URS_OK, URS_EINVAL (name taken), URS_EDB. */
URS_NODISCARD int db_coach_add(struct db *db, const char *name, const char *email, int64_t now,
                               struct err *e);
URS_NODISCARD int db_coaches_each(struct db *db, db_coach_fn fn, void *ctx, struct err *e);
/* URS_OK, URS_EINVAL (name taken), URS_ENOTFOUND (no such coach), URS_EDB. */
URS_NODISCARD int db_cohort_add(struct db *db, const char *name, const char *coach, int64_t now,
                                struct err *e);
URS_NODISCARD int db_cohorts_each(struct db *db, db_cohort_fn fn, void *ctx, struct err *e);
/* Join sets the member's frequency to monthly (the cohort digest). URS_ENOTFOUND. */
URS_NODISCARD int db_cohort_join(struct db *db, const char *cohort, const char *email,
                                 int64_t now, struct err *e);
URS_NODISCARD int db_cohort_leave(struct db *db, const char *cohort, const char *email,
                                  struct err *e);
URS_NODISCARD int db_cohort_members(struct db *db, const char *cohort, db_subscriber_fn fn,
                                    void *ctx, struct err *e);

enum db_curate { DB_CURATE_PIN = 0, DB_CURATE_HIDE, DB_CURATE_NOTE, DB_CURATE_CLEAR };

/*
 * Pin (clears hide), hide (clears pin) or annotate posting_id for a cohort; note may be NULL
 * except for DB_CURATE_NOTE (NULL or "" removes it); CLEAR forgets the posting.
 * URS_OK, URS_ENOTFOUND (cohort or posting), URS_EDB.
 */
URS_NODISCARD int db_curate(struct db *db, const char *cohort, int64_t posting_id,
                            enum db_curate action, const char *note, int64_t now, struct err *e);

struct db_curation {
    int64_t cohort_id;
    int64_t posting_id;
    bool pinned;
    bool hidden;
    const char *note;       /* may be NULL */
    const char *coach;      /* the cohort's coach name */
    const char *title;      /* the posting's title and employer (may be NULL) */
    const char *employer;
    bool open;              /* the posting is still open */
};
typedef int (*db_curation_fn)(void *ctx, const struct db_curation *c);

/* The curation of one cohort (cohort != NULL) or of every cohort. */
URS_NODISCARD int db_curation_each(struct db *db, const char *cohort, db_curation_fn fn,
                                   void *ctx, struct err *e);
/* Every (cohort id, subscriber id) membership pair. */
typedef int (*db_member_fn)(void *ctx, int64_t cohort_id, int64_t subscriber_id);
URS_NODISCARD int db_memberships_each(struct db *db, db_member_fn fn, void *ctx, struct err *e);

/* ---- the coach desk: passwords, sessions, failed sign-ins (db/coach.c) ---- */

/* A session is stored as the SHA-256 of its id: this many bytes. */
#define DB_SESSION_HASH_LEN 32

/*
 * The coach named login, or else the one coach with that address (case-insensitive). Sets
 * *coach_id and, when pw_hash is not NULL, *pw_hash to the stored Argon2id encoded hash
 * (caller frees; NULL when no password was set). URS_OK, URS_ENOTFOUND, URS_EINVAL (two
 * coaches share that address), URS_ENOMEM, URS_EDB.
 */
URS_NODISCARD int db_coach_find(struct db *db, const char *login, int64_t *coach_id,
                                char **pw_hash, struct err *e);
/* Store a coach's password hash and end all their sessions. URS_OK, URS_ENOTFOUND, URS_EDB. */
URS_NODISCARD int db_coach_password_set(struct db *db, int64_t coach_id, const char *hash,
                                        int64_t now, struct err *e);
/* A new session for coach_id, stored by the hash of its id. URS_OK, URS_EDB. */
URS_NODISCARD int db_coach_session_add(struct db *db, const uint8_t id_hash[DB_SESSION_HASH_LEN],
                                       int64_t coach_id, int64_t now, struct err *e);
/*
 * The coach of a live session (last seen at or after idle_since, created at or after
 * created_since); marks it seen at now. An expired session is deleted. URS_OK,
 * URS_ENOTFOUND (unknown or expired), URS_EDB.
 */
URS_NODISCARD int db_coach_session_get(struct db *db, const uint8_t id_hash[DB_SESSION_HASH_LEN],
                                       int64_t idle_since, int64_t created_since, int64_t now,
                                       int64_t *coach_id, struct err *e);
/* Delete one session (logout; an unknown one is fine), or every session of a coach. */
URS_NODISCARD int db_coach_session_end(struct db *db, const uint8_t id_hash[DB_SESSION_HASH_LEN],
                                       struct err *e);
URS_NODISCARD int db_coach_sessions_end(struct db *db, int64_t coach_id, struct err *e);
/* Delete sessions idle before idle_since or created before created_since. */
URS_NODISCARD int db_coach_sessions_purge(struct db *db, int64_t idle_since,
                                          int64_t created_since, struct err *e);

/*
 * Failed sign-ins per key (the caller's naming, e.g. "coach:12", "ip:127.0.0.1"). Add one
 * failure at now and return the count; a count whose last failure was before forget_before
 * starts again at 1 (and its lock is lifted). URS_OK, URS_EDB.
 */
URS_NODISCARD int db_login_failure_add(struct db *db, const char *key, int64_t now,
                                       int64_t forget_before, int64_t *failures, struct err *e);
/* The time until which key is locked (0: never). URS_OK, URS_EDB. */
URS_NODISCARD int db_login_lock_get(struct db *db, const char *key, int64_t *locked_until,
                                    struct err *e);
/* Lock key until locked_until (a later lock already set stays). URS_OK, URS_EDB. */
URS_NODISCARD int db_login_lock_set(struct db *db, const char *key, int64_t locked_until,
                                    struct err *e);
/* Forget key's failures (a successful sign-in). URS_OK, URS_EDB. */
URS_NODISCARD int db_login_failures_clear(struct db *db, const char *key, struct err *e);

/* Cohort cohort_id: its coach and its name (cut to name_len). URS_OK, URS_ENOTFOUND, URS_EDB. */
URS_NODISCARD int db_cohort_owner(struct db *db, int64_t cohort_id, int64_t *coach_id, char *name,
                                  size_t name_len, struct err *e);
/* The cohorts of one coach, by name. URS_OK, URS_EDB. */
URS_NODISCARD int db_coach_cohorts_each(struct db *db, int64_t coach_id, db_cohort_fn fn,
                                        void *ctx, struct err *e);
/* A coach's name (cut to name_len). URS_OK, URS_ENOTFOUND, URS_EDB. */
URS_NODISCARD int db_coach_name(struct db *db, int64_t coach_id, char *name, size_t name_len,
                                struct err *e);

/* Digest building: candidate postings, keyword hits, what was already sent. */

/* Called per posting with its fingerprint (16 hex digits); only the fields a digest shows
   are loaded (no description, no evidence). */
typedef int (*db_candidate_fn)(void *ctx, const struct posting *p, const char *fingerprint);

/* Open postings first seen at or after since, plus every open posting pinned for a cohort. */
URS_NODISCARD int db_digest_candidates(struct db *db, int64_t since, db_candidate_fn fn,
                                       void *ctx, struct err *e);

/*
 * Ids (>= min_id) of postings matching keywords (the subscriber syntax: words within a comma
 * group all required, groups alternatives; every word quoted for FTS5). URS_EINVAL when the
 * keywords hold no word.
 */
typedef int (*db_id_fn)(void *ctx, int64_t id);
URS_NODISCARD int db_keyword_hits(struct db *db, const char *keywords, int64_t min_id,
                                  db_id_fn fn, void *ctx, struct err *e);

/*
 * Every posting id summarised as "N more" in digests recorded at or after since, per digest
 * (ids ascending, borrowed for the call). A fn returning non-zero stops the walk
 * (URS_EINVAL). A malformed summary is URS_EDB naming its row.
 */
typedef int (*db_summary_fn)(void *ctx, int64_t subscriber_id, const int64_t *ids, size_t n);
URS_NODISCARD int db_digest_summaries(struct db *db, int64_t since, db_summary_fn fn, void *ctx,
                                      struct err *e);

/*
 * (subscriber, fingerprint) pairs already sent, for the fingerprints of the candidates: a
 * posting counts as sent when any posting with its fingerprint was sent.
 */
typedef int (*db_sent_fn)(void *ctx, int64_t subscriber_id, const char *fingerprint);
URS_NODISCARD int db_digest_sent_pairs(struct db *db, int64_t since, db_sent_fn fn, void *ctx,
                                       struct err *e);

/*
 * Stored blocks. A digest build renders each posting's block once; storing it once and
 * putting a reference in each message (instead of the same kilobyte in thousands of
 * messages) keeps the outbox small. A reference is DB_BLOCK_REF_LEN bytes: NUL, 0x01 and the
 * block id as 8 bytes big-endian; a NUL never occurs in a message otherwise (7bit and
 * quoted-printable only). Every function here that returns a message returns it resolved.
 */
#define DB_BLOCK_REF_LEN 10
#define DB_MAX_RESOLVED  (4 * 1024 * 1024) /* bytes of a message with its blocks put in */
/* Store a block (within the caller's transaction, if any); *id gets its id. */
URS_NODISCARD int db_digest_block_add(struct db *db, int64_t now, const char *data, size_t len,
                                      int64_t *id, struct err *e);
/* The reference to block id. */
void db_block_ref(unsigned char out[DB_BLOCK_REF_LEN], int64_t id);

/* One rendered digest and what it holds: recorded together or not at all. */
struct db_digest_record {
    int64_t subscriber_id;
    int64_t expect_last_digest_at; /* the subscriber's last_digest_at as read (0: never) */
    int64_t now;
    int64_t next_due_at;
    const char *recipient;
    const char *message_id;
    const char *subject;
    const char *message;           /* the complete RFC 5322 message, CRLF line ends; may hold
                                      references to stored blocks (db_block_ref) */
    size_t message_len;            /* 0: nothing new, only the schedule advances */
    const int64_t *posting_ids; /* one deliveries row each: what the message shows, and picks */
    size_t postings_len;
    size_t shown_len;               /* postings the message shows (the outbox row's count) */
    const int64_t *summarised_ids;  /* matches summarised as "N more": delivered, kept compact */
    size_t summarised_len;
};

/*
 * Record a digest: the outbox row (queued, due now), one deliveries row per posting, the
 * subscriber's last_digest_at/next_due_at and the day's anonymous counts, in one transaction
 * (the caller's, when one is open). *outbox_id = 0 when message_len is 0.
 * URS_EBUSY when the subscriber's last_digest_at changed meanwhile (another process built
 * this digest): nothing is written. URS_OK, URS_EBUSY, URS_EDB.
 */
URS_NODISCARD int db_digest_record(struct db *db, const struct db_digest_record *r,
                                   int64_t *outbox_id, struct err *e);

/* The outbox: queued messages, delivered once. */
enum db_outbox_status { DB_OUTBOX_QUEUED = 0, DB_OUTBOX_SENT, DB_OUTBOX_FAILED };
const char *db_outbox_status_name(enum db_outbox_status s);

struct db_outbox_row {
    int64_t id;
    int64_t subscriber_id;         /* 0 when the subscriber is gone */
    enum db_sub_status subscriber_status;
    const char *recipient;
    const char *message_id;
    const char *subject;
    const char *message;           /* NULL in listings */
    size_t message_len;
    size_t postings;
    enum db_outbox_status status;
    long attempts;
    int64_t created_at;
    int64_t queued_at;             /* created_at, or when `outbox retry` requeued it */
    int64_t next_attempt_at;
    int64_t last_attempt_at;
    int64_t sent_at;
    const char *last_error;        /* may be NULL */
    bool notice;                   /* a notice (sign-up confirmation), not a digest */
};
typedef int (*db_outbox_fn)(void *ctx, const struct db_outbox_row *r);

/* Claimed rows with their messages, owned by the batch (db_outbox_batch_free). */
struct db_outbox_batch {
    struct db_outbox_row *rows;
    size_t len;
    char **strings; /* private */
};
void db_outbox_batch_free(struct db_outbox_batch *b);

/*
 * Claim up to limit queued rows due at now (oldest first), in one transaction: each claimed
 * row gets attempts + 1, last_attempt_at = now and next_attempt_at = now + lease, so another
 * process skips it and a crash retries it after the lease. With notices_only, only notices
 * (db_notice_queue) are claimed. out is initialised here.
 */
URS_NODISCARD int db_outbox_claim(struct db *db, int64_t now, int64_t lease, size_t limit,
                                  bool notices_only, struct db_outbox_batch *out, struct err *e);
/* Listing (status < 0: all), newest first, without message bodies; limit 0 = all. */
URS_NODISCARD int db_outbox_each(struct db *db, int status, size_t limit, db_outbox_fn fn,
                                 void *ctx, struct err *e);
/* One row with its message. URS_ENOTFOUND. */
URS_NODISCARD int db_outbox_get(struct db *db, int64_t id, db_outbox_fn fn, void *ctx,
                                struct err *e);
/* Delivered: status sent, sent_at, the subscriber's hard bounce count reset. */
URS_NODISCARD int db_outbox_mark_sent(struct db *db, int64_t id, int64_t now, struct err *e);
/* A transient failure: stays queued until next_attempt_at; error kept (cut to 400 bytes). */
URS_NODISCARD int db_outbox_defer(struct db *db, int64_t id, int64_t next_attempt_at,
                                  const char *error, struct err *e);
/*
 * A permanent failure. With hard_bounce, the subscriber's hard bounce count grows and the
 * subscriber becomes bounced when it reaches bounce_limit (*bounced says so; may be NULL).
 */
URS_NODISCARD int db_outbox_fail(struct db *db, int64_t id, int64_t now, const char *error,
                                 bool hard_bounce, long bounce_limit, bool *bounced,
                                 struct err *e);
/* Requeue failed rows (id 0: every failed row) due at now; *count requeued. */
URS_NODISCARD int db_outbox_retry(struct db *db, int64_t id, int64_t now, size_t *count,
                                  struct err *e);
/* Delete sent and failed rows created at or before before; deliveries stay. *count deleted. */
URS_NODISCARD int db_outbox_purge(struct db *db, int64_t before, size_t *count, struct err *e);
/* Counts by status, for `outbox list` and tests. */
URS_NODISCARD int db_outbox_counts(struct db *db, size_t *queued, size_t *sent, size_t *failed,
                                   struct err *e);

/* ---- sign-up (db/web.c) ---- */

/* What a sign-up rate limit counts: attempts for one address, or from one client. */
enum db_signup_scope { DB_SIGNUP_ADDRESS = 0, DB_SIGNUP_CLIENT };

/*
 * Count one sign-up attempt for key (a digest of the address or client, never the value
 * itself) in the current hour; *over when the hour's attempts are now above limit. Counts
 * older than a day are dropped. URS_OK, URS_EDB.
 */
URS_NODISCARD int db_signup_hit(struct db *db, enum db_signup_scope scope, const char *key,
                                int64_t now, long limit, bool *over, struct err *e);

/*
 * Queue a notice for subscriber_id (a confirmation mail): an outbox row of kind notice,
 * with no postings, due now. It is delivered to pending and unsubscribed subscribers too
 * (never to bounced ones). URS_OK, URS_EDB.
 */
URS_NODISCARD int db_notice_queue(struct db *db, int64_t subscriber_id, const char *recipient,
                                  const char *message_id, const char *subject,
                                  const char *message, size_t len, int64_t now,
                                  int64_t *outbox_id, struct err *e);

/*
 * Confirm a sign-up whose link was issued at `issued`: a pending subscriber, or one who
 * unsubscribed before the link was issued (a sign-up again), becomes active with
 * next_due_at. *changed is false when the subscriber was already active (a second click).
 * URS_OK, URS_ENOTFOUND (no such subscriber, bounced, or unsubscribed after the link was
 * issued), URS_EDB.
 */
URS_NODISCARD int db_subscriber_confirm(struct db *db, int64_t id, int64_t issued,
                                        int64_t next_due_at, int64_t now, bool *changed,
                                        struct err *e);

/* Remove pending subscribers last signed up before `before` (never confirmed), as
 * db_subscriber_remove does; *count removed. URS_OK, URS_EDB. */
URS_NODISCARD int db_signup_expire(struct db *db, int64_t before, size_t *count, struct err *e);

#endif
