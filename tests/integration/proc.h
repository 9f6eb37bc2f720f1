/* SPDX-License-Identifier: MIT */
/* Test helpers: background processes (the daemon, the demo site server) and waiting on them. */
#ifndef URSCOUT_TESTS_PROC_H
#define URSCOUT_TESTS_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Start argv in the background in cwd, stdout and stderr appended to log_path. */
pid_t proc_spawn(const char *cwd, const char *log_path, char *const argv[]);
/* Wait up to ms for pid to exit; returns its status (exit code or 128+signal), -1 on timeout. */
int proc_wait(pid_t pid, int ms);
/* True while pid runs (and is not a zombie we reaped). */
bool proc_alive(pid_t pid);
/* Poll until fn(ctx) is true or ms pass; returns the last result. */
bool proc_until(bool (*fn)(void *ctx), void *ctx, int ms);

/* The demo site: scripts/site_server.py serving root; *port set. Stop with proc_stop. */
pid_t site_start(const char *root, int *port);
/* Generate the site (scripts/demo_site.py ROOT BASE ARGS...), NULL-terminated extra args. */
void site_generate(const char *root, int port, const char *arg, ...);
/* SIGTERM then wait (SIGKILL after 5 s). */
void proc_stop(pid_t pid);

#endif
