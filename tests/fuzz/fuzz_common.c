/* SPDX-License-Identifier: MIT */
/* What every harness checks on an emitted posting: the job's cleaning held. */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/posting.h"
#include "common/text.h"
#include "common/utf8.h"
#include "fuzz.h"

static void check_field(const char *s, size_t cap, bool one_line)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n > cap || !utf8_valid(s, n) || (one_line && strchr(s, '\n')))
        abort();
}

int fuzz_check_posting(void *ctx, const char *source, struct posting *p)
{
    (void)ctx;
    if (!source || !p->source || strcmp(source, p->source) != 0 || !p->title || !p->external_id)
        abort();
    check_field(p->title, URS_MAX_TITLE, true);
    check_field(p->external_id, URS_MAX_FIELD, true);
    check_field(p->employer, URS_MAX_FIELD, true);
    check_field(p->location, URS_MAX_FIELD, true);
    check_field(p->work_hint, URS_MAX_FIELD, true);
    check_field(p->employment_hint, URS_MAX_FIELD, true);
    check_field(p->description, URS_MAX_DESCRIPTION, false);
    if (p->url && !text_url_is_http(p->url))
        abort();
    return 0;
}
