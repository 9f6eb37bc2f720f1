/* SPDX-License-Identifier: MIT */
/* Loading the config: defaults, the user's file, the bundled sources, secrets, derived values. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "config/config.h"
#include "config/config_int.h"

#define HMAC_KEY_MIN 16

/* Everything one config_load needs while it runs. */
struct load {
    struct config *cfg;
    int *global_lines; /* where each global key was set in the user's file, 0: not set */
    struct config_src_list user, bundled;
    struct config_errs errs;
};

/* The line of the user's file that set section.name, or 0. */
static int line_of(const struct load *ld, const char *section, const char *name)
{
    const struct config_option *opt = config_option_find(section, name);
    return opt && ld->global_lines ? ld->global_lines[config_option_index(opt)] : 0;
}

/* Fill user_agent and lock_file from the other keys when they were not given. */
static int derive(struct config *cfg, bool user_agent, bool lock_file, struct err *e)
{
    struct sbuf b;
    sbuf_init(&b, URS_MAX_CONFIG_LINE + 64);
    if (user_agent) {
        int rc =
            sbuf_printf(&b, "urscout/%s (+https://github.com/urscout/urscout%s%s)", URSCOUT_VERSION,
                        cfg->contact ? "; " : "", cfg->contact ? cfg->contact : "");
        char *s = rc == URS_OK ? sbuf_take(&b) : NULL;
        if (!s)
            return err_set(e, URS_ENOMEM, "config: out of memory");
        free(cfg->user_agent);
        cfg->user_agent = s;
    }
    if (lock_file) {
        int rc = sbuf_printf(&b, "%s.lock", cfg->database);
        char *s = rc == URS_OK ? sbuf_take(&b) : NULL;
        if (!s)
            return err_set(e, URS_ENOMEM, "config: out of memory");
        free(cfg->lock_file);
        cfg->lock_file = s;
    }
    sbuf_free(&b);
    return URS_OK;
}

int config_defaults(struct config **out, struct err *e)
{
    *out = NULL;
    struct config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        (void)err_set(e, URS_ENOMEM, "config: out of memory");
        return URS_ENOMEM;
    }
    int rc = config_options_defaults(CONFIG_SCOPE_GLOBAL, cfg, e);
    if (rc == URS_OK)
        rc = derive(cfg, true, true, e);
    if (rc != URS_OK) {
        config_free(cfg);
        return rc;
    }
    *out = cfg;
    return URS_OK;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < config_options_len; i++)
        if (config_option_scope(&config_options[i]) == CONFIG_SCOPE_GLOBAL)
            config_option_clear(&config_options[i], cfg);
    for (size_t i = 0; i < cfg->sources_len; i++)
        config_source_clear(&cfg->sources[i]);
    free(cfg->sources);
    config_secret_free(cfg->smtp_password, 0);
    config_secret_free(cfg->hmac_key, cfg->hmac_key_len);
    free(cfg->path);
    free(cfg);
}

