/* SPDX-License-Identifier: MIT */
/* GET/POST /signup and /c/TOKEN: sign-up with double opt-in (a confirmation link by mail). */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "config/config.h"
#include "db/db.h"
#include "web/web_int.h"

#define SIGNUP_PER_ADDRESS 3  /* sign-ups for one address in an hour, at most */
#define SIGNUP_PER_CLIENT  20 /* sign-ups from one client address in an hour, at most */
#define SIGNUP_SUBJECT     "signup"
#define KEY_HEX            32 /* hex digits of a rate-limit key */

/* ---- the sign-up form ---- */

static int signup_page(const struct web_site *site, const struct web_req *req,
                       struct web_resp *resp, struct db_subscriber *s, const char *email,
                       const char *note)
{
    struct sbuf *b = &resp->body;
    sbuf_reset(b);
    int rc = web_page_begin(b, site, "Sign up");
    if (rc == URS_OK && note) {
        rc = sbuf_puts(b, "<p class=\"bad\">");
        if (rc == URS_OK)
            rc = web_esc(b, note);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "</p>\n");
    }
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<p>Get new utilization review and management postings that match "
                          "your filters by mail. You get a mail with a link to confirm first; "
                          "nothing else is sent until you do.</p>\n<form method=\"post\">\n");
    if (rc == URS_OK)
        rc = web_csrf_field(b, site, SIGNUP_SUBJECT, req->now);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<fieldset><legend>Your address</legend>\n<label>Email<input "
                          "type=\"email\" name=\"email\" required maxlength=\"254\" "
                          "autocomplete=\"email\" value=\"");
    if (rc == URS_OK)
        rc = web_esc(b, email ? email : "");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "\"></label>\n</fieldset>\n");
    if (rc == URS_OK)
        rc = web_filters_form(b, s);
    if (rc == URS_OK)
        rc = web_schedule_form(b, s, false);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<button type=\"submit\">Sign up</button>\n</form>\n"
                          "<p class=\"note\">Your address is used for the digests alone. Every "
                          "digest has a link to change your filters and one to unsubscribe.</p>\n");
    if (rc == URS_OK)
        rc = web_page_end(b);
    return rc;
}

/* A rate-limit key: HMAC of what is counted, so the table never holds an address. */
static int limit_key(const struct web_site *site, const char *kind, const char *value,
                     char out[KEY_HEX + 1])
{
    char msg[WEB_LOGIN_MAX + 80];
    int n = snprintf(msg, sizeof msg, "urscout-signup-limit:%s:", kind);
    for (const char *p = value; *p && (size_t)n + 1 < sizeof msg; p++)
        msg[n++] = (char)tolower((unsigned char)*p);
    msg[n] = '\0';
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), site->hmac_key, (int)site->hmac_key_len, (const unsigned char *)msg,
              (size_t)n, mac, &len) ||
        len < KEY_HEX / 2)
        return URS_EINVAL;
    for (size_t i = 0; i < KEY_HEX / 2; i++)
        (void)snprintf(out + 2 * i, 3, "%02x", mac[i]);
    return URS_OK;
}

/* 0: go on; 429: over a limit (nothing sent); 503: the store failed. */
static int over_limits(const struct web_site *site, const struct web_req *req, const char *email)
{
    char ckey[KEY_HEX + 1], akey[KEY_HEX + 1];
    struct err e;
    err_clear(&e);
    bool client_over = true, address_over = true;
    if (limit_key(site, "client", req->client[0] ? req->client : "unknown", ckey) != URS_OK ||
        limit_key(site, "address", email, akey) != URS_OK)
        return 503;
    if (db_signup_hit(site->db, DB_SIGNUP_CLIENT, ckey, req->now, SIGNUP_PER_CLIENT,
                      &client_over, &e) != URS_OK ||
        db_signup_hit(site->db, DB_SIGNUP_ADDRESS, akey, req->now, SIGNUP_PER_ADDRESS,
                      &address_over, &e) != URS_OK) {
        log_error("web: sign-up: cannot count the attempt: %s", e.msg);
        return 503;
    }
    if (client_over || address_over) {
        log_warn("web: sign-up refused: too many from this %s in an hour",
                 client_over ? "client" : "address");
        return 429;
    }
    return 0;
}

/* ---- the mails ---- */

