/* SPDX-License-Identifier: MIT */
/* Opening the store: refusal of foreign or newer files, pragmas, migrations, transactions. */
#include "db/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sbuf.h"

#define BUSY_TIMEOUT_MS 10000

int db_fail(struct db *db, const char *what, struct err *e)
{
    const char *msg = db && db->sql ? sqlite3_errmsg(db->sql) : "no database";
    int code = db && db->sql ? sqlite3_errcode(db->sql) : SQLITE_ERROR;
    if (code == SQLITE_FULL)
        return err_set(e, URS_EDB, "%s: %s: disk full (%s)", db->path, what, msg);
    return err_set(e, URS_EDB, "%s: %s: %s", db && db->path ? db->path : "database", what, msg);
}

int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e)
{
    *st = NULL;
    if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(db, "prepare", e);
    return URS_OK;
}

int db_stmt(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e)
{
    for (size_t i = 0; i < db->cache_len; i++) {
        if (db->cache[i].sql == sql) {
            sqlite3_reset(db->cache[i].st);
            sqlite3_clear_bindings(db->cache[i].st);
            *st = db->cache[i].st;
            return URS_OK;
        }
    }
    *st = NULL;
    if (db->cache_len >= DB_STMT_CACHE) /* a fixed set of static statements: cannot happen */
        return err_set(e, URS_EDB, "%s: statement cache full (raise DB_STMT_CACHE)", db->path);
    if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return db_fail(db, "prepare", e);
    db->cache[db->cache_len].sql = sql;
    db->cache[db->cache_len].st = *st;
    db->cache_len++;
    return URS_OK;
}

int db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    if (!s)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

static int exec(struct db *db, const char *sql, const char *what, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (sqlite3_errcode(db->sql) == SQLITE_FULL)
            err_set(e, URS_EDB, "%s: %s: disk full (%s)", db->path, what, msg ? msg : "full");
        else
            err_set(e, URS_EDB, "%s: %s: %s", db->path, what, msg ? msg : "failed");
        sqlite3_free(msg);
        return URS_EDB;
    }
    return URS_OK;
}

int db_begin(struct db *db, struct err *e)
{
    if (db->tx_depth > 0)
        return err_set(e, URS_EINVAL, "%s: a transaction is already open", db->path);
    if (exec(db, "BEGIN IMMEDIATE", "begin transaction", e) != URS_OK)
        return URS_EDB;
    db->tx_depth = 1;
    return URS_OK;
}

int db_commit(struct db *db, struct err *e)
{
    if (db->tx_depth == 0)
        return URS_OK;
    if (db_fts_flush(db, e) != URS_OK || db_deliveries_flush(db, e) != URS_OK ||
        exec(db, "COMMIT", "commit", e) != URS_OK) {
        db_rollback(db);
        return URS_EDB;
    }
    db->tx_depth = 0;
    return URS_OK;
}

void db_rollback(struct db *db)
{
    if (db && db->tx_depth > 0) {
        (void)sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        db->tx_depth = 0;
    }
    if (db) {
        db_fts_discard(db);
        db_deliveries_discard(db);
    }
}

int db_tx_enter(struct db *db, bool *own, struct err *e)
{
    *own = db->tx_depth == 0;
    return *own ? db_begin(db, e) : URS_OK;
}

int db_tx_leave(struct db *db, bool own, int rc, struct err *e)
{
    if (!own)
        return rc;
    if (rc != URS_OK) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, e);
}

const char *db_path(const struct db *db)
{
    return db->path;
}

/* Refuse what is not ours before SQLite touches it, so the file stays byte-identical. */
static int check_file(const char *path, bool create, bool *exists, struct err *e)
{
    char *copy = strdup(path);
    if (!copy)
        return URS_ENOMEM;
    struct stat st;
    const char *dir = dirname(copy);
    int rc = URS_OK;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        rc = err_set(e, URS_EIO, "%s: the folder '%s' does not exist", path, dir);
    free(copy);
    if (rc != URS_OK)
        return rc;
    *exists = stat(path, &st) == 0;
    if (!*exists)
        return create ? URS_OK
                      : err_set(e, URS_ENOTFOUND,
                                "%s: no database here (run 'urscout import' or 'urscout crawl' "
                                "first, or give --db)",
                                path);
    if (!S_ISREG(st.st_mode))
        return err_set(e, URS_EIO, "%s: not a regular file", path);
    /*
     * The header is left to SQLite (SQLITE_NOTADB, check_version): opening and closing a
     * descriptor of our own on the file would drop every POSIX lock this process holds on it,
     * those of its other connections included (the daemon serving pages has two), and another
     * process could then take itself for the last user and delete the WAL under them.
     */
    return URS_OK;
}

