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
#define DB_SCHEMA_VERSION 1

/*
 * Open (and with create, make and migrate) the database at path: WAL, synchronous=FULL,
 * busy_timeout, foreign_keys=ON. Refuses, with one clear line in e and the file untouched:
 * a missing folder, a file that is not a database, a database of a newer schema
 * (URS_EVERSION). Returns URS_OK, URS_EIO, URS_EDB, URS_EVERSION, URS_ENOMEM.
 */
URS_NODISCARD int db_open(const char *path, bool create, struct db **out, struct err *e);

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
 * Close the postings of source whose last_seen is before seen_since (they left a complete
 * listing). Returns the count in *closed.
 */
URS_NODISCARD int db_postings_close_missing(struct db *db, const char *source, int64_t seen_since,
                                            int64_t now, size_t *closed, struct err *e);

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

/* ---- maintenance (db/db.c) ---- */

/* integrity_check and foreign_key_check; *ok false with the findings in report. */
URS_NODISCARD int db_check(struct db *db, bool *ok, struct sbuf *report, struct err *e);

/* Online backup to dest via a temp file and rename: never a partial dest. */
URS_NODISCARD int db_backup(struct db *db, const char *dest, struct err *e);

#endif
