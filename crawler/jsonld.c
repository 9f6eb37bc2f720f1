/* SPDX-License-Identifier: MIT */
/* schema.org JobPosting JSON-LD: a byte scan for the scripts, then postings from the JSON. */
#include "crawler/jsonld.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/text.h"
#include "crawler/adapt.h"

#define LDJSON "application/ld+json"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Offset of the next "</script" (any case) at or after i, or len. */
static size_t find_close(const char *s, size_t len, size_t i)
{
    while (i < len) {
        const char *lt = memchr(s + i, '<', len - i);
        if (!lt)
            return len;
        i = (size_t)(lt - s);
        if (len - i >= 8 && strncasecmp(lt, "</script", 8) == 0)
            return i;
        i++;
    }
    return len;
}

/* Read one attribute at s[*i]; sets name/value spans. False at '>' or the end. */
static bool next_attr(const char *s, size_t len, size_t *i, const char **name, size_t *name_len,
                      const char **val, size_t *val_len)
{
    size_t p = *i;
    while (p < len && (is_space(s[p]) || s[p] == '/'))
        p++;
    if (p >= len || s[p] == '>') {
        *i = p;
        return false;
    }
    size_t n0 = p;
    while (p < len && !is_space(s[p]) && s[p] != '=' && s[p] != '>' && s[p] != '/')
        p++;
    *name = s + n0;
    *name_len = p - n0;
    *val = NULL;
    *val_len = 0;
    while (p < len && is_space(s[p]))
        p++;
    if (p < len && s[p] == '=') {
        p++;
        while (p < len && is_space(s[p]))
            p++;
        char q = p < len ? s[p] : '\0';
        size_t v0 = (q == '"' || q == '\'') ? ++p : p;
        if (q == '"' || q == '\'')
            while (p < len && s[p] != q)
                p++;
        else
            while (p < len && !is_space(s[p]) && s[p] != '>')
                p++;
        *val = s + v0;
        *val_len = p - v0;
        if (p < len && (q == '"' || q == '\''))
            p++;
    }
    *i = p > n0 ? p : p + 1;
    return true;
}

/* Parse the attributes of a <script tag from s[*i]; *i ends on '>' (or len). */
static bool script_is_ldjson(const char *s, size_t len, size_t *i)
{
    const char *name, *val;
    size_t name_len, val_len;
    bool ld = false;
    while (next_attr(s, len, i, &name, &name_len, &val, &val_len)) {
        if (name_len != 4 || strncasecmp(name, "type", 4) != 0 || !val)
            continue;
        while (val_len && is_space(*val)) {
            val++;
            val_len--;
        }
        size_t n = sizeof LDJSON - 1;
        ld = val_len >= n && strncasecmp(val, LDJSON, n) == 0 &&
             (val_len == n || val[n] == ';' || is_space(val[n]));
    }
    return ld;
}

/* Strip whitespace and <!-- -->, <![CDATA[ ]]> (also behind //) around a script body. */
static void strip_wrappers(const char **body, size_t *len)
{
    static const char *const open[] = {"<!--", "//<![CDATA[", "<![CDATA["};
    static const char *const close[] = {"-->", "//]]>", "]]>"};
    const char *b = *body;
    size_t n = *len;
    for (int round = 0; round < 3; round++) {
        while (n && is_space(*b)) {
            b++;
            n--;
        }
        while (n && is_space(b[n - 1]))
            n--;
        for (size_t k = 0; round < 2 && k < 3; k++) {
            size_t ol = strlen(open[k]);
            if (n >= ol && memcmp(b, open[k], ol) == 0) {
                b += ol;
                n -= ol;
            }
            size_t cl = strlen(close[k]);
            if (n >= cl && memcmp(b + n - cl, close[k], cl) == 0)
                n -= cl;
        }
    }
    *body = b;
    *len = n;
}

