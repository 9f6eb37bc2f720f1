/* SPDX-License-Identifier: MIT */
/* Adapter tests for pages and feeds: JSON-LD (scan and speed), HTML selectors, RSS/Atom,
 * sitemaps, and crawl_parse_document on saved files. */
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters_tu.h"
#include "common/common.h"
#include "crawler/jsonld.h"

#define PAGE "https://careers.willowbrookhealth.example/jobs/UR-PT-0417"

static void check_willowbrook(const struct posting *p, const char *url)
{
    assert_string_equal(p->title, "Utilization Review Physical Therapist - Remote");
    assert_string_equal(p->url, url);
    assert_string_equal(p->employer, "Willowbrook Health Plan");
    assert_string_equal(p->location, "Dallas, TX, US; applicants in Texas, Oklahoma, Louisiana");
    assert_string_equal(p->work_hint, "TELECOMMUTE");
    assert_string_equal(p->employment_hint, "FULL_TIME");
    assert_true(p->posted_at == tc_time("2026-11-10"));
    assert_true(p->valid_through == tc_time("2026-12-31T23:59"));
    assert_true(p->salary_hint.min == 42 && p->salary_hint.max == 48);
    assert_int_equal(p->salary_hint.period, PERIOD_HOUR);
    tc_has(p->description, "Willowbrook Health Plan is hiring a licensed physical therapist for "
                           "its utilization management team.\n\n- Review outpatient PT/OT");
    tc_has(p->description, "This position is 100% remote.");
}

static void test_jsonld_page(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "jsonld", "willowbrook");
    c.src.url = PAGE;
    c.src.employer = "Ignored When The Page Names One";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    tc_next(&c, &rq);
    assert_string_equal(rq.url, PAGE);
    tc_none(&c);
    assert_int_equal(tc_feed_file(&c, &rq, "jsonld-jobposting.html", &e), URS_OK);
    tc_none(&c);
    assert_int_equal(c.got_len, 1);
    check_willowbrook(tc_get(&c, "UR-PT-0417"), PAGE);
    /* a page without JSON-LD gives no posting and no error */
    assert_int_equal(tc_feed_file(&c, &rq, "generic-career-detail.html", &e), URS_OK);
    assert_int_equal(c.got_len, 1);
    crawl_request_clear(&rq);
    tc_free(&c);
}

