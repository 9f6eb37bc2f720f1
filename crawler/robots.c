/* SPDX-License-Identifier: MIT */
/* robots.txt per RFC 9309: groups chosen by product token, longest match wins, allow wins ties. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/sbuf.h"
#include "crawler/engine_int.h"

struct rule {
    char *pattern; /* normalised, without a final '$' */
    size_t len;    /* octets of the normalised pattern, '$' included: the "specificity" */
    bool anchored; /* the pattern ended in '$' */
    bool allow;
};

struct rule_set {
    struct rule *rules;
    size_t len, cap;
    int64_t delay_ms; /* -1 when none */
};

struct crawl_robots {
    struct rule_set set;
};

/* Parser state while reading the lines. */
struct parse {
    char token[64];  /* our product token */
    bool in_agents;  /* the previous record was a User-agent line */
    bool group_mine; /* the current group names our token */
    bool group_star; /* the current group names `*` */
    bool seen_mine;  /* some group named our token */
    bool seen_star;  /* some group named `*` */
    struct rule_set mine;
    struct rule_set star;
};

static bool is_unreserved(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int put_pct(struct sbuf *out, unsigned c)
{
    static const char hex[] = "0123456789ABCDEF";
    char buf[3] = {'%', hex[c >> 4], hex[c & 15]};
    return sbuf_append(out, buf, 3);
}

/*
 * Normalise %-encoding the same way for patterns and paths (RFC 9309 2.2.2): %XX of an
 * unreserved character is decoded, other %XX keep their encoding with upper-case hex (so %2F
 * stays distinct from '/'), and octets outside printable ASCII are %-encoded.
 */
static int normalise(const char *s, size_t len, struct sbuf *out)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            unsigned v = (unsigned)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
            rc = is_unreserved((int)v) ? sbuf_putc(out, (char)v) : put_pct(out, v);
        } else if (c == '%' || c <= 0x20 || c >= 0x7f) {
            rc = put_pct(out, c);
        } else {
            rc = sbuf_putc(out, (char)c);
        }
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int set_add(struct rule_set *set, const char *value, size_t len, bool allow)
{
    if (set->len == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        struct rule *r = realloc(set->rules, cap * sizeof *r);
        if (!r)
            return URS_ENOMEM;
        set->rules = r;
        set->cap = cap;
    }
    bool anchored = len > 0 && value[len - 1] == '$';
    struct sbuf b;
    sbuf_init(&b, URS_MAX_ROBOTS * 3);
    if (normalise(value, anchored ? len - 1 : len, &b) != URS_OK)
        return URS_ENOMEM;
    char *pattern = sbuf_take(&b);
    if (!pattern)
        return URS_ENOMEM;
    struct rule *r = &set->rules[set->len++];
    r->pattern = pattern;
    r->len = strlen(pattern) + (anchored ? 1 : 0);
    r->anchored = anchored;
    r->allow = allow;
    return URS_OK;
}

static void set_free(struct rule_set *set)
{
    for (size_t i = 0; i < set->len; i++)
        free(set->rules[i].pattern);
    free(set->rules);
    set->rules = NULL;
    set->len = set->cap = 0;
}

