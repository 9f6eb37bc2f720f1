/* SPDX-License-Identifier: MIT */
/* The coach desk: sign-in, a coach's cohorts, curation and members of one cohort. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "common/utf8.h"
#include "db/db.h"
#include "web/web_int.h"

#define COOKIE_NAME   "urs_coach"
#define NAME_BYTES    128  /* a coach or cohort name as shown */
#define NOTE_BYTES    1000 /* a coach's note, as the CLI allows */
#define SEARCH_LIMIT  20   /* search results on the cohort page */
#define LOGIN_SUBJECT "coach-login"
#define NOTE_INPUT                                                                                 \
    "<input name=\"note\" type=\"text\" maxlength=\"1000\" placeholder=\"note for the cohort "     \
    "(optional)\""                                                                                 \
    " aria-label=\"note\">"

/* ---- session cookie ---- */

/* The value of our cookie in the Cookie header into out; false when absent or malformed. */
static bool cookie_value(const char *header, char out[WEB_SESSION_HEX_LEN + 1])
{
    const char *s = header;
    size_t name_len = strlen(COOKIE_NAME);
    while (s && *s) {
        while (*s == ' ' || *s == ';')
            s++;
        const char *end = strchr(s, ';');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == name_len + 1 + WEB_SESSION_HEX_LEN &&
            strncmp(s, COOKIE_NAME "=", name_len + 1) == 0) {
            memcpy(out, s + name_len + 1, WEB_SESSION_HEX_LEN);
            out[WEB_SESSION_HEX_LEN] = '\0';
            return true;
        }
        s = end;
    }
    return false;
}

static int set_cookie(struct web_resp *resp, const struct web_site *site, const char *value,
                      long max_age)
{
    char hdr[WEB_MAX_HDR_VALUE];
    (void)snprintf(hdr, sizeof hdr,
                   COOKIE_NAME "=%s; Path=%s/coach; HttpOnly; Secure; SameSite=Strict; Max-Age=%ld",
                   value, site->prefix, max_age);
    return web_resp_header(resp, "Set-Cookie", hdr);
}

/* The signed-in coach: 200, 303 to the sign-in page (resp filled), or 503. */
struct who {
    int64_t coach_id;
    char name[NAME_BYTES];
    char session[WEB_SESSION_HEX_LEN + 1];
    char subject[WEB_SESSION_HEX_LEN + 8]; /* the CSRF subject of this session's forms */
};

static int signed_in(const struct web_site *site, const struct web_req *req, struct web_resp *resp,
                     struct who *w)
{
    memset(w, 0, sizeof *w);
    struct web_auth_policy p;
    web_auth_policy_default(&p);
    struct err e;
    err_clear(&e);
    int rc = URS_ENOTFOUND;
    if (cookie_value(req->cookie, w->session))
        rc = web_coach_session(site->db, &p, w->session, req->now, &w->coach_id, &e);
    if (rc == URS_OK)
        rc = db_coach_name(site->db, w->coach_id, w->name, sizeof w->name, &e);
    if (rc == URS_ENOTFOUND) {
        int r = web_resp_redirect(resp, site, "/coach/login");
        return r == URS_OK ? 303 : r;
    }
    if (rc != URS_OK) {
        log_error("web: coach session: %s", e.msg);
        return 503;
    }
    (void)snprintf(w->subject, sizeof w->subject, "coach:%s", w->session);
    return 200;
}

/* ---- sign-in and out ---- */

