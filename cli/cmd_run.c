/* SPDX-License-Identifier: MIT */
/* `urscout run`: the main job (crawl what is due, classify, store, digest, deliver), and the daemon. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lock.h"
#include "common/log.h"
#include "common/text.h"
#include "config/config.h"
#include "db/db.h"
#include "notifier/notifier.h"
#include "web/web.h"

/* Signal flags: the only mutable globals besides the config (STYLE.md). */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

struct run_opts {
    bool once;
    bool force; /* crawl every enabled source, due or not (first cycle only) */
};

#define IDLE_WAKE 60 /* seconds: the daemon looks for due digests at least this often */

static const char run_usage[] =
    "usage: urscout run [--once] [--force] [--syslog]\n"
    "\n"
    "The main job. One cycle crawls every enabled source that is due (its interval has\n"
    "passed), classifies and stores what it finds, closes postings that left a complete\n"
    "listing, builds the digests that are due, and delivers the outbox (SMTP when [smtp] is\n"
    "set, else the Maildir).\n"
    "  --once     run one cycle, print a summary, exit (1 when a source or delivery failed)\n"
    "  --force    crawl every enabled source now, due or not (digests keep their schedule)\n"
    "  --syslog   log to syslog instead of standard error\n"
    "Without --once it stays in the foreground as a daemon: it sleeps until the next source\n"
    "or digest is due; SIGTERM/SIGINT finish the current transfer or message and exit;\n"
    "SIGHUP reloads the config (a broken one is reported and the old one kept). A lock file\n"
    "([general] lock_file, default DATABASE.lock) keeps a second daemon off the database.\n";

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a sleep or a blocking call returns EINTR and the loop looks at the flags */
    if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
        sigaction(SIGHUP, &sa, NULL))
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

struct cycle {
    struct db_run run;
    struct cli_crawl_totals crawl;
    struct notify_stats notify;
    size_t due;
    bool crawl_failed;
    bool notify_failed;
    int64_t next_due; /* the earliest next crawl among enabled sources, 0 none */
};

/* Enabled sources whose interval has passed (or that never ran), and the next due time. */
static size_t due_sources(struct app *app, int64_t now, bool force,
                          const struct config_source **due, int64_t *next_due)
{
    size_t n = 0;
    *next_due = 0;
    for (size_t i = 0; i < app->cfg->sources_len; i++) {
        const struct config_source *s = &app->cfg->sources[i];
        if (!s->enabled)
            continue;
        struct db_source_health h;
        struct err e;
        err_clear(&e);
        int64_t at = 0;
        if (db_source_health_get(app->db, s->name, &h, &e) == URS_OK) {
            at = h.last_crawl ? h.last_crawl + s->interval : 0;
            if (h.rate_limited_until > at)
                at = h.rate_limited_until;
        }
        if (at <= now || force)
            due[n++] = s;
        else if (*next_due == 0 || at < *next_due)
            *next_due = at;
    }
    return n;
}

static int64_t next_due_after(struct app *app, int64_t now)
{
    const struct config_source **due = calloc(app->cfg->sources_len + 1, sizeof *due);
    int64_t next = 0;
    if (due) {
        if (due_sources(app, now, false, due, &next) > 0)
            next = now;
        free(due);
    }
    return next;
}

static void crawl_step(struct app *app, struct cycle *c, const struct run_opts *ro)
{
    int64_t now = (int64_t)time(NULL);
    const struct config_source **due = calloc(app->cfg->sources_len + 1, sizeof *due);
    if (!due) {
        log_error("run: out of memory");
        c->crawl_failed = true;
        return;
    }
    c->due = due_sources(app, now, ro->force, due, &c->next_due);
    if (c->due > 0) {
        enum cli_crawl_output out = !ro->once                ? CLI_CRAWL_LOG
                                    : isatty(STDERR_FILENO) ? CLI_CRAWL_TTY
                                                            : CLI_CRAWL_LINES;
        if (cli_crawl(app, due, c->due, out, &stop_requested, &c->crawl) != CLI_OK)
            c->crawl_failed = true;
    }
    free(due);
    struct err e;
    err_clear(&e);
    size_t expired = 0;
    if (db_postings_close_expired(app->db, (int64_t)time(NULL), &expired, &e) != URS_OK)
        log_error("run: close expired postings: %s", e.msg);
    c->crawl.closed += expired;
}

static int count_one(void *ctx, const struct db_subscriber *s)
{
    (void)s;
    (*(size_t *)ctx)++;
    return 0;
}

