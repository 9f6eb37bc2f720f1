/* SPDX-License-Identifier: MIT */
/* Adapter test harness: jobs fed by hand, emitted postings copied for the assertions. */
#include "adapters_tu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/utf8.h"

static int collect(void *ctx, const char *source, struct posting *p)
{
    struct tc *c = ctx;
    assert_string_equal(source, c->src.name);
    assert_string_equal(p->source, c->src.name);
    c->calls++;
    if (c->fail_at && (int)c->calls == c->fail_at)
        return URS_EDB;
    if (!c->keep)
        return 0;
    if (c->got_len == c->got_cap) {
        c->got_cap = c->got_cap ? c->got_cap * 2 : 8;
        c->got = realloc(c->got, c->got_cap * sizeof *c->got);
        assert_non_null(c->got);
    }
    assert_int_equal(posting_copy(&c->got[c->got_len++], p), URS_OK);
    return 0;
}

void tc_init(struct tc *c, const char *kind, const char *name)
{
    memset(c, 0, sizeof *c);
    c->src.kind = (char *)kind;
    c->src.name = (char *)name;
    c->src.enabled = true;
    c->keep = true;
}

void tc_job(struct tc *c)
{
    const struct crawl_adapter *ad = crawl_adapter_find(c->src.kind);
    assert_non_null(ad);
    struct err e;
    err_clear(&e);
    assert_int_equal(crawl_job_new(&c->src, ad, collect, c, &c->job, &e), URS_OK);
}

int tc_start(struct tc *c, struct err *e)
{
    tc_job(c);
    return crawl_job_adapter(c->job)->start(c->job, e);
}

void tc_next(struct tc *c, struct crawl_request *rq)
{
    assert_true(crawl_job_next(c->job, rq));
}

void tc_none(struct tc *c)
{
    struct crawl_request rq;
    bool more = crawl_job_next(c->job, &rq);
    if (more)
        fprintf(stderr, "unexpected request: %s\n", rq.url);
    crawl_request_clear(&rq);
    assert_false(more);
}

int tc_feed(struct tc *c, const struct crawl_request *rq, long status, const char *body, size_t len,
            struct err *e)
{
    struct crawl_response rs = {status, body, len, "application/octet-stream", rq->url};
    return crawl_job_adapter(c->job)->on_response(c->job, rq, &rs, e);
}

char *tc_read(const char *name, size_t *len)
{
    char path[4096];
    if (strncmp(name, "fixture:", 8) == 0)
        snprintf(path, sizeof path, "%s/tests/fixtures/adapters/%s", tu_source_dir(), name + 8);
    else
        snprintf(path, sizeof path, "%s/tests/fixtures/formats/%s", tu_source_dir(), name);
    char *data = tu_read_file(path, len);
    if (!data)
        fprintf(stderr, "cannot read %s\n", path);
    assert_non_null(data);
    return data;
}

int tc_feed_file(struct tc *c, const struct crawl_request *rq, const char *name, struct err *e)
{
    size_t len;
    char *body = tc_read(name, &len);
    int rc = tc_feed(c, rq, 200, body, len, e);
    free(body);
    return rc;
}

int tc_document_mem(struct tc *c, const char *kind, const char *url, const char *data, size_t len,
                    size_t *count, struct err *e)
{
    return crawl_parse_document(kind, c->src.name, url, data, len, &c->src, collect, c, count, e);
}

int tc_document(struct tc *c, const char *kind, const char *url, const char *name, size_t *count,
                struct err *e)
{
    size_t len;
    char *body = tc_read(name, &len);
    int rc = tc_document_mem(c, kind, url, body, len, count, e);
    free(body);
    return rc;
}

const struct posting *tc_get(struct tc *c, const char *external_id)
{
    for (size_t i = 0; i < c->got_len; i++)
        if (c->got[i].external_id && strcmp(c->got[i].external_id, external_id) == 0)
            return &c->got[i];
    fprintf(stderr, "no posting %s among %zu\n", external_id, c->got_len);
    fail();
    return NULL;
}

void tc_free(struct tc *c)
{
    for (size_t i = 0; i < c->got_len; i++)
        posting_free(&c->got[i]);
    free(c->got);
    crawl_job_free(c->job);
    c->got = NULL;
    c->job = NULL;
    c->got_len = c->got_cap = 0;
}

int64_t tc_time(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(text_parse_time(iso, &t), URS_OK);
    return t;
}

void tc_has(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle)) {
        fprintf(stderr, "expected \"%s\" in:\n%s\n", needle, hay ? hay : "(null)");
        fail();
    }
}

void tc_clean_text(const char *s)
{
    assert_non_null(s);
    size_t len = strlen(s);
    assert_true(utf8_valid(s, len));
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(p + i, len - i, &cp);
        bool bad = (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F ||
                   (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
                   (cp >= 0x2066 && cp <= 0x2069);
        if (bad)
            fprintf(stderr, "control U+%04X in \"%s\"\n", (unsigned)cp, s);
        assert_false(bad);
    }
}
