/* SPDX-License-Identifier: MIT */
/* Salary: "$27-36 per hour", "$65,000 - $80,000", "$85K-$95K/yr", "79354.10 To 103160.33 (USD)". */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classifier/classifier_int.h"

#define SKIP_BEFORE    30 /* bytes before an amount searched for "bonus", "per visit" ... */
#define SKIP_AFTER     25
#define VISIT_BEFORE   120 /* bytes around a per-visit rate searched for the other visit rates */
#define VISIT_AFTER    200
#define VISIT_TYPE_REACH 30 /* bytes around such a rate in which its kind of visit is named */
#define ROLE_REACH     12  /* bytes around a rate in which the role it is for is named */
#define USD_AFTER      8   /* bytes after an amount in which "USD" marks it as money */
#define MAX_CANDIDATES 200 /* amounts weighed per posting: bounded time on junk */
#define WORDS_SPAN     160 /* bytes before a period or after a pay word searched for words */

/* The salary rule matches of one scan. */
struct sal_scan {
    const struct scan *s;
    const struct match **m;
    size_t n;
};

struct amount {
    size_t start, end; /* the amount or range in the text */
    double min, max;
    bool dollar; /* "$" before it or "USD" after it */
    bool range;
    bool up_to; /* "up to $X": no minimum */
    bool from;  /* "starting at $X": no maximum */
};

/* Parse "85", "85,000", "85000.50", "85K" at t[i]; returns the bytes used, 0 when none. */
static size_t number(const char *t, size_t len, size_t i, double *out)
{
    size_t j = i;
    double v = 0;
    if (j >= len || !isdigit((unsigned char)t[j]))
        return 0;
    for (size_t digits = 0; j < len; j++) {
        if (isdigit((unsigned char)t[j])) {
            if (++digits > 9)
                return 0;
            v = v * 10 + (t[j] - '0');
        } else if (t[j] == ',' && j + 3 < len && isdigit((unsigned char)t[j + 1]) &&
                   isdigit((unsigned char)t[j + 2]) && isdigit((unsigned char)t[j + 3]) &&
                   (j + 4 >= len || !isdigit((unsigned char)t[j + 4]))) {
            continue;
        } else {
            break;
        }
    }
    if (j + 1 < len && t[j] == '.' && isdigit((unsigned char)t[j + 1])) {
        double scale = 0.1;
        for (j++; j < len && isdigit((unsigned char)t[j]); j++, scale /= 10)
            v += (t[j] - '0') * scale;
    }
    if (j < len && (t[j] == 'k' || t[j] == 'K') &&
        (j + 1 >= len || !isalpha((unsigned char)t[j + 1]))) {
        v *= 1000;
        j++;
    }
    *out = v;
    return j - i;
}

/* Length of an HTML dash entity at t, escaped once or twice ("&ndash;", "&amp;mdash;"). */
static size_t entity_dash(const char *t, size_t len)
{
    static const char *const dashes[] = {"&ndash;", "&mdash;", "&amp;ndash;", "&amp;mdash;"};
    for (size_t i = 0; i < sizeof dashes / sizeof dashes[0]; i++) {
        size_t n = strlen(dashes[i]);
        if (n <= len && strncasecmp(t, dashes[i], n) == 0)
            return n;
    }
    return 0;
}

/* Skip spaces, then a range separator ("-", en/em dash, "to", "to -", "and", "through",
 * "Max:"); bytes used or 0. A short aside in parentheses before it is skipped too ("$71,755
 * (BA+0 step 1) through $140,729"), as is the "." that ends "$35.92/Hr.MaxUSD $57.47/Hr.". */
