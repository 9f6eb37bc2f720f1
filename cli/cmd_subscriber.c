/* SPDX-License-Identifier: MIT */
/* `urscout subscriber add|list|show|edit|remove`: who gets digests, with which filters. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/limits.h"
#include "common/posting.h"
#include "common/text.h"
#include "common/utf8.h"
#include "db/db.h"
#include "notifier/notifier.h"

#define NAME_MAX_BYTES    200 /* a subscriber's display name */
#define EXCLUDE_MAX       20  /* excluded employers per subscriber */
#define EXCLUDE_MAX_BYTES 200 /* one excluded employer */

static const char usage[] =
    "usage: urscout subscriber add EMAIL [options]\n"
    "       urscout subscriber edit EMAIL [options]\n"
    "       urscout subscriber list [--status STATUS]\n"
    "       urscout subscriber show EMAIL\n"
    "       urscout subscriber remove EMAIL\n"
    "\n"
    "A subscriber gets a digest of the new postings that match their filters. The filters\n"
    "mirror `urscout search`; a list option replaces the old list on edit, 'any' clears it.\n"
    "  --name NAME           how the digest greets them\n"
    "  --discipline LIST     PT, OT, SLP, PTA, COTA, SLPA, RN, LPN, MD\n"
    "  --mode LIST           remote, hybrid, onsite, unknown\n"
    "  --schedule LIST       full_time, part_time, prn, contract\n"
    "  --state LIST          licence states (TX, ...); COMPACT matches compact postings;\n"
    "                        ANY matches every posting\n"
    "  --min-salary N        minimum annualised salary in dollars (0: any)\n"
    "  --keywords TEXT       words that must all appear; commas separate alternatives\n"
    "                        (\"utilization review, prior authorization\"); '' clears\n"
    "  --exclude EMPLOYER    leave out this employer (repeatable; --exclude '' clears)\n"
    "  --frequency F         daily, weekly (Mondays, the default) or monthly (the 1st)\n"
    "  --hour H              send hour 0-23 in their time zone (default 7)\n"
    "  --tz ZONE             time zone, e.g. America/Chicago (default UTC)\n"
    "  --status S            pending, active (default), unsubscribed, bounced\n"
    "\n"
    "remove deletes the subscriber and all their personal data (deliveries, queued and sent\n"
    "messages, cohort memberships); only anonymous per-day counts remain.\n";

/* Parse "A,B,C" (or "any") into bits; an unknown value lists the allowed ones. */
static int parse_list(const char *opt, const char *list, int (*parse)(const char *), int count,
                      const char *allowed, uint64_t *bits)
{
    char item[64];
    *bits = 0;
    if (strcasecmp(list, "any") == 0 && count != STATE_COUNT)
        return 0;
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, ",");
        while (n > 0 && p[n - 1] == ' ')
            n--;
        int v = -1;
        if (n > 0 && n < sizeof item) {
            memcpy(item, p, n);
            item[n] = '\0';
            v = parse(item);
        }
        if (v < 0 || v >= count) {
            cli_error("subscriber: unknown %s value '%.*s' (allowed: %s, or any)", opt,
                      (int)(n < 60 ? n : 60), p, allowed);
            return -1;
        }
        *bits |= 1ULL << v;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return 0;
}

/* A one-line text option: cleaned, length-checked. Replaces *field. */
static int set_text(const char *opt, const char *value, size_t max, char **field)
{
    if (strlen(value) > max) {
        cli_error("subscriber: %s is over %zu bytes", opt, max);
        return -1;
    }
    char *clean = utf8_clean_dup(value, UTF8_ONE_LINE, max, NULL);
    if (!clean) {
        cli_error("subscriber: out of memory");
        return -1;
    }
    free(*field);
    *field = *clean ? clean : NULL;
    if (!*clean)
        free(clean);
    return 0;
}

