/* SPDX-License-Identifier: MIT */
/* A trace of one classification for rule writers: every match and every score. */
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
    return sbuf_printf(out, "%s:%u %s %s %+g %s @%u%s \"%.*s\"\n", r->file, r->line,
                       ctag_name(r->tag), ctag_value_name(r->tag, r->value), r->weight,
                       zone_name(m->zone), m->start, m->dropped ? " (inside a longer match)" : "",
                       len, s->text.data + m->start);
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
