/* SPDX-License-Identifier: MIT */
/* The CLI's app state: config and database opened on first use, errors printed once. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "db/db.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("urscout: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_error_e(const char *what, const struct err *e)
{
    if (e->msg[0])
        cli_error("%s: %s", what, e->msg);
    else
        cli_error("%s: %s", what, err_name(e->code));
}

bool cli_wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return true;
        }
    }
    return false;
}

/* Levenshtein distance of a and b, both at most 63 bytes (longer ones count as far). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cli_suggest(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 0 ? len / 3 : 1;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cands[i]);
        if (len >= 2 && strncmp(cands[i], word, len) == 0 && d > 0)
            d = limit; /* a prefix of a candidate counts as close */
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longs)
{
    opterr = 0;
    int c = getopt_long(argc, argv, shortopts, longs, NULL);
    if (c != '?' && c != ':')
        return c;
    const char *cmd = argv[0];
    const char *arg = optind - 1 < argc && optind > 0 ? argv[optind - 1] : "?";
    if (strncmp(arg, "--", 2) != 0) {
        if (optopt && strchr(shortopts, optopt))
            cli_error("%s: option '-%c' needs a value", cmd, optopt);
        else
            cli_error("%s: unknown option '%s' (see urscout %s --help)", cmd, arg, cmd);
        return '?';
    }
    char name[64];
    size_t n = strcspn(arg + 2, "=");
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, arg + 2, n);
    name[n] = '\0';
    const char *names[64];
    size_t count = 0;
    for (const struct option *o = longs; o->name && count < 64; o++) {
        if (strcmp(o->name, name) == 0) {
            cli_error("%s: option '--%s' %s", cmd, name,
                      o->has_arg == no_argument ? "takes no value" : "needs a value");
            return '?';
        }
        names[count++] = o->name;
    }
    const char *near = cli_suggest(name, names, count);
    if (near)
        cli_error("%s: unknown option '--%s' (did you mean '--%s'?)", cmd, name, near);
    else
        cli_error("%s: unknown option '--%s' (see urscout %s --help)", cmd, name, cmd);
    return '?';
}

int cli_app_config(struct app *app)
{
    if (app->cfg)
        return CLI_OK;
    struct err e;
    err_clear(&e);
    if (config_load(app->config_path, &app->cfg, &e) != URS_OK) {
        cli_error("%s", e.msg[0] ? e.msg : err_name(e.code));
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_app_db(struct app *app, bool create)
{
    if (app->db)
        return CLI_OK;
    const char *path = app->db_path;
    if (!path) {
        if (cli_app_config(app) != CLI_OK)
            return CLI_FAIL;
        path = app->cfg->database;
    }
    struct err e;
    err_clear(&e);
    if (db_open(path, create, &app->db, &e) != URS_OK) {
        cli_error("%s", e.msg[0] ? e.msg : err_name(e.code));
        return CLI_FAIL;
    }
    return CLI_OK;
}

void cli_app_close(struct app *app)
{
    db_close(app->db);
    app->db = NULL;
    config_free(app->cfg);
    app->cfg = NULL;
}

/* A new random key in path (mode 0600, never overwritten). */
static int create_key(const char *path, struct err *e)
{
    unsigned char raw[32];
    char hex[sizeof raw * 2 + 2];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return err_set(e, URS_EIO, "%s: no random bytes for a key: %s", path, strerror(errno));
    for (size_t i = 0; i < sizeof raw; i++)
        (void)snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    hex[sizeof raw * 2] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? URS_OK
                               : err_set(e, URS_EIO, "%s: cannot create: %s", path, strerror(errno));
    bool ok = write(fd, hex, sizeof raw * 2 + 1) == (ssize_t)(sizeof raw * 2 + 1) && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        (void)unlink(path);
        return err_set(e, URS_EIO, "%s: cannot write the key", path);
    }
    return URS_OK;
}

static int set_default(char **field, const char *value)
{
    if (*field && **field)
        return URS_OK;
    free(*field);
    *field = strdup(value);
    return *field ? URS_OK : URS_ENOMEM;
}

int cli_app_local_mail(struct app *app)
{
    if (cli_app_config(app) != CLI_OK)
        return CLI_FAIL;
    struct config *cfg = app->cfg;
    if (cfg->path || (cfg->smtp_host && *cfg->smtp_host))
        return CLI_OK; /* a config file says what it wants; real mail is checked strictly */
    struct err e;
    err_clear(&e);
    char base[64];
    (void)snprintf(base, sizeof base, "http://127.0.0.1:%ld", cfg->web_port);
    int rc = set_default(&cfg->base_url, base);
    if (rc == URS_OK)
        rc = set_default(&cfg->postal_address,
                         "(no postal address configured: set [delivery] postal_address)");
    if (rc == URS_OK && !cfg->hmac_key) {
        const char *db = app->db_path ? app->db_path : cfg->database;
        size_t n = strlen(db) + sizeof ".hmac-key";
        char *path = malloc(n);
        rc = path ? URS_OK : URS_ENOMEM;
        if (path) {
            (void)snprintf(path, n, "%s.hmac-key", db);
            rc = create_key(path, &e);
            if (rc == URS_OK)
                rc = config_read_secret(path, &cfg->hmac_key, &cfg->hmac_key_len, &e);
            free(path);
        }
    }
    if (rc != URS_OK) {
        cli_error("unsubscribe key: %s", e.msg[0] ? e.msg : err_name(rc));
        return CLI_FAIL;
    }
    return CLI_OK;
}
