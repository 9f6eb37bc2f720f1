/* SPDX-License-Identifier: MIT */
/* SmartRecruiters Posting API: the list 100 at a time, then each posting for its job ad. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define SR_API   "https://api.smartrecruiters.com"
#define SR_LIMIT 100

enum { SR_LIST = 0, SR_DETAIL = 1 };

/* {base}/v1/companies/{board}/postings, then suffix (printf-style). */
static int postings_url(struct crawl_job *job, struct sbuf *url, const char *suffix, long n)
{
    const struct config_source *src = crawl_job_source(job);
    char *base = crawl_url_base(src, SR_API);
    int rc = base ? sbuf_printf(url, "%s/v1/companies/", base) : URS_ENOMEM;
    if (rc == URS_OK)
        rc = crawl_url_encode(url, src->board);
    if (rc == URS_OK)
        rc = sbuf_puts(url, "/postings");
    if (rc == URS_OK && suffix)
        rc = sbuf_printf(url, "?limit=%d&offset=%ld", SR_LIMIT, n);
    free(base);
    return rc;
}

static int queue_list(struct crawl_job *job, long offset)
{
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = postings_url(job, &url, "list", offset);
    if (rc == URS_OK)
        rc = crawl_get(job, url.data, SR_LIST, offset, NULL, true);
    sbuf_free(&url);
    return rc;
}

static int sr_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->board || !*src->board)
        return err_set(e, URS_EINVAL, "%s: smartrecruiters needs board = the company identifier",
                       src->name);
    int rc = queue_list(job, 0);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue the postings: %s", src->name, err_name(rc));
    return URS_OK;
}

/* location.remote / location.hybrid are the only structured workplace flags. */
static int set_workplace(struct crawl_job *job, json_t *loc, struct posting *p)
{
    bool remote = false, hybrid = false;
    bool has_remote = crawl_json_bool(job, loc, "remote", &remote);
    bool has_hybrid = crawl_json_bool(job, loc, "hybrid", &hybrid);
    const char *hint = hybrid ? "Hybrid" : remote ? "Remote" : NULL;
    if (!hint && has_remote && has_hybrid)
        hint = "On-site";
    return hint ? posting_set(&p->work_hint, hint) : URS_OK;
}

static int set_location(struct crawl_job *job, json_t *loc, struct posting *p)
{
    int rc = crawl_json_set(job, &p->location, loc, "fullLocation", false);
    static const char *const parts[] = {"city", "region", "country"};
    for (size_t i = 0; rc == URS_OK && !p->location && i < 3; i++)
        rc = crawl_field_append(&p->location, ", ", crawl_json_str(job, loc, parts[i]));
    return rc == URS_OK ? set_workplace(job, loc, p) : rc;
}

/* jobAd.sections: each section's title as a heading, then its HTML. */
static int description(struct crawl_job *job, json_t *j, struct posting *p)
{
    static const char *const keys[] = {"companyDescription", "jobDescription", "qualifications",
                                       "additionalInformation"};
    json_t *sections = crawl_json_obj(job, crawl_json_obj(job, j, "jobAd"), "sections");
    struct sbuf html;
    sbuf_init(&html, URS_MAX_HTML);
    int rc = URS_OK;
    for (size_t i = 0; i < 4 && rc == URS_OK; i++) {
        json_t *sec = crawl_json_obj(job, sections, keys[i]);
        const char *title = crawl_json_str(job, sec, "title");
        const char *text = crawl_json_str(job, sec, "text");
        if (title && text) {
            rc = sbuf_puts(&html, "<h3>");
            if (rc == URS_OK)
                rc = text_html_escape(&html, title);
            if (rc == URS_OK)
                rc = sbuf_puts(&html, "</h3>");
        }
        if (rc == URS_OK && text)
            rc = sbuf_printf(&html, "<div>%s</div>", text);
    }
    if (rc != URS_OK)
        log_warn("source=%s id=%s: job ad over %d bytes: dropped", crawl_job_name(job),
                 p->external_id ? p->external_id : "?", URS_MAX_HTML);
    rc = rc == URS_OK && html.len ? crawl_set_text(job, &p->description, html.data, html.len)
                                  : URS_OK;
    sbuf_free(&html);
    return rc;
}

