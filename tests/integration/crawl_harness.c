/* SPDX-License-Identifier: MIT */
/* Crawl test harness: recording hooks, in-memory validator and robots caches, payloads. */
#include "crawl_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "crawler/crawler.h"
#include "httpd.h"
#include "testutil.h"

static char *xdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

void ch_init(struct ch *c)
{
    memset(c, 0, sizeof *c);
    c->fail_after = -1;
}

void ch_clear_run(struct ch *c)
{
    for (size_t i = 0; i < c->posts_len; i++) {
        free(c->posts[i].source);
        free(c->posts[i].id);
        free(c->posts[i].title);
        free(c->posts[i].description);
    }
    free(c->posts);
    c->posts = NULL;
    c->posts_len = 0;
    for (size_t i = 0; i < c->reps_len; i++) {
        free(c->reps[i].source);
        free(c->reps[i].step);
        free(c->reps[i].error);
    }
    free(c->reps);
    c->reps = NULL;
    c->reps_len = 0;
}

static void entries_free(struct ch_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].key);
        free(e[i].a);
        free(e[i].b);
    }
}

void ch_free(struct ch *c)
{
    ch_clear_run(c);
    entries_free(c->validators, c->validators_len);
    entries_free(c->robots, c->robots_len);
    memset(c, 0, sizeof *c);
}

void ch_options(struct crawl_options *o)
{
    static const char *const allow[] = {"127.0.0.1"};
    crawl_options_init(o);
    o->user_agent = CH_UA;
    o->concurrency = 8;
    o->host_connections = 1;
    o->host_delay_ms = 0;
    o->connect_timeout_ms = 2000;
    o->timeout_ms = 5000;
    o->low_speed_time_ms = 2000;
    o->low_speed_limit = 10;
    o->max_body = 1024 * 1024;
    o->attempts = 3;
    o->retry_base_ms = 50;
    o->retry_max_ms = 10000;
    o->allow_hosts = allow;
    o->allow_hosts_len = 1;
    o->stop_grace_ms = 500;
}

static int64_t clock_fn(void *ctx)
{
    return ((struct ch *)ctx)->now;
}

void ch_use_clock(struct ch *c, struct crawl_options *o, int64_t now)
{
    c->now = now;
    c->use_clock = true;
    o->clock = clock_fn;
    o->clock_ctx = c;
}

static int on_posting(void *ctx, const char *source, struct posting *p)
{
    struct ch *c = ctx;
    if (c->fail_after >= 0 && (long)c->posts_len >= c->fail_after)
        return URS_EDB;
    struct ch_post *grown = realloc(c->posts, (c->posts_len + 1) * sizeof *grown);
    assert_non_null(grown);
    c->posts = grown;
    struct ch_post *r = &c->posts[c->posts_len++];
    r->source = xdup(source);
    r->id = xdup(p->external_id);
    r->title = xdup(p->title);
    r->description = xdup(p->description);
    return 0;
}

static struct ch_entry *find_entry(struct ch_entry *e, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].key, key) == 0)
            return &e[i];
    return NULL;
}

static bool validators_get(void *ctx, const char *url, char **etag, char **lm)
{
    struct ch *c = ctx;
    struct ch_entry *v = find_entry(c->validators, c->validators_len, url);
    if (!v)
        return false;
    *etag = xdup(v->a);
    *lm = xdup(v->b);
    return true;
}

static void validators_put(void *ctx, const char *url, const char *etag, const char *lm)
{
    struct ch *c = ctx;
    struct ch_entry *v = find_entry(c->validators, c->validators_len, url);
    if (!v) {
        assert_true(c->validators_len < 64);
        v = &c->validators[c->validators_len++];
        v->key = xdup(url);
    }
    free(v->a);
    free(v->b);
    v->a = xdup(etag);
    v->b = xdup(lm);
}

static bool robots_get(void *ctx, const char *origin, long *status, char **body, size_t *len,
                       int64_t *at)
{
    struct ch *c = ctx;
    struct ch_entry *r = find_entry(c->robots, c->robots_len, origin);
    if (!r)
        return false;
    *status = r->status;
    *body = NULL;
    if (r->b) {
        *body = malloc(r->b_len + 1);
        assert_non_null(*body);
        memcpy(*body, r->b, r->b_len + 1);
    }
    *len = r->b_len;
    *at = r->at;
    return true;
}

static void robots_put(void *ctx, const char *origin, long status, const char *body, size_t len,
                       int64_t at)
{
    struct ch *c = ctx;
    struct ch_entry *r = find_entry(c->robots, c->robots_len, origin);
    if (!r) {
        assert_true(c->robots_len < 64);
        r = &c->robots[c->robots_len++];
        r->key = xdup(origin);
    }
    free(r->b);
    r->b = NULL;
    if (body) {
        r->b = malloc(len + 1);
        assert_non_null(r->b);
        memcpy(r->b, body, len);
        r->b[len] = '\0';
    }
    r->b_len = len;
    r->status = status;
    r->at = at;
    c->robots_puts++;
}

void ch_robots_store(struct ch *c, const char *origin, long status, const char *body, int64_t at)
{
    robots_put(c, origin, status, body, body ? strlen(body) : 0, at);
    c->robots_puts--;
}

const struct ch_entry *ch_robots_find(const struct ch *c, const char *origin)
{
    return find_entry((struct ch_entry *)c->robots, c->robots_len, origin);
}

const struct ch_entry *ch_validators_find(const struct ch *c, const char *url)
{
    return find_entry((struct ch_entry *)c->validators, c->validators_len, url);
}

