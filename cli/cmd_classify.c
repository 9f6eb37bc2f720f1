/* SPDX-License-Identifier: MIT */
/* `urscout classify [FILE|-]`: tag a saved page (text, HTML or JSON-LD) and show the evidence. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classifier/classifier.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "cli/output.h"
#include "common/limits.h"
#include "common/text.h"
#include "common/utf8.h"

static const char classify_usage[] =
    "usage: urscout classify [--rules FILE|DIR] [--format text|json] [--trace] [FILE|-]\n"
    "\n"
    "Tag one posting and show every tag with the phrase that set it. FILE (or stdin) may be\n"
    "plain text (first line: the title), an HTML page, or a page embedding a schema.org\n"
    "JobPosting as JSON-LD (its title, description, employmentType, jobLocationType,\n"
    "jobLocation and baseSalary are used).\n"
    "\n"
    "  --rules FILE|DIR   classify with these .rules instead of the built-in ones\n"
    "  --format json      the posting as `urscout export` writes it, tags and evidence included\n"
    "  --trace            also list every rule match and score (for rule writers)\n";

/* ---- reading the input ---- */

static int read_all(FILE *f, const char *name, struct sbuf *out, struct err *e)
{
    char buf[16384];
    size_t n;
    int rc = URS_OK;
    while (rc == URS_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = sbuf_append(out, buf, n);
    if (rc == URS_ELIMIT)
        return err_set(e, rc, "%s: larger than %d bytes", name, URS_MAX_HTML);
    if (rc != URS_OK)
        return err_set(e, rc, "%s: out of memory", name);
    if (ferror(f))
        return err_set(e, URS_EIO, "%s: read error", name);
    return URS_OK;
}

static int read_input(const char *path, struct sbuf *out, struct err *e)
{
    if (!path || strcmp(path, "-") == 0)
        return read_all(stdin, "stdin", out, e);
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, URS_EIO, "%s: %s", path, strerror(errno));
    int rc = read_all(f, path, out, e);
    fclose(f);
    return rc;
}

/* Set *field to s cleaned to one line (or several lines for descriptions). */
static int set_clean(char **field, const char *s, enum utf8_mode mode, size_t cap)
{
    char *clean = utf8_clean_dup(s, mode, cap, NULL);
    if (!clean)
        return URS_ENOMEM;
    free(*field);
    *field = clean;
    return URS_OK;
}

/* HTML (or text) to cleaned text in *field. */
static int set_from_html(char **field, const char *html, size_t len)
{
    if (!text_looks_like_html(html, len))
        return set_clean(field, html, UTF8_MULTI_LINE, URS_MAX_DESCRIPTION);
    struct sbuf b;
    struct err ignored;
    err_clear(&ignored);
    sbuf_init(&b, URS_MAX_DESCRIPTION);
    int rc = text_from_html(html, len, URS_MAX_DESCRIPTION, &b, NULL, &ignored);
    if (rc == URS_OK)
        rc = set_clean(field, sbuf_str(&b), UTF8_MULTI_LINE, URS_MAX_DESCRIPTION);
    else if (rc != URS_ENOMEM) /* unparsable markup: keep the raw text, the classifier copes */
        rc = set_clean(field, html, UTF8_MULTI_LINE, URS_MAX_DESCRIPTION);
    sbuf_free(&b);
    return rc;
}

/* ---- schema.org JobPosting in <script type="application/ld+json"> ---- */

static bool is_job_posting(json_t *o)
{
    json_t *type = json_object_get(o, "@type");
    if (json_is_string(type))
        return strcasecmp(json_string_value(type), "JobPosting") == 0;
    size_t i;
    json_t *t;
    json_array_foreach(type, i, t)
    {
        if (json_is_string(t) && strcasecmp(json_string_value(t), "JobPosting") == 0)
            return true;
    }
    return false;
}