static int public_url(struct crawl_job *job, json_t *j, struct posting *p)
{
    const char *u = crawl_json_str(job, j, "postingUrl");
    if (u && text_url_is_http(u))
        return posting_set(&p->url, u);
    const char *company = crawl_json_str(job, crawl_json_obj(job, j, "company"), "identifier");
    if (!company)
        company = crawl_job_source(job)->board;
    if (!company || !p->external_id)
        return URS_OK;
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = sbuf_puts(&url, "https://jobs.smartrecruiters.com/");
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, company);
    if (rc == URS_OK)
        rc = sbuf_putc(&url, '/');
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, p->external_id);
    if (rc == URS_OK)
        rc = posting_set(&p->url, url.data);
    sbuf_free(&url);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

static int from_posting(struct crawl_job *job, json_t *j, struct posting *p)
{
    int rc = crawl_json_set(job, &p->external_id, j, "id", true);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, j, "name", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employer, crawl_json_obj(job, j, "company"), "name", false);
    if (rc == URS_OK)
        rc = set_location(job, crawl_json_obj(job, j, "location"), p);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employment_hint, crawl_json_obj(job, j, "typeOfEmployment"),
                            "label", false);
    if (rc == URS_OK)
        rc = public_url(job, j, p);
    if (rc == URS_OK)
        rc = description(job, j, p);
    if (crawl_time_parse(crawl_json_str(job, j, "releasedDate"), &p->posted_at) != URS_OK)
        p->posted_at = 0;
    return rc;
}

static int emit_posting(struct crawl_job *job, json_t *j)
{
    struct posting p;
    posting_init(&p);
    int rc = from_posting(job, j, &p);
    if (rc == URS_OK)
        rc = crawl_emit(job, &p);
    posting_free(&p);
    return rc;
}

static int queue_detail(struct crawl_job *job, const char *id)
{
    bool seen;
    int rc = crawl_job_mark_seen(job, id, &seen);
    if (rc != URS_OK || seen)
        return rc;
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    rc = postings_url(job, &url, NULL, 0);
    if (rc == URS_OK)
        rc = sbuf_putc(&url, '/');
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, id);
    if (rc == URS_OK)
        rc = crawl_get(job, url.data, SR_DETAIL, 0, id, false);
    sbuf_free(&url);
    return rc;
}

static int on_list(struct crawl_job *job, const struct crawl_request *rq, json_t *root,
                   struct err *e)
{
    json_t *content = crawl_json_arr(job, root, "content");
    if (!content) {
        int rc =
            err_set(e, URS_EPARSE, "%s: %.120s: no content array", crawl_job_name(job), rq->url);
        return crawl_parse_failed(job, rq, rc, e);
    }
    size_t i;
    json_t *j;
    int rc = URS_OK;
    json_array_foreach(content, i, j)
    {
        const char *id = crawl_json_str(job, j, "id");
        if (rc != URS_OK)
            break;
        if (crawl_job_is_document(job))
            rc = emit_posting(job, j);
        else if (id)
            rc = queue_detail(job, id);
    }
    double total = 0;
    long next = rq->page + SR_LIMIT;
    if (rc == URS_OK && !crawl_job_is_document(job) && json_array_size(content) > 0 &&
        crawl_json_num(job, root, "totalFound", &total) && next < total) {
        if (next >= URS_MAX_ITEMS)
            crawl_job_incomplete(job, "postings stopped at %d", URS_MAX_ITEMS);
        else
            rc = queue_list(job, next);
    }
    if (rc == URS_ELIMIT && !crawl_job_is_document(job))
        crawl_job_incomplete(job, "%.120s: too many postings", rq->url);
    return crawl_done(job, rc, e);
}

static int sr_on_response(struct crawl_job *job, const struct crawl_request *rq,
                          const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_response(job, rq, rs, &root, e);
    if (rc != URS_OK)
        return rc;
    bool detail = crawl_job_is_document(job) ? json_object_get(root, "content") == NULL
                                             : rq->stage == SR_DETAIL;
    rc = detail ? crawl_done(job, emit_posting(job, root), e) : on_list(job, rq, root, e);
    json_decref(root);
    return rc;
}

const struct crawl_adapter crawl_adapter_smartrecruiters = {"smartrecruiters", sr_start,
                                                            sr_on_response};
