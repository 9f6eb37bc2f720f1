/* SPDX-License-Identifier: MIT */
/* The value types of the option table: text to field, field to text, and the validators. */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/text.h"
#include "config/config_int.h"

#define FIELD(base, opt, type)  ((type *)(void *)((char *)(base) + (opt)->offset))
#define CFIELD(base, opt, type) ((const type *)(const void *)((const char *)(base) + (opt)->offset))
#define LEN_FIELD(base, opt)    ((size_t *)(void *)((char *)(base) + (opt)->len_offset))
#define CLEN_FIELD(base, opt)                                                                      \
    ((const size_t *)(const void *)((const char *)(base) + (opt)->len_offset))

#define KIB 1024LL
#define MIB (1024LL * KIB)
#define GIB (1024LL * MIB)

/* Parse digits at *p into *out; false when none or over LLONG_MAX. Advances *p. */
static bool take_digits(const char **p, long long *out)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s))
        return false;
    long long v = 0;
    for (; isdigit((unsigned char)*s); s++) {
        int d = *s - '0';
        if (v > (LLONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return true;
}

/* A whole decimal number, optionally negative, and nothing else. */
static bool parse_whole(const char *s, long long *out)
{
    bool neg = *s == '-';
    const char *p = neg ? s + 1 : s;
    long long v;
    if (!take_digits(&p, &v) || *p != '\0')
        return false;
    *out = neg ? -v : v;
    return true;
}

struct unit {
    const char *name;
    long long factor;
};

/* "1h30m", "500ms", "6h", "0": milliseconds. Returns NULL or the reason. */
static const char *parse_duration(const char *s, long long *ms)
{
    static const struct unit units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return NULL;
    }
    long long total = 0;
    for (const char *p = s; *p;) {
        long long n;
        if (!take_digits(&p, &n))
            return isdigit((unsigned char)*p) ? "too large"
                                              : "expected a duration such as 500ms, 30s, 15m, "
                                                "6h or 1d";
        size_t len = 0;
        while (isalpha((unsigned char)p[len]))
            len++;
        const struct unit *u = NULL;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].name) == len && strncmp(p, units[i].name, len) == 0)
                u = &units[i];
        if (!u)
            return "needs a unit: ms, s, m, h or d (e.g. 30s, 15m, 6h, 1d)";
        if (n > (LLONG_MAX - total) / u->factor)
            return "too large";
        total += n * u->factor;
        p += len;
    }
    *ms = total;
    return NULL;
}

/* "8M", "512K", "1G", "65536": bytes. Returns NULL or the reason. */
static const char *parse_size(const char *s, long long *bytes)
{
    static const struct unit units[] = {{"", 1},      {"B", 1},     {"K", KIB},
                                        {"k", KIB},   {"KiB", KIB}, {"M", MIB},
                                        {"MiB", MIB}, {"G", GIB},   {"GiB", GIB}};
    const char *p = s;
    long long n;
    if (!take_digits(&p, &n))
        return isdigit((unsigned char)*p) ? "too large"
                                          : "expected a size such as 65536, 512K, 8M or 1G";
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].name) != 0)
            continue;
        if (n > LLONG_MAX / units[i].factor)
            return "too large";
        *bytes = n * units[i].factor;
        return NULL;
    }
    return "unknown size suffix (use K, M or G, 1024-based)";
}

void config_format_duration(int64_t value, bool ms, char *buf, size_t size)
{
    static const struct unit units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
    if (!ms && value > LLONG_MAX / 1000) {
        (void)snprintf(buf, size, "%llds", (long long)value);
        return;
    }
    long long v = ms ? (long long)value : (long long)value * 1000;
    if (v == 0) {
        (void)snprintf(buf, size, "0");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (v % units[i].factor == 0) {
            (void)snprintf(buf, size, "%lld%s", v / units[i].factor, units[i].name);
            return;
        }
    }
    (void)snprintf(buf, size, "%lldms", v);
}

static void format_size(long long v, char *buf, size_t size)
{
    if (v != 0 && v % GIB == 0)
        (void)snprintf(buf, size, "%lldG", v / GIB);
    else if (v != 0 && v % MIB == 0)
        (void)snprintf(buf, size, "%lldM", v / MIB);
    else if (v != 0 && v % KIB == 0)
        (void)snprintf(buf, size, "%lldK", v / KIB);
    else
        (void)snprintf(buf, size, "%lld", v);
}

/* One DNS label run: letters, digits, '-' and dots, labels of 1..63 bytes. */
static bool is_hostname(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum(c) && c != '-')
            return false;
        if (label == 0 && c == '-')
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && s[n - 1] != '-';
}

