/* SPDX-License-Identifier: MIT */
/* classifier/ private: compiled rules, the phrase automaton, matches and per-call scan state. */
#ifndef URSCOUT_CLASSIFIER_CLASSIFIER_INT_H
#define URSCOUT_CLASSIFIER_CLASSIFIER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "classifier/classifier.h"
#include "common/sbuf.h"

/* What a rule is evidence for (the section name in a .rules file). */
enum ctag {
    CT_DISCIPLINE = 0, /* values: enum disc */
    CT_MODE,           /* values: enum mode_val */
    CT_SCHEDULE,       /* values: enum sched, plus SCHED_NONE */
    CT_ROLE,           /* values: enum role_family */
    CT_UR,             /* values: UR_REVIEW */
    CT_PAGE,           /* values: enum page_val */
    CT_STATE,          /* values: state index 0..55 */
    CT_LICENCE,        /* values: enum lic_val */
    CT_SALARY,         /* values: enum pay_period, plus SAL_CONTEXT, SAL_SKIP */
    CT_COUNT
};

enum mode_val {
    MV_REMOTE = 0,
    MV_HYBRID,
    MV_ONSITE,
    MV_ONSITE_REQUIRED,
    MV_ONSITE_INFERRED,
    MV_COUNT
};
#define SCHED_NONE SCHED_COUNT /* a label such as "Full Time/Part Time:" that states nothing */
enum page_val {
    PV_ARTICLE = 0,
    PV_POSTING,
    PV_HEALTHCARE,
    PV_REQUIREMENTS,
    PV_TAIL,  /* a heading that starts a list of other jobs */
    PV_ABOUT, /* a heading that starts a section about the company */
    PV_JOB,   /* a job's noun in the title: "Nurse", "Reviewer", "Coordinator" */
    PV_COUNT
};
enum lic_val { LV_CONTEXT = 0, LV_ANY, LV_COMPACT, LV_RESIDENCE, LV_NOT, LV_OPTIONAL, LV_OBTAIN,
               LV_COUNT };
#define UR_REVIEW     0
#define SAL_CONTEXT   PERIOD_COUNT       /* "salary", "pay range": a nearby amount is pay */
#define SAL_SKIP      (PERIOD_COUNT + 1) /* "bonus", "million": a nearby amount is not pay */
#define CT_MAX_VALUES 64

/* Where in the classified text a match lies (bit set). */
enum zone {
    Z_TITLE = 1u << 0,
    Z_LOC = 1u << 1,
    Z_BODY = 1u << 2,
    Z_HEAD = 1u << 3, /* the first head_bytes of the description (also Z_BODY) */
    Z_HINT = 1u << 4, /* the source's structured work and employment fields */
    Z_URL = 1u << 5,
};

/* Tunable numbers, from the [settings] section (defaults in classify.c). */
struct csettings {
    double discipline_min;     /* score at which a discipline is tagged */
    double requirement_weight; /* added to a discipline named on a requirements line */
    double mode_min;           /* score at which a work-mode statement counts */
    double schedule_min;       /* score at which a schedule is tagged */
    double ur_min;             /* UR evidence at which a UR-family role is a UR role */
    double ur_coord_min;       /* UR evidence at which care coordination / case mgmt is UR */
    double ur_strong;          /* UR evidence that makes a clinical-titled job a UR job */
    double review_lean;        /* share of [ur review] evidence added to utilization_review */
    double article_min;        /* article minus posting evidence at which a page is no posting */
    double untitled_min;       /* the same for a page whose title names no job ([page job]) */
    double healthcare_min;     /* healthcare vocabulary below which a page is non-healthcare */
    double repeat_bonus;       /* extra weight per repeat of a rule's phrase */
    double repeat_max;         /* repeats counted */
    double head_bytes;         /* bytes of description that form the "head" zone */
    double licence_window;     /* bytes between a state name and a licence word */
    double code_window;        /* bytes between a state code and a licence word */
    double salary_after;       /* bytes after an amount searched for its period */
    double salary_before;      /* bytes before an amount searched for its period or a label */
};

/* Pattern flags. */
enum {
    PF_CASE = 1u << 0,   /* letters must match in case ("=RN") */
    PF_PREFIX = 1u << 1, /* no word boundary needed at the end ("review*") */
    PF_BOL = 1u << 2,    /* starts a line ("^remote") */
    PF_EOL = 1u << 3,    /* ends a line ("remote$") */
};

