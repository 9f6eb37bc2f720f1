/* SPDX-License-Identifier: MIT */
/* The adapter table: one entry per source kind, looked up by name. */
#include <stddef.h>
#include <string.h>

#include "crawler/adapt.h"

static const struct crawl_adapter *const adapters[] = {
    &crawl_adapter_workday,    &crawl_adapter_talentbrew, &crawl_adapter_oracle,
    &crawl_adapter_greenhouse, &crawl_adapter_lever,      &crawl_adapter_smartrecruiters,
    &crawl_adapter_ashby,      &crawl_adapter_usajobs,    &crawl_adapter_jsonld,
    &crawl_adapter_html,       &crawl_adapter_rss,        &crawl_adapter_sitemap,
};

const struct crawl_adapter *crawl_adapter_find(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof adapters / sizeof adapters[0]; i++)
        if (strcmp(adapters[i]->kind, kind) == 0)
            return adapters[i];
    return NULL;
}

bool crawl_kind_known(const char *kind)
{
    return crawl_adapter_find(kind) != NULL;
}

const char *crawl_kind_names(void)
{
    return "workday, talentbrew, oracle, greenhouse, lever, smartrecruiters, ashby, usajobs, "
           "jsonld, html, rss, sitemap";
}
