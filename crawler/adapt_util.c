/* SPDX-License-Identifier: MIT */
/* Adapter helpers: description text, lenient times, pay periods, URL encoding and resolving. */
#include <ctype.h>
#include <libxml/uri.h>
#include <libxml/xmlmemory.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/text.h"
#include "common/utf8.h"
#include "crawler/adapt.h"

int crawl_utf8_repair(const char *s, size_t len, struct sbuf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        char enc[4];
        int rc = sbuf_append(out, enc, utf8_encode(cp, enc));
        if (rc != URS_OK)
            return rc;
        i += n;
    }
    return sbuf_append(out, "", 0);
}

/* Entity-escaped HTML ("&lt;p&gt;") with no real tag: decode once more. */
static bool escaped_html(const char *s, size_t len)
{
    if (text_find_ci(s, len, "&lt;") == (size_t)-1)
        return false;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '<' && (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/'))
            return false;
    return true;
}

/* Decode entities until real markup shows (at most three rounds: double-escaped boards). */
static int unescape_html(const char *html, size_t len, struct sbuf *work)
{
    for (int round = 0; round < 3 && escaped_html(html, len); round++) {
        struct sbuf next;
        sbuf_init(&next, len + 16);
        int rc = text_decode_entities(html, len, &next);
        if (rc == URS_OK)
            rc = sbuf_append(&next, "", 0);
        if (rc != URS_OK) {
            sbuf_free(&next);
            return rc;
        }
        sbuf_free(work);
        *work = next;
        html = work->data;
        len = work->len;
    }
    return URS_OK;
}

static int html_to_field(struct crawl_job *job, char **field, const char *html, size_t len)
{
    struct sbuf out;
    sbuf_init(&out, URS_MAX_DESCRIPTION + 16);
    bool truncated = false;
    struct err e;
    err_clear(&e);
    int rc;
    if (text_looks_like_html(html, len))
        rc = text_from_html(html, len, URS_MAX_DESCRIPTION, &out, &truncated, &e);
    else
        rc = utf8_clean(html, len, UTF8_MULTI_LINE, URS_MAX_DESCRIPTION, &out, &truncated);
    if (rc == URS_OK && truncated)
        log_warn("source=%s: description truncated to %d bytes", crawl_job_name(job),
                 URS_MAX_DESCRIPTION);
    char *text = NULL;
    if (rc == URS_OK && out.len) {
        text = sbuf_take(&out);
        if (!text)
            rc = URS_ENOMEM;
    }
    sbuf_free(&out);
    if (rc != URS_OK)
        return URS_ENOMEM;
    free(*field);
    *field = text;
    return URS_OK;
}

int crawl_set_text(struct crawl_job *job, char **field, const char *html, size_t len)
{
    if (!html || len == 0)
        return URS_OK;
    if (len > URS_MAX_HTML) {
        log_warn("source=%s: description HTML of %zu bytes cut to %d", crawl_job_name(job), len,
                 URS_MAX_HTML);
        len = utf8_boundary(html, len, URS_MAX_HTML);
    }
    struct sbuf work;
    sbuf_init(&work, len + 16);
    int rc = unescape_html(html, len, &work);
    if (rc == URS_OK && work.data)
        rc = html_to_field(job, field, work.data, work.len);
    else if (rc == URS_OK)
        rc = html_to_field(job, field, html, len);
    sbuf_free(&work);
    return rc == URS_OK ? URS_OK : URS_ENOMEM;
}

int crawl_field_append(char **field, const char *sep, const char *s)
{
    if (!s || !*s)
        return URS_OK;
    if (!*field || !**field)
        return posting_set(field, s);
    size_t a = strlen(*field), b = strlen(sep), c = strlen(s);
    char *joined = realloc(*field, a + b + c + 1);
    if (!joined)
        return URS_ENOMEM;
    memcpy(joined + a, sep, b);
    memcpy(joined + a + b, s, c + 1);
    *field = joined;
    return URS_OK;
}

/* Read 1..max digits at *p into *out; advances *p. */
static bool read_num(const char **p, int max, int *out)
{
    int v = 0, n = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n > 0;
}

/* "2026-9-21[rest]": pad month and day, then the strict parser. */
static int parse_unpadded(const char *s, int64_t *out)
{
    int y, m, d;
    const char *p = s;
    if (!read_num(&p, 4, &y) || p - s != 4 || *p++ != '-' || !read_num(&p, 2, &m) || *p++ != '-' ||
        !read_num(&p, 2, &d))
        return URS_EPARSE;
    char buf[80];
    if ((size_t)snprintf(buf, sizeof buf, "%04d-%02d-%02d%s", y, m, d, p) >= sizeof buf)
        return URS_EPARSE;
    return text_parse_time(buf, out);
}

/* "11/10/2026" (US month/day/year), date only. */
static int parse_us_date(const char *s, int64_t *out)
{
    int m, d, y;
    const char *p = s;
    if (!read_num(&p, 2, &m) || *p++ != '/' || !read_num(&p, 2, &d) || *p++ != '/' ||
        !read_num(&p, 4, &y) || *p)
        return URS_EPARSE;
    char buf[64];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return text_parse_time(buf, out);
}

static int month_index(const char *s)
{
    static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++)
        if (strncasecmp(s, names[i], 3) == 0)
            return i + 1;
    return 0;
}

