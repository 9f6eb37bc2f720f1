/* SPDX-License-Identifier: MIT */
/* Adapter tests for the ATS JSON sources: exact postings and follow-up requests per payload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters_tu.h"
#include "common/common.h"

#define WD_URL                                                                                     \
    "https://bluestemhealth.wd5.myworkdayjobs.com/wday/cxs/bluestemhealth/Bluestem_Careers"

static char *wd_search[] = {"utilization review", "prior authorization"};

/* The next request: method, URL, body; a GET of a detail is no listing page. */
static void expect_request(struct tc *c, struct crawl_request *rq, enum crawl_method method,
                           const char *url, const char *body)
{
    tc_next(c, rq);
    assert_int_equal(rq->method, method);
    assert_string_equal(rq->url, url);
    if (body)
        assert_string_equal(rq->body, body);
    else
        assert_null(rq->body);
    assert_int_equal(rq->listing, rq->stage == 0);
}

static void test_workday_flow(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "workday", "bluestem");
    c.src.url = WD_URL;
    c.src.search = wd_search;
    c.src.search_len = 2;
    c.src.employer = "Bluestem (config)";
    assert_int_equal(tc_start(&c, &e), URS_OK);

    struct crawl_request s1, s2, d1, d2, none;
    expect_request(&c, &s1, CRAWL_POST, WD_URL "/jobs",
                   "{\"appliedFacets\":{},\"limit\":20,\"offset\":0,\"searchText\":"
                   "\"utilization review\"}");
    assert_string_equal(s1.content_type, "application/json");
    expect_request(&c, &s2, CRAWL_POST, WD_URL "/jobs",
                   "{\"appliedFacets\":{},\"limit\":20,\"offset\":0,\"searchText\":"
                   "\"prior authorization\"}");
    tc_none(&c);

    assert_int_equal(tc_feed_file(&c, &s1, "workday-jobs.json", &e), URS_OK);
    expect_request(&c, &d1, CRAWL_GET,
                   WD_URL "/job/Remote-TX/Clinical-Reviewer---Speech-Language-Pathologist--Part-"
                          "Time-_JR-20417",
                   NULL);
    expect_request(&c, &d2, CRAWL_GET,
                   WD_URL "/job/Austin-TX/Prior-Authorization-Specialist---PTA-COTA_JR-20433",
                   NULL);
    tc_none(&c); /* two rows, total 2: no next page */
    /* The second search finds the same jobs: no new detail requests. */
    assert_int_equal(tc_feed_file(&c, &s2, "workday-jobs.json", &e), URS_OK);
    assert_false(crawl_job_next(c.job, &none));

    assert_int_equal(tc_feed_file(&c, &d1, "workday-job-detail.json", &e), URS_OK);
    assert_int_equal(tc_feed_file(&c, &d2, "fixture:workday-detail-20433.json", &e), URS_OK);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, "JR-20417");
    assert_string_equal(p->title, "Clinical Reviewer - Speech Language Pathologist (Part-Time)");
    assert_string_equal(p->url, "https://bluestemhealth.wd5.myworkdayjobs.com/Bluestem_Careers/"
                                "job/Remote-TX/Clinical-Reviewer---Speech-Language-Pathologist-"
                                "-Part-Time-_JR-20417");
    assert_string_equal(p->employer, "Bluestem Health Plan");
    assert_string_equal(p->location, "Remote - TX");
    assert_string_equal(p->work_hint, "Fully Remote");
    assert_string_equal(p->employment_hint, "Part time");
    assert_true(p->posted_at == tc_time("2026-11-13"));
    tc_has(p->description, "Bluestem Health Plan is hiring a part-time Clinical Reviewer (SLP)");
    tc_has(p->description, "- Review speech therapy authorization requests for medical necessity");
    tc_has(p->description, "Pay range: $38.00 - $44.00 per hour.");

    p = tc_get(&c, "JR-20433");
    assert_string_equal(p->url, "https://bluestemhealth.wd5.myworkdayjobs.com/Bluestem_Careers/"
                                "job/Austin-TX/Prior-Authorization-Specialist---PTA-COTA_JR-20433");
    assert_string_equal(p->employer, "Bluestem (config)");
    assert_string_equal(p->location, "Austin, TX; Dallas, TX");
    assert_string_equal(p->work_hint, "Hybrid");
    assert_string_equal(p->description, "Review PTA and COTA prior authorization requests.");
    int64_t yesterday = (int64_t)time(NULL) - 86400;
    assert_true(p->posted_at <= yesterday && p->posted_at > yesterday - 60);
    assert_true(crawl_job_is_complete(c.job));
    crawl_request_clear(&s1);
    crawl_request_clear(&s2);
    crawl_request_clear(&d1);
    crawl_request_clear(&d2);
    tc_free(&c);
}

