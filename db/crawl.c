/* SPDX-License-Identifier: MIT */
/* Crawl state: HTTP validators, robots.txt cache, source health (filled in by the crawler work). */
#include "db/db_int.h"

const char db_schema_v1_crawl[] = "";
