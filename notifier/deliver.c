/* SPDX-License-Identifier: MIT */
/* The delivery loop: claim queued messages, hand them to a transport, record each outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "config/config.h"
#include "notifier/notifier_int.h"

#define MAILDIR_BATCH 20

struct deliver {
    struct db *db;
    const struct config *cfg;
    const struct notify_opts *o;
    struct notify_stats *st;
    struct err *e;
    double started;               /* monotonic seconds at the start */
    struct notify_smtp_msg *msgs; /* one per row of the current batch */
    int rc;                       /* first failure inside a transport callback */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The caller's clock moved on by the time spent here, so long runs stamp true times. */
static int64_t now_of(const struct deliver *d)
{
    return d->o->now + (int64_t)(mono() - d->started);
}

static bool stopping(const struct deliver *d)
{
    return d->o->stop && *d->o->stop;
}

static void hook(const struct deliver *d, enum notify_point at, int64_t id)
{
    if (d->o->hook)
        d->o->hook(d->o->hook_ctx, at, id);
}

static int64_t backoff(long attempts)
{
    int64_t delay = NOTIFY_BACKOFF_BASE;
    for (long i = 1; i < attempts && delay < NOTIFY_BACKOFF_MAX; i++)
        delay *= 2;
    return delay < NOTIFY_BACKOFF_MAX ? delay : NOTIFY_BACKOFF_MAX;
}

static int mark_sent(struct deliver *d, const struct db_outbox_row *r)
{
    hook(d, NOTIFY_AT_ACCEPTED, r->id);
    int rc = db_outbox_mark_sent(d->db, r->id, now_of(d), d->e);
    if (rc != URS_OK)
        return rc;
    d->st->sent++;
    log_info("deliver: outbox=%lld sent attempts=%ld", (long long)r->id, r->attempts);
    hook(d, NOTIFY_AT_MARKED, r->id);
    return URS_OK;
}

/* 4xx or no answer: back off and retry, or give up once the message is too old. */
static int transient(struct deliver *d, const struct db_outbox_row *r, const char *why)
{
    int64_t now = now_of(d);
    if (now - r->queued_at >= d->cfg->max_age) {
        char text[400];
        (void)snprintf(text, sizeof text, "gave up after %ld attempts over %lld s: %s", r->attempts,
                       (long long)(now - r->queued_at), why);
        log_warn("deliver: outbox=%lld failed: %s", (long long)r->id, text);
        d->st->failed++;
        return db_outbox_fail(d->db, r->id, now, text, false, 0, NULL, d->e);
    }
    int64_t next = now + backoff(r->attempts);
    log_info("deliver: outbox=%lld deferred attempt=%ld retry_in=%llds: %s", (long long)r->id,
             r->attempts, (long long)(next - now), why);
    d->st->deferred++;
    return db_outbox_defer(d->db, r->id, next, why, d->e);
}

static int permanent(struct deliver *d, const struct db_outbox_row *r, const char *why,
                     bool hard_bounce)
{
    bool bounced = false;
    log_warn("deliver: outbox=%lld failed%s: %s", (long long)r->id,
             hard_bounce ? " (hard bounce)" : "", why);
    d->st->failed++;
    int rc = db_outbox_fail(d->db, r->id, now_of(d), why, hard_bounce, d->cfg->bounce_limit,
                            &bounced, d->e);
    if (rc == URS_OK && bounced) {
        d->st->bounced++;
        log_warn("deliver: subscriber=%lld marked bounced after %ld hard bounces",
                 (long long)r->subscriber_id, d->cfg->bounce_limit);
    }
    return rc;
}

/*
 * A message whose subscriber left (or bounced) while it waited is not sent. A notice (the
 * confirmation of a sign-up) goes to pending and unsubscribed subscribers too, because
 * confirming is how they become active.
 */
static bool cancelled(struct deliver *d, const struct db_outbox_row *r, int *rc)
{
    if (r->subscriber_status == DB_SUB_ACTIVE)
        return false;
    if (r->notice && r->subscriber_id != 0 && (r->subscriber_status == DB_SUB_PENDING ||
                                               r->subscriber_status == DB_SUB_UNSUBSCRIBED))
        return false;
    char why[80];
    (void)snprintf(why, sizeof why, "not sent: the subscriber is %s",
                   db_sub_status_name(r->subscriber_status));
    *rc = permanent(d, r, why, false);
    return true;
}

static int via_maildir(struct deliver *d, const struct db_outbox_batch *b)
{
    int rc = URS_OK;
    for (size_t i = 0; i < b->len && rc == URS_OK; i++) {
        const struct db_outbox_row *r = &b->rows[i];
        if (cancelled(d, r, &rc))
            continue;
        hook(d, NOTIFY_AT_CLAIMED, r->id);
        struct err why;
        bool already = false;
        err_clear(&why);
        if (notify_maildir_deliver(d->cfg->maildir, r, &already, &why) != URS_OK) {
            rc = transient(d, r, why.msg);
            for (size_t j = i + 1; j < b->len && rc == URS_OK; j++)
                rc = transient(d, &b->rows[j], "not attempted: the Maildir failed");
            return rc == URS_OK ? err_set(d->e, URS_EIO, "%s", why.msg) : rc;
        }
        if (already)
            log_info("deliver: outbox=%lld was already in the Maildir", (long long)r->id);
        rc = mark_sent(d, r);
    }
    return rc;
}