/* The offset of an RFC 822 zone in minutes, or false when unknown. */
static bool zone_minutes(const char *z, int *out)
{
    static const struct {
        const char *name;
        int minutes;
    } zones[] = {{"GMT", 0},    {"UT", 0},     {"UTC", 0},    {"Z", 0},
                 {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
                 {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}};
    if ((z[0] == '+' || z[0] == '-') && strlen(z) == 5) {
        int hh, mm;
        const char *p = z + 1;
        if (!read_num(&p, 2, &hh) || !read_num(&p, 2, &mm) || *p)
            return false;
        *out = (z[0] == '-' ? -1 : 1) * (hh * 60 + mm);
        return true;
    }
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strcasecmp(z, zones[i].name) == 0) {
            *out = zones[i].minutes;
            return true;
        }
    return false;
}

/* "Tue, 10 Nov 2026 09:00:00 -0600" (the weekday and seconds are optional). */
static int parse_rfc822(const char *s, int64_t *out)
{
    const char *p = s;
    if (isalpha((unsigned char)*p)) {
        p = strchr(p, ',');
        if (!p)
            return URS_EPARSE;
        p++;
    }
    int d, y, hh, mi, ss = 0, zone = 0;
    while (*p == ' ')
        p++;
    if (!read_num(&p, 2, &d) || *p++ != ' ')
        return URS_EPARSE;
    int m = month_index(p);
    if (!m || strlen(p) < 4 || p[3] != ' ')
        return URS_EPARSE;
    p += 4;
    if (!read_num(&p, 4, &y) || *p++ != ' ' || !read_num(&p, 2, &hh) || *p++ != ':' ||
        !read_num(&p, 2, &mi))
        return URS_EPARSE;
    if (*p == ':' && (p++, !read_num(&p, 2, &ss)))
        return URS_EPARSE;
    while (*p == ' ')
        p++;
    if (*p && !zone_minutes(p, &zone))
        return URS_EPARSE;
    char buf[80];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, hh, mi, ss,
             zone < 0 ? '-' : '+', abs(zone) / 60, abs(zone) % 60);
    return text_parse_time(buf, out);
}

int crawl_time_parse(const char *s, int64_t *out)
{
    if (!s)
        return URS_EPARSE;
    while (isspace((unsigned char)*s))
        s++;
    char buf[64];
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n >= sizeof buf)
        return URS_EPARSE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (text_parse_time(buf, out) == URS_OK || parse_unpadded(buf, out) == URS_OK ||
        parse_rfc822(buf, out) == URS_OK || parse_us_date(buf, out) == URS_OK)
        return URS_OK;
    return URS_EPARSE;
}

enum pay_period crawl_period_parse(const char *unit)
{
    if (!unit)
        return PERIOD_NONE;
    size_t len = strlen(unit);
    if (strcasecmp(unit, "PH") == 0 || text_find_ci(unit, len, "hour") != (size_t)-1)
        return PERIOD_HOUR;
    if (strcasecmp(unit, "PA") == 0 || strcasecmp(unit, "PY") == 0 ||
        text_find_ci(unit, len, "year") != (size_t)-1 ||
        text_find_ci(unit, len, "annual") != (size_t)-1)
        return PERIOD_YEAR;
    if (strcasecmp(unit, "PM") == 0 || text_find_ci(unit, len, "month") != (size_t)-1)
        return PERIOD_MONTH;
    if (strcasecmp(unit, "PW") == 0 || (text_find_ci(unit, len, "week") != (size_t)-1 &&
                                        text_find_ci(unit, len, "bi") == (size_t)-1))
        return PERIOD_WEEK;
    return PERIOD_NONE;
}