static int confirm_mail(const struct web_site *site, const struct db_subscriber *s, int64_t now,
                        struct sbuf *body, char *subject, size_t size)
{
    char token[NOTIFY_TOKEN_MAX], rel[NOTIFY_TOKEN_MAX + 8];
    struct err e;
    err_clear(&e);
    if (notify_token_make_timed(site->hmac_key, site->hmac_key_len, NOTIFY_TOKEN_CONFIRM, s->id,
                                now, token, &e) != URS_OK)
        return URS_EINVAL;
    (void)snprintf(rel, sizeof rel, "/c/%s", token);
    (void)snprintf(subject, size, "Confirm your %s digest", site->site_name);
    int rc = sbuf_printf(body,
                         "Hello,\n\nSomeone, most likely you, asked for %s digests of "
                         "utilization review and management job postings to be sent to %s.\n\n"
                         "To confirm, open this link and press Confirm (it works for 48 "
                         "hours):\n\n",
                         site->site_name, s->email);
    if (rc == URS_OK)
        rc = web_link(site, rel, body);
    if (rc == URS_OK)
        rc = sbuf_puts(body, "\n\nNothing is sent to this address until it is confirmed. If "
                             "you did not ask for this, ignore this mail: the request is "
                             "forgotten in two days.\n");
    return rc;
}

static int known_mail(const struct web_site *site, const struct db_subscriber *s,
                      struct sbuf *body, char *subject, size_t size)
{
    char token[NOTIFY_TOKEN_MAX], rel[NOTIFY_TOKEN_MAX + 8];
    struct err e;
    err_clear(&e);
    if (notify_token_make(site->hmac_key, site->hmac_key_len, NOTIFY_TOKEN_PREFERENCES, s->id,
                          token, &e) != URS_OK)
        return URS_EINVAL;
    (void)snprintf(rel, sizeof rel, "/p/%s", token);
    (void)snprintf(subject, size, "You already get %s digests", site->site_name);
    int rc = sbuf_printf(body,
                         "Hello,\n\nSomeone, most likely you, asked to sign up %s for %s "
                         "digests. This address gets them already, so nothing has changed.\n\n"
                         "To change what your digests hold or when they come, use your "
                         "preferences page:\n\n",
                         s->email, site->site_name);
    if (rc == URS_OK)
        rc = web_link(site, rel, body);
    if (rc == URS_OK)
        rc = sbuf_puts(body, "\n\nIf you did not ask for this, ignore this mail.\n");
    return rc;
}

static int queue_mail(const struct web_site *site, const struct db_subscriber *s, bool confirm,
                      int64_t now, struct err *e)
{
    struct sbuf body;
    char subject[NOTIFY_SUBJECT_MAX];
    sbuf_init(&body, 8192);
    int rc = confirm ? confirm_mail(site, s, now, &body, subject, sizeof subject)
                     : known_mail(site, s, &body, subject, sizeof subject);
    if (rc == URS_OK && site->cfg && site->cfg->postal_address)
        rc = sbuf_printf(&body, "\n-- \n%s\n%s\n", site->site_name, site->cfg->postal_address);
    int64_t outbox_id = 0;
    if (rc != URS_OK)
        rc = err_set(e, rc, "cannot write the mail: %s", err_name(rc));
    else
        rc = notify_notice(site->db, site->cfg, s, subject, sbuf_str(&body), now, &outbox_id, e);
    sbuf_free(&body);
    if (rc == URS_OK)
        log_info("web: subscriber=%lld: %s mail queued (outbox=%lld)", (long long)s->id,
                 confirm ? "confirmation" : "already-subscribed", (long long)outbox_id);
    return rc;
}

/*
 * Record the sign-up and queue its mail in one transaction: a new address becomes a pending
 * subscriber; a pending one takes the new filters; an unsubscribed one gets a confirmation
 * (its filters stay); an active one gets its preferences link; a bounced one nothing.
 */
static int record(const struct web_site *site, const struct web_req *req,
                  struct db_subscriber *form, struct err *e)
{
    size_t expired = 0;
    if (db_begin(site->db, e) != URS_OK)
        return URS_EDB;
    int rc = db_signup_expire(site->db, req->now - NOTIFY_CONFIRM_TTL, &expired, e);
    struct db_subscriber old;
    db_subscriber_init(&old);
    int got = rc == URS_OK ? db_subscriber_get(site->db, form->email, &old, e) : rc;
    bool mail = true, confirm = true;
    if (got == URS_ENOTFOUND) {
        err_clear(e);
        form->status = DB_SUB_PENDING;
        form->next_due_at = 0;
        rc = db_subscriber_add(site->db, form, req->now, e);
    } else if (got != URS_OK) {
        rc = got;
    } else if (old.status == DB_SUB_PENDING) {
        form->id = old.id;
        form->status = DB_SUB_PENDING;
        rc = db_subscriber_update(site->db, form, req->now, e);
    } else {
        confirm = old.status == DB_SUB_UNSUBSCRIBED;
        mail = old.status != DB_SUB_BOUNCED;
    }
    if (rc == URS_OK && mail)
        rc = queue_mail(site, got == URS_OK && old.status != DB_SUB_PENDING ? &old : form,
                        confirm, req->now, e);
    db_subscriber_free(&old);
    if (rc == URS_OK)
        rc = db_commit(site->db, e);
    else
        db_rollback(site->db);
    if (rc == URS_OK && expired > 0)
        log_info("web: %zu unconfirmed sign-up%s forgotten", expired, expired == 1 ? "" : "s");
    if (rc == URS_OK && mail && site->notices)
        atomic_store(site->notices, true);
    return rc;
}

