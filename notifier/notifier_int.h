/* SPDX-License-Identifier: MIT */
/* notifier/ private: MIME helpers, field formatting, transports. Never included elsewhere. */
#ifndef URSCOUT_NOTIFIER_NOTIFIER_INT_H
#define URSCOUT_NOTIFIER_NOTIFIER_INT_H

#include "db/db.h"
#include "notifier/notifier.h"

struct config;

/* A day of overlap when choosing "new since the last digest" (late commits are not lost). */
#define NOTIFY_SINCE_OVERLAP 86400
/* How long a claimed outbox row is left alone before another run may retry it. */
#define NOTIFY_CLAIM_LEASE (15 * 60)
/* Backoff after the n-th failed attempt: 60 s doubled each time, at most an hour. */
#define NOTIFY_BACKOFF_BASE 60
#define NOTIFY_BACKOFF_MAX  3600
/* Messages per SMTP connection, at most. */
#define NOTIFY_SMTP_BATCH 20

/* ---- mime.c ---- */

/* "Tue, 05 May 2026 07:00:00 +0000" for Unix seconds t (UTC), into buf (>= 40 bytes). */
void notify_date_rfc5322(int64_t t, char *buf, size_t size);

/* base64url without padding of len bytes into out (at least 4 * len / 3 + 2 bytes). */
void notify_b64url(const unsigned char *in, size_t len, char *out);

/* The domain part of an address (after the last '@'), or "localhost". */
const char *notify_addr_domain(const char *addr);

/* Fill buf with n random bytes (OpenSSL RAND_bytes). URS_OK or URS_EIO. */
int notify_random(unsigned char *buf, size_t n, struct err *e);
/* 16 random bytes as 32 lowercase hex digits and a NUL (Message-IDs, boundaries). */
int notify_random_hex(char out[33], struct err *e);

/* ---- fields.c: how posting fields read in a digest ---- */

int notify_fmt_salary(struct sbuf *out, const struct salary *s);
int notify_fmt_states(struct sbuf *out, uint64_t states);
int notify_fmt_schedule(struct sbuf *out, uint32_t schedule);
const char *notify_mode_label(enum work_mode m);
int notify_fmt_age(struct sbuf *out, int64_t now, int64_t posted_at, int64_t first_seen);
int notify_fmt_date(struct sbuf *out, int64_t t);
/* "PT or OT · remote · licence TX, compact · at least $70,000 a year · ..." */
int notify_fmt_filters(struct sbuf *out, const struct db_subscriber *s);

/* ---- maildir.c ---- */

/*
 * Deliver one message into the Maildir dir (made when missing): written to tmp/, fsync'd,
 * linked into new/ under a name fixed by the outbox row (so a resend after a crash finds it
 * and adds no copy; *already says so), the folder fsync'd. URS_OK or URS_EIO.
 */
int notify_maildir_deliver(const char *dir, const struct db_outbox_row *r, bool *already,
                           struct err *e);

/* Remove files older than 36 hours from dir/tmp (the Maildir rule). */
void notify_maildir_clean(const char *dir, int64_t now);

/* ---- smtp.c ---- */

enum notify_smtp_result {
    NOTIFY_SMTP_PENDING = 0, /* not attempted or no answer: retry */
    NOTIFY_SMTP_ACCEPTED,    /* 2xx after the data, recipient accepted */
    NOTIFY_SMTP_TEMPFAIL,    /* 4xx, or the connection dropped */
    NOTIFY_SMTP_PERMFAIL,    /* 5xx for this message */
};

struct notify_smtp_msg {
    const struct db_outbox_row *row;
    enum notify_smtp_result result;
    bool hard_bounce; /* the recipient address was refused for good */
    char text[256];   /* the server's answer ("550 5.1.1 no such user") or the failure */
    void *smtp;       /* private: libesmtp's message */
};

/* Called from inside the session as soon as message i is accepted. */
typedef void (*notify_smtp_accepted_fn)(void *ctx, size_t i);

/*
 * Send msgs over one SMTP connection (STARTTLS and AUTH per cfg). Each message ends with a
 * result; accepted() runs for each accepted one as its 2xx arrives. A failure of the whole
 * session (cannot connect, TLS or AUTH refused) gives URS_ESMTP/URS_ENET with the reason in
 * e; the messages not accepted then stay PENDING with that reason in text.
 */
int notify_smtp_send(const struct config *cfg, struct notify_smtp_msg *msgs, size_t n,
                     notify_smtp_accepted_fn accepted, void *ctx, struct err *e);

#endif
