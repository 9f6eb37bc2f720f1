/* SPDX-License-Identifier: MIT */
/* RFC 5322 headers, RFC 2047 encoded-words, RFC 2045 quoted-printable, address checks. */
#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/limits.h"
#include "common/utf8.h"
#include "notifier/notifier_int.h"

#define LINE_MAX_SOFT   78  /* RFC 5322 2.1.1: lines SHOULD be at most 78 characters */
#define QP_LINE_MAX     76  /* RFC 2045 6.7 (5) */
#define EWORD_MAX       75  /* RFC 2047 2 */
#define EWORD_OVERHEAD  12  /* "=?UTF-8?Q?" + "?=" */
#define HEADER_TEXT_MAX 400 /* bytes of free text in one header */

static const char hex[] = "0123456789ABCDEF";

/* ---- quoted-printable ---- */

/* Bytes that stand for themselves in quoted-printable: printable ASCII but '=', and blanks. */
#define QP_LIT_RANGE(c) ((c) >= 33 && (c) <= 126 && (c) != '=')
#define L1(c)           (QP_LIT_RANGE(c) || (c) == ' ' || (c) == '\t')
#define L4(c)           L1(c), L1((c) + 1), L1((c) + 2), L1((c) + 3)
#define L16(c)          L4(c), L4((c) + 4), L4((c) + 8), L4((c) + 12)
static const bool qp_lit[256] = {L16(0),   L16(16),  L16(32),  L16(48),  L16(64),  L16(80),
                                 L16(96),  L16(112), L16(128), L16(144), L16(160), L16(176),
                                 L16(192), L16(208), L16(224), L16(240)};

static bool qp_literal(unsigned char c)
{
    return qp_lit[c];
}

/* Does this byte start a token that must be encoded at position i of line s[0..n)? */
static bool qp_encode_at(const unsigned char *s, size_t n, size_t i, size_t col)
{
    unsigned char c = s[i];
    if (!qp_literal(c))
        return true;
    if ((c == ' ' || c == '\t') && i + 1 == n)
        return true; /* trailing white space would be lost */
    if (col == 0 && c == '.')
        return true; /* a leading dot: SMTP and some agents mangle it */
    return col == 0 && c == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0;
}

/*
 * Encode one line (no line end) with soft breaks so no output line passes 76 bytes. Runs of
 * plain bytes are copied at once, and output lines are assembled in a small buffer and
 * appended whole: this runs over every byte of every digest.
 */
static int qp_line(struct sbuf *out, const unsigned char *s, size_t n)
{
    char line[QP_LINE_MAX + 4];
    size_t col = 0, i = 0;
    while (i < n) {
        bool encode = qp_encode_at(s, n, i, col);
        if (!encode && col > 0) {
            size_t room = QP_LINE_MAX - 1 - col, r = 0;
            while (r < room && i + r < n && qp_literal(s[i + r]))
                r++;
            if (r > 0 && i + r == n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                r--;
            if (r > 0) {
                memcpy(line + col, s + i, r);
                col += r;
                i += r;
                continue;
            }
        }
        size_t len = encode ? 3 : 1;
        if (col + len > (i + 1 == n ? QP_LINE_MAX : QP_LINE_MAX - 1)) {
            memcpy(line + col, "=\r\n", 3);
            int rc = sbuf_append(out, line, col + 3);
            if (rc != URS_OK)
                return rc;
            col = 0; /* re-decide this byte at the start of the new line */
            continue;
        }
        if (encode) {
            line[col] = '=';
            line[col + 1] = hex[s[i] >> 4];
            line[col + 2] = hex[s[i] & 15];
        } else {
            line[col] = (char)s[i];
        }
        col += len;
        i++;
    }
    memcpy(line + col, "\r\n", 2);
    return sbuf_append(out, line, col + 2);
}

int notify_qp_encode(struct sbuf *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0;
    int rc = URS_OK;
    for (size_t i = 0; i <= len && rc == URS_OK; i++) {
        if (i == len || s[i] == '\n') {
            size_t end = i;
            if (end > start && s[end - 1] == '\r')
                end--;
            if (i < len || end > start)
                rc = qp_line(out, s + start, end - start);
            start = i + 1;
        }
    }
    return rc;
}

/* ---- headers ---- */

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)toupper(c);
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int notify_qp_decode(struct sbuf *out, const char *in, size_t len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && s[i] != '=' && s[i] != '\r')
            i++;
        int rc = sbuf_append(out, s + start, i - start);
        if (rc != URS_OK)
            return rc;
        if (i >= len)
            break;
        if (s[i] == '\r') { /* CRLF becomes LF; a lone CR stays */
            bool crlf = i + 1 < len && s[i + 1] == '\n';
            rc = sbuf_putc(out, crlf ? '\n' : '\r');
            i += crlf ? 2 : 1;
        } else if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 3; /* soft line break */
        } else if (i + 1 < len && s[i + 1] == '\n') {
            i += 2;
        } else if (i + 2 < len && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            rc = sbuf_putc(out, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 3;
        } else {
            rc = sbuf_putc(out, '=');
            i++;
        }
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

/* The first occurrence of needle[0..nlen) in hay[0..hlen), or NULL. */
static const char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0 || nlen > hlen)
        return NULL;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return hay + i;
    return NULL;
}