static size_t range_sep(const char *t, size_t len, size_t i)
{
    size_t j = i;
    while (j < len && t[j] == ' ')
        j++;
    if (j < len && t[j] == '(') {
        const char *close = memchr(t + j, ')', len - j < 40 ? len - j : 40);
        if (close && !memchr(t + j, '\n', (size_t)(close - (t + j)))) {
            j = (size_t)(close - t) + 1;
            while (j < len && t[j] == ' ')
                j++;
        }
    }
    if (j + 1 < len && t[j] == '.' && (t[j + 1] | 32) == 'm')
        j++;
    size_t k = j;
    if (j < len && t[j] == '-')
        k = j + 1;
    else if (j + 3 <= len &&
             (memcmp(t + j, "\xe2\x80\x93", 3) == 0 || memcmp(t + j, "\xe2\x80\x94", 3) == 0))
        k = j + 3;
    else if (j + 5 < len && memcmp(t + j, "\xc3\xa2\xe2\x82\xac", 5) == 0) /* "â€" mojibake */
        k = j + 5 + (t[j + 5] == '"' ? 1
                     : j + 8 <= len && memcmp(t + j + 5, "\xe2\x80", 2) == 0 ? 3
                                                                            : 0);
    else if ((k = j + entity_dash(t + j, len - j)) > j)
        ; /* "&mdash;", or "&amp;ndash;" from a page escaped twice */
    else if (j + 3 <= len && strncasecmp(t + j, "to ", 3) == 0) {
        k = j + 3; /* "$112,015 to - $145,617" */
        while (k < len && t[k] == ' ')
            k++;
        if (k < len && t[k] == '-')
            k++;
        else if (k + 3 <= len && memcmp(t + k, "\xe2\x80\x93", 3) == 0)
            k += 3;
        else
            k = j + 2;
    } else if (j + 8 <= len && strncasecmp(t + j, "through ", 8) == 0)
        k = j + 7;
    else if (j + 3 < len && strncasecmp(t + j, "max", 3) == 0 && !isalpha((unsigned char)t[j + 3]))
        k = j + 3 + (t[j + 3] == ':'); /* "Min: $19.85 Max: $30.40" */
    else if (j + 6 <= len && strncasecmp(t + j, "maxusd", 6) == 0)
        k = j + 6;
    else if (j + 4 <= len && strncasecmp(t + j, "and ", 4) == 0)
        k = j + 3;
    if (k == j)
        return 0;
    while (k < len && t[k] == ' ')
        k++;
    return k - i;
}

/* "/hr", "/hour", "/yr", "/year" right after an amount: bytes used, else 0. */
static size_t period_suffix(const char *t, size_t len, size_t i)
{
    static const char *const units[] = {"/hour", "/hr", "/year", "/yr", "/h", "/y"};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        size_t n = strlen(units[k]);
        if (i + n <= len && strncasecmp(t + i, units[k], n) == 0 &&
            (i + n == len || !isalpha((unsigned char)t[i + n])))
            return n;
    }
    return 0;
}

static bool word_before(const char *t, size_t i, const char *word)
{
    size_t n = strlen(word);
    while (i > 0 && t[i - 1] == ' ')
        i--;
    return i >= n && strncasecmp(t + i - n, word, n) == 0 &&
           (i == n || !isalpha((unsigned char)t[i - n - 1]));
}

/* "starting at", "starts at", "starting pay:", an aggregator's "From $62,000 a year" and the
 * like right before t[i]: only the lowest pay is stated. */
static bool from_before(const char *t, size_t i)
{
    static const char *const words[] = {"starting at",   "starts at",       "from",
                                        "starting pay",  "starting rate",   "starting salary",
                                        "starting wage", "beginning at"};
    while (i > 0 && t[i - 1] == ' ')
        i--;
    if (i > 0 && t[i - 1] == ':')
        i--;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (word_before(t, i, words[k]))
            return true;
    return false;
}

/* ---- amounts in words: "between forty-five and fifty-two dollars an hour" ---- */