static void test_jsonld_variants(void **state)
{
    (void)state;
    size_t len;
    char *html = tc_read("fixture:jsonld-variants.html", &len);
    size_t pos = 0, blocks = 0, body_len;
    const char *body;
    while (crawl_jsonld_next(html, len, &pos, &body, &body_len)) {
        assert_true(body[0] == '{' || body[0] == '[');
        blocks++;
    }
    assert_int_equal(blocks, 5); /* not the one in a JS string, a comment or text/javascript */

    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "jsonld", "variants");
    tc_job(&c);
    size_t found = 0;
    assert_int_equal(
        crawl_jsonld_emit_page(c.job, "https://granite.example/jobs", html, len, NULL, &found, &e),
        URS_OK);
    free(html);
    assert_int_equal(found, 4);
    assert_int_equal(c.got_len, 4);
    const struct posting *p = tc_get(&c, "A1");
    assert_string_equal(p->title, "Utilization Review Nurse");
    assert_string_equal(p->employer, "Granite Peak Review");
    assert_string_equal(p->location, "Boise, ID, US");
    assert_string_equal(p->url, "https://granite.example/jobs");
    assert_string_equal(p->description, "Escaped & encoded.");
    assert_true(p->posted_at == tc_time("2026-11-02T14:00:00Z"));
    p = tc_get(&c, "20002");
    assert_string_equal(p->title, "PT Reviewer & Appeals");
    assert_string_equal(p->employer, "Northfield Health");
    assert_string_equal(p->employment_hint, "PART_TIME, CONTRACTOR");
    assert_string_equal(p->location, "Fargo, ND; Moorhead, MN");
    assert_string_equal(p->url, "https://northfield.example/jobs/20002");
    assert_true(p->posted_at == tc_time("2026-09-21"));
    assert_true(p->salary_hint.min == 55 && p->salary_hint.max == 55);
    assert_int_equal(p->salary_hint.period, PERIOD_NONE);
    p = tc_get(&c, "A3");
    assert_string_equal(p->work_hint, "TELECOMMUTE");
    assert_string_equal(p->location, "applicants in USA");
    assert_true(p->salary_hint.min == 91000 && p->salary_hint.max == 91000);
    assert_int_equal(p->salary_hint.period, PERIOD_YEAR);
    p = tc_get(&c, "A4");
    assert_string_equal(p->title, "SLP Reviewer");
    assert_true(p->salary_hint.min == 40 && p->salary_hint.max == 45);
    assert_int_equal(p->salary_hint.period, PERIOD_HOUR);
    assert_true(p->valid_through == tc_time("2026-12-01"));
    tc_free(&c);

    /* only a broken block: the error names the source, page, line and column */
    const char *bad = "<html><script type=\"application/ld+json\">\n{\"@type\": \"JobPosting\",\n"
                      "  \"title\": oops}</script></html>";
    tc_init(&c, "jsonld", "broken");
    tc_job(&c);
    err_clear(&e);
    assert_int_equal(
        crawl_jsonld_emit_page(c.job, "https://x.example/p", bad, strlen(bad), NULL, &found, &e),
        URS_EPARSE);
    tc_has(e.msg, "broken: https://x.example/p: 3:");
    assert_int_equal(found, 0);
    tc_free(&c);
}

