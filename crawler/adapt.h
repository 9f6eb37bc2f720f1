/* SPDX-License-Identifier: MIT */
/* crawler/ private: helpers the source adapters share (job extras, JSON, XML, URLs, times, text).
 */
#ifndef URSCOUT_CRAWLER_ADAPT_H
#define URSCOUT_CRAWLER_ADAPT_H

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"
#include "common/posting.h"
#include "common/sbuf.h"
#include "crawler/crawler_int.h"

/* Most pages followed in one listing chain (next links, offsets): a loop guard. */
#define CRAWL_MAX_PAGES 2000
/* Most requests waiting in one job's queue, and over the whole job. */
#define CRAWL_MAX_QUEUE    (URS_MAX_ITEMS + 1024)
#define CRAWL_MAX_REQUESTS (4 * URS_MAX_ITEMS)

/* The adapters (crawler/src_<kind>.c), listed in crawler/adapters.c. */
extern const struct crawl_adapter crawl_adapter_workday;
extern const struct crawl_adapter crawl_adapter_talentbrew;
extern const struct crawl_adapter crawl_adapter_oracle;
extern const struct crawl_adapter crawl_adapter_greenhouse;
extern const struct crawl_adapter crawl_adapter_lever;
extern const struct crawl_adapter crawl_adapter_smartrecruiters;
extern const struct crawl_adapter crawl_adapter_ashby;
extern const struct crawl_adapter crawl_adapter_usajobs;
extern const struct crawl_adapter crawl_adapter_jsonld;
extern const struct crawl_adapter crawl_adapter_html;
extern const struct crawl_adapter crawl_adapter_rss;
extern const struct crawl_adapter crawl_adapter_sitemap;

/* ---- job extras (crawler/job.c) ---- */

/* The source name, for messages (never NULL). */
const char *crawl_job_name(const struct crawl_job *job);

/*
 * Remember key (an id or URL) for this job; *seen_before says whether it was already there.
 * Returns URS_OK, URS_ENOMEM, or URS_ELIMIT past CRAWL_MAX_REQUESTS keys.
 */
URS_NODISCARD int crawl_job_mark_seen(struct crawl_job *job, const char *key, bool *seen_before);

/*
 * Document mode (crawl_parse_document): no network, so crawl_job_request drops requests and
 * adapters emit what a listing row holds instead of asking for details.
 */
void crawl_job_set_document(struct crawl_job *job, bool on);
bool crawl_job_is_document(const struct crawl_job *job);

/*
 * crawl_job_emit, then posting_free(p). Returns URS_OK (emitted or skipped), URS_ELIMIT when
 * the job already holds URS_MAX_ITEMS postings (stop the loop; the job is marked incomplete),
 * or the callback's failure / URS_ENOMEM.
 */
URS_NODISCARD int crawl_emit(struct crawl_job *job, struct posting *p);

/*
 * The end of an emit loop: URS_ELIMIT (the posting cap, already warned about) becomes URS_OK;
 * any other failure gets a message in e if it has none. Returns the final code.
 */
int crawl_done(struct crawl_job *job, int rc, struct err *e);

/* Queue a GET of url. Same codes as crawl_job_request. */
URS_NODISCARD int crawl_get(struct crawl_job *job, const char *url, int stage, long page,
                            const char *ref, bool listing);

/*
 * A response that is not 2xx: marks the job incomplete when rq is a listing request and
 * returns URS_ENET with "source: url: HTTP status" in e. URS_OK for 2xx.
 */
URS_NODISCARD int crawl_response_check(struct crawl_job *job, const struct crawl_request *rq,
                                       const struct crawl_response *rs, struct err *e);

/*
 * A response that could not be parsed: a listing row or a posting may be missing, so the job
 * is marked incomplete (nothing gets closed); returns rc.
 */
int crawl_parse_failed(struct crawl_job *job, const struct crawl_request *rq, int rc,
                       const struct err *e);

/*
 * Listing rows kept for their detail requests (the request's page is the row's index), held
 * as the job's state by the adapters that use it.
 */
struct crawl_rows {
    struct posting *v;
    size_t len;
    size_t cap;
};

/* The job's rows (created on first use; NULL when out of memory). */
struct crawl_rows *crawl_rows_of(struct crawl_job *job);
/* Move *p into the rows (p is left empty); *index receives its place. URS_OK or URS_ENOMEM. */
URS_NODISCARD int crawl_rows_add(struct crawl_rows *rows, struct posting *p, size_t *index);
/* The row at index, or NULL. */
const struct posting *crawl_rows_at(struct crawl_job *job, long index);

/* ---- JSON (crawler/adapt_json.c) ---- */

/*
 * Parse untrusted JSON: invalid UTF-8 becomes U+FFFD, nesting deeper than URS_MAX_JSON_DEPTH
 * is refused before jansson sees it, duplicate keys keep the last value (as browsers do),
 * "\u0000" is allowed (dropped when a field is copied). Errors read
 * "source: url: line:col: reason". Returns URS_OK, URS_EPARSE, URS_ELIMIT or URS_ENOMEM.
 */
URS_NODISCARD int crawl_json_load(struct crawl_job *job, const char *url, const char *data,
                                  size_t len, json_t **out, struct err *e);

/*
 * The usual start of a JSON adapter's on_response: crawl_response_check, then
 * crawl_json_load of the body; a parse failure goes through crawl_parse_failed. *out is the
 * document (json_decref it) on URS_OK, NULL otherwise.
 */
