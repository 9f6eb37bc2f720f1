/* SPDX-License-Identifier: MIT */
/* What the coach desk stores: password hashes, sessions, failed sign-in counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

/*
 * Schema v2, coach part. A password is kept only as its Argon2id encoded hash (algorithm,
 * parameters, salt and hash in one string). A session is kept only as the SHA-256 of its id,
 * so a copy of the database opens no session. Failed sign-ins are counted per key: the web
 * module names the keys ("coach:ID", "login:NAME", "ip:ADDRESS") and owns the policy.
 */
const char db_schema_v2_coach[] =
    "CREATE TABLE coach_passwords ("
    "  coach_id INTEGER PRIMARY KEY REFERENCES coaches(id) ON DELETE CASCADE,"
    "  hash TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE coach_sessions ("
    "  id_hash BLOB PRIMARY KEY,"
    "  coach_id INTEGER NOT NULL REFERENCES coaches(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX coach_sessions_coach ON coach_sessions(coach_id);"
    "CREATE TABLE coach_login_failures ("
    "  key TEXT PRIMARY KEY,"
    "  failures INTEGER NOT NULL,"
    "  last_failure_at INTEGER NOT NULL,"
    "  locked_until INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;";

/* ---- coaches by name or address, and their passwords ---- */

/* One row of `sql` (?1 = login): *n is 0, 1 or 2 (two or more); the first row's id and hash. */
static int coach_rows(struct db *db, const char *sql, const char *login, int *n, int64_t *id,
                      char **hash, struct err *e)
{
    *n = 0;
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, login);
    int rc = SQLITE_DONE;
    int out = URS_OK;
    while (*n < 2 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((*n)++ > 0)
            continue;
        *id = sqlite3_column_int64(st, 0);
        const char *h = (const char *)sqlite3_column_text(st, 1);
        if (h && !(*hash = strdup(h)))
            out = err_set(e, URS_ENOMEM, "find coach: out of memory");
    }
    if (*n < 2 && rc != SQLITE_DONE && out == URS_OK)
        out = db_fail(db, "find coach", e);
    sqlite3_finalize(st);
    return out;
}

int db_coach_find(struct db *db, const char *login, int64_t *coach_id, char **pw_hash,
                  struct err *e)
{
    static const char by_name[] = "SELECT c.id, p.hash FROM coaches c LEFT JOIN coach_passwords p"
                                  " ON p.coach_id = c.id WHERE c.name = ?1";
    static const char by_email[] = "SELECT c.id, p.hash FROM coaches c LEFT JOIN coach_passwords"
                                   " p ON p.coach_id = c.id WHERE c.email = ?1 COLLATE NOCASE"
                                   " ORDER BY c.id";
    *coach_id = 0;
    if (pw_hash)
        *pw_hash = NULL;
    char *hash = NULL;
    int n = 0;
    int64_t id = 0;
    /* a name wins over an address; an address two coaches share names nobody */
    int rc = coach_rows(db, by_name, login, &n, &id, &hash, e);
    if (rc == URS_OK && n == 0)
        rc = coach_rows(db, by_email, login, &n, &id, &hash, e);
    if (rc == URS_OK && n == 0)
        rc = err_set(e, URS_ENOTFOUND, "no coach named '%.80s' (add one with 'urscout coach add')",
                     login);
    if (rc == URS_OK && n > 1)
        rc = err_set(e, URS_EINVAL, "several coaches have the address '%.80s': use the name",
                     login);
    if (rc != URS_OK) {
        free(hash);
        return rc;
    }
    *coach_id = id;
    if (pw_hash)
        *pw_hash = hash;
    else
        free(hash);
    return URS_OK;
}

int db_coach_password_set(struct db *db, int64_t coach_id, const char *hash, int64_t now,
                          struct err *e)
{
    bool own;
    int rc = db_tx_enter(db, &own, e);
    if (rc != URS_OK)
        return rc;
    sqlite3_stmt *st;
    rc = db_prepare(db,
                    "INSERT INTO coach_passwords (coach_id, hash, updated_at)"
                    " SELECT id, ?2, ?3 FROM coaches WHERE id = ?1"
                    " ON CONFLICT (coach_id) DO UPDATE SET hash = ?2, updated_at = ?3",
                    &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int64(st, 1, coach_id);
        db_bind_text(st, 2, hash);
        sqlite3_bind_int64(st, 3, now);
        int step = sqlite3_step(st);
        if (step != SQLITE_DONE)
            rc = db_fail(db, "set coach password", e);
        else if (sqlite3_changes(db->sql) == 0)
            rc = err_set(e, URS_ENOTFOUND, "set coach password: no coach with id %lld",
                         (long long)coach_id);
        sqlite3_finalize(st);
    }
    /* a new password ends every open session of that coach */
    if (rc == URS_OK)
        rc = db_coach_sessions_end(db, coach_id, e);
    return db_tx_leave(db, own, rc, e);
}

/* ---- sessions ---- */

/* Run one statement that binds a session hash as ?1 and an integer as ?2 (or none). */
static int session_exec(struct db *db, const char *sql, const uint8_t *id_hash, int64_t arg,
                        const char *what, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    if (id_hash)
        sqlite3_bind_blob(st, 1, id_hash, DB_SESSION_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, arg);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, what, e);
}

int db_coach_session_add(struct db *db, const uint8_t id_hash[DB_SESSION_HASH_LEN],
                         int64_t coach_id, int64_t now, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO coach_sessions (id_hash, coach_id, created_at, last_seen)"
                   " VALUES (?1, ?2, ?3, ?3)",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_blob(st, 1, id_hash, DB_SESSION_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, coach_id);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "add coach session", e);
}