bool crawl_jsonld_next(const char *html, size_t len, size_t *pos, const char **body,
                       size_t *body_len)
{
    size_t i = *pos;
    while (i < len) {
        const char *lt = memchr(html + i, '<', len - i);
        if (!lt)
            break;
        i = (size_t)(lt - html);
        if (len - i >= 4 && memcmp(lt, "<!--", 4) == 0) {
            const char *end = memmem(lt + 4, len - i - 4, "-->", 3);
            i = end ? (size_t)(end - html) + 3 : len;
            continue;
        }
        if (len - i < 8 || strncasecmp(lt, "<script", 7) != 0 ||
            !(is_space(lt[7]) || lt[7] == '>' || lt[7] == '/')) {
            i++;
            continue;
        }
        size_t a = i + 7;
        bool ld = script_is_ldjson(html, len, &a);
        size_t start = a < len ? a + 1 : len;
        size_t close = find_close(html, len, start);
        i = close;
        if (ld) {
            *body = html + start;
            *body_len = close - start;
            strip_wrappers(body, body_len);
            *pos = close;
            return true;
        }
    }
    *pos = len;
    return false;
}

static bool type_is_posting(const char *t)
{
    size_t n = strlen(t);
    return n >= 10 && strcmp(t + n - 10, "JobPosting") == 0 &&
           (n == 10 || t[n - 11] == '/' || t[n - 11] == ':' || t[n - 11] == '#');
}

bool crawl_jsonld_is_posting(json_t *obj)
{
    json_t *t = json_object_get(obj, "@type");
    if (json_is_string(t))
        return type_is_posting(json_string_value(t));
    size_t i;
    json_t *v;
    json_array_foreach(t, i, v)
    {
        if (json_is_string(v) && type_is_posting(json_string_value(v)))
            return true;
    }
    return false;
}

/* Set *field (when empty) from a JSON string with HTML entities decoded. */
static int set_decoded(char **field, json_t *v)
{
    if (*field || !json_is_string(v))
        return URS_OK;
    int rc = crawl_json_set_value(field, v);
    if (rc != URS_OK || !strchr(*field, '&'))
        return rc;
    struct sbuf b;
    sbuf_init(&b, strlen(*field) + 16);
    rc = text_decode_entities(*field, strlen(*field), &b);
    char *s = rc == URS_OK ? sbuf_take(&b) : NULL;
    sbuf_free(&b);
    if (!s)
        return URS_ENOMEM;
    free(*field);
    *field = s;
    return URS_OK;
}

/* A text-ish value: a string, or an object's "name" (Organization, Country, State). */
static json_t *name_of(json_t *v)
{
    if (json_is_object(v))
        v = json_object_get(v, "name");
    return json_is_string(v) ? v : NULL;
}

/* Append one value (string or {name}) to *field after sep, decoded, unless already there. */
static int append_name(char **field, const char *sep, json_t *v)
{
    json_t *s = name_of(v);
    if (!s)
        return URS_OK;
    char *tmp = NULL;
    int rc = set_decoded(&tmp, s);
    if (rc == URS_OK && tmp && (!*field || !strstr(*field, tmp)))
        rc = crawl_field_append(field, sep, tmp);
    free(tmp);
    return rc;
}

/* "Dallas, TX, US" from a PostalAddress (or the string it may be). */
static int add_address(char **loc, json_t *addr)
{
    if (json_is_string(addr))
        return append_name(loc, "; ", addr);
    if (!json_is_object(addr))
        return URS_OK;
    static const char *const keys[] = {"addressLocality", "addressRegion", "addressCountry"};
    char *one = NULL;
    int rc = URS_OK;
    for (size_t k = 0; k < 3 && rc == URS_OK; k++)
        rc = append_name(&one, ", ", json_object_get(addr, keys[k]));
    if (rc == URS_OK && one && (!*loc || !strstr(*loc, one)))
        rc = crawl_field_append(loc, "; ", one);
    free(one);
    return rc;
}

static int add_place(char **loc, json_t *place)
{
    if (json_is_array(place)) {
        size_t i;
        json_t *v;
        json_array_foreach(place, i, v)
        {
            int rc = add_place(loc, v);
            if (rc != URS_OK)
                return rc;
        }
        return URS_OK;
    }
    if (json_is_object(place) && json_object_get(place, "address"))
        return add_address(loc, json_object_get(place, "address"));
    return append_name(loc, "; ", place);
}

