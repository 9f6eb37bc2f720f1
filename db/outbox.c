/* SPDX-License-Identifier: MIT */
/* Digest inputs (candidates, keyword hits, what was sent), digest records and the outbox. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "db/db_int.h"

#define POSTING_DIGEST_COLUMNS                                                                     \
    "id, url, title, employer, location, posted_at, first_seen, disciplines, work_mode, "          \
    "schedule, license_states, salary_min, salary_max, salary_period, salary_annual, "             \
    "role_family, ur_role, ur_score, fingerprint"

/*
 * New open postings, plus open postings pinned for any cohort (they may be older); never a
 * page the classifier found is not a posting (an article, a listing page).
 */
static const char sql_candidates[] =
    "SELECT " POSTING_DIGEST_COLUMNS " FROM postings WHERE closed_at IS NULL AND is_posting = 1"
    " AND first_seen >= ?1 UNION SELECT " POSTING_DIGEST_COLUMNS " FROM postings"
    " WHERE closed_at IS NULL AND is_posting = 1 AND id IN"
    " (SELECT posting_id FROM curation WHERE pinned = 1) ORDER BY 1";

static int text_col(sqlite3_stmt *st, int col, char **out)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    *out = v ? strdup((const char *)v) : NULL;
    return v && !*out ? URS_ENOMEM : URS_OK;
}

static int enum_col(sqlite3_stmt *st, int col, int (*parse)(const char *), int fallback)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    int r = v ? parse((const char *)v) : -1;
    return r < 0 ? fallback : r;
}

static int candidate_from_row(sqlite3_stmt *st, struct posting *p)
{
    posting_init(p);
    p->id = sqlite3_column_int64(st, 0);
    if (text_col(st, 1, &p->url) != URS_OK || text_col(st, 2, &p->title) != URS_OK ||
        text_col(st, 3, &p->employer) != URS_OK || text_col(st, 4, &p->location) != URS_OK) {
        posting_free(p);
        return URS_ENOMEM;
    }
    p->posted_at = sqlite3_column_int64(st, 5);
    p->first_seen = sqlite3_column_int64(st, 6);
    p->disciplines = (uint32_t)sqlite3_column_int64(st, 7);
    p->work_mode = (enum work_mode)enum_col(st, 8, work_mode_parse, MODE_UNKNOWN);
    p->schedule = (uint32_t)sqlite3_column_int64(st, 9);
    p->license_states = (uint64_t)sqlite3_column_int64(st, 10);
    p->salary.min = sqlite3_column_double(st, 11);
    p->salary.max = sqlite3_column_double(st, 12);
    p->salary.period = (enum pay_period)enum_col(st, 13, period_parse, PERIOD_NONE);
    p->salary.annual = sqlite3_column_double(st, 14);
    p->role_family = (enum role_family)enum_col(st, 15, role_family_parse, ROLE_UNKNOWN);
    p->ur_role = sqlite3_column_int(st, 16) != 0;
    p->ur_score = sqlite3_column_double(st, 17);
    return URS_OK;
}

int db_digest_candidates(struct db *db, int64_t since, db_candidate_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql_candidates, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, since);
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct posting p;
        if (candidate_from_row(st, &p) != URS_OK) {
            out = err_set(e, URS_ENOMEM, "digest candidates: out of memory");
            break;
        }
        const unsigned char *fp = sqlite3_column_text(st, 18);
        if (fn(ctx, &p, fp ? (const char *)fp : "") != 0)
            out = err_set(e, URS_EINVAL, "digest candidates: stopped by the caller");
        posting_free(&p);
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "digest candidates", e);
    sqlite3_finalize(st);
    return out;
}

/* Append one word as an FTS5 string ("" doubled); words without a letter or digit are skipped. */
static int fts_word(struct sbuf *q, const char *w, size_t n, bool *any)
{
    bool alnum = false;
    for (size_t i = 0; i < n; i++)
        if (isalnum((unsigned char)w[i]) || (unsigned char)w[i] >= 0x80)
            alnum = true;
    if (!alnum)
        return URS_OK;
    int rc = sbuf_puts(q, *any ? " AND \"" : "\"");
    for (size_t i = 0; i < n && rc == URS_OK; i++)
        rc = w[i] == '"' ? sbuf_puts(q, "\"\"") : sbuf_putc(q, w[i]);
    *any = true;
    return rc == URS_OK ? sbuf_putc(q, '"') : rc;
}

