/* SPDX-License-Identifier: MIT */
/* `urscout show ID`, `urscout stats` and `urscout db check|backup`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/text.h"
#include "db/db.h"

static const char show_usage[] = "usage: urscout show [--format text|json] ID\n"
                                 "\n"
                                 "Show one posting with every tag and the evidence for it.\n";

static void field(const char *name, const char *value)
{
    printf("%-14s ", name);
    cli_put_safe(stdout, value && *value ? value : "-");
    putchar('\n');
}

static void time_field(const char *name, int64_t t)
{
    char buf[32] = "-";
    if (t)
        text_format_time(t, buf, sizeof buf);
    field(name, buf);
}

/* Tags and evidence, as `show` and `explain` print them. */
void cli_print_tags(const struct posting *p);

void cli_print_tags(const struct posting *p)
{
    char buf[256];
    cli_bits_text(p->disciplines, DISC_COUNT, cli_disc_at, buf, sizeof buf);
    field("disciplines", buf);
    field("work mode", work_mode_name(p->work_mode));
    cli_bits_text(p->schedule, SCHED_COUNT, cli_sched_at, buf, sizeof buf);
    field("schedule", buf);
    cli_bits_text(p->license_states, STATE_COUNT, state_code, buf, sizeof buf);
    field("licence", buf);
    cli_salary_text(&p->salary, buf, sizeof buf);
    if (p->salary.annual > 0) {
        size_t n = strlen(buf);
        (void)snprintf(buf + n, sizeof buf - n, " (annual %.0f)", p->salary.annual);
    }
    field("salary", buf);
    field("role family", role_family_name(p->role_family));
    (void)snprintf(buf, sizeof buf, "%s (score %.2f)", p->ur_role ? "yes" : "no", p->ur_score);
    field("UR role", buf);
    if (p->evidence_len)
        printf("\nevidence:\n");
    for (size_t i = 0; i < p->evidence_len; i++) {
        const struct evidence *ev = &p->evidence[i];
        printf("  %-11s %-20s @%-6zu \"", tag_kind_name(ev->tag), ev->value, ev->offset);
        cli_put_safe(stdout, ev->phrase);
        printf("\"\n");
    }
}

int cli_cmd_show(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, show_usage))
        return CLI_OK;
    bool json = false;
    int at = 1;
    if (at + 1 < argc && strcmp(argv[at], "--format") == 0) {
        if (strcmp(argv[at + 1], "json") != 0 && strcmp(argv[at + 1], "text") != 0) {
            cli_error("show: unknown --format '%s' (allowed: text, json)", argv[at + 1]);
            return CLI_USAGE;
        }
        json = strcmp(argv[at + 1], "json") == 0;
        at += 2;
    }
    long long id;
    if (at + 1 != argc || text_parse_int(argv[at], 1, INT64_MAX, &id) != URS_OK) {
        cli_error("show: give one posting ID (a positive number; see urscout search)");
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct posting p;
    struct err e;
    err_clear(&e);
    if (db_posting_get(app->db, id, &p, &e) != URS_OK) {
        cli_error("show: %s", e.msg);
        return CLI_FAIL;
    }
    if (json) {
        struct cli_writer w;
        cli_writer_begin(&w, stdout, CLI_FORMAT_JSONL);
        cli_writer_posting(&w, &p);
        cli_writer_end(&w);
    } else {
        char buf[32];
        (void)snprintf(buf, sizeof buf, "%lld", (long long)p.id);
        field("id", buf);
        field("title", p.title);
        field("employer", p.employer);
        field("location", p.location);
        field("url", p.url);
        field("source", p.source);
        field("external id", p.external_id);
        time_field("posted", p.posted_at);
        time_field("valid through", p.valid_through);
        time_field("first seen", p.first_seen);
        time_field("last seen", p.last_seen);
        time_field("closed", p.closed_at);
        cli_print_tags(&p);
        printf("\n");
        cli_put_safe(stdout, "description:");
        printf("\n%s\n", p.description ? p.description : "");
    }
    posting_free(&p);
    return CLI_OK;
}

static const char stats_usage[] = "usage: urscout stats\n"
                                  "\n"
                                  "Counts of postings: open/closed, by source, discipline, "
                                  "work mode and role family.\n";

int cli_cmd_stats(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, stats_usage))
        return CLI_OK;
    if (argc > 1) {
        cli_error("stats: takes no arguments");
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct sbuf out;
    struct err e;
    err_clear(&e);
    sbuf_init(&out, 1 << 20);
    int rc = db_stats(app->db, &out, &e);
    if (rc == URS_OK)
        fputs(sbuf_str(&out), stdout);
    else
        cli_error_e("stats", &e);
    sbuf_free(&out);
    return rc == URS_OK ? CLI_OK : CLI_FAIL;
}

static const char db_usage[] =
    "usage: urscout db check\n"
    "       urscout db backup FILE\n"
    "\n"
    "check    run SQLite's integrity_check and foreign_key_check (exit 1 on a problem)\n"
    "backup   copy the database online to FILE (via a temporary file, then renamed)\n";

int cli_cmd_db(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, db_usage))
        return CLI_OK;
    bool check = argc == 2 && strcmp(argv[1], "check") == 0;
    bool backup = argc == 3 && strcmp(argv[1], "backup") == 0;
    if (!check && !backup) {
        fputs(db_usage, stderr);
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct err e;
    err_clear(&e);
    if (backup) {
        if (db_backup(app->db, argv[2], &e) != URS_OK) {
            cli_error_e("db backup", &e);
            return CLI_FAIL;
        }
        printf("backed up %s to %s\n", db_path(app->db), argv[2]);
        return CLI_OK;
    }
    struct sbuf report;
    sbuf_init(&report, 1 << 20);
    bool ok = false;
    int rc = db_check(app->db, &ok, &report, &e);
    if (rc != URS_OK)
        cli_error_e("db check", &e);
    else if (ok)
        printf("%s: ok\n", db_path(app->db));
    else
        printf("%s: problems found:\n%s", db_path(app->db), sbuf_str(&report));
    sbuf_free(&report);
    return rc == URS_OK && ok ? CLI_OK : CLI_FAIL;
}
