/* SPDX-License-Identifier: MIT */
/* Saved documents (pages, feeds, ATS JSON) parsed with no network, for `urscout import`. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

static int no_posting(void *ctx, const char *source, struct posting *p)
{
    (void)ctx;
    (void)source;
    (void)p;
    return 0;
}

/* The first element of v if it is an array of objects, else NULL. */
static json_t *first_of(json_t *v)
{
    json_t *x = json_is_array(v) ? json_array_get(v, 0) : NULL;
    return json_is_object(x) ? x : NULL;
}

static bool has(json_t *obj, const char *key)
{
    return json_object_get(obj, key) != NULL;
}

/* The ATS whose JSON shape (tests/fixtures/formats/) root has, or NULL. */
static const char *json_kind(json_t *root)
{
    json_t *row = first_of(root);
    if (row)
        return has(row, "hostedUrl") || has(row, "categories") ? "lever" : "jsonld";
    if (!json_is_object(root))
        return NULL;
    if (has(root, "jobPostings") || has(root, "jobPostingInfo"))
        return "workday";
    json_t *item = first_of(json_object_get(root, "items"));
    if (item && (has(item, "requisitionList") || has(item, "ExternalDescriptionStr") ||
                 has(item, "TotalJobsCount")))
        return "oracle";
    if (has(root, "SearchResult"))
        return "usajobs";
    json_t *job = first_of(json_object_get(root, "jobs"));
    if (has(root, "absolute_url") || (job && has(job, "absolute_url")))
        return "greenhouse";
    if (job || has(root, "apiVersion"))
        return "ashby";
    if (has(root, "totalFound") || has(root, "jobAd"))
        return "smartrecruiters";
    if (json_is_string(json_object_get(root, "results")))
        return "talentbrew";
    if (has(root, "@type") || has(root, "@graph") || has(root, "@context"))
        return "jsonld";
    return NULL;
}

static int detect_json(const char *name, const char *data, size_t len, const char **kind,
                       struct err *e)
{
    struct config_source probe = {.name = (char *)name};
    struct crawl_job *job;
    int rc = crawl_job_new(&probe, &crawl_adapter_jsonld, no_posting, NULL, &job, e);
    json_t *root = NULL;
    if (rc == URS_OK)
        rc = crawl_json_load(job, NULL, data, len, &root, e);
    crawl_job_free(job);
    if (rc != URS_OK)
        return rc;
    *kind = json_kind(root);
    json_decref(root);
    if (!*kind)
        return err_set(e, URS_EPARSE,
                       "%s: JSON of no known shape (Workday, TalentBrew, Oracle, Greenhouse, "
                       "Lever, SmartRecruiters, Ashby, USAJOBS, JSON-LD): give the kind",
                       name);
    return URS_OK;
}

/* Markup: a feed, a sitemap, or an HTML page (JSON-LD, else the source's selectors). */
static int detect_markup(const char *name, const char *data, size_t len,
                         const struct config_source *src, const char **kind, struct err *e)
{
    size_t head = len < 4096 ? len : 4096;
    bool html = text_find_ci(data, head, "<html") != (size_t)-1 ||
                text_find_ci(data, head, "<!doctype html") != (size_t)-1;
    if (!html && (text_find_ci(data, head, "<rss") != (size_t)-1 ||
                  text_find_ci(data, head, "<feed") != (size_t)-1 ||
                  text_find_ci(data, head, "<rdf:rdf") != (size_t)-1))
        *kind = "rss";
    else if (!html && (text_find_ci(data, head, "<urlset") != (size_t)-1 ||
                       text_find_ci(data, head, "<sitemapindex") != (size_t)-1))
        *kind = "sitemap";
    else if (text_find_ci(data, len, "application/ld+json") != (size_t)-1)
        *kind = "jsonld";
    else if (src && (src->title_xpath || src->description_xpath))
        *kind = "html";
    else
        return err_set(e, URS_EPARSE,
                       "%s: page without JobPosting JSON-LD: give a source with title_xpath "
                       "and description_xpath (kind html)",
                       name);
    return URS_OK;
}

static int detect(const char *name, const char *data, size_t len, const struct config_source *src,
                  const char **kind, struct err *e)
{
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    if (i < len && (data[i] == '{' || data[i] == '['))
        return detect_json(name, data, len, kind, e);
    if (i < len && data[i] == '<')
        return detect_markup(name, data + i, len - i, src, kind, e);
    return err_set(e, URS_EPARSE, "%s: neither JSON nor markup", name);
}

static int run(const struct crawl_adapter *ad, const struct config_source *src, const char *url,
               const char *data, size_t len, crawl_posting_fn fn, void *ctx, size_t *count,
               struct err *e)
{
    struct crawl_job *job;
    int rc = crawl_job_new(src, ad, fn, ctx, &job, e);
    if (rc != URS_OK)
        return rc;
    crawl_job_set_document(job, true);
    struct crawl_request rq = {0};
    rq.url = (char *)(url ? url : "document");
    struct crawl_response rs = {200, data, len, NULL, url};
    rc = ad->on_response(job, &rq, &rs, e);
    if (count)
        *count = crawl_job_emitted(job);
    if (rc == URS_OK && !crawl_job_is_complete(job))
        log_warn("source=%s: %s", src->name, crawl_job_incomplete_reason(job));
    crawl_job_free(job);
    return rc;
}

int crawl_parse_document(const char *kind, const char *source_name, const char *url,
                         const char *data, size_t len, const struct config_source *src,
                         crawl_posting_fn fn, void *ctx, size_t *count, struct err *e)
{
    if (count)
        *count = 0;
    const char *name = source_name ? source_name : src && src->name ? src->name : "import";
    if (!data || !fn)
        return err_set(e, URS_EINVAL, "%s: no document or no posting handler", name);
    if (len > URS_MAX_BODY)
        return err_set(e, URS_ELIMIT, "%s: document of %zu bytes is over the %d byte limit", name,
                       len, URS_MAX_BODY);
    char *copy = malloc(len + 1); /* parsers may rely on a terminating NUL */
    if (!copy)
        return err_set(e, URS_ENOMEM, "%s: out of memory", name);
    memcpy(copy, data, len);
    copy[len] = '\0';
    int rc = kind ? URS_OK : detect(name, copy, len, src, &kind, e);
    const struct crawl_adapter *ad = rc == URS_OK ? crawl_adapter_find(kind) : NULL;
    if (rc == URS_OK && !ad)
        rc = err_set(e, URS_EINVAL, "%s: unknown kind '%.40s' (known: %s)", name, kind,
                     crawl_kind_names());
    if (rc == URS_OK) {
        struct config_source one = {0};
        if (src)
            one = *src;
        one.name = (char *)name;
        one.kind = (char *)kind;
        rc = run(ad, &one, url, copy, len, fn, ctx, count, e);
    }
    free(copy);
    return rc;
}
