/* SPDX-License-Identifier: MIT */
/* Rendering a digest: a plain-text part, a phone-friendly HTML part, one MIME message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/text.h"
#include "common/utf8.h"
#include "config/config.h"
#include "notifier/notifier_int.h"

#define TITLE_IN_SUBJECT 90   /* bytes of a posting title quoted in the subject */
#define FIELD_SHOWN      300  /* bytes of one crawled field shown in a digest */
#define NOTE_SHOWN       1000 /* bytes of a coach's note */

/*
 * Colours and type, kept in one place so the look can change without hunting. Every rule is
 * inline (mail clients drop <style> blocks) and short: it is repeated for every posting of
 * every digest, and each digest is stored in the outbox.
 */
#define CSS_BODY "margin:0;padding:0;background:#f3f4f6"
#define CSS_WRAP                                                                                   \
    "max-width:600px;margin:0 auto;padding:16px 12px;font-family:-apple-system,'Segoe UI',"        \
    "Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.45;color:#1f2933"
#define CSS_H1    "font-size:21px;line-height:1.25;margin:4px 0 6px"
#define CSS_INTRO "margin:0 0 12px;color:#3e4c59;font-size:15px"
#define CSS_H2    "font-size:14px;color:#52606d;margin:22px 0 8px;text-transform:uppercase"
#define CSS_CARD                                                                                   \
    "background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 14px;"                \
    "margin:0 0 10px"
#define CSS_PICK_CARD   CSS_CARD ";border-left:4px solid #0b6e4f"
#define CSS_TITLE       "color:#0b4f9c;font-size:17px;font-weight:600;text-decoration:none"
#define CSS_TITLE_PLAIN "font-size:17px;font-weight:600"
#define CSS_META        "color:#52606d;font-size:14px;margin-top:4px"
#define CSS_NOTE                                                                                   \
    "margin-top:8px;padding:8px 10px;background:#effcf6;border-radius:6px;font-size:14px"
#define CSS_APPLY "display:inline-block;margin-top:6px;color:#0b4f9c;font-weight:600"
#define CSS_MORE  "margin:14px 0 0;color:#52606d;font-size:14px"
#define CSS_FOOT                                                                                   \
    "margin-top:26px;padding-top:12px;border-top:1px solid #d9dde3;color:#616e7c;"                 \
    "font-size:13px;line-height:1.5"
#define CSS_FOOT_LINK "color:#3e4c59"

struct render {
    const struct notify_digest *d;
    const struct config *cfg;
    struct notify_message *m; /* NULL when rendering one block */
    struct sbuf *text;        /* rendered text, not yet encoded */
    struct sbuf *html;
    struct sbuf field;    /* scratch: one cleaned field */
    struct sbuf lines[3]; /* scratch: the lines under a title */
    char unsub_url[URS_MAX_URL + NOTIFY_TOKEN_MAX + 8];
    char prefs_url[URS_MAX_URL + NOTIFY_TOKEN_MAX + 8]; /* /p/TOKEN: the preferences page */
    char more_url[URS_MAX_URL + NOTIFY_TOKEN_MAX + 8];  /* /m/TOKEN: all current matches */
    char mailto[URS_MAX_EMAIL + NOTIFY_TOKEN_MAX + 40];
    int rc; /* first error; later writes are skipped */
};

static void put(struct render *r, struct sbuf *b, const char *fmt, ...) URS_PRINTF(3, 4);