/* Turn "a b, c" into ("a" AND "b") OR ("c"). *words counts the words used. */
static int keyword_query(const char *keywords, struct sbuf *q, size_t *words)
{
    int rc = URS_OK;
    *words = 0;
    for (const char *g = keywords; g && *g && rc == URS_OK;) {
        size_t glen = strcspn(g, ",");
        size_t mark = q->len;
        bool any = false;
        rc = sbuf_puts(q, *words ? " OR (" : "(");
        for (size_t i = 0; i < glen && rc == URS_OK;) {
            while (i < glen && isspace((unsigned char)g[i]))
                i++;
            size_t start = i;
            while (i < glen && !isspace((unsigned char)g[i]))
                i++;
            if (i > start)
                rc = fts_word(q, g + start, i - start, &any);
        }
        if (rc == URS_OK && any) {
            rc = sbuf_putc(q, ')');
            (*words)++;
        } else if (rc == URS_OK) {
            sbuf_truncate(q, mark);
        }
        g += glen;
        if (*g == ',')
            g++;
    }
    return rc;
}

int db_keyword_hits(struct db *db, const char *keywords, int64_t min_id, db_id_fn fn, void *ctx,
                    struct err *e)
{
    struct sbuf q;
    size_t groups = 0;
    sbuf_init(&q, 4 * 1024 + 2 * (keywords ? strlen(keywords) : 0));
    if (keyword_query(keywords, &q, &groups) != URS_OK) {
        sbuf_free(&q);
        return err_set(e, URS_ENOMEM, "keywords: out of memory");
    }
    if (groups == 0) {
        sbuf_free(&q);
        return err_set(e, URS_EINVAL, "keywords '%.80s' hold no word to search for",
                       keywords ? keywords : "");
    }
    sqlite3_stmt *st;
    int out = db_prepare(db,
                         "SELECT rowid FROM postings_fts WHERE postings_fts MATCH ?1"
                         " AND rowid >= ?2",
                         &st, e);
    if (out == URS_OK) {
        int rc;
        db_bind_text(st, 1, sbuf_str(&q));
        sqlite3_bind_int64(st, 2, min_id);
        while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
            if (fn(ctx, sqlite3_column_int64(st, 0)) != 0)
                out = err_set(e, URS_EINVAL, "keyword search: stopped by the caller");
        if (out == URS_OK && rc != SQLITE_DONE)
            out = db_fail(db, "keyword search", e);
        sqlite3_finalize(st);
    }
    sbuf_free(&q);
    return out;
}

int db_digest_sent_pairs(struct db *db, int64_t since, db_sent_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT DISTINCT d.subscriber_id, p.fingerprint FROM"
                   " (SELECT fingerprint FROM postings WHERE closed_at IS NULL AND first_seen >= ?1"
                   " UNION SELECT p.fingerprint FROM postings p JOIN curation k"
                   " ON k.posting_id = p.id WHERE k.pinned = 1) AS c"
                   " JOIN postings p ON p.fingerprint = c.fingerprint"
                   " JOIN deliveries d ON d.posting_id = p.id",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, since);
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1)) != 0)
            out = err_set(e, URS_EINVAL, "sent pairs: stopped by the caller");
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "sent pairs", e);
    sqlite3_finalize(st);
    return out;
}

/* ---- recording a digest ---- */

static const char sql_advance[] = "UPDATE subscribers SET last_digest_at = ?1, next_due_at = ?2"
                                  " WHERE id = ?3 AND coalesce(last_digest_at, 0) = ?4";
static const char sql_outbox_add[] =
    "INSERT INTO outbox (subscriber_id, recipient, message_id, subject, message, postings,"
    " created_at, queued_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)";
static const char sql_delivery_add[] =
    "INSERT INTO deliveries (subscriber_id, posting_id, outbox_id) VALUES (?1, ?2, ?3)";
static const char sql_counts_add[] =
    "INSERT INTO delivery_counts (day, digests, postings) VALUES (?1, 1, ?2)"
    " ON CONFLICT (day) DO UPDATE SET digests = digests + 1, postings = postings + ?2";

