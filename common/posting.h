/* SPDX-License-Identifier: MIT */
/* The posting model: one job posting, its tags and the evidence behind each tag. */
#ifndef URSCOUT_COMMON_POSTING_H
#define URSCOUT_COMMON_POSTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Disciplines: bit i of posting.disciplines is discipline i. */
enum disc {
    DISC_PT = 0,
    DISC_OT,
    DISC_SLP,
    DISC_PTA,
    DISC_COTA,
    DISC_SLPA,
    DISC_RN,
    DISC_LPN,
    DISC_MD,
    DISC_COUNT
};

enum work_mode { MODE_UNKNOWN = 0, MODE_REMOTE, MODE_HYBRID, MODE_ONSITE, MODE_COUNT };

/* Schedules: bit i of posting.schedule is schedule i. */
enum sched { SCHED_FULL_TIME = 0, SCHED_PART_TIME, SCHED_PRN, SCHED_CONTRACT, SCHED_COUNT };

/* Day, visit, review and unit rates are kept as stated and never annualised. */
enum pay_period {
    PERIOD_NONE = 0,
    PERIOD_HOUR,
    PERIOD_WEEK,
    PERIOD_MONTH,
    PERIOD_YEAR,
    PERIOD_DAY,
    PERIOD_VISIT,
    PERIOD_REVIEW,
    PERIOD_UNIT,
    PERIOD_COUNT
};

enum role_family {
    ROLE_UNKNOWN = 0,
    ROLE_UTILIZATION_REVIEW,
    ROLE_PRIOR_AUTHORIZATION,
    ROLE_APPEALS_DENIALS,
    ROLE_CARE_COORDINATION,
    ROLE_PHYSICIAN_ADVISOR,
    ROLE_CASE_MANAGEMENT,
    ROLE_CLINICAL_OTHER,
    ROLE_NON_HEALTHCARE,
    ROLE_ADMIN_OTHER,
    ROLE_ARTICLE,
    ROLE_COUNT
};

/* Which tag a piece of evidence supports. */
enum tag_kind {
    TAG_DISCIPLINE = 0,
    TAG_WORK_MODE,
    TAG_SCHEDULE,
    TAG_LICENSE,
    TAG_SALARY,
    TAG_ROLE_FAMILY,
    TAG_UR_ROLE,
    TAG_COUNT
};

/*
 * Licence codes: the 50 states, DC and five territories (USPS codes), then COMPACT and ANY.
 * Bit i of posting.license_states is state_code(i).
 */
#define STATE_COUNT 58
#define STATE_COMPACT 56
#define STATE_ANY 57

struct salary {
    double min;    /* 0 when not stated ("up to X" has min 0) */
    double max;    /* 0 when not stated */
    enum pay_period period;
    double annual; /* annualised midpoint (hour x 2080, week x 52, month x 12); 0 when unknown */
};

struct evidence {
    enum tag_kind tag;
    char value[32];               /* the tag value it supports ("PT", "remote", "TX", ...) */
    char phrase[160];             /* the matched text, cleaned, cut on a UTF-8 boundary */
    size_t offset;                /* byte offset of the phrase in the classified text */
};

struct posting {
    int64_t id;          /* database id, 0 when not stored */
    char *source;        /* source name from config ("import" for hand imports) */
    char *external_id;   /* the source's own id */
    char *url;           /* apply / detail URL (http or https) */
    char *title;
    char *employer;
    char *location;      /* location text as posted */
    char *description;   /* plain text */
    int64_t posted_at;   /* Unix seconds, 0 when unknown */
    int64_t valid_through;
    int64_t first_seen;
    int64_t last_seen;
    int64_t closed_at;   /* 0 while open */

    /* Structured hints from the source (evidence for the classifier, not truth). */
    char *work_hint;       /* "TELECOMMUTE", "Remote", "ORA_REMOTE", "hybrid", ... */
    char *employment_hint; /* "FULL_TIME", "Part time", ... */
    struct salary salary_hint;

    /* Tags. */
    uint32_t disciplines; /* bit set over enum disc */
    enum work_mode work_mode;
    uint32_t schedule;    /* bit set over enum sched */
    uint64_t license_states;
    struct salary salary;
    enum role_family role_family;
    bool ur_role;
    double ur_score; /* 0..1 */

    struct evidence *evidence;
    size_t evidence_len;
    size_t evidence_cap;
};

/* Zero a posting (all strings NULL, tags unknown). */
void posting_init(struct posting *p);
/* Release every owned string and the evidence; the posting is then as after posting_init. */
void posting_free(struct posting *p);
/* Deep-copy src into dst (dst is initialised first). URS_OK or URS_ENOMEM. */
URS_NODISCARD int posting_copy(struct posting *dst, const struct posting *src);

/* Replace an owned string field with a copy of value (NULL clears). URS_OK or URS_ENOMEM. */
URS_NODISCARD int posting_set(char **field, const char *value);

/* Forget the tags and evidence (before re-classifying). */
void posting_clear_tags(struct posting *p);

/*
 * Add one piece of evidence; phrase is copied (cut to fit). Returns URS_OK, URS_ENOMEM, or
 * URS_ELIMIT past URS_MAX_EVIDENCE rows (the row is then dropped).
 */
URS_NODISCARD int posting_add_evidence(struct posting *p, enum tag_kind tag, const char *value,
                                       const char *phrase, size_t phrase_len, size_t offset);

/* Names of tag values, as used in exports, the CLI and the database. Never NULL for valid input. */
const char *disc_name(enum disc d);
const char *work_mode_name(enum work_mode m);
const char *sched_name(enum sched s);
const char *period_name(enum pay_period p);
const char *role_family_name(enum role_family r);
const char *tag_kind_name(enum tag_kind t);
const char *state_code(int index);

/*
 * Parse a name back (case-insensitive; disciplines accept aliases OTA, COTA/L, LVN, DO,
 * "physician"). Return the value, or -1 when the name is unknown.
 */
int disc_parse(const char *s);
int work_mode_parse(const char *s);
int sched_parse(const char *s);
int period_parse(const char *s);
int role_family_parse(const char *s);
int tag_kind_parse(const char *s);
int state_parse(const char *s);

/* Comma-separated list of the valid names, for "allowed values" messages. */
const char *disc_all_names(void);
const char *work_mode_all_names(void);
const char *sched_all_names(void);

/* Annualise an amount for period: hour x 2080, week x 52, month x 12, year x 1; 0 for none
 * and for day, visit, review and unit rates (their yearly sum is not stated). */
double salary_annualise(double amount, enum pay_period period);
/* Fill salary.annual from min/max/period (midpoint when both are known). */
void salary_update_annual(struct salary *s);

/*
 * A stable fingerprint for cross-source de-duplication: lower-cased alphanumerics of title,
 * employer and location, hashed (FNV-1a 64) and written as 16 hex digits into out.
 */
void posting_fingerprint(const struct posting *p, char out[17]);

#endif
