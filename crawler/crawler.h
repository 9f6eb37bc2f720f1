/* SPDX-License-Identifier: MIT */
/* The crawler: polite fetching plus one adapter per source kind, handing postings to a callback. */
#ifndef URSCOUT_CRAWLER_CRAWLER_H
#define URSCOUT_CRAWLER_CRAWLER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/posting.h"
#include "config/config.h"

/*
 * Called for every posting a source yields. The posting is borrowed for the call (the callee
 * may modify it, e.g. classify it); source names the config section. Non-zero return: the
 * crawl of that source stops and is marked incomplete.
 */
typedef int (*crawl_posting_fn)(void *ctx, const char *source, struct posting *p);

/* ---- documents (no network): saved pages and ATS JSON, used by `urscout import` ---- */

/*
 * Parse one saved document as source kind `kind` (NULL: detect JSON-LD pages, RSS/Atom,
 * sitemaps and the ATS JSON shapes of ../shared/formats/), giving each posting to fn with
 * source name `source_name`. url is the page address (for relative links and external ids;
 * may be NULL). src supplies selectors for the html kind (may be NULL). Returns URS_OK,
 * URS_EPARSE (with "what: reason"), URS_ELIMIT, URS_ENOMEM, or fn's failure.
 */
URS_NODISCARD int crawl_parse_document(const char *kind, const char *source_name, const char *url,
                                       const char *data, size_t len,
                                       const struct config_source *src, crawl_posting_fn fn,
                                       void *ctx, size_t *count, struct err *e);

/* True when kind names a known adapter. */
bool crawl_kind_known(const char *kind);
/* Comma-separated adapter kinds, for messages. */
const char *crawl_kind_names(void);

#endif
