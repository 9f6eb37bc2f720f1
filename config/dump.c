/* SPDX-License-Identifier: MIT */
/* Printing from the option table: the effective config (secrets masked), defaults and docs. */
#include <stdio.h>
#include <string.h>

#include "common/limits.h"
#include "common/sbuf.h"
#include "config/config_int.h"

#define MASK "********"

static const char *origin_text(enum config_secret_origin origin, const char *path, const char *env,
                               char *buf, size_t size)
{
    if (origin == CONFIG_SECRET_FILE)
        (void)snprintf(buf, size, MASK " (from the file %s)", path ? path : "?");
    else if (origin == CONFIG_SECRET_ENV)
        (void)snprintf(buf, size, MASK " (from the environment variable %s)", env);
    else
        (void)snprintf(buf, size, "(not set)");
    return buf;
}

/* "key = value", or "# key = (not set)" for an unset string or list. */
static void dump_option(FILE *out, const struct config_option *opt, const void *base,
                        bool skip_unset)
{
    struct sbuf b;
    sbuf_init(&b, (size_t)URS_MAX_CONFIG_LINE * 4);
    if (!config_option_is_set(opt, base)) {
        if (!skip_unset)
            (void)fprintf(out, "# %s = (not set)\n", opt->name);
    } else if (config_option_format(opt, base, &b) == URS_OK) {
        (void)fprintf(out, "%s = %s\n", opt->name, sbuf_str(&b));
    } else {
        (void)fprintf(out, "# %s = (too long to show)\n", opt->name);
    }
    sbuf_free(&b);
}

static void dump_global_secrets(FILE *out, const struct config *cfg, const char *section)
{
    char buf[URS_MAX_CONFIG_LINE];
    if (strcmp(section, "smtp") == 0)
        (void)fprintf(out, "# password: %s\n",
                      origin_text(cfg->smtp_password_origin, cfg->smtp_password_file,
                                  "URSCOUT_SMTP_PASSWORD", buf, sizeof buf));
    else if (strcmp(section, "delivery") == 0)
        (void)fprintf(out, "# hmac_key: %s\n",
                      origin_text(cfg->hmac_key_origin, cfg->hmac_key_file, "URSCOUT_HMAC_KEY", buf,
                                  sizeof buf));
}

static void dump_source(FILE *out, const struct config_source *src)
{
    char buf[URS_MAX_CONFIG_LINE];
    const char *file = src->file ? src->file : "?", *note = "";
    if (src->bundled)
        note =
            strncmp(file, "config/sources/", 15) == 0 ? " (bundled)" : " (bundled, changed here)";
    (void)fprintf(out, "\n# %s:%d%s\n[source \"%s\"]\n", file, src->line, note, src->name);
    for (size_t i = 0; i < config_options_len; i++)
        if (config_option_scope(&config_options[i]) == CONFIG_SCOPE_SOURCE)
            dump_option(out, &config_options[i], src, true);
    if (src->api_key_origin != CONFIG_SECRET_NONE)
        (void)fprintf(out, "# api_key: %s\n",
                      origin_text(src->api_key_origin, src->api_key_file, "URSCOUT_USAJOBS_KEY",
                                  buf, sizeof buf));
}

void config_dump(const struct config *cfg, FILE *out)
{
    size_t bundled = 0, disabled = 0;
    for (size_t i = 0; i < cfg->sources_len; i++) {
        bundled += cfg->sources[i].bundled;
        disabled += !cfg->sources[i].enabled;
    }
    (void)fprintf(out, "# urscout effective configuration: %s%s\n",
                  cfg->path ? "from " : "built-in defaults (no config file)",
                  cfg->path ? cfg->path : "");
    (void)fprintf(out, "# %zu sources: %zu bundled, %zu disabled\n", cfg->sources_len, bundled,
                  disabled);
    for (size_t s = 0; s < config_sections_len; s++) {
        const char *section = config_sections[s];
        if (strcmp(section, "source") == 0)
            continue;
        (void)fprintf(out, "\n[%s]\n", section);
        for (size_t i = 0; i < config_options_len; i++)
            if (strcmp(config_options[i].section, section) == 0)
                dump_option(out, &config_options[i], cfg, false);
        dump_global_secrets(out, cfg, section);
    }
    for (size_t i = 0; i < cfg->sources_len; i++)
        dump_source(out, &cfg->sources[i]);
}