static bool all_digits_and_dots(const char *s)
{
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != '.')
            return false;
    return true;
}

const char *config_check_host(const char *value)
{
    unsigned char addr[16];
    char inner[64];
    size_t n = strlen(value);
    if (inet_pton(AF_INET, value, addr) == 1 || inet_pton(AF_INET6, value, addr) == 1)
        return NULL;
    if (n > 2 && n < sizeof inner && value[0] == '[' && value[n - 1] == ']') {
        memcpy(inner, value + 1, n - 2);
        inner[n - 2] = '\0';
        return inet_pton(AF_INET6, inner, addr) == 1 ? NULL : "not a valid IPv6 address";
    }
    if (all_digits_and_dots(value))
        return "not a valid IPv4 address";
    return is_hostname(value) ? NULL : "not a valid host name or IP address";
}

const char *config_check_email(const char *value)
{
    static const char specials[] = "()<>[]\\,;:\"@";
    const char *at = strrchr(value, '@');
    if (strlen(value) > URS_MAX_EMAIL)
        return "longer than 254 bytes";
    if (!at || at == value || at[1] == '\0')
        return "must look like name@example.org";
    size_t local = (size_t)(at - value);
    if (local > URS_MAX_EMAIL_LOCAL)
        return "part before '@' longer than 64 bytes";
    for (size_t i = 0; i < local; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c <= 0x20 || c >= 0x7f || strchr(specials, c))
            return "has a character not allowed before the '@'";
    }
    if (value[0] == '.' || at[-1] == '.' || memmem(value, local, "..", 2))
        return "has a misplaced '.' before the '@'";
    if (!is_hostname(at + 1))
        return "has an invalid domain after the '@'";
    return NULL;
}

