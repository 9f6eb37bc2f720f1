/* SPDX-License-Identifier: MIT */
/* Postings: upsert with tags and evidence, load, walk, close, and lifecycle. */
#include "db/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/utf8.h"
#include "db/postings_int.h"

#define POSTING_COLUMNS                                                                        \
    "id, source, external_id, url, title, employer, location, description, posted_at, "       \
    "valid_through, first_seen, last_seen, closed_at, work_hint, employment_hint, "           \
    "salary_hint_min, salary_hint_max, salary_hint_period, disciplines, work_mode, schedule, " \
    "license_states, salary_min, salary_max, salary_period, salary_annual, role_family, "     \
    "ur_role, ur_score"

const char db_posting_columns[] = POSTING_COLUMNS;

static char *col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    return v ? strdup((const char *)v) : NULL;
}

static double col_real(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : sqlite3_column_double(st, col);
}

static enum pay_period col_period(sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    int p = v ? period_parse((const char *)v) : PERIOD_NONE;
    return p < 0 ? PERIOD_NONE : (enum pay_period)p;
}

int db_posting_from_row(sqlite3_stmt *st, int first, struct posting *p)
{
    int c = first;
    posting_init(p);
    p->id = sqlite3_column_int64(st, c++);
    char **strings[] = {&p->source, &p->external_id, &p->url, &p->title,
                        &p->employer, &p->location, &p->description};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++, c++) {
        *strings[i] = col_text(st, c);
        if (!*strings[i] && sqlite3_column_type(st, c) != SQLITE_NULL)
            goto nomem;
    }
    p->posted_at = sqlite3_column_int64(st, c++);
    p->valid_through = sqlite3_column_int64(st, c++);
    p->first_seen = sqlite3_column_int64(st, c++);
    p->last_seen = sqlite3_column_int64(st, c++);
    p->closed_at = sqlite3_column_int64(st, c++);
    p->work_hint = col_text(st, c++);
    p->employment_hint = col_text(st, c++);
    p->salary_hint.min = col_real(st, c++);
    p->salary_hint.max = col_real(st, c++);
    p->salary_hint.period = col_period(st, c++);
    salary_update_annual(&p->salary_hint);
    p->disciplines = (uint32_t)sqlite3_column_int64(st, c++);
    const unsigned char *mode = sqlite3_column_text(st, c++);
    int m = mode ? work_mode_parse((const char *)mode) : MODE_UNKNOWN;
    p->work_mode = m < 0 ? MODE_UNKNOWN : (enum work_mode)m;
    p->schedule = (uint32_t)sqlite3_column_int64(st, c++);
    p->license_states = (uint64_t)sqlite3_column_int64(st, c++);
    p->salary.min = col_real(st, c++);
    p->salary.max = col_real(st, c++);
    p->salary.period = col_period(st, c++);
    p->salary.annual = col_real(st, c++);
    const unsigned char *role = sqlite3_column_text(st, c++);
    int r = role ? role_family_parse((const char *)role) : ROLE_UNKNOWN;
    p->role_family = r < 0 ? ROLE_UNKNOWN : (enum role_family)r;
    p->ur_role = sqlite3_column_int(st, c++) != 0;
    p->ur_score = sqlite3_column_double(st, c++);
    return URS_OK;
nomem:
    posting_free(p);
    return URS_ENOMEM;
}

static const char sql_evidence_load[] =
    "SELECT tag, value, phrase, offset FROM evidence WHERE posting_id = ?1 ORDER BY seq";

int db_posting_load_evidence(struct db *db, struct posting *p, struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql_evidence_load, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, p->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int tag = tag_kind_parse((const char *)sqlite3_column_text(st, 0));
        const char *phrase = (const char *)sqlite3_column_text(st, 2);
        if (tag < 0 || !phrase)
            continue;
        int add = posting_add_evidence(p, (enum tag_kind)tag,
                                       (const char *)sqlite3_column_text(st, 1), phrase,
                                       strlen(phrase), (size_t)sqlite3_column_int64(st, 3));
        if (add == URS_ENOMEM) {
            sqlite3_reset(st);
            return err_set(e, URS_ENOMEM, "load evidence: out of memory");
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "load evidence", e);
    return URS_OK;
}

