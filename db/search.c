/* SPDX-License-Identifier: MIT */
/* Search: FTS5 ranking plus tag filters, one row per fingerprint; and the stats counts. */
#include "db/db_int.h"

#include <stdio.h>
#include <string.h>

#include "db/postings_int.h"

/*
 * The filters, shared by both forms. ?2 disciplines, ?3 modes, ?4 schedules, ?5 states,
 * ?6 min salary, ?7 employer, ?8 since, ?9 include closed, ?10 ur only.
 */
#define SEARCH_FILTERS                                                                         \
    " AND (?2 = 0 OR (p.disciplines & ?2) != 0)"                                              \
    " AND (?3 = 0 OR ((1 << (CASE p.work_mode WHEN 'remote' THEN 1 WHEN 'hybrid' THEN 2"      \
    "      WHEN 'onsite' THEN 3 ELSE 0 END)) & ?3) != 0)"                                     \
    " AND (?4 = 0 OR (p.schedule & ?4) != 0)"                                                 \
    " AND (?5 = 0 OR (p.license_states & ?5) != 0 OR (p.license_states & (1 << 57)) != 0)"    \
    " AND (?6 IS NULL OR p.salary_annual >= ?6)"                                              \
    " AND (?7 IS NULL OR instr(lower(p.employer), lower(?7)) > 0)"                            \
    " AND (?8 IS NULL OR p.first_seen >= ?8)"                                                 \
    " AND (?9 != 0 OR p.closed_at IS NULL)"                                                   \
    " AND (?10 = 0 OR p.ur_role = 1)"

/* Ranked: bm25 with title weighted most; the best row of each fingerprint kept. */
static const char sql_search_text[] =
    "SELECT * FROM (SELECT p.id, p.source, p.external_id, p.url, p.title, p.employer, "
    "p.location, p.description, p.posted_at, p.valid_through, p.first_seen, p.last_seen, "
    "p.closed_at, p.work_hint, p.employment_hint, p.salary_hint_min, p.salary_hint_max, "
    "p.salary_hint_period, p.disciplines, p.work_mode, p.schedule, p.license_states, "
    "p.salary_min, p.salary_max, p.salary_period, p.salary_annual, p.role_family, p.ur_role, "
    "p.ur_score, row_number() OVER (PARTITION BY p.fingerprint ORDER BY f.rank, p.id) AS dup, "
    "f.rank AS score FROM (SELECT rowid, bm25(postings_fts, 10.0, 3.0, 2.0, 1.0) AS rank "
    "FROM postings_fts WHERE postings_fts MATCH ?1) AS f JOIN postings p ON p.id = f.rowid "
    "WHERE 1" SEARCH_FILTERS ") WHERE dup = 1 ORDER BY score, first_seen DESC, id LIMIT ?11";

/* Unranked: newest first. */
static const char sql_search_plain[] =
    "SELECT * FROM (SELECT p.id, p.source, p.external_id, p.url, p.title, p.employer, "
    "p.location, p.description, p.posted_at, p.valid_through, p.first_seen, p.last_seen, "
    "p.closed_at, p.work_hint, p.employment_hint, p.salary_hint_min, p.salary_hint_max, "
    "p.salary_hint_period, p.disciplines, p.work_mode, p.schedule, p.license_states, "
    "p.salary_min, p.salary_max, p.salary_period, p.salary_annual, p.role_family, p.ur_role, "
    "p.ur_score, row_number() OVER (PARTITION BY p.fingerprint ORDER BY p.closed_at IS NOT NULL, "
    "p.first_seen DESC, p.id) AS dup FROM postings p WHERE 1" SEARCH_FILTERS
    ") WHERE dup = 1 ORDER BY first_seen DESC, id DESC LIMIT ?11";

static void bind_query(sqlite3_stmt *st, const struct db_query *q)
{
    if (q->text)
        db_bind_text(st, 1, q->text);
    sqlite3_bind_int64(st, 2, q->disciplines);
    sqlite3_bind_int64(st, 3, q->modes);
    sqlite3_bind_int64(st, 4, q->schedules);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)q->states);
    if (q->min_salary > 0)
        sqlite3_bind_double(st, 6, q->min_salary);
    else
        sqlite3_bind_null(st, 6);
    db_bind_text(st, 7, q->employer && *q->employer ? q->employer : NULL);
    if (q->since > 0)
        sqlite3_bind_int64(st, 8, q->since);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int(st, 9, q->include_closed);
    sqlite3_bind_int(st, 10, q->ur_only);
    sqlite3_bind_int64(st, 11, q->limit ? (sqlite3_int64)q->limit : -1);
}