/* The first JobPosting object in v ("@graph" arrays and nesting included). */
static json_t *find_posting(json_t *v, int depth)
{
    if (depth > URS_MAX_JSON_DEPTH)
        return NULL;
    if (json_is_object(v) && is_job_posting(v))
        return v;
    json_t *child, *found;
    size_t i;
    const char *key;
    if (json_is_array(v)) {
        json_array_foreach(v, i, child)
        {
            if ((found = find_posting(child, depth + 1)) != NULL)
                return found;
        }
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, child)
        {
            if ((found = find_posting(child, depth + 1)) != NULL)
                return found;
        }
    }
    return NULL;
}

/* A string, or the strings of an array joined by ", " (employmentType may be either). */
static void join_strings(json_t *v, char *buf, size_t size)
{
    buf[0] = '\0';
    if (json_is_string(v)) {
        snprintf(buf, size, "%s", json_string_value(v));
        return;
    }
    size_t i, len = 0;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        int n = json_is_string(s)
                    ? snprintf(buf + len, size - len, "%s%s", len ? ", " : "", json_string_value(s))
                    : 0;
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}

/* "City, Region" from jobLocation (an object or the first of an array). */
static void location_text(json_t *loc, char *buf, size_t size)
{
    buf[0] = '\0';
    if (json_is_array(loc))
        loc = json_array_get(loc, 0);
    json_t *addr = json_object_get(loc, "address");
    if (json_is_string(addr)) {
        snprintf(buf, size, "%s", json_string_value(addr));
        return;
    }
    const char *city = json_string_value(json_object_get(addr, "addressLocality"));
    const char *region = json_string_value(json_object_get(addr, "addressRegion"));
    snprintf(buf, size, "%s%s%s", city ? city : "", city && region ? ", " : "",
             region ? region : "");
}

static double number_of(json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v);
    double d = 0;
    if (json_is_string(v)) {
        char *end = NULL;
        errno = 0;
        d = strtod(json_string_value(v), &end);
        if (errno || end == json_string_value(v) || d < 0)
            d = 0;
    }
    return d;
}

/* baseSalary: {"value": {"minValue", "maxValue", "value", "unitText": "HOUR"}} */
static void salary_of(json_t *base, struct salary *s)
{
    json_t *value = json_object_get(base, "value");
    json_t *q = json_is_object(value) ? value : base;
    const char *unit = json_string_value(json_object_get(q, "unitText"));
    if (!unit)
        unit = json_string_value(json_object_get(base, "unitText"));
    int period = unit ? period_parse(unit) : -1;
    if (period <= PERIOD_NONE)
        return;
    s->min = number_of(json_object_get(q, "minValue"));
    s->max = number_of(json_object_get(q, "maxValue"));
    if (s->min <= 0 && s->max <= 0)
        s->min = s->max = number_of(json_is_object(value) ? json_object_get(q, "value") : value);
    s->period = s->min > 0 || s->max > 0 ? (enum pay_period)period : PERIOD_NONE;
    salary_update_annual(s);
}

static int from_job_posting(json_t *jp, struct posting *p)
{
    char buf[URS_MAX_FIELD];
    const char *title = json_string_value(json_object_get(jp, "title"));
    const char *desc = json_string_value(json_object_get(jp, "description"));
    const char *org =
        json_string_value(json_object_get(json_object_get(jp, "hiringOrganization"), "name"));
    const char *url = json_string_value(json_object_get(jp, "url"));
    int rc = title ? set_clean(&p->title, title, UTF8_ONE_LINE, URS_MAX_TITLE) : URS_OK;
    if (rc == URS_OK && desc)
        rc = set_from_html(&p->description, desc, strlen(desc));
    if (rc == URS_OK && org)
        rc = set_clean(&p->employer, org, UTF8_ONE_LINE, URS_MAX_FIELD);
    if (rc == URS_OK && url && text_url_is_http(url))
        rc = posting_set(&p->url, url);
    join_strings(json_object_get(jp, "employmentType"), buf, sizeof buf);
    if (rc == URS_OK && buf[0])
        rc = set_clean(&p->employment_hint, buf, UTF8_ONE_LINE, URS_MAX_FIELD);
    join_strings(json_object_get(jp, "jobLocationType"), buf, sizeof buf);
    if (rc == URS_OK && buf[0])
        rc = set_clean(&p->work_hint, buf, UTF8_ONE_LINE, URS_MAX_FIELD);
    location_text(json_object_get(jp, "jobLocation"), buf, sizeof buf);
    if (rc == URS_OK && buf[0])
        rc = set_clean(&p->location, buf, UTF8_ONE_LINE, URS_MAX_FIELD);
    salary_of(json_object_get(jp, "baseSalary"), &p->salary_hint);
    return rc;
}

