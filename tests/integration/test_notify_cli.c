/* SPDX-License-Identifier: MIT */
/* The notifier commands end to end: subscriber, coach, cohort, curate, digest, outbox. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_util.h"

struct cli {
    struct nenv env; /* the database the commands use, and a folder for urscout.ini */
    char *ini;
};

static const char ini_text[] = "[general]\n"
                               "database = urscout.db\n"
                               "[delivery]\n"
                               "from = digest@urscout.example.org\n"
                               "from_name = urscout\n"
                               "postal_address = urscout Inc, 100 Main St, Springfield, IL\n"
                               "maildir = mail\n"
                               "[web]\n"
                               "base_url = https://jobs.example.org\n";

static void cli_open(struct cli *c)
{
    nt_open(&c->env);
    c->ini = tu_path(c->env.dir, "urscout.ini");
    tu_write_file(c->ini, ini_text, (size_t)-1);
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", NT_KEY, 1), 0);
}

static void cli_close(struct cli *c)
{
    free(c->ini);
    nt_close(&c->env);
}

/* Run urscout with the test config in the test folder; returns the status. */
#define RUN(r, c, ...)                                                                             \
    (tu_urscout(r, (c)->env.dir, "--config", (c)->ini, __VA_ARGS__, NULL), (r)->status)

static void expect(struct cli *c, int status, const char *out, const char *err, const char *a1,
                   const char *a2, const char *a3, const char *a4, const char *a5)
{
    struct tu_run r;
    tu_urscout(&r, c->env.dir, "--config", c->ini, a1, a2, a3, a4, a5, NULL);
    if (r.status != status || (out && !strstr(r.out, out)) || (err && !strstr(r.err, err)))
        fail_msg("urscout %s %s %s: status %d (want %d)\nstdout: %s\nstderr: %s", a1, a2 ? a2 : "",
                 a3 ? a3 : "", r.status, status, r.out, r.err);
    tu_run_free(&r);
}

static void test_subscriber_commands(void **state)
{
    (void)state;
    struct cli c;
    cli_open(&c);
    expect(&c, 0, "added ana@example.org", NULL, "subscriber", "add", "ana@example.org",
           "--discipline", "RN,PT");
    expect(&c, 2, NULL, "already subscribed", "subscriber", "add", "ANA@example.org", NULL, NULL);
    expect(&c, 2, NULL, "'ana@localhost' is not a usable address", "subscriber", "add",
           "ana@localhost", NULL, NULL);
    expect(&c, 2, NULL, "allowed: PT, OT", "subscriber", "add", "b@example.org", "--discipline",
           "XX");
    expect(&c, 2, NULL, "unknown time zone", "subscriber", "add", "b@example.org", "--tz",
           "Mars/Base");
    expect(&c, 2, NULL, "holds no word", "subscriber", "add", "b@example.org", "--keywords",
           "\"--\"");
    expect(&c, 0, "PT or RN", NULL, "subscriber", "list", NULL, NULL, NULL);
    expect(&c, 0, "updated", NULL, "subscriber", "edit", "ana@example.org", "--frequency",
           "monthly");
    expect(&c, 0, "frequency:    monthly at 07:00 UTC", NULL, "subscriber", "show",
           "ana@example.org", NULL, NULL);
    expect(&c, 0, "removed ana@example.org", NULL, "subscriber", "remove", "ana@example.org", NULL,
           NULL);
    expect(&c, 1, NULL, "no subscriber ana@example.org", "subscriber", "show", "ana@example.org",
           NULL, NULL);
    cli_close(&c);
}

/* Two postings first seen ten minutes ago by the wall clock (the commands use it). */
static void add_postings(struct cli *c)
{
    int64_t age = NT_NOW - (int64_t)time(NULL) + 600;
    struct nt_posting ps[] = {
        {NULL, "1", "Utilization Review Nurse", NULL, NULL, "https://x.example/1", MODE_REMOTE, 0,
         0, 0, age, 0.9},
        {NULL, "2", "Prior Authorization Nurse", NULL, NULL, "https://x.example/2", MODE_HYBRID, 0,
         0, 0, age, 0.8},
    };
    for (size_t i = 0; i < 2; i++)
        (void)nt_posting(&c->env, &ps[i]);
}