/* FTS5 reports query mistakes as plain SQLITE_ERROR: turn them into a user message. */
static int query_error(struct db *db, const struct db_query *q, struct err *e)
{
    const char *msg = sqlite3_errmsg(db->sql);
    if (strstr(msg, "fts5") || strstr(msg, "syntax error") || strstr(msg, "no such column") ||
        strstr(msg, "unterminated") || strstr(msg, "unknown special query"))
        return err_set(e, URS_EINVAL,
                       "search query '%.80s' is not valid full-text syntax (%s); put words in "
                       "double quotes to search for them literally",
                       q->text, msg);
    return db_fail(db, "search", e);
}

int db_search(struct db *db, const struct db_query *q, db_posting_fn fn, void *ctx,
              struct err *e)
{
    bool text = q->text && *q->text;
    sqlite3_stmt *st;
    if (db_prepare(db, text ? sql_search_text : sql_search_plain, &st, e) != URS_OK)
        return URS_EDB;
    bind_query(st, q);
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct posting p;
        if (db_posting_from_row(st, 0, &p) != URS_OK) {
            out = err_set(e, URS_ENOMEM, "search: out of memory");
            break;
        }
        out = db_posting_load_evidence(db, &p, e);
        if (out == URS_OK && fn(ctx, &p) != 0)
            out = err_set(e, URS_EINVAL, "search stopped by the caller");
        posting_free(&p);
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = text ? query_error(db, q, e) : db_fail(db, "search", e);
    sqlite3_finalize(st);
    return out;
}

struct stats_section {
    const char *title;
    const char *sql;
};

static const struct stats_section sections[] = {
    {"postings",
     "SELECT 'open', count(*) FROM postings WHERE closed_at IS NULL UNION ALL "
     "SELECT 'closed', count(*) FROM postings WHERE closed_at IS NOT NULL UNION ALL "
     "SELECT 'ur_role', count(*) FROM postings WHERE closed_at IS NULL AND ur_role = 1"},
    {"source",
     "SELECT source, count(*) FILTER (WHERE closed_at IS NULL), "
     "count(*) FILTER (WHERE closed_at IS NOT NULL) FROM postings GROUP BY source ORDER BY source"},
    {"discipline",
     "SELECT t.value, count(*) FROM posting_tags t JOIN postings p ON p.id = t.posting_id "
     "WHERE t.tag = 'discipline' AND p.closed_at IS NULL GROUP BY t.value ORDER BY 2 DESC, 1"},
    {"work_mode",
     "SELECT work_mode, count(*) FROM postings WHERE closed_at IS NULL GROUP BY work_mode "
     "ORDER BY 2 DESC, 1"},
    {"role_family",
     "SELECT role_family, count(*) FROM postings WHERE closed_at IS NULL GROUP BY role_family "
     "ORDER BY 2 DESC, 1"},
};

static int stats_section(struct db *db, const struct stats_section *sec, bool first,
                         struct sbuf *out, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sec->sql, &st, e) != URS_OK)
        return URS_EDB;
    int rc, w = URS_OK;
    bool three = sqlite3_column_count(st) == 3;
    w = sbuf_printf(out, "%s%s%s\n", first ? "" : "\n", sec->title, three ? " (open closed)" : "");
    while (w == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        long long a = sqlite3_column_int64(st, 1);
        long long b = three ? sqlite3_column_int64(st, 2) : 0;
        key = key ? key : "";
        if (three)
            w = sbuf_printf(out, "  %-28s %8lld %8lld\n", key, a, b);
        else
            w = sbuf_printf(out, "  %-28s %8lld\n", key, a);
    }
    sqlite3_finalize(st);
    if (w != URS_OK)
        return err_set(e, w, "stats: %s", err_name(w));
    if (rc != SQLITE_DONE)
        return db_fail(db, "stats", e);
    return URS_OK;
}

int db_stats(struct db *db, struct sbuf *out, struct err *e)
{
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (stats_section(db, &sections[i], i == 0, out, e) != URS_OK)
            return e ? e->code : URS_EDB;
    return URS_OK;
}
