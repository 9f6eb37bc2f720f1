/* SPDX-License-Identifier: MIT */
/*
 * The learned part: two logistic regressions (ur_role, is_posting) over word and word-bigram
 * features of the title and the description, weights from classifier/model/lr.tsv (made by
 * classifier/train/train_lr.py, whose tokenisation this file repeats exactly).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier_int.h"

#define LR_MAX_FILE (8 * 1024 * 1024) /* bytes of a model file */
#define LR_MAX_TOKEN 32               /* longer runs of letters and digits are dropped */
#define LR_MAX_NAME  (2 + 2 * LR_MAX_TOKEN + 1)

static const char *const lr_names[LR_COUNT] = {"ur_role", "is_posting"};

const char *lr_model_name(enum lr_model m)
{
    return lr_names[m];
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The feature named s[0..n), or -1. */
static int32_t lookup(const struct lr *m, const char *s, size_t n)
{
    if (!m->slots)
        return -1;
    size_t mask = m->slots - 1;
    for (size_t i = (size_t)hash(s, n) & mask;; i = (i + 1) & mask) {
        int32_t f = m->slot[i];
        if (f < 0)
            return -1;
        if (m->f[f].len == n && memcmp(m->f[f].name, s, n) == 0)
            return f;
    }
}

static int add_feature(struct lr *m, const char *name, size_t n, int32_t *out)
{
    if (m->len == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        struct lr_feature *f = realloc(m->f, cap * sizeof *f);
        if (!f)
            return URS_ENOMEM;
        m->f = f, m->cap = cap;
    }
    struct lr_feature *f = &m->f[m->len];
    memset(f, 0, sizeof *f);
    if (!(f->name = strndup(name, n)))
        return URS_ENOMEM;
    f->len = n;
    *out = (int32_t)m->len++;
    return URS_OK;
}

static int build_index(struct lr *m)
{
    size_t slots = 64;
    while (slots < 2 * m->len)
        slots *= 2;
    free(m->slot);
    if (!(m->slot = malloc(slots * sizeof *m->slot)))
        return URS_ENOMEM;
    m->slots = slots;
    for (size_t i = 0; i < slots; i++)
        m->slot[i] = -1;
    for (size_t f = 0; f < m->len; f++) {
        size_t i = (size_t)hash(m->f[f].name, m->f[f].len) & (slots - 1);
        while (m->slot[i] >= 0)
            i = (i + 1) & (slots - 1);
        m->slot[i] = (int32_t)f;
    }
    return URS_OK;
}

/* Put feature f in the table, growing it to keep it at most half full. */
static int index_insert(struct lr *m, int32_t f)
{
    if (2 * m->len > m->slots)
        return build_index(m);
    size_t i = (size_t)hash(m->f[f].name, m->f[f].len) & (m->slots - 1);
    while (m->slot[i] >= 0)
        i = (i + 1) & (m->slots - 1);
    m->slot[i] = f;
    return URS_OK;
}

static bool token_byte(unsigned char b)
{
    return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9');
}

/* A feature name as train_lr.py writes it: "t:" or "w:", one or two tokens. */
static bool valid_name(const char *s, size_t n)
{
    if (n < 3 || n > LR_MAX_NAME || (s[0] != 't' && s[0] != 'w') || s[1] != ':')
        return false;
    size_t run = 0, words = 1;
    for (size_t i = 2; i < n; i++) {
        if (s[i] == ' ') {
            if (run == 0 || ++words > 2)
                return false;
            run = 0;
        } else if (!token_byte((unsigned char)s[i]) || ++run > LR_MAX_TOKEN) {
            return false;
        }
    }
    return run > 0;
}

static int parse_weight(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || fabs(v) > 1e6)
        return URS_EINVAL;
    *out = v;
    return URS_OK;
}

