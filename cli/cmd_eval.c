/* SPDX-License-Identifier: MIT */
/* `urscout eval`, `explain ID` and `reclassify`: the classifier measured, explained, re-run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier/classifier.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "common/limits.h"
#include "common/text.h"
#include "db/db.h"

#define RECLASSIFY_BATCH 500 /* postings per transaction */
#define CONTEXT_BYTES    40  /* text shown on each side of a piece of evidence */

static const char eval_usage[] =
    "usage: urscout eval [--rules FILE|DIR] [--lr off|model|combine] [--model FILE]\n"
    "                    [--no-misses] [--summary] [--check] [--targets LIST] [--counts]\n"
    "                    FILE.jsonl\n"
    "\n"
    "Classify a labelled set (JSON Lines, the format of classifier/eval/README.md) and print, per\n"
    "tag and value, precision, recall and F1; the headline scores against the targets; and\n"
    "the misses (id, expected, got, evidence).\n"
    "\n"
    "  --rules FILE|DIR   evaluate these .rules instead of the built-in ones\n"
    "  --no-misses        leave out the list of misses\n"
    "  --summary          numbers only: the tables and the headline, never a record's id or\n"
    "                     text (for the held-out test part)\n"
    "  --check            exit 1 when a target is missed\n"
    "  --targets LIST     with --check: only these targets (comma-separated: ur, ur_precision,\n"
    "                     non_posting, discipline, pt, ot, slp, work_mode, schedule, licence,\n"
    "                     salary); the others are still printed\n"
    "  --lr MODE          how the learned model takes part in ur_role and is-posting: off (rules\n"
    "                     only, the default), model (model only), combine\n"
    "  --model FILE       the model weights (classifier/model/lr.tsv format) instead of the\n"
    "                     built-in ones\n"
    "  --counts           also print one line \"counts UR_TP UR_FP UR_FN NONPOSTING_FOUND\n"
    "                     NONPOSTING_ALL\" (for cross-validation scripts)\n";

static const char explain_usage[] =
    "usage: urscout explain [--fresh] [--rules FILE|DIR] ID\n"
    "\n"
    "Show every tag of a stored posting and the phrase that set it, in its context.\n"
    "\n"
    "  --fresh            classify the posting again with the current rules (nothing is saved)\n"
    "  --rules FILE|DIR   with --fresh: use these .rules\n";

static const char reclassify_usage[] =
    "usage: urscout reclassify [--rules FILE|DIR] [--dry-run]\n"
    "\n"
    "Tag every stored posting again (after a rules change) and save the new tags and evidence.\n"
    "Prints one line per posting whose tags changed, then the totals.\n"
    "\n"
    "  --rules FILE|DIR   use these .rules instead of the built-in ones\n"
    "  --dry-run          show what would change; save nothing\n";

struct opts {
    const char *rules;
    const char *model;   /* --model FILE */
    const char *targets; /* --targets LIST */
    int lr;              /* --lr MODE, -1 when not given */
    bool misses, check, fresh, dry_run, counts;
    const char *arg; /* the FILE or ID */
};