const char *config_check_source_name(const char *value)
{
    size_t n = strlen(value);
    if (n == 0)
        return "empty source name";
    if (n > CONFIG_MAX_SOURCE_NAME)
        return "source name longer than 40 bytes";
    for (const char *p = value; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return "a source name may hold only letters, digits, '.', '_' and '-'";
    return NULL;
}

/* The index of value in words (case-insensitive), or -1. */
static int word_index(const char *const *words, const char *value)
{
    for (int i = 0; words[i]; i++)
        if (strcasecmp(words[i], value) == 0)
            return i;
    return -1;
}

static const char *words_reason(const struct config_option *opt, char *buf, size_t size)
{
    struct sbuf b;
    sbuf_init(&b, size);
    int rc = sbuf_puts(&b, "must be one of:");
    for (size_t i = 0; rc == URS_OK && opt->words[i]; i++)
        rc = sbuf_printf(&b, "%s %s", i ? "," : "", opt->words[i]);
    (void)snprintf(buf, size, "%s", rc == URS_OK ? sbuf_str(&b) : "not an allowed word");
    sbuf_free(&b);
    return buf;
}

/* The reason a string value is wrong for its type and check, or NULL. */
static const char *string_reason(const struct config_option *opt, const char *value, char *buf,
                                 size_t size)
{
    if (opt->type == CONFIG_T_URL && !text_url_is_http(value))
        return "must be an absolute http:// or https:// URL";
    if (opt->type == CONFIG_T_EMAIL && config_check_email(value))
        return config_check_email(value);
    if (opt->type == CONFIG_T_WORD && word_index(opt->words, value) < 0)
        return words_reason(opt, buf, size);
    if (opt->type == CONFIG_T_PATH && strlen(value) >= PATH_MAX)
        return "path too long";
    return opt->check ? opt->check(value) : NULL;
}

static int set_string(const struct config_option *opt, void *base, const char *value, char *buf,
                      size_t size, const char **why)
{
    *why = string_reason(opt, value, buf, size);
    if (*why)
        return URS_EINVAL;
    const char *canon = value;
    if (opt->type == CONFIG_T_WORD)
        canon = opt->words[word_index(opt->words, value)];
    char *copy = strdup(canon);
    if (!copy)
        return URS_ENOMEM;
    char **field = FIELD(base, opt, char *);
    free(*field);
    *field = copy;
    return URS_OK;
}

static void free_list(char **items, size_t len)
{
    for (size_t i = 0; i < len; i++)
        free(items[i]);
    free(items);
}

/* Split "a; b; c" into trimmed items; every item non-empty and passing opt->check. */
static int split_list(const struct config_option *opt, const char *value, char ***out,
                      size_t *out_len, char *buf, size_t size, const char **why)
{
    char **items = calloc(CONFIG_MAX_LIST, sizeof *items);
    size_t n = 0;
    int rc = items ? URS_OK : URS_ENOMEM;
    for (const char *p = value; rc == URS_OK;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        while (len && isspace((unsigned char)*p))
            p++, len--;
        if (len == 0) {
            *why = "empty item in the list (items are separated by ';')";
            rc = URS_EINVAL;
        } else if (n == CONFIG_MAX_LIST) {
            *why = "more than 100 items in the list";
            rc = URS_EINVAL;
        } else if (!(items[n] = strndup(p, len))) {
            rc = URS_ENOMEM;
        } else if (opt->check && opt->check(items[n])) {
            (void)snprintf(buf, size, "'%.80s': %s", items[n], opt->check(items[n]));
            *why = buf;
            n++;
            rc = URS_EINVAL;
        } else {
            n++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (rc != URS_OK) {
        free_list(items, n);
        return rc;
    }
    *out = items;
    *out_len = n;
    return URS_OK;
}

static int set_list(const struct config_option *opt, void *base, const char *value, char *buf,
                    size_t size, const char **why)
{
    char **items = NULL;
    size_t n = 0;
    int rc = split_list(opt, value, &items, &n, buf, size, why);
    if (rc != URS_OK)
        return rc;
    free_list(*FIELD(base, opt, char **), *LEN_FIELD(base, opt));
    *FIELD(base, opt, char **) = items;
    *LEN_FIELD(base, opt) = n;
    return URS_OK;
}

static const char *range_reason(const struct config_option *opt, char *buf, size_t size)
{
    char lo[32], hi[32];
    if (opt->type == CONFIG_T_LONG) {
        (void)snprintf(buf, size, "must be a whole number from %lld to %lld", opt->min, opt->max);
        return buf;
    }
    if (opt->type == CONFIG_T_SIZE) {
        format_size(opt->min, lo, sizeof lo);
        format_size(opt->max, hi, sizeof hi);
    } else {
        config_format_duration(opt->min, opt->type == CONFIG_T_MS, lo, sizeof lo);
        config_format_duration(opt->max, opt->type == CONFIG_T_MS, hi, sizeof hi);
    }
    (void)snprintf(buf, size, "must be from %s to %s", lo, hi);
    return buf;
}

/* LONG, SIZE, MS, SECONDS: parse, range-check, store. */
static int set_number(const struct config_option *opt, void *base, const char *value, char *buf,
                      size_t size, const char **why)
{
    long long v = 0;
    if (opt->type == CONFIG_T_LONG) {
        if (!parse_whole(value, &v))
            return *why = range_reason(opt, buf, size), URS_EINVAL;
    } else if (opt->type == CONFIG_T_SIZE) {
        *why = parse_size(value, &v);
    } else {
        *why = parse_duration(value, &v);
        if (!*why && opt->type == CONFIG_T_SECONDS) {
            if (v % 1000 != 0)
                *why = "must be whole seconds";
            v /= 1000;
        }
    }
    if (*why)
        return URS_EINVAL;
    if (v < opt->min || v > opt->max)
        return *why = range_reason(opt, buf, size), URS_EINVAL;
    if (opt->type == CONFIG_T_LONG)
        *FIELD(base, opt, long) = (long)v;
    else
        *FIELD(base, opt, int64_t) = (int64_t)v;
    return URS_OK;
}

static int set_bool(const struct config_option *opt, void *base, const char *value,
                    const char **why)
{
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    if (word_index(yes, value) >= 0)
        *FIELD(base, opt, bool) = true;
    else if (word_index(no, value) >= 0)
        *FIELD(base, opt, bool) = false;
    else
        return *why = "must be yes/no, true/false, on/off or 1/0", URS_EINVAL;
    return URS_OK;
}

int config_option_set(const struct config_option *opt, void *base, const char *value, char *why_buf,
                      size_t why_size, const char **why)
{
    *why = NULL;
    if (*value == '\0')
        return *why = "empty value (remove the line to get the default)", URS_EINVAL;
    switch (opt->type) {
    case CONFIG_T_STRING:
    case CONFIG_T_PATH:
    case CONFIG_T_URL:
    case CONFIG_T_EMAIL:
    case CONFIG_T_WORD:
        return set_string(opt, base, value, why_buf, why_size, why);
    case CONFIG_T_ENUM: {
        int i = word_index(opt->words, value);
        if (i < 0)
            return *why = words_reason(opt, why_buf, why_size), URS_EINVAL;
        *FIELD(base, opt, int) = i;
        return URS_OK;
    }
    case CONFIG_T_BOOL:
        return set_bool(opt, base, value, why);
    case CONFIG_T_LONG:
    case CONFIG_T_SIZE:
    case CONFIG_T_MS:
    case CONFIG_T_SECONDS:
        return set_number(opt, base, value, why_buf, why_size, why);
    case CONFIG_T_LIST:
        return set_list(opt, base, value, why_buf, why_size, why);
    }
    return *why = "unknown option type", URS_EINVAL;
}

/* Quote a string when loading it back would otherwise change it. */
static int format_string(const char *s, struct sbuf *out)
{
    size_t n = strlen(s);
    bool quote = n > 0 && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]) ||
                           (n >= 2 && s[0] == '"' && s[n - 1] == '"'));
    return quote ? sbuf_printf(out, "\"%s\"", s) : sbuf_puts(out, s);
}

