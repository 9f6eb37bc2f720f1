/* SPDX-License-Identifier: MIT */
/* Fuzz the ATS JSON adapters as saved documents: the first byte picks the kind. */
#include "common/log.h"
#include "crawler/crawler.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kinds[] = {"workday",    "talentbrew", "oracle",
                                        "greenhouse", "lever",      "smartrecruiters",
                                        "ashby",      "usajobs",    NULL};
    log_set_level(LOG_LVL_ERROR);
    if (size < 1)
        return 0;
    const char *kind = kinds[data[0] % 9]; /* NULL: detect the shape */
    struct err e;
    err_clear(&e);
    size_t n;
    int rc = crawl_parse_document(kind, "fuzz", "https://fuzz.example/list", (const char *)data + 1,
                                  size - 1, NULL, fuzz_check_posting, NULL, &n, &e);
    (void)rc;
    return 0;
}