/* The value of header name in head[0..len) (unfolded into buf), or NULL when absent. */
static const char *header_value(const char *head, size_t len, const char *name, char *buf,
                                size_t size)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < len;) {
        size_t eol = i;
        while (eol < len && head[eol] != '\n')
            eol++;
        if (eol - i > nlen && strncasecmp(head + i, name, nlen) == 0 && head[i + nlen] == ':') {
            size_t o = 0;
            size_t j = i + nlen + 1;
            for (;;) { /* the line and its continuations, CR and LF left out */
                for (; j < eol && o + 1 < size; j++)
                    if (head[j] != '\r')
                        buf[o++] = head[j];
                if (eol + 1 < len && (head[eol + 1] == ' ' || head[eol + 1] == '\t')) {
                    j = eol + 1;
                    eol = j;
                    while (eol < len && head[eol] != '\n')
                        eol++;
                    continue;
                }
                break;
            }
            buf[o] = '\0';
            char *v = buf;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
        i = eol + 1;
    }
    return NULL;
}

int notify_mime_part(const char *msg, size_t len, const char *type, struct sbuf *out,
                     struct err *e)
{
    const char *sep = find_bytes(msg, len, "\r\n\r\n", 4);
    if (!sep)
        return err_set(e, URS_EPARSE, "message: no end of the headers");
    char ct[512];
    const char *v = header_value(msg, (size_t)(sep - msg), "Content-Type", ct, sizeof ct);
    const char *b = v ? strstr(v, "boundary=") : NULL;
    if (!b || strncasecmp(v, "multipart/", 10) != 0)
        return err_set(e, URS_EPARSE, "message: not multipart");
    b += 9;
    char boundary[80] = "\r\n--";
    size_t bl = 4;
    bool quoted = *b == '"';
    b += quoted;
    while (*b && bl + 1 < sizeof boundary && (quoted ? *b != '"' : *b != ';' && *b != ' '))
        boundary[bl++] = *b++;
    boundary[bl] = '\0';
    if (bl == 4)
        return err_set(e, URS_EPARSE, "message: empty MIME boundary");
    const char *end = msg + len;
    const char *at = find_bytes(sep, (size_t)(end - sep), boundary, bl);
    size_t tlen = strlen(type);
    while (at) {
        const char *part = at + bl;
        if (part + 2 <= end && part[0] == '-' && part[1] == '-')
            break; /* the closing boundary */
        const char *next = find_bytes(part, (size_t)(end - part), boundary, bl);
        const char *stop = next ? next : end;
        const char *hend = find_bytes(part, (size_t)(stop - part), "\r\n\r\n", 4);
        if (hend) {
            char pt[256], te[64];
            const char *ptype = header_value(part, (size_t)(hend - part), "Content-Type", pt,
                                             sizeof pt);
            const char *penc = header_value(part, (size_t)(hend - part),
                                            "Content-Transfer-Encoding", te, sizeof te);
            if (ptype && strncasecmp(ptype, type, tlen) == 0 &&
                (ptype[tlen] == '\0' || ptype[tlen] == ';' || ptype[tlen] == ' ')) {
                const char *body = hend + 4;
                int rc;
                if (penc && strncasecmp(penc, "quoted-printable", 16) == 0)
                    rc = notify_qp_decode(out, body, (size_t)(stop - body));
                else if (!penc || strncasecmp(penc, "7bit", 4) == 0 ||
                         strncasecmp(penc, "8bit", 4) == 0)
                    rc = sbuf_append(out, body, (size_t)(stop - body));
                else
                    return err_set(e, URS_EPARSE, "message: %s part in %.40s", type, penc);
                return rc == URS_OK ? URS_OK : err_set(e, rc, "message: %s part too large", type);
            }
        }
        at = next;
    }
    return err_set(e, URS_ENOTFOUND, "message: no %s part", type);
}