static void put(struct render *r, struct sbuf *b, const char *fmt, ...)
{
    if (r->rc != URS_OK)
        return;
    if (!strchr(fmt, '%')) { /* most calls: fixed text, no formatting needed */
        r->rc = sbuf_puts(b, fmt);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    r->rc = sbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Clean an untrusted one-line field into r->field (cut at cap on a character boundary). */
static const char *clean(struct render *r, const char *s, size_t cap)
{
    sbuf_reset(&r->field);
    if (r->rc == URS_OK && s)
        r->rc = utf8_clean(s, strlen(s), UTF8_ONE_LINE, cap, &r->field, NULL);
    return sbuf_str(&r->field);
}

/* Escape for HTML text and attributes (& < > " '), appending runs of plain bytes at once. */
static int escape(struct sbuf *out, const char *s)
{
    int rc = URS_OK;
    while (*s && rc == URS_OK) {
        size_t run = strcspn(s, "&<>\"'");
        if (run)
            rc = sbuf_append(out, s, run);
        s += run;
        if (!*s || rc != URS_OK)
            break;
        static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
        rc = sbuf_puts(out, ent[strchr("&<>\"'", *s) - "&<>\"'"]);
        s++;
    }
    return rc;
}

/* Append a cleaned field to the HTML, escaped. */
static void html_text(struct render *r, const char *s, size_t cap)
{
    const char *c = clean(r, s, cap);
    if (r->rc == URS_OK)
        r->rc = escape(r->html, c);
}

static const char *safe_url(const struct posting *p)
{
    if (!p->url || !*p->url)
        return NULL;
    if (text_url_is_http(p->url))
        return p->url;
    log_warn("digest: posting=%lld link left out: not an http(s) URL", (long long)p->id);
    return NULL;
}

/* The lines under a title, shared by both parts: mode/location, schedule/salary, licence/age. */
static int meta_lines(struct render *r, const struct posting *p, struct sbuf lines[3])
{
    const char *sep = " \xc2\xb7 ";
    int rc = URS_OK;
    const char *mode = notify_mode_label(p->work_mode);
    const char *loc = clean(r, p->location, FIELD_SHOWN);
    if (*mode && text_find_ci(loc, strlen(loc), mode) != (size_t)-1)
        mode = ""; /* "Remote, US" says it already */
    rc = sbuf_printf(&lines[0], "%s%s%s", mode, *mode && *loc ? sep : "", loc);
    if (rc == URS_OK)
        rc = notify_fmt_schedule(&lines[1], p->schedule);
    size_t mark = lines[1].len;
    if (rc == URS_OK && mark > 0)
        rc = sbuf_puts(&lines[1], sep);
    size_t before = lines[1].len;
    if (rc == URS_OK)
        rc = notify_fmt_salary(&lines[1], &p->salary);
    if (rc == URS_OK && lines[1].len == before) /* no salary: no separator either */
        sbuf_truncate(&lines[1], mark);
    if (rc == URS_OK && p->license_states) {
        rc = sbuf_puts(&lines[2], "Licence: ");
        if (rc == URS_OK)
            rc = notify_fmt_states(&lines[2], p->license_states);
        if (rc == URS_OK)
            rc = sbuf_puts(&lines[2], sep);
    }
    if (rc == URS_OK)
        rc = notify_fmt_age(&lines[2], r->d->now, p->posted_at, p->first_seen);
    return rc;
}

static void text_item(struct render *r, const struct notify_item *it, const char *url,
                      struct sbuf lines[3])
{
    const struct posting *p = it->p;
    put(r, r->text, "* %s\n", clean(r, p->title, FIELD_SHOWN));
    if (p->employer && *p->employer)
        put(r, r->text, "  %s\n", clean(r, p->employer, FIELD_SHOWN));
    for (int i = 0; i < 3; i++)
        if (lines[i].len)
            put(r, r->text, "  %s\n", sbuf_str(&lines[i]));
    if (it->note && *it->note)
        put(r, r->text, "  Coach's note: %s\n", clean(r, it->note, NOTE_SHOWN));
    if (url)
        put(r, r->text, "  Apply: %s\n", url);
    put(r, r->text, "\n");
}

static void html_link(struct render *r, const char *url, const char *style)
{
    put(r, r->html, "<a href=\"");
    if (r->rc == URS_OK)
        r->rc = escape(r->html, url);
    put(r, r->html, "\" style=\"%s\">", style);
}

static void html_item(struct render *r, const struct notify_item *it, const char *url,
                      struct sbuf lines[3])
{
    const struct posting *p = it->p;
    put(r, r->html, "<div style=\"%s\">\n", it->pick ? CSS_PICK_CARD : CSS_CARD);
    if (url)
        html_link(r, url, CSS_TITLE);
    else
        put(r, r->html, "<div style=\"%s\">", CSS_TITLE_PLAIN);
    html_text(r, p->title, FIELD_SHOWN);
    put(r, r->html, url ? "</a>\n" : "</div>\n");
    if (p->employer && *p->employer) {
        put(r, r->html, "<div>");
        html_text(r, p->employer, FIELD_SHOWN);
        put(r, r->html, "</div>\n");
    }
    put(r, r->html, "<div style=\"%s\">", CSS_META);
    for (int i = 0, n = 0; i < 3; i++) {
        if (!lines[i].len)
            continue;
        put(r, r->html, "%s", n++ ? "<br>\n" : "");
        if (r->rc == URS_OK)
            r->rc = escape(r->html, sbuf_str(&lines[i]));
    }
    put(r, r->html, "</div>\n");
    if (it->note && *it->note) {
        put(r, r->html, "<div style=\"%s\"><b>Coach&#39;s note:</b> ", CSS_NOTE);
        html_text(r, it->note, NOTE_SHOWN);
        put(r, r->html, "</div>\n");
    }
    if (url) {
        html_link(r, url, CSS_APPLY);
        put(r, r->html, "View and apply \xe2\x86\x92</a>\n");
    }
    put(r, r->html, "</div>\n");
}

/*
 * Encode what was rendered since the last flush into the message's encoded parts (and keep
 * the plain text when the caller wants the parts). Blocks end with a line end, so encoding
 * piece by piece gives the same bytes as encoding the whole part.
 */
static void flush(struct render *r)
{
    struct notify_message *m = r->m;
    if (r->rc == URS_OK)
        r->rc = notify_qp_encode(&m->enc_text, r->text->data ? r->text->data : "", r->text->len);
    if (r->rc == URS_OK)
        r->rc = notify_qp_encode(&m->enc_html, r->html->data ? r->html->data : "", r->html->len);
    if (r->rc == URS_OK && !m->no_parts && r->text->len)
        r->rc = sbuf_append(&m->text, r->text->data, r->text->len);
    if (r->rc == URS_OK && !m->no_parts && r->html->len)
        r->rc = sbuf_append(&m->html, r->html->data, r->html->len);
    sbuf_reset(r->text);
    sbuf_reset(r->html);
}

static void item(struct render *r, const struct notify_item *it)
{
    if (r->m && r->m->no_parts && it->text_qp && it->html_qp && !it->pick &&
        !(it->note && *it->note)) {
        flush(r);
        if (r->rc == URS_OK)
            r->rc = sbuf_append(&r->m->enc_text, it->text_qp->data, it->text_qp->len);
        if (r->rc == URS_OK)
            r->rc = sbuf_append(&r->m->enc_html, it->html_qp->data, it->html_qp->len);
        return;
    }
    for (int i = 0; i < 3; i++)
        sbuf_reset(&r->lines[i]);
    if (r->rc == URS_OK)
        r->rc = meta_lines(r, it->p, r->lines);
    const char *url = safe_url(it->p);
    text_item(r, it, url, r->lines);
    html_item(r, it, url, r->lines);
}

/* A section heading with its item count, in both parts (label is trusted or cleaned). */
static void heading(struct render *r, const char *label, size_t count)
{
    put(r, r->text, "%s (%zu)\n", label, count);
    size_t cols = utf8_columns(label) + 3 + (count >= 10 ? 2 : 1) + (count >= 100);
    for (size_t i = 0; i < cols; i++)
        put(r, r->text, "-");
    put(r, r->text, "\n\n");
    put(r, r->html, "<h2 style=\"%s\">", CSS_H2);
    if (r->rc == URS_OK)
        r->rc = escape(r->html, label);
    put(r, r->html, " (%zu)</h2>\n", count);
}

static int group_of(const struct notify_item *it)
{
    if (it->pick)
        return -1;
    switch (it->p->work_mode) {
    case MODE_REMOTE:
        return 0;
    case MODE_HYBRID:
        return 1;
    case MODE_ONSITE:
        return 2;
    default:
        return 3;
    }
}

static void items(struct render *r)
{
    static const char *const labels[] = {"Remote", "Hybrid", "On-site", "Work mode not stated"};
    const struct notify_digest *d = r->d;
    char picks[128];
    (void)snprintf(picks, sizeof picks, "Picked by your coach%s%s", d->coach ? " " : "",
                   d->coach ? clean(r, d->coach, 80) : "");
    for (size_t i = 0; i < d->items_len && r->rc == URS_OK;) {
        int g = group_of(&d->items[i]);
        size_t j = i;
        while (j < d->items_len && group_of(&d->items[j]) == g)
            j++;
        heading(r, g < 0 ? picks : labels[g], j - i);
        for (; i < j; i++)
            item(r, &d->items[i]);
    }
    if (d->more > 0) {
        put(r, r->text,
            "%zu more new posting%s matched your filters: %s\nNarrower filters "
            "bring the closest ones first.\n\n",
            d->more, d->more == 1 ? "" : "s", r->more_url);
        put(r, r->html, "<p style=\"%s\"><a href=\"", CSS_MORE);
        if (r->rc == URS_OK)
            r->rc = escape(r->html, r->more_url);
        put(r, r->html,
            "\" style=\"%s\">%zu more new posting%s</a> matched your filters. "
            "Narrower filters bring the closest ones first.</p>\n",
            CSS_FOOT_LINK, d->more, d->more == 1 ? "" : "s");
    }
}

static size_t total(const struct notify_digest *d)
{
    return d->items_len + d->more;
}

static void intro(struct render *r)
{
    const struct notify_digest *d = r->d;
    struct sbuf date;
    sbuf_init(&date, 64);
    if (r->rc == URS_OK)
        r->rc = notify_fmt_date(&date, d->since > 0 ? d->since : d->now);
    const char *name = d->sub->name ? clean(r, d->sub->name, 80) : "";
    size_t n = total(d);
    put(r, r->text, "%zu new job%s for you\n\n%s%s%s\n", n, n == 1 ? "" : "s",
        *name ? "Hi " : "Hello", name, *name ? "," : ",");
    /* a coach's pick may lie outside the member's filters: it is not said to match them */
    size_t picks = 0;
    for (size_t i = 0; i < d->items_len; i++)
        picks += d->items[i].pick;
    size_t matches = n - picks;
    char what[160];
    if (picks == 0)
        (void)snprintf(what, sizeof what, "%s the new posting%s that match%s your filters",
                       n == 1 ? "is" : "are", n == 1 ? "" : "s", n == 1 ? "es" : "");
    else if (matches == 0)
        (void)snprintf(what, sizeof what, "%s your coach's pick%s", picks == 1 ? "is" : "are",
                       picks == 1 ? "" : "s");
    else
        (void)snprintf(what, sizeof what,
                       "are your coach's pick%s and the new posting%s that match%s your filters",
                       picks == 1 ? "" : "s", matches == 1 ? "" : "s", matches == 1 ? "es" : "");
    put(r, r->text, "here %s since %s.\n\n", what, sbuf_str(&date));
    put(r, r->html, "<h1 style=\"%s\">%zu new job%s for you</h1>\n<p style=\"%s\">%s", CSS_H1, n,
        n == 1 ? "" : "s", CSS_INTRO, *name ? "Hi " : "Hello");
    if (*name)
        html_text(r, d->sub->name, 80);
    put(r, r->html, ", here %s since %s.</p>\n", what, sbuf_str(&date));
    sbuf_free(&date);
}

static void footer(struct render *r)
{
    const struct notify_digest *d = r->d;
    struct sbuf filters;
    sbuf_init(&filters, 2048);
    if (r->rc == URS_OK)
        r->rc = notify_fmt_filters(&filters, d->sub);
    const char *freq = db_frequency_name(d->sub->frequency);
    const char *postal = clean(r, r->cfg->postal_address, 400);
    put(r, r->text,
        "-- \nWhy you got this: you subscribed to the %s urscout digest as %s.\n"
        "Your filters: %s.\nChange your filters or how often you hear from us: %s\n"
        "Unsubscribe (one click): %s\n%s\n",
        freq, d->sub->email, sbuf_str(&filters), r->prefs_url, r->unsub_url, postal);
    put(r, r->html,
        "<div style=\"%s\">\nYou get this %s digest because you subscribed to "
        "urscout as ",
        CSS_FOOT, freq);
    html_text(r, d->sub->email, URS_MAX_EMAIL);
    put(r, r->html, ".<br>\nYour filters: ");
    if (r->rc == URS_OK)
        r->rc = escape(r->html, sbuf_str(&filters));
    put(r, r->html, ".<br>\n<a href=\"");
    if (r->rc == URS_OK)
        r->rc = escape(r->html, r->prefs_url);
    put(r, r->html,
        "\" style=\"%s\">Change your filters or how often you hear from us</a><br>\n"
        "<a href=\"",
        CSS_FOOT_LINK);
    if (r->rc == URS_OK)
        r->rc = escape(r->html, r->unsub_url);
    put(r, r->html, "\" style=\"%s\">Unsubscribe</a> (one click)<br>\n", CSS_FOOT_LINK);
    html_text(r, r->cfg->postal_address, 400);
    put(r, r->html, "\n</div>\n");
    sbuf_free(&filters);
}

static void html_open(struct render *r, const char *subject)
{
    put(r, r->html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>");
    if (r->rc == URS_OK)
        r->rc = escape(r->html, subject);
    put(r, r->html, "</title>\n</head>\n<body style=\"%s\">\n<div style=\"%s\">\n", CSS_BODY,
        CSS_WRAP);
}

/* ---- the message ---- */

/* "3 new jobs for you: <title> and more", the title cleaned and cut on a character boundary. */
static void make_subject(struct render *r, char *out, size_t size)
{
    const struct notify_digest *d = r->d;
    size_t n = total(d);
    const char *title = d->items_len ? clean(r, d->items[0].p->title, 4 * TITLE_IN_SUBJECT) : "";
    size_t tlen = strlen(title);
    size_t cut = utf8_boundary(title, tlen, TITLE_IN_SUBJECT);
    const char *ell = cut < tlen ? "\xe2\x80\xa6" : "";
    if (n == 1)
        (void)snprintf(out, size, "New job for you: %.*s%s", (int)cut, title, ell);
    else
        (void)snprintf(out, size, "%zu new jobs for you: %.*s%s and more", n, (int)cut, title, ell);
}

static int links(struct render *r, struct err *e)
{
    char token[NOTIFY_TOKEN_MAX];
    const struct config *cfg = r->cfg;
    if (notify_token_make(cfg->hmac_key, cfg->hmac_key_len, NOTIFY_TOKEN_UNSUBSCRIBE, r->d->sub->id,
                          token, e) != URS_OK)
        return URS_EINVAL;
    size_t base = strlen(cfg->base_url);
    while (base > 0 && cfg->base_url[base - 1] == '/')
        base--;
    (void)snprintf(r->unsub_url, sizeof r->unsub_url, "%.*s/u/%s", (int)base, cfg->base_url, token);
    char ptoken[NOTIFY_TOKEN_MAX];
    if (notify_token_make(cfg->hmac_key, cfg->hmac_key_len, NOTIFY_TOKEN_PREFERENCES,
                          r->d->sub->id, ptoken, e) != URS_OK)
        return URS_EINVAL;
    (void)snprintf(r->prefs_url, sizeof r->prefs_url, "%.*s/p/%s", (int)base, cfg->base_url,
                   ptoken);
    (void)snprintf(r->more_url, sizeof r->more_url, "%.*s/m/%s", (int)base, cfg->base_url,
                   ptoken);
    const char *to =
        cfg->unsubscribe_mailto && *cfg->unsubscribe_mailto ? cfg->unsubscribe_mailto : cfg->from;
    /* the token alone as the subject keeps the header line short enough not to need folding */
    (void)snprintf(r->mailto, sizeof r->mailto, "mailto:%s?subject=%s", to, token);
    return URS_OK;
}

static int headers(struct render *r, struct notify_message *m, const char *boundary)
{
    const struct config *cfg = r->cfg;
    struct sbuf *o = &m->message;
    char date[48];
    notify_date_rfc5322(r->d->now, date, sizeof date);
    int rc = notify_header_address(o, "From", cfg->from_name, cfg->from);
    if (rc == URS_OK)
        rc = notify_header_address(o, "To", r->d->sub->name, r->d->sub->email);
    if (rc == URS_OK)
        rc = notify_header_text(o, "Subject", m->subject);
    if (rc == URS_OK)
        rc = notify_header_raw(o, "Date", date);
    if (rc == URS_OK)
        rc = notify_header_raw(o, "Message-ID", m->message_id);
    if (rc == URS_OK)
        rc = notify_header_raw(o, "MIME-Version", "1.0");
    if (rc == URS_OK)
        rc = sbuf_printf(o, "List-Unsubscribe: <%s>,\r\n <%s>\r\n", r->unsub_url, r->mailto);
    if (rc == URS_OK)
        rc = notify_header_raw(o, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    if (rc == URS_OK)
        rc = notify_header_raw(o, "Auto-Submitted", "auto-generated");
    if (rc == URS_OK)
        rc = sbuf_printf(o,
                         "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
                         "This is a multi-part message in MIME format.\r\n",
                         boundary);
    return rc;
}

static int part(struct sbuf *o, const char *boundary, const char *type, const struct sbuf *enc)
{
    int rc = sbuf_printf(o,
                         "\r\n--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
                         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                         boundary, type);
    return rc == URS_OK ? sbuf_append(o, enc->data ? enc->data : "", enc->len) : rc;
}

static int assemble(struct render *r, struct notify_message *m, struct err *e)
{
    char hexs[33], boundary[48];
    if (notify_random_hex(hexs, e) != URS_OK)
        return URS_EIO;
    (void)snprintf(m->message_id, sizeof m->message_id, "<urscout.%.16s.%lld@%s>", hexs,
                   (long long)r->d->sub->id, notify_addr_domain(r->cfg->from));
    (void)snprintf(boundary, sizeof boundary, "=_urscout_%.16s", hexs + 16);
    int rc = headers(r, m, boundary);
    if (rc == URS_OK)
        rc = part(&m->message, boundary, "text/plain", &m->enc_text);
    if (rc == URS_OK)
        rc = part(&m->message, boundary, "text/html", &m->enc_html);
    if (rc == URS_OK)
        rc = sbuf_printf(&m->message, "--%s--\r\n", boundary);
    if (rc != URS_OK)
        return err_set(e, rc, "digest for subscriber %lld: cannot assemble the message: %s",
                       (long long)r->d->sub->id, err_name(rc));
    return URS_OK;
}

void notify_message_init(struct notify_message *m)
{
    memset(m, 0, sizeof *m);
    sbuf_init(&m->message, NOTIFY_MAX_MESSAGE);
    sbuf_init(&m->text, NOTIFY_MAX_MESSAGE / 2);
    sbuf_init(&m->html, NOTIFY_MAX_MESSAGE / 2);
    sbuf_init(&m->enc_text, NOTIFY_MAX_MESSAGE / 2);
    sbuf_init(&m->enc_html, NOTIFY_MAX_MESSAGE / 2);
    sbuf_init(&m->chunk_text, NOTIFY_MAX_MESSAGE / 2);
    sbuf_init(&m->chunk_html, NOTIFY_MAX_MESSAGE / 2);
}

void notify_message_free(struct notify_message *m)
{
    if (!m)
        return;
    sbuf_free(&m->message);
    sbuf_free(&m->text);
    sbuf_free(&m->html);
    sbuf_free(&m->enc_text);
    sbuf_free(&m->enc_html);
    sbuf_free(&m->chunk_text);
    sbuf_free(&m->chunk_html);
}

int notify_render(const struct notify_digest *d, const struct config *cfg,
                  struct notify_message *out, struct err *e)
{
    if (notify_check_config(cfg, e) != URS_OK)
        return URS_EINVAL;
    if (notify_email_check(d->sub->email, e) != URS_OK)
        return URS_EINVAL;
    struct render r = {
        .d = d, .cfg = cfg, .m = out, .text = &out->chunk_text, .html = &out->chunk_html};
    sbuf_init(&r.field, 4 * NOTE_SHOWN);
    for (int i = 0; i < 3; i++)
        sbuf_init(&r.lines[i], 4 * FIELD_SHOWN);
    sbuf_reset(&out->message);
    sbuf_reset(&out->text);
    sbuf_reset(&out->html);
    sbuf_reset(&out->enc_text);
    sbuf_reset(&out->enc_html);
    sbuf_reset(&out->chunk_text);
    sbuf_reset(&out->chunk_html);
    int rc = links(&r, e);
    if (rc == URS_OK) {
        make_subject(&r, out->subject, sizeof out->subject);
        html_open(&r, out->subject);
        intro(&r);
        items(&r);
        footer(&r);
        put(&r, r.html, "</div>\n</body>\n</html>\n");
        flush(&r);
        rc = r.rc != URS_OK ? err_set(e, r.rc, "digest for subscriber %lld: %s",
                                      (long long)d->sub->id, err_name(r.rc))
                            : assemble(&r, out, e);
    }
    sbuf_free(&r.field);
    for (int i = 0; i < 3; i++)
        sbuf_free(&r.lines[i]);
    return rc;
}

/* ---- what rendering and sending need from the config ---- */

static int check_smtp(const struct config *cfg, struct err *e)
{
    if (cfg->smtp_port < 1 || cfg->smtp_port > 65535)
        return err_set(e, URS_EINVAL, "[smtp] port %ld is not a TCP port", cfg->smtp_port);
    if (cfg->smtp_user && *cfg->smtp_user && cfg->starttls != CONFIG_STARTTLS_REQUIRED)
        return err_set(e, URS_EINVAL,
                       "[smtp] user is set but starttls is not 'required': urscout sends a "
                       "password only over TLS (set starttls = required)");
    if (cfg->smtp_user && *cfg->smtp_user && (!cfg->smtp_password || !*cfg->smtp_password))
        return err_set(e, URS_EINVAL,
                       "[smtp] user is set but there is no password: set [smtp] password_file "
                       "or the environment variable URSCOUT_SMTP_PASSWORD");
    return URS_OK;
}

/* http://127.0.0.1[:port]/... or http://localhost...: the local unsubscribe endpoint. */
static bool loopback_url(const char *url)
{
    static const char *const hosts[] = {"http://127.0.0.1", "http://localhost", "http://[::1]"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (strncasecmp(url, hosts[i], n) == 0 && (url[n] == '\0' || url[n] == ':' || url[n] == '/'))
            return true;
    }
    return false;
}

int notify_check_config(const struct config *cfg, struct err *e)
{
    struct err why;
    err_clear(&why);
    if (!cfg)
        return err_set(e, URS_EINVAL, "no configuration loaded");
    /* Maildir delivery (no [smtp]) stays on this machine: a loopback base_url will do there */
    bool local = !cfg->smtp_host || !*cfg->smtp_host;
    if (notify_email_check(cfg->from, &why) != URS_OK)
        return err_set(e, URS_EINVAL, "[delivery] from = '%.80s' cannot be used: %s",
                       cfg->from ? cfg->from : "", why.msg);
    if (cfg->unsubscribe_mailto && *cfg->unsubscribe_mailto &&
        notify_email_check(cfg->unsubscribe_mailto, &why) != URS_OK)
        return err_set(e, URS_EINVAL, "[delivery] unsubscribe_mailto cannot be used: %s", why.msg);
    if (!cfg->hmac_key || cfg->hmac_key_len < NOTIFY_MIN_KEY)
        return err_set(e, URS_EINVAL,
                       "no HMAC key for unsubscribe links: set [delivery] hmac_key_file to a "
                       "file of at least %d random bytes with mode 0600 (openssl rand -hex 32 "
                       "> hmac.key; chmod 600 hmac.key) or the environment variable "
                       "URSCOUT_HMAC_KEY",
                       NOTIFY_MIN_KEY);
    bool https = cfg->base_url && strncasecmp(cfg->base_url, "https://", 8) == 0;
    if (!cfg->base_url || !(https || (local && loopback_url(cfg->base_url))) ||
        !text_url_is_http(cfg->base_url) || strlen(cfg->base_url) > URS_MAX_URL / 2)
        return err_set(e, URS_EINVAL,
                       "[web] base_url must be the public https:// address of the unsubscribe "
                       "endpoint (every digest links to it in List-Unsubscribe)");
    if (!cfg->postal_address || !*cfg->postal_address)
        return err_set(e, URS_EINVAL,
                       "[delivery] postal_address is not set: every digest "
                       "carries the sender's postal address in its footer");
    if (cfg->rate_per_minute < 1)
        return err_set(e, URS_EINVAL, "[delivery] rate_per_minute must be at least 1");
    if (cfg->smtp_host && *cfg->smtp_host)
        return check_smtp(cfg, e);
    if (!cfg->maildir || !*cfg->maildir)
        return err_set(e, URS_EINVAL,
                       "no [smtp] host and no [delivery] maildir: nowhere to "
                       "deliver digests");
    return URS_OK;
}

int notify_render_block(const struct posting *p, int64_t now, struct sbuf *text_qp,
                        struct sbuf *html_qp)
{
    struct notify_digest d = {.now = now};
    struct sbuf text, html;
    struct render r = {.d = &d, .text = &text, .html = &html};
    sbuf_init(&text, NOTIFY_MAX_MESSAGE / 2);
    sbuf_init(&html, NOTIFY_MAX_MESSAGE / 2);
    sbuf_init(&r.field, 4 * NOTE_SHOWN);
    for (int i = 0; i < 3; i++)
        sbuf_init(&r.lines[i], 4 * FIELD_SHOWN);
    struct notify_item it = {.p = p};
    item(&r, &it);
    sbuf_reset(text_qp);
    sbuf_reset(html_qp);
    if (r.rc == URS_OK)
        r.rc = notify_qp_encode(text_qp, text.data ? text.data : "", text.len);
    if (r.rc == URS_OK)
        r.rc = notify_qp_encode(html_qp, html.data ? html.data : "", html.len);
    sbuf_free(&text);
    sbuf_free(&html);
    sbuf_free(&r.field);
    for (int i = 0; i < 3; i++)
        sbuf_free(&r.lines[i]);
    return r.rc;
}