static const char sql_get[] = "SELECT " POSTING_COLUMNS " FROM postings WHERE id = ?1";

int db_posting_get(struct db *db, int64_t id, struct posting *out, struct err *e)
{
    sqlite3_stmt *st;
    posting_init(out);
    if (db_stmt(db, sql_get, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return err_set(e, URS_ENOTFOUND, "no posting with id %lld", (long long)id);
    }
    if (rc != SQLITE_ROW)
        return db_fail(db, "load posting", e);
    rc = db_posting_from_row(st, 0, out);
    sqlite3_reset(st);
    if (rc != URS_OK)
        return err_set(e, rc, "load posting %lld: out of memory", (long long)id);
    if (db_posting_load_evidence(db, out, e) != URS_OK) {
        posting_free(out);
        return e ? e->code : URS_EDB;
    }
    return URS_OK;
}

static const char sql_each[] = "SELECT " POSTING_COLUMNS " FROM postings ORDER BY id";

int db_postings_each(struct db *db, db_posting_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql_each, &st, e) != URS_OK)
        return URS_EDB;
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct posting p;
        if (db_posting_from_row(st, 0, &p) != URS_OK) {
            out = err_set(e, URS_ENOMEM, "read postings: out of memory");
            break;
        }
        out = db_posting_load_evidence(db, &p, e);
        if (out == URS_OK && fn(ctx, &p) != 0)
            out = err_set(e, URS_EINVAL, "walk stopped by the caller");
        posting_free(&p);
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "read postings", e);
    sqlite3_finalize(st);
    return out;
}

