/* SPDX-License-Identifier: MIT */
/* Output of posting lists: a table that fits the terminal, JSON, JSON Lines, RFC 4180 CSV. */
#include "cli/output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/format.h"
#include "common/limits.h"
#include "common/sbuf.h"
#include "common/utf8.h"

int cli_format_parse(const char *s, unsigned allowed)
{
    static const char *const names[] = {"table", "json", "jsonl", "csv"};
    for (int i = 0; i < 4; i++)
        if ((allowed & (1u << i)) && s && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *cli_disc_at(int i)
{
    return disc_name((enum disc)i);
}

const char *cli_sched_at(int i)
{
    return sched_name((enum sched)i);
}

void cli_bits_text(uint64_t bits, int count, const char *(*name)(int), char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < count && used + 1 < size; i++) {
        if (!(bits & (1ULL << i)))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", name(i));
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

void cli_salary_text(const struct salary *s, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!s->period || (s->min <= 0 && s->max <= 0))
        return;
    const char *per = period_name(s->period);
    bool big = s->period == PERIOD_YEAR;
    double lo = big ? s->min / 1000 : s->min, hi = big ? s->max / 1000 : s->max;
    const char *k = big ? "k" : "";
    if (s->min > 0 && s->max > 0 && s->min != s->max)
        (void)snprintf(buf, size, "$%.0f%s-%.0f%s/%s", lo, k, hi, k, per);
    else
        (void)snprintf(buf, size, "%s$%.0f%s/%s",
                       s->min <= 0 ? "up to " : s->max <= 0 ? "from " : "", s->min > 0 ? lo : hi,
                       k, per);
}

void cli_put_safe(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            continue;
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) { /* C1 controls */
            p++;
            continue;
        }
        fputc(*p, out);
    }
}

static size_t terminal_width(FILE *out)
{
    struct winsize ws;
    if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    long n = cols ? strtol(cols, NULL, 10) : 0;
    return n >= 40 && n <= 1000 ? (size_t)n : 120;
}

/* A code point a table cell shows: no C0, DEL or C1 control reaches the terminal. */
static bool cell_char(uint32_t cp)
{
    return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F);
}

/* Display columns of what put_cell would show of s. */
static size_t cell_columns(const unsigned char *s, size_t len)
{
    size_t cols = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cell_char(cp))
            cols += utf8_cp_width(cp);
    }
    return cols;
}

/*
 * Write s in exactly width display columns: padded, or cut with "..." (U+2026) where it would
 * not fit. Columns come from utf8_cp_width, so a wide character takes two and a combining mark
 * none (it stays with its base character); a wide character that would straddle the cut is left
 * out and its column padded.
 */
static void put_cell(FILE *out, const char *s, size_t width)
{
    char clean[URS_MAX_TITLE * 2];
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p), used = 0, cols = 0;
    bool cut = cell_columns(p, len) > width && width > 0;
    size_t limit = cut ? width - 1 : width;
    for (size_t i = 0; i < len && used + 4 < sizeof clean;) {
        uint32_t cp;
        i += utf8_decode(p + i, len - i, &cp);
        if (!cell_char(cp))
            continue;
        size_t w = utf8_cp_width(cp);
        if (cols + w > limit)
            break;
        used += utf8_encode(cp, clean + used);
        cols += w;
    }
    clean[used] = '\0';
    fputs(clean, out);
    if (cut) {
        fputs("\xe2\x80\xa6", out);
        cols++;
    }
    for (; cols < width; cols++)
        fputc(' ', out);
}

/*
 * The POSTED column, by the digest's rule: the posting's own date when known (and not in the
 * future), else when urscout first saw it ("seen ..."). Days under four weeks, then weeks.
 */
static void age_text(const struct posting *p, int64_t now, char buf[40])
{
    bool posted = p->posted_at > 0 && p->posted_at <= now;
    int64_t at = posted ? p->posted_at : p->first_seen;
    if (at <= 0) {
        (void)snprintf(buf, 40, "-");
        return;
    }
    int64_t days = now > at ? (now - at) / 86400 : 0;
    if (days > 9999 * 7)
        days = 9999 * 7;
    const char *pre = posted ? "" : "seen ";
    if (days == 0)
        (void)snprintf(buf, 40, "%stoday", pre);
    else if (days < 28)
        (void)snprintf(buf, 40, "%s%lldd ago", pre, (long long)days);
    else
        (void)snprintf(buf, 40, "%s%lldw ago", pre, (long long)(days / 7));
}

