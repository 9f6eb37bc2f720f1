/* SPDX-License-Identifier: MIT */
/* Helpers for the fault and load tests: seeded randomness, SQL probes, process figures. */
#ifndef URSCOUT_TESTS_FAULT_UTIL_H
#define URSCOUT_TESTS_FAULT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The seed of a randomised test: URS_FAULT_SEED when set, else one made from the clock. It is
 * printed with the test's name so a failing run can be replayed exactly.
 */
uint64_t fu_seed(const char *test);
/* The next number of a xorshift64* stream, and one in [0, n). */
uint64_t fu_rand(uint64_t *state);
uint64_t fu_below(uint64_t *state, uint64_t n);

/* One integer from a query on the database file (read-only connection); -1 when it fails. */
long long fu_sql_int(const char *db, const char *sql);
/* Run statements on the database file; asserts they worked. */
void fu_sql_exec(const char *db, const char *sql);
/* Every row of a one-column text query joined by "\n" (malloc'd); asserts the query worked. */
char *fu_sql_lines(const char *db, const char *sql);

/* Monotonic milliseconds. */
int64_t fu_now_ms(void);
void fu_sleep_ms(int64_t ms);

/* Start urscout with arguments (NULL-terminated) in cwd, output appended to log. */
pid_t fu_spawn(const char *cwd, const char *log, const char *arg, ...);

/* Resident set size in KiB and open descriptors of a process; -1 when it is gone. */
long fu_rss_kb(pid_t pid);
long fu_fds(pid_t pid);

/*
 * The SMTP sink (tests/integration/smtp_sink.py) in dir with extra arguments (NULL-terminated);
 * returns its pid and sets *port.
 */
pid_t fu_sink_start(const char *dir, long *port, const char *arg, ...);

#endif
