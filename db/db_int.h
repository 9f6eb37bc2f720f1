/* SPDX-License-Identifier: MIT */
/* db/ private: the handle, statement helpers and the schema chunks. Never included elsewhere. */
#ifndef URSCOUT_DB_DB_INT_H
#define URSCOUT_DB_DB_INT_H

#include <sqlite3.h>

#include "db/db.h"

#define DB_STMT_CACHE 64

struct db {
    sqlite3 *sql;
    char *path;
    int tx_depth; /* > 0 inside db_begin */
    struct {
        const char *sql; /* a static string: the key is its address */
        sqlite3_stmt *st;
    } cache[DB_STMT_CACHE];
    size_t cache_len;
    /* Full-text index changes held until the transaction commits (db/postings.c). */
    struct db_fts_pending *fts;
    size_t fts_len, fts_cap;
    /* Deliveries rows held until the transaction commits (db/outbox.c). */
    struct db_delivery_pending *dq;
    size_t dq_len, dq_cap;
};

/* One deliveries row to write at commit. */
struct db_delivery_pending {
    int64_t posting_id;
    int64_t subscriber_id;
    int64_t outbox_id;
};

/* Write the held deliveries rows in (posting, subscriber) order (before COMMIT): URS_OK,
   URS_EDB. */
int db_deliveries_flush(struct db *db, struct err *e);
/* Drop the held rows (after ROLLBACK, or on close). */
void db_deliveries_discard(struct db *db);

/* One posting whose full-text entry is written at commit; old holds what the index has now
   (title, employer, location, description) when it has an entry, else all NULL. */
struct db_fts_pending {
    int64_t id;
    bool indexed;
    char *old[4];
};

/* Write the held full-text changes (before COMMIT). URS_OK, URS_EDB, URS_ENOMEM. */
int db_fts_flush(struct db *db, struct err *e);
/* Drop the held changes (after ROLLBACK, or on close). */
void db_fts_discard(struct db *db);

/* Schema version 1 is these chunks, run in order in one transaction (db/db.c). */
extern const char db_schema_v1_core[];   /* sources, postings, tags, evidence, FTS (db/schema.c) */
extern const char db_schema_v1_crawl[];  /* crawl state: HTTP validators, robots cache (db/crawl.c) */
extern const char db_schema_v1_notify[]; /* subscribers, coaches, cohorts, outbox (db/notify.c) */

/* Schema version 2: each chunk belongs to the file named; "" when a part adds nothing. */
extern const char db_schema_v2_core[];   /* postings: is-posting decision (db/schema.c) */
extern const char db_schema_v2_notify[]; /* digests and their matching (db/notify.c) */
extern const char db_schema_v2_web[];    /* sign-up, rate limits, subscriber pages (db/web.c) */
extern const char db_schema_v2_coach[];  /* coach passwords, sessions, lockout (db/coach.c) */

/* Schema version 3: sign-up (db/web.c): mail kinds in the outbox, sign-up rate limits. */
extern const char db_schema_v3_web[];

/* Prepare sql; on failure fill e with "what: sqlite message". URS_OK or URS_EDB. */
int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e);

/*
 * A cached prepared statement for a STATIC sql string (keyed by its address), reset and with
 * bindings cleared. Owned by the db: never finalize it. URS_OK or URS_EDB.
 */
int db_stmt(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e);

/* Record an SQLite failure in e, naming what was being done and the database file. */
int db_fail(struct db *db, const char *what, struct err *e);

/* Bind text or NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);

/* Begin an IMMEDIATE transaction unless one is open; *own says whether to commit it. */
int db_tx_enter(struct db *db, bool *own, struct err *e);
int db_tx_leave(struct db *db, bool own, int rc, struct err *e);

#endif
