/* SPDX-License-Identifier: MIT */
/* Inside web/: CSRF tokens for every form that changes something. */
#ifndef URSCOUT_WEB_CSRF_H
#define URSCOUT_WEB_CSRF_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sbuf.h"
#include "web/form.h"
#include "web/router.h"

#define WEB_CSRF_MAX   64         /* bytes of a token, NUL included */
#define WEB_CSRF_TTL   (8 * 3600) /* seconds a form stays usable */
#define WEB_CSRF_FIELD "csrf"     /* the hidden field's name */

/*
 * A token "<issued>.<mac>" for subject (what the form acts on, e.g. "p:12"): mac is
 * HMAC-SHA256 with the [delivery] key over "csrf", subject and issued, cut to 128 bits,
 * base64url. URS_OK or URS_EINVAL (no key, subject too long).
 */
URS_NODISCARD int web_csrf_make(const struct web_site *site, const char *subject, int64_t now,
                                char out[WEB_CSRF_MAX]);

/*
 * True when token was made for subject by this key, is not from the future (60 s of
 * slack) and is at most WEB_CSRF_TTL old. Compared in constant time (CRYPTO_memcmp).
 * NULL or malformed is false.
 */
bool web_csrf_check(const struct web_site *site, const char *subject, const char *token,
                    int64_t now);

/*
 * Read req's form and check its CSRF token for subject: true when f holds the form (the
 * caller frees it with web_form_free). False when the answer is already in resp (400 for a
 * malformed form, 403 for a missing or wrong token; *rc = URS_OK) or memory ran out
 * (*rc = URS_ENOMEM); f then holds nothing.
 */
bool web_csrf_form(const struct web_site *site, const struct web_req *req, const char *subject,
                   struct web_form *f, struct web_resp *resp, int *rc);

/* <input type="hidden" name="csrf" value="..."> for subject. URS_OK or an error. */
URS_NODISCARD int web_csrf_field(struct sbuf *b, const struct web_site *site, const char *subject,
                                 int64_t now);

#endif