static int login_page(struct web_resp *resp, const struct web_site *site, int64_t now,
                      const char *message)
{
    struct sbuf *b = &resp->body;
    int rc = web_page_begin(b, site, "Coach sign-in");
    if (rc == URS_OK && message) {
        rc = sbuf_puts(b, "<p class=\"bad\" role=\"alert\">");
        if (rc == URS_OK)
            rc = web_esc(b, message);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "</p>\n");
    }
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<form method=\"post\">\n");
    if (rc == URS_OK)
        rc = web_csrf_field(b, site, LOGIN_SUBJECT, now);
    if (rc == URS_OK)
        rc = sbuf_printf(
            b,
            "<label>Name or email<br><input name=\"login\" type=\"text\" required maxlength=\"%d\""
            " autocomplete=\"username\"></label>\n"
            "<label>Password<br><input name=\"password\" type=\"password\" required"
            " maxlength=\"%d\" autocomplete=\"current-password\"></label>\n"
            "<button type=\"submit\">Sign in</button>\n</form>\n"
            "<p>No password yet? Ask the operator to run "
            "<code>urscout coach passwd YOUR-NAME</code>.</p>\n",
            WEB_LOGIN_MAX, WEB_PASSWORD_MAX);
    if (rc == URS_OK)
        rc = web_page_end(b);
    return rc;
}

static int login_post(const struct web_site *site, const struct web_req *req, struct web_resp *resp)
{
    struct web_form f;
    int rc = web_form_parse(req->content_type, req->body, req->body_len, &f);
    if (rc != URS_OK) {
        web_form_free(&f);
        resp->status = 400;
        return login_page(resp, site, req->now, "The form could not be read; try again.");
    }
    if (!web_csrf_check(site, LOGIN_SUBJECT, web_form_get(&f, WEB_CSRF_FIELD), req->now)) {
        web_form_free(&f);
        return web_resp_csrf_failed(resp, site);
    }
    const char *login = web_form_get(&f, "login");
    const char *pw = web_form_get(&f, "password");
    struct web_auth_policy p;
    web_auth_policy_default(&p);
    struct web_login l;
    struct err e;
    err_clear(&e);
    rc = web_coach_login(site->db, &p, login ? login : "", pw ? pw : "", req->client, req->now, &l,
                         &e);
    web_form_free(&f);
    if (rc != URS_OK) {
        log_error("web: coach sign-in: %s", e.msg);
        return web_resp_page_status(resp, site, 503);
    }
    if (l.result == WEB_LOGIN_LOCKED) {
        char text[200], secs[32];
        long minutes = (long)((l.retry_after + 59) / 60);
        (void)snprintf(text, sizeof text, "Too many failed sign-ins. Try again in %ld minute%s.",
                       minutes, minutes == 1 ? "" : "s");
        (void)snprintf(secs, sizeof secs, "%lld", (long long)l.retry_after);
        (void)web_resp_header(resp, "Retry-After", secs);
        resp->status = 429;
        return login_page(resp, site, req->now, text);
    }
    if (l.result != WEB_LOGIN_OK) {
        resp->status = 403;
        return login_page(resp, site, req->now, "Wrong name or password.");
    }
    log_info("web: coach=%lld signed in", (long long)l.coach_id);
    rc = set_cookie(resp, site, l.session, (long)p.absolute_s);
    return rc == URS_OK ? web_resp_redirect(resp, site, "/coach") : rc;
}

static int handle_login(const struct web_site *site, const struct web_req *req,
                        struct web_resp *resp)
{
    if (req->method == WEB_POST)
        return login_post(site, req, resp);
    return login_page(resp, site, req->now, NULL);
}

static int handle_logout(const struct web_site *site, const struct web_req *req,
                         struct web_resp *resp)
{
    struct who w;
    int code = signed_in(site, req, resp, &w);
    if (code != 200)
        return code == 303 ? URS_OK : web_resp_page_status(resp, site, code);
    struct web_form f;
    bool ok = web_form_parse(req->content_type, req->body, req->body_len, &f) == URS_OK;
    ok = ok && web_csrf_check(site, w.subject, web_form_get(&f, WEB_CSRF_FIELD), req->now);
    web_form_free(&f);
    if (!ok)
        return web_resp_csrf_failed(resp, site);
    struct err e;
    err_clear(&e);
    if (web_coach_logout(site->db, w.session, &e) != URS_OK) {
        log_error("web: coach logout: %s", e.msg);
        return web_resp_page_status(resp, site, 503);
    }
    int rc = set_cookie(resp, site, "", 0);
    return rc == URS_OK ? web_resp_redirect(resp, site, "/coach/login") : rc;
}

/* ---- pages ---- */

