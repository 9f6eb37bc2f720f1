/* SPDX-License-Identifier: MIT */
/* `urscout search`, `show` and `export`: reading postings back out of the store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/limits.h"
#include "common/text.h"
#include "db/db.h"

static const char search_usage[] =
    "usage: urscout search [QUERY] [options]\n"
    "\n"
    "QUERY is full-text (SQLite FTS5 syntax: words, \"exact phrase\", OR, NOT, prefix*).\n"
    "Results are ranked; open postings only unless --all; the same job seen on several\n"
    "sources is shown once.\n"
    "  --discipline LIST   PT, OT, SLP, PTA, COTA, SLPA, RN, LPN, MD (comma-separated)\n"
    "  --mode LIST         remote, hybrid, onsite, unknown\n"
    "  --schedule LIST     full_time, part_time, prn, contract\n"
    "  --state LIST        licence states (TX, ...), COMPACT; postings open to ANY state match\n"
    "  --min-salary N      minimum annualised salary in dollars\n"
    "  --employer NAME     employer name contains NAME\n"
    "  --since DAYS        first seen in the last DAYS days\n"
    "  --ur                only non-clinical UR/UM roles\n"
    "  --all               include closed postings\n"
    "  --pages             include pages found not to be one posting (articles, listings)\n"
    "  --format F          table (default), json, jsonl or csv\n"
    "  --limit N           at most N results (default 50; 0 for all)\n";

/* Parse "A,B,C" with parse(); an unknown value is a usage error listing the allowed ones. */
static int parse_list(const char *opt, const char *list, int (*parse)(const char *), int count,
                      const char *allowed, uint64_t *bits)
{
    char item[64];
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof item) {
            cli_error("search: bad value for %s: '%s' (allowed: %s)", opt, list, allowed);
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        int v = parse(item);
        if (v < 0 || v >= count) {
            cli_error("search: unknown %s value '%s' (allowed: %s)", opt, item, allowed);
            return -1;
        }
        *bits |= 1ULL << v;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

struct search_args {
    struct db_query q;
    enum cli_format format;
};

static int parse_number_opt(const char *opt, const char *arg, long long max, long long *out)
{
    if (text_parse_int(arg, 0, max, out) != URS_OK) {
        cli_error("search: %s wants a whole number from 0 to %lld, not '%s'", opt, max, arg);
        return -1;
    }
    return 0;
}

static int search_option(struct search_args *a, int c, const char *arg)
{
    uint64_t bits = 0;
    long long n;
    switch (c) {
    case 'd':
        if (parse_list("--discipline", arg, disc_parse, DISC_COUNT, disc_all_names(), &bits))
            return -1;
        a->q.disciplines |= (uint32_t)bits;
        return 0;
    case 'm':
        if (parse_list("--mode", arg, work_mode_parse, MODE_COUNT, work_mode_all_names(), &bits))
            return -1;
        a->q.modes |= (uint32_t)bits;
        return 0;
    case 's':
        if (parse_list("--schedule", arg, sched_parse, SCHED_COUNT, sched_all_names(), &bits))
            return -1;
        a->q.schedules |= (uint32_t)bits;
        return 0;
    case 't':
        if (parse_list("--state", arg, state_parse, STATE_COUNT,
                       "two-letter US state codes, DC, PR, COMPACT, ANY", &a->q.states))
            return -1;
        return 0;
    case 'p':
        if (parse_number_opt("--min-salary", arg, 10000000, &n))
            return -1;
        a->q.min_salary = (double)n;
        return 0;
    case 'e':
        a->q.employer = arg;
        return 0;
    case 'S':
        if (parse_number_opt("--since", arg, 36500, &n))
            return -1;
        a->q.since = (int64_t)time(NULL) - (int64_t)n * 86400;
        return 0;
    case 'a':
        a->q.include_closed = true;
        return 0;
    case 'u':
        a->q.ur_only = true;
        return 0;
    case 'P':
        a->q.include_pages = true;
        return 0;
    case 'f': {
        int f = cli_format_parse(arg, 0xF);
        if (f < 0) {
            cli_error("search: unknown --format '%s' (allowed: table, json, jsonl, csv)", arg);
            return -1;
        }
        a->format = (enum cli_format)f;
        return 0;
    }
    case 'l':
        if (parse_number_opt("--limit", arg, 1000000, &n))
            return -1;
        a->q.limit = (size_t)n;
        return 0;
    default:
        return -1;
    }
}

static int parse_search(struct search_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"discipline", required_argument, NULL, 'd'}, {"mode", required_argument, NULL, 'm'},
        {"schedule", required_argument, NULL, 's'},   {"state", required_argument, NULL, 't'},
        {"min-salary", required_argument, NULL, 'p'}, {"employer", required_argument, NULL, 'e'},
        {"since", required_argument, NULL, 'S'},      {"all", no_argument, NULL, 'a'},
        {"ur", no_argument, NULL, 'u'},               {"format", required_argument, NULL, 'f'},
        {"limit", required_argument, NULL, 'l'},      {"pages", no_argument, NULL, 'P'},
        {NULL, 0, NULL, 0}};
    int c;
    a->q.limit = 50;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1)
        if (c == '?' || search_option(a, c, optarg) != 0)
            return -1;
    if (optind + 1 < argc) {
        cli_error("search: give the query as one argument (quote it): '%s %s'", argv[optind],
                  argv[optind + 1]);
        return -1;
    }
    if (optind < argc) {
        if (strlen(argv[optind]) > URS_MAX_QUERY) {
            cli_error("search: query is over %d bytes", URS_MAX_QUERY);
            return -1;
        }
        a->q.text = argv[optind];
    }
    return 0;
}

