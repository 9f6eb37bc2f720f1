/* SPDX-License-Identifier: MIT */
/* Ashby public Job Posting API: the whole board with compensation in one GET. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define ASHBY_API "https://api.ashbyhq.com"

static int ashby_start(struct crawl_job *job, struct err *e)
{
    return crawl_board_get(job, ASHBY_API, "/posting-api/job-board/", "?includeCompensation=true",
                           e);
}

/* The first salary component: summaryComponents, else the first tier's components. */
static void set_pay(struct crawl_job *job, json_t *comp, struct posting *p)
{
    json_t *list = crawl_json_arr(job, comp, "summaryComponents");
    if (!json_array_size(list))
        list = crawl_json_arr(
            job, json_array_get(crawl_json_arr(job, comp, "compensationTiers"), 0), "components");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *type = crawl_json_str(job, c, "compensationType");
        if (!type || strcasecmp(type, "Salary") != 0)
            continue;
        double lo = 0, hi = 0;
        (void)crawl_json_num(job, c, "minValue", &lo);
        (void)crawl_json_num(job, c, "maxValue", &hi);
        crawl_salary_set(p, lo, hi, crawl_period_parse(crawl_json_str(job, c, "interval")));
        return;
    }
}

/* workplaceType beats isRemote, which Ashby also sets for hybrid jobs. */
static int set_workplace(struct crawl_job *job, json_t *j, struct posting *p)
{
    int rc = crawl_json_set(job, &p->work_hint, j, "workplaceType", false);
    bool remote = false;
    if (rc == URS_OK && !p->work_hint && crawl_json_bool(job, j, "isRemote", &remote) && remote)
        rc = posting_set(&p->work_hint, "Remote");
    return rc;
}

static int set_locations(struct crawl_job *job, json_t *j, struct posting *p)
{
    int rc = crawl_json_set(job, &p->location, j, "location", false);
    size_t i;
    json_t *loc;
    json_array_foreach(crawl_json_arr(job, j, "secondaryLocations"), i, loc)
    {
        if (rc == URS_OK)
            rc = crawl_field_append(&p->location, "; ", crawl_json_str(job, loc, "location"));
    }
    return rc;
}

static int from_job(struct crawl_job *job, json_t *j, struct posting *p)
{
    int rc = crawl_json_set(job, &p->external_id, j, "id", true);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, j, "title", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->url, j, "jobUrl", false);
    if (rc == URS_OK)
        rc = set_locations(job, j, p);
    if (rc == URS_OK)
        rc = set_workplace(job, j, p);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employment_hint, j, "employmentType", false);
    const char *html = crawl_json_str(job, j, "descriptionHtml");
    if (!html)
        html = crawl_json_str(job, j, "descriptionPlain");
    if (rc == URS_OK && html)
        rc = crawl_set_text(job, &p->description, html, strlen(html));
    if (crawl_time_parse(crawl_json_str(job, j, "publishedAt"), &p->posted_at) != URS_OK)
        p->posted_at = 0;
    set_pay(job, crawl_json_obj(job, j, "compensation"), p);
    return rc;
}

static int emit_jobs(struct crawl_job *job, json_t *jobs)
{
    size_t i;
    json_t *j;
    json_array_foreach(jobs, i, j)
    {
        bool listed = true;
        if (crawl_json_bool(job, j, "isListed", &listed) && !listed)
            continue;
        struct posting p;
        posting_init(&p);
        int rc = from_job(job, j, &p);
        if (rc == URS_OK)
            rc = crawl_emit(job, &p);
        posting_free(&p);
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int ashby_on_response(struct crawl_job *job, const struct crawl_request *rq,
                             const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_response(job, rq, rs, &root, e);
    if (rc != URS_OK)
        return rc;
    json_t *jobs = crawl_json_arr(job, root, "jobs");
    if (jobs) {
        rc = crawl_done(job, emit_jobs(job, jobs), e);
    } else {
        rc = err_set(e, URS_EPARSE, "%s: %.120s: no jobs array", crawl_job_name(job), rq->url);
        rc = crawl_parse_failed(job, rq, rc, e);
    }
    json_decref(root);
    return rc;
}

const struct crawl_adapter crawl_adapter_ashby = {"ashby", ashby_start, ashby_on_response};
