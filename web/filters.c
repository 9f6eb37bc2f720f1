/* SPDX-License-Identifier: MIT */
/* The filter and schedule fields of a subscriber's form, shared by /p/TOKEN and /signup. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/posting.h"
#include "common/text.h"
#include "common/utf8.h"
#include "db/db.h"
#include "web/web_int.h"

/* The same bounds as `urscout subscriber` (cli/cmd_subscriber.c). */
#define EXCLUDE_MAX       20
#define EXCLUDE_MAX_BYTES 200
#define SALARY_MAX        10000000

struct choice {
    const char *field; /* form field name */
    const char *label;
    int count;
    const char *(*name)(int);
};

static const char *disc_n(int i)
{
    return disc_name((enum disc)i);
}
static const char *mode_n(int i)
{
    return work_mode_name((enum work_mode)i);
}
static const char *sched_n(int i)
{
    return sched_name((enum sched)i);
}

static const struct choice choices[] = {
    {"discipline", "Disciplines", DISC_COUNT, disc_n},
    {"mode", "Work mode", MODE_COUNT, mode_n},
    {"schedule", "Schedule", SCHED_COUNT, sched_n},
};

static uint64_t *choice_bits(struct db_subscriber *s, size_t i, uint64_t *tmp)
{
    *tmp = i == 0 ? s->disciplines : i == 1 ? s->modes : s->schedules;
    return tmp;
}

static void set_choice_bits(struct db_subscriber *s, size_t i, uint64_t v)
{
    if (i == 0)
        s->disciplines = (uint32_t)v;
    else if (i == 1)
        s->modes = (uint32_t)v;
    else
        s->schedules = (uint32_t)v;
}

/* ---- reading the form (every field checked as the CLI checks it) ---- */

static int bad(char *why, size_t size, const char *fmt, ...) URS_PRINTF(3, 4);
static int bad(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return -1;
}

static int read_choices(const struct web_form *f, struct db_subscriber *s, char *why, size_t size)
{
    for (size_t c = 0; c < sizeof choices / sizeof choices[0]; c++) {
        uint64_t bits = 0;
        for (size_t i = 0; i < web_form_count(f, choices[c].field); i++) {
            const char *v = web_form_nth(f, choices[c].field, i);
            int k = -1;
            for (int j = 0; j < choices[c].count; j++)
                if (strcmp(v, choices[c].name(j)) == 0)
                    k = j;
            if (k < 0)
                return bad(why, size, "Unknown choice '%.40s'.", v);
            bits |= 1ULL << k;
        }
        set_choice_bits(s, c, bits);
    }
    return 0;
}

static int read_states(const char *v, struct db_subscriber *s, char *why, size_t size)
{
    s->states = 0;
    if (!v || !*v || strcasecmp(v, "any") == 0)
        return 0;
    for (const char *p = v; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        char item[8];
        int k = -1;
        if (n < sizeof item) {
            memcpy(item, p, n);
            item[n] = '\0';
            k = state_parse(item);
        }
        if (k < 0 || k >= STATE_COUNT)
            return bad(why, size,
                       "Unknown state '%.20s': use two-letter codes (TX, CA), COMPACT or ANY.", p);
        s->states |= 1ULL << k;
        p += n;
    }
    return 0;
}

/* A one-line text (cleaned); NULL when empty. -1 when too long. */
static int read_text(const char *v, size_t max, char **field)
{
    if (v && strlen(v) > max)
        return -1;
    char *clean = utf8_clean_dup(v ? v : "", UTF8_ONE_LINE, max, NULL);
    if (!clean)
        return -2;
    free(*field);
    *field = *clean ? clean : NULL;
    if (!*clean)
        free(clean);
    return 0;
}

