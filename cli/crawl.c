/* SPDX-License-Identifier: MIT */
/* The crawl pipeline: crawler -> classifier -> db, source health, progress and per-source lines. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier/classifier.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "common/log.h"
#include "common/text.h"
#include "config/config.h"
#include "crawler/crawler.h"
#include "db/db.h"

#define BATCH 500

/* What one source did in this run (for its line, its health row and the table). */
struct src_state {
    const struct config_source *src;
    size_t new_count, updated, unchanged, closed, touched;
    bool store_failed;
    size_t in_batch;                 /* postings upserted in the open transaction, not committed */
    size_t b_new, b_updated, b_same; /* their outcomes, taken back if the batch is lost */
    char status[16];
    char error[300];
    size_t pages, postings;
};

struct crawl_ctx {
    struct app *app;
    struct classifier *cls;
    struct src_state *ss;
    size_t n, last, done;
    bool in_tx;
    size_t batch;
    bool tty;   /* progress line and table instead of per-source lines */
    bool lines; /* one line per source on stdout */
    struct cli_crawl_totals *t;
    struct crawl_progress p;
    bool progress_shown;
};

static struct src_state *state_of(struct crawl_ctx *cc, const char *source)
{
    if (cc->last < cc->n && strcmp(cc->ss[cc->last].src->name, source) == 0)
        return &cc->ss[cc->last];
    for (size_t i = 0; i < cc->n; i++) {
        if (strcmp(cc->ss[i].src->name, source) == 0) {
            cc->last = i;
            return &cc->ss[i];
        }
    }
    return NULL;
}

/* The open batch is committed: its postings now count for good. */
static void batch_kept(struct crawl_ctx *cc)
{
    for (size_t i = 0; i < cc->n; i++) {
        struct src_state *s = &cc->ss[i];
        s->in_batch = s->b_new = s->b_updated = s->b_same = 0;
    }
}

/*
 * The open batch was rolled back. It holds the upserts of every source crawled at the same
 * time, not only of the one that failed: each source with postings in it loses their sightings,
 * so it must fail ("store") and close nothing, and its counts are taken back.
 */
static void batch_lost(struct crawl_ctx *cc, const char *why)
{
    for (size_t i = 0; i < cc->n; i++) {
        struct src_state *s = &cc->ss[i];
        if (s->in_batch == 0)
            continue;
        if (!s->store_failed) {
            s->store_failed = true;
            snprintf(s->error, sizeof s->error, "postings not stored (batch rolled back): %s",
                     why[0] ? why : "database error");
        }
        s->new_count -= s->b_new;
        s->updated -= s->b_updated;
        s->unchanged -= s->b_same;
        cc->t->new_count -= s->b_new;
        cc->t->updated -= s->b_updated;
        cc->t->postings -= s->in_batch;
    }
    batch_kept(cc);
}

static int commit_batch(struct crawl_ctx *cc, struct err *e)
{
    cc->batch = 0;
    if (!cc->in_tx)
        return URS_OK;
    cc->in_tx = false;
    int rc = db_commit(cc->app->db, e); /* rolls back when it fails */
    if (rc == URS_OK)
        batch_kept(cc);
    else
        batch_lost(cc, e->msg);
    return rc;
}

/* Each posting, first: classify (on the parsing threads, several at once). */
static int on_prepare(void *ctx, const char *source, struct posting *p)
{
    const struct crawl_ctx *cc = ctx;
    struct err e;
    err_clear(&e);
    if (classify_posting(cc->cls, p, &e) != URS_OK) {
        log_error("source=%s: classify: %s", source, e.msg[0] ? e.msg : "out of memory");
        return -1;
    }
    return 0;
}