/* Read a whole config file, at most URS_MAX_CONFIG_FILE bytes. */
static int read_file(const char *path, struct sbuf *out, struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return err_set(e, URS_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = URS_OK;
    if (fstat(fd, &st) != 0)
        rc = err_set(e, URS_EIO, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = err_set(e, URS_EIO, "%s: not a regular file", path);
    char chunk[8192];
    while (rc == URS_OK) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = err_set(e, URS_EIO, "%s: cannot read: %s", path, strerror(errno));
        if (got <= 0)
            break;
        rc = sbuf_append(out, chunk, (size_t)got);
        if (rc == URS_ELIMIT)
            rc = err_set(e, rc, "%s: larger than %d bytes", path, URS_MAX_CONFIG_FILE);
        else if (rc != URS_OK)
            rc = err_set(e, rc, "%s: out of memory", path);
    }
    (void)close(fd);
    return rc;
}

static int load_user(struct load *ld, const char *path)
{
    struct config *cfg = ld->cfg;
    if (!(cfg->path = strdup(path)))
        return err_set(ld->errs.e, URS_ENOMEM, "config: out of memory");
    struct sbuf text;
    sbuf_init(&text, (size_t)URS_MAX_CONFIG_FILE);
    int rc = read_file(path, &text, ld->errs.e);
    if (rc == URS_OK)
        rc = config_parse_text(cfg, ld->global_lines, &ld->user, cfg->path, sbuf_str(&text),
                               text.len, false, &ld->errs);
    sbuf_free(&text);
    return rc;
}

static int load_bundled(struct load *ld)
{
    int first = URS_OK;
    for (size_t i = 0; i < config_bundled_files_len; i++) {
        const struct config_bundled *f = &config_bundled_files[i];
        int rc = config_parse_text(ld->cfg, NULL, &ld->bundled, f->name, f->text, f->len, true,
                                   &ld->errs);
        if (first == URS_OK)
            first = rc;
    }
    return first;
}

/* One global secret: from its *_file key, else its environment variable. */
static int load_secret(struct load *ld, const char *section, const char *key, const char *env,
                       char **out, size_t *out_len, enum config_secret_origin *origin)
{
    const struct config_option *opt = config_option_find(section, key);
    char *const *path = (char *const *)(void *)((char *)ld->cfg + opt->offset);
    struct err se;
    err_clear(&se);
    int rc = config_secret_load(*path, env, out, out_len, origin, &se);
    if (rc != URS_OK) {
        if (*path)
            config_errs_add(&ld->errs, rc, ld->cfg->path, line_of(ld, section, key), key, NULL, 0,
                            "%s", se.msg);
        else
            config_errs_add(&ld->errs, rc, env, 0, NULL, NULL, 0, "%s", se.msg);
    }
    return rc;
}

/* A secret error about a key of the user's file, or about the variable when not from a file. */
static int secret_error(struct load *ld, enum config_secret_origin origin, const char *section,
                        const char *key, const char *env, const char *reason)
{
    if (origin == CONFIG_SECRET_FILE)
        config_errs_add(&ld->errs, URS_EINVAL, ld->cfg->path, line_of(ld, section, key), key, NULL,
                        0, "%s", reason);
    else
        config_errs_add(&ld->errs, URS_EINVAL, env, 0, NULL, NULL, 0, "%s", reason);
    return URS_EINVAL;
}

static int load_smtp_secret(struct load *ld)
{
    struct config *cfg = ld->cfg;
    size_t n = 0;
    int rc = load_secret(ld, "smtp", "password_file", "URSCOUT_SMTP_PASSWORD", &cfg->smtp_password,
                         &n, &cfg->smtp_password_origin);
    if (rc != URS_OK)
        return rc;
    if (cfg->smtp_password && strlen(cfg->smtp_password) != n)
        return secret_error(ld, cfg->smtp_password_origin, "smtp", "password_file",
                            "URSCOUT_SMTP_PASSWORD", "the password holds a NUL byte");
    if (cfg->smtp_password_file && !cfg->smtp_user)
        return secret_error(ld, CONFIG_SECRET_FILE, "smtp", "password_file", NULL,
                            "a password needs a user: set [smtp] user too");
    if (cfg->smtp_user && !cfg->smtp_password) {
        config_errs_add(&ld->errs, URS_EINVAL, cfg->path, line_of(ld, "smtp", "user"), "user", NULL,
                        0,
                        "a user needs a password: set password_file or the "
                        "URSCOUT_SMTP_PASSWORD environment variable");
        return URS_EINVAL;
    }
    if (cfg->smtp_user && cfg->starttls == CONFIG_STARTTLS_OFF)
        log_warn("config: [smtp] starttls = off with a user: the password goes in clear");
    return URS_OK;
}

static int load_hmac_secret(struct load *ld)
{
    struct config *cfg = ld->cfg;
    int rc = load_secret(ld, "delivery", "hmac_key_file", "URSCOUT_HMAC_KEY", &cfg->hmac_key,
                         &cfg->hmac_key_len, &cfg->hmac_key_origin);
    if (rc == URS_OK && cfg->hmac_key && cfg->hmac_key_len < HMAC_KEY_MIN)
        rc = secret_error(ld, cfg->hmac_key_origin, "delivery", "hmac_key_file", "URSCOUT_HMAC_KEY",
                          "the HMAC key is shorter than 16 bytes (make one with: "
                          "head -c 32 /dev/urandom | base64)");
    return rc;
}

static void load_done(struct load *ld)
{
    free(ld->global_lines);
    config_src_list_free(&ld->user);
    config_src_list_free(&ld->bundled);
}

int config_load(const char *path, struct config **out, struct err *e)
{
    *out = NULL;
    const char *file = path;
    if (!file && access("urscout.ini", F_OK) == 0)
        file = "urscout.ini";
    struct load ld = {.errs = {.e = e}};
    int rc = config_defaults(&ld.cfg, e);
    if (rc == URS_OK && !(ld.global_lines = calloc(config_options_len, sizeof(int))))
        rc = err_set(e, URS_ENOMEM, "config: out of memory");
    if (rc == URS_OK && file)
        rc = load_user(&ld, file);
    if (rc == URS_OK && ld.cfg->bundled_sources)
        rc = load_bundled(&ld);
    if (rc == URS_OK)
        rc = config_sources_merge(ld.cfg, &ld.bundled, &ld.user, &ld.errs);
    if (rc == URS_OK)
        rc = config_sources_check(ld.cfg, &ld.errs);
    if (rc == URS_OK)
        rc = load_smtp_secret(&ld);
    if (rc == URS_OK)
        rc = load_hmac_secret(&ld);
    if (rc == URS_OK)
        rc = derive(ld.cfg, !line_of(&ld, "general", "user_agent"),
                    !line_of(&ld, "general", "lock_file"), e);
    load_done(&ld);
    if (rc != URS_OK) {
        config_free(ld.cfg);
        return rc;
    }
    *out = ld.cfg;
    return URS_OK;
}

size_t config_bundled_count(void)
{
    return config_bundled_files_len;
}

const char *config_bundled_name(size_t i)
{
    return i < config_bundled_files_len ? config_bundled_files[i].name : NULL;
}