static int step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, what, e);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ids (positive) sorted, as LEB128 deltas into out. URS_OK or URS_ENOMEM / URS_EINVAL. */
static int summary_encode(const int64_t *ids, size_t n, struct sbuf *out)
{
    int64_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return URS_ENOMEM;
    memcpy(sorted, ids, n * sizeof *sorted);
    size_t run = 1;
    while (run < n && sorted[run - 1] < sorted[run])
        run++;
    if (run < n) /* the notifier passes them sorted already */
        qsort(sorted, n, sizeof *sorted, cmp_id);
    int rc = URS_OK;
    int64_t prev = 0;
    for (size_t i = 0; i < n && rc == URS_OK; i++) {
        if (sorted[i] <= prev) { /* ids are positive and distinct */
            rc = URS_EINVAL;
            break;
        }
        uint64_t d = (uint64_t)(sorted[i] - prev);
        prev = sorted[i];
        unsigned char v[10];
        size_t k = 0;
        do {
            v[k] = (unsigned char)(d & 0x7f);
            d >>= 7;
            if (d)
                v[k] |= 0x80;
            k++;
        } while (d);
        rc = sbuf_append(out, (const char *)v, k);
    }
    free(sorted);
    return rc;
}

/*
 * Deliveries rows are held until commit and written sorted by (posting, subscriber), the
 * order of the deliveries_posting index. A digest build records thousands of digests in a
 * transaction, each with rows for some 25 postings of 5,000: inserted as they come, every row
 * lands on a random page of that index (a cache miss per B-tree level, 5 of 16 s at 100,000
 * subscribers); sorted, consecutive rows share pages. Nothing reads deliveries inside the
 * transaction that records them (the build loads what was sent before it starts).
 */
#define DELIVERIES_PENDING_MAX 262144 /* held rows; past this they are written at once */

static int by_posting_then_subscriber(const void *a, const void *b)
{
    const struct db_delivery_pending *x = a, *y = b;
    if (x->posting_id != y->posting_id)
        return x->posting_id < y->posting_id ? -1 : 1;
    return (x->subscriber_id > y->subscriber_id) - (x->subscriber_id < y->subscriber_id);
}

void db_deliveries_discard(struct db *db)
{
    db->dq_len = 0;
}

int db_deliveries_flush(struct db *db, struct err *e)
{
    if (db->dq_len == 0)
        return URS_OK;
    qsort(db->dq, db->dq_len, sizeof db->dq[0], by_posting_then_subscriber);
    sqlite3_stmt *st;
    int rc = db_stmt(db, sql_delivery_add, &st, e);
    for (size_t i = 0; i < db->dq_len && rc == URS_OK; i++) {
        sqlite3_bind_int64(st, 1, db->dq[i].subscriber_id);
        sqlite3_bind_int64(st, 2, db->dq[i].posting_id);
        sqlite3_bind_int64(st, 3, db->dq[i].outbox_id);
        rc = step_done(db, st, "record deliveries", e);
    }
    db_deliveries_discard(db);
    return rc;
}

static int delivery_hold(struct db *db, int64_t subscriber_id, int64_t posting_id,
                         int64_t outbox_id, struct err *e)
{
    if (db->dq_len >= DELIVERIES_PENDING_MAX && db_deliveries_flush(db, e) != URS_OK)
        return URS_EDB;
    if (db->dq_len == db->dq_cap) {
        size_t cap = db->dq_cap ? 2 * db->dq_cap : 1024;
        struct db_delivery_pending *n = realloc(db->dq, cap * sizeof *n);
        if (!n)
            return err_set(e, URS_ENOMEM, "record deliveries: out of memory");
        db->dq = n;
        db->dq_cap = cap;
    }
    db->dq[db->dq_len++] = (struct db_delivery_pending){posting_id, subscriber_id, outbox_id};
    return URS_OK;
}

static const char sql_summary_add[] =
    "INSERT INTO digest_summaries (subscriber_id, created_at, postings, ids) VALUES (?1, ?2, ?3, ?4)";

static int record_summary(struct db *db, const struct db_digest_record *r, struct err *e)
{
    struct sbuf blob;
    sbuf_init(&blob, r->summarised_len * 10 + 16);
    int rc = summary_encode(r->summarised_ids, r->summarised_len, &blob);
    if (rc != URS_OK) {
        sbuf_free(&blob);
        return err_set(e, rc, "record digest summary: %s",
                       rc == URS_EINVAL ? "posting ids repeat or are not positive" : "out of memory");
    }
    sqlite3_stmt *st;
    if (db_stmt(db, sql_summary_add, &st, e) != URS_OK) {
        sbuf_free(&blob);
        return URS_EDB;
    }
    sqlite3_bind_int64(st, 1, r->subscriber_id);
    sqlite3_bind_int64(st, 2, r->now);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)r->summarised_len);
    sqlite3_bind_blob64(st, 4, blob.len ? blob.data : "", blob.len, SQLITE_STATIC);
    rc = step_done(db, st, "record digest summary", e);
    sqlite3_clear_bindings(st);
    sbuf_free(&blob);
    return rc;
}

