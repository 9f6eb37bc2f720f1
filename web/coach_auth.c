/* SPDX-License-Identifier: MIT */
/* Coach sign-in: Argon2id passwords, random sessions stored hashed, lockout with backoff. */
#include <argon2.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "db/db.h"
#include "web/web.h"

/* Argon2id cost (OWASP's first choice): 19 MiB, 2 passes, 1 lane; 16-byte salt, 32-byte hash. */
#define PW_T_COST    2
#define PW_M_COST    19456
#define PW_LANES     1
#define PW_SALT_LEN  16
#define PW_HASH_LEN  32
/* what a stored hash may ask for before we refuse to run it (database rows are input) */
#define PW_MAX_M     (256 * 1024)
#define PW_MAX_T     16
#define PW_MAX_LANES 8

/*
 * Verified when the login names nobody, or a coach without a password, so that answer costs
 * the same time as a wrong password. Its password is not one anybody can type by accident.
 */
static const char dummy_hash[] = "$argon2id$v=19$m=19456,t=2,p=1$tjjEu6BsNPG3yYIPTkvADg$"
                                 "4Essu1RBBMqiTh8Q0GFXjVNZLf2Hs5Th8d2J4Jg2nJE";

void web_auth_policy_default(struct web_auth_policy *p)
{
    p->idle_s = 2 * 3600;
    p->absolute_s = 12 * 3600;
    p->coach_free = 5;
    p->ip_free = 20;
    p->lock_base_s = 60;
    p->lock_max_s = 3600;
    p->forget_s = 24 * 3600;
}

static int random_bytes(uint8_t *buf, size_t len, struct err *e)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return err_set(e, URS_EIO, "getrandom: %s", n < 0 ? strerror(errno) : "no bytes");
        got += (size_t)n;
    }
    return URS_OK;
}

/* ---- passwords ---- */

int web_password_check(const char *pw, struct err *e)
{
    size_t len = strlen(pw);
    if (len < WEB_PASSWORD_MIN)
        return err_set(e, URS_EINVAL, "password: at least %d characters, please",
                       WEB_PASSWORD_MIN);
    if (len > WEB_PASSWORD_MAX)
        return err_set(e, URS_EINVAL, "password: at most %d bytes", WEB_PASSWORD_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f)
            return err_set(e, URS_EINVAL, "password: no control characters");
    return URS_OK;
}

int web_password_hash(const char *pw, char out[WEB_PASSWORD_HASH_MAX], struct err *e)
{
    out[0] = '\0';
    int rc = web_password_check(pw, e);
    if (rc != URS_OK)
        return rc;
    uint8_t salt[PW_SALT_LEN];
    rc = random_bytes(salt, sizeof salt, e);
    if (rc != URS_OK)
        return rc;
    int a2 = argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_LANES, pw, strlen(pw), salt,
                                   sizeof salt, PW_HASH_LEN, out, WEB_PASSWORD_HASH_MAX);
    if (a2 != ARGON2_OK) {
        out[0] = '\0';
        return err_set(e, a2 == ARGON2_MEMORY_ALLOCATION_ERROR ? URS_ENOMEM : URS_EINVAL,
                       "password hash: %s", argon2_error_message(a2));
    }
    return URS_OK;
}

/* One "k=N" parameter of an encoded hash, at most max; *s moves past it. */
static bool hash_param(const char **s, char k, long max, long *v)
{
    if ((*s)[0] != k || (*s)[1] != '=')
        return false;
    char *end;
    errno = 0;
    long n = strtol(*s + 2, &end, 10);
    if (errno || end == *s + 2 || n < 1 || n > max)
        return false;
    *v = n;
    *s = end;
    return true;
}

/* Only Argon2id, version 19, with costs we are willing to pay: fail closed otherwise. */
static bool hash_acceptable(const char *encoded)
{
    static const char prefix[] = "$argon2id$v=19$";
    if (strncmp(encoded, prefix, sizeof prefix - 1) != 0 ||
        strlen(encoded) >= WEB_PASSWORD_HASH_MAX)
        return false;
    const char *s = encoded + sizeof prefix - 1;
    long m, t, p;
    return hash_param(&s, 'm', PW_MAX_M, &m) && *s++ == ',' && hash_param(&s, 't', PW_MAX_T, &t) &&
           *s++ == ',' && hash_param(&s, 'p', PW_MAX_LANES, &p) && *s == '$';
}

