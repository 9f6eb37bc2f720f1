/* SPDX-License-Identifier: MIT */
/* XML sitemaps: index -> urlset -> job pages (filtered by url_pattern) read as JSON-LD. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"
#include "crawler/jsonld.h"

enum { SM_MAP = 0, SM_PAGE = 1 };

static int sitemap_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->url || !text_url_is_http(src->url))
        return err_set(e, URS_EINVAL, "%s: sitemap needs url = the sitemap (or index)", src->name);
    bool seen;
    int rc = crawl_job_mark_seen(job, src->url, &seen);
    if (rc == URS_OK)
        rc = crawl_get(job, src->url, SM_MAP, 1, NULL, true);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue %s: %s", src->name, src->url, err_name(rc));
    return URS_OK;
}

/* Queue each <loc> under root's children named entry (sitemap or url). */
static int queue_locs(struct crawl_job *job, const char *map_url, xmlNodePtr root,
                      const char *entry, int stage, long depth)
{
    const char *pattern = crawl_job_source(job)->url_pattern;
    size_t queued = 0, skipped = 0;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, (const xmlChar *)entry))
            continue;
        xmlNodePtr loc = crawl_node_child(c, "loc");
        char *text = loc ? crawl_node_text(loc) : NULL;
        char *url = crawl_url_resolve(map_url, text);
        free(text);
        if (!url || (stage == SM_PAGE && pattern && !strstr(url, pattern))) {
            skipped++;
            free(url);
            continue;
        }
        bool seen = false;
        int rc = crawl_job_mark_seen(job, url, &seen);
        if (rc == URS_OK && !seen)
            rc = crawl_get(job, url, stage, depth, NULL, stage == SM_MAP);
        free(url);
        if (rc == URS_ELIMIT) {
            crawl_job_incomplete(job, "%.120s: too many URLs", map_url);
            return URS_OK;
        }
        if (rc != URS_OK)
            return rc;
        queued++;
    }
    log_debug("source=%s url=%.120s: %zu URLs queued, %zu skipped", crawl_job_name(job), map_url,
              queued, skipped);
    return URS_OK;
}

static int on_map(struct crawl_job *job, const struct crawl_request *rq,
                  const struct crawl_response *rs, struct err *e)
{
    const char *map = rs->url ? rs->url : rq->url;
    xmlDocPtr doc;
    int rc = crawl_xml_read(job, map, rs->body, rs->body_len, &doc, e);
    if (rc != URS_OK)
        return crawl_parse_failed(job, rq, rc, e);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const char *name = root ? (const char *)root->name : "none";
    if (crawl_job_is_document(job))
        rc = err_set(e, URS_EINVAL,
                     "%s: a sitemap lists pages but holds no postings: import "
                     "the pages",
                     crawl_job_name(job));
    else if (strcmp(name, "sitemapindex") == 0 && rq->page < 4)
        rc = queue_locs(job, map, root, "sitemap", SM_MAP, rq->page + 1);
    else if (strcmp(name, "urlset") == 0)
        rc = queue_locs(job, map, root, "url", SM_PAGE, 0);
    else
        rc = err_set(e, URS_EPARSE, "%s: %.120s: not a sitemap (root <%.40s>)", crawl_job_name(job),
                     map, name);
    xmlFreeDoc(doc);
    if (rc != URS_OK)
        (void)err_set(e, rc, "%s: %.120s: %s", crawl_job_name(job), map, err_name(rc));
    return rc == URS_OK ? URS_OK : crawl_parse_failed(job, rq, rc, e);
}

static int on_page(struct crawl_job *job, const struct crawl_request *rq,
                   const struct crawl_response *rs, struct err *e)
{
    struct posting base;
    posting_init(&base);
    const char *page = rq->url ? rq->url : rs->url;
    int rc = page ? posting_set(&base.url, page) : URS_OK;
    size_t found = 0;
    if (rc == URS_OK)
        rc = crawl_jsonld_emit_page(job, page, rs->body, rs->body_len, &base, &found, e);
    posting_free(&base);
    if (rc == URS_OK && found == 0)
        log_info("source=%s url=%.120s: no JobPosting JSON-LD", crawl_job_name(job),
                 page ? page : "document");
    return rc == URS_OK ? URS_OK : crawl_parse_failed(job, rq, rc, e);
}

static int sitemap_on_response(struct crawl_job *job, const struct crawl_request *rq,
                               const struct crawl_response *rs, struct err *e)
{
    int rc = crawl_response_check(job, rq, rs, e);
    if (rc != URS_OK)
        return rc;
    return rq->stage == SM_MAP ? on_map(job, rq, rs, e) : on_page(job, rq, rs, e);
}

const struct crawl_adapter crawl_adapter_sitemap = {"sitemap", sitemap_start, sitemap_on_response};
