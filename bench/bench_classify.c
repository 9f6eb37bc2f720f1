/* SPDX-License-Identifier: MIT */
/* Classifier throughput: synthetic ~5 KB postings through classify_posting, postings/s.
 * The text is mostly job content (two thirds of the sentences are dense with rule phrases),
 * the rest the company and legal boilerplate that postings carry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier/classifier.h"
#include "common/sbuf.h"

#define POOL         64 /* distinct postings generated, classified round-robin */
#define TARGET_BYTES 5000

static const char *const titles[] = {
    "Utilization Review Nurse - Remote", "Outpatient Physical Therapist",
    "Prior Authorization Specialist",    "Medical Director, Utilization Management",
    "Occupational Therapist - PRN",      "Clinical Appeals Nurse Analyst",
    "Speech Language Pathologist",       "Cloud Capacity Analyst",
};

static const char *const sentences[] = {
    "Our health plan reviews requests for outpatient therapy against clinical criteria. ",
    "You will apply InterQual and plan medical policy to decide on medical necessity. ",
    "Cases that do not meet criteria go to a physician reviewer for a determination. ",
    "Requirements: a current, unrestricted license as a Registered Nurse in Texas. ",
    "This position is remote; you must reside in one of the states we serve. ",
    "We offer medical, dental and vision insurance and a 401(k) with a company match. ",
    "Pay range: $38 - $46 per hour, based on experience and location. ",
    "Evaluate patients, design treatment plans and deliver hands-on care in our clinic. ",
    "Work with the front office to obtain prior authorization when insurers require it. ",
    "Schedule: full-time, Monday through Friday, with rotating weekend coverage. ",
    "Collaborate with physicians, case managers and social workers on discharge plans. ",
    "The team tracks turnaround times, approval rates and quality audit results. ",
    "Candidates with a compact multistate license are encouraged to apply. ",
    "Salary: $65,000 - $80,000 a year plus an annual bonus of up to 10 percent. ",
    "Hybrid schedule: two days a week in our Dallas, TX 75201 office. ",
    "Equal opportunity employer: all qualified applicants will receive consideration. ",
    /* the company, benefits and legal text real postings carry around the job itself */
    "Founded in 1987, our organization serves more than two million people across the region. ",
    "We believe great work happens when people feel supported, respected and heard. ",
    "Benefits include paid time off, tuition assistance, and an employee wellness program. ",
    "Please submit your resume and a short cover letter through our careers site. ",
    "Offers are contingent on a background check and verification of employment history. ",
    "We will provide reasonable accommodations to applicants with disabilities on request. ",
};

/* A small deterministic generator, so every run classifies the same text. */
static unsigned next_rand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

static int make_posting(struct posting *p, unsigned seed)
{
    struct sbuf b;
    unsigned state = seed;
    size_t n_sent = sizeof sentences / sizeof sentences[0];
    sbuf_init(&b, 2 * TARGET_BYTES);
    int rc = URS_OK;
    while (rc == URS_OK && b.len < TARGET_BYTES) {
        rc = sbuf_puts(&b, sentences[next_rand(&state) % n_sent]);
        if (rc == URS_OK && next_rand(&state) % 5 == 0)
            rc = sbuf_putc(&b, '\n');
    }
    posting_init(p);
    if (rc == URS_OK)
        rc = posting_set(&p->title, titles[seed % (sizeof titles / sizeof titles[0])]);
    if (rc == URS_OK)
        rc = posting_set(&p->location, seed % 3 ? "Remote" : "Austin, TX");
    if (rc == URS_OK)
        rc = posting_set(&p->description, sbuf_str(&b));
    sbuf_free(&b);
    return rc;
}

/* CPU time of this thread: the figure is per core even when the machine is busy. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? strtol(argv[1], NULL, 10) : 50000;
    struct err e;
    struct classifier *c;
    static struct posting pool[POOL];
    err_clear(&e);
    if (count <= 0 || classify_open(getenv("URS_BENCH_RULES"), &c, &e) != URS_OK) {
        fprintf(stderr, "bench_classify: %s\n", e.msg[0] ? e.msg : "usage: bench_classify [N]");
        return 1;
    }
    size_t bytes = 0;
    for (unsigned i = 0; i < POOL; i++) {
        if (make_posting(&pool[i], i + 1) != URS_OK) {
            fprintf(stderr, "bench_classify: out of memory\n");
            return 1;
        }
        bytes += strlen(pool[i].description);
    }
    double start = now();
    for (long i = 0; i < count; i++) {
        if (classify_posting(c, &pool[i % POOL], &e) != URS_OK) {
            fprintf(stderr, "bench_classify: %s\n", e.msg);
            return 1;
        }
    }
    double secs = now() - start;
    printf("classify: %ld postings of %zu bytes on average in %.2f s of CPU time: "
           "%.0f postings/s (%.1f MB/s, one core)\n",
           count, bytes / POOL, secs, (double)count / secs,
           (double)count * (double)(bytes / POOL) / secs / 1e6);
    for (unsigned i = 0; i < POOL; i++)
        posting_free(&pool[i]);
    classify_close(c);
    return 0;
}
