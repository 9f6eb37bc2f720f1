/* SPDX-License-Identifier: MIT */
/* `urscout crawl [SOURCE...]`, `urscout sources list` and `urscout sources test NAME`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classifier/classifier.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "common/text.h"
#include "config/config.h"
#include "crawler/crawler.h"
#include "db/db.h"

static const char crawl_usage[] =
    "usage: urscout crawl [--progress | --no-progress] [SOURCE...]\n"
    "\n"
    "Crawl now: every enabled source, or the named ones (named sources are crawled even when\n"
    "disabled). Postings are classified and stored; a complete listing closes the postings it\n"
    "no longer lists; a failed or partial one closes nothing.\n"
    "On a terminal: a progress line and a table at the end. Otherwise one line per source:\n"
    "  source=NAME OK postings=N new=N updated=N closed=N pages=N\n"
    "  source=NAME FAIL (step): reason\n"
    "Exit status: 0 when every source succeeded, 1 otherwise, 2 for bad usage.\n"
    "  --progress      progress line and table even when stderr is not a terminal\n"
    "  --no-progress   one line per source even on a terminal\n";

static const char sources_usage[] =
    "usage: urscout sources list\n"
    "       urscout sources test NAME [--format table|json|jsonl]\n"
    "\n"
    "list: every configured source with its last crawl, status, counts and next due time.\n"
    "test: fetch one listing page (and up to five detail pages) of NAME and print the postings\n"
    "      it would store, classified; nothing is written to the database.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* "a, b, c" of every configured source, for messages. */
static void source_names(const struct config *cfg, struct sbuf *out)
{
    for (size_t i = 0; i < cfg->sources_len; i++)
        if (sbuf_printf(out, "%s%s", i ? ", " : "", cfg->sources[i].name) != URS_OK)
            return;
}

static bool listed(const struct config_source *const *list, size_t n, const struct config_source *s)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == s)
            return true;
    return false;
}

/* The sources to crawl into list (cfg->sources_len slots). CLI_OK or CLI_USAGE. */
static int pick_sources(const struct config *cfg, char **names, int n_names,
                        const struct config_source **list, size_t *n)
{
    *n = 0;
    for (int i = 0; i < n_names; i++) {
        const struct config_source *s = config_source_find(cfg, names[i]);
        if (!s) {
            struct sbuf known;
            sbuf_init(&known, 64 * 1024);
            source_names(cfg, &known);
            cli_error("crawl: unknown source '%s' (known: %s)", names[i],
                      known.len ? sbuf_str(&known) : "none configured");
            sbuf_free(&known);
            return CLI_USAGE;
        }
        if (!listed(list, *n, s))
            list[(*n)++] = s;
    }
    for (size_t i = 0; n_names == 0 && i < cfg->sources_len; i++)
        if (cfg->sources[i].enabled)
            list[(*n)++] = &cfg->sources[i];
    return CLI_OK;
}

static int parse_crawl_args(int argc, char **argv, int *first, int *progress)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--progress") == 0) {
            *progress = 1;
        } else if (strcmp(argv[i], "--no-progress") == 0) {
            *progress = 0;
        } else {
            cli_error("crawl: unknown option '%s' (see urscout crawl --help)", argv[i]);
            return CLI_USAGE;
        }
    }
    *first = i;
    return CLI_OK;
}

int cli_cmd_crawl(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, crawl_usage))
        return CLI_OK;
    int first, progress = -1;
    int rc = parse_crawl_args(argc, argv, &first, &progress);
    if (rc != CLI_OK)
        return rc;
    if (cli_app_config(app) != CLI_OK)
        return CLI_FAIL;
    const struct config *cfg = app->cfg;
    const struct config_source **list = calloc(cfg->sources_len + 1, sizeof *list);
    size_t n = 0;
    if (!list) {
        cli_error("crawl: out of memory");
        return CLI_FAIL;
    }
    rc = pick_sources(cfg, argv + first, argc - first, list, &n);
    if (rc == CLI_OK && n == 0) {
        cli_error("crawl: no enabled sources (add [source \"NAME\"] sections to the config)");
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK) {
        bool tty = progress < 0 ? isatty(STDERR_FILENO) && isatty(STDOUT_FILENO) : progress;
        struct sigaction sa, old_int, old_term;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        stop_flag = 0;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        rc = cli_crawl(app, list, n, tty ? CLI_CRAWL_TTY : CLI_CRAWL_LINES, &stop_flag, NULL);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    free(list);
    return rc;
}

/* ---- sources list ---- */