/* What values an option takes, e.g. "whole number, 1 to 256". */
static void describe_type(const struct config_option *opt, char *buf, size_t size)
{
    char lo[32], hi[32];
    switch (opt->type) {
    case CONFIG_T_LONG:
        (void)snprintf(buf, size, "whole number, %lld to %lld", opt->min, opt->max);
        return;
    case CONFIG_T_SIZE:
        (void)snprintf(buf, size, "size, %lld to %lld bytes", opt->min, opt->max);
        return;
    case CONFIG_T_MS:
    case CONFIG_T_SECONDS:
        config_format_duration(opt->min, opt->type == CONFIG_T_MS, lo, sizeof lo);
        config_format_duration(opt->max, opt->type == CONFIG_T_MS, hi, sizeof hi);
        (void)snprintf(buf, size, "duration, %s to %s", lo, hi);
        return;
    case CONFIG_T_ENUM:
    case CONFIG_T_WORD: {
        size_t n = (size_t)snprintf(buf, size, "one of");
        for (size_t i = 0; opt->words[i] && n < size; i++)
            n += (size_t)snprintf(buf + n, size - n, "%s %s", i ? "," : "", opt->words[i]);
        return;
    }
    default: {
        static const char *const names[] = {
            [CONFIG_T_STRING] = "text",     [CONFIG_T_PATH] = "path",
            [CONFIG_T_URL] = "http(s) URL", [CONFIG_T_EMAIL] = "mail address",
            [CONFIG_T_BOOL] = "yes/no",     [CONFIG_T_LIST] = "list: a; b; c"};
        (void)snprintf(buf, size, "%s", names[opt->type]);
        return;
    }
    }
}

static const char *const intro[] = {
    "Values: durations like 500ms, 30s, 15m, 6h, 1d (or 1h30m); sizes like 65536, 512K, 8M,",
    "1G (1024-based); booleans yes/no, true/false, on/off, 1/0; lists \"a; b; c\". Surrounding",
    "double quotes are removed. Comments are whole lines starting with '#' or ';'.",
    "An unknown key or section, a bad value or a key set twice stops urscout with file:line.",
    "Secrets never go in this file: use the *_file keys (files readable by their owner only,",
    "chmod 600) or the environment variables URSCOUT_SMTP_PASSWORD, URSCOUT_HMAC_KEY and",
    "URSCOUT_USAJOBS_KEY. Without --config, ./urscout.ini is read when it exists, else the",
    "built-in defaults apply; relative paths are relative to the current folder.",
    NULL,
};

/* Write text as "# " comment lines of at most about 90 columns, broken at spaces. */
static void comment(FILE *out, const char *text)
{
    enum { WIDTH = 88 };
    while (*text) {
        size_t n = strlen(text);
        if (n > WIDTH) {
            n = WIDTH;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(text, " ");
        }
        (void)fprintf(out, "# %.*s\n", (int)n, text);
        text += n;
        while (*text == ' ')
            text++;
    }
}

static void ini_option(FILE *out, const struct config_option *opt)
{
    char type[160], line[512];
    describe_type(opt, type, sizeof type);
    (void)snprintf(line, sizeof line, "%s [%s%s%s]", opt->doc, type, opt->def_doc ? "; " : "",
                   opt->def_doc ? opt->def_doc : "");
    (void)fputc('\n', out);
    comment(out, line);
    (void)fprintf(out, "#%s =%s%s\n", opt->name, opt->def ? " " : "", opt->def ? opt->def : "");
}

static void print_ini(FILE *out)
{
    (void)fprintf(out, "# urscout configuration: every key with its default (urscout config "
                       "defaults).\n#\n");
    for (size_t i = 0; intro[i]; i++)
        (void)fprintf(out, "# %s\n", intro[i]);
    for (size_t s = 0; s < config_sections_len; s++) {
        bool src = strcmp(config_sections[s], "source") == 0;
        (void)fputc('\n', out);
        comment(out, config_section_docs[s]);
        (void)fprintf(out, "%s[%s%s]\n", src ? "#" : "", config_sections[s],
                      src ? " \"example\"" : "");
        for (size_t i = 0; i < config_options_len; i++)
            if (strcmp(config_options[i].section, config_sections[s]) == 0)
                ini_option(out, &config_options[i]);
    }
}

static void print_markdown(FILE *out)
{
    (void)fprintf(out, "# urscout configuration keys\n\n<!-- Generated by `urscout config "
                       "defaults --markdown` from config/options.c: do not edit. -->\n\n");
    for (size_t i = 0; intro[i]; i++)
        (void)fprintf(out, "%s\n", intro[i]);
    for (size_t s = 0; s < config_sections_len; s++) {
        bool src = strcmp(config_sections[s], "source") == 0;
        (void)fprintf(out,
                      "\n## [%s%s]\n\n%s\n\n| key | type | default | meaning |\n"
                      "|---|---|---|---|\n",
                      config_sections[s], src ? " \"name\"" : "", config_section_docs[s]);
        for (size_t i = 0; i < config_options_len; i++) {
            const struct config_option *opt = &config_options[i];
            if (strcmp(opt->section, config_sections[s]) != 0)
                continue;
            char type[160];
            describe_type(opt, type, sizeof type);
            const char *def = opt->def_doc ? opt->def_doc : "unset";
            if (strncmp(def, "default ", 8) == 0)
                def += 8;
            if (opt->def)
                (void)fprintf(out, "| `%s` | %s | `%s` | %s |\n", opt->name, type, opt->def,
                              opt->doc);
            else
                (void)fprintf(out, "| `%s` | %s | %s | %s |\n", opt->name, type, def, opt->doc);
        }
    }
}

void config_print_defaults(FILE *out, bool markdown)
{
    if (markdown)
        print_markdown(out);
    else
        print_ini(out);
}