/* Shared option parsing; allowed lists the flags a command takes ("mcfd"). */
static int parse(const char *cmd, const char *allowed, int argc, char **argv, struct opts *o,
                 bool need_arg)
{
    static const struct option longs[] = {
        {"rules", required_argument, NULL, 'r'}, {"no-misses", no_argument, NULL, 'm'},
        {"check", no_argument, NULL, 'c'},       {"fresh", no_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'd'},     {"summary", no_argument, NULL, 's'},
        {"lr", required_argument, NULL, 'l'},    {"model", required_argument, NULL, 'M'},
        {"counts", no_argument, NULL, 'n'},      {"targets", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    o->misses = true;
    o->lr = -1;
    while ((ch = cli_getopt(argc, argv, "", longs)) != -1) {
        if (ch == '?')
            return CLI_USAGE;
        if (ch != 'r' && !strchr(allowed, ch)) {
            cli_error("%s: bad option '%s' (see urscout %s --help)", cmd, argv[optind - 1], cmd);
            return CLI_USAGE;
        }
        if (ch == 'l' && (o->lr = classify_lr_parse(optarg)) < 0) {
            cli_error("%s: --lr '%s': give off, model or combine", cmd, optarg);
            return CLI_USAGE;
        }
        o->model = ch == 'M' ? optarg : o->model;
        o->targets = ch == 't' ? optarg : o->targets;
        o->counts |= ch == 'n';
        o->rules = ch == 'r' ? optarg : o->rules;
        o->misses &= ch != 'm' && ch != 's';
        o->check |= ch == 'c';
        o->fresh |= ch == 'f';
        o->dry_run |= ch == 'd';
    }
    if (argc - optind != (need_arg ? 1 : 0)) {
        cli_error("%s: %s (see urscout %s --help)", cmd,
                  need_arg ? "give exactly one argument" : "takes no arguments", cmd);
        return CLI_USAGE;
    }
    o->arg = need_arg ? argv[optind] : NULL;
    return CLI_OK;
}

static int open_rules(const char *cmd, const char *rules, struct classifier **c)
{
    struct err e;
    err_clear(&e);
    if (classify_open(rules, c, &e) == URS_OK)
        return CLI_OK;
    cli_error("%s: rules: %s", cmd, e.msg[0] ? e.msg : err_name(e.code));
    return CLI_FAIL;
}

/* --lr and --model on an open classifier. */
static int use_model(const char *cmd, const struct opts *o, struct classifier *c)
{
    struct err e;
    err_clear(&e);
    if (!o->model && o->lr < 0)
        return CLI_OK;
    enum classify_lr use = o->lr < 0 ? CLASSIFY_LR_DEFAULT : (enum classify_lr)o->lr;
    if (classify_set_model(c, o->model, use, &e) == URS_OK)
        return CLI_OK;
    cli_error("%s: model: %s", cmd, e.msg[0] ? e.msg : err_name(e.code));
    return CLI_FAIL;
}

/* ---- eval ---- */

int cli_cmd_eval(struct app *app, int argc, char **argv)
{
    (void)app;
    struct opts o = {0};
    if (cli_wants_help(argc, argv, eval_usage))
        return CLI_OK;
    int status = parse("eval", "mcslMnt", argc, argv, &o, true);
    struct classifier *c = NULL;
    if (status != CLI_OK || (status = open_rules("eval", o.rules, &c)) != CLI_OK)
        return status;
    if ((status = use_model("eval", &o, c)) != CLI_OK) {
        classify_close(c);
        return status;
    }
    struct err e;
    struct classify_eval *ev = NULL;
    struct sbuf out;
    err_clear(&e);
    sbuf_init(&out, 64 << 20);
    if (classify_eval_file(c, o.arg, &ev, &e) != URS_OK) {
        cli_error_e("eval", &e);
        status = CLI_FAIL;
    } else if (classify_eval_report(ev, o.misses, &out) != URS_OK) {
        cli_error("eval: report too large");
        status = CLI_FAIL;
    } else {
        struct classify_eval_scores sc;
        classify_eval_scores(ev, &sc);
        fputs(sbuf_str(&out), stdout);
        if (o.counts)
            printf("counts %zu %zu %zu %zu %zu\n", sc.ur_tp, sc.ur_fp, sc.ur_fn, sc.other_tp,
                   sc.other_tp + sc.other_fn);
        struct sbuf why;
        sbuf_init(&why, 4096);
        int met = !o.check ? 1
                  : o.targets ? classify_eval_targets_some(&sc, o.targets, &why)
                              : classify_eval_targets_met(&sc, &why);
        if (met < 0) {
            cli_error("eval: --targets: %s", sbuf_str(&why));
            status = CLI_USAGE;
        } else if (!met) {
            printf("targets missed: %s\n", sbuf_str(&why));
            status = CLI_FAIL;
        }
        sbuf_free(&why);
    }
    sbuf_free(&out);
    classify_eval_free(ev);
    classify_close(c);
    return status;
}

/* ---- explain ---- */

/*
 * Context text on one line: the layout's field and line breaks shown as " | " (so a title
 * and the location after it do not run together), tabs as blanks, other controls dropped.
 */
static void put_context(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') {
            fputs(" | ", stdout);
            while (p[1] == '\n' || p[1] == '\r')
                p++;
        } else if (*p == '\t' || *p == '\r') {
            fputc(' ', stdout);
        } else {
            char one[5] = {0};
            size_t n = 1;
            one[0] = (char)*p;
            if (*p >= 0xC0)
                while (n < 4 && (p[n] & 0xC0) == 0x80)
                    one[n] = (char)p[n], n++;
            cli_put_safe(stdout, one);
            p += n - 1;
        }
    }
}