/* ---- upsert ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "\1", s ? strlen(s) + 1 : 1);
}

/* A hash of everything stored, so an unchanged posting costs one UPDATE of last_seen. */
static void content_hash(const struct posting *p, char out[17])
{
    uint64_t h = 14695981039346656037ULL;
    const char *strings[] = {p->url,      p->title,       p->employer,        p->location,
                             p->description, p->work_hint, p->employment_hint};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        h = fnv_str(h, strings[i]);
    int64_t ints[] = {p->posted_at, p->valid_through, p->closed_at != 0};
    h = fnv(h, ints, sizeof ints);
    uint64_t tags[] = {p->disciplines, (uint64_t)p->work_mode, p->schedule, p->license_states,
                       (uint64_t)p->role_family, p->ur_role, (uint64_t)p->salary.period};
    h = fnv(h, tags, sizeof tags);
    double reals[] = {p->salary.min, p->salary.max, p->salary.annual, p->ur_score,
                      p->salary_hint.min, p->salary_hint.max};
    h = fnv(h, reals, sizeof reals);
    for (size_t i = 0; i < p->evidence_len; i++) {
        const struct evidence *ev = &p->evidence[i];
        h = fnv(h, &ev->tag, sizeof ev->tag);
        h = fnv_str(h, ev->value);
        h = fnv_str(h, ev->phrase);
        h = fnv(h, &ev->offset, sizeof ev->offset);
    }
    (void)snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static const char sql_source_ensure[] =
    "INSERT INTO sources(name, created_at) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING";
static const char sql_find[] = "SELECT id, first_seen, content_hash, closed_at FROM postings "
                               "WHERE source = ?1 AND external_id = ?2";
static const char sql_insert[] =
    "INSERT INTO postings (source, external_id, url, title, employer, location, description, "
    "posted_at, valid_through, first_seen, last_seen, closed_at, work_hint, employment_hint, "
    "salary_hint_min, salary_hint_max, salary_hint_period, disciplines, work_mode, schedule, "
    "license_states, salary_min, salary_max, salary_period, salary_annual, role_family, ur_role, "
    "ur_score, fingerprint, content_hash, is_posting, seen_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, "
    "?28, ?29, ?30, ?32, (SELECT crawl_seq FROM sources WHERE name = ?1))";
static const char sql_update[] =
    "UPDATE postings SET source = ?1, external_id = ?2, url = ?3, title = ?4, employer = ?5, "
    "location = ?6, description = ?7, posted_at = ?8, valid_through = ?9, first_seen = ?10, "
    "last_seen = ?11, closed_at = ?12, work_hint = ?13, employment_hint = ?14, "
    "salary_hint_min = ?15, salary_hint_max = ?16, salary_hint_period = ?17, disciplines = ?18, "
    "work_mode = ?19, schedule = ?20, license_states = ?21, salary_min = ?22, salary_max = ?23, "
    "salary_period = ?24, salary_annual = ?25, role_family = ?26, ur_role = ?27, ur_score = ?28, "
    "fingerprint = ?29, content_hash = ?30, is_posting = ?32, "
    "seen_seq = (SELECT crawl_seq FROM sources WHERE name = ?1) WHERE id = ?31";
static const char sql_touch[] =
    "UPDATE postings SET last_seen = ?2, first_seen = min(first_seen, ?3), "
    "seen_seq = (SELECT crawl_seq FROM sources WHERE name = postings.source) WHERE id = ?1";
static const char sql_tags_clear[] = "DELETE FROM posting_tags WHERE posting_id = ?1";
static const char sql_tag_add[] =
    "INSERT OR IGNORE INTO posting_tags(posting_id, tag, value) VALUES (?1, ?2, ?3)";
static const char sql_evidence_clear[] = "DELETE FROM evidence WHERE posting_id = ?1";
static const char sql_evidence_add[] =
    "INSERT INTO evidence(posting_id, seq, tag, value, phrase, offset) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static void bind_real_or_null(sqlite3_stmt *st, int idx, double v)
{
    if (v > 0)
        sqlite3_bind_double(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

static void bind_int_or_null(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

static void bind_posting(sqlite3_stmt *st, const struct posting *p, const char *fingerprint,
                         const char *hash)
{
    const char *strings[] = {p->source,   p->external_id, p->url,        p->title,
                             p->employer, p->location,    p->description};
    for (int i = 0; i < 7; i++)
        db_bind_text(st, i + 1, strings[i]);
    bind_int_or_null(st, 8, p->posted_at);
    bind_int_or_null(st, 9, p->valid_through);
    sqlite3_bind_int64(st, 10, p->first_seen);
    sqlite3_bind_int64(st, 11, p->last_seen);
    bind_int_or_null(st, 12, p->closed_at);
    db_bind_text(st, 13, p->work_hint);
    db_bind_text(st, 14, p->employment_hint);
    bind_real_or_null(st, 15, p->salary_hint.min);
    bind_real_or_null(st, 16, p->salary_hint.max);
    db_bind_text(st, 17, p->salary_hint.period ? period_name(p->salary_hint.period) : NULL);
    sqlite3_bind_int64(st, 18, p->disciplines);
    db_bind_text(st, 19, work_mode_name(p->work_mode));
    sqlite3_bind_int64(st, 20, p->schedule);
    sqlite3_bind_int64(st, 21, (sqlite3_int64)p->license_states);
    bind_real_or_null(st, 22, p->salary.min);
    bind_real_or_null(st, 23, p->salary.max);
    db_bind_text(st, 24, p->salary.period ? period_name(p->salary.period) : NULL);
    bind_real_or_null(st, 25, p->salary.annual);
    db_bind_text(st, 26, role_family_name(p->role_family));
    sqlite3_bind_int(st, 27, p->ur_role);
    sqlite3_bind_double(st, 28, p->ur_score);
    db_bind_text(st, 29, fingerprint);
    db_bind_text(st, 30, hash);
    /* ?31 is the row id of an update; a page the classifier found is not a posting: 0 */
    sqlite3_bind_int(st, 32, p->role_family != ROLE_ARTICLE);
}

static int step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, what, e);
    return URS_OK;
}

static int add_tag(struct db *db, int64_t id, const char *tag, const char *value, struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql_tag_add, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, tag);
    db_bind_text(st, 3, value);
    return step_done(db, st, "store tag", e);
}

static int write_tags(struct db *db, const struct posting *p, struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql_tags_clear, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, p->id);
    int rc = step_done(db, st, "clear tags", e);
    for (int d = 0; d < DISC_COUNT && rc == URS_OK; d++)
        if (p->disciplines & (1u << d))
            rc = add_tag(db, p->id, "discipline", disc_name((enum disc)d), e);
    for (int s = 0; s < SCHED_COUNT && rc == URS_OK; s++)
        if (p->schedule & (1u << s))
            rc = add_tag(db, p->id, "schedule", sched_name((enum sched)s), e);
    for (int s = 0; s < STATE_COUNT && rc == URS_OK; s++)
        if (p->license_states & (1ULL << s))
            rc = add_tag(db, p->id, "license", state_code(s), e);
    if (rc == URS_OK)
        rc = add_tag(db, p->id, "work_mode", work_mode_name(p->work_mode), e);
    if (rc == URS_OK)
        rc = add_tag(db, p->id, "role_family", role_family_name(p->role_family), e);
    return rc;
}