int db_digest_summaries(struct db *db, int64_t since, db_summary_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT id, subscriber_id, postings, ids FROM digest_summaries"
                   " WHERE created_at >= ?1",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, since);
    int64_t *ids = NULL;
    size_t cap = 0;
    int rc, out = URS_OK;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t row = sqlite3_column_int64(st, 0), count = sqlite3_column_int64(st, 2);
        const unsigned char *p = sqlite3_column_blob(st, 3);
        size_t len = (size_t)sqlite3_column_bytes(st, 3);
        /* every id takes one byte at least: a count past the blob's length is corrupt */
        if (count < 0 || (uint64_t)count > len || (count > 0 && !p)) {
            out = err_set(e, URS_EDB, "digest summary %lld: %lld ids in %zu bytes", (long long)row,
                          (long long)count, len);
            break;
        }
        if ((size_t)count > cap) {
            int64_t *grown = realloc(ids, (size_t)count * sizeof *grown);
            if (!grown) {
                out = err_set(e, URS_ENOMEM, "digest summaries: out of memory");
                break;
            }
            ids = grown;
            cap = (size_t)count;
        }
        size_t n = 0, at = 0;
        uint64_t prev = 0;
        while (at < len && n < (size_t)count) {
            uint64_t d = 0;
            unsigned shift = 0;
            while (at < len && shift < 63) {
                d |= (uint64_t)(p[at] & 0x7f) << shift;
                shift += 7;
                if (!(p[at++] & 0x80))
                    break;
            }
            if (d == 0 || d > (uint64_t)INT64_MAX - prev)
                break;
            prev += d;
            ids[n++] = (int64_t)prev;
        }
        if (n != (size_t)count || at != len) {
            out = err_set(e, URS_EDB, "digest summary %lld: malformed id list", (long long)row);
            break;
        }
        if (fn(ctx, sqlite3_column_int64(st, 1), ids, n) != 0)
            out = err_set(e, URS_EINVAL, "digest summaries: stopped by the caller");
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "digest summaries", e);
    sqlite3_finalize(st);
    free(ids);
    return out;
}

static int record_outbox(struct db *db, const struct db_digest_record *r, int64_t *outbox_id,
                         struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql_outbox_add, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, r->subscriber_id);
    db_bind_text(st, 2, r->recipient);
    db_bind_text(st, 3, r->message_id);
    db_bind_text(st, 4, r->subject);
    sqlite3_bind_blob64(st, 5, r->message, r->message_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->shown_len);
    sqlite3_bind_int64(st, 7, r->now);
    int rc = step_done(db, st, "record digest in outbox", e);
    sqlite3_clear_bindings(st);
    if (rc != URS_OK)
        return rc;
    *outbox_id = sqlite3_last_insert_rowid(db->sql);
    for (size_t i = 0; i < r->postings_len && rc == URS_OK; i++)
        rc = delivery_hold(db, r->subscriber_id, r->posting_ids[i], *outbox_id, e);
    if (rc == URS_OK && r->summarised_len > 0)
        rc = record_summary(db, r, e);
    if (rc != URS_OK || db_stmt(db, sql_counts_add, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, r->now / 86400);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)r->shown_len);
    return step_done(db, st, "count deliveries", e);
}

int db_digest_record(struct db *db, const struct db_digest_record *r, int64_t *outbox_id,
                     struct err *e)
{
    bool own;
    *outbox_id = 0;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    sqlite3_stmt *st;
    int rc = db_stmt(db, sql_advance, &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int64(st, 1, r->now);
        sqlite3_bind_int64(st, 2, r->next_due_at);
        sqlite3_bind_int64(st, 3, r->subscriber_id);
        sqlite3_bind_int64(st, 4, r->expect_last_digest_at);
        rc = step_done(db, st, "advance subscriber schedule", e);
    }
    if (rc == URS_OK && sqlite3_changes(db->sql) == 0)
        rc = err_set(e, URS_EBUSY,
                     "subscriber %lld: digest already built by another process (or removed)",
                     (long long)r->subscriber_id);
    if (rc == URS_OK && r->message_len > 0)
        rc = record_outbox(db, r, outbox_id, e);
    if (rc != URS_OK)
        *outbox_id = 0;
    return db_tx_leave(db, own, rc, e);
}

/* ---- the outbox ---- */

static const char *const outbox_status_names[] = {"queued", "sent", "failed"};