static bool has_word(const char *s)
{
    for (; *s; s++)
        if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* Append one employer to the newline-separated exclusion list ('' clears it). */
static int add_exclude(struct db_subscriber *s, const char *value)
{
    char *one = NULL;
    if (set_text("--exclude", value, EXCLUDE_MAX_BYTES, &one) != 0)
        return -1;
    if (!one) {
        free(s->exclude_employers);
        s->exclude_employers = NULL;
        return 0;
    }
    size_t have = s->exclude_employers ? strlen(s->exclude_employers) : 0;
    size_t lines = 1;
    for (size_t i = 0; i < have; i++)
        lines += s->exclude_employers[i] == '\n';
    char *joined = malloc(have + strlen(one) + 2);
    if (!joined || (have && lines >= EXCLUDE_MAX)) {
        cli_error("subscriber: at most %d excluded employers", EXCLUDE_MAX);
        free(joined);
        free(one);
        return -1;
    }
    (void)snprintf(joined, have + strlen(one) + 2, "%s%s%s", have ? s->exclude_employers : "",
                   have ? "\n" : "", one);
    free(s->exclude_employers);
    s->exclude_employers = joined;
    free(one);
    return 0;
}

struct edit {
    bool schedule_changed;
    bool excludes_reset; /* the first --exclude of an edit replaces the old list */
};

static int number(const char *opt, const char *arg, long long min, long long max, long long *out)
{
    if (text_parse_int(arg, min, max, out) != URS_OK) {
        cli_error("subscriber: %s wants a whole number from %lld to %lld, not '%s'", opt, min, max,
                  arg);
        return -1;
    }
    return 0;
}

static int enum_option(int c, const char *arg, struct db_subscriber *s, struct edit *ed)
{
    int v;
    if (c == 'f') {
        if ((v = db_frequency_parse(arg)) < 0) {
            cli_error("subscriber: unknown --frequency '%s' (allowed: daily, weekly, monthly)",
                      arg);
            return -1;
        }
        s->frequency = (enum db_frequency)v;
        ed->schedule_changed = true;
        return 0;
    }
    if ((v = db_sub_status_parse(arg)) < 0) {
        cli_error("subscriber: unknown --status '%s' (allowed: pending, active, unsubscribed, "
                  "bounced)",
                  arg);
        return -1;
    }
    s->status = (enum db_sub_status)v;
    if (s->status == DB_SUB_ACTIVE)
        s->hard_bounces = 0;
    return 0;
}

static int list_option(int c, const char *arg, struct db_subscriber *s)
{
    uint64_t bits = 0;
    int rc;
    switch (c) {
    case 'd':
        rc = parse_list("--discipline", arg, disc_parse, DISC_COUNT, disc_all_names(), &bits);
        s->disciplines = (uint32_t)bits;
        return rc;
    case 'm':
        rc = parse_list("--mode", arg, work_mode_parse, MODE_COUNT, work_mode_all_names(), &bits);
        s->modes = (uint32_t)bits;
        return rc;
    case 's':
        rc = parse_list("--schedule", arg, sched_parse, SCHED_COUNT, sched_all_names(), &bits);
        s->schedules = (uint32_t)bits;
        return rc;
    default:
        if (strcasecmp(arg, "any") == 0 || !*arg) {
            s->states = 0;
            return 0;
        }
        rc = parse_list("--state", arg, state_parse, STATE_COUNT,
                        "two-letter US state codes, DC, PR, COMPACT, ANY", &bits);
        s->states = bits;
        return rc;
    }
}

static int option(int c, const char *arg, struct db_subscriber *s, struct edit *ed)
{
    long long n;
    switch (c) {
    case 'n':
        return set_text("--name", arg, NAME_MAX_BYTES, &s->name);
    case 'd':
    case 'm':
    case 's':
    case 't':
        return list_option(c, arg, s);
    case 'p':
        if (number("--min-salary", arg, 0, 10000000, &n) != 0)
            return -1;
        s->min_salary = (double)n;
        return 0;
    case 'k':
        if (*arg && !has_word(arg)) {
            cli_error("subscriber: --keywords '%s' holds no word to search for", arg);
            return -1;
        }
        return set_text("--keywords", arg, URS_MAX_QUERY, &s->keywords);
    case 'x':
        if (!ed->excludes_reset) {
            free(s->exclude_employers);
            s->exclude_employers = NULL;
            ed->excludes_reset = true;
        }
        return add_exclude(s, arg);
    case 'H':
        if (number("--hour", arg, 0, 23, &n) != 0)
            return -1;
        s->send_hour = (int)n;
        ed->schedule_changed = true;
        return 0;
    case 'z':
        if (!notify_tz_valid(arg)) {
            cli_error("subscriber: unknown time zone '%s' (use a name like America/Chicago, "
                      "or UTC)",
                      arg);
            return -1;
        }
        ed->schedule_changed = true;
        return set_text("--tz", arg, 64, &s->time_zone);
    default:
        return enum_option(c, arg, s, ed);
    }
}

static int parse_options(int argc, char **argv, struct db_subscriber *s, struct edit *ed)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"discipline", required_argument, NULL, 'd'},
                                         {"mode", required_argument, NULL, 'm'},
                                         {"schedule", required_argument, NULL, 's'},
                                         {"state", required_argument, NULL, 't'},
                                         {"min-salary", required_argument, NULL, 'p'},
                                         {"keywords", required_argument, NULL, 'k'},
                                         {"exclude", required_argument, NULL, 'x'},
                                         {"frequency", required_argument, NULL, 'f'},
                                         {"hour", required_argument, NULL, 'H'},
                                         {"tz", required_argument, NULL, 'z'},
                                         {"status", required_argument, NULL, 'S'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
        if (c == '?')
            return -1;
        if (option(c, optarg, s, ed) != 0)
            return -1;
    }
    return 0;
}