static int write_evidence(struct db *db, const struct posting *p, struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql_evidence_clear, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, p->id);
    int rc = step_done(db, st, "clear evidence", e);
    for (size_t i = 0; i < p->evidence_len && rc == URS_OK; i++) {
        const struct evidence *ev = &p->evidence[i];
        if ((rc = db_stmt(db, sql_evidence_add, &st, e)) != URS_OK)
            break;
        sqlite3_bind_int64(st, 1, p->id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        db_bind_text(st, 3, tag_kind_name(ev->tag));
        db_bind_text(st, 4, ev->value);
        db_bind_text(st, 5, ev->phrase);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)ev->offset);
        rc = step_done(db, st, "store evidence", e);
    }
    return rc;
}

struct stored {
    int64_t id;
    int64_t first_seen;
    bool closed;
    char hash[17];
};

static int find_stored(struct db *db, const struct posting *p, struct stored *s, bool *found,
                       struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql_find, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, p->source);
    db_bind_text(st, 2, p->external_id);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found) {
        s->id = sqlite3_column_int64(st, 0);
        s->first_seen = sqlite3_column_int64(st, 1);
        const unsigned char *h = sqlite3_column_text(st, 2);
        (void)snprintf(s->hash, sizeof s->hash, "%s", h ? (const char *)h : "");
        s->closed = sqlite3_column_type(st, 3) != SQLITE_NULL;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, "find posting", e);
    return URS_OK;
}

/* ---- the full-text index, written at commit ---- */

#define FTS_PENDING_MAX 4096 /* held changes; past this they are written at once */

static const char sql_fts_read[] =
    "SELECT title, employer, location, description FROM postings WHERE id = ?1";
static const char sql_fts_add[] =
    "INSERT INTO postings_fts(rowid, title, employer, location, description)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_fts_remove[] =
    "INSERT INTO postings_fts(postings_fts, rowid, title, employer, location, description)"
    " VALUES ('delete', ?1, ?2, ?3, ?4, ?5)";

static void pending_free(struct db_fts_pending *f)
{
    for (int k = 0; k < 4; k++)
        free(f->old[k]);
}

void db_fts_discard(struct db *db)
{
    for (size_t i = 0; i < db->fts_len; i++)
        pending_free(&db->fts[i]);
    db->fts_len = 0;
}

/* The posting's four indexed columns as stored now, into out (malloc'd, NULL for NULL). */
static int fts_read(struct db *db, int64_t id, char *out[4], bool *found, struct err *e)
{
    sqlite3_stmt *st;
    *found = false;
    for (int k = 0; k < 4; k++)
        out[k] = NULL;
    if (db_stmt(db, sql_fts_read, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), out_rc = URS_OK;
    if (rc == SQLITE_ROW) {
        *found = true;
        for (int k = 0; k < 4 && out_rc == URS_OK; k++) {
            const unsigned char *v = sqlite3_column_text(st, k);
            if (v && !(out[k] = strdup((const char *)v)))
                out_rc = err_set(e, URS_ENOMEM, "full-text index: out of memory");
        }
    } else if (rc != SQLITE_DONE) {
        out_rc = db_fail(db, "read posting for the full-text index", e);
    }
    sqlite3_reset(st);
    if (out_rc != URS_OK)
        for (int k = 0; k < 4; k++) {
            free(out[k]);
            out[k] = NULL;
        }
    return out_rc;
}

static int fts_write(struct db *db, const char *sql, int64_t id, char *const v[4], const char *what,
                     struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, id);
    for (int k = 0; k < 4; k++)
        db_bind_text(st, 2 + k, v[k]);
    int rc = step_done(db, st, what, e);
    sqlite3_clear_bindings(st);
    return rc;
}

