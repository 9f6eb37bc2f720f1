/* SPDX-License-Identifier: MIT */
/* Reading .rules files: sections, rule lines, phrase expansion, regexes, file:line errors. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h> /* RUNNING_ON_VALGRIND: a no-op instruction outside valgrind */
#define URS_HAVE_VALGRIND_H 1
#endif
#endif

#include "classifier/classifier_int.h"
#include "common/limits.h"

#define MAX_EXPANSIONS 1024   /* literal phrases one rule line may expand to */
#define MAX_PHRASE     200    /* bytes of one expanded phrase */
#define MAX_RULES      100000 /* rule lines in all files */
#define MAX_PATTERNS   200000 /* expanded phrases in all files */

static const char *const tag_names[CT_COUNT] = {
    "discipline", "work_mode", "schedule", "role", "ur", "page", "state", "licence", "salary"};
static const char *const mode_values[MV_COUNT] = {"remote", "hybrid", "onsite", "onsite_required",
                                                  "onsite_inferred"};
static const char *const page_values[PV_COUNT] = {"article", "posting", "healthcare",
                                                  "requirements", "tail", "about", "job"};
static const char *const lic_values[LV_COUNT] = {"context", "any",      "compact",
                                                 "residence", "not", "optional", "obtain"};

const char *ctag_name(enum ctag t)
{
    return (int)t >= 0 && t < CT_COUNT ? tag_names[t] : "";
}

static int find_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], s) == 0)
            return i;
    return -1;
}

int ctag_value_parse(enum ctag t, const char *s)
{
    int v;
    switch (t) {
    case CT_DISCIPLINE:
        return disc_parse(s);
    case CT_MODE:
        return find_name(mode_values, MV_COUNT, s);
    case CT_SCHEDULE:
        return strcasecmp(s, "none") == 0 ? SCHED_NONE : sched_parse(s);
    case CT_ROLE:
        v = role_family_parse(s);
        return v == ROLE_UNKNOWN || v == ROLE_ARTICLE ? -1 : v;
    case CT_UR:
        return strcasecmp(s, "review") == 0 ? UR_REVIEW : -1;
    case CT_PAGE:
        return find_name(page_values, PV_COUNT, s);
    case CT_STATE:
        v = state_parse(s);
        return v == STATE_COMPACT || v == STATE_ANY ? -1 : v;
    case CT_LICENCE:
        return find_name(lic_values, LV_COUNT, s);
    case CT_SALARY:
        if (strcasecmp(s, "context") == 0)
            return SAL_CONTEXT;
        if (strcasecmp(s, "skip") == 0)
            return SAL_SKIP;
        v = period_parse(s);
        return v == PERIOD_NONE ? -1 : v;
    default:
        return -1;
    }
}

const char *ctag_value_name(enum ctag t, int v)
{
    switch (t) {
    case CT_DISCIPLINE:
        return disc_name((enum disc)v);
    case CT_MODE:
        return v >= 0 && v < MV_COUNT ? mode_values[v] : "";
    case CT_SCHEDULE:
        return v == SCHED_NONE ? "none" : sched_name((enum sched)v);
    case CT_ROLE:
        return role_family_name((enum role_family)v);
    case CT_UR:
        return "review";
    case CT_PAGE:
        return v >= 0 && v < PV_COUNT ? page_values[v] : "";
    case CT_STATE:
        return state_code(v);
    case CT_LICENCE:
        return v >= 0 && v < LV_COUNT ? lic_values[v] : "";
    case CT_SALARY:
        return v == SAL_CONTEXT ? "context"
               : v == SAL_SKIP  ? "skip"
                                : period_name((enum pay_period)v);
    default:
        return "";
    }
}

/* ---- the [settings] section ---- */

struct setting_desc {
    const char *name;
    size_t offset;
    double min, max;
};

#define SETTING(n, lo, hi)                                                                         \
    {                                                                                              \
#n, offsetof(struct csettings, n), lo, hi                                                  \
    }