int web_password_verify(const char *encoded, const char *pw, bool *ok, struct err *e)
{
    *ok = false;
    if (!hash_acceptable(encoded))
        return err_set(e, URS_EINVAL, "stored password hash: not an Argon2id hash we accept");
    size_t len = strnlen(pw, WEB_PASSWORD_MAX + 1);
    if (len > WEB_PASSWORD_MAX)
        return URS_OK; /* never a valid password: no need to hash it */
    int a2 = argon2id_verify(encoded, pw, len);
    if (a2 == ARGON2_OK) {
        *ok = true;
        return URS_OK;
    }
    if (a2 == ARGON2_VERIFY_MISMATCH)
        return URS_OK;
    return err_set(e, a2 == ARGON2_MEMORY_ALLOCATION_ERROR ? URS_ENOMEM : URS_EINVAL,
                   "password check: %s", argon2_error_message(a2));
}

int web_coach_passwd(struct db *db, const char *login, const char *pw, int64_t now, struct err *e)
{
    int64_t coach_id;
    int rc = db_coach_find(db, login, &coach_id, NULL, e);
    if (rc != URS_OK)
        return rc;
    char hash[WEB_PASSWORD_HASH_MAX];
    rc = web_password_hash(pw, hash, e);
    if (rc == URS_OK)
        rc = db_coach_password_set(db, coach_id, hash, now, e);
    OPENSSL_cleanse(hash, sizeof hash);
    return rc;
}

/* ---- sessions ---- */

