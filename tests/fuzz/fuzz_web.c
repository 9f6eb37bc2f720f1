/* SPDX-License-Identifier: MIT */
/* Fuzz one request through the server's dispatch on a real store: router, form parser, the
 * session cookie and token checks of every page. Input: byte 0 picks the method, then LF- or
 * NUL-separated fields: path, Cookie, Content-Type, and the body (the rest). In a GET or HEAD,
 * "@U" and "@P" in the path become a valid unsubscribe and preferences token, and "@S" in the
 * cookie (any method) a signed-in coach's session, so the pages behind them are reached. A POST
 * never gets the tokens (a one-click unsubscribe needs no CSRF field), and every other write
 * needs a CSRF field the fuzzer cannot forge, so the store stays the same between inputs.
 * FUZZ_WEB_TRACE=1 prints each request's status. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "db/db.h"
#include "fuzz.h"
#include "web/web_int.h"

#define T0  1800000000LL
#define KEY "fuzz-hmac-key-0123456789abcdef!!"

static char dir[256];
static struct db *store;
static struct web_site site;
static char unsub_token[NOTIFY_TOKEN_MAX], prefs_token[NOTIFY_TOKEN_MAX];
static char session[WEB_SESSION_HEX_LEN + 1];

static void cleanup(void)
{
    db_close(store);
    DIR *d = opendir(dir);
    for (struct dirent *ent; d && (ent = readdir(d));) {
        char path[512];
        if (ent->d_name[0] == '.')
            continue;
        (void)snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        (void)unlink(path);
    }
    if (d)
        closedir(d);
    (void)rmdir(dir);
}

static void must(int rc, const struct err *e, const char *what)
{
    if (rc != URS_OK) {
        fprintf(stderr, "fuzz_web: %s: %s\n", what, e->msg);
        abort();
    }
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    (void)snprintf(dir, sizeof dir, "%s/fuzz-web-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    char path[300];
    (void)snprintf(path, sizeof path, "%s/web.db", dir);
    struct err e;
    err_clear(&e);
    must(db_open(path, true, &store, &e), &e, "db_open");
    atexit(cleanup);
    must(db_coach_add(store, "Ana", "ana@example.org", T0, &e), &e, "coach");
    must(web_coach_passwd(store, "Ana", "correct horse battery", T0, &e), &e, "passwd");
    must(db_cohort_add(store, "Spring <PT>", "Ana", T0, &e), &e, "cohort");
    struct db_subscriber s;
    db_subscriber_init(&s);
    s.email = strdup("stu@example.org");
    s.time_zone = strdup("UTC");
    s.status = DB_SUB_ACTIVE;
    s.next_due_at = T0;
    must(db_subscriber_add(store, &s, T0, &e), &e, "subscriber");
    must(notify_token_make(KEY, strlen(KEY), NOTIFY_TOKEN_UNSUBSCRIBE, s.id, unsub_token, &e), &e,
         "token");
    must(notify_token_make(KEY, strlen(KEY), NOTIFY_TOKEN_PREFERENCES, s.id, prefs_token, &e), &e,
         "token");
    db_subscriber_free(&s);
    struct web_auth_policy policy;
    web_auth_policy_default(&policy);
    struct web_login login;
    must(web_coach_login(store, &policy, "Ana", "correct horse battery", "127.0.0.1", T0, &login,
                         &e),
         &e, "login");
    if (login.result != WEB_LOGIN_OK)
        abort();
    memcpy(session, login.session, sizeof session);
    site.db = store;
    site.hmac_key = KEY;
    site.hmac_key_len = strlen(KEY);
    site.site_name = "urscout";
    site.base_url = "";
}

/* s with every "@X" replaced by with (a new string). */
static char *replace(const char *s, const char *mark, const char *with)
{
    size_t n = 1, wl = strlen(with);
    for (const char *p = s; *p; p++)
        n += strncmp(p, mark, 2) == 0 ? wl : 1;
    char *out = malloc(n), *o = out;
    if (!out)
        abort();
    for (const char *p = s; *p;) {
        if (strncmp(p, mark, 2) == 0) {
            memcpy(o, with, wl);
            o += wl;
            p += 2;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static char *field(const uint8_t *data, size_t size, size_t *at)
{
    size_t end = *at;
    while (end < size && data[end] != '\n' && data[end] != '\0')
        end++;
    size_t n = *at < size ? end - *at : 0;
    char *s = strndup(*at < size ? (const char *)data + *at : "", n);
    if (!s)
        abort();
    *at = end + 1;
    return s;
}

static void check_resp(const struct web_resp *r)
{
    if (r->status == 503 || r->status < 200 || r->status > 599)
        abort(); /* nothing a client sends may look like a store failure */
    if (r->body.len > WEB_MAX_RESPONSE || r->n_headers > WEB_RESP_HEADERS)
        abort();
    for (size_t i = 0; i < r->n_headers; i++)
        for (const unsigned char *p = (const unsigned char *)r->headers[i].value; *p; p++)
            if (*p < 0x20 || *p >= 0x7f)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > WEB_MAX_BODY + 1024)
        return 0;
    if (!store) {
        log_set_level(LOG_LVL_ERROR);
        setup();
    }
    static const enum web_method methods[] = {WEB_GET, WEB_HEAD, WEB_POST, WEB_POST};
    size_t at = 1;
    char *path = field(data, size, &at), *cookie = field(data, size, &at);
    char *ctype = field(data, size, &at);
    size_t body_len = at < size ? size - at : 0;
    char *body = malloc(body_len + 1);
    if (!body)
        abort();
    memcpy(body, at < size ? data + at : (const uint8_t *)"", body_len);
    body[body_len] = '\0'; /* the server's sbuf is NUL-terminated too */

    struct web_req req;
    memset(&req, 0, sizeof req);
    req.method = methods[data[0] & 3];
    bool safe = req.method != WEB_POST;
    char *p1 = replace(path, "@U", safe ? unsub_token : "x");
    char *p2 = replace(p1, "@P", safe ? prefs_token : "x");
    char *c1 = replace(cookie, "@S", session);
    req.body = body;
    req.body_len = body_len;
    req.content_type = *ctype || (data[0] & 4) ? ctype : NULL;
    req.cookie = *c1 || (data[0] & 8) ? c1 : NULL;
    (void)snprintf(req.client, sizeof req.client, "10.0.0.%u", (unsigned)(data[0] >> 4));
    req.now = T0 + 10;
    struct web_resp resp;
    web_resp_init(&resp);
    if (web_dispatch(&site, &req, p2, &resp) != URS_OK)
        abort();
    check_resp(&resp);
    if (getenv("FUZZ_WEB_TRACE"))
        fprintf(stderr, "%s %s -> %d\n", web_method_name(req.method), p2, resp.status);
    web_resp_free(&resp);
    free(p1);
    free(p2);
    free(c1);
    free(path);
    free(cookie);
    free(ctype);
    free(body);
    return 0;
}