const char *db_outbox_status_name(enum db_outbox_status s)
{
    return (size_t)s < 3 ? outbox_status_names[s] : "";
}

static enum db_outbox_status outbox_status_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, outbox_status_names[i]) == 0)
            return (enum db_outbox_status)i;
    return DB_OUTBOX_FAILED;
}

#define OUTBOX_COLUMNS                                                                             \
    "o.id, coalesce(o.subscriber_id, 0), coalesce(s.status, 'unsubscribed'), o.recipient, "        \
    "o.message_id, o.subject, o.postings, o.status, o.attempts, o.created_at, o.queued_at, "       \
    "o.next_attempt_at, coalesce(o.last_attempt_at, 0), coalesce(o.sent_at, 0), o.last_error, "    \
    "o.kind = 'notice'"

void db_block_ref(unsigned char out[DB_BLOCK_REF_LEN], int64_t id)
{
    out[0] = 0;
    out[1] = 1;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
}

static const char sql_block_add[] = "INSERT INTO digest_blocks (created_at, body) VALUES (?1, ?2)";
static const char sql_block_get[] = "SELECT body FROM digest_blocks WHERE id = ?1";

int db_digest_block_add(struct db *db, int64_t now, const char *data, size_t len, int64_t *id,
                        struct err *e)
{
    sqlite3_stmt *st;
    if (memchr(data, '\0', len))
        return err_set(e, URS_EINVAL, "digest block: holds a NUL byte");
    if (db_stmt(db, sql_block_add, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_blob64(st, 2, len ? data : "", len, SQLITE_STATIC);
    int rc = step_done(db, st, "store digest block", e);
    sqlite3_clear_bindings(st);
    *id = rc == URS_OK ? sqlite3_last_insert_rowid(db->sql) : 0;
    return rc;
}

/*
 * The message of outbox row `row` with its block references replaced by the blocks, into out
 * (reset first). A reference that is cut short or names no block is URS_EDB naming the row.
 */
static int resolve(struct db *db, int64_t row, const char *msg, size_t len, struct sbuf *out,
                   struct err *e)
{
    sbuf_reset(out);
    size_t at = 0;
    int rc = URS_OK;
    while (rc == URS_OK && at < len) {
        const char *nul = memchr(msg + at, '\0', len - at);
        size_t lit = nul ? (size_t)(nul - (msg + at)) : len - at;
        if ((rc = sbuf_append(out, msg + at, lit)) != URS_OK)
            break;
        at += lit;
        if (!nul)
            break;
        const unsigned char *ref = (const unsigned char *)msg + at;
        if (len - at < DB_BLOCK_REF_LEN || ref[1] != 1)
            return err_set(e, URS_EDB, "outbox message %lld: malformed block reference",
                           (long long)row);
        uint64_t id = 0;
        for (int i = 0; i < 8; i++)
            id = id << 8 | ref[2 + i];
        at += DB_BLOCK_REF_LEN;
        sqlite3_stmt *st;
        if (db_stmt(db, sql_block_get, &st, e) != URS_OK)
            return URS_EDB;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            rc = sbuf_append(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        else if (step == SQLITE_DONE)
            rc = err_set(e, URS_EDB, "outbox message %lld: block %llu is missing", (long long)row,
                         (unsigned long long)id);
        else
            rc = db_fail(db, "read digest block", e);
        sqlite3_reset(st);
    }
    if (rc == URS_ENOMEM || rc == URS_ELIMIT)
        return err_set(e, rc, "outbox message %lld: %s", (long long)row,
                       rc == URS_ELIMIT ? "over the size limit with its blocks" : "out of memory");
    return rc;
}

/* Fill r from a row of OUTBOX_COLUMNS (plus the message at column 16 when with_message). */
static void outbox_from_row(sqlite3_stmt *st, bool with_message, struct db_outbox_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->subscriber_id = sqlite3_column_int64(st, 1);
    int ss = db_sub_status_parse((const char *)sqlite3_column_text(st, 2));
    r->subscriber_status = ss < 0 ? DB_SUB_UNSUBSCRIBED : (enum db_sub_status)ss;
    r->recipient = (const char *)sqlite3_column_text(st, 3);
    r->message_id = (const char *)sqlite3_column_text(st, 4);
    r->subject = (const char *)sqlite3_column_text(st, 5);
    r->postings = (size_t)sqlite3_column_int64(st, 6);
    r->status = outbox_status_parse((const char *)sqlite3_column_text(st, 7));
    r->attempts = (long)sqlite3_column_int64(st, 8);
    r->created_at = sqlite3_column_int64(st, 9);
    r->queued_at = sqlite3_column_int64(st, 10);
    r->next_attempt_at = sqlite3_column_int64(st, 11);
    r->last_attempt_at = sqlite3_column_int64(st, 12);
    r->sent_at = sqlite3_column_int64(st, 13);
    r->last_error = (const char *)sqlite3_column_text(st, 14);
    r->notice = sqlite3_column_int(st, 15) != 0;
    if (with_message) {
        r->message = (const char *)sqlite3_column_blob(st, 16);
        r->message_len = (size_t)sqlite3_column_bytes(st, 16);
    }
}

/* Copy a row's strings and message into one allocation, so it outlives the statement. */
static int copy_row(const struct db_outbox_row *r, struct db_outbox_row *dst, char **block)
{
    const char *src[] = {r->recipient, r->message_id, r->subject, r->last_error};
    size_t lens[4], total = r->message_len + 1;
    for (int i = 0; i < 4; i++)
        total += (lens[i] = src[i] ? strlen(src[i]) + 1 : 0);
    *dst = *r;
    char *at = *block = malloc(total);
    if (!at)
        return URS_ENOMEM;
    const char **fields[] = {&dst->recipient, &dst->message_id, &dst->subject, &dst->last_error};
    for (int i = 0; i < 4; i++) {
        *fields[i] = src[i] ? memcpy(at, src[i], lens[i]) : NULL;
        at += lens[i];
    }
    if (r->message_len)
        memcpy(at, r->message, r->message_len);
    at[r->message_len] = '\0';
    dst->message = at;
    return URS_OK;
}

void db_outbox_batch_free(struct db_outbox_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->strings && i < b->len; i++)
        free(b->strings[i]);
    free(b->strings);
    free(b->rows);
    memset(b, 0, sizeof *b);
}

/* Select and lease up to limit due rows inside one write transaction. */
static int claim_rows(struct db *db, int64_t now, int64_t lease, size_t limit,
                      bool notices_only, struct db_outbox_batch *b, struct err *e)
{
    sqlite3_stmt *sel, *upd;
    if (db_prepare(db,
                   "SELECT " OUTBOX_COLUMNS ", o.message FROM outbox o LEFT JOIN subscribers s"
                   " ON s.id = o.subscriber_id WHERE o.status = 'queued' AND"
                   " o.next_attempt_at <= ?1 AND (?3 = 0 OR o.kind = 'notice')"
                   " ORDER BY o.next_attempt_at, o.id LIMIT ?2",
                   &sel, e) != URS_OK)
        return URS_EDB;
    if (db_prepare(db,
                   "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?2,"
                   " next_attempt_at = ?3 WHERE id = ?1 AND status = 'queued'",
                   &upd, e) != URS_OK) {
        sqlite3_finalize(sel);
        return URS_EDB;
    }
    sqlite3_bind_int64(sel, 1, now);
    sqlite3_bind_int64(sel, 2, (sqlite3_int64)limit);
    sqlite3_bind_int(sel, 3, notices_only);
    int rc = URS_OK, step = SQLITE_DONE;
    struct sbuf whole;
    sbuf_init(&whole, DB_MAX_RESOLVED);
    while (rc == URS_OK && b->len < limit && (step = sqlite3_step(sel)) == SQLITE_ROW) {
        struct db_outbox_row r;
        outbox_from_row(sel, true, &r);
        if ((rc = resolve(db, r.id, r.message, r.message_len, &whole, e)) != URS_OK)
            break;
        r.message = whole.data;
        r.message_len = whole.len;
        r.attempts++;
        r.last_attempt_at = now;
        r.next_attempt_at = now + lease;
        if (copy_row(&r, &b->rows[b->len], &b->strings[b->len]) != URS_OK) {
            rc = err_set(e, URS_ENOMEM, "outbox: out of memory");
            break;
        }
        b->len++;
        sqlite3_bind_int64(upd, 1, r.id);
        sqlite3_bind_int64(upd, 2, now);
        sqlite3_bind_int64(upd, 3, now + lease);
        rc = step_done(db, upd, "claim outbox row", e);
    }
    if (rc == URS_OK && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = db_fail(db, "read outbox", e);
    sbuf_free(&whole);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return rc;
}

int db_outbox_claim(struct db *db, int64_t now, int64_t lease, size_t limit, bool notices_only,
                    struct db_outbox_batch *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (limit == 0)
        return URS_OK;
    out->rows = calloc(limit, sizeof *out->rows);
    out->strings = calloc(limit, sizeof *out->strings);
    if (!out->rows || !out->strings) {
        db_outbox_batch_free(out);
        return err_set(e, URS_ENOMEM, "outbox: out of memory");
    }
    int rc = db_begin(db, e);
    if (rc == URS_OK) {
        rc = claim_rows(db, now, lease, limit, notices_only, out, e);
        if (rc == URS_OK)
            rc = db_commit(db, e);
        else
            db_rollback(db);
    }
    if (rc != URS_OK)
        db_outbox_batch_free(out);
    return rc;
}

static int walk_outbox(struct db *db, sqlite3_stmt *st, bool with_message, db_outbox_fn fn,
                       void *ctx, size_t *rows, struct err *e)
{
    int rc, out = URS_OK;
    struct sbuf whole;
    sbuf_init(&whole, DB_MAX_RESOLVED);
    *rows = 0;
    while (out == URS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_outbox_row r;
        outbox_from_row(st, with_message, &r);
        (*rows)++;
        if (with_message) {
            if ((out = resolve(db, r.id, r.message, r.message_len, &whole, e)) != URS_OK)
                break;
            r.message = whole.data ? whole.data : "";
            r.message_len = whole.len;
        }
        if (fn(ctx, &r) != 0)
            out = err_set(e, URS_EINVAL, "outbox: stopped by the caller");
    }
    if (out == URS_OK && rc != SQLITE_DONE)
        out = db_fail(db, "read outbox", e);
    sbuf_free(&whole);
    return out;
}

int db_outbox_each(struct db *db, int status, size_t limit, db_outbox_fn fn, void *ctx,
                   struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT " OUTBOX_COLUMNS " FROM outbox o LEFT JOIN subscribers s"
                   " ON s.id = o.subscriber_id WHERE ?1 IS NULL OR o.status = ?1"
                   " ORDER BY o.id DESC LIMIT ?2",
                   &st, e) != URS_OK)
        return URS_EDB;
    db_bind_text(st, 1, status < 0 ? NULL : db_outbox_status_name((enum db_outbox_status)status));
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    size_t rows;
    int rc = walk_outbox(db, st, false, fn, ctx, &rows, e);
    sqlite3_finalize(st);
    return rc;
}

int db_outbox_get(struct db *db, int64_t id, db_outbox_fn fn, void *ctx, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT " OUTBOX_COLUMNS ", o.message FROM outbox o LEFT JOIN subscribers s"
                   " ON s.id = o.subscriber_id WHERE o.id = ?1",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, id);
    size_t rows;
    int rc = walk_outbox(db, st, true, fn, ctx, &rows, e);
    sqlite3_finalize(st);
    if (rc == URS_OK && rows == 0)
        return err_set(e, URS_ENOTFOUND, "no outbox message with id %lld", (long long)id);
    return rc;
}

