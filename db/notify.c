/* SPDX-License-Identifier: MIT */
/* Subscribers with their filters, coaches, cohorts and curation: schema and statements. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db_int.h"

/*
 * Schema v1, notifier part. Ids use AUTOINCREMENT so a removed subscriber's id (and so an old
 * unsubscribe token) never names somebody else. Outbox rows go with their subscriber (they
 * hold the address and name); deliveries keep only what "never sent twice" needs. They are
 * indexed by posting (new postings have the newest ids, so a digest's index entries land
 * together at the end of the index) and reach the fingerprint through postings; an index by
 * fingerprint would put every entry at a random place and cost a third of digest building.
 * outbox_id has no foreign key (its index would cost as much) and is set to NULL when
 * `outbox purge` deletes old messages. delivery_counts is the anonymous history that
 * survives a subscriber's removal.
 */
const char db_schema_v1_notify[] =
    "CREATE TABLE subscribers ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  name TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active'"
    "    CHECK (status IN ('pending','active','unsubscribed','bounced')),"
    "  frequency TEXT NOT NULL DEFAULT 'weekly'"
    "    CHECK (frequency IN ('daily','weekly','monthly')),"
    "  send_hour INTEGER NOT NULL DEFAULT 7 CHECK (send_hour BETWEEN 0 AND 23),"
    "  time_zone TEXT NOT NULL DEFAULT 'UTC',"
    "  disciplines INTEGER NOT NULL DEFAULT 0,"
    "  modes INTEGER NOT NULL DEFAULT 0,"
    "  schedules INTEGER NOT NULL DEFAULT 0,"
    "  states INTEGER NOT NULL DEFAULT 0,"
    "  min_salary REAL NOT NULL DEFAULT 0,"
    "  keywords TEXT,"
    "  exclude_employers TEXT,"
    "  hard_bounces INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  last_digest_at INTEGER,"
    "  next_due_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX subscribers_due ON subscribers(status, next_due_at);"
    "CREATE TABLE coaches ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  email TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE cohorts ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  coach_id INTEGER NOT NULL REFERENCES coaches(id),"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX cohorts_coach ON cohorts(coach_id);"
    "CREATE TABLE cohort_members ("
    "  cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,"
    "  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,"
    "  joined_at INTEGER NOT NULL,"
    "  PRIMARY KEY (cohort_id, subscriber_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX cohort_members_subscriber ON cohort_members(subscriber_id);"
    "CREATE TABLE curation ("
    "  cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,"
    "  posting_id INTEGER NOT NULL REFERENCES postings(id) ON DELETE CASCADE,"
    "  pinned INTEGER NOT NULL DEFAULT 0,"
    "  hidden INTEGER NOT NULL DEFAULT 0,"
    "  note TEXT,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (cohort_id, posting_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX curation_posting ON curation(posting_id);"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE CASCADE,"
    "  recipient TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  message BLOB NOT NULL,"
    "  postings INTEGER NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sent','failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  queued_at INTEGER NOT NULL,"
    "  next_attempt_at INTEGER NOT NULL,"
    "  last_attempt_at INTEGER,"
    "  sent_at INTEGER,"
    "  last_error TEXT"
    ");"
    "CREATE INDEX outbox_queue ON outbox(status, next_attempt_at);"
    "CREATE INDEX outbox_subscriber ON outbox(subscriber_id);"
    "CREATE TABLE deliveries ("
    "  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,"
    "  posting_id INTEGER NOT NULL REFERENCES postings(id) ON DELETE CASCADE,"
    "  outbox_id INTEGER,"
    "  PRIMARY KEY (subscriber_id, posting_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX deliveries_posting ON deliveries(posting_id, subscriber_id);"
    "CREATE TABLE delivery_counts ("
    "  day INTEGER PRIMARY KEY,"
    "  digests INTEGER NOT NULL DEFAULT 0,"
    "  postings INTEGER NOT NULL DEFAULT 0"
    ");";

