/* SPDX-License-Identifier: MIT */
/* The /u/TOKEN routes: a page with one button on GET, the RFC 8058 one-click unsubscribe on POST.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "db/db.h"
#include "notifier/notifier.h"
#include "web/web_int.h"

/* Mark sub unsubscribed; the UPDATE commits (synchronous=FULL) before this returns. Gives
 * the status to answer: 200, 404 (removed meanwhile) or 503. */
static int unsubscribe(const struct web_site *site, const struct db_subscriber *sub, int64_t now)
{
    struct err e;
    err_clear(&e);
    if (sub->status == DB_SUB_UNSUBSCRIBED) /* repeated: nothing to write */
        return 200;
    int rc = db_subscriber_set_status(site->db, sub->id, DB_SUB_UNSUBSCRIBED, now, &e);
    if (rc == URS_ENOTFOUND)
        return 404;
    if (rc != URS_OK) {
        log_error("web: subscriber=%lld: cannot record the unsubscribe: %s", (long long)sub->id,
                  e.msg);
        return 503;
    }
    log_info("web: subscriber=%lld unsubscribed (was %s)", (long long)sub->id,
             db_sub_status_name(sub->status));
    return 200;
}

int web_load_subscriber(const struct web_site *site, const char *token,
                        enum notify_purpose purpose, struct db_subscriber *sub)
{
    int64_t id = 0;
    struct err e;
    err_clear(&e);
    if (notify_token_verify(site->hmac_key, site->hmac_key_len, token, purpose, &id, &e) !=
        URS_OK) {
        log_debug("web: refused link: %s", e.msg);
        return 404;
    }
    int rc = db_subscriber_get_id(site->db, id, sub, &e);
    if (rc == URS_ENOTFOUND)
        return 404;
    if (rc != URS_OK) {
        log_error("web: subscriber=%lld: cannot read: %s", (long long)id, e.msg);
        return 503;
    }
    return 200;
}

static int button_page(struct web_resp *resp, const struct web_site *site, const char *title,
                       const char *text, bool button)
{
    struct sbuf *b = &resp->body;
    int rc = web_page_begin(b, site, title);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<p>");
    if (rc == URS_OK)
        rc = web_esc(b, text);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</p>\n");
    /* no action: the form posts to the address the page was loaded from, prefix and all */
    if (rc == URS_OK && button)
        rc = sbuf_puts(b, "<form method=\"post\">\n"
                          "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                          "<button type=\"submit\">Unsubscribe</button>\n</form>\n");
    if (rc == URS_OK)
        rc = web_page_end(b);
    return rc;
}

/*
 * GET/HEAD show a page with one button and change nothing (mail scanners fetch links);
 * POST with List-Unsubscribe=One-Click marks the subscriber unsubscribed and answers only
 * after the change is committed. No CSRF token: RFC 8058 senders post without one, and the
 * signed link is the authority. A bad token gives 404 without touching the database.
 */
static int handle_unsubscribe(const struct web_site *site, const struct web_req *req,
                              struct web_resp *resp)
{
    struct db_subscriber sub;
    db_subscriber_init(&sub);
    int code = web_load_subscriber(site, req->arg, NOTIFY_TOKEN_UNSUBSCRIBE, &sub);
    bool post = req->method == WEB_POST;
    bool confirmed = post && code == 200 && web_form_one_click(req->content_type, req->body,
                                                               req->body_len);
    if (confirmed)
        code = unsubscribe(site, &sub, req->now);
    bool gone = sub.status == DB_SUB_UNSUBSCRIBED || confirmed;
    db_subscriber_free(&sub);
    if (code == 404)
        return web_resp_bad_token(resp, site);
    if (code != 200) {
        (void)web_resp_header(resp, "Retry-After", "60");
        return web_resp_page_status(resp, site, code);
    }
    char text[256];
    if (post && !confirmed) {
        resp->status = 400;
        return button_page(resp, site, "Not unsubscribed",
                           "The request did not confirm the unsubscribe (it needs the form field "
                           "List-Unsubscribe=One-Click). Use the button on the unsubscribe page.",
                           true);
    }
    if (gone) {
        (void)snprintf(text, sizeof text, "You are unsubscribed: no more digests from %s.",
                       site->site_name);
        return button_page(resp, site, "Unsubscribed", text, false);
    }
    (void)snprintf(text, sizeof text,
                   "Stop getting job digests from %s? Nothing changes until you press the "
                   "button.",
                   site->site_name);
    return button_page(resp, site, "Unsubscribe", text, true);
}

const struct web_route web_unsubscribe_routes[] = {
    {WEB_GET | WEB_POST, "/u/{}", handle_unsubscribe},
    {0, NULL, NULL},
};
