/* SPDX-License-Identifier: MIT */
/* Unit tests for coach sign-in: Argon2id passwords, hashed sessions, lockout, on a real store. */
#include "testutil.h"

#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "web/web.h"

#define PW  "correct horse battery"
#define T0  1800000000LL

struct fx {
    char *dir;
    char *path;
    struct db *db;
    struct web_auth_policy policy;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->path = tu_path(f->dir, "coach.db");
    struct err e;
    err_clear(&e);
    if (db_open(f->path, true, &f->db, &e) != URS_OK)
        fail_msg("db_open: %s", e.msg);
    assert_int_equal(db_coach_add(f->db, "Ana", "ana@example.org", T0, &e), URS_OK);
    assert_int_equal(db_coach_add(f->db, "Ben", "ben@example.org", T0, &e), URS_OK);
    web_auth_policy_default(&f->policy);
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

static void set_pw(struct fx *f, const char *login, const char *pw)
{
    struct err e;
    err_clear(&e);
    int rc = web_coach_passwd(f->db, login, pw, T0, &e);
    if (rc != URS_OK)
        fail_msg("passwd %s: %s", login, e.msg);
}

static enum web_login_result login(struct fx *f, const char *who, const char *pw, const char *ip,
                                   int64_t now, struct web_login *out)
{
    struct err e;
    err_clear(&e);
    struct web_login tmp;
    struct web_login *l = out ? out : &tmp;
    int rc = web_coach_login(f->db, &f->policy, who, pw, ip, now, l, &e);
    if (rc != URS_OK)
        fail_msg("login %s: %s", who, e.msg);
    return l->result;
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

static void test_password_hash_and_verify(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    char h1[WEB_PASSWORD_HASH_MAX], h2[WEB_PASSWORD_HASH_MAX];
    assert_int_equal(web_password_hash(PW, h1, &e), URS_OK);
    assert_int_equal(web_password_hash(PW, h2, &e), URS_OK);
    assert_non_null(strstr(h1, "$argon2id$v=19$m=19456,t=2,p=1$"));
    assert_string_not_equal(h1, h2); /* a fresh salt each time */
    assert_null(strstr(h1, PW));
    bool ok = false;
    assert_int_equal(web_password_verify(h1, PW, &ok, &e), URS_OK);
    assert_true(ok);
    assert_int_equal(web_password_verify(h1, "correct horse batterY", &ok, &e), URS_OK);
    assert_false(ok);
    assert_int_equal(web_password_verify(h1, "", &ok, &e), URS_OK);
    assert_false(ok);
}

static void test_password_rules(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "short", "elevenchars", "tab\there is bad",
                                      "newline\nis bad!!"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct err e;
        err_clear(&e);
        assert_int_equal(web_password_check(bad[i], &e), URS_EINVAL);
        assert_true(strstr(e.msg, "password") != NULL);
    }
    char longpw[WEB_PASSWORD_MAX + 2];
    memset(longpw, 'x', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = '\0';
    struct err e;
    err_clear(&e);
    assert_int_equal(web_password_check(longpw, &e), URS_EINVAL);
    longpw[WEB_PASSWORD_MAX] = '\0';
    assert_int_equal(web_password_check(longpw, &e), URS_OK);
    assert_int_equal(web_password_check("twelve chars", &e), URS_OK);
    assert_int_equal(web_password_check("\xc3\xa9t\xc3\xa9 \xc3\xa0 la plage", &e), URS_OK);
}

/* A stored hash is input: other algorithms and outrageous costs are refused, never run. */
static void test_stored_hash_fails_closed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "plaintext",
        "$argon2i$v=19$m=19456,t=2,p=1$tjjEu6BsNPG3yYIPTkvADg$4Essu1RBBMqiTh8Q0GFXjVNZLf2Hs5Th8d2J"
        "4Jg2nJE",
        "$argon2id$v=16$m=19456,t=2,p=1$tjjEu6BsNPG3yYIPTkvADg$4Essu1RBBMqiTh8Q0GFXjVNZLf2Hs5Th8d2"
        "J4Jg2nJE",
        "$argon2id$v=19$m=4194304,t=2,p=1$tjjEu6BsNPG3yYIPTkvADg$4Essu1RBBMqiTh8Q0GFXjVNZLf2Hs5Th8"
        "d2J4Jg2nJE",
        "$argon2id$v=19$m=19456,t=1000,p=1$tjjEu6BsNPG3yYIPTkvADg$4Essu1RBBMqiTh8Q0GFXjVNZLf2Hs5Th"
        "8d2J4Jg2nJE",
        "$argon2id$v=19$m=19456,t=2,p=64$tjjEu6BsNPG3yYIPTkvADg$4Essu1RBBMqiTh8Q0GFXjVNZLf2Hs5Th8d"
        "2J4Jg2nJE",
        "$argon2id$v=19$m=-5,t=2,p=1$tjjEu6BsNPG3yYIPTkvADg$4Essu1RBBMqiTh8Q0GFXjVNZLf2Hs5Th8d2J4J"
        "g2nJE",
        "$argon2id$v=19$m=19456,t=2,p=1$!!!$???",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct err e;
        err_clear(&e);
        bool ok = true;
        assert_int_equal(web_password_verify(bad[i], PW, &ok, &e), URS_EINVAL);
        assert_false(ok);
    }
}