int notify_header_raw(struct sbuf *out, const char *name, const char *value)
{
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p == '\r' || *p == '\n' || *p >= 0x80 || (*p < 0x20 && *p != '\t'))
            return URS_EINVAL;
    if (strlen(name) + strlen(value) + 2 > 998)
        return URS_ELIMIT;
    int rc = sbuf_puts(out, name);
    if (rc == URS_OK)
        rc = sbuf_puts(out, ": ");
    if (rc == URS_OK)
        rc = sbuf_puts(out, value);
    return rc == URS_OK ? sbuf_puts(out, "\r\n") : rc;
}

/* Q-encoding characters allowed in a phrase or unstructured text (RFC 2047 5 (3)). */
static bool q_literal(unsigned char c)
{
    return isalnum(c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t q_len(const unsigned char *s, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (q_literal(s[i]) || s[i] == ' ') ? 1 : 3;
    return len;
}

static int q_put(struct sbuf *out, const unsigned char *s, size_t n)
{
    int rc = URS_OK;
    for (size_t i = 0; i < n && rc == URS_OK; i++) {
        if (s[i] == ' ')
            rc = sbuf_putc(out, '_');
        else if (q_literal(s[i]))
            rc = sbuf_putc(out, (char)s[i]);
        else {
            char tok[3] = {'=', hex[s[i] >> 4], hex[s[i] & 15]};
            rc = sbuf_append(out, tok, 3);
        }
    }
    return rc;
}

/*
 * Append text as encoded-words, never splitting a character, each word at most 75 bytes and
 * each line at most 78. Every word follows a space (on the line, or after a fold). *col is
 * the current line length (updated).
 */
static int put_encoded_words(struct sbuf *out, const char *text, size_t *col)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0;
    int rc = URS_OK;
    while (i < n && rc == URS_OK) {
        size_t room = LINE_MAX_SOFT - 1 - (*col < LINE_MAX_SOFT - 1 ? *col : LINE_MAX_SOFT - 1);
        if (room > EWORD_MAX)
            room = EWORD_MAX;
        size_t j = i, used = EWORD_OVERHEAD;
        while (j < n) {
            uint32_t cp;
            size_t cl = utf8_decode(s + j, n - j, &cp);
            size_t ql = q_len(s + j, cl);
            if (used + ql > room)
                break;
            used += ql;
            j += cl;
        }
        if (j == i) { /* not even one character fits here: fold */
            if (*col == 0)
                return URS_ELIMIT;
            rc = sbuf_puts(out, "\r\n");
            *col = 0;
            continue;
        }
        rc = sbuf_puts(out, " =?UTF-8?Q?");
        if (rc == URS_OK)
            rc = q_put(out, s + i, j - i);
        if (rc == URS_OK)
            rc = sbuf_puts(out, "?=");
        *col += 1 + used;
        i = j;
    }
    return rc;
}

/* Append ASCII words folded at spaces; a word too long for any line gives URS_ELIMIT. */
static int put_folded_words(struct sbuf *out, const char *text, size_t *col)
{
    int rc = URS_OK;
    const char *p = text;
    while (*p && rc == URS_OK) {
        size_t w = strcspn(p, " ");
        if (w == 0) {
            p++;
            continue;
        }
        if (w + 1 > LINE_MAX_SOFT - 1)
            return URS_ELIMIT;
        if (*col + 1 + w > LINE_MAX_SOFT) {
            rc = sbuf_puts(out, "\r\n");
            *col = 0;
        }
        if (rc == URS_OK)
            rc = sbuf_putc(out, ' ');
        if (rc == URS_OK)
            rc = sbuf_append(out, p, w);
        *col += 1 + w;
        p += w;
    }
    return rc;
}

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x7F)
            return false;
    return strstr(s, "=?") == NULL;
}

