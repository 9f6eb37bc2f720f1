/* SPDX-License-Identifier: MIT */
/* Fuzz the INI reader (config_parse_text): user files and bundled source files. */
#include <stdlib.h>

#include "common/log.h"
#include "config/config_int.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    bool bundled = size > 0 && (data[0] & 1);
    struct err e;
    err_clear(&e);
    struct config *cfg = NULL;
    if (config_defaults(&cfg, &e) != URS_OK)
        abort();
    int *lines = calloc(config_options_len, sizeof *lines);
    if (!lines)
        abort();
    struct config_src_list list = {0};
    struct config_errs errs = {.e = &e};
    int rc = config_parse_text(cfg, bundled ? NULL : lines, &list, "fuzz.ini", (const char *)data,
                               size, bundled, &errs);
    (void)rc;
    config_src_list_free(&list);
    free(lines);
    config_free(cfg);
    return 0;
}
