/* SPDX-License-Identifier: MIT */
/* Error buffer: the first cause is kept, later ones are dropped. */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>

void err_clear(struct err *e)
{
    if (e) {
        e->code = URS_OK;
        e->msg[0] = '\0';
    }
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
    if (e && e->code == URS_OK && e->msg[0] == '\0') {
        va_list ap;
        e->code = code;
        va_start(ap, fmt);
        (void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *err_name(int code)
{
    switch (code) {
    case URS_OK:
        return "ok";
    case URS_ENOMEM:
        return "out of memory";
    case URS_EIO:
        return "I/O error";
    case URS_EPARSE:
        return "parse error";
    case URS_ELIMIT:
        return "limit exceeded";
    case URS_EINVAL:
        return "invalid value";
    case URS_ENOTFOUND:
        return "not found";
    case URS_EDB:
        return "database error";
    case URS_ENET:
        return "network error";
    case URS_ESMTP:
        return "mail error";
    case URS_EBUSY:
        return "busy";
    case URS_EVERSION:
        return "version mismatch";
    default:
        return "unknown error";
    }
}