static const char *const status_names[] = {"pending", "active", "unsubscribed", "bounced"};
static const char *const frequency_names[] = {"daily", "weekly", "monthly"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static int name_lookup(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcasecmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

const char *db_sub_status_name(enum db_sub_status s)
{
    return (size_t)s < COUNT_OF(status_names) ? status_names[s] : "";
}

int db_sub_status_parse(const char *s)
{
    return name_lookup(s, status_names, COUNT_OF(status_names));
}

const char *db_frequency_name(enum db_frequency f)
{
    return (size_t)f < COUNT_OF(frequency_names) ? frequency_names[f] : "";
}

int db_frequency_parse(const char *s)
{
    return name_lookup(s, frequency_names, COUNT_OF(frequency_names));
}

void db_subscriber_init(struct db_subscriber *s)
{
    memset(s, 0, sizeof *s);
    s->status = DB_SUB_ACTIVE;
    s->frequency = DB_FREQ_WEEKLY;
    s->send_hour = 7;
}

void db_subscriber_free(struct db_subscriber *s)
{
    if (!s)
        return;
    free(s->email);
    free(s->name);
    free(s->time_zone);
    free(s->keywords);
    free(s->exclude_employers);
    db_subscriber_init(s);
}

/* ---- reading rows ---- */

#define SUB_COLUMNS                                                                                \
    "s.id, s.email, s.name, s.status, s.frequency, s.send_hour, s.time_zone, s.disciplines, "      \
    "s.modes, s.schedules, s.states, s.min_salary, s.keywords, s.exclude_employers, "              \
    "s.hard_bounces, s.created_at, s.last_digest_at, s.next_due_at"

static int dup_col(sqlite3_stmt *st, int col, char **out)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    *out = NULL;
    if (!v)
        return URS_OK;
    *out = strdup((const char *)v);
    return *out ? URS_OK : URS_ENOMEM;
}

static int sub_from_row(sqlite3_stmt *st, struct db_subscriber *s)
{
    db_subscriber_init(s);
    s->id = sqlite3_column_int64(st, 0);
    int status = db_sub_status_parse((const char *)sqlite3_column_text(st, 3));
    int freq = db_frequency_parse((const char *)sqlite3_column_text(st, 4));
    s->status = status < 0 ? DB_SUB_PENDING : (enum db_sub_status)status;
    s->frequency = freq < 0 ? DB_FREQ_WEEKLY : (enum db_frequency)freq;
    s->send_hour = sqlite3_column_int(st, 5);
    s->disciplines = (uint32_t)sqlite3_column_int64(st, 7);
    s->modes = (uint32_t)sqlite3_column_int64(st, 8);
    s->schedules = (uint32_t)sqlite3_column_int64(st, 9);
    s->states = (uint64_t)sqlite3_column_int64(st, 10);
    s->min_salary = sqlite3_column_double(st, 11);
    s->hard_bounces = (long)sqlite3_column_int64(st, 14);
    s->created_at = sqlite3_column_int64(st, 15);
    s->last_digest_at = sqlite3_column_int64(st, 16);
    s->next_due_at = sqlite3_column_int64(st, 17);
    if (dup_col(st, 1, &s->email) != URS_OK || dup_col(st, 2, &s->name) != URS_OK ||
        dup_col(st, 6, &s->time_zone) != URS_OK || dup_col(st, 12, &s->keywords) != URS_OK ||
        dup_col(st, 13, &s->exclude_employers) != URS_OK) {
        db_subscriber_free(s);
        return URS_ENOMEM;
    }
    return URS_OK;
}

/* Step st to the end, handing each subscriber row to fn. */
static int walk_subscribers(struct db *db, sqlite3_stmt *st, db_subscriber_fn fn, void *ctx,
                            const char *what, struct err *e)
{
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_subscriber s;
        if (sub_from_row(st, &s) != URS_OK)
            return err_set(e, URS_ENOMEM, "%s: out of memory", what);
        if (fn(ctx, &s) != 0)
            out = err_set(e, URS_EINVAL, "%s: stopped by the caller", what);
        db_subscriber_free(&s);
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        return db_fail(db, what, e);
    return out;
}

/* ---- subscribers ---- */

static void bind_sub(sqlite3_stmt *st, const struct db_subscriber *s)
{
    db_bind_text(st, 1, s->email);
    db_bind_text(st, 2, s->name && *s->name ? s->name : NULL);
    db_bind_text(st, 3, db_sub_status_name(s->status));
    db_bind_text(st, 4, db_frequency_name(s->frequency));
    sqlite3_bind_int(st, 5, s->send_hour);
    db_bind_text(st, 6, s->time_zone && *s->time_zone ? s->time_zone : "UTC");
    sqlite3_bind_int64(st, 7, s->disciplines);
    sqlite3_bind_int64(st, 8, s->modes);
    sqlite3_bind_int64(st, 9, s->schedules);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)s->states);
    sqlite3_bind_double(st, 11, s->min_salary > 0 ? s->min_salary : 0);
    db_bind_text(st, 12, s->keywords && *s->keywords ? s->keywords : NULL);
    db_bind_text(st, 13,
                 s->exclude_employers && *s->exclude_employers ? s->exclude_employers : NULL);
    sqlite3_bind_int64(st, 14, s->hard_bounces);
    sqlite3_bind_int64(st, 15, s->next_due_at);
}