/* Then: upsert inside a batch transaction. Called one at a time (the engine's hook lock). */
static int on_posting(void *ctx, const char *source, struct posting *p)
{
    struct crawl_ctx *cc = ctx;
    struct src_state *ss = state_of(cc, source);
    struct err e;
    err_clear(&e);
    enum db_upsert r;
    int64_t now = (int64_t)time(NULL);
    if (!cc->in_tx && db_begin(cc->app->db, &e) != URS_OK) {
        log_error("source=%s: %s", source, e.msg[0] ? e.msg : "out of memory");
        return -1;
    }
    cc->in_tx = true;
    if (db_posting_upsert(cc->app->db, p, now, &r, &e) != URS_OK) {
        log_error("source=%s id=%s: store: %s", source, p->external_id ? p->external_id : "?",
                  e.msg);
        if (ss && !ss->store_failed) {
            ss->store_failed = true;
            snprintf(ss->error, sizeof ss->error, "%s", e.msg);
        }
        if (e.code == URS_EINVAL)
            return 0; /* one bad posting: skip it, keep the rest */
        db_rollback(cc->app->db);
        cc->in_tx = false;
        cc->batch = 0;
        batch_lost(cc, e.msg);
        return -1;
    }
    if (ss) {
        ss->new_count += r == DB_UPSERT_NEW;
        ss->updated += r == DB_UPSERT_UPDATED;
        ss->unchanged += r == DB_UPSERT_UNCHANGED;
        ss->b_new += r == DB_UPSERT_NEW;
        ss->b_updated += r == DB_UPSERT_UPDATED;
        ss->b_same += r == DB_UPSERT_UNCHANGED;
        ss->in_batch++;
    }
    cc->t->new_count += r == DB_UPSERT_NEW;
    cc->t->updated += r == DB_UPSERT_UPDATED;
    cc->t->postings++;
    if (++cc->batch >= BATCH && commit_batch(cc, &e) != URS_OK) {
        log_error("source=%s: %s", source, e.msg);
        return -1;
    }
    return 0;
}

static bool validators_get(void *ctx, const char *url, char **etag, char **lm)
{
    struct crawl_ctx *cc = ctx;
    struct err e;
    err_clear(&e);
    int rc = db_validators_get(cc->app->db, url, etag, lm, &e);
    if (rc != URS_OK && rc != URS_ENOTFOUND)
        log_warn("crawl: %s", e.msg);
    return rc == URS_OK;
}

static void validators_put(void *ctx, const char *url, const char *etag, const char *lm)
{
    struct crawl_ctx *cc = ctx;
    struct err e;
    err_clear(&e);
    if (db_validators_put(cc->app->db, url, etag, lm, (int64_t)time(NULL), &e) != URS_OK)
        log_warn("crawl: %s", e.msg);
}

static bool robots_get(void *ctx, const char *origin, long *status, char **body, size_t *len,
                       int64_t *at)
{
    struct crawl_ctx *cc = ctx;
    struct err e;
    err_clear(&e);
    int rc = db_robots_get(cc->app->db, origin, status, body, len, at, &e);
    if (rc != URS_OK && rc != URS_ENOTFOUND)
        log_warn("crawl: %s", e.msg);
    return rc == URS_OK;
}

static void robots_put(void *ctx, const char *origin, long status, const char *body, size_t len,
                       int64_t at)
{
    struct crawl_ctx *cc = ctx;
    struct err e;
    err_clear(&e);
    if (db_robots_put(cc->app->db, origin, status, body, len, at, &e) != URS_OK)
        log_warn("crawl: %s", e.msg);
}

static void progress_clear(struct crawl_ctx *cc)
{
    if (cc->tty && cc->progress_shown) {
        fputs("\r\033[K", stderr);
        cc->progress_shown = false;
    }
}

static void progress_draw(struct crawl_ctx *cc)
{
    if (!cc->tty)
        return;
    fprintf(stderr,
            "\r\033[Kcrawl: sources %zu/%zu  pages %zu  postings %zu (new %zu, updated %zu, "
            "closed %zu)  errors %zu",
            cc->done, cc->n, cc->p.pages, cc->t->postings, cc->t->new_count, cc->t->updated,
            cc->t->closed, cc->p.errors);
    fflush(stderr);
    cc->progress_shown = true;
}

static void on_progress(void *ctx, const struct crawl_progress *p)
{
    struct crawl_ctx *cc = ctx;
    cc->p = *p;
    progress_draw(cc);
}

/* Store the outcome: touch, close or flag; fills ss->status and ss->error. True when ok. */
static bool settle(struct crawl_ctx *cc, struct src_state *ss, const struct crawl_report *r,
                   const struct db_source_health *prev, const char **step)
{
    struct err e;
    err_clear(&e);
    int64_t now = (int64_t)time(NULL);
    size_t closed = 0;
    *step = r->step ? r->step : "fetch";
    if (ss->store_failed) {
        *step = "store";
        snprintf(ss->status, sizeof ss->status, "fail");
        return false;
    }
    if (!r->complete) {
        snprintf(ss->status, sizeof ss->status, "fail");
        snprintf(ss->error, sizeof ss->error, "%s", r->error ? r->error : "listing incomplete");
        return false;
    }
    if (!r->not_modified && r->postings == 0 && prev->last_nonzero > 0) {
        *step = "check";
        snprintf(ss->status, sizeof ss->status, "flagged");
        snprintf(ss->error, sizeof ss->error,
                 "0 postings after %lld last time: the site may have changed; nothing closed",
                 (long long)prev->last_nonzero);
        return false;
    }
    int rc =
        r->not_modified
            ? db_postings_touch_source(cc->app->db, r->source, now, &ss->touched, &e)
            : db_postings_close_missing(cc->app->db, r->source, now, &closed, &e);
    if (rc != URS_OK) {
        *step = "store";
        snprintf(ss->status, sizeof ss->status, "fail");
        snprintf(ss->error, sizeof ss->error, "%s", e.msg);
        return false;
    }
    ss->closed = closed;
    cc->t->closed += closed;
    snprintf(ss->status, sizeof ss->status, "%s", r->not_modified ? "unchanged" : "ok");
    return true;
}

