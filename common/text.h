/* SPDX-License-Identifier: MIT */
/* Text helpers: HTML to text, escaping for HTML and CSV, URL checks, ISO 8601 times. */
#ifndef URSCOUT_COMMON_TEXT_H
#define URSCOUT_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/sbuf.h"

/*
 * Convert an HTML fragment or page to cleaned multi-line text (libxml2's HTML parser, network
 * off, no entity loading): scripts, styles and comments dropped, block elements become line
 * breaks, list items get "- ", entities decoded, the result cleaned by utf8_clean and cut at
 * cap bytes (*truncated says so; may be NULL). Input over URS_MAX_HTML is refused (URS_ELIMIT).
 * Returns URS_OK, URS_ENOMEM, URS_ELIMIT or URS_EPARSE.
 */
URS_NODISCARD int text_from_html(const char *html, size_t len, size_t cap, struct sbuf *out,
                                 bool *truncated, struct err *e);

/* True when s looks like HTML markup (a tag or an entity near the start). */
bool text_looks_like_html(const char *s, size_t len);

/* Decode HTML character references (&amp; &#39; &#x2014; and the common named ones). */
URS_NODISCARD int text_decode_entities(const char *s, size_t len, struct sbuf *out);

/* Append s escaped for HTML text and attribute values (& < > " '). */
URS_NODISCARD int text_html_escape(struct sbuf *out, const char *s);

/* True when url is an absolute http:// or https:// URL with a host and no spaces/controls. */
bool text_url_is_http(const char *url);

/*
 * url shortened for an error line of limited room (buf of size bytes, at most
 * TEXT_URL_SHOWN + 1 useful): whole when it fits; else the query and fragment go ("?…"),
 * then middle path segments ("/…/"), so the cut never falls inside a word of the host or
 * the last segment; only a host or last segment longer than the room is cut, with "…".
 * Returns buf.
 */
#define TEXT_URL_SHOWN 120
const char *text_url_short(const char *url, char *buf, size_t size);

/* Case-insensitive search for needle in hay[0..len); returns the offset or (size_t)-1. */
size_t text_find_ci(const char *hay, size_t len, const char *needle);

/*
 * Parse an ISO 8601 date or date-time ("2026-11-30", "2026-11-30T08:00:00Z",
 * "2026-11-30T08:00:00.000-05:00", "2026-11-30 08:00:00") to Unix seconds (UTC).
 * Returns URS_OK or URS_EPARSE.
 */
URS_NODISCARD int text_parse_time(const char *s, int64_t *out);

/* Format Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void text_format_time(int64_t t, char *buf, size_t size);

/* Parse a whole decimal integer in [min, max]; URS_OK or URS_EINVAL. */
URS_NODISCARD int text_parse_int(const char *s, long long min, long long max, long long *out);

#endif