static const char *const small_words[] = {
    "zero",    "one",     "two",       "three",    "four",     "five",    "six",
    "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
static const char *const tens_words[] = {"twenty", "thirty",  "forty",  "fifty",
                                         "sixty",  "seventy", "eighty", "ninety"};

/* The length of the word at t[i] when it is w (whole word), else 0. */
static size_t word_is(const char *t, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i + n <= len && strncasecmp(t + i, w, n) == 0 &&
                   (i + n == len || !isalpha((unsigned char)t[i + n]))
               ? n
               : 0;
}

/* The words w right after t[i], past spaces and commas: "$63,511 and up", "$31.25 per hour,
 * to start" state only the lowest pay. */
static bool word_after(const char *t, size_t len, size_t i, const char *w)
{
    while (i < len && (t[i] == ' ' || t[i] == ','))
        i++;
    return word_is(t, len, i, w) > 0;
}

/*
 * A number written in words at t[i] ("forty-five", "two hundred sixty", "three hundred
 * thousand"): bytes used, 0 when none; *thousands when it ends in "thousand".
 */
static size_t number_words(const char *t, size_t len, size_t i, double *out, bool *thousands)
{
    double total = 0, cur = 0;
    size_t j = i, end = i;
    bool any = false;
    *thousands = false;
    for (int words = 0; words < 8 && j < len; words++) {
        size_t n = 0;
        for (size_t k = 0; !n && k < sizeof small_words / sizeof small_words[0]; k++)
            if ((n = word_is(t, len, j, small_words[k])) > 0)
                cur += (double)k;
        for (size_t k = 0; !n && k < sizeof tens_words / sizeof tens_words[0]; k++)
            if ((n = word_is(t, len, j, tens_words[k])) > 0)
                cur += 20.0 + 10.0 * (double)k;
        if (!n && any && (n = word_is(t, len, j, "hundred")) > 0)
            cur = (cur > 0 ? cur : 1) * 100;
        if (!n && any && (n = word_is(t, len, j, "thousand")) > 0) {
            total = (total + (cur > 0 ? cur : 1)) * 1000;
            cur = 0;
            *thousands = true;
        } else if (n) {
            *thousands = false;
        }
        if (!n)
            break;
        any = true;
        end = j + n;
        j = end;
        if (j < len && (t[j] == '-' || t[j] == ' '))
            j++;
    }
    *out = total + cur;
    return any ? end - i : 0;
}

/* "[between] W (and|to|-) W dollars" or "W dollars" at t[i]: an amount; false when none. */
static bool words_amount_at(const struct scan *s, size_t i, struct amount *a)
{
    const char *t = s->text.data;
    size_t len = s->body_end, n, j;
    bool k1, k2;
    memset(a, 0, sizeof *a);
    if (i > 0 && isalpha((unsigned char)t[i - 1]))
        return false;
    if (!(n = number_words(t, len, i, &a->min, &k1)) || a->min <= 0)
        return false;
    a->start = i;
    a->max = a->min;
    j = i + n;
    while (j < len && t[j] == ' ')
        j++;
    size_t sep = word_is(t, len, j, "and") ? 3 : word_is(t, len, j, "to") ? 2 : 0;
    double second = 0;
    if (sep) {
        size_t k = j + sep;
        while (k < len && t[k] == ' ')
            k++;
        if ((n = number_words(t, len, k, &second, &k2)) > 0 && second > 0) {
            if (k2 && !k1 && second >= 1000 && a->min < 1000)
                a->min *= 1000; /* "two hundred sixty and three hundred thousand" */
            a->max = second;
            a->range = true;
            j = k + n;
            while (j < len && t[j] == ' ')
                j++;
        }
    }
    if (!(n = word_is(t, len, j, "dollars")) || a->min > a->max)
        return false;
    a->end = j + n;
    a->dollar = true;
    a->up_to = !a->range && word_before(t, a->start, "up to");
    a->from = !a->range && from_before(t, a->start);
    return true;
}

/* True when a clock time (":30") or a unit of time follows a number at t[i]: "8:00",
 * "25-30 minutes per chart", "40 hours a week" count time, not money. */
static bool counts_time(const char *t, size_t len, size_t i)
{
    static const char *const units[] = {"minute", "min", "hour", "hr", "day", "week", "month", "year"};
    if (i + 1 < len && t[i] == ':' && isdigit((unsigned char)t[i + 1]))
        return true;
    while (i < len && (t[i] == ' ' || t[i] == '-'))
        i++;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        size_t n = strlen(units[k]);
        if (i + n <= len && strncasecmp(t + i, units[k], n) == 0) {
            size_t e = i + n + (i + n < len && (t[i + n] | 32) == 's');
            if (e >= len || !isalpha((unsigned char)t[e]))
                return true;
        }
    }
    return false;
}

