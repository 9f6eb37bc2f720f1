/* SPDX-License-Identifier: MIT */
/* Fuzz the html adapter: a listing page (links, next page) and a detail page (selectors). */
#include <stdlib.h>

#include "common/log.h"
#include "crawler/crawler_int.h"
#include "fuzz.h"

static void listing(const struct config_source *src, const char *body, size_t len)
{
    struct crawl_job *job;
    struct err e;
    err_clear(&e);
    if (crawl_job_new(src, crawl_adapter_find("html"), fuzz_check_posting, NULL, &job, &e) !=
        URS_OK)
        abort();
    struct crawl_request rq = {.url = "https://fuzz.example/jobs?page=1", .listing = true};
    struct crawl_response rs = {200, body, len, "text/html", rq.url};
    int rc = crawl_job_adapter(job)->on_response(job, &rq, &rs, &e);
    (void)rc;
    struct crawl_request next;
    while (crawl_job_next(job, &next))
        crawl_request_clear(&next);
    crawl_job_free(job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    char *body = malloc(size + 1);
    if (!body)
        return 0;
    for (size_t i = 0; i < size; i++)
        body[i] = (char)data[i];
    body[size] = '\0';
    struct config_source src = {.name = "fuzz",
                                .kind = "html",
                                .url = "https://fuzz.example/jobs?page=1",
                                .list_xpath = "//a",
                                .title_xpath = "//h1",
                                .location_xpath = "//*[@class='loc']",
                                .description_xpath = "//main"};
    listing(&src, body, size);
    struct err e;
    err_clear(&e);
    size_t n;
    int rc = crawl_parse_document("html", "fuzz", "https://fuzz.example/jobs/1", body, size, &src,
                                  fuzz_check_posting, NULL, &n, &e);
    (void)rc;
    free(body);
    return 0;
}