static const char sql_sub_add[] =
    "INSERT INTO subscribers (email, name, status, frequency, send_hour, time_zone, disciplines,"
    " modes, schedules, states, min_salary, keywords, exclude_employers, hard_bounces,"
    " next_due_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, ?14, ?15, ?16, ?16)";

int db_subscriber_add(struct db *db, struct db_subscriber *s, int64_t now, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql_sub_add, &st, e) != URS_OK)
        return URS_EDB;
    bind_sub(st, s);
    sqlite3_bind_int64(st, 16, now);
    int rc = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(db->sql);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT && ext == SQLITE_CONSTRAINT_UNIQUE)
        return err_set(e, URS_EINVAL, "%s is already subscribed", s->email);
    if (rc != SQLITE_DONE)
        return db_fail(db, "add subscriber", e);
    s->id = sqlite3_last_insert_rowid(db->sql);
    s->created_at = now;
    return URS_OK;
}

static const char sql_sub_update[] =
    "UPDATE subscribers SET email = ?1, name = ?2, status = ?3, frequency = ?4, send_hour = ?5,"
    " time_zone = ?6, disciplines = ?7, modes = ?8, schedules = ?9, states = ?10,"
    " min_salary = ?11, keywords = ?12, exclude_employers = ?13, hard_bounces = ?14,"
    " next_due_at = ?15, updated_at = ?16 WHERE id = ?17";

int db_subscriber_update(struct db *db, const struct db_subscriber *s, int64_t now, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql_sub_update, &st, e) != URS_OK)
        return URS_EDB;
    bind_sub(st, s);
    sqlite3_bind_int64(st, 16, now);
    sqlite3_bind_int64(st, 17, s->id);
    int rc = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(db->sql);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT && ext == SQLITE_CONSTRAINT_UNIQUE)
        return err_set(e, URS_EINVAL, "%s is already subscribed", s->email);
    if (rc != SQLITE_DONE)
        return db_fail(db, "update subscriber", e);
    if (sqlite3_changes(db->sql) == 0)
        return err_set(e, URS_ENOTFOUND, "no subscriber with id %lld", (long long)s->id);
    return URS_OK;
}

static int get_one(struct db *db, const char *sql, const char *key, int64_t id,
                   struct db_subscriber *out, struct err *e)
{
    sqlite3_stmt *st;
    db_subscriber_init(out);
    if (db_prepare(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    if (key)
        db_bind_text(st, 1, key);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), out_rc = URS_OK;
    if (rc == SQLITE_ROW)
        out_rc = sub_from_row(st, out) == URS_OK
                     ? URS_OK
                     : err_set(e, URS_ENOMEM, "load subscriber: out of memory");
    else if (rc == SQLITE_DONE && key)
        out_rc = err_set(e, URS_ENOTFOUND, "no subscriber %s", key);
    else if (rc == SQLITE_DONE)
        out_rc = err_set(e, URS_ENOTFOUND, "no subscriber with id %lld", (long long)id);
    else
        out_rc = db_fail(db, "load subscriber", e);
    sqlite3_finalize(st);
    return out_rc;
}

int db_subscriber_get(struct db *db, const char *email, struct db_subscriber *out, struct err *e)
{
    return get_one(db, "SELECT " SUB_COLUMNS " FROM subscribers s WHERE s.email = ?1", email, 0,
                   out, e);
}

int db_subscriber_get_id(struct db *db, int64_t id, struct db_subscriber *out, struct err *e)
{
    return get_one(db, "SELECT " SUB_COLUMNS " FROM subscribers s WHERE s.id = ?1", NULL, id, out,
                   e);
}

int db_subscriber_set_status(struct db *db, int64_t id, enum db_sub_status status, int64_t now,
                             struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "UPDATE subscribers SET status = ?1, updated_at = ?2 WHERE id = ?3", &st,
                   e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, db_sub_status_name(status));
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "set subscriber status", e);
    if (sqlite3_changes(db->sql) == 0)
        return err_set(e, URS_ENOTFOUND, "no subscriber with id %lld", (long long)id);
    return URS_OK;
}