/* A realistic ~57 KB career page: head scripts, styles, navigation, the JSON-LD, the body. */
static char *big_page(size_t *len)
{
    size_t ld_len;
    char *ld_page = tc_read("jsonld-jobposting.html", &ld_len);
    struct sbuf b;
    sbuf_init(&b, 1 << 20);
    assert_int_equal(sbuf_puts(&b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"), URS_OK);
    for (int i = 0; i < 60; i++)
        assert_int_equal(sbuf_printf(&b,
                                     "<link rel=\"preload\" href=\"/static/c%d.css\">"
                                     "<meta name=\"m%d\" content=\"value %d\">\n",
                                     i, i, i),
                         URS_OK);
    assert_int_equal(sbuf_puts(&b, "<script>window.app={"), URS_OK);
    for (int i = 0; i < 400; i++)
        assert_int_equal(sbuf_printf(&b, "k%d:\"<div class=x>%d</div>\",", i, i), URS_OK);
    assert_int_equal(sbuf_puts(&b, "};</script></head><body><nav><ul>"), URS_OK);
    for (int i = 0; i < 250; i++)
        assert_int_equal(sbuf_printf(&b,
                                     "<li class=\"nav-item\"><a href=\"/careers/area/%d\">"
                                     "Area %d</a></li>\n",
                                     i, i),
                         URS_OK);
    assert_int_equal(sbuf_puts(&b, "</ul></nav>"), URS_OK);
    const char *s = strstr(ld_page, "<script type=\"application/ld+json\">");
    const char *end = strstr(ld_page, "</script>");
    assert_int_equal(sbuf_append(&b, s, (size_t)(end - s) + 9), URS_OK);
    for (int i = 0; i < 250; i++)
        assert_int_equal(sbuf_printf(&b,
                                     "<p class=\"para\">Paragraph %d of the job page with "
                                     "<b>some</b> <i>markup</i> and text.</p>\n",
                                     i),
                         URS_OK);
    assert_int_equal(sbuf_puts(&b, "</body></html>"), URS_OK);
    free(ld_page);
    *len = b.len;
    return sbuf_take(&b);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_jsonld_speed(void **state)
{
    (void)state;
    size_t len;
    char *page = big_page(&len);
    assert_true(len > 50000 && len < 70000);
    const int rounds = 50;
    double t0 = now_ms();
    for (int i = 0; i < rounds; i++) {
        htmlDocPtr doc = htmlReadMemory(page, (int)len, NULL, "UTF-8",
                                        HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                            HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
        assert_non_null(doc);
        xmlFreeDoc(doc);
    }
    double dom = (now_ms() - t0) / rounds;
    t0 = now_ms();
    size_t blocks = 0;
    for (int i = 0; i < rounds; i++) {
        size_t pos = 0, body_len;
        const char *body;
        while (crawl_jsonld_next(page, len, &pos, &body, &body_len))
            blocks++;
    }
    double scan = (now_ms() - t0) / rounds;
    assert_int_equal(blocks, (size_t)rounds);

    struct tc c;
    tc_init(&c, "jsonld", "speed");
    c.keep = false;
    tc_job(&c);
    struct err e;
    err_clear(&e);
    t0 = now_ms();
    for (int i = 0; i < rounds; i++) {
        size_t found = 0;
        assert_int_equal(crawl_jsonld_emit_page(c.job, PAGE, page, len, NULL, &found, &e), URS_OK);
        assert_int_equal(found, 1);
    }
    double full = (now_ms() - t0) / rounds;
    fprintf(stderr,
            "jsonld on a %zu byte page: DOM parse %.3f ms, scan %.4f ms, "
            "scan+JSON+description %.3f ms\n",
            len, dom, scan, full);
    assert_true(scan * 10 < dom); /* finding the scripts is far cheaper than a DOM */
    assert_true(full < dom);      /* and so is the whole posting */
    tc_free(&c);
    free(page);
}

static void test_html_listing(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "html", "tidewater");
    c.src.url = "https://tidewater.example/careers";
    c.src.list_xpath = "//ul[@class='openings']//a[@class='opening-title']";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request list, rq;
    tc_next(&c, &list);
    assert_string_equal(list.url, "https://tidewater.example/careers");
    assert_int_equal(tc_feed_file(&c, &list, "generic-career-listing.html", &e), URS_OK);
    static const char *const want[] = {
        "https://tidewater.example/careers/physician-advisor-utilization-management",
        "https://tidewater.example/careers/clinical-reviewer-slp-part-time",
        "https://tidewater.example/careers/outpatient-physical-therapist-norfolk"};
    for (size_t i = 0; i < 3; i++) {
        tc_next(&c, &rq);
        assert_string_equal(rq.url, want[i]);
        assert_false(rq.listing); /* a detail page: the engine treats its 404 as gone */
        crawl_request_clear(&rq);
    }
    tc_none(&c); /* no rel=next on this page */
    crawl_request_clear(&list);
    tc_free(&c);

    /* relative links, schemes, fragments, duplicates and rel=next */
    static const char *const page1[] = {"https://tidewater.example/careers/jobs/a",
                                        "https://tidewater.example/b", "https://other.example/c",
                                        "https://tidewater.example/d",
                                        "https://tidewater.example/careers/list?page=2"};
    static const char *const selectors[] = {"//ul[@id='jobs']/li/a", "//ul[@id='jobs']/li/a/@href"};
    for (size_t s = 0; s < 2; s++) {
        tc_init(&c, "html", "links");
        c.src.url = "https://tidewater.example/careers/list?page=1";
        c.src.list_xpath = (char *)selectors[s];
        assert_int_equal(tc_start(&c, &e), URS_OK);
        tc_next(&c, &list);
        assert_int_equal(tc_feed_file(&c, &list, "fixture:html-listing-page1.html", &e), URS_OK);
        for (size_t i = 0; i < 5; i++) {
            tc_next(&c, &rq);
            assert_string_equal(rq.url, page1[i]);
            assert_int_equal(rq.stage, i < 4 ? 1 : 0);
            assert_int_equal(rq.listing, i == 4);
            crawl_request_clear(&rq);
        }
        tc_none(&c);
        crawl_request_clear(&list);
        tc_free(&c);
    }

    tc_init(&c, "html", "next");
    c.src.url = "https://tidewater.example/careers/list?page=1";
    c.src.list_xpath = "//ul[@id='nothing']/li/a";
    c.src.next_xpath = "//nav/a[contains(., 'More')]/@href";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    tc_next(&c, &list);
    assert_int_equal(tc_feed_file(&c, &list, "fixture:html-listing-page1.html", &e), URS_OK);
    tc_next(&c, &rq);
    assert_string_equal(rq.url, "https://tidewater.example/careers/list?page=9");
    crawl_request_clear(&rq);
    crawl_request_clear(&list);
    tc_free(&c);
}

static void test_html_detail(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "html", "tidewater");
    c.src.url = "https://tidewater.example/careers";
    c.src.employer = "Tidewater Utilization Partners";
    c.src.list_xpath = "//ul[@class='openings']//a[@class='opening-title']";
    c.src.title_xpath = "//h1[@class='job-title']";
    c.src.location_xpath = "//dl[@class='job-facts']/dd[2]";
    c.src.description_xpath = "//div[@class='job-description']";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request list, d1, d2, d3;
    tc_next(&c, &list);
    assert_int_equal(tc_feed_file(&c, &list, "generic-career-listing.html", &e), URS_OK);
    tc_next(&c, &d1);
    tc_next(&c, &d2);
    tc_next(&c, &d3);
    assert_int_equal(tc_feed_file(&c, &d2, "generic-career-detail.html", &e), URS_OK);
    assert_int_equal(tc_feed_file(&c, &d3, "jsonld-jobposting.html", &e), URS_OK);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, d2.url);
    assert_string_equal(p->url, d2.url);
    assert_string_equal(p->title, "Clinical Reviewer - Speech Language Pathologist (Part-Time)");
    assert_string_equal(p->employer, "Tidewater Utilization Partners");
    assert_string_equal(p->location, "Remote \xE2\x80\x93 must reside in Texas");
    tc_has(p->description, "About the role\n\nTidewater Utilization Partners performs "
                           "utilization review");
    tc_has(p->description, "- Review prior authorization and concurrent review requests");
    assert_null(strstr(p->description, "Apply"));
    /* JSON-LD wins on a detail page that has it; the page URL is kept */
    check_willowbrook(tc_get(&c, "UR-PT-0417"), d3.url);

    c.src.title_xpath = "//h1[";
    err_clear(&e);
    assert_int_equal(tc_feed_file(&c, &d1, "generic-career-detail.html", &e), URS_EINVAL);
    tc_has(e.msg, "tidewater: xpath '//h1[': invalid expression");
    crawl_request_clear(&list);
    crawl_request_clear(&d1);
    crawl_request_clear(&d2);
    crawl_request_clear(&d3);
    tc_free(&c);

    tc_init(&c, "html", "noselect");
    c.src.url = "https://tidewater.example/careers";
    err_clear(&e);
    assert_int_equal(tc_start(&c, &e), URS_EINVAL);
    tc_has(e.msg, "list_xpath");
    tc_free(&c);
}

static void test_rss(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "rss", "aspen");
    c.src.url = "https://aspenreview.example/careers/feed.xml";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    tc_next(&c, &rq);
    assert_string_equal(rq.url, "https://aspenreview.example/careers/feed.xml");
    assert_int_equal(tc_feed_file(&c, &rq, "rss-jobs.xml", &e), URS_OK);
    tc_none(&c);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, "aspenreview-job-2611");
    assert_string_equal(p->title, "Clinical Reviewer - Speech Language Pathologist (Part-Time)");
    assert_string_equal(p->url,
                        "https://aspenreview.example/careers/jobs/slp-clinical-reviewer-2611");
    assert_string_equal(p->employer, "Aspen Review Services"); /* dc:creator, no config */
    assert_string_equal(p->location, "Remote - Texas");
    assert_string_equal(p->employment_hint, "PART_TIME");
    assert_true(p->posted_at == tc_time("2026-11-10T15:00:00Z"));
    assert_string_equal(p->description,
                        "Part-time (20 hrs/week) remote clinical reviewer for speech therapy "
                        "requests. Active Texas SLP license and CCC-SLP required. $40-$45/hour.");
    p = tc_get(&c, "aspenreview-job-2614");
    assert_string_equal(p->location, "Little Rock, AR");
    assert_true(p->posted_at == tc_time("2026-11-06T20:30:00Z"));
    tc_free(&c);

    tc_init(&c, "rss", "aspen2");
    c.src.url = "https://aspenreview.example/careers/feed.xml";
    c.src.employer = "Aspen (config)";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    assert_int_equal(tc_feed_file(&c, &rq, "rss-jobs.xml", &e), URS_OK);
    assert_string_equal(tc_get(&c, "aspenreview-job-2614")->employer, "Aspen (config)");
    crawl_request_clear(&rq);
    tc_free(&c);
}

