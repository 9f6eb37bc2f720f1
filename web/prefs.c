/* SPDX-License-Identifier: MIT */
/* GET/POST /p/TOKEN: a subscriber's own filters, schedule, pause and "delete me". */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "db/db.h"
#include "web/web_int.h"

static int prefs_page(const struct web_site *site, const struct web_req *req, struct web_resp *resp,
                      struct db_subscriber *s, const char *note, bool ok)
{
    struct sbuf *b = &resp->body;
    char subject[32];
    (void)snprintf(subject, sizeof subject, "p:%lld", (long long)s->id);
    sbuf_reset(b);
    int rc = web_page_begin(b, site, "Your digest");
    if (rc == URS_OK && note) {
        rc = sbuf_printf(b, "<p class=\"%s\">", ok ? "ok" : "bad");
        if (rc == URS_OK)
            rc = web_esc(b, note);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "</p>\n");
    }
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<p>Digests go to <strong>");
    if (rc == URS_OK)
        rc = web_esc(b, s->email);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</strong>.</p>\n<form method=\"post\">\n");
    if (rc == URS_OK)
        rc = web_csrf_field(b, site, subject, req->now);
    if (rc == URS_OK)
        rc = web_filters_form(b, s);
    if (rc == URS_OK)
        rc = web_schedule_form(b, s, true);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<button type=\"submit\" name=\"action\" value=\"save\">Save</button>\n"
                          "</form>\n<h2>Delete me</h2>\n<p>Removes your address and everything "
                          "stored about you. This cannot be undone.</p>\n"
                          "<form method=\"post\">\n");
    if (rc == URS_OK)
        rc = web_csrf_field(b, site, subject, req->now);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<button class=\"danger\" type=\"submit\" name=\"action\" "
                          "value=\"delete\">Delete me</button>\n</form>\n");
    if (rc == URS_OK)
        rc = web_page_end(b);
    return rc;
}

static int save(const struct web_site *site, const struct web_req *req, struct web_resp *resp,
                struct db_subscriber *s, const struct web_form *f)
{
    char why[256] = "";
    enum db_frequency freq = s->frequency;
    int hour = s->send_hour;
    char old_tz[WEB_TZ_MAX_BYTES + 1];
    (void)snprintf(old_tz, sizeof old_tz, "%s", s->time_zone ? s->time_zone : "UTC");
    int r = web_filters_read(f, s, why, sizeof why);
    if (r == -2)
        return URS_ENOMEM;
    if (r == -1) {
        resp->status = 400;
        return prefs_page(site, req, resp, s, why, false);
    }
    bool paused = web_form_get(f, "paused") != NULL;
    if (paused && s->status == DB_SUB_ACTIVE)
        s->status = DB_SUB_UNSUBSCRIBED;
    else if (!paused && s->status == DB_SUB_UNSUBSCRIBED)
        s->status = DB_SUB_ACTIVE;
    struct err e;
    err_clear(&e);
    bool moved = freq != s->frequency || hour != s->send_hour ||
                 strcmp(old_tz, s->time_zone ? s->time_zone : "UTC") != 0;
    int rc = URS_OK;
    if (moved)
        rc = notify_next_due(s, req->now, &s->next_due_at, &e);
    if (rc == URS_OK)
        rc = db_subscriber_update(site->db, s, req->now, &e);
    if (rc != URS_OK) {
        log_error("web: subscriber=%lld: cannot save preferences: %s", (long long)s->id, e.msg);
        (void)web_resp_header(resp, "Retry-After", "60");
        return web_resp_page_status(resp, site, 503);
    }
    log_info("web: subscriber=%lld saved preferences", (long long)s->id);
    char rel[WEB_MAX_ARG + 16];
    (void)snprintf(rel, sizeof rel, "/p/%s?saved=1", req->arg);
    return web_resp_redirect(resp, site, rel);
}

static int delete_me(const struct web_site *site, struct web_resp *resp,
                     const struct db_subscriber *s)
{
    struct err e;
    err_clear(&e);
    int rc = db_subscriber_remove(site->db, s->email, &e);
    if (rc != URS_OK && rc != URS_ENOTFOUND) {
        log_error("web: subscriber=%lld: cannot remove: %s", (long long)s->id, e.msg);
        (void)web_resp_header(resp, "Retry-After", "60");
        return web_resp_page_status(resp, site, 503);
    }
    log_info("web: subscriber=%lld removed themselves", (long long)s->id);
    return web_resp_message(resp, site, 200, "Deleted",
                            "Your address and everything stored about you are gone. You will "
                            "get no more digests.",
                            "/signup", "Sign up again");
}

static int handle_prefs(const struct web_site *site, const struct web_req *req,
                        struct web_resp *resp)
{
    struct db_subscriber s;
    db_subscriber_init(&s);
    int code = web_load_subscriber(site, req->arg, NOTIFY_TOKEN_PREFERENCES, &s);
    int rc;
    if (code == 404) {
        rc = web_resp_bad_token(resp, site);
    } else if (code != 200) {
        rc = web_resp_page_status(resp, site, code);
    } else if (req->method != WEB_POST) {
        const char *saved = web_req_query(req, "saved");
        rc = prefs_page(site, req, resp, &s, saved ? "Saved." : NULL, true);
    } else {
        struct web_form f;
        char subject[32];
        (void)snprintf(subject, sizeof subject, "p:%lld", (long long)s.id);
        if (web_csrf_form(site, req, subject, &f, resp, &rc)) {
            const char *action = web_form_get(&f, "action");
            rc = action && strcmp(action, "delete") == 0 ? delete_me(site, resp, &s)
                                                         : save(site, req, resp, &s, &f);
            web_form_free(&f);
        }
    }
    db_subscriber_free(&s);
    return rc;
}

const struct web_route web_prefs_routes[] = {
    {WEB_GET | WEB_POST, "/p/{}", handle_prefs},
    {0, NULL, NULL},
};