static void source_done(void *ctx, const struct crawl_report *r)
{
    struct ch *c = ctx;
    struct ch_report *grown = realloc(c->reps, (c->reps_len + 1) * sizeof *grown);
    assert_non_null(grown);
    c->reps = grown;
    struct ch_report *d = &c->reps[c->reps_len++];
    d->source = xdup(r->source);
    d->complete = r->complete;
    d->not_modified = r->not_modified;
    d->pages = r->pages;
    d->postings = r->postings;
    d->errors = r->errors;
    d->started_at = r->started_at;
    d->finished_at = r->finished_at;
    d->rate_limited_until = r->rate_limited_until;
    d->step = xdup(r->step);
    d->error = xdup(r->error);
    d->done_ms = httpd_now_ms();
    if (r->error)
        print_message("   report %s: step=%s error=%s\n", r->source, r->step, r->error);
}

static void progress(void *ctx, const struct crawl_progress *p)
{
    struct ch *c = ctx;
    (void)p;
    c->progress_seen = true;
    if (c->stop_after_ms && httpd_now_ms() - c->started_ms >= c->stop_after_ms)
        c->stop = 1;
}

int64_t ch_run(struct ch *c, const struct crawl_options *o, struct config_source *srcs, size_t n)
{
    const struct crawl_hooks hooks = {
        .ctx = c,
        .posting = on_posting,
        .validators_get = validators_get,
        .validators_put = validators_put,
        .robots_get = robots_get,
        .robots_put = robots_put,
        .source_done = source_done,
        .progress = progress,
    };
    const struct config_source *list[64];
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++)
        list[i] = &srcs[i];
    struct err e;
    err_clear(&e);
    c->started_ms = httpd_now_ms();
    c->stop = 0;
    int rc = crawl_run(o, list, n, &hooks, &c->stop, &e);
    if (rc != URS_OK)
        print_error("crawl_run: %s\n", e.msg);
    assert_int_equal(rc, URS_OK);
    assert_int_equal(c->reps_len, n);
    return httpd_now_ms() - c->started_ms;
}

struct config_source ch_source(const char *name, const char *kind, const char *url,
                               const char *board)
{
    struct config_source s;
    memset(&s, 0, sizeof s);
    s.name = (char *)name;
    s.kind = (char *)kind;
    s.url = (char *)url;
    s.board = (char *)board;
    s.enabled = true;
    s.interval = 3600;
    return s;
}

const struct ch_report *ch_report(const struct ch *c, const char *source)
{
    const struct ch_report *found = NULL;
    for (size_t i = 0; i < c->reps_len; i++) {
        if (strcmp(c->reps[i].source, source) == 0) {
            assert_null(found);
            found = &c->reps[i];
        }
    }
    if (!found)
        print_error("no report for source %s\n", source);
    assert_non_null(found);
    return found;
}

size_t ch_count(const struct ch *c, const char *source)
{
    size_t n = 0;
    for (size_t i = 0; i < c->posts_len; i++)
        if (strcmp(c->posts[i].source, source) == 0)
            n++;
    return n;
}

bool ch_has(const struct ch *c, const char *source, const char *id)
{
    for (size_t i = 0; i < c->posts_len; i++)
        if (strcmp(c->posts[i].source, source) == 0 && c->posts[i].id &&
            strcmp(c->posts[i].id, id) == 0)
            return true;
    return false;
}

char *ch_greenhouse(const char *prefix, size_t n)
{
    struct sbuf b;
    sbuf_init(&b, 16 * 1024 * 1024);
    assert_int_equal(sbuf_puts(&b, "{\"jobs\": ["), URS_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(
            sbuf_printf(&b,
                        "%s{\"id\": \"%s-%zu\", \"title\": \"Utilization Review Nurse %zu\", "
                        "\"absolute_url\": \"https://jobs.example/%s/%zu\", "
                        "\"location\": {\"name\": \"Remote\"}, \"company_name\": \"Kestrel\", "
                        "\"content\": \"&lt;p&gt;Review inpatient stays.&lt;/p&gt;\"}",
                        i ? ", " : "", prefix, i, i, prefix, i),
            URS_OK);
    assert_int_equal(sbuf_printf(&b, "], \"meta\": {\"total\": %zu}}", n), URS_OK);
    char *s = sbuf_take(&b);
    assert_non_null(s);
    return s;
}

char *ch_lever(const char *prefix, size_t from, size_t n)
{
    struct sbuf b;
    sbuf_init(&b, 16 * 1024 * 1024);
    assert_int_equal(sbuf_puts(&b, "["), URS_OK);
    for (size_t i = from; i < from + n; i++)
        assert_int_equal(sbuf_printf(&b,
                                     "%s{\"id\": \"%s-%zu\", \"text\": \"Clinical Reviewer %zu\", "
                                     "\"hostedUrl\": \"https://jobs.example/%s/%zu\", "
                                     "\"categories\": {\"location\": \"Remote\"}}",
                                     i > from ? ", " : "", prefix, i, i, prefix, i),
                         URS_OK);
    assert_int_equal(sbuf_puts(&b, "]"), URS_OK);
    char *s = sbuf_take(&b);
    assert_non_null(s);
    return s;
}

bool ch_contains(const char *hay, const char *needle)
{
    if (hay && needle && strstr(hay, needle))
        return true;
    print_error("expected '%s' in '%s'\n", needle ? needle : "(null)", hay ? hay : "(null)");
    return false;
}