static const struct setting_desc settings[] = {
    SETTING(discipline_min, 0, 1000), SETTING(requirement_weight, 0, 1000),
    SETTING(mode_min, 0, 1000),       SETTING(schedule_min, 0, 1000),
    SETTING(ur_min, 0, 1000),         SETTING(ur_coord_min, 0, 1000),
    SETTING(article_min, 0, 1000),    SETTING(untitled_min, 0, 1000),
    SETTING(ur_strong, 0, 1000),
    SETTING(review_lean, 0, 10),      SETTING(healthcare_min, 0, 1000),
    SETTING(repeat_bonus, 0, 10),     SETTING(repeat_max, 1, 100),
    SETTING(head_bytes, 0, 65536),    SETTING(licence_window, 0, 1000),
    SETTING(code_window, 0, 1000),    SETTING(salary_after, 0, 1000),
    SETTING(salary_before, 0, 1000),
};

static int parse_number(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return URS_EINVAL;
    *out = v;
    return URS_OK;
}

static int parse_setting(struct classifier *c, char *line, const char *where, struct err *e)
{
    char *name = line, *val = line;
    while (*val && !isspace((unsigned char)*val))
        val++;
    if (*val)
        *val++ = '\0';
    while (isspace((unsigned char)*val))
        val++;
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (strcmp(settings[i].name, name) != 0)
            continue;
        double v;
        if (parse_number(val, &v) != URS_OK || v < settings[i].min || v > settings[i].max)
            return err_set(e, URS_EPARSE, "%s: setting %s: '%s' is not a number in %g..%g", where,
                           name, val, settings[i].min, settings[i].max);
        *(double *)(void *)((char *)&c->set + settings[i].offset) = v;
        return URS_OK;
    }
    return err_set(e, URS_EPARSE, "%s: unknown setting '%s'", where, name);
}

/* ---- rule lines ---- */

static int parse_zones(const char *s, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bits;
    } zones[] = {{"title", Z_TITLE},
                 {"loc", Z_LOC},
                 {"head", Z_HEAD},
                 {"body", Z_BODY},
                 {"hint", Z_HINT},
                 {"url", Z_URL},
                 {"text", Z_TITLE | Z_LOC | Z_BODY},
                 {"any", Z_TITLE | Z_LOC | Z_BODY | Z_HINT | Z_URL}};
    unsigned bits = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        size_t i = 0;
        for (; i < sizeof zones / sizeof zones[0]; i++)
            if (strlen(zones[i].name) == n && strncmp(zones[i].name, s, n) == 0)
                break;
        if (i == sizeof zones / sizeof zones[0])
            return URS_EINVAL;
        bits |= zones[i].bits;
        s += n;
        if (*s == ',')
            s++;
    }
    *out = bits;
    return bits ? URS_OK : URS_EINVAL;
}

static int add_rule(struct classifier *c, const struct rule *r, struct err *e)
{
    if (c->rules_len >= MAX_RULES)
        return err_set(e, URS_ELIMIT, "%s:%u: more than %d rules", r->file, r->line, MAX_RULES);
    struct rule *rules = realloc(c->rules, (c->rules_len + 1) * sizeof *rules);
    if (!rules)
        return err_set(e, URS_ENOMEM, "%s:%u: out of memory", r->file, r->line);
    c->rules = rules;
    c->rules[c->rules_len++] = *r;
    return URS_OK;
}

static int compile_regex(struct classifier *c, struct rule *r, const char *src, struct err *e)
{
    int code;
    PCRE2_SIZE at;
    uint32_t opts = r->flags & PF_CASE ? 0 : PCRE2_CASELESS;
    r->re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts, &code, &at, NULL);
    if (!r->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        return err_set(e, URS_EPARSE, "%s:%u: regex error at column %zu: %s", r->file, r->line,
                       (size_t)at + 1, (const char *)msg);
    }
    /* JIT code reads ahead of the subject in whole words, which memcheck reports as use of
     * uninitialised bytes (the unused tail of an sbuf); under valgrind the interpreter runs,
     * so memcheck sees real errors only. Without JIT the matches are the same, slower. */
#ifdef URS_HAVE_VALGRIND_H
    if (!RUNNING_ON_VALGRIND)