/* Run a static statement binding (a, b) as int64 and an optional text third parameter. */
static int run3(struct db *db, const char *sql, int64_t a, int64_t b, const char *text,
                const char *what, struct err *e)
{
    sqlite3_stmt *st;
    if (db_stmt(db, sql, &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    if (text)
        db_bind_text(st, 3, text);
    int rc = step_done(db, st, what, e);
    sqlite3_clear_bindings(st);
    return rc;
}

static const char sql_mark_sent[] =
    "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1";
static const char sql_bounces_reset[] =
    "UPDATE subscribers SET hard_bounces = 0 WHERE hard_bounces != 0 AND id ="
    " (SELECT subscriber_id FROM outbox WHERE id = ?1)";

int db_outbox_mark_sent(struct db *db, int64_t id, int64_t now, struct err *e)
{
    bool own;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    int rc = run3(db, sql_mark_sent, id, now, NULL, "mark message sent", e);
    if (rc == URS_OK)
        rc = run3(db, sql_bounces_reset, id, now, NULL, "reset bounce count", e);
    return db_tx_leave(db, own, rc, e);
}

/* Errors are server text: keep a bounded, one-line copy. */
static void clip_error(const char *in, char out[401])
{
    size_t n = 0;
    for (; in && in[n] && n < 400; n++)
        out[n] = (in[n] == '\r' || in[n] == '\n' || in[n] == '\t') ? ' ' : in[n];
    out[n] = '\0';
}

int db_outbox_defer(struct db *db, int64_t id, int64_t next_attempt_at, const char *error,
                    struct err *e)
{
    char clipped[401];
    clip_error(error, clipped);
    return run3(db,
                "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3"
                " WHERE id = ?1 AND status = 'queued'",
                id, next_attempt_at, clipped, "defer message", e);
}

static const char sql_bounce[] =
    "UPDATE subscribers SET hard_bounces = hard_bounces + 1, status = CASE WHEN"
    " hard_bounces + 1 >= ?2 AND status = 'active' THEN 'bounced' ELSE status END"
    " WHERE id = (SELECT subscriber_id FROM outbox WHERE id = ?1)";

static int bounce(struct db *db, int64_t id, long limit, bool *bounced, struct err *e)
{
    int rc = run3(db, sql_bounce, id, limit < 1 ? 1 : limit, NULL, "count hard bounce", e);
    sqlite3_stmt *st;
    if (rc != URS_OK || !bounced)
        return rc;
    if (db_prepare(db,
                   "SELECT s.status = 'bounced' AND s.hard_bounces = ?2 FROM subscribers s"
                   " JOIN outbox o ON o.subscriber_id = s.id WHERE o.id = ?1",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, limit < 1 ? 1 : limit);
    *bounced = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_finalize(st);
    return URS_OK;
}

int db_outbox_fail(struct db *db, int64_t id, int64_t now, const char *error, bool hard_bounce,
                   long bounce_limit, bool *bounced, struct err *e)
{
    char clipped[401];
    bool own;
    clip_error(error, clipped);
    if (bounced)
        *bounced = false;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    int rc = run3(db,
                  "UPDATE outbox SET status = 'failed', last_attempt_at = ?2, last_error = ?3"
                  " WHERE id = ?1 AND status = 'queued'",
                  id, now, clipped, "fail message", e);
    if (rc == URS_OK && hard_bounce && sqlite3_changes(db->sql) > 0)
        rc = bounce(db, id, bounce_limit, bounced, e);
    return db_tx_leave(db, own, rc, e);
}

int db_outbox_retry(struct db *db, int64_t id, int64_t now, size_t *count, struct err *e)
{
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "UPDATE outbox SET status = 'queued', queued_at = ?2, next_attempt_at = ?2"
                   " WHERE status = 'failed' AND (?1 = 0 OR id = ?1) AND subscriber_id IN"
                   " (SELECT id FROM subscribers WHERE status = 'active')",
                   &st, e) != URS_OK)
        return URS_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, "retry messages", e);
    *count = (size_t)sqlite3_changes(db->sql);
    return URS_OK;
}

