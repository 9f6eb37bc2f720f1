/* SPDX-License-Identifier: MIT */
/* The classifier: posting text and structured hints in, tags and evidence out. Pure. */
#ifndef URSCOUT_CLASSIFIER_CLASSIFIER_H
#define URSCOUT_CLASSIFIER_CLASSIFIER_H

#include "common/err.h"
#include "common/posting.h"

struct classifier;

/*
 * Compile the rules. rules_path NULL: the rules embedded in the binary at build time (from
 * classifier/rules/). A bad rule gives "file:line: reason" in e. Returns URS_OK, URS_ENOMEM,
 * URS_EIO, URS_EPARSE. Free with classify_close.
 */
URS_NODISCARD int classify_open(const char *rules_path, struct classifier **out, struct err *e);

/* Release the compiled rules; accepts NULL. */
void classify_close(struct classifier *c);

/*
 * Tag p from its title, employer, location, description and structured hints (work_hint,
 * employment_hint, salary_hint). Clears and replaces p's tags and evidence. Safe to call from
 * several threads at once on one classifier. Evidence offsets are byte offsets into the text
 * "title\nlocation\ndescription" (see classify_text_layout in the docs). Bounded time for any
 * input. Returns URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int classify_posting(const struct classifier *c, struct posting *p, struct err *e);

#endif
