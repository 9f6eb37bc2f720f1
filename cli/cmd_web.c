/* SPDX-License-Identifier: MIT */
/* `urscout web`: serve the subscriber pages, sign-up and the coach desk. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/text.h"
#include "config/config.h"
#include "db/db.h"
#include "notifier/notifier.h"
#include "web/web.h"

static const char usage[] =
    "usage: urscout web [--listen ADDR] [--port N] [--timeout MS] [--max-connections N]\n"
    "                   [--syslog]\n"
    "\n"
    "Serve the subscriber pages and the coach desk (README \"Web\" lists them all):\n"
    "  /signup        sign up: an address and filters; a confirmation mail with a link\n"
    "  /c/TOKEN       that link (48 h): GET shows a Confirm button, POST confirms\n"
    "  /p/TOKEN       a subscriber's preferences, pause and \"delete me\"\n"
    "  /m/TOKEN       all current matches (and /m/TOKEN.atom, a feed of them)\n"
    "  GET  /u/TOKEN  a page with one Unsubscribe button; changes nothing, because mail\n"
    "                 scanners fetch links\n"
    "  POST /u/TOKEN  with the form field List-Unsubscribe=One-Click (RFC 8058): the\n"
    "                 subscriber is unsubscribed (on disk before the answer) and their queued\n"
    "                 mail is not sent; repeating it is harmless\n"
    "  /coach/login   the coach desk (a password from `urscout coach passwd`)\n"
    "The same routes answer under the path of [web] base_url (https://host/jobs: /jobs/u/TOKEN).\n"
    "Links are checked with the digests' HMAC key ([delivery] hmac_key_file or\n"
    "URSCOUT_HMAC_KEY); a forged, altered or stale link gets 404 and changes nothing.\n"
    "Confirmation mail is sent from here within a second of a sign-up ([smtp] or the\n"
    "Maildir, as digests are).\n"
    "\n"
    "It speaks plain HTTP on [web] listen and port (default 127.0.0.1:8080): put it behind a\n"
    "TLS reverse proxy (nginx, Caddy) that serves [web] base_url over https, and never expose\n"
    "it directly.\n"
    "\n"
    "  --listen ADDR        bind ADDR instead of [web] listen\n"
    "  --port N             use port N instead of [web] port; 0 picks a free port\n"
    "  --timeout MS         a connection idle this long is closed (default 10000; counted\n"
    "                       in whole seconds)\n"
    "  --max-connections N  connections held at once (default 512); when full, new ones\n"
    "                       wait in the listen queue\n"
    "  --syslog             log to syslog instead of stderr\n"
    "\n"
    "The first line on stdout is the address it listens on (http://ADDR:PORT). It logs one\n"
    "line per request (method, path with the token hidden, status), never tokens or client\n"
    "addresses. SIGTERM or SIGINT stop it.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    /* nothing to reload: the config is read once; a stray SIGHUP must not kill the endpoint */
    (void)signal(SIGHUP, SIG_IGN);
    (void)signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int number(const char *opt, const char *value, long long min, long long max, long long *out)
{
    if (text_parse_int(value, min, max, out) != URS_OK) {
        cli_error("web: %s '%s' is not a number from %lld to %lld", opt, value, min, max);
        return -1;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, struct web_opts *o, bool *have_port)
{
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"max-connections", required_argument, NULL, 'm'},
                                         {"syslog", no_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    long long v = 0;
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
        switch (c) {
        case 'l':
            o->listen = optarg;
            break;
        case 'p':
            if (number("--port", optarg, 0, 65535, &v) != 0)
                return -1;
            o->port = (long)v;
            *have_port = true;
            break;
        case 't':
            if (number("--timeout", optarg, 10, 3600000, &v) != 0)
                return -1;
            o->timeout_ms = v;
            break;
        case 'm':
            if (number("--max-connections", optarg, 1, 65536, &v) != 0)
                return -1;
            o->max_connections = (size_t)v;
            break;
        case 's':
            log_use_syslog(true);
            break;
        default:
            return -1;
        }
    }
    if (optind < argc) {
        cli_error("web: unexpected argument '%s' (see urscout web --help)", argv[optind]);
        return -1;
    }
    return 0;
}

/* The first stdout line: where to reach it (tests read the port from it). */
static void print_address(const char *listen, long port)
{
    bool v6 = strchr(listen, ':') != NULL && listen[0] != '[';
    printf("http://%s%s%s:%ld\n", v6 ? "[" : "", listen, v6 ? "]" : "", port);
    fflush(stdout);
}

