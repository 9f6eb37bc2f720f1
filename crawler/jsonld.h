/* SPDX-License-Identifier: MIT */
/* crawler/ private: schema.org JobPosting JSON-LD, found in pages by a byte scan (no DOM). */
#ifndef URSCOUT_CRAWLER_JSONLD_H
#define URSCOUT_CRAWLER_JSONLD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "crawler/crawler_int.h"

/*
 * The next <script type="application/ld+json"> body in html[0..len) at or after *pos (start
 * at 0). The type is matched case-insensitively with any quoting and parameters; HTML comment
 * and CDATA wrappers around the JSON are stripped. *body points into html. False at the end.
 */
bool crawl_jsonld_next(const char *html, size_t len, size_t *pos, const char **body,
                       size_t *body_len);

/* True when obj's @type is JobPosting (also "schema:JobPosting", a URL, or in an array). */
bool crawl_jsonld_is_posting(json_t *obj);

/*
 * Fill p from one JobPosting object; fields already set in p are kept (the caller's listing
 * data wins). page_url supplies the URL when the object has none. URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int crawl_jsonld_posting(struct crawl_job *job, json_t *obj, const char *page_url,
                                       struct posting *p);

/*
 * Emit every JobPosting in root (an object, an array, @graph), each started from a copy of
 * base (may be NULL; when base has an external id only the first posting is taken). *found
 * counts them. Returns URS_OK, URS_ENOMEM or the callback's failure (URS_ELIMIT at the cap).
 */
URS_NODISCARD int crawl_jsonld_emit_json(struct crawl_job *job, json_t *root, const char *page_url,
                                         const struct posting *base, size_t *found);

/*
 * Emit the JobPostings of every JSON-LD script of a page. A broken script is skipped with a
 * warning; when nothing was found and a script was broken, its error is returned
 * (URS_EPARSE/URS_ELIMIT with "source: url: line:col: reason"). URS_OK with *found == 0 when
 * the page has no posting.
 */
URS_NODISCARD int crawl_jsonld_emit_page(struct crawl_job *job, const char *page_url,
                                         const char *html, size_t len, const struct posting *base,
                                         size_t *found, struct err *e);

#endif