static int read_int(struct db *db, const char *sql, long long *out, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, sql, e);
    return URS_OK;
}

/* Version and ownership checks that only read. */
static int check_version(struct db *db, long long *version, struct err *e)
{
    if (read_int(db, "PRAGMA user_version", version, e) != URS_OK) {
        if (!strstr(e->msg, sqlite3_errstr(SQLITE_NOTADB))) /* the code is gone by now */
            return URS_EDB;
        err_clear(e);
        return err_set(e, URS_EDB, "%s: not an SQLite database (refusing to touch it)",
                       db->path);
    }
    if (*version > DB_SCHEMA_VERSION)
        return err_set(e, URS_EVERSION,
                       "%s: database schema version %lld is newer than this urscout supports "
                       "(%d): upgrade urscout",
                       db->path, *version, DB_SCHEMA_VERSION);
    long long tables = 0;
    if (*version == 0 &&
        read_int(db, "SELECT count(*) FROM sqlite_master", &tables, e) != URS_OK)
        return URS_EDB;
    if (*version == 0 && tables > 0)
        return err_set(e, URS_EDB,
                       "%s: an SQLite database that is not urscout's (refusing to change it)",
                       db->path);
    return URS_OK;
}

/*
 * Each schema version is a list of chunks, one per owning file, run in order. Chunks of one
 * version run in one transaction with the user_version bump, so a failure leaves the old
 * version (D3). An empty chunk is skipped.
 */
static const char *const schema_v1[] = {db_schema_v1_core, db_schema_v1_crawl,
                                        db_schema_v1_notify};
static const char *const schema_v2[] = {db_schema_v2_core, db_schema_v2_notify, db_schema_v2_web,
                                        db_schema_v2_coach};

static const char *const schema_v3[] = {db_schema_v3_web};

static const struct {
    const char *const *chunks;
    size_t len;
} schema_steps[] = {
    {schema_v1, sizeof schema_v1 / sizeof schema_v1[0]},
    {schema_v2, sizeof schema_v2 / sizeof schema_v2[0]},
    {schema_v3, sizeof schema_v3 / sizeof schema_v3[0]},
};

_Static_assert(sizeof schema_steps / sizeof schema_steps[0] == DB_SCHEMA_VERSION,
               "one step per schema version");

static int migrate_step(struct db *db, int to, struct err *e)
{
    char what[48];
    (void)snprintf(what, sizeof what, "migrate to schema %d", to);
    if (db_begin(db, e) != URS_OK)
        return URS_EDB;
    int rc = URS_OK;
    const char *const *chunks = schema_steps[to - 1].chunks;
    for (size_t i = 0; i < schema_steps[to - 1].len && rc == URS_OK; i++)
        if (chunks[i][0])
            rc = exec(db, chunks[i], what, e);
    const char *fault = getenv("URSCOUT_FAULT");
    if (rc == URS_OK && fault && strcmp(fault, "migrate") == 0)
        rc = err_set(e, URS_EDB, "%s: %s: injected fault", db->path, what);
    if (rc == URS_OK) {
        char bump[40];
        (void)snprintf(bump, sizeof bump, "PRAGMA user_version = %d", to);
        rc = exec(db, bump, what, e);
    }
    if (rc != URS_OK) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, e);
}

