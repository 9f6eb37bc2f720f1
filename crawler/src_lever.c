/* SPDX-License-Identifier: MIT */
/* Lever Postings API: a bare JSON array per page, skip/limit pagination. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define LEVER_API   "https://api.lever.co"
#define LEVER_LIMIT 100

static int queue_page(struct crawl_job *job, long skip)
{
    const struct config_source *src = crawl_job_source(job);
    char *base = crawl_url_base(src, LEVER_API);
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = base ? sbuf_printf(&url, "%s/v0/postings/", base) : URS_ENOMEM;
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, src->board);
    if (rc == URS_OK)
        rc = sbuf_printf(&url, "?mode=json&skip=%ld&limit=%d", skip, LEVER_LIMIT);
    if (rc == URS_OK)
        rc = crawl_get(job, url.data, 0, skip, NULL, true);
    sbuf_free(&url);
    free(base);
    return rc;
}

static int lever_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->board || !*src->board)
        return err_set(e, URS_EINVAL, "%s: lever needs board = the site name", src->name);
    int rc = queue_page(job, 0);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue the postings: %s", src->name, err_name(rc));
    return URS_OK;
}

/* description, then each list as a heading and its items, then additional. */
static int description_html(struct crawl_job *job, json_t *j, struct sbuf *html)
{
    const char *d = crawl_json_str(job, j, "description");
    int rc = d ? sbuf_printf(html, "<div>%s</div>", d) : URS_OK;
    size_t i;
    json_t *list;
    json_array_foreach(crawl_json_arr(job, j, "lists"), i, list)
    {
        const char *head = crawl_json_str(job, list, "text");
        const char *items = crawl_json_str(job, list, "content");
        if (rc == URS_OK && head) {
            rc = sbuf_puts(html, "<h3>");
            if (rc == URS_OK)
                rc = text_html_escape(html, head);
            if (rc == URS_OK)
                rc = sbuf_puts(html, "</h3>");
        }
        if (rc == URS_OK && items)
            rc = sbuf_printf(html, "<ul>%s</ul>", items);
    }
    const char *more = crawl_json_str(job, j, "additional");
    if (rc == URS_OK && more)
        rc = sbuf_printf(html, "<div>%s</div>", more);
    return rc;
}

static int set_locations(struct crawl_job *job, json_t *cat, struct posting *p)
{
    json_t *all = crawl_json_arr(job, cat, "allLocations");
    size_t i;
    json_t *loc;
    int rc = URS_OK;
    json_array_foreach(all, i, loc)
    {
        if (rc == URS_OK && json_is_string(loc))
            rc = crawl_field_append(&p->location, "; ", json_string_value(loc));
    }
    if (rc == URS_OK && !p->location)
        rc = crawl_json_set(job, &p->location, cat, "location", false);
    return rc;
}

static void set_salary(struct crawl_job *job, json_t *range, struct posting *p)
{
    double lo = 0, hi = 0;
    if (!range)
        return;
    (void)crawl_json_num(job, range, "min", &lo);
    (void)crawl_json_num(job, range, "max", &hi);
    crawl_salary_set(p, lo, hi, crawl_period_parse(crawl_json_str(job, range, "interval")));
}

static int from_posting(struct crawl_job *job, json_t *j, struct posting *p)
{
    json_t *cat = crawl_json_obj(job, j, "categories");
    int rc = crawl_json_set(job, &p->external_id, j, "id", true);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, j, "text", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->url, j, "hostedUrl", false);
    if (rc == URS_OK)
        rc = set_locations(job, cat, p);
    const char *wt = crawl_json_str(job, j, "workplaceType");
    if (rc == URS_OK && wt && strcasecmp(wt, "unspecified") != 0)
        rc = posting_set(&p->work_hint, wt);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employment_hint, cat, "commitment", false);
    struct sbuf html;
    sbuf_init(&html, URS_MAX_HTML);
    if (rc == URS_OK && description_html(job, j, &html) != URS_OK)
        log_warn("source=%s id=%s: description over %d bytes: dropped", crawl_job_name(job),
                 p->external_id ? p->external_id : "?", URS_MAX_HTML);
    if (rc == URS_OK && html.len)
        rc = crawl_set_text(job, &p->description, html.data, html.len);
    sbuf_free(&html);
    double ms;
    if (crawl_json_num(job, j, "createdAt", &ms) && ms > 0 && ms < 1e15)
        p->posted_at = (int64_t)(ms / 1000);
    set_salary(job, crawl_json_obj(job, j, "salaryRange"), p);
    return rc;
}

static int emit_all(struct crawl_job *job, json_t *arr)
{
    size_t i;
    json_t *j;
    json_array_foreach(arr, i, j)
    {
        struct posting p;
        posting_init(&p);
        int rc = from_posting(job, j, &p);
        if (rc == URS_OK)
            rc = crawl_emit(job, &p);
        posting_free(&p);
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int lever_on_response(struct crawl_job *job, const struct crawl_request *rq,
                             const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_response(job, rq, rs, &root, e);
    if (rc != URS_OK)
        return rc;
    if (!json_is_array(root)) {
        json_decref(root);
        rc = err_set(e, URS_EPARSE, "%s: %.120s: expected an array of postings",
                     crawl_job_name(job), rq->url);
        return crawl_parse_failed(job, rq, rc, e);
    }
    rc = emit_all(job, root);
    long next = rq->page + LEVER_LIMIT;
    if (rc == URS_OK && json_array_size(root) >= LEVER_LIMIT && !crawl_job_is_document(job)) {
        if (next >= URS_MAX_ITEMS)
            crawl_job_incomplete(job, "postings stopped at %d", URS_MAX_ITEMS);
        else
            rc = queue_page(job, next);
    }
    json_decref(root);
    return crawl_done(job, rc, e);
}

const struct crawl_adapter crawl_adapter_lever = {"lever", lever_start, lever_on_response};
