/* SPDX-License-Identifier: MIT */
/* Fuzz HTML to text (text_from_html): the output is valid UTF-8 and within its cap. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "common/text.h"
#include "common/utf8.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    size_t cap = size ? (size_t)data[0] * 16 + 1 : 64; /* small caps cut mid-character */
    struct sbuf out;
    sbuf_init(&out, 1024 * 1024);
    bool truncated = false;
    struct err e;
    err_clear(&e);
    (void)text_looks_like_html((const char *)data, size);
    if (text_from_html((const char *)data, size, cap, &out, &truncated, &e) == URS_OK) {
        const char *s = sbuf_str(&out);
        size_t n = s ? strlen(s) : 0;
        if (n > cap || (s && !utf8_valid(s, n)))
            abort();
    }
    sbuf_free(&out);
    return 0;
}
