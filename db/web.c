/* SPDX-License-Identifier: MIT */
/* What the subscriber pages store: sign-ups awaiting confirmation, rate limits. */
#include "db/db_int.h"

/* Schema v2, web part. */
const char db_schema_v2_web[] = "";
