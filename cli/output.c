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
        (void)snprintf(buf, size, "%s$%.0f%s/%s", s->min > 0 ? "" : "up to ",
                       s->min > 0 ? lo : hi, k, per);
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

/* Write s in exactly width display columns (cut with "…" or padded). */
static void put_cell(FILE *out, const char *s, size_t width)
{
    char clean[URS_MAX_TITLE * 2];
    size_t used = 0, cols = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p);
    size_t total = utf8_columns((const char *)p);
    size_t limit = total > width ? width - 1 : width;
    for (size_t i = 0; i < len && cols < limit && used + 4 < sizeof clean;) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F)) {
            used += utf8_encode(cp, clean + used);
            cols++;
        }
        i += n;
    }
    clean[used] = '\0';
    fputs(clean, out);
    if (total > width && width > 0) {
        fputs("\xe2\x80\xa6", out);
        cols++;
    }
    for (; cols < width; cols++)
        fputc(' ', out);
}

static void age_text(int64_t first_seen, char buf[24])
{
    int64_t days = ((int64_t)time(NULL) - first_seen) / 86400;
    if (first_seen <= 0)
        (void)snprintf(buf, 24, "-");
    else if (days < 1)
        (void)snprintf(buf, 24, "today");
    else
        (void)snprintf(buf, 24, "%lldd", (long long)days);
}

static void table_header(struct cli_writer *w)
{
    size_t title = w->width > 101 ? (w->width - 71) : 30;
    fprintf(w->out, "%-6s ", "ID");
    put_cell(w->out, "TITLE", title);
    fprintf(w->out, " %-18s %-7s %-12s %-15s %s\n", "EMPLOYER", "MODE", "DISCIPLINE", "SALARY",
            "AGE");
}

static void table_row(struct cli_writer *w, const struct posting *p)
{
    size_t title = w->width > 101 ? (w->width - 71) : 30;
    char disc[64], sal[48], age[24];
    cli_bits_text(p->disciplines, DISC_COUNT, cli_disc_at, disc, sizeof disc);
    cli_salary_text(&p->salary, sal, sizeof sal);
    age_text(p->first_seen, age);
    fprintf(w->out, "%-6lld ", (long long)p->id);
    put_cell(w->out, p->title, title);
    fputc(' ', w->out);
    put_cell(w->out, p->employer, 18);
    fputc(' ', w->out);
    put_cell(w->out, work_mode_name(p->work_mode), 7);
    fputc(' ', w->out);
    put_cell(w->out, disc, 12);
    fputc(' ', w->out);
    put_cell(w->out, sal, 15);
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
