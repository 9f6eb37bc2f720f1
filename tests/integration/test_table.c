/* SPDX-License-Identifier: MIT */
/* The search table keeps its columns aligned when cells hold wide (CJK, fullwidth) and
 * combining characters: every row's cells start at the header's display columns. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Decode one UTF-8 sequence of the (valid) test output. */
static uint32_t next_cp(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t cp;
    size_t n;
    if (s[0] < 0x80)
        cp = s[0], n = 1;
    else if (s[0] < 0xE0)
        cp = s[0] & 0x1Fu, n = 2;
    else if (s[0] < 0xF0)
        cp = s[0] & 0x0Fu, n = 3;
    else
        cp = s[0] & 0x07u, n = 4;
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3Fu);
    *p = s + n;
    return cp;
}

/* The widths of the characters the fixture uses, written out here rather than asked of the
 * library under test: combining diacritics 0, CJK and fullwidth forms 2, the rest 1. */
static size_t width_of(uint32_t cp)
{
    if (cp >= 0x0300 && cp <= 0x036F)
        return 0;
    if ((cp >= 0x3000 && cp <= 0x9FFF) || (cp >= 0xFF01 && cp <= 0xFF60))
        return 2;
    return 1;
}

/* Display column at which needle starts in line (which holds it), and the line's width. */
static size_t column_of(const char *line, const char *needle, size_t *line_width)
{
    const char *at = strstr(line, needle);
    assert_non_null(at);
    size_t col = 0, found = 0;
    const unsigned char *p = (const unsigned char *)line;
    while (*p && *p != '\n') {
        if ((const char *)p == at)
            found = col;
        col += width_of(next_cp(&p));
    }
    *line_width = col;
    return found;
}

/* The output line that contains needle, as a new string. */
static char *line_with(const char *out, const char *needle)
{
    const char *at = strstr(out, needle);
    if (!at)
        fail_msg("no line with [%s] in:\n%s", needle, out);
    const char *start = at;
    while (start > out && start[-1] != '\n')
        start--;
    const char *end = strchr(at, '\n');
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

struct row {
    const char *employer; /* as the cell shows it (cut ones with their ellipsis) */
    const char *location;
    const char *title; /* the start of the title cell */
};

static void test_wide_and_combining_aligned(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *db = tu_path(dir, "t.db");
    char *fixtures = tu_path(tu_source_dir(), "tests/fixtures/cli");
    char *fixture = tu_path(fixtures, "widths.jsonl");
    assert_int_equal(setenv("COLUMNS", "141", 1), 0);
    struct tu_run r;
    tu_urscout(&r, dir, "--db", db, "import", fixture, NULL);
    if (r.status != 0)
        fail_msg("import failed (%d): %s", r.status, r.err);
    tu_run_free(&r);
    tu_urscout(&r, dir, "--db", db, "search", "--format", "table", NULL);
    assert_int_equal(r.status, 0);

    char *header = line_with(r.out, "EMPLOYER");
    size_t header_width;
    size_t emp_col = column_of(header, "EMPLOYER", &header_width);
    size_t loc_col = column_of(header, "LOCATION", &header_width);
    size_t lic_col = column_of(header, "LICENCE", &header_width);
    static const struct row rows[] = {
        /* wide title cut, fullwidth employer cut, CJK location */
        {"\xef\xbc\xa6\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c\xe5\xb9\x85 Heal\xe2\x80\xa6",
         "\xe6\x9d\xb1\xe4\xba\xac, JP ", "\xe7\x9c\x8b\xe8\xad\xb7\xe5\xb8\xab"},
        /* 60 columns of wide title in a 48-column cell: the one straddling the cut is left out */
        {"Kanji Cut Health", "Osaka, JP", "\xe5\xaf\xa9\xe5\xaf\xa9"},
        /* combining acute accents count no column */
        {"Cafe\xcc\x81 Health",
         "Montre\xcc\x81"
         "al, QC",
         "Re\xcc\x81vision"},
        {"Plain Health", "Austin, TX", "Plain Utilization"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *line = line_with(r.out, rows[i].employer);
        size_t width;
        size_t title = column_of(line, rows[i].title, &width);
        size_t emp = column_of(line, rows[i].employer, &width);
        size_t loc = column_of(line, rows[i].location, &width);
        if (title != 7 || emp != emp_col || loc != loc_col)
            fail_msg("row %zu misaligned: title at %zu (7), employer at %zu (%zu), location at "
                     "%zu (%zu):\n%s\n%s",
                     i, title, emp, emp_col, loc, loc_col, header, line);
        /* the licence column starts where the header's does */
        const unsigned char *p = (const unsigned char *)line;
        size_t col = 0;
        while (*p && col < lic_col)
            col += width_of(next_cp(&p));
        assert_int_equal(col, lic_col);
        assert_true(p[-1] == ' ');
        free(line);
    }
    /* the cut wide title: 23 characters (46 columns), the ellipsis, one pad column */
    char *cut = line_with(r.out, "Kanji Cut Health");
    assert_int_equal(tu_count(cut, "\xe5\xaf\xa9"), 23);
    assert_non_null(strstr(cut, "\xe5\xaf\xa9\xe2\x80\xa6  Kanji"));
    free(cut);
    free(header);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(fixture);
    free(fixtures);
    free(db);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wide_and_combining_aligned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
