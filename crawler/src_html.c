/* SPDX-License-Identifier: MIT */
/* Plain HTML career pages: listing links and next pages by XPath, details by XPath or JSON-LD. */
#include <libxml/HTMLtree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"
#include "crawler/jsonld.h"

enum { HTML_LIST = 0, HTML_DETAIL = 1 };

#define NEXT_DEFAULT  "//a[@rel='next']/@href | //link[@rel='next']/@href"
#define TITLE_DEFAULT "//h1"

static int html_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->url || !text_url_is_http(src->url) || !src->list_xpath)
        return err_set(e, URS_EINVAL,
                       "%s: html needs url = the listing page and list_xpath = the links to "
                       "job pages",
                       src->name);
    bool seen;
    int rc = crawl_job_mark_seen(job, src->url, &seen);
    if (rc == URS_OK)
        rc = crawl_get(job, src->url, HTML_LIST, 1, NULL, true);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue %s: %s", src->name, src->url, err_name(rc));
    return URS_OK;
}

/* The link a selected node stands for: an attribute's value, @href, or a descendant a/@href. */
static char *node_href(xmlNodePtr n)
{
    if (n->type == XML_ATTRIBUTE_NODE || n->type == XML_TEXT_NODE)
        return crawl_node_text(n);
    if (n->type != XML_ELEMENT_NODE)
        return NULL;
    char *href = crawl_node_attr(n, "href");
    for (xmlNodePtr c = n->children; !href && c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            href = node_href(c);
    return href;
}

/* Each node of expr resolved to an http(s) URL, unseen, queued as stage. */
static int queue_links(struct crawl_job *job, htmlDocPtr doc, const char *page, const char *expr,
                       int stage, long page_no, size_t max, struct err *e)
{
    xmlXPathObjectPtr set = NULL;
    int rc = crawl_xpath(job, doc, NULL, expr, &set, e);
    int n = rc == URS_OK && set->nodesetval ? set->nodesetval->nodeNr : 0;
    for (int i = 0, queued = 0; i < n && rc == URS_OK && (size_t)queued < max; i++) {
        char *href = node_href(set->nodesetval->nodeTab[i]);
        char *url = crawl_url_resolve(page, href);
        bool seen = true;
        if (url)
            rc = crawl_job_mark_seen(job, url, &seen);
        if (rc == URS_OK && !seen) {
            rc = crawl_get(job, url, stage, page_no, NULL, stage == HTML_LIST);
            queued++;
        }
        free(href);
        free(url);
    }
    if (set)
        xmlXPathFreeObject(set);
    if (rc == URS_ELIMIT) {
        crawl_job_incomplete(job, "%.120s: too many links", page);
        return URS_OK;
    }
    return rc == URS_OK ? rc : err_set(e, rc, "%s: %s", crawl_job_name(job), err_name(rc));
}

static int on_list(struct crawl_job *job, const struct crawl_request *rq,
                   const struct crawl_response *rs, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    const char *page = rs->url ? rs->url : rq->url;
    htmlDocPtr doc;
    int rc = crawl_html_read(job, page, rs->body, rs->body_len, &doc, e);
    if (rc != URS_OK)
        return crawl_parse_failed(job, rq, rc, e);
    rc = queue_links(job, doc, page, src->list_xpath, HTML_DETAIL, 0, URS_MAX_ITEMS, e);
    if (rc == URS_OK && rq->page < CRAWL_MAX_PAGES)
        rc = queue_links(job, doc, page, src->next_xpath ? src->next_xpath : NEXT_DEFAULT,
                         HTML_LIST, rq->page + 1, 1, e);
    xmlFreeDoc(doc);
    return rc == URS_OK ? URS_OK : crawl_parse_failed(job, rq, rc, e);
}

/* The first node of expr as text; as_html: its markup turned to multi-line text. */
static int xpath_field(struct crawl_job *job, htmlDocPtr doc, const char *expr, bool as_html,
                       char **field, struct err *e)
{
    if (!expr)
        return URS_OK;
    xmlXPathObjectPtr set;
    int rc = crawl_xpath(job, doc, NULL, expr, &set, e);
    if (rc != URS_OK)
        return rc;
    xmlNodePtr n = set->nodesetval && set->nodesetval->nodeNr ? set->nodesetval->nodeTab[0] : NULL;
    if (n && as_html && n->type == XML_ELEMENT_NODE) {
        xmlBufferPtr buf = xmlBufferCreate();
        if (buf && htmlNodeDump(buf, doc, n) >= 0)
            rc = crawl_set_text(job, field, (const char *)xmlBufferContent(buf),
                                (size_t)xmlBufferLength(buf));
        else
            rc = URS_ENOMEM;
        xmlBufferFree(buf);
    } else if (n) {
        char *s = crawl_node_text(n);
        rc = s ? URS_OK : URS_ENOMEM;
        free(*field);
        *field = s;
    }
    xmlXPathFreeObject(set);
    return rc == URS_OK ? rc : err_set(e, rc, "%s: out of memory", crawl_job_name(job));
}

static int from_selectors(struct crawl_job *job, const char *page, const char *body, size_t len,
                          struct posting *p, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    htmlDocPtr doc;
    int rc = crawl_html_read(job, page, body, len, &doc, e);
    if (rc != URS_OK)
        return rc;
    rc = xpath_field(job, doc, src->title_xpath ? src->title_xpath : TITLE_DEFAULT, false,
                     &p->title, e);
    if (rc == URS_OK)
        rc = xpath_field(job, doc, src->location_xpath, false, &p->location, e);
    if (rc == URS_OK)
        rc = xpath_field(job, doc, src->description_xpath, true, &p->description, e);
    xmlFreeDoc(doc);
    return rc;
}

static int on_detail(struct crawl_job *job, const struct crawl_request *rq,
                     const struct crawl_response *rs, struct err *e)
{
    const char *page = rs->url ? rs->url : rq->url;
    struct posting p;
    posting_init(&p);
    int rc = page ? posting_set(&p.url, page) : URS_OK;
    size_t found = 0;
    struct err je;
    err_clear(&je);
    if (rc == URS_OK)
        rc = crawl_jsonld_emit_page(job, page, rs->body, rs->body_len, page ? &p : NULL, &found,
                                    &je);
    if (rc == URS_EPARSE || rc == URS_ELIMIT)
        rc = URS_OK; /* a broken JSON-LD block: the selectors still apply */
    if (rc == URS_OK && found == 0) {
        rc = from_selectors(job, page, rs->body, rs->body_len, &p, e);
        if (rc == URS_OK)
            rc = crawl_emit(job, &p);
    } else if (rc != URS_OK) {
        (void)err_set(e, rc, "%s", je.msg);
    }
    posting_free(&p);
    rc = crawl_done(job, rc, e);
    return rc == URS_OK ? URS_OK : crawl_parse_failed(job, rq, rc, e);
}

static int html_on_response(struct crawl_job *job, const struct crawl_request *rq,
                            const struct crawl_response *rs, struct err *e)
{
    int rc = crawl_response_check(job, rq, rs, e);
    if (rc != URS_OK)
        return rc;
    if (rq->stage == HTML_LIST && !crawl_job_is_document(job))
        return on_list(job, rq, rs, e);
    return on_detail(job, rq, rs, e);
}

const struct crawl_adapter crawl_adapter_html = {"html", html_start, html_on_response};
