/* SPDX-License-Identifier: MIT */
/* Digest building: N subscribers with varied filters against M new postings, render + record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "config/config.h"
#include "db/db.h"
#include "notifier/notifier.h"

#define NOW 1772625600 /* 2026-03-04 12:00 UTC */

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Disciplines weighted the way UR postings are: mostly RN, then MD, PT, OT, SLP, others. */
static int pick_disc(void)
{
    static const int table[] = {DISC_RN,  DISC_RN,  DISC_RN,   DISC_RN,  DISC_RN, DISC_RN,
                                DISC_MD,  DISC_MD,  DISC_PT,   DISC_PT,  DISC_OT, DISC_SLP,
                                DISC_LPN, DISC_PTA, DISC_COTA, DISC_SLPA};
    return table[rnd(sizeof table / sizeof table[0])];
}

static const char *const roles[] = {"Utilization Review Nurse",
                                    "Prior Authorization Specialist",
                                    "Utilization Management RN",
                                    "Appeals and Denials Nurse",
                                    "Physician Advisor",
                                    "Care Review Clinician",
                                    "Clinical Reviewer, Physical Therapy",
                                    "Case Manager, Utilization Review"};
static const char *const employers[] = {
    "Humana",     "Centene",           "Elevance Health", "Cigna", "UnitedHealth Group",
    "CVS Health", "Molina Healthcare", "EviCore",         "Optum", "Kaiser Permanente"};

static int add_postings(struct db *db, int n, struct err *e)
{
    char ext[32], title[160], url[96];
    int rc = db_begin(db, e);
    for (int i = 0; i < n && rc == URS_OK; i++) {
        struct posting p;
        posting_init(&p);
        (void)snprintf(ext, sizeof ext, "job-%d", i);
        (void)snprintf(title, sizeof title, "%s %s (req %d)", roles[rnd(8)],
                       rnd(3) ? "- Remote" : "", 10000 + i);
        (void)snprintf(url, sizeof url, "https://careers.example.com/jobs/%d", i);
        rc = posting_set(&p.source, rnd(2) ? "workday-a" : "greenhouse-b");
        rc = rc ? rc : posting_set(&p.external_id, ext);
        rc = rc ? rc : posting_set(&p.title, title);
        rc = rc ? rc : posting_set(&p.employer, employers[rnd(10)]);
        rc = rc ? rc : posting_set(&p.location, rnd(2) ? "Dallas, TX" : "Tampa, FL");
        rc = rc ? rc : posting_set(&p.url, url);
        p.disciplines = 1u << pick_disc();
        if (rnd(5) == 0)
            p.disciplines |= 1u << pick_disc();
        p.work_mode = (enum work_mode)(rnd(4));
        p.schedule = 1u << rnd(SCHED_COUNT);
        p.license_states = rnd(4) == 0   ? 1ULL << STATE_COMPACT
                           : rnd(8) == 0 ? 1ULL << STATE_ANY
                                         : (1ULL << rnd(51)) | (rnd(3) ? 0 : 1ULL << rnd(51));
        if (rnd(2)) {
            double base = 60000 + rnd(60000);
            p.salary = (struct salary){base, base + 15000, PERIOD_YEAR, base + 7500};
        }
        p.ur_role = rnd(4) != 0;
        p.ur_score = rnd(1000) / 1000.0;
        p.first_seen = NOW - 3600 - rnd(20 * 3600);
        if (rc == URS_OK)
            rc = db_posting_upsert(db, &p, NOW, NULL, e);
        posting_free(&p);
    }
    return rc == URS_OK ? db_commit(db, e) : rc;
}

static int add_subscribers(struct db *db, int n, struct err *e)
{
    static const char *const kws[] = {"utilization review", "prior authorization",
                                      "appeals, denials", "physician advisor"};
    char email[64];
    int rc = db_begin(db, e);
    for (int i = 0; i < n && rc == URS_OK; i++) {
        struct db_subscriber s;
        db_subscriber_init(&s);
        (void)snprintf(email, sizeof email, "seeker%d@example.org", i);
        s.email = email;
        s.frequency = DB_FREQ_DAILY;
        s.disciplines = 1u << pick_disc();
        s.modes = rnd(3) ? (1u << MODE_REMOTE) | (rnd(2) ? 1u << MODE_HYBRID : 0) : 0;
        s.states = rnd(2) ? (1ULL << rnd(51)) | (rnd(2) ? 1ULL << STATE_COMPACT : 0) : 0;
        s.min_salary = rnd(3) == 0 ? 65000 + rnd(20000) : 0;
        s.keywords = rnd(10) == 0 ? (char *)kws[rnd(4)] : NULL;
        s.next_due_at = NOW - 60;
        rc = db_subscriber_add(db, &s, NOW - 30 * 86400, e);
        s.email = NULL;
        s.keywords = NULL;
        db_subscriber_free(&s);
    }
    return rc == URS_OK ? db_commit(db, e) : rc;
}

int main(int argc, char **argv)
{
    int subs = argc > 1 ? atoi(argv[1]) : 10000;
    int postings = argc > 2 ? atoi(argv[2]) : 5000;
    char dir[] = "/tmp/urscout-bench-digest-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[128];
    (void)snprintf(path, sizeof path, "%s/bench.db", dir);
    struct err e;
    err_clear(&e);
    struct db *db = NULL;
    if (db_open(path, true, &db, &e) != URS_OK || add_postings(db, postings, &e) != URS_OK ||
        add_subscribers(db, subs, &e) != URS_OK) {
        fprintf(stderr, "bench_digest: setup: %s\n", e.msg);
        return 1;
    }
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.from = (char *)"digest@urscout.example.org";
    cfg.from_name = (char *)"urscout";
    cfg.postal_address = (char *)"urscout, 100 Main St, Springfield, IL 62701";
    cfg.maildir = (char *)"mail";
    cfg.rate_per_minute = 60;
    cfg.hmac_key = (char *)"bench-hmac-key-0123456789abcdef";
    cfg.hmac_key_len = strlen(cfg.hmac_key);
    cfg.base_url = (char *)"https://jobs.example.org";
    struct notify_opts o = {.now = NOW};
    struct notify_stats st = {0};
    double t0 = now_s(), c0 = (double)clock() / CLOCKS_PER_SEC;
    if (notify_build_due(db, &cfg, &o, &st, &e) != URS_OK) {
        fprintf(stderr, "bench_digest: %s\n", e.msg);
        return 1;
    }
    double secs = now_s() - t0, cpu = (double)clock() / CLOCKS_PER_SEC - c0;
    /* the targets: 2 s for 10,000 subscribers, 20 s for 100,000 (2 s per 10,000) */
    double target = subs > 10000 ? 2.0 * subs / 10000 : 2.0;
    printf("bench_digest: %d subscribers x %d new postings: %zu digests (%zu with nothing new), "
           "%zu postings shown and %zu summarised, built, rendered and recorded in %.2f s "
           "(%.2f s CPU, %.0f digests/s)\n",
           subs, postings, st.digests, st.empty, st.postings, st.summarised, secs, cpu,
           secs > 0 ? (double)st.digests / secs : 0.0);
    db_close(db);
    struct stat sb;
    if (stat(path, &sb) == 0)
        printf("bench_digest: database %.1f MB after the run; target under %.0f s: %s\n",
               (double)sb.st_size / 1e6, target, secs < target ? "met" : "MISSED");
    if (getenv("BENCH_KEEP")) { /* to look at what was recorded */
        printf("bench_digest: kept %s\n", path);
        return secs < target ? 0 : 2;
    }
    char cmd[160];
    (void)snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 && secs < target ? 0 : 2;
}
