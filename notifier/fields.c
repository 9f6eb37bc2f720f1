/* SPDX-License-Identifier: MIT */
/* How a posting's fields read in a digest: salary, licence, schedule, mode, age, filters. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/utf8.h"
#include "notifier/notifier_int.h"

#define STATES_SHOWN 8 /* licence states listed before "and N more" */

/* "$70,000" or "$45.50": whole dollars with thousands separators, cents when not whole. */
static int money(struct sbuf *out, double v)
{
    if (!(v > 0) || v > 1e9)
        return sbuf_puts(out, "?");
    double whole = floor(v);
    long long w = (long long)whole;
    int cents = (int)lround((v - whole) * 100);
    if (cents == 100) {
        w++;
        cents = 0;
    }
    char digits[32], grouped[48];
    int n = snprintf(digits, sizeof digits, "%lld", w);
    size_t g = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    if (cents)
        return sbuf_printf(out, "$%s.%02d", grouped, cents);
    return sbuf_printf(out, "$%s", grouped);
}

static const char *period_words(enum pay_period p)
{
    switch (p) {
    case PERIOD_HOUR:
        return " an hour";
    case PERIOD_WEEK:
        return " a week";
    case PERIOD_MONTH:
        return " a month";
    case PERIOD_YEAR:
        return " a year";
    case PERIOD_DAY:
        return " a day";
    case PERIOD_VISIT:
        return " a visit";
    case PERIOD_REVIEW:
        return " a review";
    case PERIOD_UNIT:
        return " a unit";
    default:
        return "";
    }
}

int notify_fmt_salary(struct sbuf *out, const struct salary *s)
{
    int rc = URS_OK;
    if (s->min > 0 && s->max > 0 && fabs(s->max - s->min) >= 0.005) {
        rc = money(out, s->min);
        if (rc == URS_OK)
            rc = sbuf_puts(out, "\xe2\x80\x93"); /* en dash */
        if (rc == URS_OK)
            rc = money(out, s->max);
    } else if (s->min > 0 || s->max > 0) {
        if (s->min <= 0)
            rc = sbuf_puts(out, "up to ");
        else if (s->max <= 0)
            rc = sbuf_puts(out, "from "); /* "starting at $X": no maximum stated */
        if (rc == URS_OK)
            rc = money(out, s->min > 0 ? s->min : s->max);
    } else if (s->annual > 0) {
        rc = money(out, s->annual);
        return rc == URS_OK ? sbuf_puts(out, " a year") : rc;
    } else {
        return URS_OK;
    }
    return rc == URS_OK ? sbuf_puts(out, period_words(s->period)) : rc;
}

int notify_fmt_states(struct sbuf *out, uint64_t states)
{
    if (states & (1ULL << STATE_ANY))
        return sbuf_puts(out, "any US state");
    int rc = URS_OK;
    size_t shown = 0, total = 0;
    for (int i = 0; i < STATE_COMPACT; i++) {
        if (!(states & (1ULL << i)))
            continue;
        total++;
        if (shown < STATES_SHOWN) {
            rc = sbuf_printf(out, "%s%s", shown ? ", " : "", state_code(i));
            shown++;
        }
    }
    if (rc == URS_OK && total > shown)
        rc = sbuf_printf(out, " and %zu more", total - shown);
    if (rc == URS_OK && (states & (1ULL << STATE_COMPACT)))
        rc = sbuf_puts(out, shown ? ", or a compact licence" : "compact licence");
    return rc;
}

int notify_fmt_schedule(struct sbuf *out, uint32_t schedule)
{
    static const char *const names[SCHED_COUNT] = {"Full-time", "Part-time", "PRN (per diem)",
                                                   "Contract"};
    int rc = URS_OK;
    bool first = true;
    for (int i = 0; i < SCHED_COUNT && rc == URS_OK; i++) {
        if (schedule & (1u << i)) {
            rc = sbuf_printf(out, "%s%s", first ? "" : ", ", names[i]);
            first = false;
        }
    }
    return rc;
}