/* Each piece of evidence with CONTEXT_BYTES of text on either side, the phrase in [brackets]. */
static void print_contexts(const struct posting *p)
{
    struct sbuf layout;
    sbuf_init(&layout, URS_MAX_TITLE + URS_MAX_DESCRIPTION + 4 * URS_MAX_FIELD + URS_MAX_URL);
    if (classify_text_layout(p, &layout) != URS_OK || !p->evidence_len) {
        sbuf_free(&layout);
        return;
    }
    printf("\nin context:\n");
    const char *t = sbuf_str(&layout);
    for (size_t i = 0; i < p->evidence_len; i++) {
        const struct evidence *ev = &p->evidence[i];
        size_t len = strlen(ev->phrase), at = ev->offset;
        if (at + len > layout.len || strncmp(t + at, ev->phrase, len) != 0) {
            printf("  %-11s %-12s (text changed since it was tagged)\n", tag_kind_name(ev->tag),
                   ev->value);
            continue;
        }
        size_t a = at > CONTEXT_BYTES ? at - CONTEXT_BYTES : 0, b = at + len + CONTEXT_BYTES;
        b = b < layout.len ? b : layout.len;
        char *before = strndup(t + a, at - a), *after = strndup(t + at + len, b - at - len);
        printf("  %-11s %-12s ...", tag_kind_name(ev->tag), ev->value);
        put_context(before);
        printf("[");
        put_context(ev->phrase);
        printf("]");
        put_context(after);
        printf("...\n");
        free(before);
        free(after);
    }
    sbuf_free(&layout);
}

/* The learned model's probabilities and the features of p that weighed most. */
static void print_model(const struct classifier *c, const struct posting *p)
{
    struct classifier *own = NULL;
    struct err e;
    err_clear(&e);
    if (!c && classify_open(NULL, &own, &e) != URS_OK) {
        cli_error("explain: model: %s", e.msg[0] ? e.msg : err_name(e.code));
        return;
    }
    struct sbuf out;
    sbuf_init(&out, 1 << 20);
    if (classify_model_explain(c ? c : own, p, 8, &out) == URS_OK) {
        printf("\n");
        cli_put_safe(stdout, sbuf_str(&out));
    } else {
        cli_error("explain: model: out of memory");
    }
    sbuf_free(&out);
    classify_close(own);
}

int cli_cmd_explain(struct app *app, int argc, char **argv)
{
    struct opts o = {0};
    long long id;
    if (cli_wants_help(argc, argv, explain_usage))
        return CLI_OK;
    int status = parse("explain", "f", argc, argv, &o, true);
    if (status != CLI_OK)
        return status;
    if (text_parse_int(o.arg, 1, INT64_MAX, &id) != URS_OK) {
        cli_error("explain: '%s' is not a posting ID (a positive number; see urscout search)",
                  o.arg);
        return CLI_USAGE;
    }
    struct classifier *c = NULL;
    if (cli_app_db(app, false) != CLI_OK || (o.fresh && open_rules("explain", o.rules, &c)))
        return CLI_FAIL;
    struct posting p;
    struct err e;
    err_clear(&e);
    if (db_posting_get(app->db, id, &p, &e) != URS_OK) {
        cli_error_e("explain", &e);
        classify_close(c);
        return CLI_FAIL;
    }
    if (c && classify_posting(c, &p, &e) != URS_OK) {
        cli_error_e("explain", &e);
        status = CLI_FAIL;
    } else {
        printf("posting %lld, tags %s:\n\n", id,
               c ? "from the current rules (not saved)" : "as stored");
        cli_print_classified(&p);
        print_contexts(&p);
        print_model(c, &p);
    }
    posting_free(&p);
    classify_close(c);
    return status;
}

/* ---- reclassify ---- */

struct ids {
    int64_t *id;
    size_t len, cap;
};

static int collect_id(void *ctx, const struct posting *p)
{
    struct ids *ids = ctx;
    if (ids->len == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 1024;
        int64_t *id = realloc(ids->id, cap * sizeof *id);
        if (!id)
            return 1;
        ids->id = id;
        ids->cap = cap;
    }
    ids->id[ids->len++] = p->id;
    return 0;
}

static bool same_tags(const struct posting *a, const struct posting *b)
{
    return a->disciplines == b->disciplines && a->work_mode == b->work_mode &&
           a->schedule == b->schedule && a->license_states == b->license_states &&
           a->salary.min == b->salary.min && a->salary.max == b->salary.max &&
           a->salary.period == b->salary.period && a->role_family == b->role_family &&
           a->ur_role == b->ur_role;
}

static bool same_evidence(const struct posting *a, const struct posting *b)
{
    if (a->evidence_len != b->evidence_len)
        return false;
    for (size_t i = 0; i < a->evidence_len; i++)
        if (a->evidence[i].tag != b->evidence[i].tag ||
            a->evidence[i].offset != b->evidence[i].offset ||
            strcmp(a->evidence[i].value, b->evidence[i].value) != 0 ||
            strcmp(a->evidence[i].phrase, b->evidence[i].phrase) != 0)
            return false;
    return true;
}

