/* SPDX-License-Identifier: MIT */
/* /m/TOKEN and /m/TOKEN.atom: a subscriber's current matches, paged, and as an Atom feed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/posting.h"
#include "common/text.h"
#include "db/db.h"
#include "web/web_int.h"

#define PAGE_SIZE   25
#define MAX_PAGES   40               /* 1,000 matches at most */
#define CURRENT_AGE (60 * 24 * 3600) /* "current": first seen in the last 60 days */
#define FEED_SIZE   50

struct walk {
    const struct db_subscriber *sub;
    size_t skip, want, seen;
    struct sbuf *b;
    bool atom;
    int rc;
};

/* True when the posting's employer is one the subscriber left out. */
static bool excluded(const struct db_subscriber *s, const struct posting *p)
{
    if (!s->exclude_employers || !p->employer)
        return false;
    for (const char *l = s->exclude_employers; *l;) {
        size_t n = strcspn(l, "\n");
        char one[256];
        if (n > 0 && n < sizeof one) {
            memcpy(one, l, n);
            one[n] = '\0';
            if (strcasestr(p->employer, one))
                return true;
        }
        l += n + (l[n] == '\n');
    }
    return false;
}

static int put_item(struct walk *w, const struct posting *p)
{
    struct sbuf *b = w->b;
    const char *url = p->url && text_url_is_http(p->url) ? p->url : NULL;
    char when[40];
    text_format_time(p->first_seen, when, sizeof when);
    int rc;
    if (w->atom) {
        rc =
            sbuf_printf(b, "<entry>\n<id>urn:urscout:posting:%lld</id>\n<title>", (long long)p->id);
        if (rc == URS_OK)
            rc = web_esc(b, p->title ? p->title : "(untitled)");
        if (rc == URS_OK)
            rc = sbuf_printf(b, "</title>\n<updated>%s</updated>\n", when);
        if (rc == URS_OK && url) {
            rc = sbuf_puts(b, "<link rel=\"alternate\" href=\"");
            if (rc == URS_OK)
                rc = web_esc(b, url);
            if (rc == URS_OK)
                rc = sbuf_puts(b, "\"/>\n");
        }
        if (rc == URS_OK)
            rc = sbuf_puts(b, "<summary>");
        if (rc == URS_OK)
            rc = web_esc(b, p->employer ? p->employer : "");
        if (rc == URS_OK)
            rc = sbuf_puts(b, "</summary>\n</entry>\n");
        return rc;
    }
    rc = sbuf_puts(b, "<li>");
    if (rc == URS_OK && url) {
        rc = sbuf_puts(b, "<a href=\"");
        if (rc == URS_OK)
            rc = web_esc(b, url);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "\" rel=\"noopener noreferrer\">");
    }
    if (rc == URS_OK)
        rc = web_esc(b, p->title ? p->title : "(untitled)");
    if (rc == URS_OK)
        rc = sbuf_puts(b, url ? "</a><br>" : "<br>");
    if (rc == URS_OK)
        rc = web_esc(b, p->employer ? p->employer : "");
    if (rc == URS_OK)
        rc = sbuf_printf(b, " <span class=\"note\">&middot; found %.10s</span></li>\n", when);
    return rc;
}

static int on_posting(void *ctx, const struct posting *p)
{
    struct walk *w = ctx;
    if (excluded(w->sub, p))
        return 0;
    w->seen++;
    if (w->seen <= w->skip || w->seen > w->skip + w->want)
        return w->seen > w->skip + w->want; /* one past the page: there is a next one */
    w->rc = put_item(w, p);
    return w->rc != URS_OK;
}

