/* SPDX-License-Identifier: MIT */
/* Fuzz robots.txt (crawl_robots_parse) and matching paths against its rules; the delay is -1
 * (none) or not negative. */
#include <stdlib.h>

#include "common/log.h"
#include "crawler/engine_int.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"/",          "/jobs",     "/jobs/123?x=1", "/robots.txt",
                                        "/a*b$",      "/%2Fjobs",  "/caf\xc3\xa9",  "",
                                        "/private/x", "/search?q="};
    log_set_level(LOG_LVL_ERROR);
    struct crawl_robots *r = NULL;
    if (crawl_robots_parse((const char *)data, size, "urscout", &r) != URS_OK)
        return 0;
    if (!r)
        abort();
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        (void)crawl_robots_allowed(r, paths[i]);
    if (crawl_robots_delay_ms(r) < -1)
        abort();
    (void)crawl_robots_rule_count(r);
    crawl_robots_free(r);
    return 0;
}