const char *notify_mode_label(enum work_mode m)
{
    switch (m) {
    case MODE_REMOTE:
        return "Remote";
    case MODE_HYBRID:
        return "Hybrid";
    case MODE_ONSITE:
        return "On-site";
    default:
        return "";
    }
}

int notify_fmt_age(struct sbuf *out, int64_t now, int64_t posted_at, int64_t first_seen)
{
    int64_t at = posted_at > 0 && posted_at <= now ? posted_at : first_seen;
    const char *verb = posted_at > 0 && posted_at <= now ? "posted" : "found";
    int64_t days = at > 0 && now > at ? (now - at) / 86400 : 0;
    if (days == 0)
        return sbuf_printf(out, "%s today", verb);
    if (days == 1)
        return sbuf_printf(out, "%s yesterday", verb);
    if (days < 28)
        return sbuf_printf(out, "%s %lld days ago", verb, (long long)days);
    return sbuf_printf(out, "%s %lld weeks ago", verb, (long long)(days / 7));
}

int notify_fmt_date(struct sbuf *out, int64_t t)
{
    static const char months[12][10] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return sbuf_puts(out, "?");
    return sbuf_printf(out, "%d %s %d", tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900);
}

static int list_bits(struct sbuf *out, uint32_t bits, int count, const char *(*name)(int),
                     const char *sep)
{
    int rc = URS_OK;
    bool first = true;
    for (int i = 0; i < count && rc == URS_OK; i++) {
        if (bits & (1u << i)) {
            rc = sbuf_printf(out, "%s%s", first ? "" : sep, name(i));
            first = false;
        }
    }
    return rc;
}

static const char *disc_at(int i)
{
    return disc_name((enum disc)i);
}

static const char *mode_at(int i)
{
    const char *label = notify_mode_label((enum work_mode)i);
    return *label ? label : "mode not stated";
}

static const char *sched_at(int i)
{
    return sched_name((enum sched)i);
}

/* Append " · " between parts. */
static int part(struct sbuf *out, size_t *parts)
{
    return (*parts)++ ? sbuf_puts(out, " \xc2\xb7 ") : URS_OK;
}

int notify_fmt_filters(struct sbuf *out, const struct db_subscriber *s)
{
    size_t parts = 0;
    int rc = URS_OK;
    if (s->disciplines && (rc = part(out, &parts)) == URS_OK)
        rc = list_bits(out, s->disciplines, DISC_COUNT, disc_at, " or ");
    if (rc == URS_OK && s->modes && (rc = part(out, &parts)) == URS_OK)
        rc = list_bits(out, s->modes, MODE_COUNT, mode_at, " or ");
    if (rc == URS_OK && s->schedules && (rc = part(out, &parts)) == URS_OK)
        rc = list_bits(out, s->schedules, SCHED_COUNT, sched_at, " or ");
    if (rc == URS_OK && s->states && (rc = part(out, &parts)) == URS_OK) {
        rc = sbuf_puts(out, "licence ");
        if (rc == URS_OK)
            rc = notify_fmt_states(out, s->states);
    }
    if (rc == URS_OK && s->min_salary > 0 && (rc = part(out, &parts)) == URS_OK) {
        rc = sbuf_puts(out, "at least ");
        if (rc == URS_OK)
            rc = money(out, s->min_salary);
        if (rc == URS_OK)
            rc = sbuf_puts(out, " a year");
    }
    if (rc == URS_OK && s->keywords && *s->keywords && (rc = part(out, &parts)) == URS_OK)
        rc = sbuf_printf(out, "keywords \xe2\x80\x9c%.*s\xe2\x80\x9d",
                         (int)utf8_boundary(s->keywords, strlen(s->keywords), 120), s->keywords);
    if (rc == URS_OK && s->exclude_employers && *s->exclude_employers &&
        (rc = part(out, &parts)) == URS_OK)
        rc = sbuf_puts(out, "some employers left out");
    if (rc == URS_OK && parts == 0)
        rc = sbuf_puts(out, "every new posting (no filters)");
    return rc;
}

int notify_filters_text(struct sbuf *out, const struct db_subscriber *s)
{
    return notify_fmt_filters(out, s);
}