/* The product token of a User-Agent string: letters, digits, '_' and '-' from the start. */
static void product_token(const char *s, size_t len, char *out, size_t size)
{
    size_t n = 0;
    while (n < len && n + 1 < size &&
           (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-')) {
        out[n] = s[n];
        n++;
    }
    out[n] = '\0';
}

static void on_agent(struct parse *ps, const char *value, size_t len)
{
    if (!ps->in_agents) {
        ps->group_mine = false;
        ps->group_star = false;
        ps->in_agents = true;
    }
    if (len >= 1 && value[0] == '*') {
        ps->group_star = true;
        ps->seen_star = true;
        return;
    }
    char token[64];
    product_token(value, len, token, sizeof token);
    if (token[0] && strcasecmp(token, ps->token) == 0) {
        ps->group_mine = true;
        ps->seen_mine = true;
    }
}

static void set_delay(struct rule_set *set, const char *value, size_t len)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return;
    memcpy(buf, value, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (errno || *end || !isfinite(d) || d < 0)
        return;
    int64_t ms = d > 1e9 ? (int64_t)1e12 : (int64_t)(d * 1000.0 + 0.5);
    if (ms > set->delay_ms)
        set->delay_ms = ms;
}

static int on_rule(struct parse *ps, const char *value, size_t len, bool allow)
{
    ps->in_agents = false;
    /* An empty rule says nothing; a pattern must start at the path root (or with a '*'). */
    if (len == 0 || (value[0] != '/' && value[0] != '*'))
        return URS_OK;
    if (ps->group_mine && set_add(&ps->mine, value, len, allow) != URS_OK)
        return URS_ENOMEM;
    if (ps->group_star && set_add(&ps->star, value, len, allow) != URS_OK)
        return URS_ENOMEM;
    return URS_OK;
}

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

static bool key_is(const char *key, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(key, name, len) == 0;
}

static int parse_line(struct parse *ps, const char *line, size_t len)
{
    const char *hash = memchr(line, '#', len);
    if (hash)
        len = (size_t)(hash - line);
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return URS_OK;
    const char *key = line, *value = colon + 1;
    size_t key_len = (size_t)(colon - line), value_len = len - key_len - 1;
    trim(&key, &key_len);
    trim(&value, &value_len);
    if (key_is(key, key_len, "user-agent") || key_is(key, key_len, "useragent") ||
        key_is(key, key_len, "user agent")) {
        on_agent(ps, value, value_len);
        return URS_OK;
    }
    if (key_is(key, key_len, "allow"))
        return on_rule(ps, value, value_len, true);
    if (key_is(key, key_len, "disallow"))
        return on_rule(ps, value, value_len, false);
    if (key_is(key, key_len, "crawl-delay")) {
        ps->in_agents = false;
        if (ps->group_mine)
            set_delay(&ps->mine, value, value_len);
        if (ps->group_star)
            set_delay(&ps->star, value, value_len);
    }
    /* Sitemap and unknown records neither end nor start a group. */
    return URS_OK;
}

int crawl_robots_parse(const char *body, size_t len, const char *agent, struct crawl_robots **out)
{
    *out = NULL;
    struct parse ps;
    memset(&ps, 0, sizeof ps);
    ps.mine.delay_ms = ps.star.delay_ms = -1;
    product_token(agent ? agent : "", agent ? strlen(agent) : 0, ps.token, sizeof ps.token);
    if (!body)
        len = 0;
    if (len > URS_MAX_ROBOTS) {
        /* Only the first 500 KiB count; a line cut at the limit is dropped. */
        len = URS_MAX_ROBOTS;
        const char *nl = memrchr(body, '\n', len);
        len = nl ? (size_t)(nl - body) : 0;
    }
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3;
        len -= 3;
    }
    int rc = URS_OK;
    for (size_t at = 0; at < len && rc == URS_OK;) {
        /* A line ends at CR, LF or CRLF (RFC 9309 2.2). */
        size_t n = 0;
        while (at + n < len && body[at + n] != '\n' && body[at + n] != '\r')
            n++;
        rc = parse_line(&ps, body + at, n);
        at += n;
        if (at < len && body[at] == '\r')
            at++;
        if (at < len && body[at] == '\n')
            at++;
    }
    struct crawl_robots *r = calloc(1, sizeof *r);
    if (rc != URS_OK || !r) {
        free(r);
        set_free(&ps.mine);
        set_free(&ps.star);
        return URS_ENOMEM;
    }
    if (ps.seen_mine) {
        r->set = ps.mine;
        set_free(&ps.star);
    } else if (ps.seen_star) {
        r->set = ps.star;
        set_free(&ps.mine);
    } else {
        set_free(&ps.mine);
        set_free(&ps.star);
        r->set.delay_ms = -1;
    }
    *out = r;
    return URS_OK;
}

/* Glob match of pattern (with '*') against the start of s, or all of s when anchored. */
static bool pattern_match(const char *p, bool anchored, const char *s, size_t slen)
{
    size_t plen = strlen(p), i = 0, j = 0, mark = 0;
    size_t star = (size_t)-1;
    while (j < slen) {
        if (i < plen && p[i] == '*') {
            star = i++;
            mark = j;
        } else if (i < plen && p[i] == s[j]) {
            i++;
            j++;
        } else if (i == plen && !anchored) {
            return true;
        } else if (star != (size_t)-1) {
            i = star + 1;
            j = ++mark;
        } else {
            return false;
        }
    }
    while (i < plen && p[i] == '*')
        i++;
    return i == plen;
}

bool crawl_robots_allowed(const struct crawl_robots *r, const char *path)
{
    if (!path || !*path)
        path = "/";
    if (strcmp(path, "/robots.txt") == 0)
        return true;
    if (!r || r->set.len == 0)
        return true;
    struct sbuf norm;
    sbuf_init(&norm, URS_MAX_URL * 3);
    if (normalise(path, strlen(path), &norm) != URS_OK)
        return false; /* fail closed: an unmatchable path is not fetched */
    const char *s = sbuf_str(&norm);
    size_t slen = norm.len;
    size_t best_len = 0;
    bool best_allow = true, matched = false;
    for (size_t k = 0; k < r->set.len; k++) {
        const struct rule *ru = &r->set.rules[k];
        if (!pattern_match(ru->pattern, ru->anchored, s, slen))
            continue;
        if (!matched || ru->len > best_len) {
            best_len = ru->len;
            best_allow = ru->allow;
            matched = true;
        } else if (ru->len == best_len && ru->allow) {
            best_allow = true;
        }
    }
    sbuf_free(&norm);
    return best_allow;
}

int64_t crawl_robots_delay_ms(const struct crawl_robots *r)
{
    return r ? r->set.delay_ms : -1;
}

size_t crawl_robots_rule_count(const struct crawl_robots *r)
{
    return r ? r->set.len : 0;
}

void crawl_robots_free(struct crawl_robots *r)
{
    if (!r)
        return;
    set_free(&r->set);
    free(r);
}