static int sent_page(const struct web_site *site, struct web_resp *resp, const char *email)
{
    struct sbuf text;
    sbuf_init(&text, 1024);
    int rc = sbuf_printf(&text,
                         "A mail with a link to confirm is on its way to %s, unless that "
                         "address cannot get digests. The link works for 48 hours; nothing "
                         "else is sent until you press Confirm on its page.",
                         email);
    if (rc == URS_OK)
        rc = web_resp_message(resp, site, 200, "Check your mail", sbuf_str(&text), NULL, NULL);
    sbuf_free(&text);
    return rc;
}

static int post_signup(const struct web_site *site, const struct web_req *req,
                       struct web_resp *resp, const struct web_form *f)
{
    struct db_subscriber s;
    db_subscriber_init(&s);
    char why[256] = "";
    const char *raw = web_form_get(f, "email");
    char email[URS_MAX_EMAIL + 1] = "";
    size_t n = 0;
    if (raw) {
        raw += strspn(raw, " \t");
        n = strlen(raw);
        while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
            n--;
    }
    struct err e;
    err_clear(&e);
    int rc = URS_OK, r = 0;
    if (!raw || n == 0 || n > URS_MAX_EMAIL) {
        r = -1;
        (void)snprintf(why, sizeof why, "Enter the address your digests should go to.");
    } else {
        memcpy(email, raw, n);
        email[n] = '\0';
        if (notify_email_check(email, &e) != URS_OK) {
            r = -1;
            (void)snprintf(why, sizeof why,
                           "'%.80s' is not an address digests can be sent to (name@domain.org).",
                           email);
        }
    }
    if (r == 0)
        r = web_filters_read(f, &s, why, sizeof why);
    if (r == -2) {
        rc = URS_ENOMEM;
    } else if (r == -1) {
        resp->status = 400;
        rc = signup_page(site, req, resp, &s, email, why);
    } else if (!site->cfg) {
        rc = web_resp_page_status(resp, site, 503);
    } else {
        int limit = over_limits(site, req, email);
        if (limit == 429) {
            (void)web_resp_header(resp, "Retry-After", "3600");
            rc = web_resp_message(resp, site, 429, "Too many sign-ups",
                                  "Nothing was sent: there were too many sign-ups for this "
                                  "address or from your network in the last hour. Try again "
                                  "in an hour.",
                                  NULL, NULL);
        } else if (limit != 0) {
            (void)web_resp_header(resp, "Retry-After", "60");
            rc = web_resp_page_status(resp, site, 503);
        } else if ((s.email = strdup(email)) == NULL) {
            rc = URS_ENOMEM;
        } else if ((rc = record(site, req, &s, &e)) != URS_OK) {
            log_error("web: sign-up not recorded: %s", e.msg[0] ? e.msg : err_name(rc));
            (void)web_resp_header(resp, "Retry-After", "60");
            rc = web_resp_page_status(resp, site, 503);
        } else {
            rc = sent_page(site, resp, email);
        }
    }
    db_subscriber_free(&s);
    return rc;
}

static int handle_signup(const struct web_site *site, const struct web_req *req,
                         struct web_resp *resp)
{
    if (req->method != WEB_POST) {
        struct db_subscriber s;
        db_subscriber_init(&s);
        int rc = signup_page(site, req, resp, &s, NULL, NULL);
        db_subscriber_free(&s);
        return rc;
    }
    struct web_form f;
    int rc;
    if (web_csrf_form(site, req, SIGNUP_SUBJECT, &f, resp, &rc)) {
        rc = post_signup(site, req, resp, &f);
        web_form_free(&f);
    }
    return rc;
}

/* ---- /c/TOKEN: the link in the confirmation mail ---- */

static int expired_page(const struct web_site *site, struct web_resp *resp)
{
    return web_resp_message(resp, site, 404, "Link expired",
                            "This confirmation link is too old: links work for 48 hours. Sign "
                            "up again to get a new one; nothing was changed.",
                            "/signup", "Sign up again");
}

