/* SPDX-License-Identifier: MIT */
/* What the subscriber pages store: sign-ups awaiting confirmation, rate limits, notices. */
#include <string.h>

#include "db/db_int.h"

/* Schema v2, web part: nothing (the pages of v2 read and write subscribers only). */
const char db_schema_v2_web[] = "";

/*
 * Schema v3: the outbox tells notices (a sign-up confirmation) from digests, and sign-up
 * attempts are counted per hour by a digest of the address or client, never the value.
 */
const char db_schema_v3_web[] =
    "ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'digest';"
    "CREATE TABLE signup_limits ("
    "  scope INTEGER NOT NULL CHECK (scope IN (0, 1)),"
    "  key TEXT NOT NULL,"
    "  hour INTEGER NOT NULL,"
    "  hits INTEGER NOT NULL,"
    "  PRIMARY KEY (scope, key, hour)"
    ") WITHOUT ROWID;"
    "CREATE INDEX subscribers_pending ON subscribers(updated_at) WHERE status = 'pending';";

#define SIGNUP_KEEP_HOURS 24

static const char sql_hit[] =
    "INSERT INTO signup_limits (scope, key, hour, hits) VALUES (?1, ?2, ?3, 1)"
    " ON CONFLICT (scope, key, hour) DO UPDATE SET hits = hits + 1 RETURNING hits";
static const char sql_hit_forget[] = "DELETE FROM signup_limits WHERE hour < ?1";

int db_signup_hit(struct db *db, enum db_signup_scope scope, const char *key, int64_t now,
                  long limit, bool *over, struct err *e)
{
    bool own;
    *over = true;
    if (!key || !*key || strlen(key) > 128)
        return err_set(e, URS_EINVAL, "sign-up limit: bad key");
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    sqlite3_stmt *st;
    int64_t hour = now / 3600;
    int rc = db_stmt(db, sql_hit_forget, &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int64(st, 1, hour - SIGNUP_KEEP_HOURS);
        rc = sqlite3_step(st) == SQLITE_DONE ? URS_OK : db_fail(db, "forget sign-up counts", e);
        sqlite3_reset(st);
    }
    if (rc == URS_OK)
        rc = db_stmt(db, sql_hit, &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int(st, 1, (int)scope);
        db_bind_text(st, 2, key);
        sqlite3_bind_int64(st, 3, hour);
        if (sqlite3_step(st) == SQLITE_ROW)
            *over = sqlite3_column_int64(st, 0) > limit;
        else
            rc = db_fail(db, "count sign-up attempt", e);
        while (rc == URS_OK && sqlite3_step(st) == SQLITE_ROW) {
        }
        sqlite3_reset(st);
    }
    return db_tx_leave(db, own, rc, e);
}

static const char sql_notice_add[] =
    "INSERT INTO outbox (subscriber_id, recipient, message_id, subject, message, postings,"
    " created_at, queued_at, next_attempt_at, kind)"
    " VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6, ?6, 'notice')";

int db_notice_queue(struct db *db, int64_t subscriber_id, const char *recipient,
                    const char *message_id, const char *subject, const char *message, size_t len,
                    int64_t now, int64_t *outbox_id, struct err *e)
{
    sqlite3_stmt *st;
    *outbox_id = 0;
    if (len == 0 || memchr(message, '\0', len))
        return err_set(e, URS_EINVAL, "notice for subscriber %lld: empty or holds a NUL byte",
                       (long long)subscriber_id);
    if (db_stmt(db, sql_notice_add, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, subscriber_id);
    db_bind_text(st, 2, recipient);
    db_bind_text(st, 3, message_id);
    db_bind_text(st, 4, subject);
    sqlite3_bind_blob64(st, 5, message, len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? URS_OK : db_fail(db, "queue notice", e);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == URS_OK)
        *outbox_id = sqlite3_last_insert_rowid(db->sql);
    return rc;
}

static const char sql_confirm[] =
    "UPDATE subscribers SET status = 'active', next_due_at = ?2, hard_bounces = 0,"
    " updated_at = ?3 WHERE id = ?1 AND (status = 'pending' OR"
    " (status = 'unsubscribed' AND updated_at <= ?4))";
static const char sql_status[] = "SELECT status FROM subscribers WHERE id = ?1";

int db_subscriber_confirm(struct db *db, int64_t id, int64_t issued, int64_t next_due_at,
                          int64_t now, bool *changed, struct err *e)
{
    bool own;
    *changed = false;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    sqlite3_stmt *st;
    int rc = db_stmt(db, sql_confirm, &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, next_due_at);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, issued);
        rc = sqlite3_step(st) == SQLITE_DONE ? URS_OK : db_fail(db, "confirm subscriber", e);
        sqlite3_reset(st);
        *changed = rc == URS_OK && sqlite3_changes(db->sql) > 0;
    }
    if (rc == URS_OK && !*changed && (rc = db_stmt(db, sql_status, &st, e)) == URS_OK) {
        sqlite3_bind_int64(st, 1, id);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            const char *status = (const char *)sqlite3_column_text(st, 0);
            if (!status || strcmp(status, "active") != 0)
                rc = err_set(e, URS_ENOTFOUND, "subscriber %lld cannot be confirmed (%s)",
                             (long long)id, status ? status : "no status");
        } else if (step == SQLITE_DONE) {
            rc = err_set(e, URS_ENOTFOUND, "no subscriber %lld", (long long)id);
        } else {
            rc = db_fail(db, "read subscriber status", e);
        }
        sqlite3_reset(st);
    }
    return db_tx_leave(db, own, rc, e);
}

static const char sql_expire[] =
    "DELETE FROM subscribers WHERE status = 'pending' AND updated_at < ?1";

int db_signup_expire(struct db *db, int64_t before, size_t *count, struct err *e)
{
    sqlite3_stmt *st;
    *count = 0;
    if (db_stmt(db, sql_expire, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, before);
    int rc = sqlite3_step(st) == SQLITE_DONE ? URS_OK : db_fail(db, "expire sign-ups", e);
    sqlite3_reset(st);
    if (rc == URS_OK)
        *count = (size_t)sqlite3_changes(db->sql);
    return rc;
}
