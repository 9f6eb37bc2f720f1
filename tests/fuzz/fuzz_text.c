/* SPDX-License-Identifier: MIT */
/* Fuzz HTML to text (text_from_html): the output is valid UTF-8 and within its cap. And the
 * UTF-8 decoder against utf8proc's: the same code points, the same verdict on validity. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "common/text.h"
#include "common/utf8.h"
#include "fuzz.h"

/* utf8_decode and utf8proc_iterate agree at every step; utf8_valid agrees with the walk. */
static void check_decoder(const uint8_t *data, size_t size)
{
    bool valid = true;
    for (size_t i = 0; i < size;) {
        uint32_t cp;
        size_t n = utf8_decode(data + i, size - i, &cp);
        utf8proc_int32_t ref;
        utf8proc_ssize_t k = utf8proc_iterate(data + i, (utf8proc_ssize_t)(size - i), &ref);
        if (k > 0 ? (n != (size_t)k || cp != (uint32_t)ref) : (n != 1 || cp != 0xFFFD))
            abort();
        valid = valid && k > 0;
        i += n;
    }
    if (utf8_valid((const char *)data, size) != valid)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    check_decoder(data, size);
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
