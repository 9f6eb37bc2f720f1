/* SPDX-License-Identifier: MIT */
/* `urscout digest preview|send`: render one digest without recording, or build and deliver. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "config/config.h"
#include "db/db.h"
#include "notifier/notifier.h"

static const char usage[] =
    "usage: urscout digest preview EMAIL [--last] [--html FILE] [--raw]\n"
    "       urscout digest send [--due|--all] [--dry-run]\n"
    "\n"
    "preview renders the digest EMAIL would get now and prints its plain-text part (or, with\n"
    "--raw, the whole RFC 5322 message); --html FILE also writes the HTML part to FILE.\n"
    "Nothing is recorded: the postings still count as new. --last shows the digest last\n"
    "recorded for EMAIL in the outbox (sent or waiting) instead.\n"
    "\n"
    "send builds the digests that are due (--due, the default) or one for every active\n"
    "subscriber (--all), records each with its postings in the outbox, then delivers the\n"
    "outbox: over SMTP when [smtp] host is set, else into the Maildir [delivery] maildir.\n"
    "--dry-run renders and counts only. Digests carry an unsubscribe link signed with the HMAC\n"
    "key ([delivery] hmac_key_file or URSCOUT_HMAC_KEY) and need [web] base_url and\n"
    "[delivery] postal_address.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int write_file(const char *path, const struct sbuf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->data ? b->data : "", 1, b->len, f) != b->len) {
        cli_error("digest preview: cannot write %s", path);
        if (f)
            fclose(f);
        return CLI_FAIL;
    }
    if (fclose(f) != 0) {
        cli_error("digest preview: cannot write %s", path);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* The newest outbox row for one recipient (db_outbox_each lists newest first). */
struct last_ctx {
    const char *email;
    int64_t id;
};

static int find_last(void *ctx, const struct db_outbox_row *r)
{
    struct last_ctx *l = ctx;
    if (l->id == 0 && r->recipient && strcasecmp(r->recipient, l->email) == 0)
        l->id = r->id;
    return 0;
}

struct shown_ctx {
    const char *html; /* --html FILE or NULL */
    bool raw;
    int status;
};

/* Print one recorded message: its text part (or the whole message), the HTML part to a file. */
static int show_recorded(void *ctx, const struct db_outbox_row *r)
{
    struct shown_ctx *sc = ctx;
    struct sbuf part;
    struct err e;
    err_clear(&e);
    sbuf_init(&part, DB_MAX_RESOLVED);
    if (sc->raw) {
        fwrite(r->message, 1, r->message_len, stdout);
    } else if (notify_mime_part(r->message, r->message_len, "text/plain", &part, &e) == URS_OK) {
        fwrite(part.data ? part.data : "", 1, part.len, stdout);
    } else {
        cli_error("digest preview: outbox message %lld: %s", (long long)r->id, e.msg);
        sc->status = CLI_FAIL;
    }
    sbuf_reset(&part);
    if (sc->status == CLI_OK && sc->html) {
        err_clear(&e);
        if (notify_mime_part(r->message, r->message_len, "text/html", &part, &e) != URS_OK) {
            cli_error("digest preview: outbox message %lld: %s", (long long)r->id, e.msg);
            sc->status = CLI_FAIL;
        } else {
            sc->status = write_file(sc->html, &part);
        }
    }
    sbuf_free(&part);
    if (sc->status == CLI_OK)
        fprintf(stderr, "%zu %s, %s; subject: %s\n", r->postings,
                r->postings == 1 ? "posting" : "postings", db_outbox_status_name(r->status),
                r->subject ? r->subject : "");
    return 0;
}

static int preview_last(struct app *app, const char *email, const char *html, bool raw)
{
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct err e;
    err_clear(&e);
    struct last_ctx l = {.email = email};
    int rc = db_outbox_each(app->db, -1, 0, find_last, &l, &e);
    if (rc != URS_OK) {
        cli_error_e("digest preview", &e);
        return CLI_FAIL;
    }
    if (l.id == 0) {
        cli_error("digest preview: no digest recorded for %s (see urscout outbox list)", email);
        return CLI_FAIL;
    }
    struct shown_ctx sc = {.html = html, .raw = raw, .status = CLI_OK};
    rc = db_outbox_get(app->db, l.id, show_recorded, &sc, &e);
    if (rc != URS_OK) {
        cli_error_e("digest preview", &e);
        return CLI_FAIL;
    }
    return sc.status;
}

