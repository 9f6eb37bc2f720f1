/* SPDX-License-Identifier: MIT */
/* UTF-8 validation and cleaning: the one place untrusted text is made safe to store. */
#ifndef URSCOUT_COMMON_UTF8_H
#define URSCOUT_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"

/* Cleaning modes for utf8_clean. */
enum utf8_mode {
    UTF8_ONE_LINE = 0, /* every run of whitespace (incl. newlines) becomes one space; trimmed */
    UTF8_MULTI_LINE,   /* spaces folded per line, at most one blank line kept; trimmed */
};

/*
 * Decode one code point from s (len > 0 bytes). Returns the bytes consumed (1..4) and sets *cp;
 * an invalid, overlong, surrogate, out-of-range or truncated sequence consumes 1 byte and gives
 * U+FFFD.
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encode cp (must be <= 0x10FFFF) into out (4 bytes); returns the length. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* True when the bytes are valid UTF-8 (no overlongs, surrogates or values over U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/* The largest n <= max such that s[0..n) ends on a code point boundary of s (len bytes). */
size_t utf8_boundary(const char *s, size_t len, size_t max);

/*
 * Append a cleaned copy of in[0..len) to out: invalid bytes become U+FFFD; C0 controls other than
 * TAB/LF, DEL, C1 controls and bidi overrides/isolates are dropped; whitespace folded per mode.
 * The result is cut at cap bytes on a code point boundary; *truncated (may be NULL) says so.
 * Returns URS_OK or the sbuf error.
 */
URS_NODISCARD int utf8_clean(const char *in, size_t len, enum utf8_mode mode, size_t cap,
                             struct sbuf *out, bool *truncated);

/* As utf8_clean into a new malloc'd string; NULL on allocation failure. in may be NULL (gives ""). */
char *utf8_clean_dup(const char *in, enum utf8_mode mode, size_t cap, bool *truncated);

/*
 * Terminal columns of cp, from utf8proc's tables (Unicode's East Asian Width and general
 * category): 2 for wide and fullwidth characters (CJK, Hangul, most emoji), 0 for combining
 * marks, zero-width format characters (ZWJ, ZWSP) and controls, else 1. Ambiguous-width
 * characters count 1, as a terminal in a non-CJK locale shows them.
 */
size_t utf8_cp_width(uint32_t cp);

/* Display columns of the string s: utf8_cp_width summed; an invalid byte counts as U+FFFD (1). */
size_t utf8_columns(const char *s);

#endif
