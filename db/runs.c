/* SPDX-License-Identifier: MIT */
/* The main job's cycle log: what the daemon last did, readable from another shell. */
#include "db/db_int.h"

#include <stdio.h>
#include <string.h>

static const char sql_run_start[] = "INSERT INTO run_log(pid, started_at) VALUES (?1, ?2)";
static const char sql_run_finish[] =
    "UPDATE run_log SET finished_at = ?2, sources_ok = ?3, sources_failed = ?4, "
    "postings_new = ?5, postings_updated = ?6, postings_closed = ?7, digests = ?8, "
    "mail_sent = ?9, mail_failed = ?10, next_due_at = ?11, summary = ?12 WHERE id = ?1";
static const char sql_run_last[] =
    "SELECT id, pid, started_at, finished_at, sources_ok, sources_failed, postings_new, "
    "postings_updated, postings_closed, digests, mail_sent, mail_failed, next_due_at, summary "
    "FROM run_log ORDER BY id DESC LIMIT 1";

int db_run_start(struct db *db, struct db_run *r, struct err *e)
{
    sqlite3_stmt *st;
    bool own;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    int rc = db_stmt(db, sql_run_start, &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int64(st, 1, r->pid);
        sqlite3_bind_int64(st, 2, r->started_at);
        rc = sqlite3_step(st) == SQLITE_DONE ? URS_OK : db_fail(db, "record cycle start", e);
        sqlite3_reset(st);
        r->id = sqlite3_last_insert_rowid(db->sql);
    }
    return db_tx_leave(db, own, rc, e);
}

int db_run_finish(struct db *db, const struct db_run *r, struct err *e)
{
    sqlite3_stmt *st;
    bool own;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    int rc = db_stmt(db, sql_run_finish, &st, e);
    if (rc == URS_OK) {
        int64_t v[] = {r->id,           r->finished_at,     r->sources_ok,
                       r->sources_failed, r->postings_new,  r->postings_updated,
                       r->postings_closed, r->digests,      r->mail_sent,
                       r->mail_failed,  r->next_due_at};
        for (int i = 0; i < 11; i++)
            sqlite3_bind_int64(st, i + 1, v[i]);
        db_bind_text(st, 12, r->summary);
        rc = sqlite3_step(st) == SQLITE_DONE ? URS_OK : db_fail(db, "record cycle end", e);
        sqlite3_reset(st);
    }
    return db_tx_leave(db, own, rc, e);
}

int db_run_last(struct db *db, struct db_run *r, struct err *e)
{
    sqlite3_stmt *st;
    memset(r, 0, sizeof *r);
    if (db_stmt(db, sql_run_last, &st, e) != URS_OK)
        return URS_EDB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t *v[] = {&r->id,           &r->pid,          &r->started_at,
                        &r->finished_at,  &r->sources_ok,   &r->sources_failed,
                        &r->postings_new, &r->postings_updated, &r->postings_closed,
                        &r->digests,      &r->mail_sent,    &r->mail_failed,
                        &r->next_due_at};
        for (int i = 0; i < 13; i++)
            *v[i] = sqlite3_column_int64(st, i);
        const unsigned char *s = sqlite3_column_text(st, 13);
        (void)snprintf(r->summary, sizeof r->summary, "%s", s ? (const char *)s : "");
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return err_set(e, URS_ENOTFOUND, "no cycle has run yet");
    if (rc != SQLITE_ROW)
        return db_fail(db, "read cycle log", e);
    return URS_OK;
}