static int page_top(struct sbuf *b, const struct web_site *site, const struct who *w,
                    const char *title, int64_t now)
{
    int rc = web_page_begin(b, site, title);
    if (rc == URS_OK)
        rc = sbuf_printf(b, "<nav class=\"desk\"><a href=\"%s/coach\">Your cohorts</a> \xc2\xb7 ",
                         site->prefix);
    if (rc == URS_OK)
        rc = web_esc(b, w->name);
    if (rc == URS_OK)
        rc = sbuf_printf(b, " <form method=\"post\" action=\"%s/coach/logout\" class=\"inline\">",
                         site->prefix);
    if (rc == URS_OK)
        rc = web_csrf_field(b, site, w->subject, now);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<button type=\"submit\">Sign out</button></form></nav>\n");
    return rc;
}

struct list_ctx {
    struct sbuf *b;
    const struct web_site *site;
    int rc;
};

static int cohort_row(void *ctx, const struct db_cohort *c)
{
    struct list_ctx *l = ctx;
    l->rc =
        sbuf_printf(l->b, "<li><a href=\"%s/coach/c/%lld\">", l->site->prefix, (long long)c->id);
    if (l->rc == URS_OK)
        l->rc = web_esc(l->b, c->name);
    if (l->rc == URS_OK)
        l->rc = sbuf_printf(l->b, "</a> \xe2\x80\x94 %zu member%s</li>\n", c->members,
                            c->members == 1 ? "" : "s");
    return l->rc != URS_OK;
}

static int handle_home(const struct web_site *site, const struct web_req *req,
                       struct web_resp *resp)
{
    struct who w;
    int code = signed_in(site, req, resp, &w);
    if (code != 200)
        return code == 303 ? URS_OK : web_resp_page_status(resp, site, code);
    struct sbuf *b = &resp->body;
    int rc = page_top(b, site, &w, "Your cohorts", req->now);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<ul class=\"jobs\">\n");
    struct list_ctx l = {b, site, URS_OK};
    struct err e;
    err_clear(&e);
    if (rc == URS_OK)
        rc = db_coach_cohorts_each(site->db, w.coach_id, cohort_row, &l, &e);
    if (rc != URS_OK && l.rc != URS_OK)
        rc = l.rc;
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</ul>\n<p>A cohort is made with <code>urscout cohort add NAME "
                          "--coach YOU</code>.</p>\n");
    if (rc == URS_OK)
        rc = web_page_end(b);
    if (rc == URS_EDB) {
        log_error("web: coach cohorts: %s", e.msg);
        sbuf_reset(b);
        return web_resp_page_status(resp, site, 503);
    }
    return rc;
}

/* The cohort in req->arg if it is w's: 200, 404 (no such cohort), 403 (another coach's), 503. */
static int own_cohort(const struct web_site *site, const struct web_req *req, const struct who *w,
                      int64_t *cohort_id, char name[NAME_BYTES])
{
    long long id;
    if (text_parse_int(req->arg, 1, INT64_MAX, &id) != URS_OK)
        return 404;
    int64_t owner;
    struct err e;
    err_clear(&e);
    int rc = db_cohort_owner(site->db, id, &owner, name, NAME_BYTES, &e);
    if (rc == URS_ENOTFOUND)
        return 404;
    if (rc != URS_OK) {
        log_error("web: cohort: %s", e.msg);
        return 503;
    }
    if (owner != w->coach_id) {
        log_info("web: coach=%lld refused cohort=%lld (not theirs)", (long long)w->coach_id, id);
        return 403;
    }
    *cohort_id = id;
    return 200;
}

struct cohort_ctx {
    struct sbuf *b;
    const struct web_site *site;
    const struct who *w;
    int64_t cohort_id;
    int64_t now;
    int rc;
};

