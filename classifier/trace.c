/* SPDX-License-Identifier: MIT */
/* A trace of one classification for rule writers: every match and every score. */
#include <math.h>

#include "classifier/classifier_int.h"

static const char *zone_name(unsigned zone)
{
    if (zone & Z_TITLE)
        return "title";
    if (zone & Z_LOC)
        return "loc";
    if (zone & Z_HEAD)
        return "head";
    if (zone & Z_BODY)
        return "body";
    if (zone & Z_HINT)
        return "hint";
    return zone & Z_URL ? "url" : "?";
}

static int trace_match(const struct scan *s, const struct match *m, struct sbuf *out)
{
    const struct rule *r = &s->c->rules[m->rule];
    int len = (int)(m->end - m->start > 80 ? 80 : m->end - m->start);
    const char *why = m->dropped == DROP_CONTAINED ? " (inside a longer match)"
                      : m->dropped == DROP_TAIL    ? " (in the list of other jobs)"
                                                   : "";
    return sbuf_printf(out, "%s:%u %s %s %+g %s @%u%s \"%.*s\"\n", r->file, r->line,
                       ctag_name(r->tag), ctag_value_name(r->tag, r->value), r->weight,
                       zone_name(m->zone), m->start, why, len, s->text.data + m->start);
}

static int trace_scores(const struct scan *s, struct sbuf *out)
{
    int rc = sbuf_puts(out, "scores:\n");
    for (int t = 0; t < CT_COUNT && rc == URS_OK; t++) {
        if (t == CT_STATE || t == CT_LICENCE || t == CT_SALARY)
            continue; /* decided by position, not by score */
        for (int v = 0; v < CT_MAX_VALUES && rc == URS_OK; v++)
            if (SCORE(s, t, v) != 0)
                rc = sbuf_printf(out, "  %s %s %.2f\n", ctag_name((enum ctag)t),
                                 ctag_value_name((enum ctag)t, v), SCORE(s, t, v));
    }
    return rc;
}

int classify_trace(const struct classifier *c, const struct posting *p, struct sbuf *out)
{
    struct scan s;
    int rc = scan_run(&s, c, p);
    for (size_t i = 0; i < s.m_len && rc == URS_OK; i++)
        rc = trace_match(&s, &s.m[i], out);
    if (rc == URS_OK)
        rc = trace_scores(&s, out);
    scan_free(&s);
    return rc;
}

/* The top features of h for model j by absolute weight, strongest first. */
static int top_features(const struct lr *m, const struct lr_hits *h, int j, size_t top,
                        struct sbuf *out)
{
    int rc = URS_OK;
    size_t shown = 0;
    double last = INFINITY;
    size_t last_i = 0;
    /* selection by repeated scans: top is small and h holds a few hundred features */
    while (shown < top && rc == URS_OK) {
        size_t best = h->len;
        double bw = -1;
        for (size_t i = 0; i < h->len; i++) {
            double a = fabs(m->f[h->idx[i]].w[j]);
            bool after = a < last || (a == last && i > last_i);
            if (after && a > bw)
                best = i, bw = a;
        }
        if (best == h->len || bw <= 0)
            break;
        const struct lr_feature *f = &m->f[h->idx[best]];
        rc = sbuf_printf(out, "    %+.3f  %s \"%s\"\n", f->w[j],
                         f->name[0] == 't' ? "title" : "text ", f->name + 2);
        last = bw, last_i = best, shown++;
    }
    return rc;
}

int classify_model_explain(const struct classifier *c, const struct posting *p, size_t top,
                           struct sbuf *out)
{
    static const char *const use[] = {"off", "alone", "with the rules"};
    struct scan s;
    int rc = scan_run(&s, c, p);
    if (rc == URS_OK && c->lr_use == CLASSIFY_LR_OFF) /* scan_run skips the model then */
        rc = lr_score(&c->lr, s.text.data, s.title_end, s.text.data + s.body_start,
                      s.body_end - s.body_start, &s.hits, s.lr_p);
    if (rc == URS_OK)
        rc = sbuf_printf(out, "model (classifier/model/lr.tsv, used %s):\n", use[c->lr_use]);
    for (int j = 0; j < LR_COUNT && rc == URS_OK; j++) {
        rc = sbuf_printf(out, "  %s: p = %.3f (bias %+.3f, %zu features found)\n",
                         lr_model_name((enum lr_model)j), s.lr_p[j], c->lr.bias[j], s.hits.len);
        if (rc == URS_OK)
            rc = top_features(&c->lr, &s.hits, j, top, out);
    }
    scan_free(&s);
    return rc;
}