static void format_when(int64_t t, char *buf, size_t size)
{
    if (t <= 0) {
        snprintf(buf, size, "never");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%MZ", &tm) == 0)
        snprintf(buf, size, "?");
}

static void list_row(const struct config *cfg, const struct config_source *s,
                     const struct db_source_health *h)
{
    char last[32], due[32];
    int64_t interval = s && s->interval ? s->interval : cfg->default_interval;
    int64_t next = h && h->last_crawl ? h->last_crawl + interval : 0;
    if (h && h->rate_limited_until > next)
        next = h->rate_limited_until;
    format_when(h ? h->last_crawl : 0, last, sizeof last);
    if (!s)
        snprintf(due, sizeof due, "(not in config)");
    else if (!s->enabled)
        snprintf(due, sizeof due, "disabled");
    else if (next <= (int64_t)time(NULL))
        snprintf(due, sizeof due, "now");
    else
        format_when(next, due, sizeof due);
    printf("%-24.24s %-15.15s %-17s %-9s %8lld %5lld %6lld  %-17s ", s ? s->name : h->source,
           s ? s->kind : "?", last, h && h->status[0] ? h->status : "-",
           h ? (long long)h->postings : 0LL, h ? (long long)h->new_count : 0LL,
           h ? (long long)h->closed : 0LL, due);
    if (h && h->error[0]) {
        printf("(%s) ", h->step);
        cli_put_safe(stdout, h->error);
    }
    fputc('\n', stdout);
}

struct list_ctx {
    const struct config *cfg;
};

static int list_orphan(void *ctx, const struct db_source_health *h)
{
    const struct list_ctx *lc = ctx;
    if (!config_source_find(lc->cfg, h->source))
        list_row(lc->cfg, NULL, h);
    return 0;
}

static int sources_list(struct app *app)
{
    if (cli_app_config(app) != CLI_OK)
        return CLI_FAIL;
    const char *path = app->db_path ? app->db_path : app->cfg->database;
    bool have_db = path && access(path, F_OK) == 0;
    if (have_db && cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    printf("%-24s %-15s %-17s %-9s %8s %5s %6s  %-17s %s\n", "SOURCE", "KIND", "LAST CRAWL",
           "STATUS", "POSTINGS", "NEW", "CLOSED", "NEXT DUE", "LAST ERROR");
    struct err e;
    err_clear(&e);
    for (size_t i = 0; i < app->cfg->sources_len; i++) {
        const struct config_source *s = &app->cfg->sources[i];
        struct db_source_health h;
        bool found = have_db && db_source_health_get(app->db, s->name, &h, &e) == URS_OK;
        list_row(app->cfg, s, found ? &h : NULL);
    }
    struct list_ctx lc = {app->cfg};
    if (have_db && db_source_health_each(app->db, list_orphan, &lc, &e) != URS_OK) {
        cli_error_e("sources list", &e);
        return CLI_FAIL;
    }
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

/* ---- sources test ---- */

struct test_ctx {
    struct classifier *cls;
    struct cli_writer w;
    bool failed;
};

static int test_posting(void *ctx, const char *source, struct posting *p)
{
    struct test_ctx *tc = ctx;
    struct err e;
    err_clear(&e);
    (void)source;
    if (classify_posting(tc->cls, p, &e) != URS_OK)
        log_warn("classify: %s", e.msg);
    cli_writer_posting(&tc->w, p);
    return 0;
}

static void test_done(void *ctx, const struct crawl_report *r)
{
    struct test_ctx *tc = ctx;
    tc->failed = r->error != NULL;
    fflush(stdout);
    if (r->error)
        fprintf(stderr, "source=%s FAIL (%s): %s\n", r->source, r->step, r->error);
    else
        fprintf(stderr, "source=%s OK postings=%zu pages=%zu%s\n", r->source, r->postings, r->pages,
                r->complete ? "" : " (first listing page only; nothing stored)");
}

static int sources_test(struct app *app, const char *name, enum cli_format format)
{
    if (cli_app_config(app) != CLI_OK)
        return CLI_FAIL;
    const struct config_source *src = config_source_find(app->cfg, name);
    const struct config_source *list[1] = {src};
    if (!src) {
        struct sbuf known;
        sbuf_init(&known, 64 * 1024);
        source_names(app->cfg, &known);
        cli_error("sources test: unknown source '%s' (known: %s)", name, sbuf_str(&known));
        sbuf_free(&known);
        return CLI_USAGE;
    }
    struct test_ctx tc = {0};
    struct err e;
    err_clear(&e);
    if (classify_open(NULL, &tc.cls, &e) != URS_OK) {
        cli_error_e("sources test: classifier", &e);
        return CLI_FAIL;
    }
    struct crawl_options o;
    crawl_options_from_config(&o, app->cfg);
    o.max_listing_pages = 1;
    o.max_detail_pages = 5;
    const struct crawl_hooks hooks = {
        .ctx = &tc, .posting = test_posting, .source_done = test_done};
    cli_writer_begin(&tc.w, stdout, format);
    int rc = crawl_run(&o, list, 1, &hooks, NULL, &e);
    bool written = cli_writer_end(&tc.w);
    classify_close(tc.cls);
    if (rc != URS_OK) {
        cli_error_e("sources test", &e);
        return CLI_FAIL;
    }
    return tc.failed || !written ? CLI_FAIL : CLI_OK;
}

int cli_cmd_sources(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, sources_usage))
        return CLI_OK;
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return sources_list(app);
    if (argc >= 3 && strcmp(argv[1], "test") == 0) {
        int format = CLI_FORMAT_TABLE;
        const char *name = NULL;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
                format = cli_format_parse(argv[++i], 0x7);
                if (format < 0) {
                    cli_error("sources test: --format must be table, json or jsonl");
                    return CLI_USAGE;
                }
            } else if (argv[i][0] != '-' && !name) {
                name = argv[i];
            } else {
                cli_error("sources test: unexpected '%s' (see urscout sources --help)", argv[i]);
                return CLI_USAGE;
            }
        }
        if (name)
            return sources_test(app, name, (enum cli_format)format);
    }
    fputs(sources_usage, stderr);
    return CLI_USAGE;
}