/* The subscriber's keywords as an FTS5 query: "a b, c d" gives "a" "b" OR "c" "d". */
static int fts_query(const char *kw, struct sbuf *q)
{
    int rc = URS_OK;
    bool group_open = false;
    for (const char *p = kw; *p && rc == URS_OK;) {
        if (*p == ',') {
            if (group_open)
                rc = sbuf_puts(q, " OR");
            group_open = false;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t n = strcspn(p, " ,");
        rc = sbuf_puts(q, q->len ? " \"" : "\"");
        for (size_t i = 0; i < n && rc == URS_OK; i++)
            rc = p[i] == '"' ? sbuf_puts(q, "\"\"") : sbuf_putc(q, p[i]);
        if (rc == URS_OK)
            rc = sbuf_putc(q, '"');
        group_open = true;
        p += n;
    }
    /* a trailing OR would be a syntax error */
    if (rc == URS_OK && q->len >= 3 && strcmp(sbuf_str(q) + q->len - 3, " OR") == 0)
        sbuf_truncate(q, q->len - 3);
    return rc;
}

static int search(const struct web_site *site, const struct db_subscriber *s, int64_t now,
                  struct walk *w)
{
    struct sbuf q;
    sbuf_init(&q, 4096);
    int rc = s->keywords ? fts_query(s->keywords, &q) : URS_OK;
    struct db_query dq = {.text = q.len ? sbuf_str(&q) : NULL,
                          .disciplines = s->disciplines,
                          .modes = s->modes,
                          .schedules = s->schedules,
                          .states = s->states,
                          .min_salary = s->min_salary,
                          .since = now - CURRENT_AGE};
    struct err e;
    err_clear(&e);
    if (rc == URS_OK)
        rc = db_search(site->db, &dq, on_posting, w, &e);
    if (rc == URS_EINVAL && w->rc == URS_OK && w->seen > w->skip + w->want)
        rc = URS_OK; /* stopped one past the page on purpose */
    if (rc == URS_OK)
        rc = w->rc;
    if (rc != URS_OK && rc != URS_ENOMEM && rc != URS_ELIMIT)
        log_error("web: subscriber=%lld: matches: %s", (long long)s->id, e.msg);
    sbuf_free(&q);
    return rc;
}

static int html_list(const struct web_site *site, const struct web_req *req, struct web_resp *resp,
                     const struct db_subscriber *s)
{
    long long page = 1;
    const char *pg = web_req_query(req, "page");
    if (pg && text_parse_int(pg, 1, MAX_PAGES, &page) != URS_OK)
        return web_resp_page_status(resp, site, 404);
    struct sbuf *b = &resp->body;
    int rc = web_page_begin(b, site, "All your matches");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<p>Open postings from the last 60 days that match your filters, "
                          "newest first.</p>\n<ul class=\"jobs\">\n");
    struct walk w = {.sub = s, .skip = (size_t)(page - 1) * PAGE_SIZE, .want = PAGE_SIZE, .b = b};
    if (rc == URS_OK && (rc = search(site, s, req->now, &w)) != URS_OK)
        return rc == URS_ENOMEM || rc == URS_ELIMIT ? rc : web_resp_page_status(resp, site, 503);
    if (w.seen <= w.skip && w.seen > 0)
        return web_resp_page_status(resp, site, 404);
    if (rc == URS_OK && w.seen == 0)
        rc = sbuf_puts(b, "<li>Nothing matches right now.</li>\n");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</ul>\n<nav class=\"pages\">");
    if (rc == URS_OK && page > 1)
        rc = sbuf_printf(b, "<a href=\"?page=%lld\">&larr; Newer</a>", page - 1);
    if (rc == URS_OK && w.seen > w.skip + w.want && page < MAX_PAGES)
        rc = sbuf_printf(b, "<a href=\"?page=%lld\">Older &rarr;</a>", page + 1);
    if (rc == URS_OK)
        rc = sbuf_printf(b,
                         "</nav>\n<p><a href=\"%s/m/%s.atom\">Atom feed</a> &middot; "
                         "<a href=\"%s/p/%s\">Change your filters</a></p>\n",
                         site->prefix, req->arg, site->prefix, req->arg);
    if (rc == URS_OK)
        rc = web_page_end(b);
    return rc;
}

static int atom_feed(const struct web_site *site, const struct web_req *req, struct web_resp *resp,
                     const struct db_subscriber *s)
{
    struct sbuf *b = &resp->body;
    char now[40];
    text_format_time(req->now, now, sizeof now);
    resp->content_type = "application/atom+xml; charset=utf-8";
    int rc = sbuf_printf(b,
                         "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                         "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
                         "<id>urn:urscout:matches:%lld</id>\n<title>",
                         (long long)s->id);
    if (rc == URS_OK)
        rc = web_esc(b, site->site_name);
    if (rc == URS_OK)
        rc = sbuf_printf(b,
                         ": your matches</title>\n<updated>%s</updated>\n"
                         "<author><name>",
                         now);
    if (rc == URS_OK)
        rc = web_esc(b, site->site_name);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</name></author>\n");
    struct walk w = {.sub = s, .want = FEED_SIZE, .b = b, .atom = true};
    if (rc == URS_OK && (rc = search(site, s, req->now, &w)) != URS_OK)
        return rc == URS_ENOMEM || rc == URS_ELIMIT ? rc : web_resp_page_status(resp, site, 503);
    return sbuf_puts(b, "</feed>\n");
}

static int handle(const struct web_site *site, const struct web_req *req, struct web_resp *resp,
                  bool atom)
{
    struct db_subscriber s;
    db_subscriber_init(&s);
    int code = web_load_subscriber(site, req->arg, NOTIFY_TOKEN_PREFERENCES, &s);
    int rc;
    if (code == 404)
        rc = web_resp_bad_token(resp, site);
    else if (code != 200)
        rc = web_resp_page_status(resp, site, code);
    else
        rc = atom ? atom_feed(site, req, resp, &s) : html_list(site, req, resp, &s);
    db_subscriber_free(&s);
    return rc;
}

static int handle_atom(const struct web_site *site, const struct web_req *req,
                       struct web_resp *resp)
{
    return handle(site, req, resp, true);
}

static int handle_html(const struct web_site *site, const struct web_req *req,
                       struct web_resp *resp)
{
    return handle(site, req, resp, false);
}

const struct web_route web_matches_routes[] = {
    {WEB_GET, "/m/{}.atom", handle_atom},
    {WEB_GET, "/m/{}", handle_html},
    {0, NULL, NULL},
};