static void test_passwd_by_name_or_address(void **state)
{
    struct fx *f = *state;
    set_pw(f, "ana", PW);                    /* names are case-insensitive */
    set_pw(f, "BEN@example.org", "another good one");
    assert_int_equal(count(f, "SELECT count(*) FROM coach_passwords"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_passwords WHERE hash LIKE '%horse%'"),
                     0);
    struct err e;
    err_clear(&e);
    assert_int_equal(web_coach_passwd(f->db, "nobody", PW, T0, &e), URS_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(web_coach_passwd(f->db, "ana", "weak", T0, &e), URS_EINVAL);
    /* two coaches sharing an address: the address names nobody, the names still work */
    assert_int_equal(db_coach_add(f->db, "Cy", "shared@example.org", T0, &e), URS_OK);
    assert_int_equal(db_coach_add(f->db, "Di", "shared@example.org", T0, &e), URS_OK);
    err_clear(&e);
    assert_int_equal(web_coach_passwd(f->db, "shared@example.org", PW, T0, &e), URS_EINVAL);
    assert_non_null(strstr(e.msg, "several coaches"));
    set_pw(f, "Cy", PW);
    assert_int_equal(login(f, "shared@example.org", PW, "10.0.0.1", T0, NULL), WEB_LOGIN_REFUSED);
    assert_int_equal(login(f, "cy", PW, "10.0.0.1", T0, NULL), WEB_LOGIN_OK);
}

static void sha256(const uint8_t *in, size_t len, uint8_t out[32])
{
    unsigned int n;
    assert_int_equal(EVP_Digest(in, len, out, &n, EVP_sha256(), NULL), 1);
}

static void test_session_stored_hashed(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    struct web_login l;
    assert_int_equal(login(f, "ana@example.org", PW, "10.0.0.1", T0, &l), WEB_LOGIN_OK);
    assert_int_equal(strlen(l.session), WEB_SESSION_HEX_LEN);
    assert_int_equal(strspn(l.session, "0123456789abcdef"), WEB_SESSION_HEX_LEN);
    uint8_t id[32], want[32];
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(l.session + 2 * i, "%2x", &v), 1);
        id[i] = (uint8_t)v;
    }
    sha256(id, sizeof id, want);
    char sql[200];
    int n = snprintf(sql, sizeof sql, "SELECT count(*) FROM coach_sessions WHERE id_hash = x'");
    for (size_t i = 0; i < 32; i++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%02x", want[i]);
    (void)snprintf(sql + n, sizeof sql - (size_t)n, "'");
    assert_int_equal(count(f, sql), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 1);
    /* two sign-ins, two different sessions */
    struct web_login l2;
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", T0, &l2), WEB_LOGIN_OK);
    assert_string_not_equal(l.session, l2.session);
    int64_t who = 0;
    struct err e;
    err_clear(&e);
    assert_int_equal(web_coach_session(f->db, &f->policy, l.session, T0 + 1, &who, &e), URS_OK);
    assert_int_equal(who, l.coach_id);
}

static void test_session_expiry_and_logout(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    struct web_login l;
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", T0, &l), WEB_LOGIN_OK);
    const struct web_auth_policy *p = &f->policy;
    int64_t who;
    struct err e;
    err_clear(&e);
    /* used every hour: alive until the absolute limit, then gone */
    int64_t t = T0;
    for (; t + 3600 < T0 + p->absolute_s; t += 3600)
        assert_int_equal(web_coach_session(f->db, p, l.session, t + 3600, &who, &e), URS_OK);
    assert_int_equal(web_coach_session(f->db, p, l.session, T0 + p->absolute_s + 1, &who, &e),
                     URS_ENOTFOUND);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 0);
    /* idle: unused past idle_s is over */
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", T0, &l), WEB_LOGIN_OK);
    assert_int_equal(web_coach_session(f->db, p, l.session, T0 + p->idle_s, &who, &e), URS_OK);
    assert_int_equal(web_coach_session(f->db, p, l.session, T0 + 2 * p->idle_s + 1, &who, &e),
                     URS_ENOTFOUND);
    /* logout deletes; the cookie opens nothing afterwards */
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", T0, &l), WEB_LOGIN_OK);
    assert_int_equal(web_coach_logout(f->db, l.session, &e), URS_OK);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 0);
    assert_int_equal(web_coach_session(f->db, p, l.session, T0 + 1, &who, &e), URS_ENOTFOUND);
    assert_int_equal(web_coach_logout(f->db, l.session, &e), URS_OK);
    assert_int_equal(web_coach_logout(f->db, "garbage", &e), URS_OK);
}