/* Columns beside the title, each with its separating blank (see table_row). */
#define FIXED_COLUMNS (7 + 17 + 8 + 11 + 15 + 15 + 8 + 12)
#define TITLE_MIN     30

static size_t title_width(const struct cli_writer *w)
{
    return w->width > FIXED_COLUMNS + TITLE_MIN ? w->width - FIXED_COLUMNS : TITLE_MIN;
}

static void table_header(struct cli_writer *w)
{
    fprintf(w->out, "%-6s ", "ID");
    put_cell(w->out, "TITLE", title_width(w));
    fprintf(w->out, " %-16s %-7s %-10s %-14s %-14s %-7s %s\n", "EMPLOYER", "MODE", "DISCIPLINE",
            "SALARY", "LOCATION", "LICENCE", "POSTED");
}

static void table_row(struct cli_writer *w, const struct posting *p)
{
    char disc[64], sal[48], age[40], states[64];
    cli_bits_text(p->disciplines, DISC_COUNT, cli_disc_at, disc, sizeof disc);
    cli_salary_text(&p->salary, sal, sizeof sal);
    if (p->license_states & (UINT64_C(1) << STATE_ANY))
        (void)snprintf(states, sizeof states, "any");
    else
        cli_bits_text(p->license_states, STATE_COUNT, state_code, states, sizeof states);
    age_text(p, (int64_t)time(NULL), age);
    fprintf(w->out, "%-6lld ", (long long)p->id);
    put_cell(w->out, p->title, title_width(w));
    fputc(' ', w->out);
    put_cell(w->out, p->employer, 16);
    fputc(' ', w->out);
    put_cell(w->out, work_mode_name(p->work_mode), 7);
    fputc(' ', w->out);
    put_cell(w->out, disc, 10);
    fputc(' ', w->out);
    put_cell(w->out, sal, 14);
    fputc(' ', w->out);
    put_cell(w->out, p->location && *p->location ? p->location : "-", 14);
    fputc(' ', w->out);
    put_cell(w->out, states[0] ? states : "-", 7);
    fprintf(w->out, " %s\n", age);
}

void cli_writer_begin(struct cli_writer *w, FILE *out, enum cli_format format)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->format = format;
    w->width = terminal_width(out);
    if (format == CLI_FORMAT_JSON)
        fputs("[", out);
    if (format == CLI_FORMAT_CSV) {
        struct sbuf b;
        sbuf_init(&b, 4096);
        if (cli_csv_header(&b) == URS_OK)
            fputs(sbuf_str(&b), out);
        sbuf_free(&b);
    }
}

void cli_writer_posting(struct cli_writer *w, const struct posting *p)
{
    if (w->format == CLI_FORMAT_TABLE) {
        if (w->rows == 0)
            table_header(w);
        table_row(w, p);
    } else if (w->format == CLI_FORMAT_CSV) {
        struct sbuf b;
        sbuf_init(&b, URS_MAX_JSONL_LINE);
        if (cli_csv_row(&b, p) == URS_OK)
            fputs(sbuf_str(&b), w->out);
        else
            w->failed = true;
        sbuf_free(&b);
    } else {
        json_t *rec = cli_posting_to_json(p);
        char *text = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
        if (text) {
            if (w->format == CLI_FORMAT_JSON)
                fputs(w->rows ? ",\n" : "\n", w->out);
            fputs(text, w->out);
            if (w->format == CLI_FORMAT_JSONL)
                fputc('\n', w->out);
        } else {
            w->failed = true;
        }
        free(text);
        json_decref(rec);
    }
    w->rows++;
}

bool cli_writer_end(struct cli_writer *w)
{
    if (w->format == CLI_FORMAT_JSON)
        fputs(w->rows ? "\n]\n" : "]\n", w->out);
    if (fflush(w->out) != 0 || ferror(w->out))
        w->failed = true;
    return !w->failed;
}