#endif
        (void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    /* A regex whose matches all start with one byte cannot match a text without it; a letter
     * may match in either case and is in nearly every text, so only other bytes are kept. */
    uint32_t first_type = 0, first_unit = 0;
    r->first_byte = -1;
    if (pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTCODETYPE, &first_type) == 0 &&
        first_type == 1 && pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTCODEUNIT, &first_unit) == 0 &&
        first_unit < 256 && !((first_unit | 0x20) >= 'a' && (first_unit | 0x20) <= 'z'))
        r->first_byte = (int)first_unit;
    size_t *rx = realloc(c->regex, (c->regex_len + 1) * sizeof *rx);
    if (!rx) {
        pcre2_code_free(r->re);
        r->re = NULL;
        return err_set(e, URS_ENOMEM, "%s:%u: out of memory", r->file, r->line);
    }
    c->regex = rx;
    c->regex[c->regex_len++] = c->rules_len;
    return add_rule(c, r, e);
}

/* ---- phrase expansion: "licen(s|c)e(d|)" -> license, licensed, licence, licenced ---- */

struct expand {
    struct classifier *c;
    const struct rule *r;
    unsigned flags;
    size_t made;
    struct err *e;
};

static bool is_sep(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '-' || ch == '_' || ch == ':';
}

/* Fold one expansion to the automaton's form and add it as a pattern. */
static int emit(struct expand *x, const char *s, size_t n)
{
    char buf[MAX_PHRASE + 1];
    size_t len = 0;
    bool sep = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\\' && i + 1 < n) {
            ch = s[++i];
        } else if (ch == '*' || ch == '?' || ch == '$' || ch == '^' || ch == '=') {
            return err_set(x->e, URS_EPARSE,
                           "%s:%u: '%c' inside a phrase (\"*\" only ends a phrase; write an "
                           "optional part as \"(s|)\"; quote a literal with \\)",
                           x->r->file, x->r->line, ch);
        } else if (is_sep(ch)) {
            sep = len > 0;
            continue;
        }
        if (len + 2 > MAX_PHRASE)
            return err_set(x->e, URS_EPARSE, "%s:%u: phrase longer than %d bytes", x->r->file,
                           x->r->line, MAX_PHRASE);
        if (sep)
            buf[len++] = ' ';
        sep = false;
        buf[len++] = ch;
    }
    if (len == 0)
        return err_set(x->e, URS_EPARSE, "%s:%u: empty phrase", x->r->file, x->r->line);
    if (++x->made > MAX_EXPANSIONS || x->c->pats_len >= MAX_PATTERNS)
        return err_set(x->e, URS_ELIMIT, "%s:%u: phrase expands to too many alternatives",
                       x->r->file, x->r->line);
    struct pattern *pats = realloc(x->c->pats, (x->c->pats_len + 1) * sizeof *pats);
    if (!pats)
        return err_set(x->e, URS_ENOMEM, "%s:%u: out of memory", x->r->file, x->r->line);
    x->c->pats = pats;
    struct pattern *p = &pats[x->c->pats_len];
    p->rule = (uint32_t)x->c->rules_len;
    p->len = (uint32_t)len;
    p->flags = x->flags;
    p->exact = strndup(buf, len);
    if (!p->exact)
        return err_set(x->e, URS_ENOMEM, "%s:%u: out of memory", x->r->file, x->r->line);
    x->c->pats_len++;
    return URS_OK;
}

/* Index of the ')' closing the '(' at s[open], or n when unbalanced. */
static size_t group_end(const char *s, size_t n, size_t open)
{
    int depth = 0;
    for (size_t i = open; i < n; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            return i;
    }
    return n;
}

/* Index of the next top-level '|' in s[from..n), or n. */
static size_t next_bar(const char *s, size_t n, size_t from)
{
    for (size_t i = from; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '(')
            i = group_end(s, n, i);
        else if (s[i] == '|')
            return i;
    }
    return n;
}

static int expand_seq(struct expand *x, const char *s, size_t n);

