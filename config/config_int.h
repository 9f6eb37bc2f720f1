/* SPDX-License-Identifier: MIT */
/* Private to config/: the typed option table and the value parsers the loader and dumps share. */
#ifndef URSCOUT_CONFIG_CONFIG_INT_H
#define URSCOUT_CONFIG_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/sbuf.h"
#include "config/config.h"

/* Value types: each knows how to parse text into its field and print the field back. */
enum config_type {
    CONFIG_T_STRING,  /* char *: one line of text */
    CONFIG_T_PATH,    /* char *: a file or folder path */
    CONFIG_T_URL,     /* char *: absolute http:// or https:// URL */
    CONFIG_T_EMAIL,   /* char *: local@domain */
    CONFIG_T_WORD,    /* char *: one of words[] */
    CONFIG_T_ENUM,    /* int-sized enum: the index into words[] */
    CONFIG_T_BOOL,    /* bool: yes/no, true/false, on/off, 1/0 */
    CONFIG_T_LONG,    /* long in [min, max] */
    CONFIG_T_SIZE,    /* int64_t bytes in [min, max]; suffixes k, M, G (1024-based) */
    CONFIG_T_MS,      /* int64_t milliseconds in [min, max]; "500ms", "10s", "1m"... */
    CONFIG_T_SECONDS, /* int64_t seconds in [min, max]; "30s", "15m", "6h", "1d" */
    CONFIG_T_LIST,    /* char ** plus a size_t count at len_offset: "a; b; c" */
};

/* Which struct an option's offset points into. */
enum config_scope { CONFIG_SCOPE_GLOBAL, CONFIG_SCOPE_SOURCE };

/* An extra check after the type's own: returns NULL when fine, else the reason. */
typedef const char *(*config_check_fn)(const char *value);

/* One option: everything the loader, config check, the defaults dump and the docs need. */
struct config_option {
    const char *section; /* "general", "crawl", "smtp", "delivery", "web", "source" */
    const char *name;    /* key as written in the file */
    enum config_type type;
    size_t offset;            /* into struct config or struct config_source (see section) */
    size_t len_offset;        /* CONFIG_T_LIST: the size_t count */
    long long min, max;       /* numbers, sizes, durations (in the field's unit) */
    const char *const *words; /* CONFIG_T_WORD / CONFIG_T_ENUM: NULL-terminated */
    config_check_fn check;    /* extra validator or NULL */
    const char *def;          /* default as text, parsed like a value; NULL: none or computed */
    const char *def_doc;      /* how a computed or absent default is shown, or NULL */
    unsigned flags;           /* CONFIG_F_* */
    const char *doc;          /* one sentence for the example config and docs/config.md */
};

#define CONFIG_F_SECRET_FILE 1u /* names a secret file (the secret itself is never shown) */

/* The table (options.c), and the sections in the order they are documented. */
extern const struct config_option config_options[];
extern const size_t config_options_len;
extern const char *const config_sections[];
extern const size_t config_sections_len;
/* One sentence about each section, same order as config_sections. */
extern const char *const config_section_docs[];

/* The scope of a section name. */
enum config_scope config_option_scope(const struct config_option *opt);

/* The option named name in section, or NULL. */
const struct config_option *config_option_find(const char *section, const char *name);

/* The index of opt in config_options. */
size_t config_option_index(const struct config_option *opt);

/* The known key or section closest to name (small edit distance), or NULL. */
const char *config_suggest_key(const char *section, const char *name);
const char *config_suggest_section(const char *name);

/*
 * Parse value for opt and store it into base (a struct config or struct config_source),
 * replacing (and freeing) what was there. On failure nothing changes and *why (a static or
 * why_buf string) says what is wrong. Returns URS_OK, URS_ENOMEM or URS_EINVAL.
 */
URS_NODISCARD int config_option_set(const struct config_option *opt, void *base, const char *value,
                                    char *why_buf, size_t why_size, const char **why);

/* Append the value of opt in base as it would be written in the file ("" when unset). */
URS_NODISCARD int config_option_format(const struct config_option *opt, const void *base,
                                       struct sbuf *out);

