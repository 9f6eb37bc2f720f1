/* SPDX-License-Identifier: MIT */
/* The CLI's app state: config and database opened on first use, errors printed once. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