/* Expand each alternative of the group s[open..close] followed by the rest s[close+1..n). */
static int expand_group(struct expand *x, const char *s, size_t n, size_t open, size_t close)
{
    char buf[4 * MAX_PHRASE];
    for (size_t a = open + 1; a <= close;) {
        size_t b = next_bar(s, close, a);
        size_t len = open + (b - a) + (n - close - 1);
        if (len >= sizeof buf)
            return err_set(x->e, URS_EPARSE, "%s:%u: phrase too long", x->r->file, x->r->line);
        memcpy(buf, s, open);
        memcpy(buf + open, s + a, b - a);
        memcpy(buf + open + (b - a), s + close + 1, n - close - 1);
        int rc = expand_seq(x, buf, len);
        if (rc != URS_OK)
            return rc;
        a = b + 1;
    }
    return URS_OK;
}

static int expand_seq(struct expand *x, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (s[i] == ')' || s[i] == '|') {
            return err_set(x->e, URS_EPARSE, "%s:%u: unexpected '%c'", x->r->file, x->r->line,
                           s[i]);
        } else if (s[i] == '(') {
            size_t close = group_end(s, n, i);
            if (close == n)
                return err_set(x->e, URS_EPARSE, "%s:%u: unbalanced '('", x->r->file, x->r->line);
            return expand_group(x, s, n, i, close);
        }
    }
    return emit(x, s, n);
}

/* One top-level alternative: strip its =, ^, $ and * markers, then expand its groups. */
static int expand_alternative(struct expand *x, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    x->flags = 0;
    if ((n >= 3 && strncmp(s, "re:", 3) == 0) || (n >= 4 && strncmp(s, "=re:", 4) == 0))
        return err_set(x->e, URS_EPARSE, "%s:%u: a regex must be the whole pattern, not one of "
                       "its '|' alternatives", x->r->file, x->r->line);
    for (; n && (*s == '=' || *s == '^'); s++, n--)
        x->flags |= *s == '=' ? PF_CASE : PF_BOL;
    for (; n && (s[n - 1] == '$' || s[n - 1] == '*') && (n < 2 || s[n - 2] != '\\'); n--)
        x->flags |= s[n - 1] == '$' ? PF_EOL : PF_PREFIX;
    if (n == 0)
        return err_set(x->e, URS_EPARSE, "%s:%u: empty phrase", x->r->file, x->r->line);
    return expand_seq(x, s, n);
}

static int add_phrases(struct classifier *c, struct rule *r, const char *src, struct err *e)
{
    struct expand x = {c, r, 0, 0, e};
    size_t n = strlen(src);
    for (size_t a = 0; a <= n;) {
        size_t b = next_bar(src, n, a);
        int rc = expand_alternative(&x, src + a, b - a);
        if (rc != URS_OK)
            return rc;
        a = b + 1;
    }
    return add_rule(c, r, e);
}

/* "ZONES WEIGHT PATTERN" under [tag value]. */
static int parse_rule(struct classifier *c, struct rule *r, char *line, struct err *e)
{
    char *zones = line, *weight, *pat;
    weight = zones + strcspn(zones, " \t");
    if (*weight)
        *weight++ = '\0';
    weight += strspn(weight, " \t");
    pat = weight + strcspn(weight, " \t");
    if (*pat)
        *pat++ = '\0';
    pat += strspn(pat, " \t");
    if (parse_zones(zones, &r->zones) != URS_OK)
        return err_set(e, URS_EPARSE,
                       "%s:%u: unknown zone '%s' (title, loc, head, body, hint, url, text, any)",
                       r->file, r->line, zones);
    if (parse_number(weight, &r->weight) != URS_OK || fabs(r->weight) > 1000)
        return err_set(e, URS_EPARSE, "%s:%u: weight '%s' is not a number in -1000..1000", r->file,
                       r->line, weight);
    if (!*pat)
        return err_set(e, URS_EPARSE, "%s:%u: missing phrase after the weight", r->file, r->line);
    r->flags = 0;
    r->re = NULL;
    if (strncmp(pat, "re:", 3) == 0 || strncmp(pat, "=re:", 4) == 0) {
        r->flags = *pat == '=' ? PF_CASE : 0;
        return compile_regex(c, r, pat + (*pat == '=' ? 4 : 3), e);
    }
    return add_phrases(c, r, pat, e);
}

