/* SPDX-License-Identifier: MIT */
/* The notifier: match postings to subscribers, render digests, deliver them exactly once. */
#ifndef URSCOUT_NOTIFIER_NOTIFIER_H
#define URSCOUT_NOTIFIER_NOTIFIER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/posting.h"
#include "common/sbuf.h"

struct config;
struct db;
struct db_subscriber;

/* ---- limits ---- */

#define NOTIFY_MAX_ITEMS     100 /* most postings shown in one digest ([delivery] max_items) */
#define NOTIFY_DEFAULT_ITEMS 25  /* [delivery] max_items when a config leaves it 0 */
#define NOTIFY_MIN_KEY     16  /* bytes of HMAC key required */
#define NOTIFY_SUBJECT_MAX 200 /* bytes of a subject before encoding */
#define NOTIFY_MAX_MESSAGE (2 * 1024 * 1024) /* bytes of one rendered message */
#define NOTIFY_TOKEN_MAX   64                /* bytes of a token, NUL included */

/* ---- building and delivering digests ---- */

/* Named points in building and delivery, for fault-injection tests (kill -9 at a point). */
enum notify_point {
    NOTIFY_AT_RENDERED = 0, /* build: a digest is rendered; nothing recorded yet */
    NOTIFY_AT_RECORDED,     /* build: the digest and its deliveries are committed */
    NOTIFY_AT_CLAIMED,      /* deliver: a message is claimed, not yet handed to a transport */
    NOTIFY_AT_ACCEPTED,     /* deliver: the server said 2xx (or the Maildir file is in new/),
                               the row is not yet marked sent */
    NOTIFY_AT_MARKED,       /* deliver: the row is marked sent */
};
/* id is the subscriber id (build points) or the outbox id (deliver points). */
typedef void (*notify_hook_fn)(void *ctx, enum notify_point at, int64_t id);

struct notify_opts {
    int64_t now; /* Unix seconds: the clock for schedules, Date and backoff */
    volatile sig_atomic_t
        *stop;           /* set by a signal handler; checked between messages; may be NULL */
    bool all;            /* build: every active subscriber, due or not */
    bool dry_run;        /* build: render and count, record nothing */
    bool notices_only;   /* deliver: only notices (sign-up confirmations), no digests */
    notify_hook_fn hook; /* may be NULL */
    void *hook_ctx;
};

struct notify_stats {
    size_t subscribers; /* build: subscribers considered */
    size_t digests;     /* build: digests rendered (and recorded unless dry run) */
    size_t empty;       /* build: subscribers with nothing new (no message) */
    size_t postings;    /* build: postings put into digests */
    size_t summarised;  /* build: postings past the cap, in "N more" (delivered as well) */
    size_t sent;        /* deliver: accepted by the server / written to the Maildir */
    size_t deferred;    /* deliver: transient failure, queued with backoff */
    size_t failed;      /* deliver: permanent failure or too old */
    size_t bounced;     /* deliver: subscribers that reached the bounce limit */
};

/* Postings shown in one digest: [delivery] max_items, NOTIFY_DEFAULT_ITEMS when it is 0. */
size_t notify_max_items(const struct config *cfg);

/*
 * Check what rendering and sending need from cfg: a From address, an HMAC key of at least
 * NOTIFY_MIN_KEY bytes, an https base_url, a postal address, and for [smtp] a sane port,
 * and AUTH only with starttls = required. URS_OK or URS_EINVAL with the fix named in e.
 */
URS_NODISCARD int notify_check_config(const struct config *cfg, struct err *e);

/*
 * For each due subscriber (or every active one with o->all): the open postings first seen
 * since their last digest (with a day of overlap), matching their filters, never sent to
 * them before, one per fingerprint, coach picks first for cohort members; rendered into one
 * message and recorded with its deliveries in one transaction per subscriber. Nothing new:
 * no message, the schedule advances. Counts go to st (added to). Returns URS_OK, URS_EINVAL
 * (config), URS_EDB, URS_ENOMEM.
 */
URS_NODISCARD int notify_build_due(struct db *db, const struct config *cfg,
                                   const struct notify_opts *o, struct notify_stats *st,
                                   struct err *e);

/*
 * The coach desk's "send": build now, as notify_build_due with o->all would, the digest of
 * every active member of cohort (due or not), each recorded like a scheduled one (so the
 * next scheduled digest does not repeat it). Deliver them with notify_deliver. Returns
 * URS_OK, URS_ENOTFOUND (no such cohort), URS_EINVAL (config), URS_EDB, URS_ENOMEM.
 */
URS_NODISCARD int notify_build_cohort(struct db *db, const struct config *cfg,
                                      const struct notify_opts *o, const char *cohort,
                                      struct notify_stats *st, struct err *e);

