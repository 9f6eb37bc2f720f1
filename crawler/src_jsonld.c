/* SPDX-License-Identifier: MIT */
/* Any page with schema.org JobPosting JSON-LD: every posting on it. */
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"
#include "crawler/jsonld.h"

static int jsonld_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->url || !text_url_is_http(src->url))
        return err_set(e, URS_EINVAL, "%s: jsonld needs url = the page holding the postings",
                       src->name);
    int rc = crawl_get(job, src->url, 0, 0, NULL, true);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue %s: %s", src->name, src->url, err_name(rc));
    return URS_OK;
}

/* A saved .json file of JSON-LD (no HTML around it). */
static bool bare_json(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i < len && (s[i] == '{' || s[i] == '[');
}

static int from_json(struct crawl_job *job, const char *url, const char *data, size_t len,
                     size_t *found, struct err *e)
{
    json_t *root;
    int rc = crawl_json_load(job, url, data, len, &root, e);
    if (rc != URS_OK)
        return rc;
    rc = crawl_jsonld_emit_json(job, root, url, NULL, found);
    json_decref(root);
    return crawl_done(job, rc, e);
}

static int jsonld_on_response(struct crawl_job *job, const struct crawl_request *rq,
                              const struct crawl_response *rs, struct err *e)
{
    int rc = crawl_response_check(job, rq, rs, e);
    if (rc != URS_OK)
        return rc;
    const char *page = rs->url ? rs->url : rq->url;
    size_t found = 0;
    if (crawl_job_is_document(job) && bare_json(rs->body, rs->body_len))
        rc = from_json(job, page, rs->body, rs->body_len, &found, e);
    else
        rc = crawl_jsonld_emit_page(job, page, rs->body, rs->body_len, NULL, &found, e);
    if (rc != URS_OK)
        return crawl_parse_failed(job, rq, rc, e);
    if (found == 0)
        log_info("source=%s url=%.120s: no JobPosting JSON-LD", crawl_job_name(job),
                 page ? page : "document");
    return URS_OK;
}

const struct crawl_adapter crawl_adapter_jsonld = {"jsonld", jsonld_start, jsonld_on_response};
