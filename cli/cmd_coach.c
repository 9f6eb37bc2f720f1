/* SPDX-License-Identifier: MIT */
/* `urscout coach`, `cohort` and `curate`: coaches curate a monthly digest for their students. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/text.h"
#include "common/utf8.h"
#include "db/db.h"
#include "notifier/notifier.h"
#include "web/web.h"

#define NAME_MAX_BYTES 80   /* a coach or cohort name */
#define NOTE_MAX_BYTES 1000 /* a coach's note on a posting */

static const char coach_usage[] =
    "usage: urscout coach add NAME --email EMAIL\n"
    "       urscout coach list\n"
    "       urscout coach passwd NAME|EMAIL\n"
    "\n"
    "A coach owns cohorts of subscribers and curates postings for them (see urscout cohort\n"
    "and urscout curate), at the terminal or on the coach desk (/coach/login of urscout web).\n"
    "passwd sets the desk password (12 to 128 characters; stored as an Argon2id hash) and\n"
    "signs the coach out everywhere. At a terminal it asks twice without echo; otherwise it\n"
    "reads one line from standard input.\n";

static const char cohort_usage[] =
    "usage: urscout cohort add NAME --coach COACH\n"
    "       urscout cohort list\n"
    "       urscout cohort members NAME\n"
    "       urscout cohort join NAME EMAIL...\n"
    "       urscout cohort leave NAME EMAIL...\n"
    "\n"
    "A cohort's digest is monthly: joining sets the member's frequency to monthly (change it\n"
    "afterwards with urscout subscriber edit). Members see the coach's pinned picks first,\n"
    "with the coach's notes, and never the postings the coach hid.\n";

static const char curate_usage[] =
    "usage: urscout curate pin|hide|clear --cohort NAME ID...\n"
    "       urscout curate note --cohort NAME --text TEXT ID...\n"
    "       urscout curate list --cohort NAME\n"
    "\n"
    "pin puts a posting first in the cohort's digests (even an older one, or one outside a\n"
    "member's filters), hide keeps it out, note adds the coach's note (--text '' removes it),\n"
    "clear forgets the posting. IDs are posting ids as `urscout search` shows them.\n";

/* A name operand: 1..80 bytes, printable, no leading '-'. */
static bool valid_name(const char *what, const char *name)
{
    char *clean = utf8_clean_dup(name, UTF8_ONE_LINE, NAME_MAX_BYTES, NULL);
    bool ok = clean && *clean && strcmp(clean, name) == 0 && name[0] != '-';
    free(clean);
    if (!ok)
        cli_error("%s name '%.80s' must be 1 to %d printable characters on one line", what, name,
                  NAME_MAX_BYTES);
    return ok;
}

static int fail_e(const char *what, int rc, const struct err *e)
{
    cli_error("%s: %s", what, e->msg[0] ? e->msg : err_name(rc));
    return rc == URS_EINVAL || rc == URS_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
}

/* ---- coach ---- */

static int print_coach(void *ctx, const struct db_coach *c)
{
    (void)ctx;
    printf("%-24s %-32s %zu\n", c->name, c->email, c->cohorts);
    return 0;
}

/* ---- coach passwd ---- */

static volatile sig_atomic_t passwd_interrupted;

static void on_passwd_signal(int sig)
{
    (void)sig;
    passwd_interrupted = 1;
}

/*
 * One line from fd into buf (without its newline). -1 on error, interruption or a line over
 * WEB_PASSWORD_MAX bytes. Reads a byte at a time so nothing past the line is consumed.
 */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR && !passwd_interrupted)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 || c == '\n')
            break;
        if (len + 1 >= cap)
            return -1;
        buf[len++] = c;
    }
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    return 0;
}

/* Ask on the terminal with echo off; Ctrl-C restores the echo before giving up. */
static int ask_password(const char *prompt, char *buf, size_t cap)
{
    struct termios saved, quiet;
    if (tcgetattr(STDIN_FILENO, &saved) != 0)
        return -1;
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_passwd_signal; /* no SA_RESTART: read returns EINTR */
    sigemptyset(&sa.sa_mask);
    passwd_interrupted = 0;
    (void)sigaction(SIGINT, &sa, &old_int);
    (void)sigaction(SIGTERM, &sa, &old_term);
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    int rc = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 ? read_line(STDIN_FILENO, buf, cap)
                                                             : -1;
    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    (void)sigaction(SIGINT, &old_int, NULL);
    (void)sigaction(SIGTERM, &old_term, NULL);
    fprintf(stderr, "\n");
    return passwd_interrupted ? -1 : rc;
}

