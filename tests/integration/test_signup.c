/* SPDX-License-Identifier: MIT */
/* Sign-up with double opt-in over loopback: /signup, the mail in the Maildir, /c/TOKEN. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/web.h"
#include "web/web_int.h"
#include "web_util.h"

#define BEN "ben@example.net"


static void signup_csrf(struct web *w, char *csrf, size_t size)
{
    struct resp r;
    assert_int_equal(wt_get(w, "GET", "/jobs/signup", &r), 200);
    wt_csrf_of(r.body, csrf, size);
}

/* POST /jobs/signup for addr (urlencoded already) with filters; the status. */
static int signup(struct web *w, const char *csrf, const char *addr, struct resp *r)
{
    char body[700];
    (void)snprintf(body, sizeof body,
                   "csrf=%s&email=%s&discipline=PT&mode=remote&states=TX&min_salary=0"
                   "&keywords=&exclude=&frequency=daily&hour=9&tz=America%%2FChicago",
                   csrf, addr);
    return wt_post(w, "/jobs/signup", body, r);
}

static int64_t queued_notices(struct web *w)
{
    return nt_sql_int(&w->env, "SELECT count(*) FROM outbox WHERE kind = 'notice'");
}

/* The decoded body of the newest message in the Maildir that holds want (waits 10 s). */
static char *wait_mail(struct web *w, const char *want)
{
    char *dir = tu_path(w->env.maildir, "new");
    for (int tries = 0; tries < 200; tries++) {
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char *path = tu_path(dir, de->d_name);
            char *raw = tu_read_file(path, NULL);
            free(path);
            /* Maildir files have LF line ends */
            const char *sep = raw ? strstr(raw, "\n\n") : NULL;
            struct sbuf text;
            sbuf_init(&text, 1 << 20);
            if (sep)
                assert_int_equal(notify_qp_decode(&text, sep + 2, strlen(sep + 2)), URS_OK);
            bool hit = sep && strstr(raw, "Content-Type: text/plain; charset=UTF-8") &&
                       strstr(sbuf_str(&text), want);
            free(raw);
            if (hit) {
                closedir(d);
                free(dir);
                return sbuf_take(&text);
            }
            sbuf_free(&text);
        }
        if (d)
            closedir(d);
        wt_sleep_ms(50);
    }
    free(dir);
    fail_msg("no mail holding '%s' reached the Maildir", want);
    return NULL;
}

/* Until n outbox rows are marked sent: the mail file is in new/ just before its row is. */
static void wait_sent(struct web *w, int64_t n)
{
    for (int i = 0; i < 100 && nt_sql_int(&w->env, "SELECT count(*) FROM outbox WHERE"
                                                   " status = 'sent'") < n;
         i++)
        wt_sleep_ms(20);
}

/* The path of the link after "https://jobs.example.org" in text that starts with prefix. */
static void link_of(const char *text, const char *prefix, char *out, size_t size)
{
    char full[128];
    (void)snprintf(full, sizeof full, "https://jobs.example.org%s", prefix);
    const char *at = strstr(text, full);
    assert_non_null(at);
    at += strlen("https://jobs.example.org");
    size_t n = strcspn(at, " \r\n");
    assert_true(n < size);
    memcpy(out, at, n);
    out[n] = '\0';
}

static char *status_of(struct web *w, const char *email)
{
    char q[160];
    (void)snprintf(q, sizeof q, "SELECT status FROM subscribers WHERE email = '%s'", email);
    return nt_sql_text(&w->env, q);
}

static void expect_status(struct web *w, const char *email, const char *want)
{
    char *got = status_of(w, email);
    assert_string_equal(got, want);
    free(got);
}

/* ---- sign up, confirm from the Maildir, get digests ---- */