static int confirm_page(const struct web_site *site, const struct web_req *req,
                        struct web_resp *resp, struct db_subscriber *s)
{
    struct sbuf *b = &resp->body;
    char subject[32];
    (void)snprintf(subject, sizeof subject, "c:%lld", (long long)s->id);
    sbuf_reset(b);
    int rc = web_page_begin(b, site, "Confirm your digest");
    struct sbuf filters;
    sbuf_init(&filters, 2048);
    if (rc == URS_OK)
        rc = notify_filters_text(&filters, s);
    if (rc == URS_OK)
        rc = sbuf_puts(b, filters.len ? "<p>Digests of new postings that match "
                                      : "<p>Digests of all new postings");
    if (rc == URS_OK && filters.len)
        rc = web_esc(b, sbuf_str(&filters));
    sbuf_free(&filters);
    if (rc == URS_OK)
        rc = sbuf_puts(b, " will go to <strong>");
    if (rc == URS_OK)
        rc = web_esc(b, s->email);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</strong> once you confirm.</p>\n<form method=\"post\">\n");
    if (rc == URS_OK)
        rc = web_csrf_field(b, site, subject, req->now);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<button type=\"submit\">Confirm</button>\n</form>\n");
    if (rc == URS_OK)
        rc = web_page_end(b);
    return rc;
}

static int confirmed(const struct web_site *site, const struct web_req *req,
                     struct web_resp *resp, struct db_subscriber *s, int64_t issued)
{
    struct err e;
    err_clear(&e);
    int64_t next = 0;
    bool changed = false;
    int rc = notify_next_due(s, req->now, &next, &e);
    if (rc == URS_OK)
        rc = db_subscriber_confirm(site->db, s->id, issued, next, req->now, &changed, &e);
    if (rc == URS_ENOTFOUND)
        return web_resp_bad_token(resp, site);
    if (rc != URS_OK) {
        log_error("web: subscriber=%lld: cannot confirm: %s", (long long)s->id, e.msg);
        (void)web_resp_header(resp, "Retry-After", "60");
        return web_resp_page_status(resp, site, 503);
    }
    if (changed)
        log_info("web: subscriber=%lld confirmed", (long long)s->id);
    char token[NOTIFY_TOKEN_MAX], rel[NOTIFY_TOKEN_MAX + 8];
    if (notify_token_make(site->hmac_key, site->hmac_key_len, NOTIFY_TOKEN_PREFERENCES, s->id,
                          token, &e) != URS_OK)
        return URS_EINVAL;
    (void)snprintf(rel, sizeof rel, "/p/%s", token);
    return web_resp_message(resp, site, 200, changed ? "Confirmed" : "Already confirmed",
                            changed ? "Your digests start with the next send time you chose. "
                                      "Each one links to your preferences and to unsubscribe."
                                    : "This address gets digests already; nothing was changed.",
                            rel, "Your preferences");
}

static int handle_confirm(const struct web_site *site, const struct web_req *req,
                          struct web_resp *resp)
{
    struct err e;
    err_clear(&e);
    int64_t id = 0, issued = 0;
    int v = notify_token_verify_timed(site->hmac_key, site->hmac_key_len, req->arg,
                                      NOTIFY_TOKEN_CONFIRM, req->now, NOTIFY_CONFIRM_TTL, &id,
                                      &issued, &e);
    if (v == URS_ENOTFOUND)
        return expired_page(site, resp);
    if (v != URS_OK)
        return web_resp_bad_token(resp, site);
    struct db_subscriber s;
    db_subscriber_init(&s);
    int got = db_subscriber_get_id(site->db, id, &s, &e);
    int rc;
    if (got == URS_ENOTFOUND || (got == URS_OK && s.status == DB_SUB_BOUNCED)) {
        rc = web_resp_bad_token(resp, site);
    } else if (got != URS_OK) {
        (void)web_resp_header(resp, "Retry-After", "60");
        rc = web_resp_page_status(resp, site, 503);
    } else if (req->method != WEB_POST) {
        rc = confirm_page(site, req, resp, &s);
    } else {
        struct web_form f;
        char subject[32];
        (void)snprintf(subject, sizeof subject, "c:%lld", (long long)s.id);
        if (web_csrf_form(site, req, subject, &f, resp, &rc)) {
            rc = confirmed(site, req, resp, &s, issued);
            web_form_free(&f);
        }
    }
    db_subscriber_free(&s);
    return rc;
}

const struct web_route web_signup_routes[] = {
    {WEB_GET | WEB_POST, "/signup", handle_signup},
    {WEB_GET | WEB_POST, "/c/{}", handle_confirm},
    {0, NULL, NULL},
};
