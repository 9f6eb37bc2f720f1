/* SPDX-License-Identifier: MIT */
/* classifier/ private: what an evaluation keeps between scoring (eval.c) and reporting. */
#ifndef URSCOUT_CLASSIFIER_EVAL_INT_H
#define URSCOUT_CLASSIFIER_EVAL_INT_H

#include "classifier/classifier.h"

/* The tags an evaluation scores, in report order. */
enum etag { ET_UR = 0, ET_ROLE, ET_DISC, ET_MODE, ET_SCHED, ET_LIC, ET_PAGE, ET_COUNT };
/* ET_PAGE: value 0 "posting", 1 "other" (an article, guide, listing page: role family article). */
#define EVAL_MAX_VALUES STATE_COUNT

/* One record's labels. */
struct expect {
    bool is_posting;
    bool ur_role;
    enum role_family role;
    uint32_t disciplines;
    enum work_mode mode;
    uint32_t schedule;
    uint64_t licenses;
    struct salary salary; /* period PERIOD_NONE when the label states none */
};

struct eval_record {
    char *id;
    struct expect want;
    struct posting got; /* tags and evidence as classified */
};

struct counts {
    size_t tp, fp, fn;
};

struct classify_eval {
    char *path;
    struct eval_record *rec;
    size_t len, cap;
    struct counts c[ET_COUNT][EVAL_MAX_VALUES];
    size_t salary_stated; /* records whose label states a salary */
    size_t salary_exact;  /* ... and the classifier found exactly that */
    size_t salary_false;  /* a salary found where the label states none */
};

/* Names for reports. */
const char *etag_name(enum etag t);
size_t etag_values(enum etag t);
const char *etag_value_name(enum etag t, size_t v);
/* The value bit set of a record for a tag (single-valued tags: one bit). */
uint64_t eval_want_bits(const struct expect *x, enum etag t);
uint64_t eval_got_bits(const struct posting *p, enum etag t);
bool eval_salary_equal(const struct salary *a, const struct salary *b);
/* Micro-averaged F1 over a tag's values; 1 when there is nothing to score. */
double eval_micro_f1(const struct classify_eval *ev, enum etag t, struct counts *sum);

#endif
