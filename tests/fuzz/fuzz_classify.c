/* SPDX-License-Identifier: MIT */
/* Fuzz the classifier's text scan, salary and licence parsing: title, location and
 * description from the input (split at the first two newlines). */
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier.h"
#include "common/log.h"
#include "fuzz.h"

static struct classifier *rules;

static char *cut(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    char *s = strndup(*p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    struct err e;
    err_clear(&e);
    if (!rules && classify_open(NULL, &rules, &e) != URS_OK)
        abort();
    /* the fields are C strings: stop at the first NUL as a source's text would */
    const char *p = (const char *)data, *end = p + strnlen(p, size);
    struct posting post;
    posting_init(&post);
    post.title = cut(&p, end);
    post.location = cut(&p, end);
    post.description = strndup(p, (size_t)(end - p));
    if (!post.title || !post.location || !post.description)
        abort();
    if (classify_posting(rules, &post, &e) != URS_OK)
        abort(); /* only URS_ENOMEM is allowed, and that does not happen here */
    posting_free(&post);
    return 0;
}