/* The single EMAIL operand of add/edit/show/remove, checked. */
static const char *email_operand(int argc, char **argv, const char *verb)
{
    if (optind != argc - 1) {
        cli_error("subscriber %s: give exactly one EMAIL (see urscout subscriber --help)", verb);
        return NULL;
    }
    struct err e;
    err_clear(&e);
    if (notify_email_check(argv[optind], &e) != URS_OK) {
        cli_error("subscriber %s: '%.80s' is not a usable address: %s", verb, argv[optind], e.msg);
        return NULL;
    }
    return argv[optind];
}

static int schedule(struct db_subscriber *s, int64_t now)
{
    struct err e;
    err_clear(&e);
    if (notify_next_due(s, now, &s->next_due_at, &e) != URS_OK) {
        cli_error("subscriber: %s", e.msg);
        return -1;
    }
    return 0;
}

static int add(struct app *app, int argc, char **argv)
{
    struct db_subscriber s;
    struct edit ed = {0};
    db_subscriber_init(&s);
    int rc = CLI_USAGE;
    const char *email;
    if (parse_options(argc, argv, &s, &ed) != 0 || !(email = email_operand(argc, argv, "add")))
        goto out;
    rc = CLI_FAIL;
    int64_t now = (int64_t)time(NULL);
    if (!(s.email = strdup(email)) || schedule(&s, now) != 0 || cli_app_db(app, true) != CLI_OK)
        goto out;
    /* the first digest (one period of matches) goes out with the next run, not a day later */
    if (s.status == DB_SUB_ACTIVE)
        s.next_due_at = now;
    struct err e;
    err_clear(&e);
    int added = db_subscriber_add(app->db, &s, now, &e);
    if (added != URS_OK) {
        cli_error("subscriber add: %s", e.msg);
        rc = added == URS_EINVAL ? CLI_USAGE : CLI_FAIL;
        goto out;
    }
    printf("added %s (%s digest, id %lld)\n", s.email, db_frequency_name(s.frequency),
           (long long)s.id);
    rc = CLI_OK;
out:
    db_subscriber_free(&s);
    return rc;
}

