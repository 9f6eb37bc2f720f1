/* SPDX-License-Identifier: MIT */
/* Workday CXS: POST {url}/jobs per search text, 20 at a time, then GET each job's detail. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define WD_LIMIT 20 /* Workday answers 400 to larger pages */

enum { WD_LIST = 0, WD_DETAIL = 1 };

/* The total each search text reported (Workday may send it on the first page only). */
struct wd_state {
    long *totals;
    size_t len;
};

static void wd_state_free(void *p)
{
    struct wd_state *st = p;
    free(st->totals);
    free(st);
}

static const char *search_text(const struct config_source *src, size_t i)
{
    return src->search_len ? src->search[i] : "";
}

static size_t search_count(const struct config_source *src)
{
    return src->search_len ? src->search_len : 1;
}

static int queue_page(struct crawl_job *job, const char *base, const char *text, long offset)
{
    json_t *js = json_string(text);
    char *quoted = js ? json_dumps(js, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(js);
    if (!quoted)
        return js ? URS_ENOMEM : URS_EINVAL;
    struct sbuf url, body;
    sbuf_init(&url, URS_MAX_URL);
    sbuf_init(&body, URS_MAX_QUERY * 8);
    int rc = sbuf_printf(&url, "%s/jobs", base);
    if (rc == URS_OK)
        rc = sbuf_printf(&body,
                         "{\"appliedFacets\":{},\"limit\":%d,\"offset\":%ld,\"searchText\":%s}",
                         WD_LIMIT, offset, quoted);
    free(quoted);
    if (rc == URS_OK) {
        struct crawl_request rq = {0};
        rq.method = CRAWL_POST;
        rq.url = url.data;
        rq.body = body.data;
        rq.content_type = "application/json";
        rq.extra_header = "Accept: application/json";
        rq.stage = WD_LIST;
        rq.page = offset;
        rq.ref = (char *)text;
        rq.listing = true;
        rc = crawl_job_request(job, &rq);
    }
    sbuf_free(&url);
    sbuf_free(&body);
    return rc;
}

static int wd_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->url || !text_url_is_http(src->url))
        return err_set(e, URS_EINVAL,
                       "%s: workday needs url = https://TENANT.wdN.myworkdayjobs.com/wday/cxs/"
                       "TENANT/SITE",
                       src->name);
    struct wd_state *st = calloc(1, sizeof *st);
    if (st)
        st->totals = calloc(search_count(src), sizeof *st->totals);
    if (!st || !st->totals) {
        free(st);
        return err_set(e, URS_ENOMEM, "%s: out of memory", src->name);
    }
    st->len = search_count(src);
    crawl_job_set_state(job, st, wd_state_free);
    char *base = crawl_url_base(src, NULL);
    int rc = base ? URS_OK : URS_ENOMEM;
    for (size_t i = 0; rc == URS_OK && i < search_count(src); i++)
        rc = queue_page(job, base, search_text(src, i), 0);
    free(base);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue the search: %s", src->name, err_name(rc));
    return URS_OK;
}

/* "https://h/wday/cxs/tenant/SITE" + "/job/x" -> "https://h/SITE/job/x" (the public page). */
static int public_url(const char *base, const char *path, char **out)
{
    const char *cxs = base ? strstr(base, "/wday/cxs/") : NULL;
    const char *site = cxs ? strchr(cxs + 10, '/') : NULL;
    if (!site || !path)
        return URS_OK;
    size_t n = (size_t)(cxs - base) + strlen(site) + strlen(path) + 1;
    char *s = malloc(n);
    if (!s)
        return URS_ENOMEM;
    snprintf(s, n, "%.*s%s%s", (int)(cxs - base), base, site, path);
    free(*out);
    *out = s;
    return URS_OK;
}

/* "Posted Today", "Posted Yesterday", "Posted 3 Days Ago"; "30+ Days" stays unknown. */
static int64_t relative_posted(const char *s)
{
    if (!s)
        return 0;
    int64_t now = (int64_t)time(NULL);
    if (text_find_ci(s, strlen(s), "today") != (size_t)-1)
        return now;
    if (text_find_ci(s, strlen(s), "yesterday") != (size_t)-1)
        return now - 86400;
    const char *p = s;
    while (*p && !isdigit((unsigned char)*p))
        p++;
    char *end;
    long days = strtol(p, &end, 10);
    if (end == p || *end == '+' || days < 0 || days > 3650 ||
        text_find_ci(end, strlen(end), "day") == (size_t)-1)
        return 0;
    return now - (int64_t)days * 86400;
}