/* Each string or {name} of v (one or an array) appended to *field after sep. */
static int add_names(char **field, const char *sep, json_t *v)
{
    if (!json_is_array(v))
        return append_name(field, sep, v);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        int rc = append_name(field, sep, x);
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

static int set_location(struct posting *p, json_t *obj)
{
    if (p->location)
        return URS_OK;
    int rc = add_place(&p->location, json_object_get(obj, "jobLocation"));
    char *applicants = NULL;
    if (rc == URS_OK)
        rc = add_names(&applicants, ", ", json_object_get(obj, "applicantLocationRequirements"));
    if (rc == URS_OK && applicants) {
        size_t n = strlen(applicants) + 32;
        char *s = malloc(n);
        if (!s)
            rc = URS_ENOMEM;
        else
            snprintf(s, n, "applicants in %s", applicants);
        if (s)
            rc = crawl_field_append(&p->location, "; ", s);
        free(s);
    }
    free(applicants);
    return rc;
}

static bool number_of(json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    char *end;
    *out = strtod(json_string_value(v), &end);
    return end != json_string_value(v) && *end == '\0';
}

/* baseSalary: a number, or MonetaryAmount{value: number | QuantitativeValue{...}}. */
static void set_salary(struct posting *p, json_t *bs)
{
    if (json_is_array(bs))
        bs = json_array_get(bs, 0);
    double lo = 0, hi = 0, one;
    if (number_of(bs, &one)) {
        crawl_salary_set(p, one, one, PERIOD_NONE);
        return;
    }
    if (!json_is_object(bs))
        return;
    json_t *val = json_object_get(bs, "value");
    const char *unit = json_string_value(json_object_get(bs, "unitText"));
    json_t *q = json_is_object(val) ? val : bs;
    if (json_is_object(val) && json_string_value(json_object_get(val, "unitText")))
        unit = json_string_value(json_object_get(val, "unitText"));
    bool has_lo = number_of(json_object_get(q, "minValue"), &lo);
    bool has_hi = number_of(json_object_get(q, "maxValue"), &hi);
    if (!has_lo && !has_hi &&
        number_of(json_is_object(val) ? json_object_get(val, "value") : val, &one))
        lo = hi = one;
    crawl_salary_set(p, lo, hi, crawl_period_parse(unit));
}

static void set_time(int64_t *field, json_t *v)
{
    if (*field == 0 && json_is_string(v) && crawl_time_parse(json_string_value(v), field) != URS_OK)
        *field = 0;
}

/* identifier: a string, a number, PropertyValue{value}, or an array of those. */
static int set_identifier(struct posting *p, json_t *id)
{
    if (p->external_id)
        return URS_OK;
    if (json_is_array(id))
        id = json_array_get(id, 0);
    if (json_is_object(id))
        id = json_object_get(id, "value");
    if (json_is_integer(id)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return posting_set(&p->external_id, buf);
    }
    return set_decoded(&p->external_id, id);
}

static int set_texts(struct crawl_job *job, json_t *obj, struct posting *p)
{
    int rc = set_decoded(&p->title, json_object_get(obj, "title"));
    if (rc == URS_OK && !p->employer)
        rc = append_name(&p->employer, "", json_object_get(obj, "hiringOrganization"));
    if (rc == URS_OK && !p->work_hint)
        rc = add_names(&p->work_hint, ", ", json_object_get(obj, "jobLocationType"));
    if (rc == URS_OK && !p->employment_hint)
        rc = add_names(&p->employment_hint, ", ", json_object_get(obj, "employmentType"));
    if (rc == URS_OK)
        rc = set_location(p, obj);
    json_t *d = json_object_get(obj, "description");
    if (rc == URS_OK && !p->description && json_is_string(d))
        rc = crawl_set_text(job, &p->description, json_string_value(d), json_string_length(d));
    return rc;
}

int crawl_jsonld_posting(struct crawl_job *job, json_t *obj, const char *page_url,
                         struct posting *p)
{
    int rc = set_texts(job, obj, p);
    if (rc == URS_OK)
        rc = set_identifier(p, json_object_get(obj, "identifier"));
    json_t *u = json_object_get(obj, "url");
    if (rc == URS_OK && !p->url && json_is_string(u) && text_url_is_http(json_string_value(u)))
        rc = posting_set(&p->url, json_string_value(u));
    if (rc == URS_OK && !p->url && page_url)
        rc = posting_set(&p->url, page_url);
    set_time(&p->posted_at, json_object_get(obj, "datePosted"));
    set_time(&p->valid_through, json_object_get(obj, "validThrough"));
    if (p->salary_hint.period == PERIOD_NONE && p->salary_hint.max == 0)
        set_salary(p, json_object_get(obj, "baseSalary"));
    return rc;
}

/* Several postings on one page without ids: "url#2", "url#3", ... */
static int number_the_id(struct posting *p, size_t nth)
{
    if (p->external_id || !p->url)
        return URS_OK;
    if (nth == 0)
        return posting_set(&p->external_id, p->url);
    size_t n = strlen(p->url) + 24;
    p->external_id = malloc(n);
    if (!p->external_id)
        return URS_ENOMEM;
    snprintf(p->external_id, n, "%s#%zu", p->url, nth + 1);
    return URS_OK;
}

static int emit_one(struct crawl_job *job, json_t *obj, const char *page_url,
                    const struct posting *base, size_t *found)
{
    if (base && base->external_id && *found > 0)
        return URS_OK;
    struct posting p;
    posting_init(&p);
    int rc = base ? posting_copy(&p, base) : URS_OK;
    if (rc == URS_OK)
        rc = crawl_jsonld_posting(job, obj, page_url, &p);
    if (rc == URS_OK)
        rc = number_the_id(&p, *found);
    if (rc != URS_OK) {
        posting_free(&p);
        return URS_ENOMEM;
    }
    (*found)++;
    return crawl_emit(job, &p);
}

static int walk(struct crawl_job *job, json_t *v, const char *page_url, const struct posting *base,
                size_t *found, int depth)
{
    if (depth > 8)
        return URS_OK;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            int rc = walk(job, x, page_url, base, found, depth + 1);
            if (rc != URS_OK)
                return rc;
        }
        return URS_OK;
    }
    if (!json_is_object(v))
        return URS_OK;
    if (crawl_jsonld_is_posting(v))
        return emit_one(job, v, page_url, base, found);
    json_t *graph = json_object_get(v, "@graph");
    if (graph)
        return walk(job, graph, page_url, base, found, depth + 1);
    json_t *item = json_object_get(v, "item"); /* ItemList > ListItem > item */
    if (item)
        return walk(job, item, page_url, base, found, depth + 1);
    return walk(job, json_object_get(v, "itemListElement"), page_url, base, found, depth + 1);
}