URS_NODISCARD int crawl_json_response(struct crawl_job *job, const struct crawl_request *rq,
                                      const struct crawl_response *rs, json_t **out,
                                      struct err *e);

/* As crawl_json_load for JSON found at line0:col0 of a page (errors give page positions). */
URS_NODISCARD int crawl_json_load_at(struct crawl_job *job, const char *url, const char *data,
                                     size_t len, int line0, int col0, json_t **out, struct err *e);

/* Typed member getters: NULL/false when absent or null; a mistyped value logs a warning. */
json_t *crawl_json_obj(struct crawl_job *job, json_t *obj, const char *key);
json_t *crawl_json_arr(struct crawl_job *job, json_t *obj, const char *key);
const char *crawl_json_str(struct crawl_job *job, json_t *obj, const char *key);
/* A number, or a string holding one ("88000.0"); finite values only. */
bool crawl_json_num(struct crawl_job *job, json_t *obj, const char *key, double *out);
bool crawl_json_bool(struct crawl_job *job, json_t *obj, const char *key, bool *out);

/*
 * Copy a string member into *field (NUL bytes dropped); an integer is accepted too when
 * allow_int (ids). Absent: field unchanged. URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int crawl_json_set(struct crawl_job *job, char **field, json_t *obj, const char *key,
                                 bool allow_int);
/* Copy a JSON string value (not a member) into *field, NUL bytes dropped. */
URS_NODISCARD int crawl_json_set_value(char **field, json_t *v);

/* ---- text and fields (crawler/adapt_util.c) ---- */

/*
 * HTML (possibly entity-escaped once or twice, as Greenhouse sends it) or plain text to
 * cleaned text in *field (replaced). Input over URS_MAX_HTML is cut with a warning.
 * URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int crawl_set_text(struct crawl_job *job, char **field, const char *html, size_t len);
/* Append s to *field after sep (no sep when *field is empty). NULL/empty s: no change. */
URS_NODISCARD int crawl_field_append(char **field, const char *sep, const char *s);
/* Replace invalid UTF-8 with U+FFFD into out (other bytes kept). URS_OK or the sbuf error. */
URS_NODISCARD int crawl_utf8_repair(const char *s, size_t len, struct sbuf *out);

/*
 * Times as sources write them: ISO 8601 (also with unpadded month/day), RFC 822 ("Tue, 10 Nov
 * 2026 09:00:00 -0600"), US "11/10/2026". URS_OK or URS_EPARSE.
 */
URS_NODISCARD int crawl_time_parse(const char *s, int64_t *out);

/* A pay period from a source's unit text ("HOUR", "1 YEAR", "per-hour-wage", "PA", ...). */
enum pay_period crawl_period_parse(const char *unit);

/* Set a salary hint; non-finite or negative values are ignored. */
void crawl_salary_set(struct posting *p, double min, double max, enum pay_period period);

/* ---- URLs (crawler/adapt_util.c) ---- */

/* Percent-encode s (RFC 3986 unreserved kept, space as %20). URS_OK or the sbuf error. */
URS_NODISCARD int crawl_url_encode(struct sbuf *out, const char *s);

/*
 * Queue the one listing request of a board-token API (greenhouse, ashby):
 * BASE + prefix + the url-encoded board + suffix, BASE being the source's url or api.
 * A source without board = is a config error naming what the kind needs.
 */
URS_NODISCARD int crawl_board_get(struct crawl_job *job, const char *api, const char *prefix,
                                  const char *suffix, struct err *e);

/* The API base: src->url when set, else def; trailing slashes dropped. malloc'd or NULL. */
char *crawl_url_base(const struct config_source *src, const char *def);

/*
 * Resolve href against base (libxml2 xmlBuildURI), fragment dropped; NULL unless the result
 * is an http(s) URL. malloc'd.
 */
char *crawl_url_resolve(const char *base, const char *href);

/* ---- XML and HTML (crawler/adapt_xml.c) ---- */

/*
 * Parse XML safely: no network, no entity substitution, no DTD loading; a DOCTYPE with an
 * internal subset (XXE, billion laughs) is refused up front. Errors read
 * "source: url: line:col: reason". URS_OK, URS_EPARSE or URS_ENOMEM; free with xmlFreeDoc.
 */
URS_NODISCARD int crawl_xml_read(struct crawl_job *job, const char *url, const char *data,
                                 size_t len, xmlDocPtr *out, struct err *e);

/* Parse HTML (recovering, no network). URS_OK, URS_EPARSE or URS_ENOMEM; free with xmlFreeDoc. */
URS_NODISCARD int crawl_html_read(struct crawl_job *job, const char *url, const char *data,
                                  size_t len, htmlDocPtr *out, struct err *e);

/*
 * Evaluate an XPath expression against node (or the whole document when node is NULL).
 * *out is a node set result (free with xmlXPathFreeObject), possibly empty. An invalid
 * expression: URS_EINVAL with "source: xpath 'expr': invalid".
 */
URS_NODISCARD int crawl_xpath(struct crawl_job *job, xmlDocPtr doc, xmlNodePtr node,
                              const char *expr, xmlXPathObjectPtr *out, struct err *e);

/* The string value of a node (text content, or an attribute's value), malloc'd; NULL on ENOMEM. */
char *crawl_node_text(xmlNodePtr node);
/* The value of attribute name of node, malloc'd, or NULL. */
char *crawl_node_attr(xmlNodePtr node, const char *name);
/* The first child element named name (any namespace), or NULL. */
xmlNodePtr crawl_node_child(xmlNodePtr node, const char *name);

#endif