static void test_session_cookie_malformed(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    struct web_login l;
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", T0, &l), WEB_LOGIN_OK);
    char upper[WEB_SESSION_HEX_LEN + 1], shorter[WEB_SESSION_HEX_LEN + 1],
        longer[WEB_SESSION_HEX_LEN + 2], flipped[WEB_SESSION_HEX_LEN + 1];
    memcpy(upper, l.session, sizeof upper);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    memcpy(shorter, l.session, sizeof shorter);
    shorter[WEB_SESSION_HEX_LEN - 1] = '\0';
    (void)snprintf(longer, sizeof longer, "%s0", l.session);
    memcpy(flipped, l.session, sizeof flipped);
    flipped[10] = flipped[10] == '0' ? '1' : '0';
    const char *bad[] = {NULL, "", upper, shorter, longer, flipped, "zz"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t who = 99;
        struct err e;
        err_clear(&e);
        if (bad[i] == upper && strcmp(upper, l.session) == 0)
            continue; /* all digits: nothing to upper-case */
        assert_int_equal(web_coach_session(f->db, &f->policy, bad[i], T0 + 1, &who, &e),
                         URS_ENOTFOUND);
        assert_int_equal(who, 0);
    }
}

static void test_wrong_unknown_and_unset_refused(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    assert_int_equal(login(f, "Ana", "correct horse batter", "10.0.0.1", T0, NULL),
                     WEB_LOGIN_REFUSED);
    assert_int_equal(login(f, "Nobody", PW, "10.0.0.1", T0, NULL), WEB_LOGIN_REFUSED);
    assert_int_equal(login(f, "Ben", PW, "10.0.0.1", T0, NULL), WEB_LOGIN_REFUSED); /* no pw */
    assert_int_equal(login(f, "", PW, "10.0.0.1", T0, NULL), WEB_LOGIN_REFUSED);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 0);
    /* each counted: the coach, the unknown login, the coach without a password, the client */
    assert_int_equal(count(f, "SELECT failures FROM coach_login_failures WHERE key = 'ip:10.0.0.1'"),
                     3);
    assert_int_equal(count(f, "SELECT failures FROM coach_login_failures WHERE key = 'login:nobody'"),
                     1);
}

static void test_lockout_with_backoff(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    const struct web_auth_policy *p = &f->policy;
    int64_t t = T0;
    struct web_login l;
    for (int64_t i = 1; i < p->coach_free; i++)
        assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.1", t, &l), WEB_LOGIN_REFUSED);
    /* the last free failure locks for lock_base_s */
    assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.1", t, &l), WEB_LOGIN_LOCKED);
    assert_int_equal(l.retry_after, p->lock_base_s);
    /* locked: even the right password, from another client, is not checked */
    assert_int_equal(login(f, "ana@example.org", PW, "10.0.0.2", t + 30, &l), WEB_LOGIN_LOCKED);
    assert_int_equal(l.retry_after, p->lock_base_s - 30);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_sessions"), 0);
    /* after the lock, a further failure doubles it, and again */
    t += p->lock_base_s;
    assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.1", t, &l), WEB_LOGIN_LOCKED);
    assert_int_equal(l.retry_after, 2 * p->lock_base_s);
    t += 2 * p->lock_base_s;
    assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.1", t, &l), WEB_LOGIN_LOCKED);
    assert_int_equal(l.retry_after, 4 * p->lock_base_s);
    /* never beyond lock_max_s */
    for (int i = 0; i < 20; i++) {
        t += l.retry_after;
        assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.1", t, &l), WEB_LOGIN_LOCKED);
        assert_true(l.retry_after <= p->lock_max_s);
    }
    assert_int_equal(l.retry_after, p->lock_max_s);
    /* once the lock is over the right password works and forgets the failures */
    t += l.retry_after;
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", t, &l), WEB_LOGIN_OK);
    assert_int_equal(count(f, "SELECT count(*) FROM coach_login_failures WHERE key LIKE 'coach:%'"),
                     0);
    /* (10.0.0.1 itself is locked by now: it failed more than ip_free times) */
    assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.3", t, &l), WEB_LOGIN_REFUSED);
}