/* A small form posting action (and a posting id or address) to the cohort page. */
static int action_form(struct cohort_ctx *c, const char *action, const char *field,
                       const char *value, const char *label, const char *input)
{
    struct sbuf *b = c->b;
    int rc = sbuf_printf(b, "<form method=\"post\" class=\"inline\">");
    if (rc == URS_OK)
        rc = web_csrf_field(b, c->site, c->w->subject, c->now);
    if (rc == URS_OK)
        rc = sbuf_printf(b, "<input type=\"hidden\" name=\"action\" value=\"%s\">", action);
    if (rc == URS_OK && field) {
        rc = sbuf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", field);
        if (rc == URS_OK)
            rc = web_esc(b, value);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "\">");
    }
    if (rc == URS_OK && input)
        rc = sbuf_puts(b, input);
    if (rc == URS_OK)
        rc = sbuf_printf(b, "<button type=\"submit\">%s</button></form>", label);
    return rc;
}

static int member_row(void *ctx, const struct db_subscriber *s)
{
    struct cohort_ctx *c = ctx;
    c->rc = sbuf_puts(c->b, "<li>");
    if (c->rc == URS_OK)
        c->rc = web_esc(c->b, s->email);
    if (c->rc == URS_OK)
        c->rc = sbuf_puts(c->b, " ");
    if (c->rc == URS_OK)
        c->rc = action_form(c, "leave", "email", s->email, "Remove", NULL);
    if (c->rc == URS_OK)
        c->rc = sbuf_puts(c->b, "</li>\n");
    return c->rc != URS_OK;
}

static int posting_line(struct sbuf *b, int64_t id, const char *title, const char *employer)
{
    int rc = sbuf_printf(b, "<span class=\"id\">#%lld</span> <strong>", (long long)id);
    if (rc == URS_OK)
        rc = web_esc(b, title ? title : "");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</strong>");
    if (rc == URS_OK && employer && *employer) {
        rc = sbuf_puts(b, " \xe2\x80\x94 ");
        if (rc == URS_OK)
            rc = web_esc(b, employer);
    }
    return rc;
}

static int curation_row(void *ctx, const struct db_curation *k)
{
    struct cohort_ctx *c = ctx;
    char id[32];
    (void)snprintf(id, sizeof id, "%lld", (long long)k->posting_id);
    c->rc = sbuf_printf(c->b, "<li class=\"%s\">",
                        k->pinned   ? "pinned"
                        : k->hidden ? "hidden"
                                    : "noted");
    if (c->rc == URS_OK)
        c->rc = sbuf_printf(c->b, "<span class=\"tag\">%s</span> ",
                            k->pinned   ? "pinned"
                            : k->hidden ? "hidden"
                                        : "noted");
    if (c->rc == URS_OK)
        c->rc = posting_line(c->b, k->posting_id, k->title, k->employer);
    if (c->rc == URS_OK && k->note) {
        c->rc = sbuf_puts(c->b, "<br><em>");
        if (c->rc == URS_OK)
            c->rc = web_esc(c->b, k->note);
        if (c->rc == URS_OK)
            c->rc = sbuf_puts(c->b, "</em>");
    }
    if (c->rc == URS_OK)
        c->rc = sbuf_puts(c->b, "<br>");
    if (c->rc == URS_OK)
        c->rc = action_form(c, "note", "posting", id, "Set note", NOTE_INPUT);
    if (c->rc == URS_OK)
        c->rc = action_form(c, "clear", "posting", id, "Forget", NULL);
    if (c->rc == URS_OK)
        c->rc = sbuf_puts(c->b, "</li>\n");
    return c->rc != URS_OK;
}

static int search_row(void *ctx, const struct posting *p)
{
    struct cohort_ctx *c = ctx;
    char id[32];
    (void)snprintf(id, sizeof id, "%lld", (long long)p->id);
    c->rc = sbuf_puts(c->b, "<li>");
    if (c->rc == URS_OK)
        c->rc = posting_line(c->b, p->id, p->title, p->employer);
    if (c->rc == URS_OK && p->location) {
        c->rc = sbuf_puts(c->b, " \xc2\xb7 ");
        if (c->rc == URS_OK)
            c->rc = web_esc(c->b, p->location);
    }
    if (c->rc == URS_OK)
        c->rc = sbuf_puts(c->b, "<br>");
    if (c->rc == URS_OK)
        c->rc = action_form(c, "pin", "posting", id, "Pin", NOTE_INPUT);
    if (c->rc == URS_OK)
        c->rc = action_form(c, "hide", "posting", id, "Hide", NULL);
    if (c->rc == URS_OK)
        c->rc = sbuf_puts(c->b, "</li>\n");
    return c->rc != URS_OK;
}