static int read_password(char *pw, size_t cap)
{
    if (!isatty(STDIN_FILENO)) {
        if (read_line(STDIN_FILENO, pw, cap) != 0) {
            cli_error("coach passwd: could not read one line of at most %d bytes from stdin",
                      WEB_PASSWORD_MAX);
            return -1;
        }
        return 0;
    }
    char again[WEB_PASSWORD_MAX + 2];
    int rc = ask_password("New password: ", pw, cap);
    if (rc == 0)
        rc = ask_password("Again: ", again, sizeof again);
    if (rc != 0)
        cli_error("coach passwd: no password read (at most %d bytes)", WEB_PASSWORD_MAX);
    else if (strcmp(pw, again) != 0) {
        cli_error("coach passwd: the two passwords differ; nothing changed");
        rc = -1;
    }
    memset(again, 0, sizeof again);
    return rc;
}

static int coach_passwd(struct app *app, const char *login)
{
    char pw[WEB_PASSWORD_MAX + 2];
    struct err e;
    err_clear(&e);
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    /* look the coach up first, so a typo in the name does not cost a typed password */
    int64_t coach_id;
    int rc = db_coach_find(app->db, login, &coach_id, NULL, &e);
    if (rc != URS_OK)
        return fail_e("coach passwd", rc, &e);
    if (read_password(pw, sizeof pw) != 0)
        return CLI_USAGE;
    rc = web_password_check(pw, &e);
    if (rc == URS_OK)
        rc = web_coach_passwd(app->db, login, pw, (int64_t)time(NULL), &e);
    memset(pw, 0, sizeof pw);
    if (rc != URS_OK)
        return fail_e("coach passwd", rc, &e);
    printf("password set for coach %s\n", login);
    return CLI_OK;
}

int cli_cmd_coach(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, coach_usage))
        return CLI_OK;
    struct err e;
    err_clear(&e);
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        if (cli_app_db(app, false) != CLI_OK)
            return CLI_FAIL;
        printf("%-24s %-32s %s\n", "COACH", "EMAIL", "COHORTS");
        int rc = db_coaches_each(app->db, print_coach, NULL, &e);
        return rc == URS_OK ? CLI_OK : fail_e("coach list", rc, &e);
    }
    if (argc == 3 && strcmp(argv[1], "passwd") == 0)
        return coach_passwd(app, argv[2]);
    if (argc != 5 || strcmp(argv[1], "add") != 0 || strcmp(argv[3], "--email") != 0) {
        cli_error("coach: expected 'coach add NAME --email EMAIL', 'coach list' or "
                  "'coach passwd NAME'");
        return CLI_USAGE;
    }
    if (!valid_name("coach", argv[2]))
        return CLI_USAGE;
    if (notify_email_check(argv[4], &e) != URS_OK) {
        cli_error("coach add: %s", e.msg);
        return CLI_USAGE;
    }
    if (cli_app_db(app, true) != CLI_OK)
        return CLI_FAIL;
    int rc = db_coach_add(app->db, argv[2], argv[4], (int64_t)time(NULL), &e);
    if (rc != URS_OK)
        return fail_e("coach add", rc, &e);
    printf("added coach %s\n", argv[2]);
    return CLI_OK;
}

/* ---- cohort ---- */

static int print_cohort(void *ctx, const struct db_cohort *c)
{
    (void)ctx;
    printf("%-24s %-24s %zu\n", c->name, c->coach, c->members);
    return 0;
}

static int print_member(void *ctx, const struct db_subscriber *s)
{
    (void)ctx;
    printf("%-32s %-12s %s\n", s->email, db_sub_status_name(s->status),
           db_frequency_name(s->frequency));
    return 0;
}

/* join/leave NAME EMAIL...: each address on its own; the first failure sets the status. */
static int membership(struct app *app, int argc, char **argv, bool join)
{
    if (argc < 4) {
        cli_error("cohort %s: give the cohort NAME and at least one EMAIL", argv[1]);
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    int status = CLI_OK;
    for (int i = 3; i < argc; i++) {
        struct err e;
        err_clear(&e);
        int rc = join ? db_cohort_join(app->db, argv[2], argv[i], (int64_t)time(NULL), &e)
                      : db_cohort_leave(app->db, argv[2], argv[i], &e);
        if (rc != URS_OK) {
            int s = fail_e(join ? "cohort join" : "cohort leave", rc, &e);
            status = status == CLI_OK ? s : status;
            continue;
        }
        printf("%s %s %s\n", argv[i], join ? "joined" : "left", argv[2]);
    }
    return status;
}

int cli_cmd_cohort(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, cohort_usage))
        return CLI_OK;
    const char *verb = argc > 1 ? argv[1] : "";
    struct err e;
    err_clear(&e);
    if (strcmp(verb, "join") == 0 || strcmp(verb, "leave") == 0)
        return membership(app, argc, argv, strcmp(verb, "join") == 0);
    if (strcmp(verb, "list") == 0 && argc == 2) {
        if (cli_app_db(app, false) != CLI_OK)
            return CLI_FAIL;
        printf("%-24s %-24s %s\n", "COHORT", "COACH", "MEMBERS");
        int rc = db_cohorts_each(app->db, print_cohort, NULL, &e);
        return rc == URS_OK ? CLI_OK : fail_e("cohort list", rc, &e);
    }
    if (strcmp(verb, "members") == 0 && argc == 3) {
        if (cli_app_db(app, false) != CLI_OK)
            return CLI_FAIL;
        int rc = db_cohort_members(app->db, argv[2], print_member, NULL, &e);
        return rc == URS_OK ? CLI_OK : fail_e("cohort members", rc, &e);
    }
    if (strcmp(verb, "add") == 0 && argc == 5 && strcmp(argv[3], "--coach") == 0) {
        if (!valid_name("cohort", argv[2]) || cli_app_db(app, true) != CLI_OK)
            return CLI_USAGE;
        int rc = db_cohort_add(app->db, argv[2], argv[4], (int64_t)time(NULL), &e);
        if (rc != URS_OK)
            return fail_e("cohort add", rc, &e);
        printf("added cohort %s (coach %s)\n", argv[2], argv[4]);
        return CLI_OK;
    }
    cli_error("cohort: unknown or incomplete action (allowed: add NAME --coach COACH, list, "
              "members NAME, join NAME EMAIL..., leave NAME EMAIL...)");
    return CLI_USAGE;
}