/* One rule line of a .rules file. */
struct rule {
    enum ctag tag;
    int value;
    unsigned zones;
    double weight;
    unsigned flags;   /* PF_CASE for regexes written with "=re:" */
    const char *file; /* borrowed from classifier.files */
    unsigned line;
    pcre2_code *re; /* a regex rule, else NULL */
    int first_byte; /* re: every match starts with this byte (never a letter), else -1 */
};

/* One literal expansion of a phrase rule, as the automaton sees it. */
struct pattern {
    uint32_t rule;
    uint32_t len; /* bytes of the normalised phrase */
    unsigned flags;
    char *exact; /* PF_CASE: the phrase in its written case, separators as ' ' */
};

/*
 * A trie of the phrases over byte classes; state 0 is the root and also "no transition".
 * States 0..ndense-1 (the root and those with several children) keep a dense row of children;
 * the others keep their only child, so a step is one load and the trie stays in cache.
 *
 * The scan walks positions in next[], not state numbers, so a step needs no multiply: dense
 * state u has its row at u << row_shift (a row is 1 << row_shift >= ncls entries), and the
 * single-child state ndense + i sits at dense_end + i. Class 0 (bytes no phrase uses) never
 * has a child, so a NUL after the normal form ends every walk.
 */
#define AC_PAIR_WALK UINT32_MAX
struct ac_pat {
    int32_t next;   /* next pattern with the same text, -1 none */
    uint32_t rule;  /* = pats[i].rule */
    uint32_t flags; /* = pats[i].flags */
    uint32_t zones; /* = rules[rule].zones: most reports fall outside them */
};
/* A state of the trie while it is built: its first child, its next sibling (siblings in
 * class order), the class that leads to it; 0 is none (the root is no one's child). */
struct ac_node {
    uint32_t kid, sib;
    uint8_t cls;
};
struct automaton {
    uint8_t cls[256];    /* byte -> class */
    uint32_t ncls;
    uint32_t nstates;
    uint32_t ndense;
    uint32_t row_shift; /* log2 of a dense row's entries */
    uint32_t dense_end; /* ndense << row_shift: positions below are dense rows */
    struct ac_node *node; /* while building: the trie, children as lists */
    /* per position: in a dense row, child position << 1 | (a phrase ends there);
     * at a single-child state, (child position << 1 | ends) << 8 | class; 0 none */
    uint32_t *next;
    /* the first two steps from the root in one load, at (class1 << row_shift | class2): what
     * next[] would give after them, 0 when no phrase starts so, AC_PAIR_WALK when a
     * one-byte phrase does (the walk then starts at the root) */
    uint32_t *pair;
    int32_t *term;     /* first pattern ending in this state, -1 none */
    struct ac_pat *pat; /* per pattern: what a match report reads, in one place */
};

/* ---- lr.c: the learned models (classifier/model/lr.tsv) ---- */
enum lr_model { LR_UR = 0, LR_POSTING, LR_COUNT };
#define LR_MAX_FEATURES 4000 /* per model */

struct lr_feature {
    char *name; /* "t:word", "w:word word" */
    size_t len;
    double w[LR_COUNT];
    unsigned has; /* bit per model that lists this feature */
};

struct lr {
    double bias[LR_COUNT];
    struct lr_feature *f;
    size_t len, cap;
    int32_t *slot; /* open-addressing table of feature indexes, -1 empty */
    size_t slots;  /* a power of two */
    bool loaded;
};

/* Per-call: the features of one posting the models know (indexes into lr.f, no repeats). */
struct lr_hits {
    int32_t *idx;
    size_t len, cap;
};

const char *lr_model_name(enum lr_model m);
/* Parse model text (format: classifier/model/lr.tsv) into an empty m; errors name file:line. */
URS_NODISCARD int lr_parse(struct lr *m, const char *file, const char *text, size_t len,
                           struct err *e);
void lr_free(struct lr *m);
/* Both models' probabilities for a title and a description; h gets the features found. */
URS_NODISCARD int lr_score(const struct lr *m, const char *title, size_t tlen, const char *body,
                           size_t blen, struct lr_hits *h, double p[LR_COUNT]);

struct classifier {
    struct lr lr;
    enum classify_lr lr_use;
    struct rule *rules;
    size_t rules_len;
    struct pattern *pats;
    size_t pats_len;
    size_t *regex; /* indexes of regex rules */
    size_t regex_len;
    struct automaton ac;
    pcre2_match_context *mctx; /* shared, never changed after open: limits only */
    struct csettings set;
    char **files; /* names for file:line evidence of a rule */
    size_t files_len;
};