static void update_health(struct crawl_ctx *cc, const struct src_state *ss,
                          const struct crawl_report *r, const struct db_source_health *prev,
                          bool ok, const char *step)
{
    struct db_source_health h = *prev;
    snprintf(h.source, sizeof h.source, "%s", r->source);
    h.last_crawl = r->started_at;
    h.last_finished = r->finished_at;
    snprintf(h.status, sizeof h.status, "%s", ss->status);
    snprintf(h.step, sizeof h.step, "%s", ok ? "" : step);
    snprintf(h.error, sizeof h.error, "%s", ok ? "" : ss->error);
    if (ok)
        h.last_ok = r->finished_at;
    h.consecutive_failures = ok ? 0 : prev->consecutive_failures + 1;
    h.pages = (int64_t)r->pages;
    h.postings = r->not_modified ? (int64_t)ss->touched : (int64_t)r->postings;
    h.new_count = (int64_t)ss->new_count;
    h.updated = (int64_t)ss->updated;
    h.closed = (int64_t)ss->closed;
    h.errors = (int64_t)r->errors;
    if (r->postings > 0 && !ss->store_failed)
        h.last_nonzero = (int64_t)r->postings;
    h.rate_limited_until = r->rate_limited_until;
    struct err e;
    err_clear(&e);
    if (db_source_health_put(cc->app->db, &h, &e) != URS_OK)
        log_warn("source=%s: %s", r->source, e.msg);
}

/* The sfeed-style line, or (without lines) a log line only when the health changes. */
static void report_line(struct crawl_ctx *cc, const struct src_state *ss,
                        const struct crawl_report *r, const struct db_source_health *prev, bool ok,
                        const char *step)
{
    char since[32] = "";
    if (prev->consecutive_failures > 0 && prev->last_ok)
        text_format_time(prev->last_ok, since, sizeof since);
    if (cc->tty)
        return;
    if (!cc->lines) {
        if (!ok && prev->consecutive_failures == 0)
            log_warn("source=%s FAIL (%s): %s", r->source, step, ss->error);
        else if (ok && prev->consecutive_failures > 0)
            log_warn("source=%s recovered after %lld failed crawls", r->source,
                     (long long)prev->consecutive_failures);
        return;
    }
    if (ok && r->not_modified)
        printf("source=%s OK unchanged (not modified) postings kept open=%zu pages=%zu\n",
               r->source, ss->touched, r->pages);
    else if (ok)
        printf("source=%s OK postings=%zu new=%zu updated=%zu closed=%zu pages=%zu%s%s\n",
               r->source, r->postings, ss->new_count, ss->updated, ss->closed, r->pages,
               r->errors ? " (some pages gone: see -v)" : "",
               prev->consecutive_failures > 0 ? " (recovered)" : "");
    else if (prev->consecutive_failures > 0)
        printf("source=%s FAIL (%s): %s (failing for %lld crawls%s%s)\n", r->source, step,
               ss->error, (long long)prev->consecutive_failures + 1, since[0] ? ", last ok " : "",
               since);
    else
        printf("source=%s FAIL (%s): %s\n", r->source, step, ss->error);
    fflush(stdout);
}