static void test_signup_then_confirm(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    struct resp r;
    char csrf[128], path[256], ccsrf[128];
    assert_int_equal(wt_get(&w, "GET", "/jobs/signup", &r), 200);
    assert_non_null(strstr(r.raw, "\r\nCache-Control: no-store\r\n"));
    assert_non_null(strstr(r.body, "name=\"email\""));
    assert_non_null(strstr(r.body, "value=\"SLP\""));
    assert_null(strstr(r.body, "name=\"paused\""));
    wt_csrf_of(r.body, csrf, sizeof csrf);

    assert_int_equal(signup(&w, csrf, "+ben%40example.net+", &r), 200);
    assert_non_null(strstr(r.body, "Check your mail"));
    assert_non_null(strstr(r.body, BEN));
    expect_status(&w, BEN, "pending");
    assert_int_equal(nt_sql_int(&w.env, "SELECT send_hour FROM subscribers WHERE email = '" BEN
                                        "'"),
                     9);
    /* the confirmation goes out by itself, within a second or so */
    char *text = wait_mail(&w, "/jobs/c/");
    assert_non_null(strstr(text, BEN));
    assert_non_null(strstr(text, "48 hours"));
    assert_non_null(strstr(text, "100 Main St"));
    link_of(text, "/jobs/c/", path, sizeof path);
    free(text);
    wait_sent(&w, 1);
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM outbox WHERE kind = 'notice' AND"
                                        " status = 'sent'"),
                     1);

    /* pending: no digest, even when every active subscriber gets one */
    int64_t now = (int64_t)time(NULL);
    struct nt_posting p = {NULL, "1", "Utilization Review Physical Therapist", NULL, NULL,
                           "https://x.example/1", MODE_REMOTE, 1u << DISC_PT,
                           1ULL << state_parse("TX"), 0, NT_NOW - now + 600, 0.9};
    (void)nt_posting(&w.env, &p);
    struct notify_stats st = {0};
    nt_build(&w.env, (int64_t)time(NULL), true, &st);
    assert_int_equal(st.digests, 1); /* ana's */
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM outbox o JOIN subscribers s ON"
                                        " s.id = o.subscriber_id WHERE s.email = '" BEN
                                        "' AND o.kind = 'digest'"),
                     0);

    /* GET (a mail scanner) shows a button and changes nothing */
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    assert_non_null(strstr(r.body, "<button type=\"submit\">Confirm</button>"));
    assert_non_null(strstr(r.body, BEN));
    expect_status(&w, BEN, "pending");
    wt_csrf_of(r.body, ccsrf, sizeof ccsrf);
    /* no CSRF token, or the sign-up form's: 403, still pending */
    assert_int_equal(wt_post(&w, path, "x=1", &r), 403);
    char body[256];
    (void)snprintf(body, sizeof body, "csrf=%s", csrf);
    assert_int_equal(wt_post(&w, path, body, &r), 403);
    expect_status(&w, BEN, "pending");
    /* confirmed: active, first digest scheduled; a second click is harmless */
    (void)snprintf(body, sizeof body, "csrf=%s", ccsrf);
    assert_int_equal(wt_post(&w, path, body, &r), 200);
    assert_non_null(strstr(r.body, "Confirmed"));
    assert_non_null(strstr(r.body, "/jobs/p/"));
    expect_status(&w, BEN, "active");
    assert_true(nt_sql_int(&w.env, "SELECT next_due_at FROM subscribers WHERE email = '" BEN
                                   "'") > (int64_t)time(NULL));
    assert_int_equal(wt_post(&w, path, body, &r), 200);
    assert_non_null(strstr(r.body, "Already confirmed"));
    nt_build(&w.env, (int64_t)time(NULL) + 60, true, &st);
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM outbox o JOIN subscribers s ON"
                                        " s.id = o.subscriber_id WHERE s.email = '" BEN
                                        "' AND o.kind = 'digest'"),
                     1);

    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    char *log = tu_read_file(w.log, NULL);
    assert_non_null(strstr(log, "path=/jobs/c/[token] status=200"));
    assert_null(strstr(log, BEN)); /* never an address in the log */
    assert_null(strstr(log, strrchr(path, '.') + 1));
    free(log);
    wt_close(&w);
}

/* ---- the same page whether the address is known or not ---- */