/* A Workday search page with n rows (paths /job/P{from+i}) and the given total. */
static char *wd_page(int from, int n, int total)
{
    struct sbuf b;
    sbuf_init(&b, 1 << 20);
    assert_int_equal(sbuf_printf(&b, "{\"total\":%d,\"jobPostings\":[", total), URS_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(sbuf_printf(&b, "%s{\"title\":\"T%d\",\"externalPath\":\"/job/P%d\"}",
                                     i ? "," : "", from + i, from + i),
                         URS_OK);
    assert_int_equal(sbuf_puts(&b, "]}"), URS_OK);
    return sbuf_take(&b);
}

static void feed_page(struct tc *c, struct crawl_request *rq, char *body)
{
    struct err e;
    err_clear(&e);
    assert_int_equal(tc_feed(c, rq, 200, body, strlen(body), &e), URS_OK);
    free(body);
    crawl_request_clear(rq);
}

/* Skip n detail requests. */
static void skip_details(struct tc *c, int n)
{
    for (int i = 0; i < n; i++) {
        struct crawl_request rq;
        tc_next(c, &rq);
        assert_int_equal(rq.method, CRAWL_GET);
        crawl_request_clear(&rq);
    }
}

static void test_workday_pagination(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "workday", "wd-pages");
    c.src.url = WD_URL "/"; /* a trailing slash is tolerated */
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    expect_request(&c, &rq, CRAWL_POST, WD_URL "/jobs",
                   "{\"appliedFacets\":{},\"limit\":20,\"offset\":0,\"searchText\":\"\"}");
    feed_page(&c, &rq, wd_page(0, 20, 50));
    skip_details(&c, 20);
    expect_request(&c, &rq, CRAWL_POST, WD_URL "/jobs",
                   "{\"appliedFacets\":{},\"limit\":20,\"offset\":20,\"searchText\":\"\"}");
    /* Later pages may say total 0: the first total still rules. */
    feed_page(&c, &rq, wd_page(20, 20, 0));
    skip_details(&c, 20);
    expect_request(&c, &rq, CRAWL_POST, WD_URL "/jobs",
                   "{\"appliedFacets\":{},\"limit\":20,\"offset\":40,\"searchText\":\"\"}");
    feed_page(&c, &rq, wd_page(40, 10, 0)); /* short page: the end */
    skip_details(&c, 10);
    tc_none(&c);
    tc_free(&c);

    /* offset + 20 >= total stops even on a full page */
    tc_init(&c, "workday", "wd-exact");
    c.src.url = WD_URL;
    assert_int_equal(tc_start(&c, &e), URS_OK);
    tc_next(&c, &rq);
    feed_page(&c, &rq, wd_page(0, 20, 20));
    skip_details(&c, 20);
    tc_none(&c);
    tc_free(&c);
}

static void test_workday_errors(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "workday", "wd-bad");
    assert_int_equal(tc_start(&c, &e), URS_EINVAL); /* no url */
    tc_has(e.msg, "wd-bad: workday needs url");
    tc_free(&c);

    tc_init(&c, "workday", "wd-broken");
    c.src.url = WD_URL;
    err_clear(&e);
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    tc_next(&c, &rq);
    const char *cut = "{\"total\": 5, \"jobPostings\": [{\"title\": \"x\",";
    assert_int_equal(tc_feed(&c, &rq, 200, cut, strlen(cut), &e), URS_EPARSE);
    tc_has(e.msg, "wd-broken: " WD_URL "/jobs: 1:");
    assert_false(crawl_job_is_complete(c.job));
    err_clear(&e);
    assert_int_equal(tc_feed(&c, &rq, 503, "", 0, &e), URS_ENET);
    tc_has(e.msg, "HTTP 503");
    crawl_request_clear(&rq);
    tc_free(&c);

    /* a detail that cannot be parsed: its posting may be missing, so nothing may be closed */
    tc_init(&c, "workday", "wd-detail");
    c.src.url = WD_URL;
    err_clear(&e);
    assert_int_equal(tc_start(&c, &e), URS_OK);
    tc_next(&c, &rq);
    const char *one = "{\"total\":1,\"jobPostings\":[{\"externalPath\":\"/job/x_JR-1\"}]}";
    assert_int_equal(tc_feed(&c, &rq, 200, one, strlen(one), &e), URS_OK);
    crawl_request_clear(&rq);
    tc_next(&c, &rq);
    assert_false(rq.listing);
    assert_true(crawl_job_is_complete(c.job));
    assert_int_equal(tc_feed(&c, &rq, 200, "{\"jobPostingInfo\": 7}", 21, &e), URS_EPARSE);
    tc_has(e.msg, "wd-detail: " WD_URL "/job/x_JR-1: no jobPostingInfo object");
    assert_false(crawl_job_is_complete(c.job));
    crawl_request_clear(&rq);
    tc_free(&c);
}

