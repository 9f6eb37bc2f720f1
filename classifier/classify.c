/* SPDX-License-Identifier: MIT */
/* Opening the rules (embedded, one file or a folder of .rules files) and tagging one posting. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "classifier/classifier_int.h"
#include "common/sbuf.h"

#define MAX_RULES_FILE  (4 * 1024 * 1024) /* bytes of one .rules file */
#define MAX_RULES_FILES 256               /* .rules files in one folder */
#define MATCH_LIMIT     200000            /* PCRE2 backtracking steps per regex call */
#define DEPTH_LIMIT     2000

static void defaults(struct csettings *s)
{
    s->discipline_min = 4;
    s->requirement_weight = 5;
    s->mode_min = 3;
    s->schedule_min = 3;
    s->ur_min = 6;
    s->ur_coord_min = 6;
    s->ur_strong = 12;
    s->review_lean = 0.25;
    s->article_min = 6;
    s->untitled_min = 2;
    s->healthcare_min = 2;
    s->repeat_bonus = 0.25;
    s->repeat_max = 3;
    s->head_bytes = 600;
    s->licence_window = 60;
    s->code_window = 16;
    s->salary_after = 60;
    s->salary_before = 40;
}

static int read_file(const char *path, struct sbuf *out, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, URS_EIO, "%s: %s", path, strerror(errno));
    char buf[8192];
    size_t n;
    int rc = URS_OK;
    while (rc == URS_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = sbuf_append(out, buf, n);
    if (rc == URS_ELIMIT)
        err_set(e, rc, "%s: rules file larger than %d bytes", path, MAX_RULES_FILE);
    else if (rc != URS_OK)
        err_set(e, rc, "%s: out of memory", path);
    else if (ferror(f))
        rc = err_set(e, URS_EIO, "%s: read error", path);
    fclose(f);
    return rc;
}

static int load_file(struct classifier *c, const char *path, struct err *e)
{
    struct sbuf b;
    sbuf_init(&b, MAX_RULES_FILE);
    int rc = read_file(path, &b, e);
    if (rc == URS_OK)
        rc = rules_parse(c, path, sbuf_str(&b), b.len, e);
    sbuf_free(&b);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_rules_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 6 && strcmp(name + n - 6, ".rules") == 0 && name[0] != '.';
}

/* Every *.rules file of a folder, in name order. */
static int load_dir(struct classifier *c, const char *dir, struct err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, URS_EIO, "%s: %s", dir, strerror(errno));
    char *names[MAX_RULES_FILES];
    size_t n = 0;
    int rc = URS_OK;
    struct dirent *de;
    while (rc == URS_OK && (de = readdir(d)) != NULL) {
        if (!has_rules_suffix(de->d_name))
            continue;
        if (n == MAX_RULES_FILES)
            rc = err_set(e, URS_ELIMIT, "%s: more than %d .rules files", dir, MAX_RULES_FILES);
        else if (!(names[n++] = strdup(de->d_name)))
            rc = err_set(e, URS_ENOMEM, "%s: out of memory", dir);
    }
    closedir(d);
    if (rc == URS_OK && n == 0)
        rc = err_set(e, URS_EPARSE, "%s: no .rules files in this folder", dir);
    if (rc == URS_OK)
        qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        if (rc == URS_OK &&
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path)
            rc = err_set(e, URS_EINVAL, "%s: path too long", dir);
        if (rc == URS_OK)
            rc = load_file(c, path, e);
        free(names[i]);
    }
    return rc;
}

static int load(struct classifier *c, const char *path, struct err *e)
{
    if (!path) {
        for (size_t i = 0; i < classify_embedded_count; i++) {
            const struct classify_embedded *r = &classify_embedded_rules[i];
            int rc = rules_parse(c, r->name, (const char *)r->data, r->len, e);
            if (rc != URS_OK)
                return rc;
        }
        return URS_OK;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, URS_EIO, "%s: %s", path, strerror(errno));
    return S_ISDIR(st.st_mode) ? load_dir(c, path, e) : load_file(c, path, e);
}

int classify_open(const char *rules_path, struct classifier **out, struct err *e)
{
    *out = NULL;
    struct classifier *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, URS_ENOMEM, "classifier: out of memory");
    defaults(&c->set);
    int rc = load(c, rules_path, e);
    if (rc == URS_OK)
        rc = lr_parse(&c->lr, "model/lr.tsv", (const char *)classify_embedded_model,
                      classify_embedded_model_len, e);
    c->lr_use = CLASSIFY_LR_DEFAULT;
    if (rc == URS_OK && c->rules_len == 0)
        rc = err_set(e, URS_EPARSE, "%s: no rules", rules_path ? rules_path : "embedded rules");
    if (rc == URS_OK)
        rc = ac_build(c, e);
    if (rc == URS_OK) {
        c->mctx = pcre2_match_context_create(NULL);
        if (!c->mctx)
            rc = err_set(e, URS_ENOMEM, "classifier: out of memory");
        else {
            pcre2_set_match_limit(c->mctx, MATCH_LIMIT);
            pcre2_set_depth_limit(c->mctx, DEPTH_LIMIT);
        }
    }
    if (rc != URS_OK) {
        classify_close(c);
        return rc;
    }
    *out = c;
    return URS_OK;
}

void classify_close(struct classifier *c)
{
    if (!c)
        return;
    ac_free(&c->ac);
    rules_free(c);
    lr_free(&c->lr);
    pcre2_match_context_free(c->mctx);
    free(c);
}

int classify_posting(const struct classifier *c, struct posting *p, struct err *e)
{
    struct scan s;
    posting_clear_tags(p);
    int rc = scan_run(&s, c, p);
    if (rc == URS_OK)
        rc = decide_all(&s, p);
    scan_free(&s);
    if (rc != URS_OK) {
        posting_clear_tags(p);
        return err_set(e, URS_ENOMEM, "classify: out of memory tagging '%.80s'",
                       p->title ? p->title : "");
    }
    return URS_OK;
}

int classify_lr_parse(const char *s)
{
    static const char *const names[] = {"off", "model", "combine"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

int classify_set_model(struct classifier *c, const char *model_path, enum classify_lr use,
                       struct err *e)
{
    if (model_path) {
        struct sbuf b;
        struct lr m;
        memset(&m, 0, sizeof m);
        sbuf_init(&b, MAX_RULES_FILE * 2);
        int rc = read_file(model_path, &b, e);
        if (rc == URS_OK)
            rc = lr_parse(&m, model_path, sbuf_str(&b), b.len, e);
        sbuf_free(&b);
        if (rc != URS_OK) {
            lr_free(&m);
            return rc;
        }
        lr_free(&c->lr);
        c->lr = m;
    }
    c->lr_use = use;
    return URS_OK;
}

int classify_model_scores(const struct classifier *c, const char *title, const char *description,
                          double *p_ur, double *p_posting)
{
    struct lr_hits h = {0};
    double p[LR_COUNT];
    int rc = lr_score(&c->lr, title ? title : "", title ? strlen(title) : 0,
                      description ? description : "", description ? strlen(description) : 0, &h,
                      p);
    free(h.idx);
    if (rc == URS_OK)
        *p_ur = p[LR_UR], *p_posting = p[LR_POSTING];
    return rc;
}
