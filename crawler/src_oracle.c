/* SPDX-License-Identifier: MIT */
/* Oracle Recruiting Cloud: recruitingCEJobRequisitions pages, then each requisition's details. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define ORC_LIMIT 25
#define ORC_API   "/hcmRestApi/resources/latest/"

enum { ORC_LIST = 0, ORC_DETAIL = 1 };

/* base, site and the request URL built into url. */
static int list_url(struct sbuf *url, const char *base, const char *site, const char *text,
                    long offset)
{
    int rc = sbuf_printf(url,
                         "%s" ORC_API "recruitingCEJobRequisitions?onlyData=true"
                         "&expand=requisitionList.secondaryLocations&finder=findReqs;siteNumber=",
                         base);
    if (rc == URS_OK)
        rc = crawl_url_encode(url, site);
    if (rc == URS_OK)
        rc = sbuf_printf(url, ",limit=%d,offset=%ld,sortBy=POSTING_DATES_DESC", ORC_LIMIT, offset);
    if (rc == URS_OK && text && *text) {
        rc = sbuf_puts(url, ",keyword=%22");
        if (rc == URS_OK)
            rc = crawl_url_encode(url, text);
        if (rc == URS_OK)
            rc = sbuf_puts(url, "%22");
    }
    return rc;
}

static int queue_list(struct crawl_job *job, const char *text, long offset)
{
    const struct config_source *src = crawl_job_source(job);
    char *base = crawl_url_base(src, NULL);
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = base ? list_url(&url, base, src->board, text, offset) : URS_ENOMEM;
    if (rc == URS_OK) {
        struct crawl_request rq = {0};
        rq.url = url.data;
        rq.extra_header = "Accept: application/json";
        rq.stage = ORC_LIST;
        rq.page = offset;
        rq.ref = (char *)text;
        rq.listing = true;
        rc = crawl_job_request(job, &rq);
    }
    sbuf_free(&url);
    free(base);
    return rc;
}

static int orc_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->url || !text_url_is_http(src->url) || !src->board || !*src->board)
        return err_set(e, URS_EINVAL,
                       "%s: oracle needs url = https://POD.fa.REGION.oraclecloud.com and "
                       "board = the site number (CX_1)",
                       src->name);
    if (!crawl_rows_of(job))
        return err_set(e, URS_ENOMEM, "%s: out of memory", src->name);
    size_t n = src->search_len ? src->search_len : 1;
    for (size_t i = 0; i < n; i++) {
        int rc = queue_list(job, src->search_len ? src->search[i] : "", 0);
        if (rc != URS_OK)
            return err_set(e, rc, "%s: cannot queue the search: %s", src->name, err_name(rc));
    }
    return URS_OK;
}

/* PrimaryLocation plus secondaryLocations[].Name into *field (replaced when present). */
static int set_locations(struct crawl_job *job, json_t *row, char **field)
{
    const char *primary = crawl_json_str(job, row, "PrimaryLocation");
    if (!primary)
        return URS_OK;
    int rc = posting_set(field, primary);
    size_t i;
    json_t *loc;
    json_t *more = crawl_json_arr(job, row, "secondaryLocations");
    json_array_foreach(more, i, loc)
    {
        if (rc == URS_OK)
            rc = crawl_field_append(field, "; ", crawl_json_str(job, loc, "Name"));
    }
    return rc;
}

/* Fields a list row and a detail share; values present in row replace those in p. */
static int set_common(struct crawl_job *job, json_t *row, struct posting *p)
{
    int rc = crawl_json_set(job, &p->external_id, row, "Id", true);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, row, "Title", false);
    if (rc == URS_OK)
        rc = set_locations(job, row, &p->location);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->work_hint, row, "WorkplaceTypeCode", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employment_hint, row, "JobSchedule", false);
    if (rc == URS_OK && !crawl_job_source(job)->employer && !p->employer)
        rc = crawl_json_set(job, &p->employer, row, "BusinessUnit", false);
    return rc;
}