static void test_talentbrew_flow(void **state)
{
    (void)state;
    static char *search[] = {"utilization review"};
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "talentbrew", "uhg");
    c.src.url = "https://careers.unitedhealthgroup.com";
    c.src.search = search;
    c.src.search_len = 1;
    c.src.employer = "UnitedHealth Group";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request list, d1, d2;
    expect_request(&c, &list, CRAWL_GET,
                   "https://careers.unitedhealthgroup.com/search-jobs/results?CurrentPage=1&"
                   "RecordsPerPage=100&Keywords=utilization%20review&SearchResultsModuleName="
                   "Search+Results&SearchType=5",
                   NULL);
    tc_none(&c);
    assert_int_equal(tc_feed_file(&c, &list, "talentbrew-search-results.json", &e), URS_OK);
    expect_request(&c, &d1, CRAWL_GET,
                   "https://careers.unitedhealthgroup.com/job/remote/utilization-review-"
                   "physical-therapist-remote/99999/61000417",
                   NULL);
    expect_request(&c, &d2, CRAWL_GET,
                   "https://careers.unitedhealthgroup.com/job/denver/physician-advisor-"
                   "utilization-management/99999/61000433",
                   NULL);
    tc_none(&c); /* 2 rows < 100: last page */

    /* A detail page with JSON-LD: listing facts kept, the rest from JSON-LD. */
    assert_int_equal(tc_feed_file(&c, &d1, "jsonld-jobposting.html", &e), URS_OK);
    /* A detail page without JSON-LD: the listing row alone. */
    assert_int_equal(tc_feed_file(&c, &d2, "generic-career-detail.html", &e), URS_OK);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, "61000417");
    assert_string_equal(p->title, "Utilization Review Physical Therapist - Remote");
    assert_string_equal(p->url, d1.url);
    assert_string_equal(p->location, "Remote, United States, Remote (Nationwide), Full-time");
    assert_true(p->posted_at == tc_time("2026-11-10"));
    assert_string_equal(p->employer, "Willowbrook Health Plan");
    assert_string_equal(p->work_hint, "TELECOMMUTE");
    assert_string_equal(p->employment_hint, "FULL_TIME");
    assert_true(p->valid_through == tc_time("2026-12-31T23:59"));
    assert_true(p->salary_hint.min == 42 && p->salary_hint.max == 48);
    assert_int_equal(p->salary_hint.period, PERIOD_HOUR);
    tc_has(p->description, "Willowbrook Health Plan is hiring a licensed physical therapist");

    p = tc_get(&c, "61000433");
    assert_string_equal(p->title, "Physician Advisor, Utilization Management");
    assert_string_equal(p->location, "Denver, Colorado, Hybrid, Part-time");
    assert_true(p->posted_at == tc_time("2026-11-06"));
    assert_string_equal(p->employer, "UnitedHealth Group");
    assert_null(p->description);
    crawl_request_clear(&list);
    crawl_request_clear(&d1);
    crawl_request_clear(&d2);
    tc_free(&c);
}

/* TalentBrew JSON with n result rows numbered from `from`. */
static char *tb_page(int from, int n)
{
    struct sbuf b;
    sbuf_init(&b, 1 << 20);
    assert_int_equal(sbuf_puts(&b, "{\"results\":\"<section id=\\\"search-results-list\\\"><ul>"),
                     URS_OK);
    for (int i = from; i < from + n; i++)
        assert_int_equal(sbuf_printf(&b,
                                     "<li><a href=\\\"/job/x/y/1/%d\\\" data-job-id=\\\"%d\\\">"
                                     "<h3>Job %d</h3></a></li>",
                                     i, i, i),
                         URS_OK);
    assert_int_equal(sbuf_puts(&b, "</ul></section>\"}"), URS_OK);
    return sbuf_take(&b);
}

static void test_talentbrew_pagination(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "talentbrew", "kaiser");
    c.src.url = "https://www.kaiserpermanentejobs.org/";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    tc_next(&c, &rq);
    assert_string_equal(rq.url, "https://www.kaiserpermanentejobs.org/search-jobs/results?"
                                "CurrentPage=1&RecordsPerPage=100&Keywords=&"
                                "SearchResultsModuleName=Search+Results&SearchType=5");
    feed_page(&c, &rq, tb_page(0, 100));
    skip_details(&c, 100);
    tc_next(&c, &rq);
    tc_has(rq.url, "CurrentPage=2&");
    /* The site repeats page 1 for every page number: no new jobs, so stop. */
    feed_page(&c, &rq, tb_page(0, 100));
    tc_none(&c);
    tc_free(&c);
}