/* Run one statement with one text parameter; *changes gets the row count. */
static int exec_text(struct db *db, const char *sql, const char *a, const char *b, int *changes,
                     const char *what, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, a);
    if (b)
        db_bind_text(st, 2, b);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, what, e);
    if (changes)
        *changes = sqlite3_changes(db->sql);
    return URS_OK;
}

int db_subscriber_remove(struct db *db, const char *email, struct err *e)
{
    /* Foreign keys cascade to memberships, deliveries and outbox rows. */
    bool own;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    int changes = 0;
    int rc = exec_text(db, "DELETE FROM subscribers WHERE email = ?1", email, NULL, &changes,
                       "remove subscriber", e);
    if (rc == URS_OK && changes == 0)
        rc = err_set(e, URS_ENOTFOUND, "no subscriber %s", email);
    return db_tx_leave(db, own, rc, e);
}

int db_subscribers_each(struct db *db, int status, db_subscriber_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT " SUB_COLUMNS " FROM subscribers s WHERE ?1 IS NULL OR s.status = ?1"
                   " ORDER BY s.email",
                   &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, status < 0 ? NULL : db_sub_status_name((enum db_sub_status)status));
    int rc = walk_subscribers(db, st, fn, ctx, "list subscribers", e);
    sqlite3_finalize(st);
    return rc;
}

int db_subscribers_due(struct db *db, int64_t now, bool all, db_subscriber_fn fn, void *ctx,
                       struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT " SUB_COLUMNS " FROM subscribers s WHERE s.status = 'active'"
                   " AND (?2 OR s.next_due_at <= ?1) ORDER BY s.id",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, all);
    int rc = walk_subscribers(db, st, fn, ctx, "due subscribers", e);
    sqlite3_finalize(st);
    return rc;
}

/* ---- coaches and cohorts ---- */

static int unique_violation(struct db *db, int rc)
{
    return rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(db->sql) == SQLITE_CONSTRAINT_UNIQUE;
}

int db_coach_add(struct db *db, const char *name, const char *email, int64_t now, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "INSERT INTO coaches (name, email, created_at) VALUES (?1, ?2, ?3)", &st,
                   e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, email);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    bool taken = unique_violation(db, rc);
    sqlite3_finalize(st);
    if (taken)
        return err_set(e, URS_EINVAL, "a coach named '%s' already exists", name);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "add coach", e);
}

int db_coaches_each(struct db *db, db_coach_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT c.id, c.name, c.email, (SELECT count(*) FROM cohorts h"
                   " WHERE h.coach_id = c.id) FROM coaches c ORDER BY c.name",
                   &st, e) != URS_OK)
        return URS_EDB;
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_coach c = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                             (const char *)sqlite3_column_text(st, 2),
                             (size_t)sqlite3_column_int64(st, 3)};
        if (fn(ctx, &c) != 0)
            out = err_set(e, URS_EINVAL, "list coaches: stopped by the caller");
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "list coaches", e);
    sqlite3_finalize(st);
    return out;
}

int db_cohort_add(struct db *db, const char *name, const char *coach, int64_t now, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "INSERT INTO cohorts (name, coach_id, created_at)"
                   " SELECT ?1, id, ?3 FROM coaches WHERE name = ?2",
                   &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, coach);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    bool taken = unique_violation(db, rc);
    sqlite3_finalize(st);
    if (taken)
        return err_set(e, URS_EINVAL, "a cohort named '%s' already exists", name);
    if (rc != SQLITE_DONE)
        return db_fail(db, "add cohort", e);
    if (sqlite3_changes(db->sql) == 0)
        return err_set(e, URS_ENOTFOUND, "no coach named '%s' (add one with 'urscout coach add')",
                       coach);
    return URS_OK;
}