int config_option_format(const struct config_option *opt, const void *base, struct sbuf *out)
{
    char buf[64];
    switch (opt->type) {
    case CONFIG_T_ENUM:
        return sbuf_puts(out, opt->words[*CFIELD(base, opt, int)]);
    case CONFIG_T_BOOL:
        return sbuf_puts(out, *CFIELD(base, opt, bool) ? "true" : "false");
    case CONFIG_T_LONG:
        return sbuf_printf(out, "%ld", *CFIELD(base, opt, long));
    case CONFIG_T_SIZE:
        format_size(*CFIELD(base, opt, int64_t), buf, sizeof buf);
        return sbuf_puts(out, buf);
    case CONFIG_T_MS:
    case CONFIG_T_SECONDS:
        config_format_duration(*CFIELD(base, opt, int64_t), opt->type == CONFIG_T_MS, buf,
                               sizeof buf);
        return sbuf_puts(out, buf);
    case CONFIG_T_LIST: {
        char **items;
        memcpy(&items, (const char *)base + opt->offset, sizeof items);
        int rc = URS_OK;
        for (size_t i = 0; rc == URS_OK && i < *CLEN_FIELD(base, opt); i++)
            rc = sbuf_printf(out, "%s%s", i ? "; " : "", items[i]);
        return rc;
    }
    default: {
        const char *s = *CFIELD(base, opt, char *);
        return s ? format_string(s, out) : URS_OK;
    }
    }
}

bool config_option_is_set(const struct config_option *opt, const void *base)
{
    if (opt->type == CONFIG_T_LIST)
        return *CLEN_FIELD(base, opt) > 0;
    switch (opt->type) {
    case CONFIG_T_STRING:
    case CONFIG_T_PATH:
    case CONFIG_T_URL:
    case CONFIG_T_EMAIL:
    case CONFIG_T_WORD:
        return *CFIELD(base, opt, char *) != NULL;
    default:
        return true;
    }
}

static size_t scalar_size(enum config_type type)
{
    switch (type) {
    case CONFIG_T_ENUM:
        return sizeof(int);
    case CONFIG_T_BOOL:
        return sizeof(bool);
    case CONFIG_T_LONG:
        return sizeof(long);
    case CONFIG_T_SIZE:
    case CONFIG_T_MS:
    case CONFIG_T_SECONDS:
        return sizeof(int64_t);
    default:
        return 0;
    }
}

void config_option_clear(const struct config_option *opt, void *base)
{
    if (opt->type == CONFIG_T_LIST) {
        free_list(*FIELD(base, opt, char **), *LEN_FIELD(base, opt));
        *FIELD(base, opt, char **) = NULL;
        *LEN_FIELD(base, opt) = 0;
    } else if (scalar_size(opt->type) == 0) {
        free(*FIELD(base, opt, char *));
        *FIELD(base, opt, char *) = NULL;
    }
}

void config_option_move(const struct config_option *opt, void *dst, void *src)
{
    size_t n = scalar_size(opt->type);
    if (n) {
        memcpy((char *)dst + opt->offset, (char *)src + opt->offset, n);
        return;
    }
    config_option_clear(opt, dst);
    if (opt->type == CONFIG_T_LIST) {
        *FIELD(dst, opt, char **) = *FIELD(src, opt, char **);
        *FIELD(src, opt, char **) = NULL;
        *LEN_FIELD(dst, opt) = *LEN_FIELD(src, opt);
        *LEN_FIELD(src, opt) = 0;
        return;
    }
    *FIELD(dst, opt, char *) = *FIELD(src, opt, char *);
    *FIELD(src, opt, char *) = NULL;
}

int config_options_defaults(enum config_scope scope, void *base, struct err *e)
{
    char buf[128];
    for (size_t i = 0; i < config_options_len; i++) {
        const struct config_option *opt = &config_options[i];
        if (config_option_scope(opt) != scope || !opt->def)
            continue;
        const char *why;
        int rc = config_option_set(opt, base, opt->def, buf, sizeof buf, &why);
        if (rc != URS_OK)
            return err_set(e, rc, "built-in default of %s.%s: %s", opt->section, opt->name,
                           why ? why : err_name(rc));
    }
    return URS_OK;
}