static void test_oracle_flow(void **state)
{
    (void)state;
    static char *search[] = {"utilization"};
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "oracle", "molina");
    c.src.url = "https://hckd.fa.us2.oraclecloud.com";
    c.src.board = "CX_1";
    c.src.search = search;
    c.src.search_len = 1;
    c.src.employer = "Molina Healthcare";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request list, d1, d2;
    expect_request(&c, &list, CRAWL_GET,
                   "https://hckd.fa.us2.oraclecloud.com/hcmRestApi/resources/latest/"
                   "recruitingCEJobRequisitions?onlyData=true&expand=requisitionList."
                   "secondaryLocations&finder=findReqs;siteNumber=CX_1,limit=25,offset=0,"
                   "sortBy=POSTING_DATES_DESC,keyword=%22utilization%22",
                   NULL);
    assert_int_equal(tc_feed_file(&c, &list, "oracle-orc-requisitions.json", &e), URS_OK);
    expect_request(&c, &d1, CRAWL_GET,
                   "https://hckd.fa.us2.oraclecloud.com/hcmRestApi/resources/latest/"
                   "recruitingCEJobRequisitionDetails?expand=all&onlyData=true&finder=ById;"
                   "Id=%222100417%22,siteNumber=CX_1",
                   NULL);
    expect_request(&c, &d2, CRAWL_GET,
                   "https://hckd.fa.us2.oraclecloud.com/hcmRestApi/resources/latest/"
                   "recruitingCEJobRequisitionDetails?expand=all&onlyData=true&finder=ById;"
                   "Id=%222100433%22,siteNumber=CX_1",
                   NULL);
    tc_none(&c);
    assert_int_equal(tc_feed_file(&c, &d1, "oracle-orc-requisition-detail.json", &e), URS_OK);
    assert_int_equal(tc_feed_file(&c, &d2, "fixture:oracle-detail-2100433.json", &e), URS_OK);
    assert_int_equal(c.got_len, 2);

    const struct posting *p = tc_get(&c, "2100417");
    assert_string_equal(p->title, "Utilization Review Physical Therapist - Remote");
    assert_string_equal(p->url, "https://hckd.fa.us2.oraclecloud.com/hcmUI/CandidateExperience/"
                                "en/sites/CX_1/job/2100417");
    assert_string_equal(p->employer, "Molina Healthcare");
    assert_string_equal(p->location, "United States");
    assert_string_equal(p->work_hint, "ORA_REMOTE");
    assert_string_equal(p->employment_hint, "Full time");
    assert_true(p->posted_at == tc_time("2026-11-10T05:00:00+00:00"));
    assert_int_equal(p->valid_through, 0);
    tc_has(p->description, "Prairie State Health Plan is looking for a licensed physical");
    tc_has(p->description, "- Apply evidence-based criteria to rehab authorization requests");
    tc_has(p->description, "- Pay range $40.00 - $47.00 hourly");
    tc_has(p->description, "Remote eligibility: Remote within US (excluding CA)");

    p = tc_get(&c, "2100433");
    assert_string_equal(p->location, "Topeka, KS, United States; Wichita, KS, United States");
    assert_string_equal(p->work_hint, "ORA_HYBRID");
    assert_string_equal(p->employment_hint, "Part time");
    assert_true(p->valid_through == tc_time("2026-12-31"));
    assert_true(p->posted_at == tc_time("2026-11-06T06:00:00Z"));
    assert_string_equal(p->description, "Second-level reviews & peer-to-peer discussions.");
    crawl_request_clear(&list);
    crawl_request_clear(&d1);
    crawl_request_clear(&d2);
    tc_free(&c);
}

static char *orc_page(int from, int n, int total)
{
    struct sbuf b;
    sbuf_init(&b, 1 << 20);
    assert_int_equal(
        sbuf_printf(&b, "{\"items\":[{\"TotalJobsCount\":%d,\"requisitionList\":[", total), URS_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(
            sbuf_printf(&b, "%s{\"Id\":\"%d\",\"Title\":\"Job\"}", i ? "," : "", from + i), URS_OK);
    assert_int_equal(sbuf_puts(&b, "]}]}"), URS_OK);
    return sbuf_take(&b);
}

static void test_oracle_pagination(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "oracle", "orc");
    c.src.url = "https://hckd.fa.us2.oraclecloud.com";
    c.src.board = "CX_1";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    tc_next(&c, &rq);
    tc_has(rq.url, "limit=25,offset=0,sortBy=POSTING_DATES_DESC");
    assert_null(strstr(rq.url, "keyword"));
    feed_page(&c, &rq, orc_page(0, 25, 30));
    skip_details(&c, 25);
    tc_next(&c, &rq);
    tc_has(rq.url, "siteNumber=CX_1,limit=25,offset=25,sortBy=POSTING_DATES_DESC");
    feed_page(&c, &rq, orc_page(25, 5, 30));
    skip_details(&c, 5);
    tc_none(&c);
    tc_free(&c);

    tc_init(&c, "oracle", "orc-nosite");
    c.src.url = "https://hckd.fa.us2.oraclecloud.com";
    assert_int_equal(tc_start(&c, &e), URS_EINVAL);
    tc_has(e.msg, "board = the site number");
    tc_free(&c);
}