static void test_signup_does_not_reveal(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    struct resp r;
    char csrf[128];
    signup_csrf(&w, csrf, sizeof csrf);
    char *before = nt_sql_text(&w.env, "SELECT disciplines || '/' || frequency || '/' ||"
                                       " send_hour FROM subscribers WHERE email = '" EMAIL "'");
    assert_int_equal(signup(&w, csrf, "ben%40example.net", &r), 200);
    size_t new_len = strlen(r.body);
    char *new_page = strdup(r.body);
    assert_int_equal(signup(&w, csrf, "ben%40example.net", &r), 200); /* pending again */
    assert_string_equal(r.body, new_page);
    assert_int_equal(signup(&w, csrf, "ana%40example.org", &r), 200); /* active */
    assert_int_equal(strlen(r.body) - strlen(EMAIL), new_len - strlen(BEN));
    char *known = strstr(r.body, EMAIL), *fresh = strstr(new_page, BEN);
    assert_non_null(known);
    assert_non_null(fresh);
    assert_int_equal(known - r.body, fresh - new_page);
    assert_string_equal(known + strlen(EMAIL), fresh + strlen(BEN));
    free(new_page);
    /* one pending subscriber; the active one unchanged, told where its preferences are */
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM subscribers"), 2);
    expect_status(&w, EMAIL, "active");
    char *after = nt_sql_text(&w.env, "SELECT disciplines || '/' || frequency || '/' ||"
                                      " send_hour FROM subscribers WHERE email = '" EMAIL "'");
    assert_string_equal(before, after);
    free(before);
    free(after);
    char *text = wait_mail(&w, "gets them already");
    char prefs[256];
    link_of(text, "/jobs/p/", prefs, sizeof prefs);
    assert_null(strstr(text, "/jobs/c/"));
    free(text);
    assert_int_equal(wt_get(&w, "GET", prefs, &r), 200);
    assert_non_null(strstr(r.body, EMAIL));
    assert_int_equal(queued_notices(&w), 3);
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
}

/* ---- rate limits: per address and per client, nothing sent beyond them ---- */

static void test_signup_rate_limited(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    struct resp r;
    char csrf[128], addr[64];
    signup_csrf(&w, csrf, sizeof csrf);
    for (int i = 0; i < 3; i++)
        assert_int_equal(signup(&w, csrf, "ben%40example.net", &r), 200);
    assert_int_equal(signup(&w, csrf, "ben%40example.net", &r), 429);
    assert_non_null(strstr(r.raw, "\r\nRetry-After: 3600\r\n"));
    assert_non_null(strstr(r.body, "Nothing was sent"));
    assert_int_equal(signup(&w, csrf, "BEN%40Example.NET", &r), 429); /* the same address */
    assert_int_equal(queued_notices(&w), 3);
    /* 20 attempts from one client in an hour; 5 made, 15 more pass, then 429 */
    for (int i = 0; i < 15; i++) {
        (void)snprintf(addr, sizeof addr, "p%02d%%40example.net", i);
        assert_int_equal(signup(&w, csrf, addr, &r), 200);
    }
    assert_int_equal(signup(&w, csrf, "late%40example.net", &r), 429);
    assert_int_equal(queued_notices(&w), 18);
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM subscribers WHERE email ="
                                        " 'late@example.net'"),
                     0);
    /* the table holds digests of the address and client, never the values */
    assert_int_equal(nt_sql_int(&w.env, "SELECT count(*) FROM signup_limits WHERE key LIKE"
                                        " '%example%' OR key LIKE '%127.0.0.1%'"),
                     0);
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
}

/* ---- bad input: each refused, nothing changed ---- */

static void confirm_path(int64_t id, int64_t issued, char *out, size_t size)
{
    char tok[NOTIFY_TOKEN_MAX];
    struct err e;
    err_clear(&e);
    assert_int_equal(notify_token_make_timed(NT_KEY, strlen(NT_KEY), NOTIFY_TOKEN_CONFIRM, id,
                                             issued, tok, &e),
                     URS_OK);
    (void)snprintf(out, size, "/jobs/c/%s", tok);
}