int db_outbox_purge(struct db *db, int64_t before, size_t *count, struct err *e)
{
    bool own;
    if (db_tx_enter(db, &own, e) != URS_OK)
        return URS_EDB;
    sqlite3_stmt *st;
    int rc = db_prepare(
        db, "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at <= ?1", &st, e);
    if (rc == URS_OK) {
        sqlite3_bind_int64(st, 1, before);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "purge outbox", e);
        *count = (size_t)sqlite3_changes(db->sql);
        sqlite3_finalize(st);
    }
    if (rc == URS_OK && *count > 0 &&
        db_prepare(db,
                   "UPDATE deliveries SET outbox_id = NULL WHERE outbox_id IS NOT NULL AND"
                   " outbox_id NOT IN (SELECT id FROM outbox)",
                   &st, e) == URS_OK) {
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "purge outbox", e);
        sqlite3_finalize(st);
    } else if (rc == URS_OK && *count > 0) {
        rc = URS_EDB;
    }
    /* a build's blocks are stamped with the build's time, as are its messages */
    if (rc == URS_OK &&
        db_prepare(db,
                   "DELETE FROM digest_blocks WHERE created_at <= ?1 AND created_at NOT IN"
                   " (SELECT created_at FROM outbox)",
                   &st, e) == URS_OK) {
        sqlite3_bind_int64(st, 1, before);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "purge digest blocks", e);
        sqlite3_finalize(st);
    } else if (rc == URS_OK) {
        rc = URS_EDB;
    }
    return db_tx_leave(db, own, rc, e);
}

int db_outbox_counts(struct db *db, size_t *queued, size_t *sent, size_t *failed, struct err *e)
{
    sqlite3_stmt *st;
    size_t *slots[] = {queued, sent, failed};
    for (int i = 0; i < 3; i++)
        *slots[i] = 0;
    if (db_prepare(db, "SELECT status, count(*) FROM outbox GROUP BY status", &st, e) != URS_OK)
        return URS_EDB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *slots[outbox_status_parse((const char *)sqlite3_column_text(st, 0))] =
            (size_t)sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? URS_OK : db_fail(db, "count outbox", e);
}