static void test_greenhouse(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "greenhouse", "cohere");
    c.src.board = "cedarridgecarereview";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    expect_request(&c, &rq, CRAWL_GET,
                   "https://boards-api.greenhouse.io/v1/boards/cedarridgecarereview/jobs?"
                   "content=true",
                   NULL);
    tc_none(&c);
    assert_int_equal(tc_feed_file(&c, &rq, "greenhouse-jobs.json", &e), URS_OK);
    tc_none(&c);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, "7400012001");
    assert_string_equal(p->title, "Utilization Review Physical Therapist - Remote");
    assert_string_equal(p->url,
                        "https://boards.greenhouse.io/cedarridgecarereview/jobs/7400012001");
    assert_string_equal(p->employer, "Cedar Ridge Care Review");
    assert_string_equal(p->location, "Remote - United States");
    assert_string_equal(p->employment_hint, "Full-time");
    assert_string_equal(p->work_hint, "Remote");
    assert_true(p->posted_at == tc_time("2026-11-10T08:00:00-05:00"));
    tc_has(p->description, "Cedar Ridge Care Review performs utilization management for "
                           "regional health plans.\n\nWhat you'll do\n\n- Review outpatient PT and "
                           "OT authorization requests");
    tc_has(p->description, "Pay: $42.00 \xE2\x80\x93 $48.00 per hour. Full-time, "
                           "Monday\xE2\x80\x93"
                           "Friday, 100% remote.");
    assert_null(strstr(p->description, "&lt;"));
    assert_int_equal(p->salary_hint.period, PERIOD_NONE);

    p = tc_get(&c, "7400012002");
    assert_string_equal(p->location, "Columbus, OH");
    assert_null(p->work_hint);
    assert_null(p->employment_hint);
    assert_string_equal(p->description, "Treat patients in our on-site sports rehabilitation "
                                        "clinic. Full-time, in person.\n\n- Ohio PT license "
                                        "required");
    crawl_request_clear(&rq);
    tc_free(&c);

    /* config url overrides the API host (tests point it at loopback) */
    tc_init(&c, "greenhouse", "gh-local");
    c.src.board = "a b";
    c.src.url = "http://127.0.0.1:8080/";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    tc_next(&c, &rq);
    assert_string_equal(rq.url, "http://127.0.0.1:8080/v1/boards/a%20b/jobs?content=true");
    crawl_request_clear(&rq);
    tc_free(&c);
}

static void test_greenhouse_detail_pay(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "greenhouse", "gh-detail");
    size_t n = 0;
    assert_int_equal(tc_document(&c, "greenhouse", NULL, "greenhouse-job-detail.json", &n, &e),
                     URS_OK);
    assert_int_equal(n, 1);
    const struct posting *p = tc_get(&c, "7400012001");
    assert_true(p->salary_hint.min == 42 && p->salary_hint.max == 48); /* cents / 100 */
    assert_int_equal(p->salary_hint.period, PERIOD_HOUR);              /* "Hourly rate" */
    assert_string_equal(p->description, "Review outpatient PT and OT authorization requests "
                                        "against evidence-based criteria.");
    assert_int_equal(
        crawl_parse_document("greenhouse", "x", NULL, "{}", 2, NULL, NULL, NULL, &n, &e),
        URS_EINVAL);
    tc_free(&c);
}

static void test_lever(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "lever", "kestrel");
    c.src.board = "kestrelhealth";
    c.src.employer = "Kestrel Health Partners";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    expect_request(&c, &rq, CRAWL_GET,
                   "https://api.lever.co/v0/postings/kestrelhealth?mode=json&skip=0&limit=100",
                   NULL);
    assert_int_equal(tc_feed_file(&c, &rq, "lever-postings.json", &e), URS_OK);
    tc_none(&c); /* 2 < 100: last page */
    crawl_request_clear(&rq);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, "3c1f7a52-6d0e-4b8a-9f21-0a1b2c3d4e01");
    assert_string_equal(p->title, "Physician Advisor, Utilization Management");
    assert_string_equal(p->url, "https://jobs.lever.co/kestrelhealth/"
                                "3c1f7a52-6d0e-4b8a-9f21-0a1b2c3d4e01");
    assert_string_equal(p->employer, "Kestrel Health Partners");
    assert_string_equal(p->location, "Remote - US; Denver, CO");
    assert_string_equal(p->work_hint, "remote");
    assert_string_equal(p->employment_hint, "Part-time");
    assert_int_equal(p->posted_at, 1794236400);
    assert_true(p->salary_hint.min == 150 && p->salary_hint.max == 175);
    assert_int_equal(p->salary_hint.period, PERIOD_HOUR);
    assert_true(p->salary_hint.annual == 162.5 * 2080);
    tc_has(p->description, "As Physician Advisor you perform second-level medical necessity");
    tc_has(p->description, "Requirements\n\n- MD or DO, board certified");
    tc_has(p->description, "Kestrel Health Partners is an equal opportunity employer.");

    p = tc_get(&c, "3c1f7a52-6d0e-4b8a-9f21-0a1b2c3d4e02");
    assert_string_equal(p->work_hint, "hybrid");
    assert_string_equal(p->location, "Denver, CO");
    assert_true(p->salary_hint.min == 82000 && p->salary_hint.max == 94000);
    assert_int_equal(p->salary_hint.period, PERIOD_YEAR);
    tc_free(&c);

    /* a full page asks for the next one */
    tc_init(&c, "lever", "lever-pages");
    c.src.board = "big";
    c.keep = false;
    assert_int_equal(tc_start(&c, &e), URS_OK);
    tc_next(&c, &rq);
    struct sbuf b;
    sbuf_init(&b, 1 << 20);
    assert_int_equal(sbuf_putc(&b, '['), URS_OK);
    for (int i = 0; i < 100; i++)
        assert_int_equal(sbuf_printf(&b, "%s{\"id\":\"L%d\",\"text\":\"Job\"}", i ? "," : "", i),
                         URS_OK);
    assert_int_equal(sbuf_putc(&b, ']'), URS_OK);
    feed_page(&c, &rq, sbuf_take(&b));
    assert_int_equal(c.calls, 100);
    tc_next(&c, &rq);
    assert_string_equal(rq.url,
                        "https://api.lever.co/v0/postings/big?mode=json&skip=100&limit=100");
    crawl_request_clear(&rq);
    tc_free(&c);
}

