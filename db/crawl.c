/* SPDX-License-Identifier: MIT */
/* Crawl state: HTTP validators per URL, robots.txt per origin, and each source's health. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

/*
 * Keyed by text only (no foreign keys): a validator or robots.txt outlives any one source, and
 * health rows are kept for sources later removed from the config (`sources list` shows them).
 */
const char db_schema_v1_crawl[] = "CREATE TABLE http_validators ("
                                  "  url TEXT PRIMARY KEY,"
                                  "  etag TEXT,"
                                  "  last_modified TEXT,"
                                  "  updated_at INTEGER NOT NULL"
                                  ") WITHOUT ROWID;"
                                  "CREATE TABLE robots_cache ("
                                  "  origin TEXT PRIMARY KEY,"
                                  "  status INTEGER NOT NULL,"
                                  "  body BLOB,"
                                  "  fetched_at INTEGER NOT NULL"
                                  ") WITHOUT ROWID;"
                                  "CREATE TABLE source_health ("
                                  "  source TEXT PRIMARY KEY,"
                                  "  last_crawl INTEGER NOT NULL DEFAULT 0,"
                                  "  last_finished INTEGER NOT NULL DEFAULT 0,"
                                  "  status TEXT NOT NULL DEFAULT '',"
                                  "  step TEXT NOT NULL DEFAULT '',"
                                  "  error TEXT NOT NULL DEFAULT '',"
                                  "  last_ok INTEGER NOT NULL DEFAULT 0,"
                                  "  pages INTEGER NOT NULL DEFAULT 0,"
                                  "  postings INTEGER NOT NULL DEFAULT 0,"
                                  "  new_count INTEGER NOT NULL DEFAULT 0,"
                                  "  updated INTEGER NOT NULL DEFAULT 0,"
                                  "  closed INTEGER NOT NULL DEFAULT 0,"
                                  "  errors INTEGER NOT NULL DEFAULT 0,"
                                  "  consecutive_failures INTEGER NOT NULL DEFAULT 0,"
                                  "  last_nonzero INTEGER NOT NULL DEFAULT 0,"
                                  "  rate_limited_until INTEGER NOT NULL DEFAULT 0"
                                  ") WITHOUT ROWID;";

static char *column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? strdup((const char *)s) : NULL;
}

int db_validators_get(struct db *db, const char *url, char **etag, char **last_modified,
                      struct err *e)
{
    static const char sql[] = "SELECT etag, last_modified FROM http_validators WHERE url = ?1";
    *etag = *last_modified = NULL;
    sqlite3_stmt *st;
    if (db_stmt(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, url);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return URS_ENOTFOUND;
    }
    if (rc != SQLITE_ROW)
        return db_fail(db, "read HTTP validators", e);
    bool nomem = false;
    if (sqlite3_column_type(st, 0) != SQLITE_NULL && !(*etag = column_dup(st, 0)))
        nomem = true;
    if (sqlite3_column_type(st, 1) != SQLITE_NULL && !(*last_modified = column_dup(st, 1)))
        nomem = true;
    sqlite3_reset(st);
    if (nomem) {
        free(*etag);
        free(*last_modified);
        *etag = *last_modified = NULL;
        return err_set(e, URS_ENOMEM, "%s: read HTTP validators: out of memory", db->path);
    }
    return URS_OK;
}