static int write_row(void *ctx, const struct posting *p)
{
    cli_writer_posting(ctx, p);
    return 0;
}

int cli_cmd_search(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, search_usage))
        return CLI_OK;
    struct search_args a;
    memset(&a, 0, sizeof a);
    if (parse_search(&a, argc, argv) != 0)
        return CLI_USAGE;
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct cli_writer w;
    struct err e;
    err_clear(&e);
    cli_writer_begin(&w, stdout, a.format);
    int rc = db_search(app->db, &a.q, write_row, &w, &e);
    if (rc != URS_OK) {
        cli_error("%s", e.msg);
        return rc == URS_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    if (!cli_writer_end(&w)) {
        cli_error("search: cannot write the results");
        return CLI_FAIL;
    }
    if (a.format == CLI_FORMAT_TABLE && w.rows == 0)
        fputs("no postings match\n", stderr);
    return CLI_OK;
}

static const char export_usage[] = "usage: urscout export [--format jsonl|csv] [FILE]\n"
                                   "\n"
                                   "Write every posting (closed ones too) with its tags and "
                                   "evidence, to FILE or standard output.\n"
                                   "The output reads back with 'urscout import' losslessly.\n";

int cli_cmd_export(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, export_usage))
        return CLI_OK;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    enum cli_format format = CLI_FORMAT_JSONL;
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
        if (c == '?')
            return CLI_USAGE;
        int f = c == 'f' ? cli_format_parse(optarg, (1u << CLI_FORMAT_JSONL) | (1u << CLI_FORMAT_CSV)) : -1;
        if (f < 0) {
            cli_error("export: unknown --format (allowed: jsonl, csv)");
            return CLI_USAGE;
        }
        format = (enum cli_format)f;
    }
    if (optind + 1 < argc) {
        cli_error("export: at most one FILE");
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    FILE *out = optind < argc ? fopen(argv[optind], "wb") : stdout;
    if (!out) {
        cli_error("export: cannot create %s", argv[optind]);
        return CLI_FAIL;
    }
    struct cli_writer w;
    struct err e;
    err_clear(&e);
    cli_writer_begin(&w, out, format);
    int rc = db_postings_each(app->db, write_row, &w, &e);
    bool ok = cli_writer_end(&w);
    if (out != stdout && fclose(out) != 0)
        ok = false;
    if (rc != URS_OK) {
        cli_error_e("export", &e);
        return CLI_FAIL;
    }
    if (!ok) {
        cli_error("export: write failed");
        return CLI_FAIL;
    }
    return CLI_OK;
}