static void test_digest_and_outbox_commands(void **state)
{
    (void)state;
    struct cli c;
    cli_open(&c);
    add_postings(&c);
    expect(&c, 0, NULL, NULL, "subscriber", "add", "ana@example.org", "--name", "Ana");
    expect(&c, 0, "here are the new postings that match your filters",
           "2 postings; subject: 2 new jobs for you", "digest", "preview", "ana@example.org", NULL,
           NULL);
    expect(&c, 0, "Utilization Review Nurse", "2 postings; subject: 2 new jobs for you", "digest",
           "preview", "ana@example.org", "--html", "preview.html");
    char *html_path = tu_path(c.env.dir, "preview.html");
    char *html = tu_read_file(html_path, NULL);
    assert_non_null(html);
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    free(html);
    free(html_path);
    expect(&c, 0, "0 queued, 0 sent, 0 failed", NULL, "outbox", "list", NULL, NULL, NULL);
    expect(&c, 0, "would build 1 digest for 1 subscriber", NULL, "digest", "send", "--all",
           "--dry-run", NULL);
    expect(&c, 0, "0 queued, 0 sent, 0 failed", NULL, "outbox", "list", NULL, NULL, NULL);
    assert_int_equal(unsetenv("URSCOUT_HMAC_KEY"), 0);
    expect(&c, 2, NULL, "URSCOUT_HMAC_KEY", "digest", "send", "--all", NULL, NULL);
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", NT_KEY, 1), 0);
    expect(&c, 0, "1 sent", NULL, "digest", "send", "--all", NULL, NULL);
    expect(&c, 0, "0 queued, 1 sent, 0 failed", NULL, "outbox", "list", NULL, NULL, NULL);
    char *newdir = tu_path(c.env.dir, "mail/new");
    struct tu_run r;
    char *ls[] = {"/bin/ls", newdir, NULL};
    tu_run(&r, NULL, NULL, ls);
    assert_int_equal(tu_count(r.out, "\n"), 1);
    tu_run_free(&r);
    free(newdir);
    /* nothing new: preview says so, send sends nothing */
    expect(&c, 0, NULL, "nothing new for ana@example.org", "digest", "preview", "ana@example.org",
           NULL, NULL);
    /* the digest just sent, text and HTML, as make demo's last hint shows it */
    char *last_path = tu_path(c.env.dir, "last.html");
    expect(&c, 0, "Utilization Review Nurse", "2 postings, sent; subject: 2 new jobs for you",
           "digest", "preview", "ana@example.org", "--last", NULL);
    struct tu_run lr;
    assert_int_equal(RUN(&lr, &c, "digest", "preview", "ana@example.org", "--last", "--html",
                         last_path),
                     0);
    assert_non_null(strstr(lr.out, "Utilization Review Nurse"));
    assert_null(strstr(lr.out, "=\r\n")); /* decoded, no soft breaks left */
    tu_run_free(&lr);
    char *last_html = tu_read_file(last_path, NULL);
    assert_non_null(last_html);
    assert_true(strncmp(last_html, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(last_html, "Utilization Review Nurse"));
    assert_null(strstr(last_html, "=3D"));
    free(last_html);
    free(last_path);
    expect(&c, 1, NULL, "no digest recorded for bob@example.org", "digest", "preview",
           "bob@example.org", "--last", NULL);
    expect(&c, 0, "built 0 digests", NULL, "digest", "send", "--all", NULL, NULL);
    expect(&c, 0, "0 messages purged", NULL, "outbox", "purge", NULL, NULL, NULL);
    expect(&c, 0, "1 message purged", NULL, "outbox", "purge", "--older-than", "0", NULL);
    expect(&c, 2, NULL, "not a message id", "outbox", "retry", "x", NULL, NULL);
    expect(&c, 0, "0 messages queued again", NULL, "outbox", "retry", "--failed", NULL, NULL);
    cli_close(&c);
}

static void test_coach_commands(void **state)
{
    (void)state;
    struct cli c;
    cli_open(&c);
    add_postings(&c);
    expect(&c, 0, NULL, NULL, "subscriber", "add", "stu@example.org", NULL, NULL);
    expect(&c, 0, "added coach Kim", NULL, "coach", "add", "Kim", "--email", "kim@example.org");
    expect(&c, 2, NULL, "already exists", "coach", "add", "kim", "--email", "k@example.org");
    expect(&c, 1, NULL, "no coach named 'Lee'", "cohort", "add", "fall", "--coach", "Lee");
    expect(&c, 0, "added cohort spring", NULL, "cohort", "add", "spring", "--coach", "Kim");
    expect(&c, 0, "stu@example.org joined spring", NULL, "cohort", "join", "spring",
           "stu@example.org", NULL);
    expect(&c, 1, NULL, "no subscriber nobody@example.org", "cohort", "join", "spring",
           "nobody@example.org", NULL);
    expect(&c, 0, "stu@example.org", NULL, "cohort", "members", "spring", NULL, NULL);
    expect(&c, 0, "spring", NULL, "cohort", "list", NULL, NULL, NULL);
    expect(&c, 0, "pin 1 for spring", NULL, "curate", "pin", "--cohort", "spring", "1");
    expect(&c, 0, "hide 2 for spring", NULL, "curate", "hide", "--cohort", "spring", "2");
    struct tu_run r;
    assert_int_equal(
        RUN(&r, &c, "curate", "note", "--cohort", "spring", "--text", "Apply before Friday", "1"),
        0);
    tu_run_free(&r);
    expect(&c, 1, NULL, "no posting with id 999", "curate", "pin", "--cohort", "spring", "999");
    expect(&c, 0, "note: Apply before Friday", NULL, "curate", "list", "--cohort", "spring", NULL);
    expect(&c, 0, "Picked by your coach Kim (1)", NULL, "digest", "preview", "stu@example.org",
           NULL, NULL);
    assert_int_equal(RUN(&r, &c, "digest", "preview", "stu@example.org"), 0);
    assert_null(strstr(r.out, "Prior Authorization Nurse"));
    assert_non_null(strstr(r.out, "Coach's note: Apply before Friday"));
    /* the pick lies outside stu's filters: the intro does not say it matches them */
    assert_non_null(strstr(r.out, "here is your coach's pick since"));
    assert_null(strstr(r.out, "match your filters"));
    tu_run_free(&r);
    expect(&c, 0, "stu@example.org left spring", NULL, "cohort", "leave", "spring",
           "stu@example.org", NULL);
    cli_close(&c);
}

/* The rough edges of issue #11: exit statuses, partial joins, coaches by email, hints. */
static void test_newcomer_edges(void **state)
{
    (void)state;
    struct cli c;
    cli_open(&c);
    add_postings(&c);
    expect(&c, 0, NULL, NULL, "subscriber", "add", "a@example.org", NULL, NULL);
    expect(&c, 0, NULL, NULL, "subscriber", "add", "b@example.org", NULL, NULL);
    expect(&c, 0, "added coach Kim", NULL, "coach", "add", "Kim", "--email", "kim@example.org");
    /* the same address for a second coach is refused, whatever its case */
    expect(&c, 1, NULL, "coach 'Kim' already has the address", "coach", "add", "Lee", "--email",
           "KIM@example.org");
    expect(&c, 0, "Kim", NULL, "coach", "list", NULL, NULL, NULL);
    /* a coach named by email */
    expect(&c, 0, "added cohort fall (coach Kim)", NULL, "cohort", "add", "fall", "--coach",
           "kim@example.org");
    expect(&c, 1, NULL, "no coach named 'zed@example.org'", "cohort", "add", "x", "--coach",
           "zed@example.org");
    /* one unknown address: the others join, the line says so, exit 1 */
    struct tu_run r;
    assert_int_equal(RUN(&r, &c, "cohort", "join", "fall", "a@example.org", "nobody@example.org",
                         "b@example.org"),
                     1);
    assert_non_null(strstr(r.out, "a@example.org joined fall"));
    assert_non_null(strstr(r.out, "b@example.org joined fall"));
    assert_non_null(strstr(r.err, "urscout: cohort join: no subscriber nobody@example.org"));
    assert_non_null(strstr(r.err, "2 of 3 addresses joined fall"));
    tu_run_free(&r);
    expect(&c, 0, "b@example.org", NULL, "cohort", "members", "fall", NULL, NULL);
    /* joining makes the digest monthly: next due on the first of a month (UTC here) */
    assert_int_equal(RUN(&r, &c, "subscriber", "show", "b@example.org"), 0);
    const char *due = strstr(r.out, "next due:");
    assert_non_null(due);
    due += strspn(due + 9, " ") + 9;
    if (strncmp(due + 7, "-01T", 4) != 0)
        fail_msg("next due is not on the first of a month:\n%s", r.out);
    tu_run_free(&r);
    /* not found is 1, usage is 2 */
    expect(&c, 1, NULL, "no cohort named 'winter'", "cohort", "members", "winter", NULL, NULL);
    expect(&c, 1, NULL, "no cohort named 'winter'", "curate", "pin", "--cohort", "winter", "1");
    expect(&c, 1, NULL, "no posting with id 999", "curate", "pin", "--cohort", "fall", "999");
    expect(&c, 1, NULL, "urscout: ", "digest", "preview", "nobody@example.org", NULL, NULL);
    expect(&c, 1, NULL, "urscout: ", "subscriber", "show", "nobody@example.org", NULL, NULL);
    /* the address is checked for form only, as README says: no lookup of the domain */
    expect(&c, 0, NULL, NULL, "subscriber", "add", "d@no-mail-here.invalid", NULL, NULL);
    expect(&c, 2, NULL, "needs a name and a top-level domain", "subscriber", "add", "d@10.0.0.1",
           NULL, NULL);
    expect(&c, 2, NULL, "starts or ends with '-'", "subscriber", "add", "d@-x.example.org", NULL,
           NULL);
    expect(&c, 2, NULL, "did you mean 'cohort'", "cohrt", "list", NULL, NULL, NULL);
    expect(&c, 2, NULL, "did you mean '--keywords'", "subscriber", "add", "c@example.org", "--keywods",
           "x");
    expect(&c, 2, NULL, "option '--frequency' needs a value", "subscriber",
           "add", "c@example.org", "--frequency", NULL);
    cli_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newcomer_edges),
        cmocka_unit_test(test_subscriber_commands),
        cmocka_unit_test(test_digest_and_outbox_commands),
        cmocka_unit_test(test_coach_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