/* "[tag value]" or "[settings]"; sets *cur. */
static int parse_section(char *line, struct rule *cur, bool *in_settings, struct err *e)
{
    size_t n = strlen(line);
    if (n < 2 || line[n - 1] != ']')
        return err_set(e, URS_EPARSE, "%s:%u: section header must end with ']'", cur->file,
                       cur->line);
    line[n - 1] = '\0';
    char *tag = line + 1, *val = tag + strcspn(tag, " \t");
    if (*val)
        *val++ = '\0';
    val += strspn(val, " \t");
    *in_settings = strcmp(tag, "settings") == 0;
    if (*in_settings)
        return *val ? err_set(e, URS_EPARSE, "%s:%u: [settings] takes no value", cur->file,
                              cur->line)
                    : URS_OK;
    int t = find_name(tag_names, CT_COUNT, strcmp(tag, "license") == 0 ? "licence" : tag);
    if (t < 0)
        return err_set(e, URS_EPARSE, "%s:%u: unknown section '%s'", cur->file, cur->line, tag);
    int v = ctag_value_parse((enum ctag)t, val);
    if (v < 0 || v >= CT_MAX_VALUES)
        return err_set(e, URS_EPARSE, "%s:%u: unknown value '%s' for [%s]", cur->file, cur->line,
                       val, tag);
    cur->tag = (enum ctag)t;
    cur->value = v;
    return URS_OK;
}

static int parse_line(struct classifier *c, char *line, struct rule *cur, bool *have_section,
                      bool *in_settings, struct err *e)
{
    char where[300];
    while (isspace((unsigned char)*line))
        line++;
    size_t n = strlen(line);
    while (n && isspace((unsigned char)line[n - 1]))
        line[--n] = '\0';
    if (!*line || *line == '#')
        return URS_OK;
    if (*line == '[') {
        int rc = parse_section(line, cur, in_settings, e);
        *have_section = rc == URS_OK;
        return rc;
    }
    if (!*have_section)
        return err_set(e, URS_EPARSE, "%s:%u: rule before any [section]", cur->file, cur->line);
    if (*in_settings) {
        snprintf(where, sizeof where, "%s:%u", cur->file, cur->line);
        return parse_setting(c, line, where, e);
    }
    struct rule r = *cur;
    return parse_rule(c, &r, line, e);
}

int rules_parse(struct classifier *c, const char *file, const char *text, size_t len, struct err *e)
{
    char **files = realloc(c->files, (c->files_len + 1) * sizeof *files);
    if (!files)
        return err_set(e, URS_ENOMEM, "%s: out of memory", file);
    c->files = files;
    c->files[c->files_len] = strdup(file);
    if (!c->files[c->files_len])
        return err_set(e, URS_ENOMEM, "%s: out of memory", file);
    struct rule cur = {.file = c->files[c->files_len++]};
    bool have_section = false, in_settings = false;
    char line[URS_MAX_CONFIG_LINE];
    for (size_t at = 0; at < len;) {
        size_t n = 0;
        while (at + n < len && text[at + n] != '\n')
            n++;
        cur.line++;
        if (n >= sizeof line)
            return err_set(e, URS_EPARSE, "%s:%u: line longer than %zu bytes", file, cur.line,
                           sizeof line - 1);
        if (memchr(text + at, '\0', n))
            return err_set(e, URS_EPARSE, "%s:%u: NUL byte in a rules file", file, cur.line);
        memcpy(line, text + at, n);
        line[n] = '\0';
        int rc = parse_line(c, line, &cur, &have_section, &in_settings, e);
        if (rc != URS_OK)
            return rc;
        at += n + 1;
    }
    return URS_OK;
}

void rules_free(struct classifier *c)
{
    for (size_t i = 0; i < c->rules_len; i++)
        pcre2_code_free(c->rules[i].re);
    free(c->rules);
    for (size_t i = 0; i < c->pats_len; i++)
        free(c->pats[i].exact);
    free(c->pats);
    free(c->regex);
    for (size_t i = 0; i < c->files_len; i++)
        free(c->files[i]);
    free(c->files);
}
