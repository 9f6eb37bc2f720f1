/* SPDX-License-Identifier: MIT */
/* Fuzz the XML readers: feeds as documents, sitemaps through a job (their requests). */
#include <stdlib.h>

#include "common/log.h"
#include "crawler/crawler_int.h"
#include "fuzz.h"

static void sitemap(const char *body, size_t len)
{
    struct config_source src = {
        .name = "fuzz", .kind = "sitemap", .url = "https://fuzz.example/sitemap.xml"};
    struct crawl_job *job;
    struct err e;
    err_clear(&e);
    if (crawl_job_new(&src, crawl_adapter_find("sitemap"), fuzz_check_posting, NULL, &job, &e) !=
        URS_OK)
        abort();
    struct crawl_request rq = {.url = "https://fuzz.example/sitemap.xml", .listing = true};
    struct crawl_response rs = {200, body, len, "application/xml", rq.url};
    int rc = crawl_job_adapter(job)->on_response(job, &rq, &rs, &e);
    (void)rc;
    struct crawl_request next;
    while (crawl_job_next(job, &next)) {
        if (!next.url)
            abort();
        crawl_request_clear(&next);
    }
    crawl_job_free(job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    char *body = malloc(size + 1); /* responses are NUL-terminated */
    if (!body)
        return 0;
    for (size_t i = 0; i < size; i++)
        body[i] = (char)data[i];
    body[size] = '\0';
    struct err e;
    err_clear(&e);
    size_t n;
    int rc = crawl_parse_document("rss", "fuzz", "https://fuzz.example/feed", body, size, NULL,
                                  fuzz_check_posting, NULL, &n, &e);
    (void)rc;
    sitemap(body, size);
    free(body);
    return 0;
}