static int job_url(struct crawl_job *job, const char *base, struct posting *p)
{
    const char *site = crawl_job_source(job)->board;
    if (!base || !site || !p->external_id)
        return URS_OK;
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = sbuf_printf(&url, "%s/hcmUI/CandidateExperience/en/sites/", base);
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, site);
    if (rc == URS_OK)
        rc = sbuf_puts(&url, "/job/");
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, p->external_id);
    if (rc == URS_OK)
        rc = posting_set(&p->url, sbuf_str(&url));
    sbuf_free(&url);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

static int from_row(struct crawl_job *job, json_t *row, const char *base, struct posting *p)
{
    int rc = set_common(job, row, p);
    if (rc == URS_OK)
        rc = job_url(job, base, p);
    const char *html = crawl_json_str(job, row, "ShortDescriptionStr");
    if (rc == URS_OK && html)
        rc = crawl_set_text(job, &p->description, html, strlen(html));
    if (crawl_time_parse(crawl_json_str(job, row, "PostedDate"), &p->posted_at) != URS_OK)
        p->posted_at = 0;
    if (crawl_time_parse(crawl_json_str(job, row, "PostingEndDate"), &p->valid_through) != URS_OK)
        p->valid_through = 0;
    return rc;
}

/* The detail's three HTML parts and its flex fields ("Prompt: Value") as one description. */
static int detail_html(struct crawl_job *job, json_t *item, struct sbuf *html)
{
    static const char *const parts[] = {"ExternalDescriptionStr", "ExternalResponsibilitiesStr",
                                        "ExternalQualificationsStr"};
    int rc = URS_OK;
    for (size_t i = 0; i < 3 && rc == URS_OK; i++) {
        const char *s = crawl_json_str(job, item, parts[i]);
        if (s)
            rc = sbuf_printf(html, "<div>%s</div>", s);
    }
    size_t i;
    json_t *flex;
    json_array_foreach(crawl_json_arr(job, item, "requisitionFlexFields"), i, flex)
    {
        const char *prompt = crawl_json_str(job, flex, "Prompt");
        const char *value = crawl_json_str(job, flex, "Value");
        if (rc != URS_OK || !prompt || !value)
            continue;
        rc = sbuf_puts(html, "<p>");
        if (rc == URS_OK)
            rc = text_html_escape(html, prompt);
        if (rc == URS_OK)
            rc = sbuf_puts(html, ": ");
        if (rc == URS_OK)
            rc = text_html_escape(html, value);
        if (rc == URS_OK)
            rc = sbuf_puts(html, "</p>");
    }
    return rc;
}

static int from_detail(struct crawl_job *job, json_t *item, const char *base, struct posting *p)
{
    int rc = set_common(job, item, p);
    if (rc == URS_OK && !p->url)
        rc = job_url(job, base, p);
    struct sbuf html;
    sbuf_init(&html, URS_MAX_HTML);
    if (rc == URS_OK && detail_html(job, item, &html) != URS_OK)
        log_warn("source=%s id=%s: description over %d bytes: list text kept", crawl_job_name(job),
                 p->external_id ? p->external_id : "?", URS_MAX_HTML);
    if (rc == URS_OK && html.len)
        rc = crawl_set_text(job, &p->description, html.data, html.len);
    sbuf_free(&html);
    int64_t t;
    if (crawl_time_parse(crawl_json_str(job, item, "ExternalPostedStartDate"), &t) == URS_OK)
        p->posted_at = t;
    if (crawl_time_parse(crawl_json_str(job, item, "ExternalPostedEndDate"), &t) == URS_OK)
        p->valid_through = t;
    return rc;
}

static int queue_detail(struct crawl_job *job, const char *base, struct posting *row)
{
    const char *site = crawl_job_source(job)->board;
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = sbuf_printf(&url,
                         "%s" ORC_API "recruitingCEJobRequisitionDetails?expand=all&onlyData=true"
                         "&finder=ById;Id=%%22",
                         base);
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, row->external_id);
    if (rc == URS_OK)
        rc = sbuf_puts(&url, "%22,siteNumber=");
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, site);
    char *id = strdup(row->external_id);
    struct crawl_rows *rows = crawl_rows_of(job);
    size_t index;
    if (rc == URS_OK)
        rc = rows && id ? crawl_rows_add(rows, row, &index) : URS_ENOMEM;
    if (rc == URS_OK)
        rc = crawl_get(job, url.data, ORC_DETAIL, (long)index, id, false);
    free(id);
    sbuf_free(&url);
    return rc;
}

