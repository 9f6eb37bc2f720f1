/* SPDX-License-Identifier: MIT */
/* Hostile input for the adapters and the job (RELIABILITY P1-P5): entities, deep or strange
 * JSON, invalid UTF-8, oversized fields and listings, callback failures, queue limits. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "adapters_tu.h"
#include "common/common.h"
#include "crawler/adapt.h"
#include "crawler/jsonld.h"

static const char *const json_kinds[] = {"workday", "talentbrew",      "oracle", "greenhouse",
                                         "lever",   "smartrecruiters", "ashby",  "usajobs"};

/* Feed body to a fresh job of kind as a listing response; returns the code. */
static int feed_kind(struct tc *c, const char *kind, const char *name, const char *body, size_t len,
                     struct err *e)
{
    tc_init(c, kind, name);
    c->src.url = "https://api.example/x";
    c->src.board = "b";
    tc_job(c);
    struct crawl_request rq = {0};
    rq.url = "https://api.example/list";
    rq.listing = true;
    err_clear(e);
    return tc_feed(c, &rq, 200, body, len, e);
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t u = strlen(unit), t = tail ? strlen(tail) : 0;
    char *s = malloc(u * times + t + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * times, tail ? tail : "", t + 1);
    return s;
}

static void test_json_deep(void **state)
{
    (void)state;
    char *deep = repeat("[", 100000, NULL);
    char *objs = repeat("{\"a\":", 100000, "1");
    for (size_t k = 0; k < sizeof json_kinds / sizeof json_kinds[0]; k++) {
        struct tc c;
        struct err e;
        assert_int_equal(feed_kind(&c, json_kinds[k], "deep", deep, strlen(deep), &e), URS_ELIMIT);
        tc_has(e.msg, "deep: https://api.example/list: 1:65: JSON nested deeper than 64 levels");
        assert_false(crawl_job_is_complete(c.job));
        assert_int_equal(c.got_len, 0);
        tc_free(&c);
        assert_int_equal(feed_kind(&c, json_kinds[k], "deep", objs, strlen(objs), &e), URS_ELIMIT);
        tc_has(e.msg, "1:321: JSON nested deeper");
        tc_free(&c);
    }
    /* inside a JSON-LD script, and brackets inside strings do not count */
    char *page = repeat("[", 100000, NULL);
    struct sbuf b;
    sbuf_init(&b, 1 << 20);
    assert_int_equal(sbuf_printf(&b, "<script type=\"application/ld+json\">%s</script>", page),
                     URS_OK);
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "jsonld", "deep-ld");
    tc_job(&c);
    size_t found;
    assert_int_equal(
        crawl_jsonld_emit_page(c.job, "https://p.example/", b.data, b.len, NULL, &found, &e),
        URS_ELIMIT);
    tc_has(e.msg, "1:100: JSON nested deeper");
    tc_free(&c);
    /* exactly 64 levels are fine; brackets in strings are not nesting */
    char *ok = repeat("[", 63, NULL);
    sbuf_reset(&b);
    assert_int_equal(
        sbuf_printf(&b, "{\"jobs\":%s\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"", ok), URS_OK);
    for (int i = 0; i < 63; i++)
        assert_int_equal(sbuf_putc(&b, ']'), URS_OK);
    assert_int_equal(sbuf_putc(&b, '}'), URS_OK);
    assert_int_equal(feed_kind(&c, "greenhouse", "edge", b.data, b.len, &e), URS_OK);
    tc_free(&c);
    sbuf_free(&b);
    free(ok);
    free(page);
    free(deep);
    free(objs);
}

static void test_json_strange_values(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    const char *dup = "{\"jobs\":[{\"id\":1,\"title\":\"First\",\"title\":\"Second\","
                      "\"absolute_url\":\"https://a.example/1\"}]}";
    assert_int_equal(feed_kind(&c, "greenhouse", "dup", dup, strlen(dup), &e), URS_OK);
    assert_string_equal(tc_get(&c, "1")->title, "Second"); /* the last value, as browsers do */
    tc_free(&c);

    const char *nul = "{\"jobs\":[{\"id\":\"n\\u00001\",\"title\":\"Nurse\\u0000 Reviewer\","
                      "\"content\":\"a\\u0000b\",\"location\":{\"name\":\"\\u0000\"}}]}";
    assert_int_equal(feed_kind(&c, "greenhouse", "nul", nul, strlen(nul), &e), URS_OK);
    const struct posting *p = tc_get(&c, "n1");
    assert_string_equal(p->title, "Nurse Reviewer");
    assert_string_equal(p->description, "ab");
    assert_null(p->location);
    tc_free(&c);

    const char *huge = "{\"jobs\":[{\"id\":1,\"title\":\"x\",\n \"pay\": 1e999}]}";
    assert_int_equal(feed_kind(&c, "greenhouse", "real", huge, strlen(huge), &e), URS_EPARSE);
    tc_has(e.msg, "real: https://api.example/list: 2:");
    tc_has(e.msg, "real number overflow");
    assert_false(crawl_job_is_complete(c.job));
    tc_free(&c);

    const char *big = "{\"jobs\":[{\"id\":1180591620717411303424,\"title\":\"x\"}]}";
    assert_int_equal(feed_kind(&c, "greenhouse", "int", big, strlen(big), &e), URS_EPARSE);
    tc_has(e.msg, "int: https://api.example/list: 1:");
    tc_has(e.msg, "too big");
    tc_free(&c);

    /* mistyped fields are absent (with a warning); the rest of the posting survives */
    const char *typed =
        "{\"jobs\":[{\"id\":2,\"title\":42,\"absolute_url\":\"https://a.example/2\"},"
        "{\"id\":3,\"title\":\"OK\",\"location\":[\"x\"],\"content\":{\"a\":1},"
        "\"absolute_url\":7,\"metadata\":\"no\",\"first_published\":5},"
        "{\"id\":4.5,\"title\":\"Float id\",\"absolute_url\":\"https://a.example/4\"},"
        "\"not an object\", null]}";
    assert_int_equal(feed_kind(&c, "greenhouse", "typed", typed, strlen(typed), &e), URS_OK);
    assert_int_equal(c.got_len, 2);
    p = tc_get(&c, "3");
    assert_string_equal(p->title, "OK");
    assert_null(p->location);
    assert_null(p->description);
    assert_null(p->url);
    assert_int_equal(p->posted_at, 0);
    assert_string_equal(tc_get(&c, "https://a.example/4")->title, "Float id");
    tc_free(&c);

    /* a listing page cut short: parse error, and the listing is incomplete */
    const char *cut = "{\"total\": 100, \"jobPostings\": [{\"title\": \"Reviewer\", \"externalPa";
    assert_int_equal(feed_kind(&c, "workday", "cut", cut, strlen(cut), &e), URS_EPARSE);
    tc_has(crawl_job_incomplete_reason(c.job), "cut: https://api.example/list: 1:");
    tc_free(&c);

    const char *surrogate = "{\"jobs\":[{\"id\":1,\"title\":\"\\ud800\"}]}";
    assert_int_equal(feed_kind(&c, "greenhouse", "sur", surrogate, strlen(surrogate), &e),
                     URS_EPARSE);
    tc_free(&c);
}

/* Every bad UTF-8 case of RELIABILITY P4, plus bidi, C1 and ESC. */
#define BAD_UTF8                                                                                   \
    "T\xC0\xAF"                                                                                    \
    "1\xED\xA0\x80"                                                                                \
    "2\xF4\x90\x80\x80"                                                                            \
    "3\xE2\x82"                                                                                    \
    "4\x80"                                                                                        \
    "5\xFF"                                                                                        \
    "6"
#define FFFD "\xEF\xBF\xBD"
#define BAD_UTF8_CLEAN                                                                             \
    "T" FFFD FFFD "1" FFFD FFFD FFFD "2" FFFD FFFD FFFD FFFD "3" FFFD FFFD "4" FFFD "5" FFFD "6"

static void test_utf8_stress(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    const char *json = "{\"jobs\":[{\"id\":1,\"title\":\"" BAD_UTF8
                       "\\u202e\\u0085\\u001b[2J7\",\"location\":{\"name\":\"" BAD_UTF8 "\"},"
                       "\"content\":\"<p>" BAD_UTF8 "</p>\"}]}";
    assert_int_equal(feed_kind(&c, "greenhouse", "utf8", json, strlen(json), &e), URS_OK);
    const struct posting *p = tc_get(&c, "1");
    assert_string_equal(p->title, BAD_UTF8_CLEAN "[2J7");
    assert_string_equal(p->location, BAD_UTF8_CLEAN);
    assert_string_equal(p->description, BAD_UTF8_CLEAN);
    tc_clean_text(p->title);
    tc_free(&c);

    const char *rss = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><item>"
                      "<guid>g1</guid><title>" BAD_UTF8 "\x1b[2J\xE2\x80\xAE"
                      "7</title><description>&lt;b&gt;" BAD_UTF8 "&lt;/b&gt;</description>"
                      "</item></channel></rss>";
    assert_int_equal(feed_kind(&c, "rss", "utf8-rss", rss, strlen(rss), &e), URS_OK);
    p = tc_get(&c, "g1");
    assert_string_equal(p->title, BAD_UTF8_CLEAN "[2J7");
    assert_string_equal(p->description, BAD_UTF8_CLEAN);
    tc_free(&c);

    const char *page = "<html><script type=\"application/ld+json\">{\"@type\":\"JobPosting\","
                       "\"identifier\":\"j1\",\"title\":\"" BAD_UTF8 "\\u202e7\","
                       "\"description\":\"" BAD_UTF8 "\"}</script><body>\xFF</body></html>";
    assert_int_equal(feed_kind(&c, "jsonld", "utf8-ld", page, strlen(page), &e), URS_OK);
    p = tc_get(&c, "j1");
    assert_string_equal(p->title, BAD_UTF8_CLEAN "7");
    assert_string_equal(p->description, BAD_UTF8_CLEAN);
    tc_free(&c);

    const char *tb = "{\"results\":\"<section id='search-results-list'><li><a href='/job/1' "
                     "data-job-id='1'><h2>" BAD_UTF8 "</h2></a></li></section>\"}";
    tc_init(&c, "talentbrew", "utf8-tb");
    size_t n;
    assert_int_equal(
        tc_document_mem(&c, "talentbrew", "https://t.example/", tb, strlen(tb), &n, &e), URS_OK);
    assert_string_equal(tc_get(&c, "1")->title, BAD_UTF8_CLEAN);
    tc_free(&c);
}

/* A tiny listener on 127.0.0.1: any connection attempt shows up as a pending accept. */
static int listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    return fd;
}