/* Join a string or an array of strings into *field after sep. */
static int append_strings(char **field, const char *sep, json_t *v)
{
    if (json_is_string(v))
        return crawl_field_append(field, sep, json_string_value(v));
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        int rc = json_is_string(x) ? crawl_field_append(field, sep, json_string_value(x)) : URS_OK;
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

/* A posting from a detail response (root holds jobPostingInfo and hiringOrganization). */
static int from_detail(struct crawl_job *job, json_t *root, const char *base, const char *path,
                       struct posting *p)
{
    json_t *info = crawl_json_obj(job, root, "jobPostingInfo");
    int rc = crawl_json_set(job, &p->external_id, info, "jobReqId", true);
    if (rc == URS_OK && !p->external_id)
        rc = posting_set(&p->external_id, path);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, info, "title", false);
    const char *ext = crawl_json_str(job, info, "externalUrl");
    if (rc == URS_OK && ext && text_url_is_http(ext))
        rc = posting_set(&p->url, ext);
    else if (rc == URS_OK)
        rc = public_url(base, path ? path : crawl_json_str(job, info, "externalPath"), &p->url);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->location, info, "location", false);
    if (rc == URS_OK)
        rc = append_strings(&p->location, "; ", crawl_json_arr(job, info, "additionalLocations"));
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->work_hint, info, "remoteType", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->employment_hint, info, "timeType", false);
    const char *org = crawl_json_str(job, crawl_json_obj(job, root, "hiringOrganization"), "name");
    if (rc == URS_OK && org && *org)
        rc = posting_set(&p->employer, org);
    const char *html = crawl_json_str(job, info, "jobDescription");
    if (rc == URS_OK && html)
        rc = crawl_set_text(job, &p->description, html, strlen(html));
    if (crawl_time_parse(crawl_json_str(job, info, "startDate"), &p->posted_at) != URS_OK)
        p->posted_at = relative_posted(crawl_json_str(job, info, "postedOn"));
    if (crawl_time_parse(crawl_json_str(job, info, "endDate"), &p->valid_through) != URS_OK)
        p->valid_through = 0;
    return rc;
}

/* A posting from one list row (document mode only: the list has no description). */
static int from_row(struct crawl_job *job, json_t *row, const char *base, struct posting *p)
{
    const char *path = crawl_json_str(job, row, "externalPath");
    json_t *bullets = crawl_json_arr(job, row, "bulletFields");
    int rc = URS_OK;
    if (json_is_string(json_array_get(bullets, 0)))
        rc = crawl_json_set_value(&p->external_id, json_array_get(bullets, 0));
    if (rc == URS_OK && !p->external_id && path)
        rc = posting_set(&p->external_id, path);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->title, row, "title", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->location, row, "locationsText", false);
    if (rc == URS_OK)
        rc = crawl_json_set(job, &p->work_hint, row, "remoteType", false);
    if (rc == URS_OK)
        rc = public_url(base, path, &p->url);
    p->posted_at = relative_posted(crawl_json_str(job, row, "postedOn"));
    return rc;
}

static long *total_slot(struct crawl_job *job, const char *text)
{
    struct wd_state *st = crawl_job_state(job);
    const struct config_source *src = crawl_job_source(job);
    for (size_t i = 0; st && text && i < st->len; i++)
        if (strcmp(search_text(src, i), text) == 0)
            return &st->totals[i];
    return NULL;
}

/* Queue the next page when this one was full and the total says there is more. */
static int next_page(struct crawl_job *job, const struct crawl_request *rq, json_t *root,
                     size_t rows, const char *base)
{
    double total = 0;
    long *slot = total_slot(job, rq->ref);
    if (crawl_json_num(job, root, "total", &total) && slot && total > (double)*slot && total < 1e9)
        *slot = (long)total;
    long known = slot ? *slot : 0;
    long next = rq->page + WD_LIMIT;
    if (rows < WD_LIMIT || (known > 0 && next >= known))
        return URS_OK;
    if (next >= URS_MAX_ITEMS) {
        crawl_job_incomplete(job, "search '%s' stopped at %d jobs", rq->ref, URS_MAX_ITEMS);
        return URS_OK;
    }
    return queue_page(job, base, rq->ref ? rq->ref : "", next);
}