/* Notices (sign-up confirmations) queued by the pages, sent from the main thread on a
   connection of its own: the server thread keeps the one it was given. */
struct notice_sender {
    struct app *app;
    struct db *db; /* opened at the first notice */
};

void cli_web_send_notices(struct app *app, struct db *db)
{
    struct notify_opts o;
    memset(&o, 0, sizeof o);
    o.now = (int64_t)time(NULL);
    o.notices_only = true;
    struct notify_stats st;
    memset(&st, 0, sizeof st);
    struct err e;
    err_clear(&e);
    if (notify_deliver(db, app->cfg, &o, &st, &e) != URS_OK)
        log_error("web: sending confirmation mail: %s", e.msg[0] ? e.msg : err_name(e.code));
    else if (st.sent + st.deferred + st.failed > 0)
        log_info("web: confirmation mail: %zu sent, %zu deferred, %zu failed", st.sent,
                 st.deferred, st.failed);
}

static void send_notices(void *ctx)
{
    struct notice_sender *ns = ctx;
    struct err e;
    err_clear(&e);
    if (!ns->db && db_open(db_path(ns->app->db), false, &ns->db, &e) != URS_OK) {
        log_error("web: cannot open the database to send mail: %s", e.msg);
        ns->db = NULL;
        return;
    }
    cli_web_send_notices(ns->app, ns->db);
}

int cli_web_open(struct app *app, struct db *db, struct web_server **out)
{
    const struct config *cfg = app->cfg;
    struct web_opts o = {.timeout_ms = WEB_DEFAULT_TIMEOUT_MS,
                         .max_connections = WEB_DEFAULT_MAX_CONN,
                         .listen = cfg->listen && *cfg->listen ? cfg->listen : "127.0.0.1",
                         .port = cfg->web_port,
                         .hmac_key = cfg->hmac_key,
                         .hmac_key_len = cfg->hmac_key_len,
                         .base_url = cfg->base_url,
                         .site_name = cfg->from_name,
                         .cfg = cfg};
    struct err e;
    err_clear(&e);
    *out = NULL;
    if (web_server_open(&o, db, out, &e) != URS_OK) {
        cli_error("%s", e.msg);
        return CLI_FAIL;
    }
    log_info("web: listening on %s port %ld (plain HTTP: serve it through a TLS reverse proxy)",
             o.listen, web_server_port(*out));
    return CLI_OK;
}

int cli_cmd_web(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    struct web_opts o = {.timeout_ms = WEB_DEFAULT_TIMEOUT_MS,
                         .max_connections = WEB_DEFAULT_MAX_CONN,
                         .stop = &stop_requested};
    bool have_port = false;
    if (parse_opts(argc, argv, &o, &have_port) != 0)
        return CLI_USAGE;
    if (log_get_level() == LOG_LVL_WARN)
        log_set_level(LOG_LVL_INFO);
    /* on the embedded defaults, the key the local digests were signed with (DATABASE.hmac-key) */
    if (cli_app_config(app) != CLI_OK || cli_app_db(app, true) != CLI_OK ||
        cli_app_local_mail(app) != CLI_OK)
        return CLI_FAIL;
    const struct config *cfg = app->cfg;
    if (!o.listen)
        o.listen = cfg->listen && *cfg->listen ? cfg->listen : "127.0.0.1";
    if (!have_port)
        o.port = cfg->web_port;
    o.hmac_key = cfg->hmac_key;
    o.hmac_key_len = cfg->hmac_key_len;
    o.base_url = cfg->base_url;
    o.site_name = cfg->from_name;
    o.cfg = cfg;
    if (install_signals() != 0) {
        cli_error("web: cannot install signal handlers");
        return CLI_FAIL;
    }
    struct notice_sender ns = {.app = app, .db = NULL};
    o.send_notices = send_notices;
    o.send_ctx = &ns;
    struct web_server *s = NULL;
    struct err e;
    err_clear(&e);
    if (web_server_open(&o, app->db, &s, &e) != URS_OK) {
        cli_error("%s", e.msg);
        return CLI_FAIL;
    }
    print_address(o.listen, web_server_port(s));
    log_info("web: listening on %s port %ld (plain HTTP: serve it through a TLS reverse proxy), "
             "database %s",
             o.listen, web_server_port(s), db_path(app->db));
    int rc = web_server_run(s, &e);
    web_server_close(s);
    db_close(ns.db);
    if (rc != URS_OK) {
        cli_error("%s", e.msg);
        return CLI_FAIL;
    }
    log_info("web: stopped by a signal");
    return CLI_OK;
}