/*
 * Deliver queued messages due at o->now: over SMTP (libesmtp) when cfg->smtp_host is set,
 * else into the Maildir cfg->maildir. A row is marked sent only after the server accepted
 * it; 4xx and connection failures are retried with exponential backoff until
 * cfg->max_age, 5xx fails the row (RCPT 5xx counts as a hard bounce). o->stop is checked
 * between batches. Returns URS_OK, or URS_ESMTP / URS_ENET / URS_EIO when the transport
 * failed as a whole (the rows stay queued with backoff), URS_EDB, URS_ENOMEM.
 */
URS_NODISCARD int notify_deliver(struct db *db, const struct config *cfg,
                                 const struct notify_opts *o, struct notify_stats *st,
                                 struct err *e);

/*
 * Queue a notice to subscriber sub (of any status but bounced): a plain-text mail with
 * subject and body (UTF-8, LF line ends; its lines are wrapped by the caller), From the
 * [delivery] address, delivered like digests (outbox, retries). *outbox_id names the row.
 * URS_OK, URS_EINVAL (config, address), URS_ELIMIT, URS_EIO, URS_EDB, URS_ENOMEM.
 */
URS_NODISCARD int notify_notice(struct db *db, const struct config *cfg,
                                const struct db_subscriber *sub, const char *subject,
                                const char *body, int64_t now, int64_t *outbox_id,
                                struct err *e);

/* ---- rendering ---- */

/* One posting in a digest. */
struct notify_item {
    const struct posting *p;
    const char *note; /* the coach's note, may be NULL */
    bool pick;        /* pinned by the subscriber's coach */
    /* Optional: p's blocks already rendered by notify_render_block for the same now, or
       references to them stored (db_block_ref), put into the message as they are (used for
       items without note or pick when the message's parts are not kept). */
    const struct sbuf *text_qp;
    const struct sbuf *html_qp;
};

struct notify_digest {
    const struct db_subscriber *sub;
    const struct notify_item *items; /* picks first, then grouped by work mode */
    size_t items_len;
    size_t more;       /* further matches summarised past [delivery] max_items */
    const char *coach; /* name shown over the picks, may be NULL */
    int64_t since;     /* "new since" date shown in the intro */
    int64_t now;
};

/* A rendered digest. Every buffer is owned (notify_message_free). */
struct notify_message {
    struct sbuf message;                  /* the complete RFC 5322 message, CRLF line ends */
    struct sbuf text;                     /* the plain-text part, UTF-8, before encoding */
    struct sbuf html;                     /* the HTML part, UTF-8, before encoding */
    char subject[NOTIFY_SUBJECT_MAX + 8]; /* the subject, cleaned UTF-8 */
    char message_id[160];                 /* with its angle brackets */
    bool no_parts;                        /* set by the caller: leave text and html empty (and
                                             use the items' cached blocks) */
    struct sbuf enc_text, enc_html;       /* private: the encoded parts */
    struct sbuf chunk_text, chunk_html;   /* private: rendered, not yet encoded */
};

void notify_message_init(struct notify_message *m);
void notify_message_free(struct notify_message *m);

/*
 * Render d into out (initialised by the caller): multipart/alternative with a text and an
 * HTML part, both UTF-8 quoted-printable; From/To/Date/Message-ID/List-Unsubscribe headers.
 * Untrusted text is cleaned for headers and escaped for HTML; links other than http(s) are
 * left out (and logged). Returns URS_OK, URS_EINVAL (config), URS_ELIMIT, URS_ENOMEM.
 */
URS_NODISCARD int notify_render(const struct notify_digest *d, const struct config *cfg,
                                struct notify_message *out, struct err *e);

/*
 * Render one posting's block of the text and of the HTML part (quoted-printable, as
 * notify_render would), for reuse in every digest built at now. The sbufs are reset first.
 * URS_OK or the sbuf error.
 */
URS_NODISCARD int notify_render_block(const struct posting *p, int64_t now, struct sbuf *text_qp,
                                      struct sbuf *html_qp);

/*
 * Render the digest email would get now, without recording anything (digests of any
 * status, due or not). *postings counts the items. URS_OK, URS_ENOTFOUND, URS_EINVAL.
 */
URS_NODISCARD int notify_preview(struct db *db, const struct config *cfg, const char *email,
                                 int64_t now, struct notify_message *out, size_t *postings,
                                 struct err *e);

/* ---- schedules and validation ---- */

/*
 * The first send slot strictly after `after` for subscriber s: daily at send_hour, weekly on
 * Mondays, monthly on the 1st, in s->time_zone. URS_OK or URS_EINVAL (unknown zone).
 */
URS_NODISCARD int notify_next_due(const struct db_subscriber *s, int64_t after, int64_t *out,
                                  struct err *e);

/* A subscriber's filters in words ("RN · Remote or Hybrid · licence TX · ..."), appended. */
URS_NODISCARD int notify_filters_text(struct sbuf *out, const struct db_subscriber *s);