static void on_source_done(void *ctx, const struct crawl_report *r)
{
    struct crawl_ctx *cc = ctx;
    struct src_state *ss = state_of(cc, r->source);
    struct err e;
    err_clear(&e);
    if (!ss)
        return;
    if (commit_batch(cc, &e) != URS_OK && !ss->store_failed) {
        ss->store_failed = true;
        snprintf(ss->error, sizeof ss->error, "%s", e.msg);
    }
    struct db_source_health prev;
    if (db_source_health_get(cc->app->db, r->source, &prev, &e) != URS_OK)
        memset(&prev, 0, sizeof prev);
    const char *step;
    bool ok = settle(cc, ss, r, &prev, &step);
    ss->pages = r->pages;
    ss->postings = r->postings;
    update_health(cc, ss, r, &prev, ok, step);
    cc->done++;
    cc->t->ok += ok;
    cc->t->failed += !ok;
    cc->t->pages += r->pages;
    cc->t->errors += r->errors;
    progress_clear(cc);
    report_line(cc, ss, r, &prev, ok, step);
    progress_draw(cc);
}

static void print_table(const struct crawl_ctx *cc)
{
    printf("%-24s %-9s %6s %8s %6s %7s %6s  %s\n", "SOURCE", "STATUS", "PAGES", "POSTINGS", "NEW",
           "UPDATED", "CLOSED", "ERROR");
    for (size_t i = 0; i < cc->n; i++) {
        const struct src_state *s = &cc->ss[i];
        printf("%-24.24s %-9s %6zu %8zu %6zu %7zu %6zu  ", s->src->name, s->status, s->pages,
               s->postings, s->new_count, s->updated, s->closed);
        cli_put_safe(stdout, s->error);
        fputc('\n', stdout);
    }
    printf("%zu source%s: %zu ok, %zu failed; %zu posting%s (%zu new, %zu updated), %zu closed\n",
           cc->n, cli_s(cc->n), cc->t->ok, cc->t->failed, cc->t->postings, cli_s(cc->t->postings),
           cc->t->new_count, cc->t->updated,
           cc->t->closed);
}

static void finish(struct crawl_ctx *cc)
{
    struct err e;
    err_clear(&e);
    size_t expired = 0;
    if (commit_batch(cc, &e) != URS_OK)
        cli_error_e("crawl: store", &e);
    err_clear(&e);
    if (db_postings_close_expired(cc->app->db, (int64_t)time(NULL), &expired, &e) != URS_OK)
        log_warn("crawl: close expired postings: %s", e.msg);
    cc->t->closed += expired;
    progress_clear(cc);
    if (cc->tty)
        print_table(cc);
}

int cli_crawl(struct app *app, const struct config_source *const *sources, size_t n,
              enum cli_crawl_output output, volatile sig_atomic_t *stop,
              struct cli_crawl_totals *totals)
{
    struct cli_crawl_totals local;
    struct crawl_ctx cc = {.app = app, .n = n, .t = totals ? totals : &local};
    memset(cc.t, 0, sizeof *cc.t);
    cc.t->sources = n;
    cc.tty = output == CLI_CRAWL_TTY;
    cc.lines = output == CLI_CRAWL_LINES;
    struct err e;
    err_clear(&e);
    if (cli_app_config(app) != CLI_OK || cli_app_db(app, true) != CLI_OK)
        return CLI_FAIL;
    if (classify_open(NULL, &cc.cls, &e) != URS_OK) {
        cli_error_e("crawl: classifier", &e);
        return CLI_FAIL;
    }
    cc.ss = calloc(n ? n : 1, sizeof *cc.ss);
    if (!cc.ss) {
        classify_close(cc.cls);
        cli_error("crawl: out of memory");
        return CLI_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        cc.ss[i].src = sources[i];
        snprintf(cc.ss[i].status, sizeof cc.ss[i].status, "fail");
    }
    /* a new crawl of each source: what it lists from now on counts as seen in this crawl */
    for (size_t i = 0; i < n; i++) {
        if (db_source_crawl_begin(app->db, sources[i]->name, (int64_t)time(NULL), &e) != URS_OK) {
            classify_close(cc.cls);
            free(cc.ss);
            cli_error_e("crawl", &e);
            return CLI_FAIL;
        }
    }
    struct crawl_options o;
    crawl_options_from_config(&o, app->cfg);
    const struct crawl_hooks hooks = {
        .ctx = &cc,
        .prepare = on_prepare,
        .posting = on_posting,
        .validators_get = validators_get,
        .validators_put = validators_put,
        .robots_get = robots_get,
        .robots_put = robots_put,
        .source_done = on_source_done,
        .progress = on_progress,
    };
    int rc = crawl_run(&o, sources, n, &hooks, stop, &e);
    if (rc != URS_OK)
        cli_error_e("crawl", &e);
    finish(&cc);
    classify_close(cc.cls);
    free(cc.ss);
    return rc == URS_OK && cc.t->failed == 0 ? CLI_OK : CLI_FAIL;
}
