/* SPDX-License-Identifier: MIT */
/* Subscribers, coaches, cohorts, curation and the outbox (filled in by the notifier work). */
#include "db/db_int.h"

const char db_schema_v1_notify[] = "";