static int session_hash(const uint8_t id[WEB_SESSION_ID_LEN], uint8_t out[DB_SESSION_HASH_LEN],
                        struct err *e)
{
    unsigned int n = 0;
    if (EVP_Digest(id, WEB_SESSION_ID_LEN, out, &n, EVP_sha256(), NULL) != 1 ||
        n != DB_SESSION_HASH_LEN)
        return err_set(e, URS_ENOMEM, "session: SHA-256 failed");
    return URS_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A cookie value: exactly 64 lowercase hex digits. false otherwise (never "repaired"). */
static bool session_parse(const char *cookie, uint8_t id[WEB_SESSION_ID_LEN])
{
    if (!cookie || strnlen(cookie, WEB_SESSION_HEX_LEN + 1) != WEB_SESSION_HEX_LEN)
        return false;
    for (size_t i = 0; i < WEB_SESSION_ID_LEN; i++) {
        int hi = hex_value(cookie[2 * i]);
        int lo = hex_value(cookie[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        id[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static int session_new(struct db *db, int64_t coach_id, int64_t now,
                       char out[WEB_SESSION_HEX_LEN + 1], struct err *e)
{
    uint8_t id[WEB_SESSION_ID_LEN];
    uint8_t hash[DB_SESSION_HASH_LEN];
    int rc = random_bytes(id, sizeof id, e);
    if (rc == URS_OK)
        rc = session_hash(id, hash, e);
    if (rc == URS_OK)
        rc = db_coach_session_add(db, hash, coach_id, now, e);
    for (size_t i = 0; rc == URS_OK && i < sizeof id; i++)
        (void)snprintf(out + 2 * i, 3, "%02x", id[i]);
    OPENSSL_cleanse(id, sizeof id);
    if (rc != URS_OK)
        out[0] = '\0';
    return rc;
}

int web_coach_session(struct db *db, const struct web_auth_policy *p, const char *cookie,
                      int64_t now, int64_t *coach_id, struct err *e)
{
    *coach_id = 0;
    uint8_t id[WEB_SESSION_ID_LEN];
    uint8_t hash[DB_SESSION_HASH_LEN];
    if (!session_parse(cookie, id))
        return err_set(e, URS_ENOTFOUND, "no such session");
    int rc = session_hash(id, hash, e);
    OPENSSL_cleanse(id, sizeof id);
    if (rc != URS_OK)
        return rc;
    return db_coach_session_get(db, hash, now - p->idle_s, now - p->absolute_s, now, coach_id, e);
}

int web_coach_logout(struct db *db, const char *cookie, struct err *e)
{
    uint8_t id[WEB_SESSION_ID_LEN];
    uint8_t hash[DB_SESSION_HASH_LEN];
    if (!session_parse(cookie, id))
        return URS_OK; /* nothing to end */
    int rc = session_hash(id, hash, e);
    OPENSSL_cleanse(id, sizeof id);
    return rc == URS_OK ? db_coach_session_end(db, hash, e) : rc;
}

/* ---- sign-in with lockout ---- */

/* Seconds of lock after `failures` failures with `free_tries` allowed: 0, or base doubling. */
static int64_t lock_seconds(const struct web_auth_policy *p, int64_t failures, int64_t free_tries)
{
    if (failures < free_tries)
        return 0;
    int64_t s = p->lock_base_s;
    for (int64_t i = free_tries; i < failures && s < p->lock_max_s; i++)
        s *= 2;
    return s < p->lock_max_s ? s : p->lock_max_s;
}

/* Count one failure on key and lock it when it is over its free tries; *until the lock. */
static int count_failure(struct db *db, const struct web_auth_policy *p, const char *key,
                         int64_t free_tries, int64_t now, int64_t *until, struct err *e)
{
    int64_t failures;
    int rc = db_login_failure_add(db, key, now, now - p->forget_s, &failures, e);
    int64_t lock = rc == URS_OK ? lock_seconds(p, failures, free_tries) : 0;
    if (rc == URS_OK && lock > 0) {
        rc = db_login_lock_set(db, key, now + lock, e);
        *until = now + lock > *until ? now + lock : *until;
    }
    return rc;
}

/* The lock keys: the coach when login names one, else the login itself; and the client. */
static void login_keys(const char *login, int64_t coach_id, const char *client, char *account,
                       size_t account_len, char *ip, size_t ip_len)
{
    if (coach_id > 0) {
        (void)snprintf(account, account_len, "coach:%lld", (long long)coach_id);
    } else {
        size_t n = (size_t)snprintf(account, account_len, "login:%.*s", WEB_LOGIN_MAX, login);
        for (size_t i = 6; i < n && i < account_len; i++)
            if (account[i] >= 'A' && account[i] <= 'Z')
                account[i] = (char)(account[i] - 'A' + 'a');
    }
    (void)snprintf(ip, ip_len, "ip:%.64s", client ? client : "-");
}

/* Verify pw for coach_id's stored hash (or the dummy one), so every refusal costs the same. */
static int check_password(const char *hash, const char *pw, bool *ok, struct err *e)
{
    bool match = false;
    int rc = web_password_verify(hash ? hash : dummy_hash, pw, &match, e);
    *ok = rc == URS_OK && hash && match;
    return rc;
}

int web_coach_login(struct db *db, const struct web_auth_policy *p, const char *login,
                    const char *pw, const char *client, int64_t now, struct web_login *out,
                    struct err *e)
{
    memset(out, 0, sizeof *out);
    out->result = WEB_LOGIN_REFUSED;
    if (strnlen(login, WEB_LOGIN_MAX + 1) > WEB_LOGIN_MAX || !login[0])
        return URS_OK;
    int64_t coach_id = 0;
    char *hash = NULL;
    struct err lookup;
    err_clear(&lookup);
    int rc = db_coach_find(db, login, &coach_id, &hash, &lookup);
    if (rc != URS_OK && rc != URS_ENOTFOUND && rc != URS_EINVAL)
        return err_set(e, rc, "%s", lookup.msg);
    if (rc != URS_OK)
        coach_id = 0;
    char account[WEB_LOGIN_MAX + 16];
    char ip[80];
    login_keys(login, coach_id, client, account, sizeof account, ip, sizeof ip);
    int64_t until_a = 0, until_i = 0;
    rc = db_login_lock_get(db, account, &until_a, e);
    if (rc == URS_OK)
        rc = db_login_lock_get(db, ip, &until_i, e);
    int64_t until = until_a > until_i ? until_a : until_i;
    if (rc != URS_OK || until > now) {
        /* locked: the password is not even looked at */
        out->result = rc == URS_OK ? WEB_LOGIN_LOCKED : WEB_LOGIN_REFUSED;
        out->retry_after = until - now;
        goto out;
    }
    bool ok;
    rc = check_password(coach_id ? hash : NULL, pw, &ok, e);
    if (rc != URS_OK)
        goto out;
    if (!ok) {
        until = 0;
        rc = count_failure(db, p, account, p->coach_free, now, &until, e);
        if (rc == URS_OK)
            rc = count_failure(db, p, ip, p->ip_free, now, &until, e);
        if (rc == URS_OK && until > now) {
            out->result = WEB_LOGIN_LOCKED;
            out->retry_after = until - now;
        }
        goto out;
    }
    rc = db_login_failures_clear(db, account, e);
    if (rc == URS_OK)
        rc = session_new(db, coach_id, now, out->session, e);
    if (rc == URS_OK) {
        out->result = WEB_LOGIN_OK;
        out->coach_id = coach_id;
    }
out:
    free(hash);
    return rc;
}