static int migrate(struct db *db, long long version, struct err *e)
{
    for (int to = (int)version + 1; to <= DB_SCHEMA_VERSION; to++) {
        int rc = migrate_step(db, to, e);
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int configure(struct db *db, bool writable, struct err *e)
{
    if (sqlite3_busy_timeout(db->sql, BUSY_TIMEOUT_MS) != SQLITE_OK ||
        exec(db, "PRAGMA foreign_keys = ON", "enable foreign keys", e) != URS_OK)
        return db_fail(db, "configure", e);
    if (!writable)
        return URS_OK;
    if (exec(db, "PRAGMA journal_mode = WAL", "enable WAL", e) != URS_OK ||
        exec(db, "PRAGMA synchronous = FULL", "set synchronous", e) != URS_OK)
        return URS_EDB;
    return URS_OK;
}

int db_cache_size(struct db *db, long kib, struct err *e)
{
    char sql[64];
    (void)snprintf(sql, sizeof sql, "PRAGMA cache_size = %ld", kib > 0 ? -kib : -2000L);
    return exec(db, sql, "set cache size", e);
}

int db_open(const char *path, bool create, struct db **out, struct err *e)
{
    *out = NULL;
    bool exists = false;
    int rc = check_file(path, create, &exists, e);
    if (rc != URS_OK)
        return rc;
    struct db *db = calloc(1, sizeof *db);
    if (!db || !(db->path = strdup(path))) {
        free(db);
        return err_set(e, URS_ENOMEM, "%s: out of memory", path);
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK) {
        rc = db_fail(db, "open", e);
        goto fail;
    }
    long long version = 0;
    if ((rc = check_version(db, &version, e)) != URS_OK)
        goto fail;
    if ((rc = configure(db, true, e)) != URS_OK || (rc = migrate(db, version, e)) != URS_OK)
        goto fail;
    *out = db;
    return URS_OK;
fail:
    db_close(db);
    if (!exists && create)
        (void)unlink(path);
    return rc;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    db_rollback(db);
    free(db->fts);
    free(db->dq);
    for (size_t i = 0; i < db->cache_len; i++)
        sqlite3_finalize(db->cache[i].st);
    if (db->sql)
        sqlite3_close_v2(db->sql);
    free(db->path);
    free(db);
}

static int collect_rows(struct db *db, const char *sql, bool skip_ok, struct sbuf *report,
                        size_t *rows, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    int rc, out = URS_OK;
    *rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && out == URS_OK) {
        int cols = sqlite3_column_count(st);
        const unsigned char *first = sqlite3_column_text(st, 0);
        if (skip_ok && cols == 1 && first && strcmp((const char *)first, "ok") == 0)
            continue;
        (*rows)++;
        for (int c = 0; c < cols && out == URS_OK; c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            out = sbuf_printf(report, "%s%s", c ? " " : "", v ? (const char *)v : "NULL");
        }
        if (out == URS_OK)
            out = sbuf_putc(report, '\n');
    }
    sqlite3_finalize(st);
    if (out != URS_OK)
        return err_set(e, out, "%s: check report: %s", db->path, err_name(out));
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(db, sql, e);
    return URS_OK;
}

int db_check(struct db *db, bool *ok, struct sbuf *report, struct err *e)
{
    size_t bad_integrity = 0, bad_fk = 0;
    if (collect_rows(db, "PRAGMA integrity_check", true, report, &bad_integrity, e) != URS_OK ||
        collect_rows(db, "PRAGMA foreign_key_check", false, report, &bad_fk, e) != URS_OK)
        return URS_EDB;
    *ok = bad_integrity == 0 && bad_fk == 0;
    return URS_OK;
}

int db_backup(struct db *db, const char *dest, struct err *e)
{
    size_t n = strlen(dest) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return err_set(e, URS_ENOMEM, "backup: out of memory");
    (void)snprintf(tmp, n, "%s.tmp-XXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = err_set(e, URS_EIO, "%s: cannot create a temporary file: %s", dest,
                         strerror(errno));
        free(tmp);
        return rc;
    }
    close(fd);
    sqlite3 *out = NULL;
    int rc = URS_OK;
    if (sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = err_set(e, URS_EIO, "%s: %s", tmp, sqlite3_errmsg(out));
    } else {
        sqlite3_backup *b = sqlite3_backup_init(out, "main", db->sql, "main");
        if (!b) {
            rc = err_set(e, URS_EDB, "%s: backup: %s", dest, sqlite3_errmsg(out));
        } else {
            int step;
            while ((step = sqlite3_backup_step(b, 256)) == SQLITE_OK || step == SQLITE_BUSY ||
                   step == SQLITE_LOCKED)
                if (step != SQLITE_OK)
                    sqlite3_sleep(50);
            if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE)
                rc = err_set(e, URS_EDB, "%s: backup: %s", dest, sqlite3_errmsg(out));
        }
    }
    if (out && sqlite3_close(out) != SQLITE_OK && rc == URS_OK)
        rc = err_set(e, URS_EIO, "%s: close backup", dest);
    if (rc == URS_OK) {
        fd = open(tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            rc = err_set(e, URS_EIO, "%s: fsync: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (rc == URS_OK && rename(tmp, dest) != 0)
        rc = err_set(e, URS_EIO, "%s: rename: %s", dest, strerror(errno));
    if (rc != URS_OK)
        (void)unlink(tmp);
    free(tmp);
    return rc;
}