static void test_atom_and_bad_feeds(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "rss", "summit");
    c.src.url = "https://summitvale.example/feeds/jobs.atom";
    c.src.employer = "Summit Vale";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    tc_next(&c, &rq);
    assert_int_equal(tc_feed_file(&c, &rq, "fixture:atom-jobs.xml", &e), URS_OK);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, "urn:uuid:job-1");
    assert_string_equal(p->title, "UM Nurse Reviewer");
    assert_string_equal(p->url, "https://summitvale.example/jobs/1");
    assert_string_equal(p->description, "Remote UM nurse & appeals");
    assert_true(p->posted_at == tc_time("2026-11-12T10:00:00Z"));
    p = tc_get(&c, "https://summitvale.example/jobs/2"); /* no id: the link */
    assert_string_equal(p->description, "Part-time physician advisor.");
    assert_true(p->posted_at == tc_time("2026-10-31T23:00:00Z"));

    const char *html = "<html><body><p>not a feed</p></body></html>";
    err_clear(&e);
    assert_int_equal(tc_feed(&c, &rq, 200, html, strlen(html), &e), URS_EPARSE);
    tc_has(e.msg, "not an RSS or Atom feed (root <html>)");
    const char *cut = "<?xml version=\"1.0\"?>\n<rss><channel>\n<item><title>x</item>";
    err_clear(&e);
    assert_int_equal(tc_feed(&c, &rq, 200, cut, strlen(cut), &e), URS_EPARSE);
    tc_has(e.msg, "summit: https://summitvale.example/feeds/jobs.atom: 3:");
    assert_false(crawl_job_is_complete(c.job));
    crawl_request_clear(&rq);
    tc_free(&c);
}