/* An amount or a range starting at t[i] (after any "$"); false when none. */
static bool amount_at(const struct scan *s, size_t i, struct amount *a)
{
    const char *t = s->text.data;
    size_t len = s->body_end, n;
    memset(a, 0, sizeof *a);
    /* inside a number, or the minutes of a clock time ("8:00-4:30") */
    if (i > 0 && (isdigit((unsigned char)t[i - 1]) || t[i - 1] == '.' || t[i - 1] == ',' ||
                  t[i - 1] == ':'))
        return false;
    size_t sign = i > 0 && t[i - 1] == '$'                      ? 1 /* "$85,000" */
                  : i > 1 && t[i - 1] == ' ' && t[i - 2] == '$' ? 2 /* "$ 85,000" */
                  : i > 3 && strncmp(t + i - 4, "USD ", 4) == 0 ? 4 /* "USD 85,000" */
                                                                : 0;
    a->dollar = sign > 0;
    a->start = i - sign;
    if (!(n = number(t, len, i, &a->min)))
        return false;
    a->max = a->min;
    a->end = i + n;
    size_t unit = period_suffix(t, len, a->end); /* "$20/hr - $23/hr" */
    size_t sep = range_sep(t, len, a->end + unit);
    if (sep) {
        size_t j = a->end + unit + sep;
        bool dollar2 = j < len && t[j] == '$';
        double second;
        if ((n = number(t, len, j + dollar2, &second)) > 0 &&
            (!a->dollar || dollar2 || second >= a->min)) {
            if (second >= 1000 && a->min < 1000 && (t[j + dollar2 + n - 1] | 32) == 'k')
                a->min *= 1000;
            a->max = second;
            a->end = j + dollar2 + n;
            a->range = true;
        }
    }
    for (size_t k = a->end; k < a->end + USD_AFTER && k + 3 <= len; k++)
        if (memcmp(t + k, "USD", 3) == 0)
            a->dollar = true;
    a->up_to = !a->range && word_before(t, a->start, "up to");
    a->from = !a->range && (from_before(t, a->start) || word_after(t, len, a->end + unit, "and up"));
    return a->dollar || !counts_time(t, len, a->end);
}

/* True when text[a..b) ends a sentence (". " before a capital): the period phrase belongs to
 * the next sentence. Line breaks do not count: "$79,263 - $151,800\n\nper year". */
static bool sentence_end(const struct scan *s, size_t a, size_t b)
{
    const char *t = s->text.data;
    for (size_t i = a; i + 2 < b; i++)
        if (t[i] == '.' && t[i + 1] == ' ' && isupper((unsigned char)t[i + 2]))
            return true;
    return false;
}

/*
 * A pay heading over the line of the amount: "Per visit rates:\nEval $125 ...", "Pay per
 * visit\nEvaluation / Start of Care  $140". text[from..to) is an optional colon, one line break
 * (or "|") and at most a short label before the amount.
 */
static bool heading_over(const struct scan *s, size_t from, size_t to)
{
    enum { LABEL_MAX = 32 };
    const char *t = s->text.data;
    while (from < to && t[from] == ' ')
        from++;
    if (from < to && t[from] == ':')
        from++;
    while (from < to && (t[from] == ' ' || t[from] == '\r'))
        from++;
    size_t mark = from < to ? scan_line_mark(s, from) : 0;
    if (mark == 0)
        return false;
    from += mark;
    while (from < to && (t[from] == ' ' || t[from] == '\t'))
        from++;
    for (size_t i = from; i < to; i++)
        if (scan_line_mark(s, i))
            return false;
    return to - from <= LABEL_MAX;
}

/* The nearest salary rule match of the given kind around a; its distance, or -1. */
static long near(const struct sal_scan *ss, const struct amount *a, int value, double before,
                 double after, const struct match **out)
{
    long best = -1;
    for (size_t k = 0; k < ss->n; k++) {
        const struct match *m = ss->m[k];
        const struct rule *r = &ss->s->c->rules[m->rule];
        if (!(value < 0 ? r->value < SAL_CONTEXT : r->value == value))
            continue;
        long d = -1;
        if (m->end <= a->start && a->start - m->end <= before &&
            (scan_same_clause(ss->s, m->end, a->start) || heading_over(ss->s, m->end, a->start)))
            d = (long)(a->start - m->end);
        else if (m->start >= a->end && m->start - a->end <= after &&
                 !sentence_end(ss->s, a->end, m->start))
            d = (long)(m->start - a->end);
        else if (m->start < a->end && a->start < m->end)
            d = 0;
        if (d >= 0 && (best < 0 || d < best)) {
            best = d;
            *out = m;
        }
    }
    return best;
}

/* A "bonus" or "per visit" next to a: in the same clause, with no other amount in between
 * ("$80,000/yr - $95,000/yr plus a $10,000 sign-on bonus" is still pay). */
/* True when a salary phrase lies within text[from..to): a period (context false) or a pay
 * label (context true). */
static bool phrase_within(const struct sal_scan *ss, size_t from, size_t to, bool context)
{
    for (size_t k = 0; k < ss->n; k++) {
        const struct match *m = ss->m[k];
        int v = ss->s->c->rules[m->rule].value;
        if ((context ? v == SAL_CONTEXT : v < SAL_CONTEXT) && m->start >= from && m->end <= to)
            return true;
    }
    return false;
}