int db_validators_put(struct db *db, const char *url, const char *etag, const char *last_modified,
                      int64_t now, struct err *e)
{
    static const char del[] = "DELETE FROM http_validators WHERE url = ?1";
    static const char put[] =
        "INSERT INTO http_validators (url, etag, last_modified, updated_at) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
        " last_modified = excluded.last_modified, updated_at = excluded.updated_at";
    sqlite3_stmt *st;
    bool forget = !etag && !last_modified;
    if (db_stmt(db, forget ? del : put, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, url);
    if (!forget) {
        db_bind_text(st, 2, etag);
        db_bind_text(st, 3, last_modified);
        sqlite3_bind_int64(st, 4, now);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "store HTTP validators", e);
}

int db_robots_get(struct db *db, const char *origin, long *status, char **body, size_t *body_len,
                  int64_t *fetched_at, struct err *e)
{
    static const char sql[] = "SELECT status, body, fetched_at FROM robots_cache WHERE origin = ?1";
    *body = NULL;
    *body_len = 0;
    sqlite3_stmt *st;
    if (db_stmt(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, origin);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return URS_ENOTFOUND;
    }
    if (rc != SQLITE_ROW)
        return db_fail(db, "read robots.txt cache", e);
    *status = (long)sqlite3_column_int64(st, 0);
    *fetched_at = sqlite3_column_int64(st, 2);
    const void *blob = sqlite3_column_blob(st, 1);
    int n = sqlite3_column_bytes(st, 1);
    if (blob && n > 0) {
        *body = malloc((size_t)n + 1);
        if (!*body) {
            sqlite3_reset(st);
            return err_set(e, URS_ENOMEM, "%s: read robots.txt cache: out of memory", db->path);
        }
        memcpy(*body, blob, (size_t)n);
        (*body)[n] = '\0';
        *body_len = (size_t)n;
    }
    sqlite3_reset(st);
    return URS_OK;
}

int db_robots_put(struct db *db, const char *origin, long status, const char *body, size_t body_len,
                  int64_t fetched_at, struct err *e)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO robots_cache (origin, status, body, fetched_at)"
        " VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *st;
    if (db_stmt(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, origin);
    sqlite3_bind_int64(st, 2, status);
    if (body && body_len > 0 && body_len < (size_t)0x7fffffff)
        sqlite3_bind_blob(st, 3, body, (int)body_len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, fetched_at);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "store robots.txt", e);
}

#define HEALTH_COLUMNS                                                                             \
    "source, last_crawl, last_finished, status, step, error, last_ok, pages, postings,"            \
    " new_count, updated, closed, errors, consecutive_failures, last_nonzero,"                     \
    " rate_limited_until"

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", s ? (const char *)s : "");
}

static void read_health(sqlite3_stmt *st, struct db_source_health *h)
{
    memset(h, 0, sizeof *h);
    copy_text(st, 0, h->source, sizeof h->source);
    h->last_crawl = sqlite3_column_int64(st, 1);
    h->last_finished = sqlite3_column_int64(st, 2);
    copy_text(st, 3, h->status, sizeof h->status);
    copy_text(st, 4, h->step, sizeof h->step);
    copy_text(st, 5, h->error, sizeof h->error);
    h->last_ok = sqlite3_column_int64(st, 6);
    h->pages = sqlite3_column_int64(st, 7);
    h->postings = sqlite3_column_int64(st, 8);
    h->new_count = sqlite3_column_int64(st, 9);
    h->updated = sqlite3_column_int64(st, 10);
    h->closed = sqlite3_column_int64(st, 11);
    h->errors = sqlite3_column_int64(st, 12);
    h->consecutive_failures = sqlite3_column_int64(st, 13);
    h->last_nonzero = sqlite3_column_int64(st, 14);
    h->rate_limited_until = sqlite3_column_int64(st, 15);
}

int db_source_health_get(struct db *db, const char *source, struct db_source_health *out,
                         struct err *e)
{
    static const char sql[] = "SELECT " HEALTH_COLUMNS " FROM source_health WHERE source = ?1";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    if (db_stmt(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, source);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_health(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return URS_ENOTFOUND;
    return rc == SQLITE_ROW ? URS_OK : db_fail(db, "read source health", e);
}

int db_source_health_put(struct db *db, const struct db_source_health *h, struct err *e)
{
    static const char sql[] = "INSERT OR REPLACE INTO source_health (" HEALTH_COLUMNS ")"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                              " ?14, ?15, ?16)";
    sqlite3_stmt *st;
    if (db_stmt(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    const int64_t nums[] = {h->last_crawl, h->last_finished};
    const int64_t more[] = {h->last_ok,      h->pages,
                            h->postings,     h->new_count,
                            h->updated,      h->closed,
                            h->errors,       h->consecutive_failures,
                            h->last_nonzero, h->rate_limited_until};
    db_bind_text(st, 1, h->source);
    for (int i = 0; i < 2; i++)
        sqlite3_bind_int64(st, 2 + i, nums[i]);
    db_bind_text(st, 4, h->status);
    db_bind_text(st, 5, h->step);
    db_bind_text(st, 6, h->error);
    for (int i = 0; i < 10; i++)
        sqlite3_bind_int64(st, 7 + i, more[i]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "store source health", e);
}

int db_source_health_each(struct db *db, db_health_fn fn, void *ctx, struct err *e)
{
    static const char sql[] = "SELECT " HEALTH_COLUMNS " FROM source_health ORDER BY source";
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    int rc, out = URS_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_source_health h;
        read_health(st, &h);
        if ((out = fn(ctx, &h)) != 0)
            break;
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "list source health", e);
    sqlite3_finalize(st);
    return out;
}
