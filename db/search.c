/* SPDX-License-Identifier: MIT */
/* Search: FTS5 ranking plus tag filters, one row per fingerprint; and the stats counts. */
#include "db/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/postings_int.h"

/*
 * The filters, shared by both forms. ?2 disciplines, ?3 modes, ?4 schedules, ?5 states,
 * ?6 min salary, ?7 employer, ?8 since, ?9 include closed, ?10 ur only, ?11 include pages
 * that are not one posting (articles, listing pages).
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
    " AND (?10 = 0 OR p.ur_role = 1)"                                                         \
    " AND (?11 != 0 OR p.is_posting = 1)"

/*
 * Ranked by FTS5's rank (bm25 with the column weights set in the schema), which FTS5 sorts
 * itself; rows are stepped only until enough distinct fingerprints have been seen, so a query
 * matching most of the table costs one sort of (rank, rowid), not a read of every row.
 */
static const char sql_search_text[] =
    "SELECT p.id, p.source, p.external_id, p.url, p.title, p.employer, p.location, "
    "p.description, p.posted_at, p.valid_through, p.first_seen, p.last_seen, p.closed_at, "
    "p.work_hint, p.employment_hint, p.salary_hint_min, p.salary_hint_max, p.salary_hint_period, "
    "p.disciplines, p.work_mode, p.schedule, p.license_states, p.salary_min, p.salary_max, "
    "p.salary_period, p.salary_annual, p.role_family, p.ur_role, p.ur_score, p.fingerprint "
    "FROM postings_fts f JOIN postings p ON p.id = f.rowid "
    "WHERE postings_fts MATCH ?1" SEARCH_FILTERS " ORDER BY f.rank";

/* Unranked: newest first (the (closed_at, first_seen) index gives the order). */
static const char sql_search_plain[] =
    "SELECT p.id, p.source, p.external_id, p.url, p.title, p.employer, p.location, "
    "p.description, p.posted_at, p.valid_through, p.first_seen, p.last_seen, p.closed_at, "
    "p.work_hint, p.employment_hint, p.salary_hint_min, p.salary_hint_max, p.salary_hint_period, "
    "p.disciplines, p.work_mode, p.schedule, p.license_states, p.salary_min, p.salary_max, "
    "p.salary_period, p.salary_annual, p.role_family, p.ur_role, p.ur_score, p.fingerprint "
    "FROM postings p WHERE 1" SEARCH_FILTERS " ORDER BY p.first_seen DESC, p.id DESC";

#define FINGERPRINT_COLUMN 29

/* Fingerprints already shown: open addressing over their 64-bit values (0 never occurs). */
struct seen_set {
    uint64_t *slots;
    size_t cap, len;
};

static int seen_add(struct seen_set *s, const char *hex, bool *fresh)
{
    uint64_t v = hex ? strtoull(hex, NULL, 16) : 0;
    v = v ? v : 1;
    if (s->len * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return URS_ENOMEM;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i])
                continue;
            size_t j = (size_t)(s->slots[i] % cap);
            while (slots[j])
                j = (j + 1) % cap;
            slots[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t j = (size_t)(v % s->cap);
    while (s->slots[j] && s->slots[j] != v)
        j = (j + 1) % s->cap;
    *fresh = s->slots[j] == 0;
    if (*fresh) {
        s->slots[j] = v;
        s->len++;
    }
    return URS_OK;
}

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
    sqlite3_bind_int(st, 11, q->include_pages);
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
    if (db_stmt(db, text ? sql_search_text : sql_search_plain, &st, e) != URS_OK)
        return text ? query_error(db, q, e) : URS_EDB;
    bind_query(st, q);
    struct seen_set seen = {NULL, 0, 0};
    size_t shown = 0;
    int rc = SQLITE_DONE, out = URS_OK;
    while (out == URS_OK && (!q->limit || shown < q->limit) &&
           (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool fresh = false;
        if (seen_add(&seen, (const char *)sqlite3_column_text(st, FINGERPRINT_COLUMN), &fresh))
            out = err_set(e, URS_ENOMEM, "search: out of memory");
        if (out != URS_OK || !fresh)
            continue;
        struct posting p;
        if (db_posting_from_row(st, 0, &p) != URS_OK) {
            out = err_set(e, URS_ENOMEM, "search: out of memory");
            break;
        }
        out = db_posting_load_evidence(db, &p, e);
        if (out == URS_OK && fn(ctx, &p) != 0)
            out = err_set(e, URS_EINVAL, "search stopped by the caller");
        posting_free(&p);
        shown++;
    }
    if (out == URS_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = text ? query_error(db, q, e) : db_fail(db, "search", e);
    sqlite3_reset(st);
    free(seen.slots);
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
