/* SPDX-License-Identifier: MIT */
/* Inside web/: the page layout, escaping, the stylesheet and the error pages. */
#ifndef URSCOUT_WEB_PAGE_H
#define URSCOUT_WEB_PAGE_H

#include "web/router.h"

/* The one stylesheet, served at /style.css (CSP style-src 'self'). */
extern const char web_stylesheet[];

/* The security headers every response gets (name, value pairs, NULL-terminated). */
extern const char *const web_security_headers[];
/* The Content-Security-Policy of a response with mail_styles: the same, plus inline styles. */
extern const char web_csp_mail[];

/* The reason phrase of status ("Not Found"); "Error" for one not known. */
const char *web_status_reason(int status);

/* Append s HTML-escaped (& < > " '); NULL appends nothing. URS_OK or the sbuf error. */
URS_NODISCARD int web_esc(struct sbuf *b, const char *s);

/*
 * The start of every page: doctype, head with title (escaped) and the stylesheet link
 * (under site->prefix), the site name as a header, <main>. Then the caller writes the
 * content and calls web_page_end. URS_OK or the sbuf error.
 */
URS_NODISCARD int web_page_begin(struct sbuf *b, const struct web_site *site, const char *title);
URS_NODISCARD int web_page_end(struct sbuf *b);

/*
 * A whole page in resp: status, title, one paragraph of text (both escaped) and, when
 * link_rel is not NULL, a link (under the prefix) labelled link_text.
 */
URS_NODISCARD int web_resp_message(struct web_resp *resp, const struct web_site *site, int status,
                                   const char *title, const char *text, const char *link_rel,
                                   const char *link_text);

/* The page for a status the server or a handler decides (400, 404, 405, 413, 503, ...). */
URS_NODISCARD int web_resp_page_status(struct web_resp *resp, const struct web_site *site,
                                       int status);

/* 404 for a link that does not verify or names no one: says what to do instead. */
URS_NODISCARD int web_resp_bad_token(struct web_resp *resp, const struct web_site *site);

/* 403 for a form without a valid CSRF token: nothing changed, reload and resubmit. */
URS_NODISCARD int web_resp_csrf_failed(struct web_resp *resp, const struct web_site *site);

/* The 303 after a successful POST: Location under the prefix. */
URS_NODISCARD int web_resp_redirect(struct web_resp *resp, const struct web_site *site,
                                    const char *rel);

#endif
