/* SPDX-License-Identifier: MIT */
/* The INI reader: libinih fed line by line, so every error has its file:line and its line. */
#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/utf8.h"
#include "config/config_int.h"

enum sec_state { SEC_NONE, SEC_GLOBAL, SEC_SOURCE, SEC_SKIP };

struct load_ctx {
    struct config *cfg;
    int *global_lines;
    struct config_src_list *sources;
    const char *file;
    bool bundled;
    struct config_errs *errs;
    int first_code;
    /* the reader */
    const char *data;
    size_t len, pos;
    int lineno;
    const char *line; /* the line being handled, without its line break */
    size_t line_len;
    /* the section being read */
    enum sec_state state;
    const char *section; /* a config_sections entry */
    size_t src;
};

#define MAX_LOGGED_ERRORS 20

void config_errs_add(struct config_errs *errs, int code, const char *file, int line,
                     const char *option, const char *echo, size_t echo_len, const char *fmt, ...)
{
    char reason[192], msg[sizeof errs->e->msg];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    char where[32] = "";
    if (line > 0)
        (void)snprintf(where, sizeof where, ":%d", line);
    int n = snprintf(msg, sizeof msg, "%s%s: %s%s%s", file, where, option ? option : "",
                     option ? ": " : "", reason);
    if (echo && n > 0 && (size_t)n < sizeof msg) {
        /* Echo as much of the line as fits, cut on a character boundary. */
        size_t room = sizeof msg - (size_t)n - sizeof "\n  >>> ''...";
        size_t take = echo_len > room ? utf8_boundary(echo, echo_len, room) : echo_len;
        (void)snprintf(msg + n, sizeof msg - (size_t)n, "\n  >>> '%.*s'%s", (int)take, echo,
                       take < echo_len ? "..." : "");
    }
    if (errs->count == 0)
        (void)err_set(errs->e, code, "%s", msg);
    else if (errs->count < MAX_LOGGED_ERRORS)
        log_error("config: also %s", msg);
    errs->count++;
}

/* An error about the line being read. */
static void line_error(struct load_ctx *c, int code, const char *option, bool echo, const char *fmt,
                       ...) URS_PRINTF(5, 6);
static void line_error(struct load_ctx *c, int code, const char *option, bool echo, const char *fmt,
                       ...)
{
    char reason[192];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (c->first_code == URS_OK)
        c->first_code = code;
    config_errs_add(c->errs, code, c->file, c->lineno, option, echo ? c->line : NULL, c->line_len,
                    "%s", reason);
}

/* As line_error, echoing "name = ********" instead of the line (it may hold a secret). */
static void masked_error(struct load_ctx *c, const char *name, const char *fmt, ...)
    URS_PRINTF(3, 4);
static void masked_error(struct load_ctx *c, const char *name, const char *fmt, ...)
{
    char reason[192], echo[96];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    int n = snprintf(echo, sizeof echo, "%.60s = ********", name);
    if (c->first_code == URS_OK)
        c->first_code = URS_EPARSE;
    config_errs_add(c->errs, URS_EPARSE, c->file, c->lineno, name, echo, n > 0 ? strlen(echo) : 0,
                    "%s", reason);
}

/* `source "name"` (inner text of the brackets, trimmed): the name, or NULL after an error. */
static const char *source_name(struct load_ctx *c, const char *inner, size_t len, char *buf,
                               size_t size)
{
    const char *p = inner + 6, *end = inner + len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    const char *close = p < end && *p == '"' ? memchr(p + 1, '"', (size_t)(end - p - 1)) : NULL;
    if (!close || close + 1 != end) {
        line_error(c, URS_EPARSE, NULL, true, "write a source section as [source \"name\"]");
        return NULL;
    }
    size_t n = (size_t)(close - p - 1);
    if (n >= size) {
        line_error(c, URS_EPARSE, NULL, true, "source name longer than %d bytes",
                   CONFIG_MAX_SOURCE_NAME);
        return NULL;
    }
    memcpy(buf, p + 1, n);
    buf[n] = '\0';
    const char *why = config_check_source_name(buf);
    if (why) {
        line_error(c, URS_EPARSE, NULL, true, "%s", why);
        return NULL;
    }
    return buf;
}