/* One "key<TAB>value[<TAB>count]" line; cur is the model being read, -1 before the first. */
static int parse_line(struct lr *m, char *line, int *cur, size_t *left, bool seen[LR_COUNT],
                      const char *where, struct err *e)
{
    char *tab = strchr(line, '\t');
    if (!tab)
        return err_set(e, URS_EPARSE, "%s: expected NAME<TAB>VALUE", where);
    *tab = '\0';
    char *val = tab + 1;
    if (strcmp(line, "model") == 0) {
        char *t2 = strchr(val, '\t');
        if (!t2)
            return err_set(e, URS_EPARSE, "%s: expected model<TAB>NAME<TAB>COUNT", where);
        *t2 = '\0';
        if (*cur >= 0 && *left)
            return err_set(e, URS_EPARSE, "%s: model %s has %zu features fewer than it says",
                           where, lr_names[*cur], *left);
        *cur = -1;
        for (int i = 0; i < LR_COUNT; i++)
            if (strcmp(val, lr_names[i]) == 0)
                *cur = i;
        if (*cur < 0)
            return err_set(e, URS_EPARSE, "%s: unknown model '%.40s' (ur_role, is_posting)",
                           where, val);
        if (seen[*cur])
            return err_set(e, URS_EPARSE, "%s: model %s given twice", where, val);
        seen[*cur] = true;
        double n;
        if (parse_weight(t2 + 1, &n) != URS_OK || n < 0 || n > LR_MAX_FEATURES || n != floor(n))
            return err_set(e, URS_EPARSE, "%s: feature count '%.20s' is not 0..%d", where, t2 + 1,
                           LR_MAX_FEATURES);
        *left = (size_t)n;
        return URS_OK;
    }
    if (*cur < 0)
        return err_set(e, URS_EPARSE, "%s: '%.40s' before the first model line", where, line);
    double w;
    if (strchr(val, '\t') || parse_weight(val, &w) != URS_OK)
        return err_set(e, URS_EPARSE, "%s: weight '%.40s' is not a number", where, val);
    if (strcmp(line, "bias") == 0) {
        m->bias[*cur] = w;
        return URS_OK;
    }
    size_t n = strlen(line);
    if (!valid_name(line, n))
        return err_set(e, URS_EPARSE, "%s: bad feature name '%.70s'", where, line);
    if (*left == 0)
        return err_set(e, URS_EPARSE, "%s: model %s has more features than it says", where,
                       lr_names[*cur]);
    int32_t f = lookup(m, line, n);
    if (f >= 0 && m->f[f].has & (1u << *cur))
        return err_set(e, URS_EPARSE, "%s: feature '%s' given twice", where, line);
    if (f < 0) {
        if (add_feature(m, line, n, &f) != URS_OK || index_insert(m, f) != URS_OK)
            return err_set(e, URS_ENOMEM, "%s: out of memory", where);
    }
    m->f[f].w[*cur] = w;
    m->f[f].has |= 1u << *cur;
    (*left)--;
    return URS_OK;
}

int lr_parse(struct lr *m, const char *file, const char *text, size_t len, struct err *e)
{
    if (len > LR_MAX_FILE)
        return err_set(e, URS_ELIMIT, "%s: model larger than %d bytes", file, LR_MAX_FILE);
    int cur = -1, rc = URS_OK;
    size_t left = 0;
    bool seen[LR_COUNT] = {false};
    unsigned lineno = 0;
    char buf[256];
    for (size_t at = 0; at < len && rc == URS_OK;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        char where[300];
        lineno++;
        snprintf(where, sizeof where, "%s:%u", file, lineno);
        if (n >= sizeof buf)
            rc = err_set(e, URS_EPARSE, "%s: line longer than %zu bytes", where, sizeof buf - 1);
        else if (memchr(text + at, '\0', n))
            rc = err_set(e, URS_EPARSE, "%s: NUL byte", where);
        else if (n && text[at] != '#') {
            memcpy(buf, text + at, n);
            buf[n] = '\0';
            rc = parse_line(m, buf, &cur, &left, seen, where, e);
        }
        at += n + 1;
    }
    if (rc == URS_OK && left)
        rc = err_set(e, URS_EPARSE, "%s: model %s has %zu features fewer than it says", file,
                     lr_names[cur], left);
    for (int i = 0; i < LR_COUNT && rc == URS_OK; i++)
        if (!seen[i])
            rc = err_set(e, URS_EPARSE, "%s: no model %s", file, lr_names[i]);
    if (rc == URS_OK && !m->slot)
        rc = build_index(m) == URS_OK ? URS_OK : err_set(e, URS_ENOMEM, "%s: out of memory", file);
    m->loaded = rc == URS_OK;
    return rc;
}