/* Is there anyone to write to, or anything waiting to go? (No mail settings needed if not.) */
static bool mail_work(struct app *app)
{
    size_t active = 0, queued = 0, sent = 0, failed = 0;
    struct err e;
    err_clear(&e);
    if (db_subscribers_each(app->db, DB_SUB_ACTIVE, count_one, &active, &e) != URS_OK ||
        db_outbox_counts(app->db, &queued, &sent, &failed, &e) != URS_OK) {
        log_error("run: %s", e.msg);
        return true; /* let the notifier report it properly */
    }
    return active > 0 || queued > 0;
}

static void notify_step(struct app *app, struct cycle *c)
{
    if (!mail_work(app))
        return;
    if (cli_app_local_mail(app) != CLI_OK) {
        c->notify_failed = true;
        return;
    }
    struct notify_opts o;
    memset(&o, 0, sizeof o);
    o.now = (int64_t)time(NULL);
    o.stop = &stop_requested;
    struct err e;
    err_clear(&e);
    if (stop_requested)
        return;
    if (notify_build_due(app->db, app->cfg, &o, &c->notify, &e) != URS_OK) {
        log_error("run: digests: %s", e.msg[0] ? e.msg : err_name(e.code));
        c->notify_failed = true;
    }
    err_clear(&e);
    o.now = (int64_t)time(NULL);
    if (notify_deliver(app->db, app->cfg, &o, &c->notify, &e) != URS_OK) {
        log_error("run: delivery: %s", e.msg[0] ? e.msg : err_name(e.code));
        c->notify_failed = true;
    }
    if (c->notify.failed > 0)
        c->notify_failed = true;
}

static void summarise(struct cycle *c)
{
    struct db_run *r = &c->run;
    r->sources_ok = (int64_t)c->crawl.ok;
    r->sources_failed = (int64_t)c->crawl.failed;
    r->postings_new = (int64_t)c->crawl.new_count;
    r->postings_updated = (int64_t)c->crawl.updated;
    r->postings_closed = (int64_t)c->crawl.closed;
    r->digests = (int64_t)c->notify.digests;
    r->mail_sent = (int64_t)c->notify.sent;
    r->mail_failed = (int64_t)c->notify.failed;
    (void)snprintf(r->summary, sizeof r->summary,
                   "%zu source%s crawled (%zu ok, %zu failed), %zu new, %zu updated, %zu closed; "
                   "%zu digest%s, %zu sent, %zu deferred, %zu failed%s",
                   c->due, cli_s(c->due), c->crawl.ok, c->crawl.failed, c->crawl.new_count, c->crawl.updated,
                   c->crawl.closed, c->notify.digests, cli_s(c->notify.digests), c->notify.sent,
                   c->notify.deferred, c->notify.failed, stop_requested ? " (interrupted)" : "");
}

/* One cycle; returns CLI_OK or CLI_FAIL (a source or delivery failed). */
static int run_cycle(struct app *app, const struct run_opts *ro, int64_t *next_due)
{
    struct cycle c;
    memset(&c, 0, sizeof c);
    struct err e;
    err_clear(&e);
    c.run.pid = (int64_t)getpid();
    c.run.started_at = (int64_t)time(NULL);
    if (db_run_start(app->db, &c.run, &e) != URS_OK)
        log_warn("run: cannot record the cycle: %s", e.msg);
    crawl_step(app, &c, ro);
    notify_step(app, &c);
    c.run.finished_at = (int64_t)time(NULL);
    int64_t next = next_due_after(app, c.run.finished_at);
    c.run.next_due_at = next;
    summarise(&c);
    err_clear(&e);
    if (c.run.id && db_run_finish(app->db, &c.run, &e) != URS_OK)
        log_warn("run: cannot record the cycle: %s", e.msg);
    if (ro->once) {
        printf("urscout run: %s\n", c.run.summary);
        if (c.due > 0 && c.crawl.ok == 0 && c.crawl.failed == c.due)
            printf("urscout run: no source was reachable (offline?); 'make demo' in the source "
                   "tree runs the same pipeline offline, against a site on 127.0.0.1\n");
    }
    else
        log_info("cycle: %s", c.run.summary);
    *next_due = next;
    return c.crawl_failed || c.notify_failed ? CLI_FAIL : CLI_OK;
}

/* SIGHUP: load the config again; keep the old one when the new one is broken. */
static void reload_config(struct app *app)
{
    struct config *fresh = NULL;
    struct err e;
    err_clear(&e);
    if (config_load(app->config_path, &fresh, &e) != URS_OK) {
        log_error("reload: %s; keeping the running config", e.msg[0] ? e.msg : err_name(e.code));
        return;
    }
    if (!app->db_path && strcmp(fresh->database, app->cfg->database) != 0)
        log_warn("reload: a new database path takes effect after a restart");
    config_free(app->cfg);
    app->cfg = fresh;
    log_info("reload: config reloaded (%zu sources)", fresh->sources_len);
}