static void test_smartrecruiters(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "smartrecruiters", "harborlight");
    c.src.board = "HarborlightTherapy";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request list, d1, d2;
    expect_request(&c, &list, CRAWL_GET,
                   "https://api.smartrecruiters.com/v1/companies/HarborlightTherapy/postings?"
                   "limit=100&offset=0",
                   NULL);
    assert_int_equal(tc_feed_file(&c, &list, "smartrecruiters-postings.json", &e), URS_OK);
    expect_request(&c, &d1, CRAWL_GET,
                   "https://api.smartrecruiters.com/v1/companies/HarborlightTherapy/postings/"
                   "744000900000101",
                   NULL);
    expect_request(&c, &d2, CRAWL_GET,
                   "https://api.smartrecruiters.com/v1/companies/HarborlightTherapy/postings/"
                   "744000900000102",
                   NULL);
    tc_none(&c);
    assert_int_equal(tc_feed_file(&c, &d1, "smartrecruiters-posting-detail.json", &e), URS_OK);
    assert_int_equal(c.got_len, 1);
    const struct posting *p = tc_get(&c, "744000900000101");
    assert_string_equal(p->title, "Utilization Review Physical Therapist - Remote");
    assert_string_equal(p->employer, "Harborlight Therapy Network");
    assert_string_equal(p->location, "Tampa, FL, United States");
    assert_string_equal(p->work_hint, "Remote");
    assert_string_equal(p->employment_hint, "Full-time");
    assert_string_equal(p->url, "https://jobs.smartrecruiters.com/HarborlightTherapy/"
                                "744000900000101-utilization-review-physical-therapist-remote");
    assert_true(p->posted_at == tc_time("2026-11-10T14:05:22.110Z"));
    tc_has(p->description, "Company Description\n\nHarborlight Therapy Network manages rehab");
    tc_has(p->description, "- Active PT license (any US state)");
    tc_has(p->description, "Pay: $88,000 - $99,000 per year.");
    crawl_request_clear(&list);
    crawl_request_clear(&d1);
    crawl_request_clear(&d2);
    tc_free(&c);

    /* offset += 100 while offset < totalFound */
    tc_init(&c, "smartrecruiters", "sr-pages");
    c.src.board = "Big";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    tc_next(&c, &list);
    const char *page =
        "{\"offset\":0,\"limit\":100,\"totalFound\":250,\"content\":[{\"id\":\"1\"}]}";
    assert_int_equal(tc_feed(&c, &list, 200, page, strlen(page), &e), URS_OK);
    crawl_request_clear(&list);
    skip_details(&c, 1);
    tc_next(&c, &list);
    tc_has(list.url, "/postings?limit=100&offset=100");
    crawl_request_clear(&list);
    tc_free(&c);
}

static void test_ashby(void **state)
{
    (void)state;
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "ashby", "lumen");
    c.src.board = "lumenpriorauth";
    c.src.employer = "Lumen Prior Auth";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    struct crawl_request rq;
    expect_request(&c, &rq, CRAWL_GET,
                   "https://api.ashbyhq.com/posting-api/job-board/lumenpriorauth?"
                   "includeCompensation=true",
                   NULL);
    assert_int_equal(tc_feed_file(&c, &rq, "ashby-job-board.json", &e), URS_OK);
    tc_none(&c);
    crawl_request_clear(&rq);
    assert_int_equal(c.got_len, 2);
    const struct posting *p = tc_get(&c, "5d2c1b0a-7e6f-4a3b-9c8d-00000000a001");
    assert_string_equal(p->title, "Physician Advisor, Utilization Management");
    assert_string_equal(p->url, "https://jobs.ashbyhq.com/lumenpriorauth/"
                                "5d2c1b0a-7e6f-4a3b-9c8d-00000000a001");
    assert_string_equal(p->employer, "Lumen Prior Auth");
    assert_string_equal(p->location, "Remote (US); Nashville, TN");
    assert_string_equal(p->work_hint, "Remote");
    assert_string_equal(p->employment_hint, "PartTime");
    assert_true(p->posted_at == tc_time("2026-11-09T15:20:00.000+00:00"));
    assert_true(p->salary_hint.min == 160 && p->salary_hint.max == 185);
    assert_int_equal(p->salary_hint.period, PERIOD_HOUR);
    tc_has(p->description, "- Perform physician-level medical necessity reviews");
    p = tc_get(&c, "5d2c1b0a-7e6f-4a3b-9c8d-00000000a002");
    assert_string_equal(p->work_hint, "Hybrid"); /* not isRemote's "true" */
    assert_string_equal(p->employment_hint, "FullTime");
    assert_int_equal(p->salary_hint.period, PERIOD_NONE);
    tc_free(&c);

    tc_init(&c, "ashby", "lumen2");
    c.src.board = "lumenpriorauth";
    assert_int_equal(tc_start(&c, &e), URS_OK);
    tc_next(&c, &rq);
    assert_int_equal(tc_feed_file(&c, &rq, "fixture:ashby-unlisted.json", &e), URS_OK);
    crawl_request_clear(&rq);
    assert_int_equal(c.got_len, 1); /* isListed false skipped */
    p = tc_get(&c, "legacy-2");
    assert_string_equal(p->work_hint, "Remote"); /* isRemote when workplaceType is absent */
    assert_string_equal(p->description, "Review appeals.\nContract role.");
    assert_true(p->salary_hint.min == 90000 && p->salary_hint.max == 105000);
    assert_int_equal(p->salary_hint.period, PERIOD_YEAR);
    tc_free(&c);
}

