/* SPDX-License-Identifier: MIT */
/* `urscout status`: what the main job last did and what is due next, read from the database. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/text.h"
#include "config/config.h"
#include "db/db.h"

static const char status_usage[] =
    "usage: urscout status\n"
    "\n"
    "Show the last cycle of `urscout run` (from the database, so it works from another\n"
    "shell while the daemon runs), each source's state and next due time, and the outbox.\n";

static void when(int64_t t, char *buf, size_t size)
{
    if (t <= 0) {
        (void)snprintf(buf, size, "-");
        return;
    }
    text_format_time(t, buf, size);
}

static void print_last_run(const struct db_run *r)
{
    char started[32], finished[32], next[32];
    when(r->started_at, started, sizeof started);
    when(r->finished_at, finished, sizeof finished);
    when(r->next_due_at, next, sizeof next);
    printf("last cycle:   started %s by pid %lld, ", started, (long long)r->pid);
    if (r->finished_at)
        printf("finished %s\n", finished);
    else
        printf("not finished (running now, or the process was stopped)\n");
    if (r->summary[0])
        printf("              %s\n", r->summary);
    printf("next cycle:   %s\n", r->next_due_at ? next : "when a source or digest is due");
}

static void print_source(struct app *app, const struct config_source *s, int64_t now)
{
    struct db_source_health h;
    struct err e;
    err_clear(&e);
    bool known = db_source_health_get(app->db, s->name, &h, &e) == URS_OK;
    char last[32] = "never", due[32] = "now";
    if (known && h.last_crawl)
        when(h.last_crawl, last, sizeof last);
    int64_t at = known && h.last_crawl ? h.last_crawl + s->interval : 0;
    if (known && h.rate_limited_until > at)
        at = h.rate_limited_until;
    if (!s->enabled)
        (void)snprintf(due, sizeof due, "disabled");
    else if (at > now)
        when(at, due, sizeof due);
    printf("  %-24.24s %-10s %-20s %-20s %6lld\n", s->name,
           known && h.status[0] ? h.status : "-", last, due, known ? (long long)h.postings : 0LL);
}

int cli_cmd_status(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, status_usage))
        return CLI_OK;
    if (argc > 1) {
        cli_error("status: takes no arguments");
        return CLI_USAGE;
    }
    if (cli_app_config(app) != CLI_OK || cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct db_run r;
    struct err e;
    err_clear(&e);
    int rc = db_run_last(app->db, &r, &e);
    if (rc == URS_OK)
        print_last_run(&r);
    else if (rc == URS_ENOTFOUND)
        printf("last cycle:   none yet (start one with `urscout run --once`)\n");
    else {
        cli_error_e("status", &e);
        return CLI_FAIL;
    }
    int64_t now = (int64_t)time(NULL);
    printf("\nsources:\n  %-24s %-10s %-20s %-20s %6s\n", "NAME", "STATUS", "LAST CRAWL", "NEXT DUE",
           "POSTED");
    for (size_t i = 0; i < app->cfg->sources_len; i++)
        print_source(app, &app->cfg->sources[i], now);
    size_t queued = 0, sent = 0, failed = 0;
    err_clear(&e);
    if (db_outbox_counts(app->db, &queued, &sent, &failed, &e) == URS_OK)
        printf("\noutbox:       %zu queued, %zu sent, %zu failed\n", queued, sent, failed);
    else
        cli_error_e("status: outbox", &e);
    return CLI_OK;
}