/*
 * Sleep until when, waking early for signals, and every second to send the confirmation
 * mail a sign-up on the served pages queued (web is NULL when no pages are served).
 */
static void sleep_until(struct app *app, struct web_server *web, int64_t when)
{
    while (!stop_requested && !reload_requested) {
        if (web_server_take_notices(web))
            cli_web_send_notices(app, app->db);
        int64_t left = when - (int64_t)time(NULL);
        if (left <= 0)
            return;
        struct timespec ts = {left > (web ? 1 : 5) ? (web ? 1 : 5) : (time_t)left, 0};
        if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
            return;
    }
}

/*
 * After a reload the pages are served with the new config: the server held the old one, so
 * it is stopped and started again (a failure is logged and the daemon goes on without it).
 */
static void web_restart(struct app *app, struct db *web_db, struct web_server **web)
{
    web_server_close(*web);
    *web = NULL;
    if (web_db && app->cfg->web_serve && cli_web_open(app, web_db, web) != CLI_OK)
        log_error("reload: the web pages are not served until the next reload");
}

static int daemon_loop(struct app *app, struct run_opts *ro, struct db *web_db,
                       struct web_server **web)
{
    int status = CLI_OK;
    while (!stop_requested) {
        int64_t next = 0;
        (void)run_cycle(app, ro, &next);
        ro->force = false;
        int64_t now = (int64_t)time(NULL);
        int64_t wake = now + IDLE_WAKE;
        if (next > now && next < wake)
            wake = next;
        if (!stop_requested)
            sleep_until(app, *web, wake);
        if (reload_requested) {
            reload_requested = 0;
            reload_config(app);
            web_restart(app, web_db, web);
        }
    }
    log_info("stopping: signal received, cycle finished");
    return status;
}

static const char *lock_path(struct app *app, char *buf, size_t size)
{
    if (app->cfg->lock_file && *app->cfg->lock_file)
        return app->cfg->lock_file;
    (void)snprintf(buf, size, "%s.lock", app->db_path ? app->db_path : app->cfg->database);
    return buf;
}

int cli_cmd_run(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, run_usage))
        return CLI_OK;
    static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"syslog", no_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    struct run_opts ro = {false, false};
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
        if (c == 'o')
            ro.once = true;
        else if (c == 'f')
            ro.force = true;
        else if (c == 's')
            log_use_syslog(true);
        else
            return CLI_USAGE;
    }
    if (optind < argc) {
        cli_error("run: unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    if (!ro.once && log_get_level() == LOG_LVL_WARN)
        log_set_level(LOG_LVL_INFO);
    if (cli_app_config(app) != CLI_OK || cli_app_db(app, true) != CLI_OK)
        return CLI_FAIL;
    char buf[4096];
    const char *lock = lock_path(app, buf, sizeof buf);
    int lock_fd = -1;
    struct err e;
    err_clear(&e);
    if (cli_lock_acquire(lock, &lock_fd, &e) != URS_OK) {
        cli_error("%s", e.msg);
        return CLI_FAIL;
    }
    if (install_signals() != 0) {
        cli_error("run: cannot install signal handlers");
        cli_lock_release(lock_fd);
        return CLI_FAIL;
    }
    int status;
    if (ro.once) {
        int64_t next = 0;
        status = run_cycle(app, &ro, &next);
    } else {
        /* [web] serve: the pages run in the server's own thread, on their own connection */
        struct db *web_db = NULL;
        struct web_server *web = NULL;
        if (app->cfg->web_serve) {
            if (cli_app_local_mail(app) != CLI_OK ||
                db_open(db_path(app->db), false, &web_db, &e) != URS_OK ||
                cli_web_open(app, web_db, &web) != CLI_OK) {
                if (e.msg[0])
                    cli_error("%s", e.msg);
                db_close(web_db);
                cli_lock_release(lock_fd);
                return CLI_FAIL;
            }
        }
        log_info("daemon started (pid %ld, %zu sources, database %s%s)", (long)getpid(),
                 app->cfg->sources_len, db_path(app->db), web ? ", serving the web pages" : "");
        status = daemon_loop(app, &ro, web_db, &web);
        web_server_close(web);
        db_close(web_db);
    }
    cli_lock_release(lock_fd);
    return status;
}