int db_fts_flush(struct db *db, struct err *e)
{
    int rc = URS_OK;
    for (size_t i = 0; i < db->fts_len && rc == URS_OK; i++) {
        struct db_fts_pending *f = &db->fts[i];
        char *now[4];
        bool found;
        if (f->indexed)
            rc = fts_write(db, sql_fts_remove, f->id, f->old, "update the full-text index", e);
        if (rc == URS_OK)
            rc = fts_read(db, f->id, now, &found, e);
        if (rc == URS_OK && found)
            rc = fts_write(db, sql_fts_add, f->id, now, "update the full-text index", e);
        for (int k = 0; k < 4; k++)
            free(now[k]);
    }
    db_fts_discard(db);
    return rc;
}

/*
 * Hold posting id's full-text change until commit. Before an UPDATE (new false) the entry the
 * index has is read first, unless id is held already (the index still has what it had then).
 */
static int fts_hold(struct db *db, int64_t id, bool new, struct err *e)
{
    if (!new)
        for (size_t i = 0; i < db->fts_len; i++)
            if (db->fts[i].id == id)
                return URS_OK;
    if (db->fts_len >= FTS_PENDING_MAX && db_fts_flush(db, e) != URS_OK)
        return URS_EDB;
    if (db->fts_len == db->fts_cap) {
        size_t cap = db->fts_cap ? 2 * db->fts_cap : 64;
        struct db_fts_pending *n = realloc(db->fts, cap * sizeof *n);
        if (!n)
            return err_set(e, URS_ENOMEM, "full-text index: out of memory");
        db->fts = n;
        db->fts_cap = cap;
    }
    struct db_fts_pending *f = &db->fts[db->fts_len];
    memset(f, 0, sizeof *f);
    f->id = id;
    if (!new) {
        int rc = fts_read(db, id, f->old, &f->indexed, e);
        if (rc != URS_OK)
            return rc;
    }
    db->fts_len++;
    return URS_OK;
}

static int upsert_in_tx(struct db *db, struct posting *p, int64_t now, enum db_upsert *result,
                        struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql_source_ensure, &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, p->source);
    sqlite3_bind_int64(st, 2, now);
    if (step_done(db, st, "register source", e) != URS_OK)
        return URS_EDB;
    struct stored old;
    bool found;
    if (find_stored(db, p, &old, &found, e) != URS_OK)
        return URS_EDB;
    int64_t seen = p->last_seen ? p->last_seen : now;
    int64_t first = p->first_seen ? p->first_seen : (found ? old.first_seen : seen);
    if (found && old.first_seen && old.first_seen < first)
        first = old.first_seen;
    char fingerprint[17], hash[17];
    posting_fingerprint(p, fingerprint);
    content_hash(p, hash);
    /* same content and same open/closed state: only the sighting is recorded */
    if (found && strcmp(hash, old.hash) == 0 && old.closed == (p->closed_at != 0)) {
        if (db_stmt(db, sql_touch, &st, e) != URS_OK)
            return URS_EDB;
        sqlite3_bind_int64(st, 1, old.id);
        sqlite3_bind_int64(st, 2, seen);
        sqlite3_bind_int64(st, 3, first);
        p->id = old.id;
        *result = DB_UPSERT_UNCHANGED;
        return step_done(db, st, "touch posting", e);
    }
    if (db_stmt(db, found ? sql_update : sql_insert, &st, e) != URS_OK)
        return URS_EDB;
    int64_t saved_first = p->first_seen, saved_last = p->last_seen;
    p->first_seen = first;
    p->last_seen = seen;
    bind_posting(st, p, fingerprint, hash);
    p->first_seen = saved_first;
    p->last_seen = saved_last;
    if (found)
        sqlite3_bind_int64(st, 31, old.id);
    if (found && fts_hold(db, old.id, false, e) != URS_OK)
        return URS_EDB;
    if (step_done(db, st, found ? "update posting" : "insert posting", e) != URS_OK)
        return URS_EDB;
    p->id = found ? old.id : sqlite3_last_insert_rowid(db->sql);
    if (!found && fts_hold(db, p->id, true, e) != URS_OK)
        return URS_EDB;
    *result = found ? DB_UPSERT_UPDATED : DB_UPSERT_NEW;
    if (write_tags(db, p, e) != URS_OK || write_evidence(db, p, e) != URS_OK)
        return URS_EDB;
    return URS_OK;
}

