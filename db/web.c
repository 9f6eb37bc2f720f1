/* SPDX-License-Identifier: MIT */
/* What the web pages store: sign-ups awaiting confirmation, coach passwords, sessions. */
#include "db/db_int.h"

/* Schema v2, web part. */
const char db_schema_v2_web[] = "";