/* The search part: a GET form, and its results when ?q= is given. */
static int search_part(struct cohort_ctx *c, const struct web_req *req, struct err *e)
{
    const char *q = web_req_query(req, "q");
    int rc = sbuf_puts(
        c->b, "<h2>Find postings</h2>\n<form method=\"get\" class=\"search\">"
              "<input name=\"q\" type=\"text\" aria-label=\"search words\" maxlength=\"200\""
              " placeholder=\"utilization review remote\" value=\"");
    if (rc == URS_OK)
        rc = web_esc(c->b, q ? q : "");
    if (rc == URS_OK)
        rc = sbuf_puts(c->b, "\"><button type=\"submit\">Search</button></form>\n");
    if (rc != URS_OK || !q || !*q || strlen(q) > 200)
        return rc;
    struct db_query dq;
    memset(&dq, 0, sizeof dq);
    dq.text = q;
    dq.limit = SEARCH_LIMIT;
    rc = sbuf_puts(c->b, "<ul class=\"jobs\">\n");
    int s = rc == URS_OK ? db_search(c->site->db, &dq, search_row, c, e) : rc;
    if (s == URS_EINVAL) {
        rc = sbuf_puts(c->b, "<li>");
        if (rc == URS_OK)
            rc = web_esc(c->b, e->msg);
        if (rc == URS_OK)
            rc = sbuf_puts(c->b, "</li>");
        err_clear(e);
    } else if (s != URS_OK) {
        rc = c->rc != URS_OK ? c->rc : s;
    }
    if (rc == URS_OK)
        rc = sbuf_puts(c->b, "</ul>\n");
    return rc;
}

static int cohort_page(const struct web_site *site, const struct web_req *req,
                       struct web_resp *resp, const struct who *w, int64_t cohort_id,
                       const char *name, const char *message, bool notice)
{
    struct sbuf *b = &resp->body;
    struct cohort_ctx c = {b, site, w, cohort_id, req->now, URS_OK};
    struct err e;
    err_clear(&e);
    int rc = page_top(b, site, w, name, req->now);
    if (rc == URS_OK)
        rc = sbuf_printf(b,
                         "<p><a href=\"%s/coach/c/%lld/preview\">Preview the monthly "
                         "digest</a></p>\n",
                         site->prefix, (long long)cohort_id);
    if (rc == URS_OK && message) {
        rc = sbuf_printf(b, "<p class=\"%s\" role=\"alert\">", notice ? "ok" : "bad");
        if (rc == URS_OK)
            rc = web_esc(b, message);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "</p>\n");
    }
    if (rc == URS_OK)
        rc = action_form(&c, "send", NULL, NULL, "Send this month\xe2\x80\x99s digest now", NULL);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<h2>Your picks</h2>\n<ul class=\"jobs\">\n");
    if (rc == URS_OK)
        rc = db_curation_each(site->db, name, curation_row, &c, &e);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</ul>\n");
    if (rc == URS_OK)
        rc = search_part(&c, req, &e);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<h2>Members</h2>\n<ul class=\"jobs\">\n");
    if (rc == URS_OK)
        rc = db_cohort_members(site->db, name, member_row, &c, &e);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</ul>\n");
    if (rc == URS_OK)
        rc = action_form(&c, "join", NULL, NULL, "Add member",
                         "<input name=\"email\" type=\"email\" required maxlength=\"254\""
                         " placeholder=\"student@example.org\" aria-label=\"member address\">");
    if (rc == URS_OK)
        rc = web_page_end(b);
    if (rc != URS_OK && c.rc != URS_OK)
        rc = c.rc;
    if (rc == URS_EDB || rc == URS_EINVAL || rc == URS_ENOTFOUND) {
        log_error("web: cohort page: %s", e.msg);
        sbuf_reset(b);
        return web_resp_page_status(resp, site, 503);
    }
    return rc;
}