/* ---- curate ---- */

static int print_curation(void *ctx, const struct db_curation *c)
{
    (void)ctx;
    const char *what = c->pinned ? "pinned" : c->hidden ? "hidden" : "noted";
    printf("%-8lld %-7s %s%s", (long long)c->posting_id, what, c->open ? "" : "(closed) ",
           c->title ? c->title : "");
    if (c->employer)
        printf(" \xe2\x80\x94 %s", c->employer);
    printf("\n");
    if (c->note)
        printf("         note: %s\n", c->note);
    return 0;
}

struct curate_args {
    const char *cohort;
    const char *text;
    bool has_text;
    int first_id; /* index of the first ID operand */
};

static int curate_args(int argc, char **argv, struct curate_args *a)
{
    memset(a, 0, sizeof *a);
    int i = 2;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--cohort") == 0) {
            a->cohort = argv[i + 1];
        } else if (strcmp(argv[i], "--text") == 0) {
            a->text = argv[i + 1];
            a->has_text = true;
        } else {
            cli_error("curate: unknown option '%s' (allowed: --cohort NAME, --text TEXT)", argv[i]);
            return -1;
        }
    }
    a->first_id = i;
    if (!a->cohort) {
        cli_error("curate: --cohort NAME is required");
        return -1;
    }
    if (a->has_text && strlen(a->text) > NOTE_MAX_BYTES) {
        cli_error("curate: --text is over %d bytes", NOTE_MAX_BYTES);
        return -1;
    }
    return 0;
}

static int curate_ids(struct app *app, int argc, char **argv, const struct curate_args *a,
                      enum db_curate action)
{
    if (a->first_id >= argc) {
        cli_error("curate %s: give one or more posting IDs", argv[1]);
        return CLI_USAGE;
    }
    if (action == DB_CURATE_NOTE && !a->has_text) {
        cli_error("curate note: give the note with --text TEXT");
        return CLI_USAGE;
    }
    if (cli_app_db(app, false) != CLI_OK)
        return CLI_FAIL;
    char *note = a->has_text ? utf8_clean_dup(a->text, UTF8_ONE_LINE, NOTE_MAX_BYTES, NULL) : NULL;
    int status = CLI_OK;
    for (int i = a->first_id; i < argc; i++) {
        long long id;
        struct err e;
        err_clear(&e);
        if (text_parse_int(argv[i], 1, INT64_MAX, &id) != URS_OK) {
            cli_error("curate: '%s' is not a posting id", argv[i]);
            status = CLI_USAGE;
            continue;
        }
        int rc = db_curate(app->db, a->cohort, id, action, note, (int64_t)time(NULL), &e);
        if (rc != URS_OK) {
            int s = fail_e("curate", rc, &e);
            status = status == CLI_OK ? s : status;
            continue;
        }
        printf("%s %lld for %s\n", argv[1], id, a->cohort);
    }
    free(note);
    return status;
}

int cli_cmd_curate(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, curate_usage))
        return CLI_OK;
    static const char *const verbs[] = {"pin", "hide", "note", "clear"};
    const char *verb = argc > 1 ? argv[1] : "";
    struct curate_args a;
    if (strcmp(verb, "list") == 0) {
        if (curate_args(argc, argv, &a) != 0 || a.first_id != argc)
            return CLI_USAGE;
        if (cli_app_db(app, false) != CLI_OK)
            return CLI_FAIL;
        struct err e;
        err_clear(&e);
        int rc = db_curation_each(app->db, a.cohort, print_curation, NULL, &e);
        return rc == URS_OK ? CLI_OK : fail_e("curate list", rc, &e);
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verb, verbs[i]) == 0)
            return curate_args(argc, argv, &a) != 0
                       ? CLI_USAGE
                       : curate_ids(app, argc, argv, &a, (enum db_curate)i);
    cli_error("curate: unknown action '%s' (allowed: pin, hide, note, clear, list)", verb);
    return CLI_USAGE;
}
