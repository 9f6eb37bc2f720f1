/* SPDX-License-Identifier: MIT */
/* Inside web/: form bodies (urlencoded and multipart) with bounded fields. */
#ifndef URSCOUT_WEB_FORM_H
#define URSCOUT_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define WEB_FORM_MAX_FIELDS 128  /* fields in one form (URS_ELIMIT beyond) */
#define WEB_FORM_MAX_NAME   64   /* bytes of a decoded field name */
#define WEB_FORM_MAX_VALUE  4096 /* bytes of a decoded value */
#define WEB_MAX_BOUNDARY    70   /* RFC 2046 5.1.1 */

/* A decoded form: fields in body order, repeated names kept (checkbox lists). */
struct web_form {
    size_t n;
    char *name[WEB_FORM_MAX_FIELDS];
    char *value[WEB_FORM_MAX_FIELDS];
};

/*
 * Decode body by content_type: application/x-www-form-urlencoded (also when
 * content_type is NULL, as curl -d sends), or multipart/form-data with a boundary.
 * Names and values are decoded ('+' and %XX); a bad escape, a decoded control byte
 * other than TAB/CR/LF in a value (any control in a name), or a malformed multipart body
 * refuses the whole form. Strings are owned by f (web_form_free).
 * URS_OK, URS_EPARSE (malformed), URS_ELIMIT (too many or too long fields), URS_ENOMEM.
 */
URS_NODISCARD int web_form_parse(const char *content_type, const char *body, size_t len,
                                 struct web_form *f);

void web_form_free(struct web_form *f);

/* The first value of name, NULL when absent. Borrowed from f. */
const char *web_form_get(const struct web_form *f, const char *name);

/* How many fields are called name; web_form_nth gives the i-th of them. */
size_t web_form_count(const struct web_form *f, const char *name);
const char *web_form_nth(const struct web_form *f, const char *name, size_t i);

/* True when body is an RFC 8058 one-click: a field List-Unsubscribe=One-Click. */
bool web_form_one_click(const char *content_type, const char *body, size_t len);

#endif
