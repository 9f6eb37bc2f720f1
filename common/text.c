/* SPDX-License-Identifier: MIT */
/* HTML to text with libxml2, entity decoding, escaping, URL checks and time parsing. */
#include "common/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "common/limits.h"
#include "common/utf8.h"

static bool is_block(const char *name)
{
    static const char *const blocks[] = {
        "p",     "div",   "br",   "li",    "ul",      "ol",      "h1",   "h2",     "h3",
        "h4",    "h5",    "h6",   "tr",    "table",   "section", "article", "header", "footer",
        "dd",    "dt",    "dl",   "blockquote", "pre", "hr",     "main", "aside",  "nav",
        "title", "form",  "address"};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (strcasecmp(name, blocks[i]) == 0)
            return true;
    return false;
}

static bool is_skipped(const char *name)
{
    return strcasecmp(name, "script") == 0 || strcasecmp(name, "style") == 0 ||
           strcasecmp(name, "noscript") == 0 || strcasecmp(name, "template") == 0 ||
           strcasecmp(name, "svg") == 0 || strcasecmp(name, "iframe") == 0 ||
           strcasecmp(name, "head") == 0;
}

struct walk {
    struct sbuf *raw;
    int rc;
    size_t depth;
};

static void walk_node(struct walk *w, xmlNode *node)
{
    for (xmlNode *n = node; n && w->rc == URS_OK; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                w->rc = sbuf_puts(w->raw, (const char *)n->content);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE || !n->name)
            continue;
        const char *name = (const char *)n->name;
        if (is_skipped(name))
            continue;
        bool block = is_block(name);
        if (block)
            w->rc = sbuf_putc(w->raw, '\n');
        if (w->rc == URS_OK && strcasecmp(name, "li") == 0)
            w->rc = sbuf_puts(w->raw, "- ");
        if (w->rc == URS_OK && (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0))
            w->rc = sbuf_putc(w->raw, ' ');
        if (w->rc == URS_OK && w->depth < 256) {
            w->depth++;
            walk_node(w, n->children);
            w->depth--;
        }
        if (w->rc == URS_OK && block)
            w->rc = sbuf_putc(w->raw, '\n');
    }
}

int text_from_html(const char *html, size_t len, size_t cap, struct sbuf *out, bool *truncated,
                   struct err *e)
{
    if (truncated)
        *truncated = false;
    if (len > URS_MAX_HTML)
        return err_set(e, URS_ELIMIT, "HTML of %zu bytes is over the %d byte limit", len,
                       URS_MAX_HTML);
    if (len == 0)
        return URS_OK;
    int opts = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
               HTML_PARSE_RECOVER | HTML_PARSE_NOBLANKS | HTML_PARSE_COMPACT;
    htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", opts);
    if (!doc) /* libxml2 gives no tree for some junk: fall back to the raw bytes */
        return utf8_clean(html, len, UTF8_MULTI_LINE, cap, out, truncated);
    struct sbuf raw;
    sbuf_init(&raw, len * 2 + 1024);
    struct walk w = {&raw, URS_OK, 0};
    walk_node(&w, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    int rc = w.rc;
    if (rc == URS_OK)
        rc = utf8_clean(raw.data ? raw.data : "", raw.len, UTF8_MULTI_LINE, cap, out, truncated);
    sbuf_free(&raw);
    if (rc != URS_OK)
        return err_set(e, rc, "HTML to text: %s", err_name(rc));
    return URS_OK;
}

bool text_looks_like_html(const char *s, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '<' && (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!'))
            return true;
        if (s[i] == '&' && i + 3 < n && (s[i + 1] == '#' || memcmp(s + i, "&lt;", 4) == 0 ||
                                         memcmp(s + i, "&amp", 4) == 0))
            return true;
    }
    return false;
}

struct named_entity {
    const char *name;
    uint32_t cp;
};

static const struct named_entity entities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},     {"ndash", 0x2013},  {"mdash", 0x2014},
    {"rsquo", 0x2019}, {"lsquo", 0x2018},  {"rdquo", 0x201D},  {"ldquo", 0x201C},
    {"bull", 0x2022},  {"hellip", 0x2026}, {"middot", 0xB7},   {"copy", 0xA9},
    {"reg", 0xAE},     {"trade", 0x2122},  {"eacute", 0xE9},   {"ntilde", 0xF1},
};

/* Decode the reference at s[0]=='&'; returns bytes used (0 when not a reference). */
static size_t decode_ref(const char *s, size_t len, uint32_t *cp)
{
    size_t end = 1;
    while (end < len && end < 12 && s[end] != ';')
        end++;
    if (end >= len || s[end] != ';' || end < 2)
        return 0;
    if (s[1] == '#') {
        char num[12] = {0};
        bool hex = s[2] == 'x' || s[2] == 'X';
        size_t from = hex ? 3 : 2;
        if (end <= from || end - from >= sizeof num)
            return 0;
        memcpy(num, s + from, end - from);
        char *stop;
        unsigned long v = strtoul(num, &stop, hex ? 16 : 10);
        if (*stop)
            return 0;
        *cp = (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD : (uint32_t)v;
        return end + 1;
    }
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
        size_t n = strlen(entities[i].name);
        if (n == end - 1 && memcmp(s + 1, entities[i].name, n) == 0) {
            *cp = entities[i].cp;
            return end + 1;
        }
    }
    return 0;
}