int db_coach_session_get(struct db *db, const uint8_t id_hash[DB_SESSION_HASH_LEN],
                         int64_t idle_since, int64_t created_since, int64_t now,
                         int64_t *coach_id, struct err *e)
{
    *coach_id = 0;
    sqlite3_stmt *st;
    /* one statement: touch a live session and say whose it is; an expired one is not touched */
    if (db_prepare(db,
                   "UPDATE coach_sessions SET last_seen = max(last_seen, ?4)"
                   " WHERE id_hash = ?1 AND last_seen >= ?2 AND created_at >= ?3"
                   " RETURNING coach_id",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_blob(st, 1, id_hash, DB_SESSION_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, idle_since);
    sqlite3_bind_int64(st, 3, created_since);
    sqlite3_bind_int64(st, 4, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *coach_id = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "check coach session", e);
    if (*coach_id == 0) {
        /* expired or unknown: an expired row goes now, not at the next purge */
        int del = session_exec(db, "DELETE FROM coach_sessions WHERE id_hash = ?1", id_hash, 0,
                               "end coach session", e);
        return del != URS_OK ? del : err_set(e, URS_ENOTFOUND, "no such session");
    }
    return URS_OK;
}

int db_coach_session_end(struct db *db, const uint8_t id_hash[DB_SESSION_HASH_LEN], struct err *e)
{
    return session_exec(db, "DELETE FROM coach_sessions WHERE id_hash = ?1", id_hash, 0,
                        "end coach session", e);
}

int db_coach_sessions_end(struct db *db, int64_t coach_id, struct err *e)
{
    return session_exec(db, "DELETE FROM coach_sessions WHERE coach_id = ?2", NULL, coach_id,
                        "end coach sessions", e);
}

int db_coach_sessions_purge(struct db *db, int64_t idle_since, int64_t created_since,
                            struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "DELETE FROM coach_sessions WHERE last_seen < ?1 OR created_at < ?2", &st,
                   e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, idle_since);
    sqlite3_bind_int64(st, 2, created_since);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "purge coach sessions", e);
}

/* ---- failed sign-ins ---- */

int db_login_lock_get(struct db *db, const char *key, int64_t *locked_until, struct err *e)
{
    *locked_until = 0;
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT locked_until FROM coach_login_failures WHERE key = ?1", &st, e) !=
        URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *locked_until = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? URS_OK : db_fail(db, "read sign-in lock", e);
}

int db_login_failure_add(struct db *db, const char *key, int64_t now, int64_t forget_before,
                         int64_t *failures, struct err *e)
{
    *failures = 0;
    sqlite3_stmt *st;
    /* one statement, so two failures at the same moment both count */
    if (db_prepare(db,
                   "INSERT INTO coach_login_failures (key, failures, last_failure_at)"
                   " VALUES (?1, 1, ?2) ON CONFLICT (key) DO UPDATE SET"
                   " failures = CASE WHEN last_failure_at < ?3 THEN 1 ELSE failures + 1 END,"
                   " locked_until = CASE WHEN last_failure_at < ?3 THEN 0 ELSE locked_until END,"
                   " last_failure_at = max(last_failure_at, ?2)"
                   " RETURNING failures",
                   &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, forget_before);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *failures = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "count failed sign-in", e);
}

int db_login_lock_set(struct db *db, const char *key, int64_t locked_until, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "UPDATE coach_login_failures SET locked_until = max(locked_until, ?2)"
                   " WHERE key = ?1",
                   &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, locked_until);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "lock sign-in", e);
}

int db_login_failures_clear(struct db *db, const char *key, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "DELETE FROM coach_login_failures WHERE key = ?1", &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "clear failed sign-ins", e);
}

/* ---- cohorts as their coach sees them ---- */

int db_cohort_owner(struct db *db, int64_t cohort_id, int64_t *coach_id, char *name,
                    size_t name_len, struct err *e)
{
    *coach_id = 0;
    if (name_len)
        name[0] = '\0';
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT coach_id, name FROM cohorts WHERE id = ?1", &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, cohort_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *coach_id = sqlite3_column_int64(st, 0);
        (void)snprintf(name, name_len, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return err_set(e, URS_ENOTFOUND, "no cohort with id %lld", (long long)cohort_id);
    return rc == SQLITE_ROW ? URS_OK : db_fail(db, "find cohort", e);
}

int db_coach_cohorts_each(struct db *db, int64_t coach_id, db_cohort_fn fn, void *ctx,
                          struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT h.id, h.name, c.name, (SELECT count(*) FROM cohort_members m"
                   " WHERE m.cohort_id = h.id) FROM cohorts h JOIN coaches c ON c.id = h.coach_id"
                   " WHERE h.coach_id = ?1 ORDER BY h.name",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, coach_id);
    int rc, out = URS_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_cohort c = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                              (const char *)sqlite3_column_text(st, 2),
                              (size_t)sqlite3_column_int64(st, 3)};
        if (fn(ctx, &c) != 0) {
            out = err_set(e, URS_EINVAL, "list cohorts: stopped by the caller");
            break;
        }
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "list cohorts", e);
    sqlite3_finalize(st);
    return out;
}

int db_coach_name(struct db *db, int64_t coach_id, char *name, size_t name_len, struct err *e)
{
    if (name_len)
        name[0] = '\0';
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT name FROM coaches WHERE id = ?1", &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, coach_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        (void)snprintf(name, name_len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return err_set(e, URS_ENOTFOUND, "no coach with id %lld", (long long)coach_id);
    return rc == SQLITE_ROW ? URS_OK : db_fail(db, "find coach", e);
}