/* ---- changes ---- */

/* Apply one POSTed action to the cohort: NULL, or a message for the page (nothing changed). */
static const char *apply(const struct web_site *site, const struct web_form *f, const char *name,
                         int64_t now, int *status)
{
    static const char *const verbs[] = {"pin", "hide", "note", "clear"};
    const char *action = web_form_get(f, "action");
    struct err e;
    err_clear(&e);
    int rc = URS_EINVAL;
    *status = 400;
    if (!action)
        return "That form had no action; reload the page and try again.";
    if (strcmp(action, "join") == 0 || strcmp(action, "leave") == 0) {
        const char *email = web_form_get(f, "email");
        if (!email || notify_email_check(email, &e) != URS_OK)
            return "That is not an email address.";
        rc = strcmp(action, "join") == 0 ? db_cohort_join(site->db, name, email, now, &e)
                                         : db_cohort_leave(site->db, name, email, &e);
        if (rc == URS_ENOTFOUND)
            return "No subscriber has that address (they sign up first), or they are not a "
                   "member.";
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(action, verbs[i]) != 0)
            continue;
        long long id;
        if (text_parse_int(web_form_get(f, "posting") ? web_form_get(f, "posting") : "", 1,
                           INT64_MAX, &id) != URS_OK)
            return "That is not a posting id.";
        const char *raw = web_form_get(f, "note");
        char *note = raw && *raw ? utf8_clean_dup(raw, UTF8_ONE_LINE, NOTE_BYTES, NULL) : NULL;
        if (raw && *raw && !note) {
            *status = 503;
            return "Out of memory; try again.";
        }
        enum db_curate what = (enum db_curate)i;
        if (what == DB_CURATE_PIN && note) {
            rc = db_curate(site->db, name, id, DB_CURATE_PIN, NULL, now, &e);
            if (rc == URS_OK)
                rc = db_curate(site->db, name, id, DB_CURATE_NOTE, note, now, &e);
        } else {
            rc = db_curate(site->db, name, id, what, note, now, &e);
        }
        free(note);
        if (rc == URS_ENOTFOUND)
            return "No posting has that id.";
    }
    if (rc == URS_OK)
        return NULL;
    if (rc == URS_EINVAL && !e.msg[0])
        return "Unknown action; reload the page and try again.";
    log_error("web: cohort change: %s", e.msg);
    *status = 503;
    return "The change could not be saved; try again in a minute.";
}

/* Build and deliver the cohort's digest now; the message for the page (status 200 on success). */
static const char *send_digest(const struct web_site *site, const char *name, int64_t now,
                               char *out, size_t out_len, int *status)
{
    *status = 503;
    if (!site->cfg)
        return "Sending needs the server's configuration; try urscout digest send.";
    struct notify_opts o = {.now = now, .all = true};
    struct notify_stats st = {0};
    struct err e;
    err_clear(&e);
    int rc = notify_build_cohort(site->db, site->cfg, &o, name, &st, &e);
    if (rc == URS_OK)
        rc = notify_deliver(site->db, site->cfg, &o, &st, &e);
    if (rc != URS_OK) {
        log_error("web: cohort send: %s", e.msg);
        /* a long reason is cut: the whole of it is in the log line above */
        int n = snprintf(out, out_len, "Not sent: %s", e.msg);
        if (n < 0 || (size_t)n >= out_len)
            log_info("web: cohort send: the reason shown on the page was cut");
        return out;
    }
    log_info("web: cohort digest sent: digests=%zu delivered=%zu", st.digests, st.sent);
    *status = 200;
    (void)snprintf(out, out_len, "Sent: %zu digest%s (%zu member%s had nothing new).", st.digests,
                   st.digests == 1 ? "" : "s", st.empty, st.empty == 1 ? "" : "s");
    return out;
}