static void open_source(struct load_ctx *c, const char *inner, size_t len)
{
    char name[CONFIG_MAX_SOURCE_NAME + 2];
    if (!source_name(c, inner, len, name, sizeof name))
        return;
    size_t dup = config_src_list_find(c->sources, name);
    if (dup != (size_t)-1) {
        const struct config_source *s = &c->sources->v[dup];
        line_error(c, URS_EPARSE, NULL, true, "source \"%s\" defined twice (first at %s:%d)", name,
                   s->file, s->line);
        return;
    }
    int rc = config_src_list_add(c->sources, name, c->file, c->lineno, c->bundled);
    if (rc == URS_ELIMIT)
        line_error(c, rc, NULL, false, "more than %d sources", CONFIG_MAX_SOURCES);
    else if (rc != URS_OK)
        line_error(c, rc, NULL, false, "%s", err_name(rc));
    else {
        c->state = SEC_SOURCE;
        c->src = c->sources->len - 1;
    }
}

/* A section header: inner is the text between the brackets. */
static void open_section(struct load_ctx *c, const char *inner, size_t len)
{
    while (len && isspace((unsigned char)*inner))
        inner++, len--;
    while (len && isspace((unsigned char)inner[len - 1]))
        len--;
    c->state = SEC_SKIP;
    if (len >= 6 && strncmp(inner, "source", 6) == 0 &&
        (len == 6 || inner[6] == ' ' || inner[6] == '\t' || inner[6] == '"')) {
        open_source(c, inner, len);
        return;
    }
    for (size_t i = 0; i < config_sections_len; i++) {
        if (strlen(config_sections[i]) != len || strncmp(config_sections[i], inner, len) != 0)
            continue;
        if (!c->global_lines) {
            line_error(c, URS_EPARSE, NULL, true,
                       "only [source \"name\"] sections belong in a bundled file");
            return;
        }
        c->state = SEC_GLOBAL;
        c->section = config_sections[i];
        return;
    }
    char name[64];
    (void)snprintf(name, sizeof name, "%.*s", (int)len, inner);
    const char *hint = config_suggest_section(name);
    line_error(c, URS_EPARSE, NULL, true, "unknown section [%s]%s%s%s", name,
               hint ? " (did you mean [" : "", hint ? hint : "", hint ? "]?)" : "");
}

/* The first byte offset of invalid UTF-8 or a control character, or len. */
static size_t bad_byte(const char *s, size_t len, bool *utf8_bad)
{
    for (size_t i = 0; i < len;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80) {
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                *utf8_bad = false;
                return i;
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (cp == 0xFFFD && !(n == 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0)) {
            *utf8_bad = true;
            return i;
        }
        i += n;
    }
    return len;
}

/* Check the line just read; false when it must not reach the parser (an error was made). */
static bool check_line(struct load_ctx *c)
{
    const char *s = c->line;
    size_t len = c->line_len;
    if (len > URS_MAX_CONFIG_LINE) {
        line_error(c, URS_ELIMIT, NULL, false, "line longer than %d bytes", URS_MAX_CONFIG_LINE);
        return false;
    }
    bool utf8_bad = false;
    size_t at = bad_byte(s, len, &utf8_bad);
    if (at < len) {
        if (utf8_bad)
            line_error(c, URS_EPARSE, NULL, false, "invalid UTF-8 at byte %zu", at + 1);
        else
            line_error(c, URS_EPARSE, NULL, false, "control character 0x%02x at byte %zu",
                       (unsigned)(unsigned char)s[at], at + 1);
        return false;
    }
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len || s[i] == ';' || s[i] == '#')
        return true;
    if (s[i] == '[') {
        const char *close = memchr(s + i, ']', len - i);
        const char *rest = close ? close + 1 : NULL;
        while (rest && rest < s + len && (*rest == ' ' || *rest == '\t'))
            rest++;
        c->state = SEC_SKIP; /* until a good header: no cascade of errors */
        if (!close)
            line_error(c, URS_EPARSE, NULL, true, "missing ']' in section header");
        else if (rest != s + len)
            line_error(c, URS_EPARSE, NULL, true, "text after ']' in section header");
        else
            open_section(c, s + i + 1, (size_t)(close - s - i - 1));
        return close && rest == s + len;
    }
    if (!memchr(s, '=', len) && !memchr(s, ':', len)) {
        line_error(c, URS_EPARSE, NULL, true, "expected 'key = value', a [section] or a comment");
        return false;
    }
    return true;
}