int db_cohorts_each(struct db *db, db_cohort_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT h.id, h.name, c.name, (SELECT count(*) FROM cohort_members m"
                   " WHERE m.cohort_id = h.id) FROM cohorts h JOIN coaches c ON c.id = h.coach_id"
                   " ORDER BY h.name",
                   &st, e) != URS_OK)
        return URS_EDB;
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_cohort c = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                              (const char *)sqlite3_column_text(st, 2),
                              (size_t)sqlite3_column_int64(st, 3)};
        if (fn(ctx, &c) != 0)
            out = err_set(e, URS_EINVAL, "list cohorts: stopped by the caller");
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "list cohorts", e);
    sqlite3_finalize(st);
    return out;
}

/* Look up a cohort's id by name. URS_OK, URS_ENOTFOUND, URS_EDB. */
static int cohort_id(struct db *db, const char *name, int64_t *id, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT id FROM cohorts WHERE name = ?1", &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return err_set(e, URS_ENOTFOUND, "no cohort named '%s'", name);
    return rc == SQLITE_ROW ? URS_OK : db_fail(db, "find cohort", e);
}

int db_cohort_join(struct db *db, const char *cohort, const char *email, int64_t now, struct err *e)
{
    int64_t cid;
    bool own;
    int found = cohort_id(db, cohort, &cid, e);
    if (found != URS_OK)
        return found;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    sqlite3_stmt *st;
    int rc = db_prepare(db,
                        "INSERT OR IGNORE INTO cohort_members (cohort_id, subscriber_id, joined_at)"
                        " SELECT ?1, id, ?3 FROM subscribers WHERE email = ?2",
                        &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int64(st, 1, cid);
        db_bind_text(st, 2, email);
        sqlite3_bind_int64(st, 3, now);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "join cohort", e);
        sqlite3_finalize(st);
    }
    int updated = 0;
    if (rc == URS_OK)
        rc = exec_text(db, "UPDATE subscribers SET frequency = 'monthly' WHERE email = ?1", email,
                       NULL, &updated, "join cohort", e);
    if (rc == URS_OK && updated == 0)
        rc = err_set(e, URS_ENOTFOUND, "no subscriber %s", email);
    return db_tx_leave(db, own, rc, e);
}

int db_cohort_leave(struct db *db, const char *cohort, const char *email, struct err *e)
{
    int64_t cid;
    int found = cohort_id(db, cohort, &cid, e);
    if (found != URS_OK)
        return found;
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "DELETE FROM cohort_members WHERE cohort_id = ?1 AND subscriber_id ="
                   " (SELECT id FROM subscribers WHERE email = ?2)",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, cid);
    db_bind_text(st, 2, email);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "leave cohort", e);
    if (sqlite3_changes(db->sql) == 0)
        return err_set(e, URS_ENOTFOUND, "%s is not a member of '%s'", email, cohort);
    return URS_OK;
}

int db_cohort_members(struct db *db, const char *cohort, db_subscriber_fn fn, void *ctx,
                      struct err *e)
{
    int64_t cid;
    int found = cohort_id(db, cohort, &cid, e);
    if (found != URS_OK)
        return found;
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT " SUB_COLUMNS " FROM cohort_members m JOIN subscribers s"
                   " ON s.id = m.subscriber_id WHERE m.cohort_id = ?1 ORDER BY s.email",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, cid);
    int rc = walk_subscribers(db, st, fn, ctx, "cohort members", e);
    sqlite3_finalize(st);
    return rc;
}

int db_memberships_each(struct db *db, db_member_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT cohort_id, subscriber_id FROM cohort_members", &st, e) != URS_OK)
        return URS_EDB;
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)) != 0)
            out = err_set(e, URS_EINVAL, "memberships: stopped by the caller");
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "memberships", e);
    sqlite3_finalize(st);
    return out;
}

/* ---- curation ---- */

static const char *const curate_sql[] = {
    /* pin */
    "INSERT INTO curation (cohort_id, posting_id, pinned, hidden, note, updated_at)"
    " VALUES (?1, ?2, 1, 0, ?3, ?4) ON CONFLICT (cohort_id, posting_id) DO UPDATE SET"
    " pinned = 1, hidden = 0, note = coalesce(excluded.note, note), updated_at = ?4",
    /* hide */
    "INSERT INTO curation (cohort_id, posting_id, pinned, hidden, note, updated_at)"
    " VALUES (?1, ?2, 0, 1, ?3, ?4) ON CONFLICT (cohort_id, posting_id) DO UPDATE SET"
    " pinned = 0, hidden = 1, note = coalesce(excluded.note, note), updated_at = ?4",
    /* note */
    "INSERT INTO curation (cohort_id, posting_id, pinned, hidden, note, updated_at)"
    " VALUES (?1, ?2, 0, 0, ?3, ?4) ON CONFLICT (cohort_id, posting_id) DO UPDATE SET"
    " note = ?3, updated_at = ?4",
    /* clear */
    "DELETE FROM curation WHERE cohort_id = ?1 AND posting_id = ?2",
};