static int preview(struct app *app, int argc, char **argv)
{
    const char *email = NULL, *html = NULL;
    bool raw = false, last = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--html") == 0 && i + 1 < argc)
            html = argv[++i];
        else if (strcmp(argv[i], "--raw") == 0)
            raw = true;
        else if (strcmp(argv[i], "--last") == 0)
            last = true;
        else if (argv[i][0] != '-' && !email)
            email = argv[i];
        else {
            cli_error("digest preview: unexpected '%s' (see urscout digest --help)", argv[i]);
            return CLI_USAGE;
        }
    }
    if (!email) {
        cli_error("digest preview: give the subscriber's EMAIL");
        return CLI_USAGE;
    }
    if (last)
        return preview_last(app, email, html, raw);
    if (cli_app_config(app) != CLI_OK || cli_app_db(app, false) != CLI_OK ||
        cli_app_local_mail(app) != CLI_OK)
        return CLI_FAIL;
    struct notify_message m;
    struct err e;
    size_t postings = 0;
    err_clear(&e);
    notify_message_init(&m);
    int rc = notify_preview(app->db, app->cfg, email, (int64_t)time(NULL), &m, &postings, &e);
    int status = CLI_OK;
    if (rc != URS_OK) {
        cli_error("digest preview: %s", e.msg);
        status = rc == URS_EINVAL ? CLI_USAGE : CLI_FAIL;
    } else if (postings == 0) {
        fprintf(stderr, "nothing new for %s: no digest would be sent now (the last one sent: "
                        "urscout digest preview %s --last)\n", email, email);
    } else {
        const struct sbuf *out = raw ? &m.message : &m.text;
        fwrite(out->data, 1, out->len, stdout);
        if (html)
            status = write_file(html, &m.html);
        fprintf(stderr, "%zu %s; subject: %s\n", postings, postings == 1 ? "posting" : "postings",
                m.subject);
    }
    notify_message_free(&m);
    return status;
}

static int send_digests(struct app *app, int argc, char **argv)
{
    struct notify_opts o = {.now = (int64_t)time(NULL), .stop = &stop_requested};
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            o.all = true;
        else if (strcmp(argv[i], "--due") == 0)
            o.all = false;
        else if (strcmp(argv[i], "--dry-run") == 0)
            o.dry_run = true;
        else {
            cli_error("digest send: unknown option '%s' (allowed: --due, --all, --dry-run)",
                      argv[i]);
            return CLI_USAGE;
        }
    }
    if (cli_app_config(app) != CLI_OK || cli_app_db(app, true) != CLI_OK ||
        cli_app_local_mail(app) != CLI_OK)
        return CLI_FAIL;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct notify_stats st = {0};
    struct err e;
    err_clear(&e);
    if (notify_build_due(app->db, app->cfg, &o, &st, &e) != URS_OK) {
        cli_error("digest send: %s", e.msg);
        return e.code == URS_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    printf("%s %zu digest%s for %zu subscriber%s (%zu with nothing new), %zu posting%s\n",
           o.dry_run ? "would build" : "built", st.digests, cli_s(st.digests), st.subscribers,
           cli_s(st.subscribers), st.empty, st.postings, cli_s(st.postings));
    if (o.dry_run)
        return CLI_OK;
    int rc = notify_deliver(app->db, app->cfg, &o, &st, &e);
    printf("delivered: %zu sent, %zu deferred, %zu failed%s\n", st.sent, st.deferred, st.failed,
           app->cfg->smtp_host && *app->cfg->smtp_host ? "" : " (Maildir)");
    if (rc != URS_OK) {
        cli_error("digest send: delivery: %s", e.msg);
        return CLI_FAIL;
    }
    return st.failed ? CLI_FAIL : CLI_OK;
}

int cli_cmd_digest(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    const char *verb = argc > 1 ? argv[1] : "";
    if (strcmp(verb, "preview") == 0)
        return preview(app, argc, argv);
    if (strcmp(verb, "send") == 0)
        return send_digests(app, argc, argv);
    cli_error("digest: unknown action '%s' (allowed: preview, send)", verb);
    return CLI_USAGE;
}