/* ini_reader: hands libinih one line at a time and remembers which. */
static char *read_line(char *str, int num, void *stream)
{
    struct load_ctx *c = stream;
    if (c->pos >= c->len || num < 2)
        return NULL;
    const char *start = c->data + c->pos;
    const char *nl = memchr(start, '\n', c->len - c->pos);
    size_t raw = nl ? (size_t)(nl - start) + 1 : c->len - c->pos;
    c->pos += raw;
    c->lineno++;
    c->line = start;
    c->line_len = nl ? raw - 1 : raw;
    if (c->line_len && start[c->line_len - 1] == '\r')
        c->line_len--;
    bool ok = check_line(c);
    if (ok && raw + 1 > (size_t)num) {
        line_error(c, URS_ELIMIT, NULL, false, "line too long for the INI parser");
        ok = false;
    }
    if (!ok) {
        memcpy(str, "\n", 2); /* the error is recorded; the parser sees a blank line */
        return str;
    }
    memcpy(str, start, raw);
    str[raw] = '\0';
    return str;
}

/* A key name that suggests its value is secret, so it must not be echoed. */
static bool looks_secret(const char *name)
{
    static const char *const hints[] = {"pass", "secret", "token", "key", "pwd", NULL};
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, "_file") == 0)
        return false;
    for (size_t i = 0; hints[i]; i++)
        if (strcasestr(name, hints[i]))
            return true;
    return false;
}

static void unknown_key(struct load_ctx *c, const char *section, const char *name)
{
    static const struct {
        const char *section, *name, *use;
    } plain_secrets[] = {
        {"smtp", "password", "password_file or the URSCOUT_SMTP_PASSWORD environment variable"},
        {"delivery", "hmac_key", "hmac_key_file or the URSCOUT_HMAC_KEY environment variable"},
        {"source", "api_key", "api_key_file or the URSCOUT_USAJOBS_KEY environment variable"},
    };
    for (size_t i = 0; i < sizeof plain_secrets / sizeof plain_secrets[0]; i++)
        if (strcmp(section, plain_secrets[i].section) == 0 &&
            strcmp(name, plain_secrets[i].name) == 0) {
            masked_error(c, name, "secrets never go in the config file: use %s",
                         plain_secrets[i].use);
            return;
        }
    const char *elsewhere = NULL;
    for (size_t i = 0; i < config_options_len && !elsewhere; i++)
        if (strcmp(config_options[i].name, name) == 0)
            elsewhere = config_options[i].section;
    const char *hint = config_suggest_key(section, name);
    char what[160];
    if (elsewhere)
        (void)snprintf(what, sizeof what, "unknown key in [%s]; it belongs in [%s]", section,
                       elsewhere);
    else if (hint)
        (void)snprintf(what, sizeof what, "unknown key in [%s] (did you mean '%s'?)", section,
                       hint);
    else
        (void)snprintf(what, sizeof what,
                       "unknown key in [%s] (urscout config defaults lists "
                       "them all)",
                       section);
    if (looks_secret(name))
        masked_error(c, name, "%s", what);
    else
        line_error(c, URS_EPARSE, name, true, "%s", what);
}

/* Drop one pair of double quotes around the whole value: *copy is malloc'd when needed. */
static int unquote(const char *value, char **copy, const char **out)
{
    size_t n = strlen(value);
    *copy = NULL;
    *out = value;
    if (n < 2 || value[0] != '"' || value[n - 1] != '"')
        return URS_OK;
    if (!(*copy = strndup(value + 1, n - 2)))
        return URS_ENOMEM;
    *out = *copy;
    return URS_OK;
}