static void accepted(void *ctx, size_t i)
{
    struct deliver *d = ctx;
    if (d->rc == URS_OK)
        d->rc = mark_sent(d, d->msgs[i].row);
}

static int via_smtp(struct deliver *d, const struct db_outbox_batch *b)
{
    size_t n = 0;
    int rc = URS_OK;
    for (size_t i = 0; i < b->len && rc == URS_OK; i++) {
        if (cancelled(d, &b->rows[i], &rc))
            continue;
        hook(d, NOTIFY_AT_CLAIMED, b->rows[i].id);
        d->msgs[n++].row = &b->rows[i];
    }
    if (rc != URS_OK || n == 0)
        return rc;
    struct err why;
    err_clear(&why);
    d->rc = URS_OK;
    int sent = notify_smtp_send(d->cfg, d->msgs, n, accepted, d, &why);
    if (d->rc != URS_OK)
        return d->rc;
    for (size_t i = 0; i < n && rc == URS_OK; i++) {
        const struct notify_smtp_msg *m = &d->msgs[i];
        if (m->result == NOTIFY_SMTP_PERMFAIL)
            rc = permanent(d, m->row, m->text, m->hard_bounce);
        else if (m->result != NOTIFY_SMTP_ACCEPTED)
            rc = transient(d, m->row, m->text);
    }
    if (rc == URS_OK && sent != URS_OK) {
        log_warn("deliver: %s", why.msg);
        rc = err_set(d->e, sent, "%s", why.msg);
    }
    return rc;
}

/* Sleep until the monotonic time `until`, waking early when asked to stop. */
static void pace(const struct deliver *d, double until)
{
    for (double left; !stopping(d) && (left = until - mono()) > 0;) {
        double step = left < 0.1 ? left : 0.1;
        struct timespec ts = {0, (long)(step * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static int check_transport(const struct config *cfg, struct err *e)
{
    struct err why;
    err_clear(&why);
    if (notify_email_check(cfg->from, &why) != URS_OK)
        return err_set(e, URS_EINVAL, "[delivery] from cannot be used: %s", why.msg);
    if (cfg->rate_per_minute < 1)
        return err_set(e, URS_EINVAL, "[delivery] rate_per_minute must be at least 1");
    if (cfg->smtp_host && *cfg->smtp_host)
        return URS_OK;
    if (!cfg->maildir || !*cfg->maildir)
        return err_set(e, URS_EINVAL, "no [smtp] host and no [delivery] maildir");
    return URS_OK;
}

static int loop(struct deliver *d, bool smtp, size_t batch)
{
    double next_start = 0;
    int rc = URS_OK;
    while (rc == URS_OK && !stopping(d)) {
        if (smtp)
            pace(d, next_start);
        if (stopping(d))
            break;
        double t0 = mono();
        struct db_outbox_batch b;
        rc = db_outbox_claim(d->db, now_of(d), NOTIFY_CLAIM_LEASE, batch, d->o->notices_only, &b,
                             d->e);
        if (rc != URS_OK || b.len == 0) {
            db_outbox_batch_free(&b);
            break;
        }
        rc = smtp ? via_smtp(d, &b) : via_maildir(d, &b);
        next_start = t0 + (double)b.len * 60.0 / (double)d->cfg->rate_per_minute;
        db_outbox_batch_free(&b);
    }
    return rc;
}

int notify_deliver(struct db *db, const struct config *cfg, const struct notify_opts *o,
                   struct notify_stats *st, struct err *e)
{
    if (check_transport(cfg, e) != URS_OK)
        return URS_EINVAL;
    bool smtp = cfg->smtp_host && *cfg->smtp_host;
    size_t batch = MAILDIR_BATCH;
    if (smtp) {
        long per_ten_seconds = cfg->rate_per_minute / 6;
        batch = per_ten_seconds < 1                   ? 1
                : per_ten_seconds > NOTIFY_SMTP_BATCH ? NOTIFY_SMTP_BATCH
                                                      : (size_t)per_ten_seconds;
    } else {
        notify_maildir_clean(cfg->maildir, o->now);
    }
    struct deliver d = {.db = db, .cfg = cfg, .o = o, .st = st, .e = e, .started = mono()};
    if (!(d.msgs = calloc(batch, sizeof *d.msgs)))
        return err_set(e, URS_ENOMEM, "deliver: out of memory");
    int rc = loop(&d, smtp, batch);
    free(d.msgs);
    return rc;
}