static void test_sitemap(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "sitemap", "aspen-sitemap");
    c.src.url = "https://aspenreview.example/sitemap.xml";
    c.src.url_pattern = "/careers/jobs/";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request idx, jobs, pages, p1, p2, p3;
    tc_next(&c, &idx);
    assert_int_equal(tc_feed_file(&c, &idx, "sitemap-index.xml", &e), URS_OK);
    tc_next(&c, &jobs);
    assert_string_equal(jobs.url, "https://aspenreview.example/sitemap-jobs.xml");
    assert_int_equal(jobs.stage, 0);
    tc_next(&c, &pages);
    assert_string_equal(pages.url, "https://aspenreview.example/sitemap-pages.xml");
    tc_none(&c);
    assert_int_equal(tc_feed_file(&c, &jobs, "sitemap-jobs.xml", &e), URS_OK);
    const char *other = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/"
                        "sitemap/0.9\"><url><loc>https://aspenreview.example/about</loc></url>"
                        "</urlset>";
    assert_int_equal(tc_feed(&c, &pages, 200, other, strlen(other), &e), URS_OK);
    tc_next(&c, &p1);
    assert_string_equal(p1.url,
                        "https://aspenreview.example/careers/jobs/slp-clinical-reviewer-2611");
    assert_int_equal(p1.stage, 1);
    tc_next(&c, &p2);
    assert_string_equal(p2.url, "https://aspenreview.example/careers/jobs/ot-inpatient-2614");
    tc_next(&c, &p3);
    assert_string_equal(p3.url,
                        "https://aspenreview.example/careers/jobs/physician-advisor-um-2617");
    tc_none(&c); /* /about did not match url_pattern */
    assert_int_equal(tc_feed_file(&c, &p1, "jsonld-jobposting.html", &e), URS_OK);
    assert_int_equal(tc_feed_file(&c, &p2, "generic-career-detail.html", &e), URS_OK);
    assert_int_equal(c.got_len, 1);
    check_willowbrook(tc_get(&c, "UR-PT-0417"), p1.url);
    struct crawl_request *all[] = {&idx, &jobs, &pages, &p1, &p2, &p3};
    for (size_t i = 0; i < 6; i++)
        crawl_request_clear(all[i]);
    tc_free(&c);
}

