/* SPDX-License-Identifier: MIT */
/* One error code type for every module, and a first-error-wins message buffer. */
#ifndef URSCOUT_COMMON_ERR_H
#define URSCOUT_COMMON_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define URS_NODISCARD __attribute__((warn_unused_result))
#define URS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define URS_NODISCARD
#define URS_PRINTF(a, b)
#endif

enum urs_code {
    URS_OK = 0,
    URS_ENOMEM = -1,   /* allocation failed */
    URS_EIO = -2,      /* file or device I/O */
    URS_EPARSE = -3,   /* malformed input */
    URS_ELIMIT = -4,   /* a named size or count limit was exceeded */
    URS_EINVAL = -5,   /* invalid argument or value */
    URS_ENOTFOUND = -6,/* no such object */
    URS_EDB = -7,      /* database error */
    URS_ENET = -8,     /* network error */
    URS_ESMTP = -9,    /* mail transfer error */
    URS_EBUSY = -10,   /* locked by another process */
    URS_EVERSION = -11,/* data from a newer version */
};

struct err {
    int code;
    char msg[256];
};

/* Empty an error buffer. */
void err_clear(struct err *e);

/*
 * Record an error: writes code and message only if e is non-NULL and still empty, so the
 * first cause survives. Returns code, so `return err_set(e, URS_EINVAL, "...")` works.
 */
int err_set(struct err *e, int code, const char *fmt, ...) URS_PRINTF(3, 4);

/* A short fixed name for a code ("out of memory", "parse error", ...). Never NULL. */
const char *err_name(int code);

#endif