static void test_usajobs(void **state)
{
    (void)state;
    static char *search[] = {"utilization review"};
    struct tc c;
    struct err e;
    err_clear(&e);
    tc_init(&c, "usajobs", "va");
    c.src.search = search;
    c.src.search_len = 1;
    assert_int_equal(tc_start(&c, &e), URS_EINVAL);
    tc_has(e.msg, "va: usajobs needs an API key");
    tc_has(e.msg, "URSCOUT_USAJOBS_KEY");
    tc_free(&c);

    err_clear(&e);
    tc_init(&c, "usajobs", "va");
    c.src.search = search;
    c.src.search_len = 1;
    c.src.api_key = "k3y-secret";
    c.src.employer = "Veterans Health Administration";
    tc_job(&c);
    assert_int_equal(crawl_job_set_contact(c.job, "ops@example.org"), URS_OK);
    assert_int_equal(crawl_job_adapter(c.job)->start(c.job, &e), URS_OK);
    struct crawl_request rq;
    expect_request(&c, &rq, CRAWL_GET,
                   "https://data.usajobs.gov/api/search?Keyword=utilization%20review&"
                   "ResultsPerPage=500&Page=1",
                   NULL);
    assert_string_equal(rq.headers[0], "Authorization-Key: k3y-secret");
    assert_string_equal(rq.headers[1], "User-Agent: ops@example.org");
    assert_int_equal(tc_feed_file(&c, &rq, "usajobs-search.json", &e), URS_OK);
    tc_none(&c); /* NumberOfPages "1" */
    assert_int_equal(c.got_len, 1);
    const struct posting *p = tc_get(&c, "900000417");
    assert_string_equal(p->title, "Utilization Review Physical Therapist");
    assert_string_equal(p->url, "https://www.usajobs.gov:443/GetJob/ViewDetails/900000417");
    assert_string_equal(p->location, "Springfield, Illinois");
    assert_string_equal(p->employer, "Federal Rehabilitation Review Agency (fictional)");
    assert_string_equal(p->employment_hint, "Full-time");
    assert_string_equal(p->work_hint, "Telework eligible");
    assert_true(p->salary_hint.min == 88000 && p->salary_hint.max == 114000);
    assert_int_equal(p->salary_hint.period, PERIOD_YEAR);
    assert_true(p->posted_at == tc_time("2026-11-10T00:00:00.0000"));
    assert_true(p->valid_through == tc_time("2026-11-24T23:59:59.9970"));
    tc_has(p->description, "The UR Physical Therapist reviews community-care rehabilitation");
    tc_has(p->description, "\n\nFull, current and unrestricted PT license in any US State");

    /* page 1 of 3 queues pages 2 and 3 with the same headers */
    size_t len;
    char *body = tc_read("usajobs-search.json", &len);
    char *np = strstr(body, "\"NumberOfPages\": \"1\"");
    assert_non_null(np);
    np[18] = '3';
    assert_int_equal(tc_feed(&c, &rq, 200, body, len, &e), URS_OK);
    free(body);
    crawl_request_clear(&rq);
    for (int page = 2; page <= 3; page++) {
        char want[256];
        snprintf(want, sizeof want,
                 "https://data.usajobs.gov/api/search?Keyword=utilization%%20review&"
                 "ResultsPerPage=500&Page=%d",
                 page);
        expect_request(&c, &rq, CRAWL_GET, want, NULL);
        assert_string_equal(rq.headers[0], "Authorization-Key: k3y-secret");
        crawl_request_clear(&rq);
    }
    tc_none(&c);
    assert_int_equal(c.got_len, 1); /* the same job again is not emitted twice */
    tc_free(&c);
}

