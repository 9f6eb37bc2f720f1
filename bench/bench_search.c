/* SPDX-License-Identifier: MIT */
/* Benchmark: store N synthetic postings, then time a two-word FTS search (median of runs). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

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
        p.work_mode = (enum work_mode)(1 + i % 3);   /* remote, hybrid, onsite */
        p.license_states = 1ULL << (i % 50);
        p.salary.period = PERIOD_YEAR;
        p.salary.min = p.salary.max = p.salary.annual = 50000 + (double)(i % 60) * 1000;
        p.ur_role = topical;
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
    /* realistic queries: words, and the filters subscribers and coaches set */
    const struct {
        const char *name;
        struct db_query q;
    } cases[] = {
        {"\"utilization review\"", {.text = "utilization review", .limit = 50}},
        {"\"prior authorization\" RN remote",
         {.text = "prior authorization", .disciplines = 1u << DISC_RN,
          .modes = 1u << MODE_REMOTE, .limit = 50}},
        {"\"speech therapist\" SLP TX >= 70k",
         {.text = "speech therapist", .disciplines = 1u << DISC_SLP, .states = 1ULL << 42,
          .min_salary = 70000, .limit = 50}},
        {"\"appeals nurse\" UR only", {.text = "appeals nurse", .ur_only = true, .limit = 50}},
        {"(no words) PT remote UR only",
         {.disciplines = 1u << DISC_PT, .modes = 1u << MODE_REMOTE, .ur_only = true,
          .limit = 50}},
    };
    enum { RUNS = 60 };
    double times[RUNS];
    printf("search over %ld postings%s, %d runs each (median / p99, ms):\n", n,
           worst_case ? " (worst case: every posting has every word)" : "", RUNS);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t rows = 0;
        for (int i = 0; i < RUNS; i++) {
            size_t count = 0;
            double s = now_s();
            if (db_search(db, &cases[c].q, count_fn, &count, &e) != URS_OK) {
                fprintf(stderr, "search: %s\n", e.msg);
                return 1;
            }
            times[i] = (now_s() - s) * 1000;
            rows = count;
        }
        qsort(times, RUNS, sizeof times[0], cmp);
        printf("  %-38s %4zu rows  %7.2f / %7.2f\n", cases[c].name, rows, times[RUNS / 2],
               times[RUNS * 99 / 100]);
    }
    db_close(db);
    /* the same text query on bare FTS5, the same file: the floor db_search is measured by */
    sqlite3 *raw;
    if (sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(raw,
                           "SELECT rowid FROM postings_fts WHERE postings_fts MATCH ?1"
                           " ORDER BY rank LIMIT 50",
                           -1, &st, NULL) != SQLITE_OK)
        return 1;
    double urs[RUNS], bare[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double s = now_s();
        sqlite3_bind_text(st, 1, "utilization review", -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW)
            ;
        sqlite3_reset(st);
        bare[i] = (now_s() - s) * 1000;
    }
    sqlite3_finalize(st);
    sqlite3_close(raw);
    if (db_open(path, false, &db, &e) != URS_OK)
        return 1;
    for (int i = 0; i < RUNS; i++) {
        size_t count = 0;
        double s = now_s();
        if (db_search(db, &cases[0].q, count_fn, &count, &e) != URS_OK)
            return 1;
        urs[i] = (now_s() - s) * 1000;
    }
    db_close(db);
    qsort(urs, RUNS, sizeof urs[0], cmp);
    qsort(bare, RUNS, sizeof bare[0], cmp);
    double ratio = bare[RUNS / 2] > 0 ? urs[RUNS / 2] / bare[RUNS / 2] : 0;
    printf("  bare FTS5 \"utilization review\" median %.2f ms; urscout search %.2f ms: %.2fx "
           "(target <= 1.3x): %s\n",
           bare[RUNS / 2], urs[RUNS / 2], ratio, ratio <= 1.3 ? "met" : "MISSED");
    if (!getenv("BENCH_KEEP"))
        (void)unlink(path);
    return 0;
}