int notify_header_text(struct sbuf *out, const char *name, const char *text)
{
    struct sbuf clean;
    sbuf_init(&clean, HEADER_TEXT_MAX + 8);
    int rc = utf8_clean(text ? text : "", text ? strlen(text) : 0, UTF8_ONE_LINE, HEADER_TEXT_MAX,
                        &clean, NULL);
    size_t mark = out->len, col = strlen(name) + 1;
    if (rc == URS_OK)
        rc = sbuf_printf(out, "%s:", name);
    if (rc == URS_OK && plain_ascii(sbuf_str(&clean))) {
        rc = put_folded_words(out, sbuf_str(&clean), &col);
        if (rc == URS_ELIMIT) { /* a very long word: encode instead, which can split it */
            sbuf_truncate(out, mark);
            col = strlen(name) + 1;
            rc = sbuf_printf(out, "%s:", name);
            if (rc == URS_OK)
                rc = put_encoded_words(out, sbuf_str(&clean), &col);
        }
    } else if (rc == URS_OK) {
        rc = put_encoded_words(out, sbuf_str(&clean), &col);
    }
    sbuf_free(&clean);
    return rc == URS_OK ? sbuf_puts(out, "\r\n") : rc;
}

static bool atext(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

/* A display name as an RFC 5322 quoted-string: printable ASCII with \ and " escaped. */
static int put_quoted(struct sbuf *out, const char *s, size_t *col)
{
    int rc = sbuf_puts(out, " \"");
    *col += 2;
    for (; *s && rc == URS_OK; s++, (*col)++) {
        if (*s == '"' || *s == '\\') {
            rc = sbuf_putc(out, '\\');
            (*col)++;
        }
        if (rc == URS_OK)
            rc = sbuf_putc(out, *s);
    }
    (*col)++;
    return rc == URS_OK ? sbuf_putc(out, '"') : rc;
}

int notify_header_address(struct sbuf *out, const char *name, const char *display, const char *addr)
{
    if (notify_email_check(addr, NULL) != URS_OK)
        return URS_EINVAL;
    char clean[128];
    bool cut = false;
    char *d = utf8_clean_dup(display ? display : "", UTF8_ONE_LINE, 80, &cut);
    if (!d)
        return URS_ENOMEM;
    (void)snprintf(clean, sizeof clean, "%s", d);
    free(d);
    size_t col = strlen(name) + 1;
    int rc = sbuf_printf(out, "%s:", name);
    if (rc == URS_OK && clean[0] && plain_ascii(clean) && col + strlen(clean) + 3 <= LINE_MAX_SOFT)
        rc = put_quoted(out, clean, &col);
    else if (rc == URS_OK && clean[0])
        rc = put_encoded_words(out, clean, &col);
    if (rc == URS_OK && col + strlen(addr) + 3 > LINE_MAX_SOFT && clean[0]) {
        rc = sbuf_puts(out, "\r\n");
        col = 0;
    }
    if (rc == URS_OK)
        rc = sbuf_printf(out, " <%s>\r\n", addr);
    return rc;
}

/* ---- addresses ---- */

static int check_local(const char *s, size_t n, struct err *e)
{
    if (n == 0)
        return err_set(e, URS_EINVAL, "the address has nothing before '@'");
    if (n > URS_MAX_EMAIL_LOCAL)
        return err_set(e, URS_EINVAL, "the part before '@' is over %d characters",
                       URS_MAX_EMAIL_LOCAL);
    if (s[0] == '.' || s[n - 1] == '.')
        return err_set(e, URS_EINVAL, "the part before '@' starts or ends with a dot");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return err_set(e, URS_EINVAL, "the part before '@' has two dots in a row");
        if (s[i] != '.' && !atext((unsigned char)s[i]))
            return err_set(e, URS_EINVAL, "the character '%c' is not allowed before '@'",
                           isprint((unsigned char)s[i]) ? s[i] : '?');
    }
    return URS_OK;
}