static void test_xml_entities(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    static const char *const xxe[] = {
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
        "<rss><channel><item><guid>1</guid><title>&xxe;</title></item></channel></rss>",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE urlset [\n<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x\">"
        "%p;]><urlset><url><loc>https://a.example/&xxe;</loc></url></urlset>",
    };
    static const char *const kinds[] = {"rss", "sitemap"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(feed_kind(&c, kinds[i], "xxe", xxe[i], strlen(xxe[i]), &e), URS_EPARSE);
        tc_has(e.msg, "xxe: https://api.example/list: 2:1: DOCTYPE with an internal subset");
        assert_false(crawl_job_is_complete(c.job));
        assert_int_equal(c.got_len, 0);
        tc_none(&c);
        tc_free(&c);
    }

    struct sbuf b;
    sbuf_init(&b, 1 << 16);
    assert_int_equal(sbuf_puts(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
                                   " <!ENTITY lol \"lol\">\n"),
                     URS_OK);
    for (int i = 1; i <= 9; i++) {
        assert_int_equal(sbuf_printf(&b, " <!ENTITY lol%d \"", i), URS_OK);
        for (int k = 0; k < 10; k++) {
            if (i == 1)
                assert_int_equal(sbuf_puts(&b, "&lol;"), URS_OK);
            else
                assert_int_equal(sbuf_printf(&b, "&lol%d;", i - 1), URS_OK);
        }
        assert_int_equal(sbuf_puts(&b, "\">\n"), URS_OK);
    }
    assert_int_equal(sbuf_puts(&b, "]>\n<rss><channel><item><title>&lol9;</title></item>"
                                   "</channel></rss>"),
                     URS_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(feed_kind(&c, "rss", "laughs", b.data, b.len, &e), URS_EPARSE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 1);
    tc_has(e.msg, "laughs: ");
    tc_has(e.msg, "DOCTYPE with an internal subset");
    tc_free(&c);
    sbuf_free(&b);
}

static void test_xml_external_dtd(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *secret = tu_path(dir, "secret.txt");
    char *dtd = tu_path(dir, "evil.dtd");
    tu_write_file(secret, "TOPSECRET-42", (size_t)-1);
    char ent[4200];
    snprintf(ent, sizeof ent, "<!ENTITY xxe SYSTEM \"file://%s\">", secret);
    tu_write_file(dtd, ent, (size_t)-1);
    int port;
    int fd = listener(&port);
    for (size_t i = 0; i < 2; i++) {
        char doctype[4300], doc[8192];
        if (i == 0)
            snprintf(doctype, sizeof doctype,
                     "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:%d/evil.dtd\">", port);
        else
            snprintf(doctype, sizeof doctype, "<!DOCTYPE rss SYSTEM \"file://%s\">", dtd);
        snprintf(doc, sizeof doc,
                 "<?xml version=\"1.0\"?>\n%s\n<rss><channel><item><guid>1</guid><title>Safe "
                 "title</title><description>before &xxe; after</description></item>"
                 "</channel></rss>",
                 doctype);
        struct tc c;
        struct err e;
        int rc = feed_kind(&c, "rss", "dtd", doc, strlen(doc), &e);
        /* either refused or parsed with the entity unexpanded: never the file's content */
        for (size_t k = 0; k < c.got_len; k++) {
            assert_null(strstr(c.got[k].title, "TOPSECRET"));
            assert_true(!c.got[k].description || !strstr(c.got[k].description, "TOPSECRET"));
        }
        assert_null(strstr(e.msg, "TOPSECRET"));
        assert_true(rc == URS_OK || rc == URS_EPARSE);
        tc_free(&c);
    }
    int conn = accept(fd, NULL, NULL);
    assert_int_equal(conn, -1); /* nobody asked the loopback server for the DTD */
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    close(fd);
    tu_rmtree(dir);
    free(secret);
    free(dtd);
    free(dir);
}

static void test_oversized_fields(void **state)
{
    (void)state;
    /* a 20 MB title of 3-byte characters: cut at 512 bytes on a character boundary */
    size_t title_len = 20u * 1024 * 1024;
    char *title = repeat("\xE2\x82\xAC", title_len / 3, NULL);
    /* a 50 MB description */
    char *desc = repeat("word ", 10u * 1024 * 1024, NULL);
    size_t cap = strlen(title) + strlen(desc) + 256;
    char *json = malloc(cap);
    assert_non_null(json);
    int n = snprintf(json, cap,
                     "{\"jobs\":[{\"id\":1,\"title\":\"%s\",\"content\":\"%s\","
                     "\"absolute_url\":\"https://a.example/1\"}]}",
                     title, desc);
    free(title);
    free(desc);
    struct tc c;
    struct err e;
    assert_int_equal(feed_kind(&c, "greenhouse", "big", json, (size_t)n, &e), URS_OK);
    free(json);
    assert_int_equal(c.got_len, 1);
    const struct posting *p = tc_get(&c, "1");
    assert_int_equal(strlen(p->title), 510); /* 170 euro signs: 512 would split one */
    tc_clean_text(p->title);
    assert_true(strlen(p->description) <= URS_MAX_DESCRIPTION);
    assert_true(strlen(p->description) > URS_MAX_DESCRIPTION - 8);
    assert_true(strncmp(p->description, "word word", 9) == 0);
    tc_free(&c);

    /* an oversized HTML description is cut before parsing, still giving text */
    char *html = repeat("<p>para</p>", (URS_MAX_HTML / 11) + 1000, NULL);
    tc_init(&c, "greenhouse", "bightml");
    tc_job(&c);
    char *field = NULL;
    assert_int_equal(crawl_set_text(c.job, &field, html, strlen(html)), URS_OK);
    assert_non_null(field);
    assert_true(strncmp(field, "para\n\npara", 10) == 0);
    free(field);
    free(html);
    tc_free(&c);
}

static void test_listing_cap(void **state)
{
    (void)state;
    struct sbuf b;
    sbuf_init(&b, 16u * 1024 * 1024);
    assert_int_equal(sbuf_puts(&b, "{\"jobs\":["), URS_OK);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(sbuf_printf(&b, "%s{\"id\":%d,\"title\":\"J\"}", i ? "," : "", i), URS_OK);
    assert_int_equal(sbuf_puts(&b, "]}"), URS_OK);
    struct tc c;
    struct err e;
    tc_init(&c, "greenhouse", "huge");
    c.keep = false;
    tc_job(&c);
    struct crawl_request rq = {0};
    rq.url = "https://api.example/list";
    rq.listing = true;
    err_clear(&e);
    assert_int_equal(tc_feed(&c, &rq, 200, b.data, b.len, &e), URS_OK);
    assert_int_equal(c.calls, URS_MAX_ITEMS);
    assert_int_equal(crawl_job_emitted(c.job), URS_MAX_ITEMS);
    assert_false(crawl_job_is_complete(c.job));
    assert_string_equal(crawl_job_incomplete_reason(c.job), "listing capped at 20000 postings");
    tc_free(&c);
    sbuf_free(&b);
}

static void test_callback_failure(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    tc_init(&c, "lever", "failing");
    c.src.board = "b";
    c.fail_at = 2;
    err_clear(&e);
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    tc_next(&c, &rq);
    assert_int_equal(crawl_get(c.job, "https://api.example/more", 0, 0, NULL, true), URS_OK);
    assert_int_equal(tc_feed_file(&c, &rq, "lever-postings.json", &e), URS_EDB);
    tc_has(e.msg, "failing: stopped by the posting handler");
    assert_int_equal(c.got_len, 1);
    assert_int_equal(crawl_job_emitted(c.job), 1);
    assert_false(crawl_job_is_complete(c.job));
    tc_has(crawl_job_incomplete_reason(c.job), "stopped by the posting handler (code -7)");
    tc_none(&c); /* a stopped job hands out no more requests */
    crawl_request_clear(&rq);
    tc_free(&c);
}

static int count_state_frees;

static void state_free(void *p)
{
    count_state_frees++;
    free(p);
}

static void test_job_queue(void **state)
{
    (void)state;
    struct tc c;
    tc_init(&c, "jsonld", "queue");
    tc_job(&c);
    struct crawl_request rq = {0};
    rq.url = "file:///etc/passwd";
    assert_int_equal(crawl_job_request(c.job, &rq), URS_EINVAL);
    rq.url = "javascript:alert(1)";
    assert_int_equal(crawl_job_request(c.job, &rq), URS_EINVAL);
    rq.url = "https://ok.example/1";
    rq.headers[0] = "X-Evil: a\r\nHost: b";
    assert_int_equal(crawl_job_request(c.job, &rq), URS_EINVAL);
    rq.headers[0] = "Authorization-Key: k";
    rq.body = "{}";
    rq.ref = "r1";
    rq.page = 7;
    assert_int_equal(crawl_job_request(c.job, &rq), URS_OK);
    for (int i = 2; i < CRAWL_MAX_QUEUE + 1; i++) {
        char url[64];
        snprintf(url, sizeof url, "https://ok.example/%d", i);
        assert_int_equal(crawl_get(c.job, url, 1, i, NULL, false), URS_OK);
    }
    assert_int_equal(crawl_get(c.job, "https://ok.example/x", 1, 0, NULL, false), URS_ELIMIT);
    struct crawl_request got;
    tc_next(&c, &got); /* FIFO, copied */
    assert_string_equal(got.url, "https://ok.example/1");
    assert_string_equal(got.body, "{}");
    assert_string_equal(got.ref, "r1");
    assert_string_equal(got.headers[0], "Authorization-Key: k");
    assert_int_equal(got.page, 7);
    crawl_request_clear(&got);
    tc_next(&c, &got);
    assert_string_equal(got.url, "https://ok.example/2");
    crawl_request_clear(&got);
    assert_int_equal(crawl_get(c.job, "https://ok.example/y", 1, 0, NULL, false), URS_OK);

    /* seen-set growth keeps every key */
    for (int i = 0; i < 5000; i++) {
        char key[32];
        bool seen = true;
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(crawl_job_mark_seen(c.job, key, &seen), URS_OK);
        assert_false(seen);
    }
    for (int i = 0; i < 5000; i += 499) {
        char key[32];
        bool seen = false;
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(crawl_job_mark_seen(c.job, key, &seen), URS_OK);
        assert_true(seen);
    }
    crawl_job_incomplete(c.job, "first %d", 1);
    crawl_job_incomplete(c.job, "second");
    assert_string_equal(crawl_job_incomplete_reason(c.job), "first 1");
    count_state_frees = 0;
    crawl_job_set_state(c.job, malloc(8), state_free);
    crawl_job_set_state(c.job, malloc(8), state_free);
    assert_int_equal(count_state_frees, 1);
    tc_free(&c);
    assert_int_equal(count_state_frees, 2);
}

static void test_emit_cleaning(void **state)
{
    (void)state;
    struct tc c;
    tc_init(&c, "jsonld", "clean");
    c.src.employer = "Config Employer";
    tc_job(&c);
    struct posting p;
    posting_init(&p);
    assert_int_equal(posting_set(&p.title, "  Nurse\n\tReviewer   (Remote)\x1b[31m "), URS_OK);
    assert_int_equal(posting_set(&p.url, "https://ok.example/j?a=1"), URS_OK);
    assert_int_equal(posting_set(&p.description, "Line one\n\n\n\nLine   two\nthree"), URS_OK);
    p.salary_hint.min = -5;
    p.salary_hint.max = NAN;
    p.salary_hint.period = PERIOD_HOUR;
    p.posted_at = -100;
    assert_int_equal(crawl_emit(c.job, &p), URS_OK);
    const struct posting *g = tc_get(&c, "https://ok.example/j?a=1"); /* id from the URL */
    assert_string_equal(g->title, "Nurse Reviewer (Remote)[31m");
    assert_string_equal(g->employer, "Config Employer");
    assert_string_equal(g->description, "Line one\n\nLine two\nthree");
    assert_true(g->salary_hint.min == 0 && g->salary_hint.max == 0);
    assert_int_equal(g->salary_hint.period, PERIOD_NONE);
    assert_int_equal(g->posted_at, 0);

    posting_init(&p);
    assert_int_equal(posting_set(&p.external_id, "j2"), URS_OK);
    assert_int_equal(posting_set(&p.title, "Bad link"), URS_OK);
    assert_int_equal(posting_set(&p.url, "javascript:alert(1)"), URS_OK);
    assert_int_equal(posting_set(&p.employer, "Page Employer"), URS_OK);
    assert_int_equal(crawl_emit(c.job, &p), URS_OK);
    g = tc_get(&c, "j2");
    assert_null(g->url);
    assert_string_equal(g->employer, "Page Employer");

    posting_init(&p); /* no title, then no id: skipped, not an error */
    assert_int_equal(posting_set(&p.external_id, "j3"), URS_OK);
    assert_int_equal(crawl_emit(c.job, &p), URS_OK);
    assert_int_equal(posting_set(&p.title, " \t "), URS_OK);
    assert_int_equal(posting_set(&p.external_id, "j4"), URS_OK);
    assert_int_equal(crawl_emit(c.job, &p), URS_OK);
    assert_int_equal(posting_set(&p.title, "No id"), URS_OK);
    assert_int_equal(crawl_emit(c.job, &p), URS_OK);
    assert_int_equal(c.got_len, 2);
    assert_int_equal(crawl_job_emitted(c.job), 2);
    tc_free(&c);
}

static void test_times(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *iso;
    } ok[] = {
        {"2026-11-10", "2026-11-10"},
        {" 2026-9-1 ", "2026-09-01"},
        {"2026-9-21T08:00:00Z", "2026-09-21T08:00:00Z"},
        {"Tue, 10 Nov 2026 09:00:00 -0600", "2026-11-10T15:00:00Z"},
        {"10 Nov 2026 09:00 GMT", "2026-11-10T09:00:00Z"},
        {"Wed, 02 Dec 2026 23:30:00 EST", "2026-12-03T04:30:00Z"},
        {"11/10/2026", "2026-11-10"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t t = 0;
        assert_int_equal(crawl_time_parse(ok[i].in, &t), URS_OK);
        assert_true(t == tc_time(ok[i].iso));
    }
    static const char *const bad[] = {"",           "Posted 2 Days Ago",
                                      "2026-13-45", "Tue, 99 Foo 2026",
                                      "13/45/2026", "Tue, 10 Nov 2026 09:00:00 +99999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        assert_int_equal(crawl_time_parse(bad[i], &t), URS_EPARSE);
    }
    assert_int_equal(crawl_period_parse("per-hour-wage"), PERIOD_HOUR);
    assert_int_equal(crawl_period_parse("1 YEAR"), PERIOD_YEAR);
    assert_int_equal(crawl_period_parse("PA"), PERIOD_YEAR);
    assert_int_equal(crawl_period_parse("per-month-salary"), PERIOD_MONTH);
    assert_int_equal(crawl_period_parse("per-week-salary"), PERIOD_WEEK);
    assert_int_equal(crawl_period_parse("Bi-weekly"), PERIOD_NONE);
    assert_int_equal(crawl_period_parse("per-day-wage"), PERIOD_NONE);
    assert_int_equal(crawl_period_parse(NULL), PERIOD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_deep),
        cmocka_unit_test(test_json_strange_values),
        cmocka_unit_test(test_utf8_stress),
        cmocka_unit_test(test_xml_entities),
        cmocka_unit_test(test_xml_external_dtd),
        cmocka_unit_test(test_oversized_fields),
        cmocka_unit_test(test_listing_cap),
        cmocka_unit_test(test_callback_failure),
        cmocka_unit_test(test_job_queue),
        cmocka_unit_test(test_emit_cleaning),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