struct doc_case {
    const char *file;
    const char *url;
    size_t count;
    const char *id; /* one id that must be there */
};

static void test_documents(void **state)
{
    (void)state;
    static const struct doc_case cases[] = {
        {"workday-jobs.json", NULL, 2, "JR-20433"},
        {"workday-job-detail.json", NULL, 1, "JR-20417"},
        {"talentbrew-search-results.json", "https://careers.unitedhealthgroup.com/search-jobs", 2,
         "61000433"},
        {"oracle-orc-requisitions.json", NULL, 2, "2100433"},
        {"oracle-orc-requisition-detail.json", NULL, 1, "2100417"},
        {"greenhouse-jobs.json", NULL, 2, "7400012002"},
        {"greenhouse-job-detail.json", NULL, 1, "7400012001"},
        {"lever-postings.json", NULL, 2, "3c1f7a52-6d0e-4b8a-9f21-0a1b2c3d4e02"},
        {"smartrecruiters-postings.json", NULL, 2, "744000900000102"},
        {"smartrecruiters-posting-detail.json", NULL, 1, "744000900000101"},
        {"ashby-job-board.json", NULL, 2, "5d2c1b0a-7e6f-4a3b-9c8d-00000000a002"},
        {"usajobs-search.json", NULL, 1, "900000417"},
        {"jsonld-jobposting.html", PAGE, 1, "UR-PT-0417"},
        {"rss-jobs.xml", NULL, 2, "aspenreview-job-2614"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tc c;
        struct err e;
        err_clear(&e);
        tc_init(&c, NULL, "import");
        size_t n = 99;
        int rc = tc_document(&c, NULL, cases[i].url, cases[i].file, &n, &e);
        if (rc != URS_OK || n != cases[i].count)
            fprintf(stderr, "%s: rc %d, %zu postings: %s\n", cases[i].file, rc, n, e.msg);
        assert_int_equal(rc, URS_OK);
        assert_int_equal(n, cases[i].count);
        assert_int_equal(c.got_len, cases[i].count);
        const struct posting *p = tc_get(&c, cases[i].id);
        assert_string_equal(p->source, "import");
        assert_non_null(p->title);
        tc_free(&c);
    }
}

static void test_document_details(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    size_t n;
    tc_init(&c, NULL, "coach");
    assert_int_equal(tc_document(&c, NULL, PAGE, "jsonld-jobposting.html", &n, &e), URS_OK);
    check_willowbrook(tc_get(&c, "UR-PT-0417"), PAGE);
    tc_free(&c);

    /* listing rows as postings: workday ids from bulletFields, relative hints */
    tc_init(&c, NULL, "coach");
    assert_int_equal(tc_document(&c, NULL, NULL, "workday-jobs.json", &n, &e), URS_OK);
    const struct posting *p = tc_get(&c, "JR-20417");
    assert_string_equal(p->location, "Remote - TX");
    assert_string_equal(p->work_hint, "Fully Remote");
    assert_null(p->url);
    assert_true(p->posted_at > 0);
    assert_int_equal(tc_get(&c, "JR-20433")->posted_at, 0); /* "30+ Days Ago" */
    tc_free(&c);

    tc_init(&c, NULL, "coach");
    assert_int_equal(tc_document(&c, NULL, "https://careers.unitedhealthgroup.com/search-jobs",
                                 "talentbrew-search-results.json", &n, &e),
                     URS_OK);
    assert_string_equal(tc_get(&c, "61000417")->url,
                        "https://careers.unitedhealthgroup.com/job/remote/utilization-review-"
                        "physical-therapist-remote/99999/61000417");
    tc_free(&c);

    /* a bare JSON-LD file */
    tc_init(&c, NULL, "coach");
    const char *ld = "{\"@context\":\"https://schema.org\",\"@type\":\"JobPosting\","
                     "\"title\":\"Appeals RN\",\"url\":\"https://a.example/j/1\"}";
    assert_int_equal(tc_document_mem(&c, NULL, NULL, ld, strlen(ld), &n, &e), URS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(tc_get(&c, "https://a.example/j/1")->title, "Appeals RN");
    assert_int_equal(
        crawl_parse_document(NULL, "coach", NULL, ld, strlen(ld), NULL, NULL, NULL, &n, &e),
        URS_EINVAL); /* no handler */
    tc_free(&c);

    /* html selectors from the given source when the page has no JSON-LD */
    tc_init(&c, NULL, "coach");
    c.src.title_xpath = "//h1";
    c.src.description_xpath = "//div[@class='job-description']";
    assert_int_equal(tc_document(&c, NULL, "https://tidewater.example/careers/x",
                                 "generic-career-detail.html", &n, &e),
                     URS_OK);
    assert_int_equal(n, 1);
    tc_has(tc_get(&c, "https://tidewater.example/careers/x")->description, "About the role");
    tc_free(&c);
}

static void test_document_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *kind;
        int rc;
        const char *msg;
    } cases[] = {
        {"sitemap-index.xml", NULL, URS_EINVAL, "a sitemap lists pages but holds no postings"},
        {"generic-career-detail.html", NULL, URS_EPARSE, "page without JobPosting JSON-LD"},
        {"icims-search.html", NULL, URS_EPARSE, "page without JobPosting JSON-LD"},
        {"taleo-searchjobs-response.json", NULL, URS_EPARSE, "JSON of no known shape"},
        {"phenom-widgets-response.json", NULL, URS_EPARSE, "JSON of no known shape"},
        {"greenhouse-jobs.json", "taleo", URS_EINVAL, "unknown kind 'taleo' (known: workday,"},
        {"greenhouse-jobs.json", "lever", URS_EPARSE, "expected an array of postings"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tc c;
        struct err e;
        err_clear(&e);
        tc_init(&c, NULL, "coach");
        size_t n = 7;
        assert_int_equal(tc_document(&c, cases[i].kind, NULL, cases[i].file, &n, &e), cases[i].rc);
        tc_has(e.msg, "coach");
        tc_has(e.msg, cases[i].msg);
        assert_int_equal(n, 0);
        tc_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonld_page),        cmocka_unit_test(test_jsonld_variants),
        cmocka_unit_test(test_jsonld_speed),       cmocka_unit_test(test_html_listing),
        cmocka_unit_test(test_html_detail),        cmocka_unit_test(test_rss),
        cmocka_unit_test(test_atom_and_bad_feeds), cmocka_unit_test(test_sitemap),
        cmocka_unit_test(test_documents),          cmocka_unit_test(test_document_details),
        cmocka_unit_test(test_document_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
