/* SPDX-License-Identifier: MIT */
/* Growable byte strings with a hard maximum, like curl's dynbuf. */
#ifndef URSCOUT_COMMON_SBUF_H
#define URSCOUT_COMMON_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct sbuf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* largest len allowed */
};

/* Start an empty buffer that may grow to max bytes. Allocates nothing. */
void sbuf_init(struct sbuf *b, size_t max);

/* Release the memory; the buffer is then empty and may be reused. */
void sbuf_free(struct sbuf *b);

/* Empty the buffer and keep its memory. */
void sbuf_reset(struct sbuf *b);

/*
 * Append bytes. Returns URS_OK, URS_ENOMEM, or URS_ELIMIT when len would pass max; on any
 * error the buffer is emptied (its memory freed) so a partial value is never used.
 */
URS_NODISCARD int sbuf_append(struct sbuf *b, const void *data, size_t len);
URS_NODISCARD int sbuf_puts(struct sbuf *b, const char *s);
URS_NODISCARD int sbuf_putc(struct sbuf *b, char c);
URS_NODISCARD int sbuf_printf(struct sbuf *b, const char *fmt, ...) URS_PRINTF(2, 3);
URS_NODISCARD int sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap) URS_PRINTF(2, 0);

/* The contents, "" when empty; borrowed until the next call on b. */
const char *sbuf_str(const struct sbuf *b);

/*
 * Hand the string to the caller (free with free()); the buffer is left empty. Returns NULL only
 * when memory for an empty string cannot be had.
 */
char *sbuf_take(struct sbuf *b);

/* Cut the contents to len bytes (no effect when already shorter). */
void sbuf_truncate(struct sbuf *b, size_t len);

#endif
