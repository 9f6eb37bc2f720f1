/* SPDX-License-Identifier: MIT */
/* Radancy TalentBrew: the JSON-wrapped search results HTML, then each job page's JSON-LD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"
#include "crawler/jsonld.h"

#define TB_PER_PAGE 100

enum { TB_LIST = 0, TB_DETAIL = 1 };

static const char *const tb_rows_xpath =
    "//section[@id='search-results-list']//li//a[@data-job-id]";

static int queue_page(struct crawl_job *job, const char *text, long page)
{
    const struct config_source *src = crawl_job_source(job);
    char *base = crawl_url_base(src, NULL);
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = base ? sbuf_printf(&url,
                                "%s/search-jobs/results?CurrentPage=%ld&RecordsPerPage=%d"
                                "&Keywords=",
                                base, page, TB_PER_PAGE)
                  : URS_ENOMEM;
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, text);
    if (rc == URS_OK)
        rc = sbuf_puts(&url, "&SearchResultsModuleName=Search+Results&SearchType=5");
    if (rc == URS_OK) {
        struct crawl_request rq = {0};
        rq.url = url.data;
        rq.extra_header = "Accept: application/json";
        rq.stage = TB_LIST;
        rq.page = page;
        rq.ref = (char *)text;
        rq.listing = true;
        rc = crawl_job_request(job, &rq);
    }
    sbuf_free(&url);
    free(base);
    return rc;
}

static int tb_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->url || !text_url_is_http(src->url))
        return err_set(e, URS_EINVAL, "%s: talentbrew needs url = https://CAREERS-HOST", src->name);
    if (!crawl_rows_of(job))
        return err_set(e, URS_ENOMEM, "%s: out of memory", src->name);
    size_t n = src->search_len ? src->search_len : 1;
    for (size_t i = 0; i < n; i++) {
        int rc = queue_page(job, src->search_len ? src->search[i] : "", 1);
        if (rc != URS_OK)
            return err_set(e, rc, "%s: cannot queue the search: %s", src->name, err_name(rc));
    }
    return URS_OK;
}

/* True when node's class attribute holds the token cls. */
static bool has_class(xmlNodePtr node, const char *cls)
{
    char *c = crawl_node_attr(node, "class");
    bool found = false;
    size_t n = strlen(cls);
    for (const char *p = c; p && (p = strstr(p, cls)); p += n)
        if ((p == c || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            found = true;
    free(c);
    return found;
}

/* The first descendant element named name (and with class cls when not NULL). */
static xmlNodePtr find_desc(xmlNodePtr node, const char *name, const char *cls, int depth)
{
    for (xmlNodePtr c = node->children; c && depth < 32; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcasecmp(c->name, (const xmlChar *)name) == 0 && (!cls || has_class(c, cls)))
            return c;
        xmlNodePtr d = find_desc(c, name, cls, depth + 1);
        if (d)
            return d;
    }
    return NULL;
}

static int set_node_text(char **field, xmlNodePtr node)
{
    if (!node)
        return URS_OK;
    char *s = crawl_node_text(node);
    if (!s)
        return URS_ENOMEM;
    free(*field);
    *field = s;
    return URS_OK;
}

/* One result link -> the listing row posting. */
static int row_posting(xmlNodePtr a, const char *page_url, struct posting *p)
{
    p->external_id = crawl_node_attr(a, "data-job-id");
    char *href = crawl_node_attr(a, "href");
    p->url = crawl_url_resolve(page_url, href);
    free(href);
    xmlNodePtr h = find_desc(a, "h2", NULL, 0);
    int rc = set_node_text(&p->title, h ? h : find_desc(a, "h3", NULL, 0));
    if (rc == URS_OK)
        rc = set_node_text(&p->location, find_desc(a, "span", "job-location", 0));
    char *date = NULL;
    if (rc == URS_OK)
        rc = set_node_text(&date, find_desc(a, "span", "job-date-posted", 0));
    if (date && crawl_time_parse(date, &p->posted_at) != URS_OK)
        p->posted_at = 0;
    free(date);
    return rc;
}

/* Keep a new row and queue its page; *added counts new rows. Document mode emits it. */
static int take_row(struct crawl_job *job, struct posting *p, size_t *added)
{
    bool seen = false;
    bool document = crawl_job_is_document(job);
    if (!p->external_id || (!p->url && !document))
        return URS_OK;
    int rc = crawl_job_mark_seen(job, p->external_id, &seen);
    if (rc != URS_OK || seen)
        return rc;
    (*added)++;
    if (document)
        return crawl_emit(job, p);
    struct crawl_rows *rows = crawl_rows_of(job);
    size_t index;
    char *url = strdup(p->url), *id = strdup(p->external_id);
    rc = rows && url && id ? crawl_rows_add(rows, p, &index) : URS_ENOMEM;
    if (rc == URS_OK)
        rc = crawl_get(job, url, TB_DETAIL, (long)index, id, false);
    free(url);
    free(id);
    return rc;
}

static int parse_rows(struct crawl_job *job, const char *page_url, const char *html, size_t *rows,
                      size_t *added, struct err *e)
{
    htmlDocPtr doc;
    int rc = crawl_html_read(job, page_url, html, strlen(html), &doc, e);
    if (rc != URS_OK)
        return rc;
    xmlXPathObjectPtr set = NULL;
    rc = crawl_xpath(job, doc, NULL, tb_rows_xpath, &set, e);
    int n = rc == URS_OK && set->nodesetval ? set->nodesetval->nodeNr : 0;
    for (int i = 0; i < n && rc == URS_OK; i++) {
        struct posting p;
        posting_init(&p);
        rc = row_posting(set->nodesetval->nodeTab[i], page_url, &p);
        if (rc == URS_OK)
            rc = take_row(job, &p, added);
        posting_free(&p);
        (*rows)++;
    }
    if (set)
        xmlXPathFreeObject(set);
    xmlFreeDoc(doc);
    return rc;
}

static int on_list(struct crawl_job *job, const struct crawl_request *rq,
                   const struct crawl_response *rs, struct err *e)
{
    json_t *root;
    int rc = crawl_json_load(job, rq->url, rs->body, rs->body_len, &root, e);
    if (rc != URS_OK)
        return crawl_parse_failed(job, rq, rc, e);
    const char *html = crawl_json_str(job, root, "results");
    size_t rows = 0, added = 0;
    if (!html)
        rc = err_set(e, URS_EPARSE, "%s: %.120s: no results HTML", crawl_job_name(job), rq->url);
    else
        rc = parse_rows(job, rs->url ? rs->url : rq->url, html, &rows, &added, e);
    json_decref(root);
    if (rc == URS_ELIMIT) {
        crawl_job_incomplete(job, "%.120s: too many jobs", rq->url);
        return URS_OK;
    }
    if (rc != URS_OK)
        return crawl_parse_failed(job, rq, rc, e);
    if (added > 0 && rows >= TB_PER_PAGE && rq->page < CRAWL_MAX_PAGES)
        rc = queue_page(job, rq->ref ? rq->ref : "", rq->page + 1);
    return rc == URS_OK ? URS_OK
                        : err_set(e, rc, "%s: next page: %s", crawl_job_name(job), err_name(rc));
}

static int on_detail(struct crawl_job *job, const struct crawl_request *rq,
                     const struct crawl_response *rs, struct err *e)
{
    const struct posting *row = crawl_rows_at(job, rq->page);
    const char *page_url = rs->url ? rs->url : rq->url;
    size_t found = 0;
    struct err je;
    err_clear(&je);
    int rc = crawl_jsonld_emit_page(job, page_url, rs->body, rs->body_len, row, &found, &je);
    if (rc == URS_ENOMEM || (rc != URS_OK && rc != URS_EPARSE && rc != URS_ELIMIT))
        return err_set(e, rc, "%s", je.msg);
    if (found > 0 || !row)
        return URS_OK;
    log_info("source=%s url=%.120s: no JobPosting JSON-LD: listing data used", crawl_job_name(job),
             page_url);
    struct posting p;
    if (posting_copy(&p, row) != URS_OK)
        return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
    rc = crawl_emit(job, &p);
    return crawl_done(job, rc, e);
}

static int tb_on_response(struct crawl_job *job, const struct crawl_request *rq,
                          const struct crawl_response *rs, struct err *e)
{
    int rc = crawl_response_check(job, rq, rs, e);
    if (rc != URS_OK)
        return rc;
    if (rq->stage == TB_LIST || crawl_job_is_document(job))
        return on_list(job, rq, rs, e);
    return on_detail(job, rq, rs, e);
}

const struct crawl_adapter crawl_adapter_talentbrew = {"talentbrew", tb_start, tb_on_response};
