/* SPDX-License-Identifier: MIT */
/* Helpers for the fault and load tests: seeded randomness, SQL probes, process figures. */
#include "fault_util.h"

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "testutil.h"

uint64_t fu_seed(const char *test)
{
    const char *env = getenv("URS_FAULT_SEED");
    uint64_t seed = 0;
    if (env && *env) {
        char *end = NULL;
        seed = strtoull(env, &end, 10);
        assert_true(end && *end == '\0');
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
        seed %= 1000000000u;
    }
    print_message("%s: seed %llu (replay with URS_FAULT_SEED=%llu)\n", test,
                  (unsigned long long)seed, (unsigned long long)seed);
    return seed ? seed : 1;
}

uint64_t fu_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

uint64_t fu_below(uint64_t *state, uint64_t n)
{
    return n ? fu_rand(state) % n : 0;
}

static sqlite3 *open_db(const char *db, int flags)
{
    sqlite3 *s = NULL;
    if (sqlite3_open_v2(db, &s, flags, NULL) != SQLITE_OK) {
        sqlite3_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s, 5000);
    return s;
}

long long fu_sql_int(const char *db, const char *sql)
{
    sqlite3 *s = open_db(db, SQLITE_OPEN_READONLY);
    if (!s)
        return -1;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

void fu_sql_exec(const char *db, const char *sql)
{
    sqlite3 *s = open_db(db, SQLITE_OPEN_READWRITE);
    assert_non_null(s);
    char *msg = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(s);
}

char *fu_sql_lines(const char *db, const char *sql)
{
    sqlite3 *s = open_db(db, SQLITE_OPEN_READONLY);
    assert_non_null(s);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        size_t n = v ? strlen(v) : 0;
        while (len + n + 2 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + len, v ? v : "", n);
        len += n;
        out[len++] = '\n';
        out[len] = '\0';
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return out;
}

int64_t fu_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fu_sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

pid_t fu_spawn(const char *cwd, const char *log, const char *arg, ...)
{
    char *argv[64] = {(char *)tu_urscout_bin()};
    size_t n = 1;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    return proc_spawn(cwd, log, argv);
}

long fu_rss_kb(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

long fu_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    long n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

pid_t fu_sink_start(const char *dir, long *port, const char *arg, ...)
{
    char *script = tu_path(tu_source_dir(), "tests/integration/smtp_sink.py");
    char *port_file = tu_path(dir, "port");
    char *log = tu_path(dir, "sink.log");
    char *argv[32] = {"/usr/bin/python3", script, "--dir", (char *)dir, "--port-file", port_file};
    size_t n = 6;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    pid_t pid = proc_spawn(NULL, log, argv);
    char *text = NULL;
    for (int i = 0; i < 400 && !(text = tu_read_file(port_file, NULL)); i++)
        fu_sleep_ms(25);
    if (!text) {
        char *why = tu_read_file(log, NULL);
        fail_msg("smtp_sink.py did not start: %s", why ? why : "");
    }
    *port = strtol(text, NULL, 10);
    assert_true(*port > 0);
    free(text);
    free(script);
    free(port_file);
    free(log);
    return pid;
}
