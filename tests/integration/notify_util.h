/* SPDX-License-Identifier: MIT */
/* Helpers for the notifier integration tests: a store, postings, subscribers, the SMTP sink. */
#ifndef URSCOUT_TESTS_NOTIFY_UTIL_H
#define URSCOUT_TESTS_NOTIFY_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/common.h"
#include "config/config.h"
#include "db/db.h"
#include "notifier/notifier.h"
#include "testutil.h"

#define NT_KEY "test-hmac-key-0123456789abcdef!!"
#define NT_NOW 1772625600 /* 2026-03-04 12:00 UTC */

struct nenv {
    char *dir;
    char *db_path;
    char *maildir;
    struct db *db;
    struct config cfg;
};

/* A fresh folder, database and a config delivering to dir/mail (Maildir). */
void nt_open(struct nenv *env);
void nt_close(struct nenv *env);

struct nt_posting {
    const char *source;
    const char *external_id;
    const char *title;
    const char *employer;
    const char *location;
    const char *url;
    enum work_mode mode;
    uint32_t disciplines;
    uint64_t states;
    double salary; /* annual; 0 none */
    int64_t age;   /* seconds before NT_NOW it was first seen */
    double ur_score;
};

/* Store a posting (db_posting_upsert); returns its id. */
int64_t nt_posting(struct nenv *env, const struct nt_posting *p);

/* Add an active subscriber due at NT_NOW, created a day ago; returns its id. */
int64_t nt_subscriber(struct nenv *env, const char *email, const char *name, uint32_t disciplines);

/* Build digests (every active subscriber when all) and deliver at now; asserts success. */
void nt_build(struct nenv *env, int64_t now, bool all, struct notify_stats *st);
/* Deliver at now; returns the result code (e gets the message). */
int nt_deliver(struct nenv *env, int64_t now, struct notify_stats *st, struct err *e);

/* One integer from an SQL query on the test database (a separate connection). */
int64_t nt_sql_int(struct nenv *env, const char *sql);
/* One text value (malloc'd, "" when NULL). */
char *nt_sql_text(struct nenv *env, const char *sql);
/* Run one changing statement on the test database (a separate connection); asserts success. */
void nt_sql_exec(struct nenv *env, const char *sql);

/* ---- the SMTP sink (tests/integration/smtp_sink.py) ---- */

struct sink {
    pid_t pid;
    long port;
    char *dir;
};

/* Start the sink with extra arguments (NULL-terminated); points env's config at it. */
void sink_start(struct sink *s, struct nenv *env, ...);
void sink_stop(struct sink *s);
/* The summaries of the messages received, oldest first (a JSON array; json_decref it). */
json_t *sink_messages(const struct sink *s);
/* How many events of this kind ("CONNECT", "MAIL", "AUTH", "DATA", ...) the sink logged. */
size_t sink_events(const struct sink *s, const char *event);

/* A self-signed certificate for "localhost" (made once per process with openssl). */
void nt_cert(const char *name, char **cert, char **key);

/* Text of a decoded part ("text/plain", "text/html") of a summary. */
const char *nt_part(json_t *msg, const char *type);

#endif