/* Each row: a document emits it, a crawl keeps it and asks for its details. */
static int take_rows(struct crawl_job *job, json_t *list, const char *base)
{
    size_t i;
    json_t *row;
    json_array_foreach(list, i, row)
    {
        struct posting p;
        posting_init(&p);
        int rc = from_row(job, row, base, &p);
        bool seen = false;
        if (rc == URS_OK && p.external_id)
            rc = crawl_job_mark_seen(job, p.external_id, &seen);
        if (rc == URS_OK && !p.external_id)
            log_warn("source=%s: requisition %zu has no Id: skipped", crawl_job_name(job), i);
        else if (rc == URS_OK && !seen)
            rc = crawl_job_is_document(job) ? crawl_emit(job, &p) : queue_detail(job, base, &p);
        posting_free(&p);
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int on_list(struct crawl_job *job, const struct crawl_request *rq, json_t *item,
                   const char *base, struct err *e)
{
    json_t *list = crawl_json_arr(job, item, "requisitionList");
    if (!list) {
        crawl_job_incomplete(job, "%.120s: no requisitionList", rq->url);
        return err_set(e, URS_EPARSE, "%s: %.120s: no items[0].requisitionList",
                       crawl_job_name(job), rq->url);
    }
    int rc = take_rows(job, list, base);
    if (rc == URS_ELIMIT) {
        crawl_job_incomplete(job, "%.120s: too many requisitions", rq->url);
        return URS_OK;
    }
    double total = 0;
    long next = rq->page + ORC_LIMIT;
    bool more = crawl_json_num(job, item, "TotalJobsCount", &total) ? next < total : true;
    if (rc == URS_OK && !crawl_job_is_document(job) && more && json_array_size(list) >= ORC_LIMIT) {
        if (next >= URS_MAX_ITEMS)
            crawl_job_incomplete(job, "search stopped at %d requisitions", URS_MAX_ITEMS);
        else
            rc = queue_list(job, rq->ref ? rq->ref : "", next);
    }
    return rc == URS_OK ? URS_OK : err_set(e, rc, "%s: %s", crawl_job_name(job), err_name(rc));
}

static int on_detail(struct crawl_job *job, const struct crawl_request *rq, json_t *item,
                     const char *base, struct err *e)
{
    struct posting p;
    posting_init(&p);
    const struct posting *row = crawl_rows_at(job, rq->page);
    int rc = row && !crawl_job_is_document(job) ? posting_copy(&p, row) : URS_OK;
    if (rc == URS_OK)
        rc = from_detail(job, item, base, &p);
    if (rc != URS_OK) {
        posting_free(&p);
        return err_set(e, rc, "%s: out of memory", crawl_job_name(job));
    }
    rc = crawl_emit(job, &p);
    return crawl_done(job, rc, e);
}

static int orc_on_response(struct crawl_job *job, const struct crawl_request *rq,
                           const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_response(job, rq, rs, &root, e);
    if (rc != URS_OK)
        return rc;
    json_t *item = json_array_get(crawl_json_arr(job, root, "items"), 0);
    char *base = crawl_url_base(crawl_job_source(job), NULL);
    if (!json_is_object(item)) {
        rc = err_set(e, URS_EPARSE, "%s: %.120s: no items[0] object", crawl_job_name(job), rq->url);
        rc = crawl_parse_failed(job, rq, rc, e);
    } else if (crawl_job_is_document(job) ? json_object_get(item, "requisitionList") != NULL
                                          : rq->stage == ORC_LIST) {
        rc = on_list(job, rq, item, base, e);
    } else {
        rc = on_detail(job, rq, item, base, e);
    }
    free(base);
    json_decref(root);
    return rc;
}

const struct crawl_adapter crawl_adapter_oracle = {"oracle", orc_start, orc_on_response};