static int queue_detail(struct crawl_job *job, const char *base, const char *path)
{
    bool seen;
    int rc = crawl_job_mark_seen(job, path, &seen);
    if (rc != URS_OK || seen)
        return rc;
    size_t n = strlen(base) + strlen(path) + 1;
    char *url = malloc(n);
    if (!url)
        return URS_ENOMEM;
    snprintf(url, n, "%s%s", base, path);
    rc = crawl_get(job, url, WD_DETAIL, 0, path, false);
    free(url);
    return rc;
}

static int list_rows(struct crawl_job *job, json_t *rows, const char *base)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *path = crawl_json_str(job, row, "externalPath");
        if (!path || path[0] != '/') {
            log_warn("source=%s: job %zu has no externalPath: skipped", crawl_job_name(job), i);
            continue;
        }
        int rc = queue_detail(job, base, path);
        if (rc == URS_ELIMIT || rc == URS_EINVAL) {
            crawl_job_incomplete(job, "job %.100s not queued: %s", path, err_name(rc));
            if (rc == URS_ELIMIT)
                return URS_OK;
            continue;
        }
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int on_list(struct crawl_job *job, const struct crawl_request *rq, json_t *root,
                   const char *base, struct err *e)
{
    json_t *rows = crawl_json_arr(job, root, "jobPostings");
    if (!rows) {
        crawl_job_incomplete(job, "%.120s: no jobPostings", rq->url);
        return err_set(e, URS_EPARSE, "%s: %.120s: no jobPostings array", crawl_job_name(job),
                       rq->url);
    }
    int rc = list_rows(job, rows, base);
    if (rc == URS_OK)
        rc = next_page(job, rq, root, json_array_size(rows), base);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: %.120s: %s", crawl_job_name(job), rq->url, err_name(rc));
    return URS_OK;
}

static int on_detail(struct crawl_job *job, const struct crawl_request *rq, json_t *root,
                     const char *base, struct err *e)
{
    if (!crawl_json_obj(job, root, "jobPostingInfo")) {
        crawl_job_incomplete(job, "%.120s: no jobPostingInfo", rq->url);
        return err_set(e, URS_EPARSE, "%s: %.120s: no jobPostingInfo object", crawl_job_name(job),
                       rq->url);
    }
    struct posting p;
    posting_init(&p);
    int rc = from_detail(job, root, base, rq->ref, &p);
    if (rc != URS_OK) {
        posting_free(&p);
        return err_set(e, rc, "%s: out of memory", crawl_job_name(job));
    }
    rc = crawl_emit(job, &p);
    return crawl_done(job, rc, e);
}

/* A saved file: a detail, or a list whose rows become postings without descriptions. */
static int on_document(struct crawl_job *job, json_t *root, const char *base, struct err *e)
{
    if (crawl_json_obj(job, root, "jobPostingInfo")) {
        struct crawl_request rq = {.url = (char *)"document"};
        return on_detail(job, &rq, root, base, e);
    }
    json_t *rows = crawl_json_arr(job, root, "jobPostings");
    if (!rows)
        return err_set(e, URS_EPARSE, "%s: neither jobPostings nor jobPostingInfo",
                       crawl_job_name(job));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        struct posting p;
        posting_init(&p);
        int rc = from_row(job, row, base, &p);
        if (rc == URS_OK)
            rc = crawl_emit(job, &p);
        posting_free(&p);
        if (rc == URS_ELIMIT)
            break;
        if (rc != URS_OK)
            return err_set(e, rc, "%s: %s", crawl_job_name(job), err_name(rc));
    }
    return URS_OK;
}

static int wd_on_response(struct crawl_job *job, const struct crawl_request *rq,
                          const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_response(job, rq, rs, &root, e);
    if (rc != URS_OK)
        return rc;
    const struct config_source *src = crawl_job_source(job);
    char *base = crawl_url_base(src, rs->url);
    if (!base && ((src->url && *src->url) || rs->url))
        rc = err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
    else if (crawl_job_is_document(job))
        rc = on_document(job, root, base, e);
    else if (rq->stage == WD_LIST)
        rc = on_list(job, rq, root, base, e);
    else
        rc = on_detail(job, rq, root, base, e);
    free(base);
    json_decref(root);
    return rc;
}

const struct crawl_adapter crawl_adapter_workday = {"workday", wd_start, wd_on_response};