/* Scan the page for JSON-LD blocks; fill p from the first JobPosting. *found says if any. */
static int read_json_ld(const char *page, struct posting *p, bool *found)
{
    static const char type[] = "application/ld+json";
    *found = false;
    for (const char *at = page; (at = strcasestr(at, "<script")) != NULL;) {
        const char *close = strchr(at, '>');
        if (!close)
            break;
        const char *t = strcasestr(at, type);
        const char *end = strcasestr(close, "</script");
        at = close + 1;
        if (!t || t > close || !end)
            continue;
        json_t *doc = json_loadb(close + 1, (size_t)(end - close - 1), 0, NULL);
        json_t *jp = find_posting(doc, 0);
        int rc = jp ? from_job_posting(jp, p) : URS_OK;
        json_decref(doc);
        if (jp) {
            *found = true;
            return rc;
        }
    }
    return URS_OK;
}

/* The text of <title>, entities decoded, or "" */
static int html_title(const char *page, struct posting *p)
{
    const char *a = strcasestr(page, "<title");
    const char *gt = a ? strchr(a, '>') : NULL;
    const char *b = gt ? strcasestr(gt, "</title") : NULL;
    if (!b)
        return URS_OK;
    struct sbuf t;
    sbuf_init(&t, URS_MAX_TITLE * 4);
    int rc = text_decode_entities(gt + 1, (size_t)(b - gt - 1), &t);
    if (rc == URS_OK)
        rc = set_clean(&p->title, sbuf_str(&t), UTF8_ONE_LINE, URS_MAX_TITLE);
    sbuf_free(&t);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

/* Plain text: the first non-empty line is the title, the rest the description. */
static int from_text(const char *text, struct posting *p)
{
    const char *s = text + strspn(text, " \t\r\n");
    size_t n = strcspn(s, "\n");
    char *title = strndup(s, n);
    if (!title)
        return URS_ENOMEM;
    int rc = set_clean(&p->title, title, UTF8_ONE_LINE, URS_MAX_TITLE);
    free(title);
    if (rc == URS_OK)
        rc = set_clean(&p->description, s + n, UTF8_MULTI_LINE, URS_MAX_DESCRIPTION);
    return rc;
}

int cli_page_to_posting(const char *page, size_t len, struct posting *p, struct err *e)
{
    bool found = false;
    int rc = memchr(page, '\0', len) ? URS_OK : read_json_ld(page, p, &found);
    if (rc == URS_OK && !found && text_looks_like_html(page, len)) {
        rc = html_title(page, p);
        if (rc == URS_OK)
            rc = set_from_html(&p->description, page, len);
    } else if (rc == URS_OK && !found) {
        rc = from_text(page, p);
    }
    if (rc == URS_OK && !p->description)
        rc = posting_set(&p->description, "");
    return rc == URS_OK ? URS_OK : err_set(e, rc, "reading the page: %s", err_name(rc));
}

/* ---- printing ---- */

static const char *zone_of(const struct posting *p, size_t off)
{
    size_t title = p->title ? strlen(p->title) : 0, loc = p->location ? strlen(p->location) : 0;
    if (off <= title)
        return "title";
    if (off <= title + 1 + loc)
        return "location";
    if (off <= title + 2 + loc + (p->description ? strlen(p->description) : 0))
        return "description";
    return "hint/url";
}

static void line(const char *name, const char *value)
{
    printf("%-13s ", name);
    cli_put_safe(stdout, value && *value ? value : "-");
    putchar('\n');
}

void cli_print_classified(const struct posting *p)
{
    char buf[512];
    line("title", p->title);
    line("employer", p->employer);
    line("location", p->location);
    cli_bits_text(p->disciplines, DISC_COUNT, cli_disc_at, buf, sizeof buf);
    line("discipline", buf);
    line("work mode", work_mode_name(p->work_mode));
    cli_bits_text(p->schedule, SCHED_COUNT, cli_sched_at, buf, sizeof buf);
    line("schedule", buf);
    cli_bits_text(p->license_states, STATE_COUNT, state_code, buf, sizeof buf);
    line("licence", buf);
    cli_salary_text(&p->salary, buf, sizeof buf);
    if (p->salary.annual > 0)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (annual %.0f)", p->salary.annual);
    line("salary", buf);
    line("role family", role_family_name(p->role_family));
    snprintf(buf, sizeof buf, "%s (score %.2f)", p->ur_role ? "yes" : "no", p->ur_score);
    line("UR role", buf);
    printf("\nevidence (tag, value, offset, where, phrase):\n");
    if (!p->evidence_len)
        printf("  none: no rule matched\n");
    for (size_t i = 0; i < p->evidence_len; i++) {
        const struct evidence *ev = &p->evidence[i];
        printf("  %-11s %-20s @%-6zu %-11s \"", tag_kind_name(ev->tag), ev->value, ev->offset,
               zone_of(p, ev->offset));
        cli_put_safe(stdout, ev->phrase);
        printf("\"\n");
    }
}

/* ---- the command ---- */

struct classify_opts {
    const char *rules;
    bool json;
    bool trace;
    const char *file;
};

static int parse_opts(int argc, char **argv, struct classify_opts *o)
{
    static const struct option longs[] = {{"rules", required_argument, NULL, 'r'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"trace", no_argument, NULL, 't'},
                                          {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = cli_getopt(argc, argv, "", longs)) != -1) {
        if (ch == 'r') {
            o->rules = optarg;
        } else if (ch == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0)) {
            o->json = strcmp(optarg, "json") == 0;
        } else if (ch == 't') {
            o->trace = true;
        } else if (ch == '?') {
            return CLI_USAGE;
        } else {
            cli_error("classify: bad option '%s' (see urscout classify --help)", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (argc - optind > 1) {
        cli_error("classify: give one FILE (or - for stdin)");
        return CLI_USAGE;
    }
    o->file = optind < argc ? argv[optind] : "-";
    return CLI_OK;
}

static int output(const struct classifier *c, const struct posting *p,
                  const struct classify_opts *o)
{
    if (o->json) {
        json_t *j = cli_posting_to_json(p);
        if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            json_decref(j);
            cli_error("classify: cannot write JSON");
            return CLI_FAIL;
        }
        json_decref(j);
        putchar('\n');
    } else {
        cli_print_classified(p);
    }
    if (!o->trace)
        return CLI_OK;
    struct sbuf t;
    sbuf_init(&t, 16 << 20);
    int rc = classify_trace(c, p, &t);
    if (rc == URS_OK)
        printf("\ntrace (rule, tag, value, weight, zone, offset, text):\n%s", sbuf_str(&t));
    sbuf_free(&t);
    return rc == URS_OK ? CLI_OK : CLI_FAIL;
}

int cli_cmd_classify(struct app *app, int argc, char **argv)
{
    (void)app;
    struct classify_opts o = {0};
    if (cli_wants_help(argc, argv, classify_usage))
        return CLI_OK;
    int status = parse_opts(argc, argv, &o);
    if (status != CLI_OK)
        return status;
    struct err e;
    struct sbuf page;
    struct posting p;
    struct classifier *c = NULL;
    err_clear(&e);
    posting_init(&p);
    sbuf_init(&page, URS_MAX_HTML);
    status = CLI_FAIL;
    if (classify_open(o.rules, &c, &e) != URS_OK)
        cli_error_e("classify: rules", &e);
    else if (read_input(o.file, &page, &e) != URS_OK ||
             cli_page_to_posting(sbuf_str(&page), page.len, &p, &e) != URS_OK ||
             classify_posting(c, &p, &e) != URS_OK)
        cli_error_e("classify", &e);
    else
        status = output(c, &p, &o);
    if (status == CLI_OK && !*p.description && (!p.title || !*p.title))
        cli_error("classify: warning: %s holds no text to classify", o.file);
    posting_free(&p);
    sbuf_free(&page);
    classify_close(c);
    return status;
}