static int check_domain(const char *s, struct err *e)
{
    size_t labels = 0, n = strlen(s);
    if (n == 0 || n > 253)
        return err_set(e, URS_EINVAL, "the domain is empty or over 253 characters");
    bool all_digits = true;
    for (const char *p = s; *p;) {
        size_t l = strcspn(p, ".");
        if (l == 0 || l > 63)
            return err_set(e, URS_EINVAL, "the domain has an empty or over-long label");
        if (p[0] == '-' || p[l - 1] == '-')
            return err_set(e, URS_EINVAL, "a domain label starts or ends with '-'");
        all_digits = true;
        for (size_t i = 0; i < l; i++) {
            if (!isalnum((unsigned char)p[i]) && p[i] != '-')
                return err_set(e, URS_EINVAL,
                               "the domain holds a character other than "
                               "letters, digits, '-' and '.'");
            if (!isdigit((unsigned char)p[i]))
                all_digits = false;
        }
        labels++;
        p += l;
        if (*p == '.' && *++p == '\0')
            return err_set(e, URS_EINVAL, "the domain ends with a dot");
    }
    if (labels < 2 || all_digits)
        return err_set(e, URS_EINVAL,
                       "the domain needs a name and a top-level domain "
                       "(like example.org)");
    return URS_OK;
}

int notify_email_check(const char *addr, struct err *e)
{
    if (!addr || !*addr)
        return err_set(e, URS_EINVAL, "empty email address");
    size_t n = strlen(addr);
    if (n > URS_MAX_EMAIL)
        return err_set(e, URS_EINVAL, "email address over %d characters", URS_MAX_EMAIL);
    const char *at = strrchr(addr, '@');
    if (!at)
        return err_set(e, URS_EINVAL, "'%.80s' is not an email address (no '@')", addr);
    int rc = check_local(addr, (size_t)(at - addr), e);
    if (rc == URS_OK)
        rc = check_domain(at + 1, e);
    return rc;
}

const char *notify_addr_domain(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at && at[1] ? at + 1 : "localhost";
}

/* ---- small things ---- */

void notify_date_rfc5322(int64_t t, char *buf, size_t size)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof tm);
    (void)snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
                   tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                   tm.tm_sec);
}

void notify_b64url(const unsigned char *in, size_t len, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = tbl[(v >> 6) & 63];
        if (i + 2 < len)
            out[o++] = tbl[v & 63];
    }
    out[o] = '\0';
}

int notify_random(unsigned char *buf, size_t n, struct err *e)
{
    if (RAND_bytes(buf, (int)n) != 1)
        return err_set(e, URS_EIO, "no random bytes from OpenSSL");
    return URS_OK;
}

int notify_random_hex(char out[33], struct err *e)
{
    unsigned char rnd[16];
    out[0] = '\0';
    if (notify_random(rnd, sizeof rnd, e) != URS_OK)
        return URS_EIO;
    for (size_t i = 0; i < sizeof rnd; i++)
        (void)snprintf(out + 2 * i, 3, "%02x", rnd[i]);
    return URS_OK;
}
