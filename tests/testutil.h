/* SPDX-License-Identifier: MIT */
/* Helpers shared by the tests: temp folders, files, and running the urscout binary. */
#ifndef URSCOUT_TESTS_TESTUTIL_H
#define URSCOUT_TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs these first */
#include <cmocka.h>

/* A fresh temp folder (under $TMPDIR or /tmp); caller frees with tu_rmdir + free. */
char *tu_mkdtemp(void);
/* Remove a folder and everything in it. */
void tu_rmtree(const char *dir);
/* dir + "/" + name, malloc'd. */
char *tu_path(const char *dir, const char *name);
/* Write len bytes (or strlen when len == (size_t)-1) to path; asserts on failure. */
void tu_write_file(const char *path, const char *data, size_t len);
/* Read a whole file, NUL-terminated, malloc'd; NULL when missing. */
char *tu_read_file(const char *path, size_t *len);
/* The source tree (URS_SOURCE_DIR) and the binary (URS_BIN). */
const char *tu_source_dir(void);
const char *tu_urscout_bin(void);

struct tu_run {
    int status;  /* exit status, or 128+signal */
    char *out;   /* captured stdout, malloc'd */
    char *err;   /* captured stderr, malloc'd */
};

/*
 * Run argv (NULL-terminated; argv[0] a path) with stdin from in_file (or /dev/null), in cwd
 * (or the current folder), capturing stdout/stderr. Asserts that it could be started.
 */
void tu_run(struct tu_run *r, const char *cwd, const char *in_file, char *const argv[]);
/* Run urscout with the given arguments, NULL-terminated. */
void tu_urscout(struct tu_run *r, const char *cwd, const char *arg, ...);
void tu_run_free(struct tu_run *r);

/* Count occurrences of needle in hay. */
size_t tu_count(const char *hay, const char *needle);

#endif