static bool has_word(const char *s)
{
    for (; s && *s; s++)
        if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* One employer per line of the textarea, each cleaned; at most EXCLUDE_MAX. */
static int read_excludes(const char *v, struct db_subscriber *s, char *why, size_t size)
{
    struct sbuf out;
    sbuf_init(&out, EXCLUDE_MAX * (EXCLUDE_MAX_BYTES + 1));
    size_t lines = 0;
    int rc = 0;
    for (const char *p = v ? v : ""; *p && rc == 0;) {
        size_t n = strcspn(p, "\r\n");
        char line[EXCLUDE_MAX_BYTES + 1];
        if (n > EXCLUDE_MAX_BYTES) {
            rc = bad(why, size, "An excluded employer is over 200 bytes.%s", "");
            break;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        char *clean = utf8_clean_dup(line, UTF8_ONE_LINE, EXCLUDE_MAX_BYTES, NULL);
        if (!clean)
            rc = -2;
        else if (*clean && ++lines > EXCLUDE_MAX)
            rc = bad(why, size, "At most 20 excluded employers.%s", "");
        else if (*clean && sbuf_printf(&out, "%s%s", out.len ? "\n" : "", clean) != URS_OK)
            rc = -2;
        free(clean);
        p += n;
        p += strspn(p, "\r\n");
    }
    free(s->exclude_employers);
    s->exclude_employers = rc == 0 && out.len ? sbuf_take(&out) : NULL;
    sbuf_free(&out);
    return rc;
}

static int read_number(const char *v, long long min, long long max, long long *out)
{
    return v && text_parse_int(v, min, max, out) == URS_OK ? 0 : -1;
}

int web_filters_read(const struct web_form *f, struct db_subscriber *s, char *why, size_t size)
{
    long long n = 0;
    int rc = read_choices(f, s, why, size);
    if (rc == 0)
        rc = read_states(web_form_get(f, "states"), s, why, size);
    if (rc == 0 && read_number(web_form_get(f, "min_salary"), 0, SALARY_MAX, &n) != 0)
        rc = bad(why, size, "Minimum salary must be a whole number of dollars, 0 to 10000000.%s",
                 "");
    s->min_salary = rc == 0 ? (double)n : s->min_salary;
    const char *kw = web_form_get(f, "keywords");
    if (rc == 0 && kw && *kw && !has_word(kw))
        rc = bad(why, size, "The keywords hold no word to search for.%s", "");
    if (rc == 0 && (rc = read_text(kw, URS_MAX_QUERY, &s->keywords)) == -1)
        (void)bad(why, size, "The keywords are too long.%s", "");
    if (rc == 0)
        rc = read_excludes(web_form_get(f, "exclude"), s, why, size);
    int freq = db_frequency_parse(web_form_get(f, "frequency") ? web_form_get(f, "frequency") : "");
    if (rc == 0 && freq < 0)
        rc = bad(why, size, "Choose daily, weekly or monthly.%s", "");
    if (rc == 0)
        s->frequency = (enum db_frequency)freq;
    if (rc == 0 && read_number(web_form_get(f, "hour"), 0, 23, &n) != 0)
        rc = bad(why, size, "The hour must be 0 to 23.%s", "");
    if (rc == 0)
        s->send_hour = (int)n;
    const char *tz = web_form_get(f, "tz");
    if (rc == 0 && (!tz || strlen(tz) > WEB_TZ_MAX_BYTES || !notify_tz_valid(tz)))
        rc = bad(why, size, "Unknown time zone '%.64s': use a name like America/Chicago, or UTC.",
                 tz ? tz : "");
    if (rc == 0)
        rc = read_text(tz, WEB_TZ_MAX_BYTES, &s->time_zone);
    return rc;
}

/* ---- the page ---- */

static int checkbox(struct sbuf *b, const char *field, const char *value, bool on)
{
    int rc =
        sbuf_printf(b, "<label class=\"opt\"><input type=\"checkbox\" name=\"%s\" value=\"", field);
    if (rc == URS_OK)
        rc = web_esc(b, value);
    if (rc == URS_OK)
        rc = sbuf_printf(b, "\"%s> ", on ? " checked" : "");
    /* what a person reads: "full time", "not stated" */
    char shown[32];
    (void)snprintf(shown, sizeof shown, "%s", strcmp(value, "unknown") == 0 ? "not stated" : value);
    for (char *p = shown; *p; p++)
        *p = *p == '_' ? ' ' : *p;
    if (rc == URS_OK)
        rc = web_esc(b, shown);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</label>\n");
    return rc;
}

static int text_input(struct sbuf *b, const char *label, const char *field, const char *type,
                      const char *value, const char *note)
{
    int rc = sbuf_printf(b, "<label>%s<input type=\"%s\" name=\"%s\" value=\"", label, type, field);
    if (rc == URS_OK)
        rc = web_esc(b, value ? value : "");
    if (rc == URS_OK)
        rc = sbuf_printf(b, "\"></label>\n%s%s%s", note ? "<p class=\"note\">" : "",
                         note ? note : "", note ? "</p>\n" : "");
    return rc;
}

int web_filters_form(struct sbuf *b, struct db_subscriber *s)
{
    int rc = URS_OK;
    for (size_t c = 0; rc == URS_OK && c < sizeof choices / sizeof choices[0]; c++) {
        uint64_t bits;
        choice_bits(s, c, &bits);
        rc = sbuf_printf(b, "<fieldset><legend>%s</legend>\n", choices[c].label);
        for (int j = 0; rc == URS_OK && j < choices[c].count; j++)
            rc = checkbox(b, choices[c].field, choices[c].name(j), bits & (1ULL << j));
        if (rc == URS_OK)
            rc = sbuf_puts(b, "<p class=\"note\">None ticked: any.</p></fieldset>\n");
    }
    struct sbuf st;
    sbuf_init(&st, 512);
    for (int i = 0; rc == URS_OK && i < STATE_COUNT; i++)
        if (s->states & (1ULL << i))
            rc = sbuf_printf(&st, "%s%s", st.len ? ", " : "", state_code(i));
    char salary[32];
    (void)snprintf(salary, sizeof salary, "%.0f", s->min_salary);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<fieldset><legend>Filters</legend>\n");
    if (rc == URS_OK)
        rc = text_input(b, "Licence states", "states", "text", sbuf_str(&st),
                        "Two-letter codes separated by commas (TX, CA); COMPACT for compact "
                        "licences; empty for any.");
    sbuf_free(&st);
    if (rc == URS_OK)
        rc = text_input(b, "Minimum yearly salary ($)", "min_salary", "number", salary,
                        "0 for any.");
    if (rc == URS_OK)
        rc = text_input(b, "Keywords", "keywords", "text", s->keywords,
                        "Words that must all appear; commas separate alternatives.");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<label>Leave out these employers (one per line)"
                          "<textarea name=\"exclude\">");
    if (rc == URS_OK)
        rc = web_esc(b, s->exclude_employers ? s->exclude_employers : "");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</textarea></label>\n</fieldset>\n");
    return rc;
}

int web_schedule_form(struct sbuf *b, const struct db_subscriber *s, bool pause)
{
    static const char *const freqs[] = {"daily", "weekly", "monthly"};
    int rc = sbuf_puts(b, "<fieldset><legend>When</legend>\n<label>How often"
                          "<select name=\"frequency\">\n");
    for (int i = 0; rc == URS_OK && i < 3; i++)
        rc = sbuf_printf(b, "<option value=\"%s\"%s>%s</option>\n", freqs[i],
                         (int)s->frequency == i ? " selected" : "", freqs[i]);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</select></label>\n<p class=\"note\">Weekly digests come on Mondays, "
                          "monthly ones on the 1st.</p>\n");
    char hour[8];
    (void)snprintf(hour, sizeof hour, "%d", s->send_hour);
    if (rc == URS_OK)
        rc = text_input(b, "Hour (0-23)", "hour", "number", hour, NULL);
    if (rc == URS_OK)
        rc = text_input(b, "Time zone", "tz", "text", s->time_zone ? s->time_zone : "UTC",
                        "For example America/Chicago.");
    if (rc == URS_OK && pause)
        rc = sbuf_printf(b,
                         "<label><input type=\"checkbox\" name=\"paused\" value=\"1\"%s> "
                         "Pause my digests</label>\n",
                         s->status == DB_SUB_UNSUBSCRIBED ? " checked" : "");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</fieldset>\n");
    return rc;
}