void lr_free(struct lr *m)
{
    for (size_t i = 0; i < m->len; i++)
        free(m->f[i].name);
    free(m->f);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static int add_hit(struct lr_hits *h, int32_t f)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 256;
        int32_t *n = realloc(h->idx, cap * sizeof *n);
        if (!n)
            return URS_ENOMEM;
        h->idx = n, h->cap = cap;
    }
    h->idx[h->len++] = f;
    return URS_OK;
}

/* The features of one zone (prefix "t:" or "w:") of s[0..n) that the model knows, into h. */
static int zone_hits(const struct lr *m, char prefix, const char *s, size_t n,
                     struct lr_hits *h)
{
    char name[LR_MAX_NAME + 1];
    char prev[LR_MAX_TOKEN];
    size_t prev_len = 0; /* 0: no previous token (start, or after a dropped run) */
    size_t i = 0;
    name[0] = prefix, name[1] = ':';
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        b = b >= 'A' && b <= 'Z' ? (unsigned char)(b + 32) : b;
        if (!token_byte(b)) {
            i++;
            continue;
        }
        char tok[LR_MAX_TOKEN];
        size_t tl = 0;
        for (; i < n; i++) {
            b = (unsigned char)s[i];
            b = b >= 'A' && b <= 'Z' ? (unsigned char)(b + 32) : b;
            if (!token_byte(b))
                break;
            if (tl < LR_MAX_TOKEN)
                tok[tl] = (char)b;
            tl++;
        }
        if (tl > LR_MAX_TOKEN) {
            prev_len = 0;
            continue;
        }
        memcpy(name + 2, tok, tl);
        int32_t f = lookup(m, name, 2 + tl);
        if (f >= 0 && add_hit(h, f) != URS_OK)
            return URS_ENOMEM;
        if (prev_len) {
            memcpy(name + 2, prev, prev_len);
            name[2 + prev_len] = ' ';
            memcpy(name + 3 + prev_len, tok, tl);
            f = lookup(m, name, 3 + prev_len + tl);
            if (f >= 0 && add_hit(h, f) != URS_OK)
                return URS_ENOMEM;
        }
        memcpy(prev, tok, tl);
        prev_len = tl;
    }
    return URS_OK;
}

static int by_index(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int lr_score(const struct lr *m, const char *title, size_t tlen, const char *body, size_t blen,
             struct lr_hits *h, double p[LR_COUNT])
{
    h->len = 0;
    if (tlen > CLASSIFY_MAX_TEXT)
        tlen = CLASSIFY_MAX_TEXT;
    if (blen > CLASSIFY_MAX_TEXT)
        blen = CLASSIFY_MAX_TEXT;
    if (zone_hits(m, 't', title, tlen, h) != URS_OK || zone_hits(m, 'w', body, blen, h) != URS_OK)
        return URS_ENOMEM;
    /* each feature counts once: sort and drop repeats */
    if (h->len > 1)
        qsort(h->idx, h->len, sizeof h->idx[0], by_index);
    size_t k = 0;
    for (size_t i = 0; i < h->len; i++)
        if (k == 0 || h->idx[k - 1] != h->idx[i])
            h->idx[k++] = h->idx[i];
    h->len = k;
    /* of the K features of model j found, each has the value 1/sqrt(K) (as train_lr.py) */
    for (int j = 0; j < LR_COUNT; j++) {
        double sum = 0;
        size_t found = 0;
        for (size_t i = 0; i < h->len; i++)
            if (m->f[h->idx[i]].has & (1u << j))
                sum += m->f[h->idx[i]].w[j], found++;
        double z = m->bias[j] + (found ? sum / sqrt((double)found) : 0);
        p[j] = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
    }
    return URS_OK;
}
