/* SPDX-License-Identifier: MIT */
/* The CLI's shared state and the subcommands: only cli/ wires the stages together. */
#ifndef URSCOUT_CLI_CLI_H
#define URSCOUT_CLI_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

/* Exit statuses (sysexits-like, kept small): */
enum cli_status { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct config;
struct db;

/* Everything a command needs; no other mutable globals. */
struct app {
    const char *config_path; /* --config, or NULL */
    const char *db_path;     /* --db, or NULL (then the config's) */
    struct config *cfg;      /* loaded on first use */
    struct db *db;           /* opened on first use */
};

/* Load the config once (prints "urscout: file:line: ..." on error). CLI_OK or CLI_FAIL. */
int cli_app_config(struct app *app);
/* Open the database once (creating it and migrating when create). CLI_OK or CLI_FAIL. */
int cli_app_db(struct app *app, bool create);
/*
 * On the embedded defaults (no config file, no [smtp]) make local digests possible: an
 * unsubscribe key created once next to the database (DATABASE.hmac-key, mode 0600), the local
 * endpoint as base_url, a footer saying no postal address is set. With a config file nothing
 * is filled in: the notifier's checks apply. CLI_OK or CLI_FAIL (printed).
 */
int cli_app_local_mail(struct app *app);
/*
 * Start the web pages as `urscout web` serves them, on [web] listen and port, with app's
 * config and db (a connection of the caller's, used only from the server's thread until
 * web_server_close). CLI_OK or CLI_FAIL (said on stderr).
 */
struct web_server;
int cli_web_open(struct app *app, struct db *db, struct web_server **out);
/* Send the queued notices (sign-up confirmations) on db; failures are logged. */
void cli_web_send_notices(struct app *app, struct db *db);

/* Release what the app holds. */
void cli_app_close(struct app *app);

/* "s" unless n is 1: "%zu posting%s", n, cli_s(n). */
static inline const char *cli_s(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Print "urscout: <msg>" to stderr (the only place errors become text for the user). */
void cli_error(const char *fmt, ...) URS_PRINTF(1, 2);
/* Print an error from e, prefixed by what was being done. */
void cli_error_e(const char *what, const struct err *e);

/*
 * True when argv asks for help ("-h"/"--help" anywhere before "--"); prints usage to stdout.
 */
bool cli_wants_help(int argc, char **argv, const char *usage);

/*
 * The closest of n candidate words to word (edit distance at most a third of its length,
 * at least 1, or candidates that start with word), or NULL when none is close.
 */
const char *cli_suggest(const char *word, const char *const *cands, size_t n);

struct option;
/*
 * getopt_long with the errors in house form: "urscout: CMD: unknown option '--x' (did you
 * mean '--y'?)" or "... needs a value". argv[0] is the command's name. Returns '?' after
 * printing; the caller returns CLI_USAGE.
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longs);

/* A subcommand: argv[0] is its name. Returns an enum cli_status. */
typedef int (*cli_command_fn)(struct app *app, int argc, char **argv);

int cli_cmd_import(struct app *app, int argc, char **argv);
int cli_cmd_export(struct app *app, int argc, char **argv);
int cli_cmd_search(struct app *app, int argc, char **argv);
int cli_cmd_show(struct app *app, int argc, char **argv);
int cli_cmd_stats(struct app *app, int argc, char **argv);
int cli_cmd_db(struct app *app, int argc, char **argv);
int cli_cmd_config(struct app *app, int argc, char **argv);
int cli_cmd_crawl(struct app *app, int argc, char **argv);
int cli_cmd_run(struct app *app, int argc, char **argv);
int cli_cmd_status(struct app *app, int argc, char **argv);
int cli_cmd_sources(struct app *app, int argc, char **argv);
int cli_cmd_classify(struct app *app, int argc, char **argv);
int cli_cmd_explain(struct app *app, int argc, char **argv);
int cli_cmd_reclassify(struct app *app, int argc, char **argv);
int cli_cmd_eval(struct app *app, int argc, char **argv);
/* notifier commands (cli/cmd_subscriber.c, cmd_coach.c, cmd_digest.c, cmd_outbox.c) */
int cli_cmd_subscriber(struct app *app, int argc, char **argv);
int cli_cmd_coach(struct app *app, int argc, char **argv);
int cli_cmd_cohort(struct app *app, int argc, char **argv);
int cli_cmd_curate(struct app *app, int argc, char **argv);
int cli_cmd_digest(struct app *app, int argc, char **argv);
int cli_cmd_outbox(struct app *app, int argc, char **argv);
/* the unsubscribe endpoint (cli/cmd_web.c, module web/) */
int cli_cmd_web(struct app *app, int argc, char **argv);

/* ---- classifier commands (cli/cmd_classify.c, cli/cmd_eval.c) ---- */

struct posting;
/*
 * Fill p (initialised by the caller) from a saved page of len bytes: a schema.org JobPosting
 * in JSON-LD, else HTML (title from <title>), else plain text (first line = title).
 * Returns URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int cli_page_to_posting(const char *page, size_t len, struct posting *p,
                                      struct err *e);
/* Print p's tags and evidence (classify, explain). */
void cli_print_classified(const struct posting *p);

/* ---- crawling (cli/crawl.c): crawler -> classifier -> db ---- */

struct config_source;

struct cli_crawl_totals {
    size_t sources, ok, failed;
    size_t pages, postings, new_count, updated, closed, errors;
};

enum cli_crawl_output {
    CLI_CRAWL_LINES = 0, /* one `source=NAME OK ...` / `FAIL (step): reason` line each, stdout */
    CLI_CRAWL_TTY,       /* an updating progress line on stderr, a summary table at the end */
    CLI_CRAWL_LOG,       /* nothing on stdout; a log line when a source starts failing or
                            recovers (the daemon) */
};

/*
 * Crawl sources[0..n) now: each posting classified and upserted in batches; a complete listing
 * closes the postings it no longer lists, a 304 touches them, a source that yields 0 postings
 * after yielding some is flagged and closes nothing, a failed or partial crawl closes nothing.
 * Source health is kept in the db. Opens the config, db and classifier of app as needed.
 * stop (may be NULL) ends the crawl early (see crawl_run). totals may be NULL.
 * Returns CLI_OK when every source succeeded, else CLI_FAIL.
 */
int cli_crawl(struct app *app, const struct config_source *const *sources, size_t n,
              enum cli_crawl_output output, volatile sig_atomic_t *stop,
              struct cli_crawl_totals *totals);

#endif