/* True when the field of opt in base holds a value (strings and lists may be unset). */
bool config_option_is_set(const struct config_option *opt, const void *base);

/* Move the field of opt from src to dst (freeing dst's), leaving src's empty. */
void config_option_move(const struct config_option *opt, void *dst, void *src);

/* Free the field of opt in base (strings and lists) and clear it. */
void config_option_clear(const struct config_option *opt, void *base);

/* Set every option of scope to its default in base. URS_OK or URS_ENOMEM. */
URS_NODISCARD int config_options_defaults(enum config_scope scope, void *base, struct err *e);

/* Validators shared with the loader. */
const char *config_check_email(const char *value);
const char *config_check_host(const char *value);
const char *config_check_source_name(const char *value);

/* Free one source's strings (not the struct itself). */
void config_source_clear(struct config_source *src);

/* A bundled file: the text of config/sources/NAME.ini, built into the binary. */
struct config_bundled {
    const char *name; /* "config/sources/NAME.ini" */
    const char *text; /* NUL-terminated */
    size_t len;
};
/* Generated at build time from the .ini files of config/sources (bundled.c in the build). */
extern const struct config_bundled config_bundled_files[];
extern const size_t config_bundled_files_len;

/* Format milliseconds or seconds the way a user would write them ("6h", "1500ms"). */
void config_format_duration(int64_t value, bool ms, char *buf, size_t size);

/* Sources being read, with the line each key was set on (for duplicates and overrides). */
struct config_src_list {
    struct config_source *v;
    int *lines; /* len * config_options_len; 0: key not set */
    size_t len, cap;
};

/* Add a source with the defaults of the source keys. URS_OK, URS_ENOMEM or URS_ELIMIT. */
URS_NODISCARD int config_src_list_add(struct config_src_list *list, const char *name,
                                      const char *file, int line, bool bundled);
/* The index of the source named name, or (size_t)-1. */
size_t config_src_list_find(const struct config_src_list *list, const char *name);
/* The per-key lines of source i. */
int *config_src_list_lines(const struct config_src_list *list, size_t i);
/* Free the list and every source in it. */
void config_src_list_free(struct config_src_list *list);

/* Collects errors: the first goes into e, the next ones to log_error. */
struct config_errs {
    struct err *e;
    size_t count;
};

/*
 * Record "file:line: option: reason" (option may be NULL; line 0 leaves out the line) and,
 * when echo is non-NULL, the offending line under it.
 */
void config_errs_add(struct config_errs *errs, int code, const char *file, int line,
                     const char *option, const char *echo, size_t echo_len, const char *fmt, ...)
    URS_PRINTF(8, 9);

/*
 * Parse one INI text (name is used in messages) into cfg's global keys, and its sources into
 * list. global_lines (config_options_len ints) records where global keys were set; NULL
 * means only [source] sections are allowed (bundled files). Errors go to errs.
 * Returns URS_OK or the code of the first error.
 */
URS_NODISCARD int config_parse_text(struct config *cfg, int *global_lines,
                                    struct config_src_list *list, const char *name,
                                    const char *text, size_t len, bool bundled,
                                    struct config_errs *errs);

/*
 * Merge the bundled sources and the user's into cfg->sources: a user source with a bundled
 * name replaces it when it sets kind, else overrides only the keys it sets. Both lists are
 * emptied. Returns URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int config_sources_merge(struct config *cfg, struct config_src_list *bundled,
                                       struct config_src_list *user, struct config_errs *errs);

/* Check every source's required keys, fill intervals, load API keys. URS_OK or first code. */
URS_NODISCARD int config_sources_check(struct config *cfg, struct config_errs *errs);

/*
 * Load a secret from path when non-NULL, else from the environment variable env when set and
 * non-empty; neither: URS_OK with *out NULL and *origin CONFIG_SECRET_NONE.
 */
URS_NODISCARD int config_secret_load(const char *path, const char *env, char **out, size_t *out_len,
                                     enum config_secret_origin *origin, struct err *e);

/* Wipe and free a secret (len bytes; strlen when len is 0). */
void config_secret_free(char *secret, size_t len);

#endif