/* ini_handler: one "name = value" of the current line. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *c = user;
    (void)section; /* the section is tracked by check_line, which saw the raw header */
    if (c->state == SEC_SKIP)
        return 1;
    if (c->state == SEC_NONE) {
        line_error(c, URS_EPARSE, name, true,
                   "key before any section (start with [general], "
                   "[crawl], ... or [source \"name\"])");
        return 0;
    }
    if (*name == '\0') {
        line_error(c, URS_EPARSE, NULL, true, "missing key name before '='");
        return 0;
    }
    bool is_src = c->state == SEC_SOURCE;
    const char *sec = is_src ? "source" : c->section;
    const struct config_option *opt = config_option_find(sec, name);
    if (!opt) {
        unknown_key(c, sec, name);
        return 0;
    }
    size_t idx = config_option_index(opt);
    int *set_at = is_src ? &config_src_list_lines(c->sources, c->src)[idx] : &c->global_lines[idx];
    if (*set_at) {
        line_error(c, URS_EPARSE, name, true, "set twice (first on line %d)", *set_at);
        return 0;
    }
    char why_buf[160], *copy;
    const char *why = NULL, *plain;
    int rc = unquote(value, &copy, &plain);
    if (rc == URS_OK) {
        void *base = is_src ? (void *)&c->sources->v[c->src] : (void *)c->cfg;
        rc = config_option_set(opt, base, plain, why_buf, sizeof why_buf, &why);
    }
    free(copy);
    if (rc != URS_OK) {
        line_error(c, rc, name, true, "%s", why ? why : err_name(rc));
        return 0;
    }
    *set_at = c->lineno;
    return 1;
}

/* libinih's process-wide knobs (Debian builds them as variables): set ours, then restore. */
struct ini_knobs {
    bool multiline, inline_comments, bom, use_stack, realloc_ok, stop_first, no_value;
    int max_line, initial_alloc;
    char *start_prefixes;
};

static void knobs_swap(struct ini_knobs *k)
{
    struct ini_knobs old = {
        ini_allow_multiline, ini_allow_inline_comments, ini_allow_bom,      ini_use_stack,
        ini_allow_realloc,   ini_stop_on_first_error,   ini_allow_no_value, ini_max_line,
        ini_initial_alloc,   ini_start_comment_prefixes};
    ini_allow_multiline = k->multiline;
    ini_allow_inline_comments = k->inline_comments;
    ini_allow_bom = k->bom;
    ini_use_stack = k->use_stack;
    ini_allow_realloc = k->realloc_ok;
    ini_stop_on_first_error = k->stop_first;
    ini_allow_no_value = k->no_value;
    ini_max_line = k->max_line;
    ini_initial_alloc = k->initial_alloc;
    ini_start_comment_prefixes = k->start_prefixes;
    *k = old;
}

int config_parse_text(struct config *cfg, int *global_lines, struct config_src_list *list,
                      const char *name, const char *text, size_t len, bool bundled,
                      struct config_errs *errs)
{
    static char comment_prefixes[] = ";#";
    struct load_ctx c = {.cfg = cfg,
                         .global_lines = global_lines,
                         .sources = list,
                         .file = name,
                         .bundled = bundled,
                         .errs = errs,
                         .data = text,
                         .len = len,
                         .state = SEC_NONE};
    if (len > (size_t)URS_MAX_CONFIG_FILE) {
        config_errs_add(errs, URS_ELIMIT, name, 0, NULL, NULL, 0, "larger than %d bytes",
                        URS_MAX_CONFIG_FILE);
        return URS_ELIMIT;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        c.pos = 3; /* a UTF-8 byte order mark */
    /* No continuation lines, no inline comments ("a; b" is a list), lines up to our limit. */
    struct ini_knobs k = {.use_stack = false,
                          .realloc_ok = true,
                          .max_line = URS_MAX_CONFIG_LINE + 8,
                          .initial_alloc = URS_MAX_CONFIG_LINE + 8,
                          .start_prefixes = comment_prefixes};
    knobs_swap(&k);
    int bad_line = ini_parse_stream(read_line, &c, on_key, &c);
    knobs_swap(&k);
    if (bad_line == -2)
        return err_set(errs->e, URS_ENOMEM, "%s: out of memory", name);
    if (bad_line != 0 && c.first_code == URS_OK) {
        /* libinih saw a problem our own checks missed: still report it with its line. */
        c.first_code = URS_EPARSE;
        config_errs_add(errs, URS_EPARSE, name, bad_line, NULL, NULL, 0, "syntax error");
    }
    return c.first_code;
}
