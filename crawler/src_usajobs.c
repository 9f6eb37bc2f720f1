/* SPDX-License-Identifier: MIT */
/* USAJOBS Search API: Keyword search per search text, pages 1..NumberOfPages, keyed headers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define USAJOBS_API      "https://data.usajobs.gov"
#define USAJOBS_PER_PAGE 500 /* the API's maximum */

static int queue_page(struct crawl_job *job, const char *text, long page)
{
    const struct config_source *src = crawl_job_source(job);
    char *base = crawl_url_base(src, USAJOBS_API);
    struct sbuf url, key, agent;
    sbuf_init(&url, URS_MAX_URL);
    sbuf_init(&key, URS_MAX_SECRET + 64);
    sbuf_init(&agent, URS_MAX_FIELD);
    int rc = base ? sbuf_printf(&url, "%s/api/search?", base) : URS_ENOMEM;
    if (rc == URS_OK && *text) {
        rc = sbuf_puts(&url, "Keyword=");
        if (rc == URS_OK)
            rc = crawl_url_encode(&url, text);
        if (rc == URS_OK)
            rc = sbuf_putc(&url, '&');
    }
    if (rc == URS_OK)
        rc = sbuf_printf(&url, "ResultsPerPage=%d&Page=%ld", USAJOBS_PER_PAGE, page);
    if (rc == URS_OK)
        rc = sbuf_printf(&key, "Authorization-Key: %s", src->api_key);
    const char *contact = crawl_job_contact(job);
    if (rc == URS_OK && contact)
        rc = sbuf_printf(&agent, "User-Agent: %s", contact);
    if (rc == URS_OK) {
        struct crawl_request rq = {0};
        rq.url = url.data;
        rq.extra_header = "Accept: application/json";
        rq.headers[0] = key.data;
        rq.headers[1] = agent.data;
        rq.page = page;
        rq.ref = (char *)text;
        rq.listing = true;
        rc = crawl_job_request(job, &rq);
    }
    sbuf_free(&url);
    sbuf_free(&key);
    sbuf_free(&agent);
    free(base);
    return rc;
}

static int usajobs_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->api_key || !*src->api_key)
        return err_set(e, URS_EINVAL,
                       "%s: usajobs needs an API key (api_key_file = FILE, or the "
                       "URSCOUT_USAJOBS_KEY environment variable)",
                       src->name);
    if (!crawl_job_contact(job))
        log_warn("source=%s: no contact mail set: USAJOBS wants it as the User-Agent", src->name);
    size_t n = src->search_len ? src->search_len : 1;
    for (size_t i = 0; i < n; i++) {
        int rc = queue_page(job, src->search_len ? src->search[i] : "", 1);
        if (rc == URS_EINVAL)
            return err_set(e, rc, "%s: the API key or contact holds a line break", src->name);
        if (rc != URS_OK)
            return err_set(e, rc, "%s: cannot queue the search: %s", src->name, err_name(rc));
    }
    return URS_OK;
}

/* Join member key (a string) of each object in arr into *field after sep. */
static int join_member(struct crawl_job *job, json_t *arr, const char *key, const char *sep,
                       char **field)
{
    size_t i;
    json_t *v;
    int rc = URS_OK;
    json_array_foreach(arr, i, v)
    {
        if (rc == URS_OK)
            rc = crawl_field_append(field, sep, crawl_json_str(job, v, key));
    }
    return rc;
}

static void set_pay(struct crawl_job *job, json_t *pay, struct posting *p)
{
    json_t *r = json_array_get(pay, 0);
    double lo = 0, hi = 0;
    if (!json_is_object(r))
        return;
    (void)crawl_json_num(job, r, "MinimumRange", &lo);
    (void)crawl_json_num(job, r, "MaximumRange", &hi);
    enum pay_period period = crawl_period_parse(crawl_json_str(job, r, "RateIntervalCode"));
    if (period == PERIOD_NONE)
        period = crawl_period_parse(crawl_json_str(job, r, "Description"));
    crawl_salary_set(p, lo, hi, period);
}

static int set_workplace(struct crawl_job *job, json_t *details, struct posting *p)
{
    bool remote = false, telework = false;
    if (crawl_json_bool(job, details, "RemoteIndicator", &remote) && remote)
        return posting_set(&p->work_hint, "Remote");
    if (crawl_json_bool(job, details, "TeleworkEligible", &telework) && telework)
        return posting_set(&p->work_hint, "Telework eligible");
    return URS_OK;
}