static void test_failures_forgotten(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    const struct web_auth_policy *p = &f->policy;
    for (int64_t i = 1; i < p->coach_free; i++)
        assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.1", T0, NULL),
                         WEB_LOGIN_REFUSED);
    /* a day later the count starts again: one more failure does not lock */
    assert_int_equal(login(f, "Ana", "wrong password!", "10.0.0.1", T0 + p->forget_s + 1, NULL),
                     WEB_LOGIN_REFUSED);
    assert_int_equal(count(f, "SELECT failures FROM coach_login_failures WHERE key LIKE 'coach:%'"),
                     1);
}

/* One client guessing across many logins is locked out, other clients are not. */
static void test_lockout_per_client(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    const struct web_auth_policy *p = &f->policy;
    enum web_login_result last = WEB_LOGIN_OK;
    for (int64_t i = 0; i < p->ip_free; i++) {
        char who[32];
        (void)snprintf(who, sizeof who, "guess%lld", (long long)i);
        last = login(f, who, "wrong password!", "192.0.2.7", T0, NULL);
    }
    assert_int_equal(last, WEB_LOGIN_LOCKED);
    struct web_login l;
    assert_int_equal(login(f, "Ana", PW, "192.0.2.7", T0 + 1, &l), WEB_LOGIN_LOCKED);
    assert_int_equal(login(f, "Ana", PW, "192.0.2.8", T0 + 1, &l), WEB_LOGIN_OK);
    /* the client lock is not lifted by someone else's success */
    assert_int_equal(login(f, "Ana", PW, "192.0.2.7", T0 + 2, &l), WEB_LOGIN_LOCKED);
}

static void test_new_password_ends_sessions(void **state)
{
    struct fx *f = *state;
    set_pw(f, "Ana", PW);
    set_pw(f, "Ben", "bens own password");
    struct web_login a, b;
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", T0, &a), WEB_LOGIN_OK);
    assert_int_equal(login(f, "Ben", "bens own password", "10.0.0.1", T0, &b), WEB_LOGIN_OK);
    set_pw(f, "Ana", "a brand new password");
    int64_t who;
    struct err e;
    err_clear(&e);
    assert_int_equal(web_coach_session(f->db, &f->policy, a.session, T0 + 1, &who, &e),
                     URS_ENOTFOUND);
    assert_int_equal(web_coach_session(f->db, &f->policy, b.session, T0 + 1, &who, &e), URS_OK);
    assert_int_equal(login(f, "Ana", PW, "10.0.0.1", T0 + 2, NULL), WEB_LOGIN_REFUSED);
    assert_int_equal(login(f, "Ana", "a brand new password", "10.0.0.1", T0 + 2, NULL),
                     WEB_LOGIN_OK);
}

/* A login of any length is refused without error, and its lock key stays bounded. */
static void test_hostile_login(void **state)
{
    struct fx *f = *state;
    char big[4096];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(login(f, big, PW, "10.0.0.1", T0, NULL), WEB_LOGIN_REFUSED);
    big[WEB_LOGIN_MAX] = '\0';
    assert_int_equal(login(f, big, PW, "10.0.0.1", T0, NULL), WEB_LOGIN_REFUSED);
    assert_true(count(f, "SELECT max(length(key)) FROM coach_login_failures") <=
                WEB_LOGIN_MAX + 16);
    assert_int_equal(login(f, "x' OR '1'='1", PW, "10.0.0.1", T0, NULL), WEB_LOGIN_REFUSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_and_verify),
        cmocka_unit_test(test_password_rules),
        cmocka_unit_test(test_stored_hash_fails_closed),
        cmocka_unit_test_setup_teardown(test_passwd_by_name_or_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_stored_hashed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_expiry_and_logout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_cookie_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_unknown_and_unset_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_forgotten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout_per_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_password_ends_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_login, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