int db_curate(struct db *db, const char *cohort, int64_t posting_id, enum db_curate action,
              const char *note, int64_t now, struct err *e)
{
    int64_t cid;
    if ((size_t)action >= COUNT_OF(curate_sql))
        return err_set(e, URS_EINVAL, "curate: unknown action");
    int found = cohort_id(db, cohort, &cid, e);
    if (found != URS_OK)
        return found;
    sqlite3_stmt *st;
    if (db_prepare(db, curate_sql[action], &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, cid);
    sqlite3_bind_int64(st, 2, posting_id);
    if (action != DB_CURATE_CLEAR) {
        db_bind_text(st, 3, note && *note ? note : NULL);
        sqlite3_bind_int64(st, 4, now);
    }
    int rc = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(db->sql);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT && ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        return err_set(e, URS_ENOTFOUND, "no posting with id %lld", (long long)posting_id);
    if (rc != SQLITE_DONE)
        return db_fail(db, "curate", e);
    if (action == DB_CURATE_CLEAR && sqlite3_changes(db->sql) == 0)
        return err_set(e, URS_ENOTFOUND, "posting %lld is not curated for '%s'",
                       (long long)posting_id, cohort);
    return URS_OK;
}

int db_curation_each(struct db *db, const char *cohort, db_curation_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT k.cohort_id, k.posting_id, k.pinned, k.hidden, k.note, c.name,"
                   " p.title, p.employer, p.closed_at IS NULL FROM curation k"
                   " JOIN cohorts h ON h.id = k.cohort_id JOIN coaches c ON c.id = h.coach_id"
                   " JOIN postings p ON p.id = k.posting_id"
                   " WHERE ?1 IS NULL OR h.name = ?1 ORDER BY h.name, k.pinned DESC,"
                   " k.updated_at DESC, k.posting_id",
                   &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, cohort);
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_curation c = {
            .cohort_id = sqlite3_column_int64(st, 0),
            .posting_id = sqlite3_column_int64(st, 1),
            .pinned = sqlite3_column_int(st, 2) != 0,
            .hidden = sqlite3_column_int(st, 3) != 0,
            .note = (const char *)sqlite3_column_text(st, 4),
            .coach = (const char *)sqlite3_column_text(st, 5),
            .title = (const char *)sqlite3_column_text(st, 6),
            .employer = (const char *)sqlite3_column_text(st, 7),
            .open = sqlite3_column_int(st, 8) != 0,
        };
        if (fn(ctx, &c) != 0)
            out = err_set(e, URS_EINVAL, "curation: stopped by the caller");
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "curation", e);
    sqlite3_finalize(st);
    if (out == URS_OK && cohort) {
        int64_t cid;
        return cohort_id(db, cohort, &cid, e);
    }
    return out;
}

/*
 * Schema v2, notify part: the postings a digest summarised as "N more" (shown on the
 * subscriber's all-matches page) count as delivered, but there can be hundreds per digest,
 * so they are kept as one row per digest (sorted ids, delta varints; db/outbox.c), not as
 * one deliveries row each.
 */
const char db_schema_v2_notify[] =
    "CREATE TABLE digest_summaries ("
    "  id INTEGER PRIMARY KEY,"
    "  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  postings INTEGER NOT NULL,"
    "  ids BLOB NOT NULL"
    ");"
    "CREATE INDEX digest_summaries_created ON digest_summaries(created_at);"
    /* A posting's rendered block (encoded text or HTML), stored once per digest build and
       referenced from every outbox message of that build that shows it (db/outbox.c). */
    "CREATE TABLE digest_blocks ("
    "  id INTEGER PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  body BLOB NOT NULL"
    ");"
    "CREATE INDEX digest_blocks_created ON digest_blocks(created_at);"
    "CREATE INDEX digest_summaries_subscriber ON digest_summaries(subscriber_id);";