/* Summary, duties and qualifications as plain paragraphs. */
static int set_description(struct crawl_job *job, json_t *d, json_t *details, struct posting *p)
{
    char *text = NULL;
    int rc = crawl_field_append(&text, "\n\n", crawl_json_str(job, details, "JobSummary"));
    size_t i;
    json_t *duty;
    json_array_foreach(crawl_json_arr(job, details, "MajorDuties"), i, duty)
    {
        if (rc == URS_OK && json_is_string(duty))
            rc = crawl_field_append(&text, "\n", json_string_value(duty));
    }
    if (rc == URS_OK)
        rc = crawl_field_append(&text, "\n\n", crawl_json_str(job, d, "QualificationSummary"));
    if (rc == URS_OK && text)
        rc = crawl_set_text(job, &p->description, text, strlen(text));
    free(text);
    return rc;
}

static int from_item(struct crawl_job *job, json_t *item, struct posting *p)
{
    json_t *d = crawl_json_obj(job, item, "MatchedObjectDescriptor");
    json_t *details = crawl_json_obj(job, crawl_json_obj(job, d, "UserArea"), "Details");
    int rc = crawl_json_set(job, &p->external_id, item, "MatchedObjectId", true);
    if (rc == URS_OK && !p->external_id)
        rc = crawl_json_set(job, &p->external_id, d, "PositionID", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, d, "PositionTitle", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->url, d, "PositionURI", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->location, d, "PositionLocationDisplay", false);
    if (rc == URS_OK && !p->location)
        rc = join_member(job, crawl_json_arr(job, d, "PositionLocation"), "LocationName", "; ",
                         &p->location);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employer, d, "OrganizationName", false);
    if (rc == URS_OK)
        rc = join_member(job, crawl_json_arr(job, d, "PositionSchedule"), "Name", ", ",
                         &p->employment_hint);
    if (rc == URS_OK)
        rc = set_workplace(job, details, p);
    if (rc == URS_OK)
        rc = set_description(job, d, details, p);
    set_pay(job, crawl_json_arr(job, d, "PositionRemuneration"), p);
    if (crawl_time_parse(crawl_json_str(job, d, "PublicationStartDate"), &p->posted_at) != URS_OK)
        p->posted_at = 0;
    if (crawl_time_parse(crawl_json_str(job, d, "ApplicationCloseDate"), &p->valid_through) !=
        URS_OK)
        p->valid_through = 0;
    return rc;
}

static int emit_items(struct crawl_job *job, json_t *items)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        struct posting p;
        posting_init(&p);
        int rc = from_item(job, item, &p);
        bool seen = false;
        if (rc == URS_OK && p.external_id)
            rc = crawl_job_mark_seen(job, p.external_id, &seen);
        if (rc == URS_OK && !seen)
            rc = crawl_emit(job, &p);
        posting_free(&p);
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

/* After page 1: queue pages 2..NumberOfPages (a string or a number). */
static int queue_rest(struct crawl_job *job, const struct crawl_request *rq, json_t *result)
{
    double pages = 0;
    if (rq->page != 1 || crawl_job_is_document(job) ||
        !crawl_json_num(job, crawl_json_obj(job, result, "UserArea"), "NumberOfPages", &pages))
        return URS_OK;
    long last =
        pages > URS_MAX_ITEMS / USAJOBS_PER_PAGE ? URS_MAX_ITEMS / USAJOBS_PER_PAGE : (long)pages;
    if ((double)last < pages)
        crawl_job_incomplete(job, "search '%s' stopped at %d jobs", rq->ref ? rq->ref : "",
                             URS_MAX_ITEMS);
    int rc = URS_OK;
    for (long page = 2; page <= last && rc == URS_OK; page++)
        rc = queue_page(job, rq->ref ? rq->ref : "", page);
    if (rc == URS_ELIMIT)
        crawl_job_incomplete(job, "search '%s': too many pages", rq->ref ? rq->ref : "");
    return rc;
}

static int usajobs_on_response(struct crawl_job *job, const struct crawl_request *rq,
                               const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_response(job, rq, rs, &root, e);
    if (rc != URS_OK)
        return rc;
    json_t *result = crawl_json_obj(job, root, "SearchResult");
    json_t *items = crawl_json_arr(job, result, "SearchResultItems");
    if (!items) {
        rc = err_set(e, URS_EPARSE, "%s: %.120s: no SearchResult.SearchResultItems",
                     crawl_job_name(job), rq->url);
        rc = crawl_parse_failed(job, rq, rc, e);
    } else {
        rc = emit_items(job, items);
        if (rc == URS_OK)
            rc = queue_rest(job, rq, result);
        rc = crawl_done(job, rc, e);
    }
    json_decref(root);
    return rc;
}

const struct crawl_adapter crawl_adapter_usajobs = {"usajobs", usajobs_start, usajobs_on_response};