/* One match of a rule in the classified text; offsets are into the layout text. */
struct match {
    uint32_t rule;
    uint32_t start;
    uint32_t end;
    uint8_t zone;
    uint8_t tag;  /* the rule's enum ctag, copied: the passes over every match test it */
    uint8_t dropped; /* enum drop: a dropped match counts for nothing */
};

enum drop {
    DROP_NONE = 0,
    DROP_CONTAINED, /* inside a longer match of the same tag */
    DROP_TAIL,      /* after the heading of a list of other jobs (page tail) */
    DROP_ABOUT,     /* a role, review or discipline word in the section about the company */
};

/* From norm[norm] on, norm and the text advance byte for byte from text[text]. */
struct norm_run {
    uint32_t norm;
    uint32_t text;
};

/* Per-call state: the layout text, its normal form, and the matches. */
struct scan {
    const struct classifier *c;
    struct sbuf text; /* title \n location \n description \n hints \n url */
    size_t title_end, loc_start, loc_end, body_start, body_end, head_end;
    size_t hint_start, hint_end, url_start, url_end;
    char *norm;            /* lower-cased, separators folded, markup dropped */
    struct norm_run *runs; /* where norm and text advance together (scan_map) */
    size_t runs_len;
    size_t map_hint; /* the run scan_map found last */
    size_t norm_len;
    struct match *m;
    size_t m_len, m_cap;
    bool m_full;      /* more matches than CLASSIFY_MAX_MATCHES */
    bool m_heading;   /* a [page tail] or [page about] heading matched: cut_tail, drop_about */
    double *score;    /* [CT_COUNT][CT_MAX_VALUES] */
    uint32_t *count;  /* per rule: matches kept */
    int32_t *first;   /* per rule: index of its first kept match, -1 none */
    uint32_t *active; /* the rules with matches, in rule order */
    size_t active_len;
    struct lr_hits hits;   /* the model's features of this posting */
    double lr_p[LR_COUNT]; /* the model's probabilities (when c->lr.loaded) */
};

#define CLASSIFY_MAX_MATCHES 8192
#define SCORE(s, tag, v)     ((s)->score[(size_t)(tag)*CT_MAX_VALUES + (size_t)(v)])

/* rules.c: names of tags and values; parse rule text into c (appending). */
const char *ctag_name(enum ctag t);
int ctag_value_parse(enum ctag t, const char *s);
const char *ctag_value_name(enum ctag t, int v);
URS_NODISCARD int rules_parse(struct classifier *c, const char *file, const char *text, size_t len,
                              struct err *e);
void rules_free(struct classifier *c);

/* automaton.c: build from c->pats; scan s->norm adding matches. */
URS_NODISCARD int ac_build(struct classifier *c, struct err *e);
void ac_free(struct automaton *ac);
URS_NODISCARD int ac_scan(struct scan *s);

/* scan.c: build the layout and its normal form, run every rule, tally scores. */
URS_NODISCARD int scan_run(struct scan *s, const struct classifier *c, const struct posting *p);
void scan_free(struct scan *s);
URS_NODISCARD int scan_add_match(struct scan *s, uint32_t rule, size_t start, size_t end);
/* The text offset of norm position pos. */
size_t scan_map(const struct scan *s, size_t pos);
/* Zone bits of a text offset. */
unsigned scan_zone(const struct scan *s, size_t off);
/* Bytes of the line break or field mark ("|", a middle dot, a bullet) that the normal form reads
 * as a line break at text offset i, or 0. */
size_t scan_line_mark(const struct scan *s, size_t i);
/* The same for one that ends right before text offset off. */
size_t scan_mark_before(const struct scan *s, size_t off);
/* True when text[a..b) holds no line break, ';' or sentence end. */
bool scan_same_clause(const struct scan *s, size_t a, size_t b);
/* Add the rule's strongest evidence for (tag, value) to p: up to n matches. */
URS_NODISCARD int scan_evidence(const struct scan *s, struct posting *p, enum tag_kind kind,
                                const char *value, enum ctag tag, int v, size_t n);

/* decide.c, licence.c, salary.c: one tag each from the scan. */
URS_NODISCARD int decide_all(const struct scan *s, struct posting *p);
URS_NODISCARD int licence_decide(const struct scan *s, struct posting *p);
URS_NODISCARD int salary_decide(const struct scan *s, struct posting *p);

/* classify.c: the embedded rule files (generated at build time). */
struct classify_embedded {
    const char *name;
    const unsigned char *data;
    size_t len;
};
extern const struct classify_embedded classify_embedded_rules[];
extern const size_t classify_embedded_count;
extern const unsigned char classify_embedded_model[]; /* classifier/model/lr.tsv */
extern const size_t classify_embedded_model_len;

#endif