static void print_change(const struct posting *old, const struct posting *p)
{
    printf("%lld ", (long long)p->id);
    cli_put_safe(stdout, p->title);
    if (old->ur_role != p->ur_role)
        printf(": ur_role %s -> %s", old->ur_role ? "yes" : "no", p->ur_role ? "yes" : "no");
    if (old->role_family != p->role_family)
        printf(": role %s -> %s", role_family_name(old->role_family),
               role_family_name(p->role_family));
    if (old->work_mode != p->work_mode)
        printf(": mode %s -> %s", work_mode_name(old->work_mode), work_mode_name(p->work_mode));
    if (old->disciplines != p->disciplines || old->schedule != p->schedule ||
        old->license_states != p->license_states || old->salary.period != p->salary.period ||
        old->salary.min != p->salary.min || old->salary.max != p->salary.max)
        printf(": discipline/schedule/licence/salary changed");
    putchar('\n');
}

struct totals {
    size_t seen, changed, evidence_only, ur_before, ur_after;
};

/* Re-tag one stored posting; write it back when anything changed and not dry_run. */
static int reclassify_one(struct app *app, const struct classifier *c, int64_t id, bool dry_run,
                          struct totals *t, struct err *e)
{
    struct posting p, old;
    if (db_posting_get(app->db, id, &p, e) != URS_OK)
        return e->code;
    int rc = posting_copy(&old, &p);
    if (rc != URS_OK) {
        posting_free(&p);
        return err_set(e, rc, "posting %lld: out of memory", (long long)id);
    }
    rc = classify_posting(c, &p, e);
    bool tags = rc == URS_OK && !same_tags(&old, &p);
    bool evidence = rc == URS_OK && !same_evidence(&old, &p);
    t->seen++;
    t->ur_before += old.ur_role;
    t->ur_after += p.ur_role;
    t->changed += tags;
    t->evidence_only += !tags && evidence;
    if (tags)
        print_change(&old, &p);
    if (rc == URS_OK && (tags || evidence) && !dry_run) {
        enum db_upsert result;
        rc = db_posting_upsert(app->db, &p, (int64_t)time(NULL), &result, e);
    }
    posting_free(&old);
    posting_free(&p);
    return rc;
}

static int reclassify_all(struct app *app, const struct classifier *c, const struct ids *ids,
                          bool dry_run, struct totals *t, struct err *e)
{
    int rc = URS_OK;
    for (size_t at = 0; at < ids->len && rc == URS_OK; at += RECLASSIFY_BATCH) {
        size_t end = at + RECLASSIFY_BATCH < ids->len ? at + RECLASSIFY_BATCH : ids->len;
        if (!dry_run && (rc = db_begin(app->db, e)) != URS_OK)
            break;
        for (size_t i = at; i < end && rc == URS_OK; i++)
            rc = reclassify_one(app, c, ids->id[i], dry_run, t, e);
        if (dry_run)
            continue;
        if (rc == URS_OK)
            rc = db_commit(app->db, e);
        else
            db_rollback(app->db);
    }
    return rc;
}

int cli_cmd_reclassify(struct app *app, int argc, char **argv)
{
    struct opts o = {0};
    if (cli_wants_help(argc, argv, reclassify_usage))
        return CLI_OK;
    int status = parse("reclassify", "d", argc, argv, &o, false);
    struct classifier *c = NULL;
    if (status != CLI_OK || (status = open_rules("reclassify", o.rules, &c)) != CLI_OK)
        return status;
    struct ids ids = {0};
    struct totals t = {0};
    struct err e;
    err_clear(&e);
    status = CLI_FAIL;
    if (cli_app_db(app, false) != CLI_OK) {
        classify_close(c);
        return CLI_FAIL;
    }
    if (db_postings_each(app->db, collect_id, &ids, &e) != URS_OK)
        cli_error_e("reclassify", &e);
    else if (reclassify_all(app, c, &ids, o.dry_run, &t, &e) != URS_OK)
        cli_error_e("reclassify", &e);
    else
        status = CLI_OK;
    printf("%s %zu posting%s: %zu with new tags, %zu with new evidence only; UR roles %zu -> %zu\n",
           o.dry_run ? "checked" : "reclassified", t.seen, cli_s(t.seen), t.changed, t.evidence_only, t.ur_before,
           t.ur_after);
    free(ids.id);
    classify_close(c);
    return status;
}
