/* SPDX-License-Identifier: MIT */
/* db/ private: reading posting rows, shared by postings.c and search.c. */
#ifndef URSCOUT_DB_POSTINGS_INT_H
#define URSCOUT_DB_POSTINGS_INT_H

#include "db/db_int.h"

/* The column list every posting SELECT uses, in db_posting_from_row's order. */
extern const char db_posting_columns[];

/* Fill p (initialised here) from the columns starting at first. URS_OK or URS_ENOMEM. */
int db_posting_from_row(sqlite3_stmt *st, int first, struct posting *p);

/* Append p's evidence rows. URS_OK, URS_ENOMEM, URS_EDB. */
int db_posting_load_evidence(struct db *db, struct posting *p, struct err *e);

#endif
