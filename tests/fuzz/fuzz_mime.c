/* SPDX-License-Identifier: MIT */
/* Fuzz the MIME encoders: quoted-printable bodies, RFC 2047 headers, addresses, raw headers.
 * Whatever the input, no header line carries a bare CR or LF and QP lines stay at 76 bytes. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "fuzz.h"
#include "notifier/notifier.h"

/* Every line ends in CRLF, none longer than max bytes before it. */
static void lines_ok(const char *s, size_t max)
{
    size_t len = 0;
    for (; *s; s++) {
        if (*s == '\r') {
            if (s[1] != '\n')
                abort();
            s++;
            len = 0;
            continue;
        }
        if (*s == '\n' || ++len > max)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    const char *text = (const char *)data;
    size_t len = strnlen(text, size);
    char *s = strndup(text, len);
    if (!s)
        abort();
    struct sbuf out;
    sbuf_init(&out, 4 * 1024 * 1024);
    if (notify_qp_encode(&out, text, size) == URS_OK && sbuf_str(&out))
        lines_ok(sbuf_str(&out), 76);
    sbuf_free(&out);
    sbuf_init(&out, 4 * 1024 * 1024);
    if (notify_header_text(&out, "Subject", s) == URS_OK && sbuf_str(&out))
        lines_ok(sbuf_str(&out), 78);
    sbuf_free(&out);
    sbuf_init(&out, 4 * 1024 * 1024);
    if (notify_header_raw(&out, "X-Fuzz", s) == URS_OK && sbuf_str(&out))
        lines_ok(sbuf_str(&out), 1000);
    sbuf_free(&out);
    /* display name and address: split at the first '|' */
    char *bar = strchr(s, '|');
    const char *addr = bar ? bar + 1 : "someone@example.org";
    if (bar)
        *bar = '\0';
    struct err e;
    err_clear(&e);
    int checked = notify_email_check(addr, &e);
    (void)checked;
    sbuf_init(&out, 4 * 1024 * 1024);
    if (notify_header_address(&out, "To", s, addr) == URS_OK && sbuf_str(&out))
        lines_ok(sbuf_str(&out), 998);
    sbuf_free(&out);
    free(s);
    return 0;
}
