/* SPDX-License-Identifier: MIT */
/* RSS 2.0, RSS 1.0 and Atom job feeds: one posting per item or entry. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

static int rss_start(struct crawl_job *job, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->url || !text_url_is_http(src->url))
        return err_set(e, URS_EINVAL, "%s: rss needs url = the feed", src->name);
    int rc = crawl_get(job, src->url, 0, 0, NULL, true);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue %s: %s", src->name, src->url, err_name(rc));
    return URS_OK;
}

static bool named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, (const xmlChar *)name) == 0;
}

/* The text of child name of item into *field, if *field is still empty. */
static int child_text(xmlNodePtr item, const char *name, char **field)
{
    xmlNodePtr c = crawl_node_child(item, name);
    if (!c || *field)
        return URS_OK;
    char *s = crawl_node_text(c);
    if (!s)
        return URS_ENOMEM;
    *field = s;
    return URS_OK;
}

/* Atom: the alternate link (a link without rel counts), else the first link. */
static char *atom_link(xmlNodePtr entry)
{
    xmlNodePtr first = NULL;
    for (xmlNodePtr c = entry->children; c; c = c->next) {
        if (!named(c, "link"))
            continue;
        char *rel = crawl_node_attr(c, "rel");
        bool alternate = !rel || strcmp(rel, "alternate") == 0;
        free(rel);
        if (alternate)
            return crawl_node_attr(c, "href");
        if (!first)
            first = c;
    }
    return first ? crawl_node_attr(first, "href") : NULL;
}

/* Board-specific elements (job:location, job:employmentType, ...) by local name. */
static int extension_fields(xmlNodePtr item, struct posting *p)
{
    static const struct {
        const char *name;
        size_t offset;
    } map[] = {
        {"location", offsetof(struct posting, location)},
        {"employmentType", offsetof(struct posting, employment_hint)},
        {"jobType", offsetof(struct posting, employment_hint)},
        {"employment_type", offsetof(struct posting, employment_hint)},
        {"jobLocationType", offsetof(struct posting, work_hint)},
        {"workplaceType", offsetof(struct posting, work_hint)},
        {"remote", offsetof(struct posting, work_hint)},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        int rc = child_text(item, map[i].name, (char **)(void *)((char *)p + map[i].offset));
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int item_texts(struct crawl_job *job, xmlNodePtr item, bool atom, struct posting *p,
                      char **link, char **date, char **html)
{
    int rc = child_text(item, "title", &p->title);
    if (rc == URS_OK)
        rc = child_text(item, atom ? "id" : "guid", &p->external_id);
    if (rc == URS_OK && atom)
        *link = atom_link(item);
    else if (rc == URS_OK)
        rc = child_text(item, "link", link);
    static const char *const dates[] = {"pubDate", "published", "updated", "date"};
    for (size_t i = 0; i < 4 && rc == URS_OK; i++)
        rc = child_text(item, dates[i], date);
    static const char *const bodies[] = {"encoded", "content", "description", "summary"};
    for (size_t i = 0; i < 4 && rc == URS_OK; i++)
        rc = child_text(item, bodies[i], html);
    if (rc == URS_OK)
        rc = extension_fields(item, p);
    if (rc == URS_OK && !crawl_job_source(job)->employer)
        rc = child_text(item, "creator", &p->employer);
    return rc;
}

static int emit_item(struct crawl_job *job, const char *feed_url, xmlNodePtr item, bool atom)
{
    struct posting p;
    posting_init(&p);
    char *link = NULL, *date = NULL, *html = NULL;
    int rc = item_texts(job, item, atom, &p, &link, &date, &html);
    if (rc == URS_OK && link) {
        p.url = crawl_url_resolve(feed_url, link);
        if (!p.url)
            log_warn("source=%s: item link '%.80s' is not an http(s) URL", crawl_job_name(job),
                     link);
    }
    if (rc == URS_OK && html)
        rc = crawl_set_text(job, &p.description, html, strlen(html));
    if (date && crawl_time_parse(date, &p.posted_at) != URS_OK)
        p.posted_at = 0;
    free(link);
    free(date);
    free(html);
    if (rc == URS_OK)
        rc = crawl_emit(job, &p);
    posting_free(&p);
    return rc;
}

/* The item/entry elements: rss/channel/item, RDF/item, feed/entry. */
static int emit_items(struct crawl_job *job, const char *feed_url, xmlNodePtr root, bool *known)
{
    bool atom = named(root, "feed");
    xmlNodePtr parent = named(root, "rss") ? crawl_node_child(root, "channel") : root;
    *known = atom || named(root, "rss") || named(root, "RDF");
    if (!*known || !parent)
        return URS_OK;
    size_t count = 0;
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (!named(c, atom ? "entry" : "item"))
            continue;
        int rc = emit_item(job, feed_url, c, atom);
        if (rc != URS_OK)
            return rc;
        count++;
    }
    log_debug("source=%s: %zu feed items", crawl_job_name(job), count);
    return URS_OK;
}

static int rss_on_response(struct crawl_job *job, const struct crawl_request *rq,
                           const struct crawl_response *rs, struct err *e)
{
    int rc = crawl_response_check(job, rq, rs, e);
    if (rc != URS_OK)
        return rc;
    const char *feed = rs->url ? rs->url : rq->url;
    xmlDocPtr doc;
    rc = crawl_xml_read(job, feed, rs->body, rs->body_len, &doc, e);
    if (rc != URS_OK)
        return crawl_parse_failed(job, rq, rc, e);
    bool known = false;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    rc = root ? emit_items(job, feed, root, &known) : URS_OK;
    if (rc == URS_OK && !known)
        rc = err_set(e, URS_EPARSE, "%s: %.120s: not an RSS or Atom feed (root <%.40s>)",
                     crawl_job_name(job), feed ? feed : "document",
                     root ? (const char *)root->name : "none");
    xmlFreeDoc(doc);
    rc = crawl_done(job, rc, e);
    return rc == URS_OK ? URS_OK : crawl_parse_failed(job, rq, rc, e);
}

const struct crawl_adapter crawl_adapter_rss = {"rss", rss_start, rss_on_response};