static void test_signup_refusals(void **state)
{
    (void)state;
    struct web w;
    wt_open(&w);
    wt_start(&w, "2000", "64");
    struct resp r;
    char csrf[128], path[256];
    signup_csrf(&w, csrf, sizeof csrf);
    assert_int_equal(signup(&w, csrf, "ben%40example.net", &r), 200);
    int64_t ben = nt_sql_int(&w.env, "SELECT id FROM subscribers WHERE email = '" BEN "'");
    free(wait_mail(&w, "/jobs/c/"));
    wait_sent(&w, 1); /* the row's "sent" is the sign-up's last write */

    struct snap s = {0};
    wt_snap_take(&w, &s);
    /* no CSRF token, a forged one */
    assert_int_equal(wt_post(&w, "/jobs/signup", "email=carl%40example.net&frequency=daily"
                                                 "&hour=8&tz=UTC&min_salary=0",
                             &r),
                     403);
    assert_int_equal(wt_post(&w, "/jobs/signup", "csrf=1.AAAA&email=carl%40example.net", &r),
                     403);
    /* a bad address, a bad filter: 400 with the form and the reason */
    assert_int_equal(signup(&w, csrf, "not-an-address", &r), 400);
    assert_non_null(strstr(r.body, "is not an address digests can be sent to"));
    assert_non_null(strstr(r.body, "value=\"not-an-address\""));
    assert_int_equal(signup(&w, csrf, "%3Cb%3E%40x", &r), 400);
    assert_null(strstr(r.body, "<b>"));
    char body[300];
    (void)snprintf(body, sizeof body,
                   "csrf=%s&email=carl%%40example.net&frequency=daily&hour=8&tz=Mars&"
                   "min_salary=0",
                   csrf);
    assert_int_equal(wt_post(&w, "/jobs/signup", body, &r), 400);
    assert_non_null(strstr(r.body, "Unknown time zone"));
    /* links: expired, from the future, forged, another purpose, no such subscriber */
    confirm_path(ben, (int64_t)time(NULL) - NOTIFY_CONFIRM_TTL - 60, path, sizeof path);
    assert_int_equal(wt_get(&w, "GET", path, &r), 404);
    assert_non_null(strstr(r.body, "Link expired"));
    assert_non_null(strstr(r.body, "/jobs/signup"));
    assert_int_equal(wt_post(&w, path, "csrf=x", &r), 404);
    confirm_path(ben, (int64_t)time(NULL) + 3600, path, sizeof path);
    assert_int_equal(wt_get(&w, "GET", path, &r), 404);
    confirm_path(ben, (int64_t)time(NULL), path, sizeof path);
    path[strlen(path) - 2] = path[strlen(path) - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(wt_get(&w, "GET", path, &r), 404);
    assert_non_null(strstr(r.body, "Link not valid"));
    (void)snprintf(path, sizeof path, "/jobs/c/%s", w.token);
    assert_int_equal(wt_get(&w, "GET", path, &r), 404);
    confirm_path(ben + 100, (int64_t)time(NULL), path, sizeof path);
    assert_int_equal(wt_get(&w, "GET", path, &r), 404);
    wt_snap_unchanged(&w, &s, "refused sign-ups and confirmations");
    wt_snap_close(&s);
    expect_status(&w, BEN, "pending");

    /* a link issued before the subscriber unsubscribed cannot bring them back */
    confirm_path(w.sub_id, (int64_t)time(NULL) - 7200, path, sizeof path);
    char sql[160];
    (void)snprintf(sql, sizeof sql,
                   "UPDATE subscribers SET status = 'unsubscribed', updated_at = %lld WHERE"
                   " email = '" EMAIL "'",
                   (long long)time(NULL));
    nt_sql_exec(&w.env, sql);
    expect_status(&w, EMAIL, "unsubscribed");
    assert_int_equal(wt_get(&w, "GET", path, &r), 200);
    char ccsrf[128];
    wt_csrf_of(r.body, ccsrf, sizeof ccsrf);
    (void)snprintf(body, sizeof body, "csrf=%s", ccsrf);
    assert_int_equal(wt_post(&w, path, body, &r), 404);
    expect_status(&w, EMAIL, "unsubscribed");
    assert_int_equal(wt_signal(&w, SIGTERM), 0);
    wt_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signup_then_confirm),
        cmocka_unit_test(test_signup_does_not_reveal),
        cmocka_unit_test(test_signup_rate_limited),
        cmocka_unit_test(test_signup_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
