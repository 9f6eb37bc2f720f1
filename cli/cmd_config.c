/* SPDX-License-Identifier: MIT */
/* `urscout config check` and `urscout config defaults [--markdown]`. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"

static const char config_usage[] =
    "usage: urscout [--config FILE] config check\n"
    "       urscout config defaults [--markdown]\n"
    "\n"
    "check     Load the config (FILE, else ./urscout.ini, else the built-in defaults) and\n"
    "          the bundled sources, and print the effective config with secrets masked.\n"
    "          Exit 0 when it is valid, 1 with the first error as file:line: key: reason.\n"
    "defaults  Print every key with its default and what it does, as commented INI\n"
    "          (the example config) or, with --markdown, as the key reference.\n";

static int check(struct app *app, int argc)
{
    if (argc != 2) {
        cli_error("config check takes no arguments (see urscout config --help)");
        return CLI_USAGE;
    }
    if (cli_app_config(app) != CLI_OK)
        return CLI_FAIL;
    config_dump(app->cfg, stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("config check: cannot write the output");
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int defaults(int argc, char **argv)
{
    bool markdown = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") != 0) {
            cli_error("config defaults: unknown argument '%s' (only --markdown)", argv[i]);
            return CLI_USAGE;
        }
        markdown = true;
    }
    config_print_defaults(stdout, markdown);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("config defaults: cannot write the output");
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_cmd_config(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, config_usage))
        return CLI_OK;
    if (argc < 2) {
        cli_error("config needs a command: check or defaults (see urscout config --help)");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "check") == 0)
        return check(app, argc);
    if (strcmp(argv[1], "defaults") == 0)
        return defaults(argc, argv);
    cli_error("unknown config command '%s': check or defaults", argv[1]);
    return CLI_USAGE;
}