static int load(struct app *app, const char *email, struct db_subscriber *s)
{
    struct err e;
    err_clear(&e);
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    int rc = db_subscriber_get(app->db, email, s, &e);
    if (rc != URS_OK) {
        cli_error("subscriber: %s", e.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int edit(struct app *app, int argc, char **argv)
{
    /* find the address first (options are parsed over the stored values) */
    const char *email = NULL;
    for (int i = 1; i < argc && !email; i++)
        if (argv[i][0] != '-' && (i == 1 || argv[i - 1][0] != '-' || strchr(argv[i - 1], '=')))
            email = argv[i];
    if (!email) {
        cli_error("subscriber edit: give the subscriber's EMAIL");
        return CLI_USAGE;
    }
    struct db_subscriber s;
    struct edit ed = {0};
    int rc = load(app, email, &s);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_USAGE;
    if (parse_options(argc, argv, &s, &ed) != 0 || !email_operand(argc, argv, "edit"))
        goto out;
    rc = CLI_FAIL;
    int64_t now = (int64_t)time(NULL);
    if (ed.schedule_changed && schedule(&s, now) != 0)
        goto out;
    struct err e;
    err_clear(&e);
    if (db_subscriber_update(app->db, &s, now, &e) != URS_OK) {
        cli_error("subscriber edit: %s", e.msg);
        goto out;
    }
    printf("updated %s\n", s.email);
    rc = CLI_OK;
out:
    db_subscriber_free(&s);
    return rc;
}

static void when(int64_t t, char *buf, size_t size)
{
    if (t <= 0)
        (void)snprintf(buf, size, "never");
    else
        text_format_time(t, buf, size);
}

static int show_one(void *ctx, const struct db_subscriber *s)
{
    bool full = ctx != NULL;
    struct sbuf filters;
    char last[32], next[32];
    sbuf_init(&filters, 4096);
    if (notify_filters_text(&filters, s) != URS_OK)
        sbuf_reset(&filters);
    when(s->last_digest_at, last, sizeof last);
    when(s->next_due_at, next, sizeof next);
    if (!full) {
        printf("%-32s %-12s %-8s %-20s %s\n", s->email, db_sub_status_name(s->status),
               db_frequency_name(s->frequency), last, sbuf_str(&filters));
        sbuf_free(&filters);
        return 0;
    }
    printf("email:        %s\nname:         %s\nstatus:       %s\nfrequency:    %s at %02d:00 "
           "%s\nfilters:      %s\n",
           s->email, s->name ? s->name : "", db_sub_status_name(s->status),
           db_frequency_name(s->frequency), s->send_hour, s->time_zone ? s->time_zone : "UTC",
           sbuf_str(&filters));
    if (s->exclude_employers)
        printf("excluded:     %s\n", s->exclude_employers);
    printf("last digest:  %s\nnext due:     %s\nhard bounces: %ld\n", last, next, s->hard_bounces);
    sbuf_free(&filters);
    return 0;
}

static int list(struct app *app, int argc, char **argv)
{
    int status = -1;
    if (argc == 3 && strcmp(argv[1], "--status") == 0) {
        if ((status = db_sub_status_parse(argv[2])) < 0) {
            cli_error("subscriber list: unknown status '%s' (allowed: pending, active, "
                      "unsubscribed, bounced)",
                      argv[2]);
            return CLI_USAGE;
        }
    } else if (argc != 1) {
        cli_error("subscriber list: the only option is --status STATUS");
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    printf("%-32s %-12s %-8s %-20s %s\n", "EMAIL", "STATUS", "DIGEST", "LAST DIGEST", "FILTERS");
    struct err e;
    err_clear(&e);
    if (db_subscribers_each(app->db, status, show_one, NULL, &e) != URS_OK) {
        cli_error("subscriber list: %s", e.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int show_or_remove(struct app *app, int argc, char **argv, bool remove)
{
    optind = 1;
    const char *email = email_operand(argc, argv, remove ? "remove" : "show");
    if (!email)
        return CLI_USAGE;
    struct db_subscriber s;
    int rc = load(app, email, &s);
    if (rc != CLI_OK)
        return rc;
    if (!remove) {
        (void)show_one(&s, &s);
        db_subscriber_free(&s);
        return CLI_OK;
    }
    struct err e;
    err_clear(&e);
    rc = db_subscriber_remove(app->db, email, &e);
    db_subscriber_free(&s);
    if (rc != URS_OK) {
        cli_error("subscriber remove: %s", e.msg);
        return CLI_FAIL;
    }
    printf("removed %s and their personal data\n", email);
    return CLI_OK;
}

int cli_cmd_subscriber(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    const char *verb = argc > 1 ? argv[1] : "";
    if (strcmp(verb, "add") == 0)
        return add(app, argc - 1, argv + 1);
    if (strcmp(verb, "edit") == 0)
        return edit(app, argc - 1, argv + 1);
    if (strcmp(verb, "list") == 0)
        return list(app, argc - 1, argv + 1);
    if (strcmp(verb, "show") == 0)
        return show_or_remove(app, argc - 1, argv + 1, false);
    if (strcmp(verb, "remove") == 0)
        return show_or_remove(app, argc - 1, argv + 1, true);
    cli_error("subscriber: unknown action '%s' (allowed: add, list, show, edit, remove)", verb);
    return CLI_USAGE;
}