static bool skip_applies(const struct sal_scan *ss, const struct amount *a,
                         const struct match *skip)
{
    const struct scan *s = ss->s;
    size_t from = skip->end <= a->start ? skip->end : a->end;
    size_t to = skip->end <= a->start ? a->start : skip->start;
    if (to > from && memchr(s->text.data + from, '$', to - from))
        return false;
    /* "$5,000 sign-on bonus | Pay up to $52/hr": a pay label after the bonus starts what the
       amount is */
    if (skip->end <= a->start && to > from && phrase_within(ss, from, to, true))
        return false;
    if (skip->start >= a->end && to > from) {
        /* "$72,000 - $88,000 per year plus annual bonus": the amount's own period or a
           "plus" comes first, so the bonus is something added to it */
        if (phrase_within(ss, from, to, false))
            return false;
        for (size_t i = from; i < to; i++)
            if (s->text.data[i] == '+' ||
                (i + 4 <= to && strncasecmp(s->text.data + i, "plus", 4) == 0))
                return false;
    }
    return scan_same_clause(s, from, to);
}

/* True when text[a..b) holds a letter. */
static bool letters_between(const struct scan *s, size_t a, size_t b)
{
    for (size_t i = a; i < b && i < s->text.len; i++)
        if (isalpha((unsigned char)s->text.data[i]))
            return true;
    return false;
}

static bool plausible(double v, enum pay_period p)
{
    /* none, hour, week, month, year, day, visit, review, unit */
    static const double lo[PERIOD_COUNT] = {0, 5, 100, 500, 10000, 40, 10, 2, 2};
    static const double hi[PERIOD_COUNT] = {0, 1000, 20000, 100000, 5000000, 5000, 2000, 2000, 1000};
    return v >= lo[p] && v <= hi[p];
}

static bool visit_type_near(const struct scan *s, size_t a, size_t b);

/* A figure with no period of its own that a kind of visit labels ("SLP evaluation: $150"), in
 * a posting that states pay per visit somewhere ("Part-time, per visit"): a visit rate. */
static bool visit_rate(const struct sal_scan *ss, const struct amount *a)
{
    if (!a->dollar || a->range || !visit_type_near(ss->s, a->start, a->end))
        return false;
    for (size_t k = 0; k < ss->n; k++)
        if (ss->s->c->rules[ss->m[k]->rule].value == PERIOD_VISIT)
            return true;
    return false;
}

/* Decide whether a is pay; fills sal and the evidence span. */
static bool accept(const struct sal_scan *ss, const struct amount *a, struct salary *sal,
                   size_t *ev_a, size_t *ev_b)
{
    const struct scan *s = ss->s;
    const struct csettings *set = &s->c->set;
    const struct match *per = NULL, *ctx = NULL, *skip = NULL;
    bool has_period = near(ss, a, -1, set->salary_before, set->salary_after, &per) >= 0;
    bool has_ctx = near(ss, a, SAL_CONTEXT, set->salary_before, 0, &ctx) >= 0;
    if (near(ss, a, SAL_SKIP, SKIP_BEFORE, SKIP_AFTER, &skip) >= 0 && skip_applies(ss, a, skip))
        return false;
    /* without "$", a period counts only right after the amount: "40-50 an hour" is pay,
       "50-70 inbound calls a day" is not */
    bool direct = has_period && per->start >= a->end && !letters_between(s, a->end, per->start);
    if (a->dollar ? !(has_period || has_ctx || a->range)
                  : !(a->range && ((has_period && direct) || has_ctx)))
        return false;
    enum pay_period period = has_period        ? (enum pay_period)s->c->rules[per->rule].value
                             : visit_rate(ss, a) ? PERIOD_VISIT
                             : a->max >= 15000 ? PERIOD_YEAR
                             : a->max >= 5 && a->max <= 300 ? PERIOD_HOUR
                                                            : PERIOD_NONE;
    if (period == PERIOD_NONE || !plausible(a->max, period) ||
        (a->min > 0 && !a->up_to && !plausible(a->min, period)) || a->min > a->max)
        return false;
    sal->min = a->up_to ? 0 : a->min;
    size_t after = per && per->start >= a->end ? per->end : a->end;
    bool from = a->from || (!a->range && word_after(s->text.data, s->body_end, after, "to start"));
    sal->max = from ? 0 : a->max;
    sal->period = period;
    salary_update_annual(sal);
    *ev_a = ctx && ctx->start < a->start ? ctx->start : a->start;
    *ev_b = per && per->end > a->end ? per->end : a->end;
    return true;
}

