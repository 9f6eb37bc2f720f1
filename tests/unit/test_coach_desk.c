/* SPDX-License-Identifier: MIT */
/* The coach desk pages through the server's dispatch, on a real store: sign-in, 403, CSRF. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "common/posting.h"
#include "db/db.h"
#include "web/web_int.h"

#define T0 1800000000LL
#define PW "correct horse battery"

struct fx {
    char *dir;
    char *path;
    struct db *db;
    struct web_site site;
    char cookie[128];
    int64_t spring, fall, posting;
};

static int64_t cohort_id(struct fx *f, const char *name)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT id FROM cohorts WHERE name = ?1", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return id;
}

static long long count(struct fx *f, const char *sql)
{
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->path = tu_path(f->dir, "desk.db");
    struct err e;
    err_clear(&e);
    if (db_open(f->path, true, &f->db, &e) != URS_OK)
        fail_msg("db_open: %s", e.msg);
    assert_int_equal(db_coach_add(f->db, "Ana", "ana@example.org", T0, &e), URS_OK);
    assert_int_equal(db_coach_add(f->db, "Ben", "ben@example.org", T0, &e), URS_OK);
    assert_int_equal(web_coach_passwd(f->db, "Ana", PW, T0, &e), URS_OK);
    assert_int_equal(web_coach_passwd(f->db, "Ben", "bens own password", T0, &e), URS_OK);
    assert_int_equal(db_cohort_add(f->db, "Spring <PT>", "Ana", T0, &e), URS_OK);
    assert_int_equal(db_cohort_add(f->db, "Fall", "Ben", T0, &e), URS_OK);
    struct posting p;
    posting_init(&p);
    p.source = strdup("test");
    p.external_id = strdup("1");
    p.title = strdup("Utilization Review Nurse");
    p.employer = strdup("Acme Health");
    enum db_upsert up;
    assert_int_equal(db_posting_upsert(f->db, &p, T0, &up, &e), URS_OK);
    f->posting = p.id;
    posting_free(&p);
    struct db_subscriber s;
    db_subscriber_init(&s);
    s.email = strdup("stu@example.org");
    s.time_zone = strdup("UTC");
    s.status = DB_SUB_ACTIVE;
    s.next_due_at = T0;
    assert_int_equal(db_subscriber_add(f->db, &s, T0, &e), URS_OK);
    db_subscriber_free(&s);
    f->site.db = f->db;
    f->site.hmac_key = "0123456789abcdef0123456789abcdef";
    f->site.hmac_key_len = strlen(f->site.hmac_key);
    f->site.site_name = "urscout";
    f->site.base_url = "";
    f->spring = cohort_id(f, "Spring <PT>");
    f->fall = cohort_id(f, "Fall");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    db_close(f->db);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->path);
    free(f);
    return 0;
}

/* One request; resp is initialised here and freed by the caller. */
static void request(struct fx *f, enum web_method m, const char *path, const char *body,
                    const char *client, struct web_resp *r)
{
    struct web_req q;
    memset(&q, 0, sizeof q);
    q.method = m;
    q.body = body ? body : "";
    q.body_len = strlen(q.body);
    q.content_type = body ? "application/x-www-form-urlencoded" : NULL;
    q.cookie = f->cookie[0] ? f->cookie : NULL;
    (void)snprintf(q.client, sizeof q.client, "%s", client ? client : "127.0.0.1");
    q.now = T0 + 10;
    web_resp_init(r);
    assert_int_equal(web_dispatch(&f->site, &q, path, r), URS_OK);
}

