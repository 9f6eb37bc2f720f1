/* SPDX-License-Identifier: MIT */
/* What the coach desk stores: password hashes, sessions, failed sign-in counts. */
#include "db/db_int.h"

/* Schema v2, coach part. */
const char db_schema_v2_coach[] = "";
