/* SPDX-License-Identifier: MIT */
/* The INI configuration: a typed option table, validated values, secrets kept out of sight. */
#ifndef URSCOUT_CONFIG_CONFIG_H
#define URSCOUT_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

enum config_starttls { CONFIG_STARTTLS_OFF = 0, CONFIG_STARTTLS_OPTIONAL, CONFIG_STARTTLS_REQUIRED };

/* Where a loaded secret came from (config_dump names it instead of printing the secret). */
enum config_secret_origin { CONFIG_SECRET_NONE = 0, CONFIG_SECRET_FILE, CONFIG_SECRET_ENV };

#define CONFIG_MAX_SOURCES 1000   /* [source "..."] sections, bundled ones included */
#define CONFIG_MAX_SOURCE_NAME 40 /* bytes of a source name: letters, digits, '.', '_', '-' */
#define CONFIG_MAX_LIST 100       /* items of one `a; b; c` list */

/* One `[source "name"]` section. Strings are owned by the config; NULL when not set. */
struct config_source {
    char *name;
    char *kind;         /* workday, talentbrew, oracle, greenhouse, lever, smartrecruiters, ashby,
                           usajobs, jsonld, html, rss, sitemap */
    char *url;          /* base URL (endpoint or page) */
    char *board;        /* board token / tenant / site id where the kind needs one */
    char *employer;     /* employer name to put on postings */
    char **search;      /* search texts (from `search = a; b; c`), search_len of them */
    size_t search_len;
    int64_t interval;   /* seconds between crawls */
    bool enabled;
    char *confidence;   /* high, medium, low, unknown (documentation only) */
    bool verified;      /* false: marked unverified from here */
    char *url_pattern;  /* sitemap: only URLs containing this text */
    /* html kind: XPath selectors */
    char *list_xpath;   /* links to detail pages on a listing page */
    char *next_xpath;   /* the next listing page (default: rel=next) */
    char *title_xpath;
    char *location_xpath;
    char *description_xpath;
    char *api_key_file; /* usajobs: file holding the API key */
    char *api_key;      /* loaded secret; never printed */
    const char *file;   /* where the section was read (borrowed, static or config path) */
    int line;
    bool bundled;       /* from config/sources/ (file then says where it was last changed) */
    enum config_secret_origin api_key_origin; /* api_key_file or URSCOUT_USAJOBS_KEY */
};

struct config {
    char *path; /* the file read, or NULL for the built-in defaults */

    /* [general] */
    char *database;     /* default "urscout.db" */
    char *user_agent;   /* default "urscout/VERSION (+contact)" */
    char *contact;      /* mail or URL put into the User-Agent */
    char *lock_file;    /* default DATABASE.lock */
    bool bundled_sources; /* also load the sources built in from config/sources/, default true */

    /* [crawl] */
    long concurrency;          /* transfers at once, default 8 */
    long host_connections;     /* connections per host, default 1 */
    int64_t host_delay_ms;     /* pause between requests to one host, default 1000 */
    int64_t connect_timeout_ms;/* default 10000 */
    int64_t timeout_ms;        /* whole transfer, default 60000 */
    int64_t low_speed_time_ms; /* abort when under low_speed_limit for this long, default 20000 */
    long low_speed_limit;      /* bytes per second, default 100 */
    int64_t max_body;          /* decoded bytes per response, default 8 MiB */
    long retries;              /* attempts per request, default 3 */
    int64_t default_interval;  /* seconds, default 6 h */
    bool robots;               /* obey robots.txt, default true */
    char **allow_hosts;        /* test allow-list of private/loopback hosts; allow_hosts_len */
    size_t allow_hosts_len;

    /* [smtp] (host NULL: deliver to the Maildir) */
    char *smtp_host;
    long smtp_port;                /* default 587 */
    enum config_starttls starttls; /* default required */
    char *smtp_user;
    char *smtp_password;           /* secret: from password_file or URSCOUT_SMTP_PASSWORD */
    char *smtp_password_file;      /* [smtp] password_file, NULL when not set */
    enum config_secret_origin smtp_password_origin;
    int64_t smtp_timeout_ms;       /* default 30000 */