int crawl_jsonld_emit_json(struct crawl_job *job, json_t *root, const char *page_url,
                           const struct posting *base, size_t *found)
{
    return walk(job, root, page_url, base, found, 0);
}

int crawl_jsonld_emit_page(struct crawl_job *job, const char *page_url, const char *html,
                           size_t len, const struct posting *base, size_t *found, struct err *e)
{
    *found = 0;
    size_t pos = 0;
    const char *body;
    size_t body_len;
    struct err first;
    err_clear(&first);
    int line = 1;
    size_t counted = 0, line_start = 0;
    while (crawl_jsonld_next(html, len, &pos, &body, &body_len)) {
        size_t at = (size_t)(body - html);
        for (; counted < at; counted++)
            if (html[counted] == '\n') {
                line++;
                line_start = counted + 1;
            }
        json_t *root = NULL;
        struct err je;
        err_clear(&je);
        int rc = crawl_json_load_at(job, page_url, body, body_len, line, (int)(at - line_start + 1),
                                    &root, &je);
        if (rc == URS_ENOMEM)
            return err_set(e, rc, "%s", je.msg);
        if (rc != URS_OK) {
            log_warn("source=%s: JSON-LD skipped: %s", crawl_job_name(job), je.msg);
            (void)err_set(&first, rc, "%s", je.msg);
            continue;
        }
        rc = crawl_jsonld_emit_json(job, root, page_url, base, found);
        json_decref(root);
        if (rc == URS_ELIMIT)
            return URS_OK;
        if (rc != URS_OK)
            return err_set(e, rc, "%s: posting handler failed", crawl_job_name(job));
    }
    if (*found == 0 && first.code != URS_OK)
        return err_set(e, first.code, "%s", first.msg);
    return URS_OK;
}