int db_posting_upsert(struct db *db, struct posting *p, int64_t now, enum db_upsert *result,
                      struct err *e)
{
    if (!p->source || !*p->source || !p->external_id || !*p->external_id)
        return err_set(e, URS_EINVAL, "posting without source or external id");
    if (!p->title || !*p->title)
        return err_set(e, URS_EINVAL, "posting %s/%s has no title", p->source, p->external_id);
    bool own;
    enum db_upsert dummy;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    int rc = upsert_in_tx(db, p, now, result ? result : &dummy, e);
    return db_tx_leave(db, own, rc, e);
}

/*
 * Missing from a complete listing: not seen during the source's current crawl (its crawl_seq,
 * raised by db_source_crawl_begin). A counter, not a clock: two crawls within one second must
 * still tell their sightings apart.
 */
static const char sql_close_missing[] =
    "UPDATE postings SET closed_at = ?2 WHERE source = ?1 AND closed_at IS NULL "
    "AND seen_seq < (SELECT crawl_seq FROM sources WHERE name = ?1)";
static const char sql_crawl_begin[] =
    "INSERT INTO sources(name, created_at, crawl_seq) VALUES (?1, ?2, 1) "
    "ON CONFLICT(name) DO UPDATE SET crawl_seq = crawl_seq + 1";
static const char sql_touch_source[] =
    "UPDATE postings SET last_seen = ?2, seen_seq = (SELECT crawl_seq FROM sources WHERE name = ?1) "
    "WHERE source = ?1 AND closed_at IS NULL";
static const char sql_close_expired[] =
    "UPDATE postings SET closed_at = ?1 WHERE closed_at IS NULL AND valid_through IS NOT NULL "
    "AND valid_through > 0 AND valid_through < ?1";

static int run_update(struct db *db, const char *sql, const char *source, int64_t a, int64_t b,
                      size_t *changed, struct err *e)
{
    sqlite3_stmt *st;
    bool own;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    int rc = db_stmt(db, sql, &st, e);
    if (rc == URS_OK) {
        /* ?1 source (or a), then a and b, as far as the statement has parameters */
        int n = sqlite3_bind_parameter_count(st), at = 1;
        if (source)
            db_bind_text(st, at++, source);
        if (at <= n)
            sqlite3_bind_int64(st, at++, a);
        if (at <= n)
            sqlite3_bind_int64(st, at, b);
        rc = step_done(db, st, "update postings", e);
    }
    if (rc == URS_OK && changed)
        *changed = (size_t)sqlite3_changes(db->sql);
    return db_tx_leave(db, own, rc, e);
}

int db_postings_close_missing(struct db *db, const char *source, int64_t now, size_t *closed,
                              struct err *e)
{
    return run_update(db, sql_close_missing, source, now, 0, closed, e);
}

int db_source_crawl_begin(struct db *db, const char *source, int64_t now, struct err *e)
{
    return run_update(db, sql_crawl_begin, source, now, 0, NULL, e);
}

int db_postings_close_expired(struct db *db, int64_t now, size_t *closed, struct err *e)
{
    return run_update(db, sql_close_expired, NULL, now, 0, closed, e);
}

int db_postings_touch_source(struct db *db, const char *source, int64_t now, size_t *touched,
                             struct err *e)
{
    return run_update(db, sql_touch_source, source, now, 0, touched, e);
}