    /* [delivery] */
    char *from;              /* envelope and From address, default "urscout@localhost" */
    char *from_name;         /* default "urscout" */
    char *postal_address;    /* footer address */
    char *maildir;           /* default "mail" */
    long rate_per_minute;    /* default 60 */
    int64_t max_age;         /* retry queued mail this long, default 2 days */
    long bounce_limit;       /* hard bounces before a subscriber is bounced, default 3 */
    long max_items;          /* postings shown in one digest, default 25 (0: the default) */
    char *unsubscribe_mailto;/* mailto address for List-Unsubscribe */
    char *hmac_key;          /* secret: from hmac_key_file or URSCOUT_HMAC_KEY */
    size_t hmac_key_len;
    char *hmac_key_file;     /* [delivery] hmac_key_file, NULL when not set */
    enum config_secret_origin hmac_key_origin;

    /* [web] */
    char *base_url;          /* public https URL of the unsubscribe endpoint */
    char *listen;            /* default "127.0.0.1" */
    long web_port;           /* default 8080 */
    bool web_serve;          /* [web] serve: the daemon serves the pages too, default false */

    struct config_source *sources;
    size_t sources_len;
};

/*
 * Load a config. path NULL: ./urscout.ini when it exists, else the built-in defaults.
 * Unless `[general] bundled_sources = false`, the sources built in from config/sources/
 * are added (a user section of the same name replaces one when it sets kind, else changes
 * the keys it sets). Every error is "file:line: option: reason" in e, followed by the
 * offending line (suggesting the nearest known key for unknown ones); the first error wins,
 * later ones go to log_error. Returns URS_OK, URS_ENOMEM, URS_EIO (cannot read path),
 * URS_EPARSE (syntax, unknown key/section, key twice), URS_EINVAL (bad value, missing key,
 * refused secret) or URS_ELIMIT (file, line or source count over its limit).
 * The caller frees *out with config_free.
 */
URS_NODISCARD int config_load(const char *path, struct config **out, struct err *e);

/* The built-in defaults (no sources). URS_OK or URS_ENOMEM. */
URS_NODISCARD int config_defaults(struct config **out, struct err *e);

/* Release a config; accepts NULL. */
void config_free(struct config *cfg);

/*
 * Write the effective config as INI to out: every key with its value, secrets masked as
 * "********" with where they came from, each source with the file:line that defined it.
 * The output loads again with config_load.
 */
void config_dump(const struct config *cfg, FILE *out);

/*
 * Write every key with its default and its one-line doc: as commented INI (the example
 * config), or as the Markdown key reference (docs/config.md) when markdown is true.
 */
void config_print_defaults(FILE *out, bool markdown);

/* Number of source files built into the binary from config/sources/ (may be 0). */
size_t config_bundled_count(void);
/* The name of bundled file i, e.g. "config/sources/workday.ini"; NULL when i is too big. */
const char *config_bundled_name(size_t i);

/* The source named name, or NULL. Borrowed from cfg. */
const struct config_source *config_source_find(const struct config *cfg, const char *name);

/*
 * Read a secret file: refused when group/other permission bits are set (the fix is named),
 * when not a regular file, over URS_MAX_SECRET bytes, or empty. One trailing newline dropped.
 * *out is malloc'd and NUL-terminated (*out_len excludes the NUL; out_len may be NULL).
 * Returns URS_OK, URS_ENOMEM, URS_EIO (cannot open/read), URS_EINVAL (permissions, not a
 * regular file, empty) or URS_ELIMIT (too big); e names the file.
 */
URS_NODISCARD int config_read_secret(const char *path, char **out, size_t *out_len,
                                     struct err *e);

#endif