static void test_kinds(void **state)
{
    (void)state;
    static const char *const kinds[] = {
        "workday", "talentbrew", "oracle", "greenhouse", "lever", "smartrecruiters",
        "ashby",   "usajobs",    "jsonld", "html",       "rss",   "sitemap"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        assert_true(crawl_kind_known(kinds[i]));
        const struct crawl_adapter *ad = crawl_adapter_find(kinds[i]);
        assert_non_null(ad);
        assert_string_equal(ad->kind, kinds[i]);
        tc_has(crawl_kind_names(), kinds[i]);
    }
    assert_false(crawl_kind_known("taleo"));
    assert_false(crawl_kind_known(NULL));
    assert_null(crawl_adapter_find("Workday"));
}

/* The bundled config/sources: each loads, names a known kind and starts with an http(s) URL. */
static void test_bundled_sources(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *prefix;
    } want[] = {
        {"elevance",
         "https://elevancehealth.wd1.myworkdayjobs.com/wday/cxs/elevancehealth/ANT/jobs"},
        {"uhg-optum", "https://careers.unitedhealthgroup.com/search-jobs/results?CurrentPage=1&"},
        {"humana", "https://humana.wd5.myworkdayjobs.com/wday/cxs/humana/Humana_External_"},
        {"cvs-aetna", "https://cvshealth.wd1.myworkdayjobs.com/wday/cxs/cvshealth/CVS_Health_"},
        {"cigna-evernorth", "https://cigna.wd5.myworkdayjobs.com/wday/cxs/cigna/cignacareers/"},
        {"centene", "https://centene.wd5.myworkdayjobs.com/wday/cxs/centene/Centene_External/"},
        {"molina", "https://hckd.fa.us2.oraclecloud.com/hcmRestApi/resources/latest/recruitingCE"},
        {"evolent", "https://evolent.wd1.myworkdayjobs.com/wday/cxs/evolent/External/jobs"},
        {"cohere-health", "https://boards-api.greenhouse.io/v1/boards/coherehealth/jobs?content"},
        {"kaiser", "https://www.kaiserpermanentejobs.org/search-jobs/results?CurrentPage=1&"},
        {"astyra", "https://astyra.com/careers/"},
        {"va-usajobs", "https://data.usajobs.gov/api/search?Keyword=utilization%20review&"},
    };
    char *dir = tu_mkdtemp();
    char *ini = tu_path(dir, "urscout.ini");
    tu_write_file(ini, "[crawl]\nretries = 2\n", (size_t)-1);
    setenv("URSCOUT_USAJOBS_KEY", "test-key", 1);
    struct config *cfg = NULL;
    struct err e;
    err_clear(&e);
    int rc = config_load(ini, &cfg, &e);
    if (rc != URS_OK)
        fprintf(stderr, "bundled sources: %s\n", e.msg);
    assert_int_equal(rc, URS_OK);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct config_source *src = config_source_find(cfg, want[i].name);
        if (!src)
            fprintf(stderr, "no bundled source %s\n", want[i].name);
        assert_non_null(src);
        assert_true(src->enabled);
        assert_false(src->verified);
        assert_true(strcmp(src->confidence, "high") == 0 ||
                    strcmp(src->confidence, "medium") == 0 || strcmp(src->confidence, "low") == 0);
    }
    for (size_t i = 0; i < cfg->sources_len; i++)
        assert_true(crawl_kind_known(cfg->sources[i].kind));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct tc c;
        tc_init(&c, NULL, want[i].name);
        c.src = *config_source_find(cfg, want[i].name);
        err_clear(&e);
        rc = tc_start(&c, &e);
        if (rc != URS_OK)
            fprintf(stderr, "%s: %s\n", want[i].name, e.msg);
        assert_int_equal(rc, URS_OK);
        struct crawl_request rq;
        tc_next(&c, &rq);
        assert_true(text_url_is_http(rq.url));
        if (strncmp(rq.url, want[i].prefix, strlen(want[i].prefix)) != 0)
            fprintf(stderr, "%s: %s\n", want[i].name, rq.url);
        assert_int_equal(strncmp(rq.url, want[i].prefix, strlen(want[i].prefix)), 0);
        crawl_request_clear(&rq);
        tc_free(&c);
    }
    config_free(cfg);
    unsetenv("URSCOUT_USAJOBS_KEY");
    tu_rmtree(dir);
    free(ini);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workday_flow),
        cmocka_unit_test(test_workday_pagination),
        cmocka_unit_test(test_workday_errors),
        cmocka_unit_test(test_talentbrew_flow),
        cmocka_unit_test(test_talentbrew_pagination),
        cmocka_unit_test(test_oracle_flow),
        cmocka_unit_test(test_oracle_pagination),
        cmocka_unit_test(test_greenhouse),
        cmocka_unit_test(test_greenhouse_detail_pay),
        cmocka_unit_test(test_lever),
        cmocka_unit_test(test_smartrecruiters),
        cmocka_unit_test(test_ashby),
        cmocka_unit_test(test_usajobs),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_bundled_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
