/* SPDX-License-Identifier: MIT */
/* urscout's entry point: global options, then a git-style subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "cli/cli.h"
#include "common/log.h"

struct command {
    const char *name;
    cli_command_fn run;
    const char *summary;
};

/* Every subcommand, in the order `urscout --help` lists them. */
static const struct command commands[] = {
#define CLI_COMMAND(name, fn, summary) {name, fn, summary},
#include "cli/commands.def"
#undef CLI_COMMAND
};

static void usage(FILE *out)
{
    fprintf(out, "usage: urscout [--config FILE] [--db FILE] [-v|-q] COMMAND [ARGS...]\n"
                 "       urscout COMMAND --help\n"
                 "       urscout --version\n\n"
                 "Finds non-clinical utilization review / management jobs.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Parse global options; returns the index of the command or -1 after printing an error. */
static int parse_globals(struct app *app, int argc, char **argv, int *status)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && i + 1 < argc) {
            app->config_path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            app->config_path = a + 9;
        } else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
            app->db_path = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            app->db_path = a + 5;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            log_set_level(log_get_level() == LOG_LVL_INFO ? LOG_LVL_DEBUG : LOG_LVL_INFO);
        } else if (strcmp(a, "-vv") == 0) {
            log_set_level(LOG_LVL_DEBUG);
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            log_set_level(LOG_LVL_ERROR);
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("urscout %s\n", URSCOUT_VERSION);
            *status = CLI_OK;
            return -1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            *status = CLI_OK;
            return -1;
        } else {
            static const char *const globals[] = {"--config", "--db", "--verbose", "--quiet",
                                                  "--version", "--help"};
            const char *near = strncmp(a, "--", 2) == 0 ? cli_suggest(a, globals, 6) : NULL;
            if (near)
                cli_error("unknown option '%s' (did you mean '%s'?)", a, near);
            else
                cli_error("unknown or incomplete option '%s' (see urscout --help)", a);
            *status = CLI_USAGE;
            return -1;
        }
    }
    if (i >= argc) {
        usage(stderr);
        *status = CLI_USAGE;
        return -1;
    }
    return i;
}

int main(int argc, char **argv)
{
    struct app app = {0};
    int status = CLI_OK;
    int at = parse_globals(&app, argc, argv, &status);
    if (at < 0)
        return status;
    const struct command *cmd = find_command(argv[at]);
    if (!cmd) {
        const char *names[sizeof commands / sizeof commands[0]];
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            names[i] = commands[i].name;
        const char *near = cli_suggest(argv[at], names, sizeof names / sizeof names[0]);
        if (near)
            cli_error("unknown command '%s' (did you mean '%s'?)", argv[at], near);
        else
            cli_error("unknown command '%s' (see urscout --help)", argv[at]);
        return CLI_USAGE;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cli_error("cannot initialise libcurl");
        return CLI_FAIL;
    }
    xmlInitParser();
    status = cmd->run(&app, argc - at, argv + at);
    cli_app_close(&app);
    xmlCleanupParser();
    curl_global_cleanup();
    return status;
}