int text_decode_entities(const char *s, size_t len, struct sbuf *out)
{
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t upto = amp ? (size_t)(amp - s) : len;
        int rc = sbuf_append(out, s + i, upto - i);
        if (rc != URS_OK)
            return rc;
        i = upto;
        if (i >= len)
            break;
        uint32_t cp;
        size_t used = decode_ref(s + i, len - i, &cp);
        if (used == 0) {
            rc = sbuf_putc(out, '&');
            i++;
        } else {
            char enc[4];
            rc = sbuf_append(out, enc, utf8_encode(cp, enc));
            i += used;
        }
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

int text_html_escape(struct sbuf *out, const char *s)
{
    int rc = URS_OK;
    for (; s && *s && rc == URS_OK; s++) {
        switch (*s) {
        case '&':
            rc = sbuf_puts(out, "&amp;");
            break;
        case '<':
            rc = sbuf_puts(out, "&lt;");
            break;
        case '>':
            rc = sbuf_puts(out, "&gt;");
            break;
        case '"':
            rc = sbuf_puts(out, "&quot;");
            break;
        case '\'':
            rc = sbuf_puts(out, "&#39;");
            break;
        default:
            rc = sbuf_putc(out, *s);
        }
    }
    return rc;
}

bool text_url_is_http(const char *url)
{
    if (!url)
        return false;
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    if (strlen(url) > URS_MAX_URL)
        return false;
    const char *host = url + skip;
    if (*host == '\0' || *host == '/' || *host == '?' || *host == '#' || *host == ':')
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    return true;
}

size_t text_find_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > len)
        return (size_t)-1;
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(hay + i, needle, n) == 0)
            return i;
    return (size_t)-1;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int text_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!s || strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d))
        return URS_EPARSE;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return URS_EPARSE;
    const char *p = s + 10;
    int64_t offset = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (strlen(p) < 5 || digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi))
            return URS_EPARSE;
        p += 5;
        if (*p == ':') {
            if (digits(p + 1, 2, &sec))
                return URS_EPARSE;
            p += 3;
            if (*p == '.')
                for (p++; isdigit((unsigned char)*p); p++)
                    ;
        }
        if (h > 23 || mi > 59 || sec > 60)
            return URS_EPARSE;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om = 0;
            int sign = *p == '-' ? -1 : 1;
            if (digits(p + 1, 2, &oh))
                return URS_EPARSE;
            p += 3;
            if (*p == ':')
                p++;
            if (isdigit((unsigned char)*p)) {
                if (digits(p, 2, &om))
                    return URS_EPARSE;
                p += 2;
            }
            offset = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p != '\0')
        return URS_EPARSE;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    return URS_OK;
}

void text_format_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        if (size)
            buf[0] = '\0';
    }
}

int text_parse_int(const char *s, long long min, long long max, long long *out)
{
    if (!s || !*s)
        return URS_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || end == s || v < min || v > max)
        return URS_EINVAL;
    *out = v;
    return URS_OK;
}

/* Copy at most n bytes of s into buf (room bytes), ending on a UTF-8 character start. */
static size_t put_part(char *buf, size_t room, const char *s, size_t n)
{
    if (n >= room)
        n = room ? room - 1 : 0;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return n;
}

const char *text_url_short(const char *url, char *buf, size_t size)
{
    static const char ell[] = "\xe2\x80\xa6"; /* … */
    if (size == 0)
        return buf;
    if (!url)
        url = "";
    size_t len = strlen(url);
    size_t max = size - 1 < TEXT_URL_SHOWN ? size - 1 : TEXT_URL_SHOWN;
    if (len <= max) {
        memcpy(buf, url, len + 1);
        return buf;
    }
    /* scheme://host, the path, the query/fragment */
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *path = host + strcspn(host, "/?#");
    const char *query = path + strcspn(path, "?#");
    size_t base = (size_t)(path - url), plen = (size_t)(query - path);
    char *o = buf;
    size_t room = max + 1;
    if (base + 3 + 2 + 3 > max) { /* even the host does not fit: cut it, mark it */
        size_t n = put_part(o, room - 3, url, max - 3);
        memcpy(o + n, ell, sizeof ell);
        return buf;
    }
    size_t tail = *query ? 1 + 3 : 0; /* "?…" */
    if (base + plen + tail <= max) {
        memcpy(o, url, base + plen);
        o += base + plen;
        if (tail) {
            *o++ = *query;
            memcpy(o, ell, sizeof ell);
        } else {
            *o = '\0';
        }
        return buf;
    }
    /* keep the first segment and the last, "/…/" between (and "?…" when there was a query) */
    const char *last = query;
    while (last > path && last[-1] != '/')
        last--;
    const char *first_end = path + 1 + strcspn(path + 1, "/?#");
    size_t need_last = (size_t)(query - last);
    memcpy(o, url, base);
    o += base;
    room = max - base;
    size_t first = (size_t)(first_end - path);
    if (first + 5 + need_last + tail > room)
        first = 0; /* no room for the first segment: "/…/last" */
    memcpy(o, path, first);
    o += first;
    room -= first;
    memcpy(o, "/\xe2\x80\xa6/", 5);
    o += 5;
    room -= 5;
    if (need_last + tail > room) { /* the last segment itself is too long: cut it */
        size_t n = put_part(o, room - 3 + 1, last, room - 3);
        memcpy(o + n, ell, sizeof ell);
        return buf;
    }
    memcpy(o, last, need_last);
    o += need_last;
    if (tail) {
        *o++ = *query;
        memcpy(o, ell, sizeof ell);
    } else {
        *o = '\0';
    }
    return buf;
}