static int from_hint(const struct scan *s, struct posting *p)
{
    char phrase[96];
    p->salary = p->salary_hint;
    salary_update_annual(&p->salary);
    snprintf(phrase, sizeof phrase, "structured salary %.2f-%.2f per %s", p->salary.min,
             p->salary.max, period_name(p->salary.period));
    /* the structured fields sit at hint_start in the layout; the amount itself is not text */
    int rc = posting_add_evidence(p, TAG_SALARY, period_name(p->salary.period), phrase,
                                  strlen(phrase), s->hint_start);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

/* Where the paragraph around text[at..end) starts and ends (a blank line ends one), within
 * *from..*to. */
static void paragraph(const struct scan *s, size_t at, size_t end, size_t *from, size_t *to)
{
    const char *t = s->text.data;
    for (size_t i = at; i > *from + 1; i--)
        if (t[i - 1] == '\n' && t[i - 2] == '\n') {
            *from = i;
            break;
        }
    for (size_t i = end; i + 1 < *to; i++)
        if (t[i] == '\n' && t[i + 1] == '\n') {
            *to = i;
            break;
        }
}

/*
 * One of words[] named within reach bytes of text[a..b), at a word start: case-insensitive
 * and as a prefix ("eval" finds "evaluation"), or, with whole, as written and as a whole word
 * ("PT" is not "PTO").
 */
static bool named_near(const struct scan *s, size_t a, size_t b, size_t reach,
                       const char *const *words, size_t n_words, bool whole)
{
    const char *t = s->text.data;
    size_t from = a > s->body_start + reach ? a - reach : s->body_start;
    size_t to = b + reach < s->body_end ? b + reach : s->body_end;
    for (size_t i = from; i < to; i++) {
        if (i > 0 && isalnum((unsigned char)t[i - 1]))
            continue; /* word starts only */
        for (size_t k = 0; k < n_words; k++) {
            size_t n = strlen(words[k]);
            if (i + n > to)
                continue;
            if (whole ? memcmp(t + i, words[k], n) == 0 && !isalnum((unsigned char)t[i + n])
                      : strncasecmp(t + i, words[k], n) == 0)
                return true;
        }
    }
    return false;
}

/* A kind of visit named near text[a..b): "Routine $80", "$125 per start of care", "Eval: $110". */
static bool visit_type_near(const struct scan *s, size_t a, size_t b)
{
    static const char *const kinds[] = {"routine",   "eval",      "admission", "admit",
                                        "start of care", "soc",   "recert",    "discharge",
                                        "resumption", "oasis",    "weekend",   "revisit",
                                        "follow-up", "supervisory", "telehealth"};
    return named_near(s, a, b, VISIT_TYPE_REACH, kinds, sizeof kinds / sizeof kinds[0], false);
}

/* A role or a pay tier named near text[a..b): "PT $41-$55/hr", "PTAs: $29-$34 per hour",
 * "$30.00/hr for LPNs", "Level II $42/hr". */
static bool role_near(const struct scan *s, size_t a, size_t b)
{
    static const char *const roles[] = {"PT",   "PTs",   "OT",   "OTs",   "SLP",  "SLPs",
                                        "PTA",  "PTAs",  "COTA", "COTAs", "OTA",  "OTAs",
                                        "SLPA", "SLPAs", "RN",   "RNs",   "LPN",  "LPNs",
                                        "LVN",  "LVNs",  "CNA",  "CNAs",  "Tier", "tier",
                                        "Level", "level"};
    return named_near(s, a, b, ROLE_REACH, roles, sizeof roles / sizeof roles[0], true);
}

/*
 * The next "$" amount or range starting in text[*i..to) that is another rate of a list: not
 * next to a bonus, with a period near it (*per), not the amount at `first`. *i moves past it.
 */
static bool next_rate(const struct sal_scan *ss, size_t *i, size_t to, size_t first,
                      struct amount *a, const struct match **per)
{
    const struct scan *s = ss->s;
    const struct csettings *set = &s->c->set;
    const char *t = s->text.data;
    for (; *i < to; (*i)++) {
        const struct match *skip = NULL;
        if (!isdigit((unsigned char)t[*i]) || (*i > 0 && isdigit((unsigned char)t[*i - 1])) ||
            !amount_at(s, *i, a))
            continue;
        size_t next = a->end > *i ? a->end : *i + 1;
        *per = NULL;
        if (!a->dollar || a->up_to || a->from || a->start == first ||
            (near(ss, a, SAL_SKIP, SKIP_BEFORE, SKIP_AFTER, &skip) >= 0 &&
             skip_applies(ss, a, skip))) {
            *i = next - 1; /* the loop steps on to next */
            continue;
        }
        near(ss, a, -1, set->salary_before, set->salary_after, per);
        *i = next;
        return true;
    }
    return false;
}

static void widen(struct salary *sal, double lo, double hi)
{
    if (lo < sal->min)
        sal->min = lo;
    if (hi > sal->max)
        sal->max = hi;
}

/*
 * Whether amount a (its period match per, or NULL) is another rate of a list of rates per
 * visit or per review. A visit rate names its kind of visit nearby and has no period of its
 * own other than a visit; a review rate states its own "per review" after the figure.
 */
static bool listed_rate(const struct scan *s, const struct amount *a, const struct match *per,
                        enum pay_period period)
{
    if (a->range || !plausible(a->max, period))
        return false;
    if (period == PERIOD_VISIT)
        return (!per || s->c->rules[per->rule].value == PERIOD_VISIT) &&
               visit_type_near(s, a->start, a->end);
    return per && s->c->rules[per->rule].value == (int)period && per->end > a->start;
}

/*
 * Rates per visit are often listed by visit type ("Eval $125 · Routine $80 · Discharge $90"),
 * rates per review by kind of case ("$60 per review for standard cases; $95 per review for
 * expedited cases"): the other "$" figures of the paragraph around the first that read as
 * such rates (listed_rate) widen it to the lowest and the highest. A figure next to a bonus
 * is not one of them.
 */
static void extend_list(const struct sal_scan *ss, struct salary *sal, size_t at, size_t end)
{
    const struct scan *s = ss->s;
    size_t from = at > s->body_start + VISIT_BEFORE ? at - VISIT_BEFORE : s->body_start;
    size_t to = end + VISIT_AFTER < s->body_end ? end + VISIT_AFTER : s->body_end;
    struct amount a;
    const struct match *per;
    paragraph(s, at, end, &from, &to);
    for (size_t i = from; next_rate(ss, &i, to, at, &a, &per);)
        if (listed_rate(s, &a, per, sal->period))
            widen(sal, a.max, a.max);
}

/*
 * Rates listed by role or by pay tier on one line ("PT $41-$55/hr · OT $39-$52/hr · SLP
 * $38-$50/hr", "Level I $38/hr, Level II $42/hr") give the range from the lowest to the
 * highest: the other "$" figures of the line widen the first when it and each of them name a
 * role or tier nearby and have the same period.
 */
static void extend_roles(const struct sal_scan *ss, struct salary *sal, size_t at, size_t end)
{
    const struct scan *s = ss->s;
    const char *t = s->text.data;
    if (sal->min <= 0 || sal->max <= 0 || !role_near(s, at, end))
        return;
    size_t from = at, to = end;
    while (from > s->body_start && t[from - 1] != '\n')
        from--;
    while (to < s->body_end && t[to] != '\n')
        to++;
    struct amount a;
    const struct match *per;
    for (size_t i = from; next_rate(ss, &i, to, at, &a, &per);) {
        if (a.min <= 0 || !per || s->c->rules[per->rule].value != (int)sal->period ||
            !plausible(a.max, sal->period) || !plausible(a.min, sal->period) ||
            !role_near(s, a.start, a.end))
            continue;
        widen(sal, a.min, a.max);
    }
    salary_update_annual(sal);
}

static int found(const struct scan *s, struct posting *p, const struct salary *sal, size_t a,
                 size_t b)
{
    p->salary = *sal;
    int rc =
        posting_add_evidence(p, TAG_SALARY, period_name(sal->period), s->text.data + a, b - a, a);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

/* Stretches of text where an amount may start (after "$", near pay words, before "USD"). */
struct windows {
    size_t (*w)[2];
    size_t n, cap;
};

static void window_add(struct windows *w, size_t a, size_t b, size_t limit)
{
    if (w->n < w->cap && a < limit)
        w->w[w->n][0] = a, w->w[w->n][1] = b < limit ? b : limit, w->n++;
}

/*
 * Order the windows by start, keeping the order of equal starts (as glibc's merge sort did).
 * They come as two runs already in order ("$" signs, then the pay words' windows), so an
 * insertion sort does little more than merge them, and needs no calls.
 */
static void windows_sort(struct windows *w)
{
    for (size_t i = 1; i < w->n; i++) {
        size_t a = w->w[i][0], b = w->w[i][1], j = i;
        for (; j > 0 && w->w[j - 1][0] > a; j--) {
            w->w[j][0] = w->w[j - 1][0];
            w->w[j][1] = w->w[j - 1][1];
        }
        w->w[j][0] = a;
        w->w[j][1] = b;
    }
}

static void windows_find(const struct sal_scan *ss, struct windows *w)
{
    const struct scan *s = ss->s;
    const char *t = s->text.data, *p = t, *end = t + s->body_end;
    size_t before = (size_t)s->c->set.salary_before;
    while (p < end && (p = memchr(p, '$', (size_t)(end - p))) != NULL) {
        window_add(w, (size_t)(p - t) + 1, (size_t)(p - t) + 3, s->body_end);
        p++;
    }
    /* after a pay label ("Salary: 85,000 - 95,000"), before a period or "USD" */
    for (size_t k = 0; k < ss->n; k++) {
        const struct match *m = ss->m[k];
        if (ss->s->c->rules[m->rule].value == SAL_CONTEXT)
            window_add(w, m->end, m->end + before, s->body_end);
        window_add(w, m->start > before ? m->start - before : 0, m->start, s->body_end);
    }
    windows_sort(w);
}

int salary_decide(const struct scan *s, struct posting *p)
{
    if (p->salary_hint.period != PERIOD_NONE && (p->salary_hint.min > 0 || p->salary_hint.max > 0))
        return from_hint(s, p);
    struct sal_scan ss = {s, malloc((s->m_len + 1) * sizeof *ss.m), 0};
    struct windows w = {malloc(MAX_CANDIDATES * sizeof *w.w), 0, MAX_CANDIDATES};
    int rc = ss.m && w.w ? URS_OK : URS_ENOMEM;
    for (size_t k = 0; k < s->m_len && rc == URS_OK; k++)
        if (!s->m[k].dropped && s->m[k].tag == CT_SALARY &&
            s->c->rules[s->m[k].rule].weight > 0)
            ss.m[ss.n++] = &s->m[k];
    if (rc == URS_OK)
        windows_find(&ss, &w);
    const char *t = s->text.data;
    size_t i = 0, tried = 0;
    for (size_t k = 0; k < w.n && rc == URS_OK && tried < MAX_CANDIDATES; k++) {
        for (i = i > w.w[k][0] ? i : w.w[k][0]; i < w.w[k][1]; i++) {
            struct amount a;
            struct salary sal = {0};
            size_t ev_a, ev_b;
            if (!isdigit((unsigned char)t[i]) || !amount_at(s, i, &a))
                continue;
            if ((a.dollar || a.range) && tried++ < MAX_CANDIDATES &&
                accept(&ss, &a, &sal, &ev_a, &ev_b)) {
                bool list = sal.period == PERIOD_VISIT || sal.period == PERIOD_REVIEW;
                if (list && sal.min > 0 && sal.min == sal.max)
                    extend_list(&ss, &sal, a.start, a.end);
                else if (sal.period != PERIOD_VISIT)
                    extend_roles(&ss, &sal, a.start, a.end);
                rc = found(s, p, &sal, ev_a, ev_b);
                k = w.n;
                break;
            }
            i = a.end > i ? a.end - 1 : i;
        }
    }
    /* no figure: an amount in words before "dollars", looked for before a period ("...
       dollars an hour") or after a pay word ("The salary is between eighty and ninety-five
       thousand dollars") */
    for (size_t k = 0; rc == URS_OK && p->salary.period == PERIOD_NONE && ss.m && k < ss.n; k++) {
        const struct match *m = ss.m[k];
        int v = s->c->rules[m->rule].value;
        if (v == SAL_SKIP)
            continue;
        size_t from = v == SAL_CONTEXT ? m->end : m->start > WORDS_SPAN ? m->start - WORDS_SPAN : 0;
        size_t to = v == SAL_CONTEXT ? m->end + WORDS_SPAN : m->start;
        for (size_t at = from; at < to && at < s->body_end && rc == URS_OK; at++) {
            struct amount a;
            struct salary sal = {0};
            size_t ev_a, ev_b;
            if (isalpha((unsigned char)t[at]) && (at == 0 || !isalpha((unsigned char)t[at - 1])) &&
                words_amount_at(s, at, &a) && accept(&ss, &a, &sal, &ev_a, &ev_b)) {
                rc = found(s, p, &sal, ev_a, ev_b);
                break;
            }
        }
    }
    free(ss.m);
    free(w.w);
    return rc;
}