static int handle_cohort(const struct web_site *site, const struct web_req *req,
                         struct web_resp *resp)
{
    struct who w;
    int code = signed_in(site, req, resp, &w);
    if (code != 200)
        return code == 303 ? URS_OK : web_resp_page_status(resp, site, code);
    int64_t cohort_id = 0;
    char name[NAME_BYTES];
    code = own_cohort(site, req, &w, &cohort_id, name);
    if (code != 200)
        return web_resp_page_status(resp, site, code);
    if (req->method != WEB_POST)
        return cohort_page(site, req, resp, &w, cohort_id, name, NULL, false);
    struct web_form f;
    if (web_form_parse(req->content_type, req->body, req->body_len, &f) != URS_OK) {
        web_form_free(&f);
        resp->status = 400;
        return cohort_page(site, req, resp, &w, cohort_id, name, "The form could not be read.",
                           false);
    }
    if (!web_csrf_check(site, w.subject, web_form_get(&f, WEB_CSRF_FIELD), req->now)) {
        web_form_free(&f);
        return web_resp_csrf_failed(resp, site);
    }
    int status;
    char sent[160];
    const char *action = web_form_get(&f, "action");
    const char *msg = action && strcmp(action, "send") == 0
                          ? send_digest(site, name, req->now, sent, sizeof sent, &status)
                          : apply(site, &f, name, req->now, &status);
    web_form_free(&f);
    if (msg) {
        resp->status = status;
        return cohort_page(site, req, resp, &w, cohort_id, name, msg, status == 200);
    }
    char rel[64];
    (void)snprintf(rel, sizeof rel, "/coach/c/%lld", (long long)cohort_id);
    return web_resp_redirect(resp, site, rel);
}

/* The first member's address, to preview the digest a member gets. */
static int first_member(void *ctx, const struct db_subscriber *s)
{
    char *out = ctx;
    (void)snprintf(out, 256, "%s", s->email);
    return 1;
}

/*
 * The cohort's digest as its first member gets it: the HTML part itself, so what the coach
 * sees is the member's mail. (Members with other filters get the same picks first.)
 */
static int handle_preview(const struct web_site *site, const struct web_req *req,
                          struct web_resp *resp)
{
    struct who w;
    int code = signed_in(site, req, resp, &w);
    if (code != 200)
        return code == 303 ? URS_OK : web_resp_page_status(resp, site, code);
    int64_t cohort_id = 0;
    char name[NAME_BYTES];
    code = own_cohort(site, req, &w, &cohort_id, name);
    if (code != 200)
        return web_resp_page_status(resp, site, code);
    char email[256] = "";
    struct err e;
    err_clear(&e);
    int rc = db_cohort_members(site->db, name, first_member, email, &e);
    char back[64];
    (void)snprintf(back, sizeof back, "/coach/c/%lld", (long long)cohort_id);
    if (!email[0])
        return web_resp_message(resp, site, 200, "No preview yet",
                                "This cohort has no members yet: add one to see their digest.",
                                back, "Back to the cohort");
    if (!site->cfg)
        return web_resp_page_status(resp, site, 503);
    err_clear(&e);
    struct notify_message m;
    notify_message_init(&m);
    size_t n = 0;
    rc = notify_preview(site->db, site->cfg, email, req->now, &m, &n, &e);
    if (rc == URS_OK)
        rc = sbuf_append(&resp->body, m.html.data ? m.html.data : "", m.html.len);
    resp->mail_styles = rc == URS_OK; /* shown as the member's mail client shows it */
    notify_message_free(&m);
    if (rc == URS_ENOMEM || rc == URS_ELIMIT)
        return rc;
    if (rc != URS_OK) {
        log_error("web: cohort preview: %s", e.msg);
        sbuf_reset(&resp->body);
        return web_resp_message(resp, site, 503, "No preview", e.msg, back, "Back to the cohort");
    }
    return URS_OK;
}

const struct web_route web_coach_routes[] = {
    {WEB_GET | WEB_POST, "/coach/login", handle_login},
    {WEB_POST, "/coach/logout", handle_logout},
    {WEB_GET, "/coach", handle_home},
    {WEB_GET | WEB_POST, "/coach/c/{}", handle_cohort},
    {WEB_GET, "/coach/c/{}/preview", handle_preview},
    {0, NULL, NULL},
};
