/* SPDX-License-Identifier: MIT */
/* Benchmark: store N synthetic postings, then time a two-word FTS search (median of runs). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"

/*
 * Text is drawn from a Zipf-like vocabulary of 5,000 made-up words, with the field's words
 * mixed in at a realistic rate: about one posting in eight is a UR/UM role that uses them.
 * BENCH_WORST=1 instead makes every posting contain every query word (the worst case).
 */
static const char *const domain[] = {
    "utilization", "review",   "prior",      "authorization", "appeals",  "nurse",
    "therapist",   "speech",   "physical",   "occupational",  "denials",  "physician",
    "advisor",     "clinical", "reviewer",   "management",    "coordinator", "remote"};
#define NDOMAIN (sizeof domain / sizeof domain[0])
#define VOCAB 5000

static bool worst_case;

static const char *word(unsigned *seed, bool topical)
{
    static char pool[VOCAB][12];
    if (!pool[0][0])
        for (int i = 0; i < VOCAB; i++)
            snprintf(pool[i], sizeof pool[i], "w%dx%d", i, (i * 7919) % 97);
    if ((worst_case || topical) && rand_r(seed) % 8 == 0)
        return domain[rand_r(seed) % NDOMAIN];
    /* Zipf-ish: squaring a uniform value favours low ranks */
    double u = (double)rand_r(seed) / RAND_MAX;
    return pool[(int)(u * u * (VOCAB - 1))];
}

static void phrase(char *buf, size_t size, unsigned *seed, int n, bool topical)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used + 20 < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
                                 word(seed, topical));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


static int fill(struct db *db, long n)
{
    struct err e;
    err_clear(&e);
    unsigned seed = 42;
    char title[128], desc[4096], ext[32], employer[64];
    for (long i = 0; i < n; i++) {
        if (i % 5000 == 0 && (i ? db_commit(db, &e) : URS_OK) != URS_OK)
            return 1;
        if (i % 5000 == 0 && db_begin(db, &e) != URS_OK)
            return 1;
        struct posting p;
        posting_init(&p);
        bool topical = rand_r(&seed) % 8 == 0;
        phrase(title, sizeof title, &seed, 4, topical);
        phrase(desc, sizeof desc, &seed, 400, topical);
        snprintf(ext, sizeof ext, "%ld", i);
        snprintf(employer, sizeof employer, "Employer %ld", i % 300);
        p.source = "bench";
        p.external_id = ext;
        p.title = title;
        p.employer = employer;
        p.location = "Remote";
        p.description = desc;
        p.disciplines = 1u << (i % DISC_COUNT);
        if (db_posting_upsert(db, &p, 1000 + i, NULL, &e) != URS_OK) {
            fprintf(stderr, "upsert: %s\n", e.msg);
            return 1;
        }
    }
    return db_commit(db, &e) == URS_OK ? 0 : 1;
}

static int count_fn(void *ctx, const struct posting *p)
{
    (void)p;
    (*(size_t *)ctx)++;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    worst_case = getenv("BENCH_WORST") != NULL;
    const char *path = argc > 2 ? argv[2] : "bench-search.db";
    if (n > 0)
        (void)unlink(path);
    struct db *db;
    struct err e;
    err_clear(&e);
    if (db_open(path, true, &db, &e) != URS_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    double t0 = now_s();
    if (n > 0 && fill(db, n) != 0)
        return 1;
    double t1 = now_s();
    if (n > 0)
        printf("stored %ld postings in %.1f s (%.0f postings/s)\n", n, t1 - t0, n / (t1 - t0));
    static const char *const queries[] = {"utilization review", "prior authorization",
                                          "speech therapist", "appeals nurse"};
    double times[40];
    size_t rows = 0;
    for (int i = 0; i < 40; i++) {
        struct db_query q = {.text = queries[i % 4], .limit = 50};
        size_t count = 0;
        double s = now_s();
        if (db_search(db, &q, count_fn, &count, &e) != URS_OK) {
            fprintf(stderr, "search: %s\n", e.msg);
            return 1;
        }
        times[i] = (now_s() - s) * 1000;
        rows = count;
    }
    qsort(times, 40, sizeof times[0], cmp);
    printf("two-word FTS search over %s postings%s (limit 50, %zu rows): median %.1f ms, "
           "p90 %.1f ms, max %.1f ms\n",
           n > 0 ? "the stored" : "the existing", worst_case ? " (worst case)" : "", rows,
           times[20], times[36], times[39]);
    db_close(db);
    if (!getenv("BENCH_KEEP"))
        (void)unlink(path);
    return 0;
}
