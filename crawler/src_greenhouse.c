/* SPDX-License-Identifier: MIT */
/* Greenhouse Job Board API: the whole board with content in one GET. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define GH_API "https://boards-api.greenhouse.io"

static int gh_start(struct crawl_job *job, struct err *e)
{
    return crawl_board_get(job, GH_API, "/v1/boards/", "/jobs?content=true", e);
}

/* Custom metadata: "Employment Type" and "Workplace"-like fields are the structured hints. */
static int set_metadata(struct crawl_job *job, json_t *meta, struct posting *p)
{
    size_t i;
    json_t *m;
    json_array_foreach(meta, i, m)
    {
        const char *name = crawl_json_str(job, m, "name");
        json_t *v = json_object_get(m, "value");
        if (!name || !json_is_string(v))
            continue;
        size_t n = strlen(name);
        char **field = NULL;
        if (text_find_ci(name, n, "employment") != (size_t)-1 ||
            text_find_ci(name, n, "job type") != (size_t)-1 ||
            text_find_ci(name, n, "time type") != (size_t)-1)
            field = &p->employment_hint;
        else if (text_find_ci(name, n, "workplace") != (size_t)-1 ||
                 text_find_ci(name, n, "remote") != (size_t)-1 ||
                 text_find_ci(name, n, "location type") != (size_t)-1)
            field = &p->work_hint;
        if (field && !*field && crawl_json_set_value(field, v) != URS_OK)
            return URS_ENOMEM;
    }
    return URS_OK;
}

/* pay_input_ranges (detail only): cents; the period comes from the title or blurb words. */
static void set_pay(struct crawl_job *job, json_t *ranges, struct posting *p)
{
    json_t *r = json_array_get(ranges, 0);
    double lo = 0, hi = 0;
    if (!json_is_object(r) ||
        (!crawl_json_num(job, r, "min_cents", &lo) && !crawl_json_num(job, r, "max_cents", &hi)))
        return;
    (void)crawl_json_num(job, r, "max_cents", &hi);
    lo /= 100;
    hi /= 100;
    enum pay_period period = crawl_period_parse(crawl_json_str(job, r, "title"));
    if (period == PERIOD_NONE)
        period = crawl_period_parse(crawl_json_str(job, r, "blurb"));
    double top = hi > lo ? hi : lo;
    if (period == PERIOD_NONE)
        period = top < 1000 ? PERIOD_HOUR : top >= 10000 ? PERIOD_YEAR : PERIOD_NONE;
    crawl_salary_set(p, lo, hi, period);
}

static int from_job(struct crawl_job *job, json_t *j, struct posting *p)
{
    int rc = crawl_json_set(job, &p->external_id, j, "id", true);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, j, "title", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->url, j, "absolute_url", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->location, crawl_json_obj(job, j, "location"), "name", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employer, j, "company_name", false);
    if (rc == URS_OK)
        rc = set_metadata(job, crawl_json_arr(job, j, "metadata"), p);
    const char *html = crawl_json_str(job, j, "content");
    if (rc == URS_OK && html)
        rc = crawl_set_text(job, &p->description, html, strlen(html));
    if (crawl_time_parse(crawl_json_str(job, j, "first_published"), &p->posted_at) != URS_OK)
        p->posted_at = 0;
    set_pay(job, crawl_json_arr(job, j, "pay_input_ranges"), p);
    return rc;
}

static int emit_job(struct crawl_job *job, json_t *j)
{
    struct posting p;
    posting_init(&p);
    int rc = from_job(job, j, &p);
    if (rc == URS_OK)
        return crawl_emit(job, &p);
    posting_free(&p);
    return rc;
}

static int gh_on_response(struct crawl_job *job, const struct crawl_request *rq,
                          const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_response(job, rq, rs, &root, e);
    if (rc != URS_OK)
        return rc;
    json_t *jobs = crawl_json_arr(job, root, "jobs");
    if (jobs) {
        size_t i;
        json_t *j;
        json_array_foreach(jobs, i, j)
        {
            rc = emit_job(job, j);
            if (rc != URS_OK)
                break;
        }
    } else if (crawl_job_is_document(job) && json_object_get(root, "absolute_url")) {
        rc = emit_job(job, root); /* one saved job detail */
    } else {
        rc = err_set(e, URS_EPARSE, "%s: %.120s: no jobs array", crawl_job_name(job), rq->url);
        rc = crawl_parse_failed(job, rq, rc, e);
    }
    json_decref(root);
    return crawl_done(job, rc, e);
}

const struct crawl_adapter crawl_adapter_greenhouse = {"greenhouse", gh_start, gh_on_response};
