/* SPDX-License-Identifier: MIT */
/* cli/ private: postings to and from JSON records and CSV rows (export, import, search). */
#ifndef URSCOUT_CLI_FORMAT_H
#define URSCOUT_CLI_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "common/err.h"
#include "common/posting.h"
#include "common/sbuf.h"

/* The export record of p, keys in the documented order. NULL on allocation failure. */
json_t *cli_posting_to_json(const struct posting *p);

/* What a JSON record held besides the plain fields. */
struct cli_record_info {
    bool has_tags; /* urscout's own export: tags came with it, keep them */
};

/*
 * Fill p (initialised by the caller) from a JSON record: urscout's export format, or a
 * labelled-set record (id, url, title, company, text; labels ignored). default_source names
 * the source when the record has none. Text is cleaned (utf8_clean) and HTML converted.
 * A mistyped or invalid field is an error naming the field. URS_OK, URS_EPARSE, URS_ENOMEM.
 */
URS_NODISCARD int cli_posting_from_json(json_t *rec, const char *default_source,
                                        struct posting *p, struct cli_record_info *info,
                                        struct err *e);

/* CSV (RFC 4180): the header line, then one row per posting. */
URS_NODISCARD int cli_csv_header(struct sbuf *out);
URS_NODISCARD int cli_csv_row(struct sbuf *out, const struct posting *p);

/*
 * Read one CSV record from f (fields may span lines inside quotes) into fields[] (malloc'd,
 * up to max_fields); *n_fields set; *line advanced by the lines read. Returns URS_OK,
 * URS_ENOTFOUND at end of file, URS_EPARSE, URS_ELIMIT.
 */
URS_NODISCARD int cli_csv_read(FILE *f, char **fields, size_t max_fields, size_t *n_fields,
                               size_t *line, struct err *e);

/* Turn a CSV record (with its header) into a JSON record cli_posting_from_json accepts. */
json_t *cli_csv_to_json(char *const *header, size_t n_header, char *const *fields, size_t n);

#endif
