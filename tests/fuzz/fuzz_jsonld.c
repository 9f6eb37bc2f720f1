/* SPDX-License-Identifier: MIT */
/* Fuzz the JSON-LD byte scan and JobPosting mapping on whole pages. */
#include "common/log.h"
#include "crawler/crawler.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    struct err e;
    err_clear(&e);
    size_t n;
    int rc = crawl_parse_document("jsonld", "fuzz", "https://fuzz.example/job", (const char *)data,
                                  size, NULL, fuzz_check_posting, NULL, &n, &e);
    (void)rc;
    return 0;
}