static const char *header(const struct web_resp *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* The CSRF field's value in a page, copied to out. */
static void csrf_of(const struct web_resp *r, char *out, size_t len)
{
    const char *s = strstr(sbuf_str(&r->body), "name=\"csrf\" value=\"");
    assert_non_null(s);
    s += strlen("name=\"csrf\" value=\"");
    size_t n = strcspn(s, "\"");
    assert_true(n < len);
    memcpy(out, s, n);
    out[n] = '\0';
}

static void sign_in(struct fx *f, const char *who, const char *pw)
{
    struct web_resp r;
    request(f, WEB_GET, "/coach/login", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    char csrf[WEB_CSRF_MAX], body[512];
    csrf_of(&r, csrf, sizeof csrf);
    web_resp_free(&r);
    (void)snprintf(body, sizeof body, "csrf=%s&login=%s&password=%s", csrf, who, pw);
    for (char *c = body; *c; c++)
        if (*c == ' ')
            *c = '+';
    request(f, WEB_POST, "/coach/login", body, NULL, &r);
    assert_int_equal(r.status, 303);
    const char *cookie = header(&r, "Set-Cookie");
    assert_non_null(cookie);
    assert_non_null(strstr(cookie, "; Path=/coach; HttpOnly; Secure; SameSite=Strict"));
    assert_string_equal(header(&r, "Location"), "/coach");
    size_t n = strcspn(cookie, ";");
    assert_true(n < sizeof f->cookie);
    memcpy(f->cookie, cookie, n);
    f->cookie[n] = '\0';
    web_resp_free(&r);
}

static void test_signed_out_goes_to_login(void **state)
{
    struct fx *f = *state;
    struct web_resp r;
    request(f, WEB_GET, "/coach", NULL, NULL, &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(header(&r, "Location"), "/coach/login");
    web_resp_free(&r);
    char path[64];
    (void)snprintf(path, sizeof path, "/coach/c/%lld", (long long)f->spring);
    request(f, WEB_POST, path, "action=pin&posting=1", NULL, &r);
    assert_int_equal(r.status, 303);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM curation"), 0);
    /* a forged cookie is no session */
    (void)snprintf(f->cookie, sizeof f->cookie, "urs_coach=%064d", 0);
    request(f, WEB_GET, "/coach", NULL, NULL, &r);
    assert_int_equal(r.status, 303);
    web_resp_free(&r);
}

static void test_login_refusals(void **state)
{
    struct fx *f = *state;
    struct web_resp r;
    request(f, WEB_GET, "/coach/login", NULL, NULL, &r);
    char csrf[WEB_CSRF_MAX], body[512];
    csrf_of(&r, csrf, sizeof csrf);
    web_resp_free(&r);
    /* no CSRF token: 403 and no failure counted, no session */
    request(f, WEB_POST, "/coach/login", "login=Ana&password=correct+horse+battery", NULL, &r);
    assert_int_equal(r.status, 403);
    assert_null(header(&r, "Set-Cookie"));
    web_resp_free(&r);
    /* wrong password: 403 with the form again, then the lock after five */
    (void)snprintf(body, sizeof body, "csrf=%s&login=Ana&password=wrong+password+here", csrf);
    for (int i = 1; i <= 5; i++) {
        request(f, WEB_POST, "/coach/login", body, NULL, &r);
        assert_int_equal(r.status, i < 5 ? 403 : 429);
        assert_null(header(&r, "Set-Cookie"));
        assert_non_null(strstr(sbuf_str(&r.body), i < 5 ? "Wrong name or password"
                                                        : "Too many failed sign-ins"));
        if (i == 5)
            assert_string_equal(header(&r, "Retry-After"), "60");
        web_resp_free(&r);
    }
    (void)snprintf(body, sizeof body, "csrf=%s&login=Ana&password=correct+horse+battery", csrf);
    request(f, WEB_POST, "/coach/login", body, NULL, &r);
    assert_int_equal(r.status, 429);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 0);
}

static void test_only_own_cohorts(void **state)
{
    struct fx *f = *state;
    sign_in(f, "Ana", PW);
    struct web_resp r;
    request(f, WEB_GET, "/coach", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(sbuf_str(&r.body), "Spring &lt;PT&gt;"));
    assert_null(strstr(sbuf_str(&r.body), "Fall"));
    assert_false(r.cacheable);
    web_resp_free(&r);
    char path[64], body[512], csrf[WEB_CSRF_MAX];
    (void)snprintf(path, sizeof path, "/coach/c/%lld", (long long)f->spring);
    request(f, WEB_GET, path, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    csrf_of(&r, csrf, sizeof csrf);
    web_resp_free(&r);
    /* Ben's cohort: 403 to look, 403 to change, even with a valid token of this session */
    (void)snprintf(path, sizeof path, "/coach/c/%lld", (long long)f->fall);
    request(f, WEB_GET, path, NULL, NULL, &r);
    assert_int_equal(r.status, 403);
    web_resp_free(&r);
    (void)snprintf(body, sizeof body, "csrf=%s&action=pin&posting=%lld", csrf,
                   (long long)f->posting);
    request(f, WEB_POST, path, body, NULL, &r);
    assert_int_equal(r.status, 403);
    web_resp_free(&r);
    (void)snprintf(path, sizeof path, "/coach/c/%lld/preview", (long long)f->fall);
    request(f, WEB_GET, path, NULL, NULL, &r);
    assert_int_equal(r.status, 403);
    web_resp_free(&r);
    request(f, WEB_GET, "/coach/c/999", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM curation"), 0);
}

static void test_curate_and_members(void **state)
{
    struct fx *f = *state;
    sign_in(f, "ana@example.org", PW);
    char path[64], body[512], csrf[WEB_CSRF_MAX];
    struct web_resp r;
    (void)snprintf(path, sizeof path, "/coach/c/%lld", (long long)f->spring);
    request(f, WEB_GET, path, NULL, NULL, &r);
    csrf_of(&r, csrf, sizeof csrf);
    web_resp_free(&r);
    /* without a token, or with the sign-in page's: 403, nothing changes */
    (void)snprintf(body, sizeof body, "action=pin&posting=%lld&note=x", (long long)f->posting);
    request(f, WEB_POST, path, body, NULL, &r);
    assert_int_equal(r.status, 403);
    web_resp_free(&r);
    char login_csrf[WEB_CSRF_MAX];
    assert_int_equal(web_csrf_make(&f->site, "coach-login", T0, login_csrf), URS_OK);
    (void)snprintf(body, sizeof body, "csrf=%s&action=pin&posting=%lld", login_csrf,
                   (long long)f->posting);
    request(f, WEB_POST, path, body, NULL, &r);
    assert_int_equal(r.status, 403);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM curation"), 0);
    /* pin with a note */
    (void)snprintf(body, sizeof body, "csrf=%s&action=pin&posting=%lld&note=Great+first+job+%%3Cb%%3E",
                   csrf, (long long)f->posting);
    request(f, WEB_POST, path, body, NULL, &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(header(&r, "Location"), path);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM curation WHERE pinned = 1 AND note = "
                              "'Great first job <b>'"),
                     1);
    request(f, WEB_GET, path, NULL, NULL, &r);
    assert_non_null(strstr(sbuf_str(&r.body), "Great first job &lt;b&gt;"));
    assert_non_null(strstr(sbuf_str(&r.body), "Utilization Review Nurse"));
    web_resp_free(&r);
    /* members: add, bad address, remove */
    (void)snprintf(body, sizeof body, "csrf=%s&action=join&email=stu%%40example.org", csrf);
    request(f, WEB_POST, path, body, NULL, &r);
    assert_int_equal(r.status, 303);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM cohort_members"), 1);
    (void)snprintf(body, sizeof body, "csrf=%s&action=join&email=not-an-address", csrf);
    request(f, WEB_POST, path, body, NULL, &r);
    assert_int_equal(r.status, 400);
    web_resp_free(&r);
    (void)snprintf(body, sizeof body, "csrf=%s&action=leave&email=stu%%40example.org", csrf);
    request(f, WEB_POST, path, body, NULL, &r);
    assert_int_equal(r.status, 303);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM cohort_members"), 0);
    /* search finds the posting */
    char search[128];
    (void)snprintf(search, sizeof search, "%s", path);
    request(f, WEB_GET, search, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    web_resp_free(&r);
}

static void test_logout(void **state)
{
    struct fx *f = *state;
    sign_in(f, "Ana", PW);
    struct web_resp r;
    request(f, WEB_GET, "/coach", NULL, NULL, &r);
    char csrf[WEB_CSRF_MAX], body[256];
    csrf_of(&r, csrf, sizeof csrf);
    web_resp_free(&r);
    request(f, WEB_POST, "/coach/logout", "", NULL, &r);
    assert_int_equal(r.status, 403);
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 1);
    (void)snprintf(body, sizeof body, "csrf=%s", csrf);
    request(f, WEB_POST, "/coach/logout", body, NULL, &r);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(header(&r, "Set-Cookie"), "Max-Age=0"));
    web_resp_free(&r);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 0);
    request(f, WEB_GET, "/coach", NULL, NULL, &r);
    assert_int_equal(r.status, 303);
    web_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signed_out_goes_to_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_own_cohorts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_curate_and_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
