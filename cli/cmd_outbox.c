/* SPDX-License-Identifier: MIT */
/* `urscout outbox list|retry|purge|flush`: the queue of rendered digests. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/text.h"
#include "config/config.h"
#include "db/db.h"
#include "notifier/notifier.h"

static const char usage[] =
    "usage: urscout outbox list [--status queued|sent|failed] [--limit N]\n"
    "       urscout outbox retry ID...|--failed\n"
    "       urscout outbox purge [--older-than DAYS]\n"
    "       urscout outbox flush\n"
    "\n"
    "Every digest waits in the outbox until the mail server accepted it (or it was written to\n"
    "the Maildir). list shows the messages, newest first, with attempts and the last error;\n"
    "retry queues failed messages again now; purge deletes sent and failed messages older\n"
    "than DAYS (default 30; what each subscriber was sent is kept, so nothing is sent twice);\n"
    "flush delivers what is due now.\n";

static int print_row(void *ctx, const struct db_outbox_row *r)
{
    (void)ctx;
    char created[32], next[32] = "-";
    text_format_time(r->created_at, created, sizeof created);
    if (r->status == DB_OUTBOX_QUEUED)
        text_format_time(r->next_attempt_at, next, sizeof next);
    printf("%-6lld %-7s %-3ld %-20s %-20s %-30s %s\n", (long long)r->id,
           db_outbox_status_name(r->status), r->attempts, created, next, r->recipient,
           r->last_error ? r->last_error : "");
    return 0;
}

static int list(struct app *app, int argc, char **argv)
{
    int status = -1;
    long long limit = 50;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) {
            cli_error("outbox list: %s needs a value", argv[i]);
            return CLI_USAGE;
        }
        if (strcmp(argv[i], "--status") == 0) {
            static const char *const names[] = {"queued", "sent", "failed"};
            for (int s = 0; s < 3; s++)
                if (strcmp(argv[i + 1], names[s]) == 0)
                    status = s;
            if (status < 0) {
                cli_error("outbox list: unknown status '%s' (allowed: queued, sent, failed)",
                          argv[i + 1]);
                return CLI_USAGE;
            }
        } else if (strcmp(argv[i], "--limit") != 0 ||
                   text_parse_int(argv[i + 1], 0, 1000000, &limit) != URS_OK) {
            cli_error("outbox list: bad option '%s %s' (allowed: --status S, --limit N)", argv[i],
                      argv[i + 1]);
            return CLI_USAGE;
        }
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct err e;
    size_t q, s, f;
    err_clear(&e);
    if (db_outbox_counts(app->db, &q, &s, &f, &e) != URS_OK) {
        cli_error("outbox list: %s", e.msg);
        return CLI_FAIL;
    }
    printf("%zu queued, %zu sent, %zu failed\n", q, s, f);
    printf("%-6s %-7s %-3s %-20s %-20s %-30s %s\n", "ID", "STATUS", "TRY", "CREATED",
           "NEXT ATTEMPT", "TO", "LAST ERROR");
    if (db_outbox_each(app->db, status, (size_t)limit, print_row, NULL, &e) != URS_OK) {
        cli_error("outbox list: %s", e.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int retry(struct app *app, int argc, char **argv)
{
    if (argc < 3) {
        cli_error("outbox retry: give message IDs or --failed");
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    size_t total = 0;
    for (int i = 2; i < argc; i++) {
        long long id = 0;
        if (strcmp(argv[i], "--failed") != 0 &&
            text_parse_int(argv[i], 1, INT64_MAX, &id) != URS_OK) {
            cli_error("outbox retry: '%s' is not a message id", argv[i]);
            return CLI_USAGE;
        }
        struct err e;
        size_t n = 0;
        err_clear(&e);
        if (db_outbox_retry(app->db, id, (int64_t)time(NULL), &n, &e) != URS_OK) {
            cli_error("outbox retry: %s", e.msg);
            return CLI_FAIL;
        }
        if (n == 0 && id)
            cli_error("outbox retry: message %lld is not failed (or its subscriber is not "
                      "active)",
                      id);
        total += n;
    }
    printf("%zu message%s queued again\n", total, cli_s(total));
    return CLI_OK;
}

static int purge(struct app *app, int argc, char **argv)
{
    long long days = 30;
    if (argc == 4 && strcmp(argv[2], "--older-than") == 0) {
        if (text_parse_int(argv[3], 0, 36500, &days) != URS_OK) {
            cli_error("outbox purge: --older-than wants a number of days, not '%s'", argv[3]);
            return CLI_USAGE;
        }
    } else if (argc != 2) {
        cli_error("outbox purge: the only option is --older-than DAYS");
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct err e;
    size_t n = 0;
    err_clear(&e);
    if (db_outbox_purge(app->db, (int64_t)time(NULL) - days * 86400, &n, &e) != URS_OK) {
        cli_error("outbox purge: %s", e.msg);
        return CLI_FAIL;
    }
    printf("%zu message%s purged\n", n, cli_s(n));
    return CLI_OK;
}

static int flush(struct app *app)
{
    if (cli_app_config(app) != CLI_OK || cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    struct notify_opts o = {.now = (int64_t)time(NULL)};
    struct notify_stats st = {0};
    struct err e;
    err_clear(&e);
    int rc = notify_deliver(app->db, app->cfg, &o, &st, &e);
    printf("delivered: %zu sent, %zu deferred, %zu failed\n", st.sent, st.deferred, st.failed);
    if (rc != URS_OK) {
        cli_error("outbox flush: %s", e.msg);
        return rc == URS_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    return st.failed ? CLI_FAIL : CLI_OK;
}

int cli_cmd_outbox(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    const char *verb = argc > 1 ? argv[1] : "";
    if (strcmp(verb, "list") == 0)
        return list(app, argc, argv);
    if (strcmp(verb, "retry") == 0)
        return retry(app, argc, argv);
    if (strcmp(verb, "purge") == 0)
        return purge(app, argc, argv);
    if (strcmp(verb, "flush") == 0 && argc == 2)
        return flush(app);
    cli_error("outbox: unknown action '%s' (allowed: list, retry, purge, flush)", verb);
    return CLI_USAGE;
}