/* True for "UTC" and names of files under /usr/share/zoneinfo ("America/Chicago"). */
bool notify_tz_valid(const char *tz);

/*
 * Check an address for a subscriber or sender: dot-atom local part of at most 64 bytes, a
 * domain of two or more labels, at most 254 bytes in all, ASCII only. URS_OK or URS_EINVAL.
 */
URS_NODISCARD int notify_email_check(const char *addr, struct err *e);

/* ---- unsubscribe tokens ---- */

enum notify_purpose {
    NOTIFY_TOKEN_UNSUBSCRIBE = 'u',
    NOTIFY_TOKEN_PREFERENCES = 'p',
    NOTIFY_TOKEN_CONFIRM = 'c', /* sign-up confirmation: timed (notify_token_make_timed) */
};

#define NOTIFY_CONFIRM_TTL (48 * 3600) /* seconds a sign-up confirmation link stays valid */

/*
 * A token "<purpose><id>.<mac>": mac is HMAC-SHA256(key, purpose and id) cut to 128 bits,
 * base64url. URS_OK or URS_EINVAL (key shorter than NOTIFY_MIN_KEY, bad id).
 */
URS_NODISCARD int notify_token_make(const char *key, size_t key_len, enum notify_purpose purpose,
                                    int64_t id, char out[NOTIFY_TOKEN_MAX], struct err *e);

/*
 * Verify a token for purpose and give its subscriber id. The MAC is compared with
 * CRYPTO_memcmp. URS_OK or URS_EINVAL (malformed, other purpose, forged).
 */
URS_NODISCARD int notify_token_verify(const char *key, size_t key_len, const char *token,
                                      enum notify_purpose purpose, int64_t *id, struct err *e);

/*
 * A token that carries when it was issued: "<purpose><id>.<issued>.<mac>", the MAC over
 * purpose, id and issued (Unix seconds). Only NOTIFY_TOKEN_CONFIRM is timed.
 * URS_OK or URS_EINVAL (short key, bad purpose, id or time).
 */
URS_NODISCARD int notify_token_make_timed(const char *key, size_t key_len,
                                          enum notify_purpose purpose, int64_t id, int64_t issued,
                                          char out[NOTIFY_TOKEN_MAX], struct err *e);

/*
 * Verify a timed token at now: its MAC, and that it was issued at most ttl seconds ago and
 * not more than 60 s in the future. URS_OK (with *id and *issued), URS_EINVAL (malformed,
 * other purpose, forged) or URS_ENOTFOUND (genuine but expired: the page says so).
 */
URS_NODISCARD int notify_token_verify_timed(const char *key, size_t key_len, const char *token,
                                            enum notify_purpose purpose, int64_t now, int64_t ttl,
                                            int64_t *id, int64_t *issued, struct err *e);

/* ---- MIME building blocks ---- */

/*
 * Append text (UTF-8, LF line ends) quoted-printable encoded (RFC 2045): CRLF line ends,
 * lines of at most 76 bytes, '=' and non-ASCII encoded, a '.' or "From " at a line start
 * encoded so no transport can alter it. URS_OK or the sbuf error.
 */
URS_NODISCARD int notify_qp_encode(struct sbuf *out, const char *text, size_t len);

/*
 * Append the quoted-printable text in[0..len) decoded (soft line breaks removed, CRLF kept
 * as LF). A malformed escape is kept as it stands. URS_OK or the sbuf error.
 */
URS_NODISCARD int notify_qp_decode(struct sbuf *out, const char *in, size_t len);

/*
 * Append the decoded body of the first part of type (e.g. "text/html") of a multipart
 * message as notify renders it (quoted-printable, 7bit or 8bit parts). URS_ENOTFOUND when
 * the message has no such part, URS_EPARSE when it is not multipart; e says which.
 */
URS_NODISCARD int notify_mime_part(const char *msg, size_t len, const char *type,
                                   struct sbuf *out, struct err *e);

/*
 * Append "Name: value\r\n" for free text: cleaned to one line (CR, LF and controls never
 * reach the header), RFC 2047 encoded-words (UTF-8, Q, each at most 75 bytes) when not plain
 * ASCII, folded so no line passes 78 bytes. URS_OK or the sbuf error.
 */
URS_NODISCARD int notify_header_text(struct sbuf *out, const char *name, const char *text);

/* Append "Name: value\r\n" for a printable ASCII value; CR, LF, controls or non-ASCII give
 * URS_EINVAL, a line over 998 bytes URS_ELIMIT. */
URS_NODISCARD int notify_header_raw(struct sbuf *out, const char *name, const char *value);

/*
 * Append "Name: display <addr>\r\n": display cleaned, quoted or encoded; addr must pass
 * notify_email_check. URS_OK, URS_EINVAL or the sbuf error.
 */
URS_NODISCARD int notify_header_address(struct sbuf *out, const char *name, const char *display,
                                        const char *addr);

#endif