void crawl_salary_set(struct posting *p, double min, double max, enum pay_period period)
{
    if (!isfinite(min) || min < 0)
        min = 0;
    if (!isfinite(max) || max < 0)
        max = 0;
    if (min > max && max > 0) {
        double t = min;
        min = max;
        max = t;
    }
    if (min == 0 && max == 0)
        return;
    p->salary_hint.min = min;
    p->salary_hint.max = max;
    p->salary_hint.period = period;
    salary_update_annual(&p->salary_hint);
}

int crawl_url_encode(struct sbuf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = URS_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == URS_OK; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            rc = sbuf_putc(out, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = sbuf_append(out, enc, 3);
        }
    }
    return rc;
}

char *crawl_url_base(const struct config_source *src, const char *def)
{
    const char *s = src->url && *src->url ? src->url : def;
    if (!s)
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    size_t n = strlen(copy);
    while (n > 0 && copy[n - 1] == '/')
        copy[--n] = '\0';
    return copy;
}

char *crawl_url_resolve(const char *base, const char *href)
{
    if (!href)
        return NULL;
    while (isspace((unsigned char)*href))
        href++;
    size_t n = strlen(href);
    while (n && isspace((unsigned char)href[n - 1]))
        n--;
    if (n == 0 || n > URS_MAX_URL)
        return NULL;
    char *trimmed = strndup(href, n);
    if (!trimmed)
        return NULL;
    xmlChar *abs = xmlBuildURI((const xmlChar *)trimmed, (const xmlChar *)base);
    free(trimmed);
    if (!abs)
        return NULL;
    char *hash = strchr((char *)abs, '#');
    if (hash)
        *hash = '\0';
    char *out = text_url_is_http((const char *)abs) ? strdup((const char *)abs) : NULL;
    xmlFree(abs);
    return out;
}

static void rows_free(void *ptr)
{
    struct crawl_rows *rows = ptr;
    for (size_t i = 0; i < rows->len; i++)
        posting_free(&rows->v[i]);
    free(rows->v);
    free(rows);
}

struct crawl_rows *crawl_rows_of(struct crawl_job *job)
{
    struct crawl_rows *rows = crawl_job_state(job);
    if (rows)
        return rows;
    rows = calloc(1, sizeof *rows);
    if (rows)
        crawl_job_set_state(job, rows, rows_free);
    return rows;
}

int crawl_rows_add(struct crawl_rows *rows, struct posting *p, size_t *index)
{
    if (rows->len == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 32;
        struct posting *v = realloc(rows->v, cap * sizeof *v);
        if (!v)
            return URS_ENOMEM;
        rows->v = v;
        rows->cap = cap;
    }
    *index = rows->len;
    rows->v[rows->len++] = *p;
    posting_init(p);
    return URS_OK;
}

const struct posting *crawl_rows_at(struct crawl_job *job, long index)
{
    struct crawl_rows *rows = crawl_job_state(job);
    if (!rows || index < 0 || (size_t)index >= rows->len)
        return NULL;
    return &rows->v[index];
}

int crawl_board_get(struct crawl_job *job, const char *api, const char *prefix,
                    const char *suffix, struct err *e)
{
    const struct config_source *src = crawl_job_source(job);
    if (!src->board || !*src->board)
        return err_set(e, URS_EINVAL, "%s: %s needs board = the board token", src->name,
                       src->kind);
    char *base = crawl_url_base(src, api);
    struct sbuf url;
    sbuf_init(&url, URS_MAX_URL);
    int rc = base ? sbuf_printf(&url, "%s%s", base, prefix) : URS_ENOMEM;
    if (rc == URS_OK)
        rc = crawl_url_encode(&url, src->board);
    if (rc == URS_OK)
        rc = sbuf_puts(&url, suffix);
    if (rc == URS_OK)
        rc = crawl_get(job, url.data, 0, 0, NULL, true);
    sbuf_free(&url);
    free(base);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: cannot queue the board: %s", src->name, err_name(rc));
    return URS_OK;
}
