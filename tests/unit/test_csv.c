/* SPDX-License-Identifier: MIT */
/* The CSV reader of `import` (cli/csv.c): RFC 4180 records, and malformed ones refused with
 * their line instead of being repaired into other cells. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"
#include "testutil.h"

struct read_case {
    const char *in;
    int rc;             /* of the first record */
    const char *fields; /* the first record's fields joined by '|', on URS_OK */
    const char *msg;    /* part of the error text otherwise */
};

static void test_csv_read_cases(void **state)
{
    (void)state;
    static const struct read_case cases[] = {
        {"a,b\r\n", URS_OK, "a|b", NULL},
        {"\"x,\"\"y\"\"\",z\n", URS_OK, "x,\"y\"|z", NULL},
        {"\"multi\r\nline\",2\r\n", URS_OK, "multi\r\nline|2", NULL},
        {"'=SUM(A1),'-2,'plain\n", URS_OK, "=SUM(A1)|-2|'plain", NULL},
        {"a,b", URS_OK, "a|b", NULL}, /* no line end at the end of the file */
        {"\"q\"\r\n", URS_OK, "q", NULL},
        {"a\"b,c\n", URS_EPARSE, NULL, "line 1: quote inside an unquoted field"},
        {" \"sp\",x\n", URS_EPARSE, NULL, "quote inside an unquoted field"},
        {"\"ab\"c,d\n", URS_EPARSE, NULL, "line 1: text after the closing quote"},
        {"a,b\rc,d\n", URS_EPARSE, NULL, "line 1: CR without LF"},
        {"\"a\"\rb\n", URS_EPARSE, NULL, "CR without LF after a quoted field"},
        {"\"unterminated\n", URS_EPARSE, NULL, "line 1: unterminated quoted field"},
        {"", URS_ENOTFOUND, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct read_case *c = &cases[i];
        FILE *f = fmemopen((void *)c->in, strlen(c->in) ? strlen(c->in) : 1, "r");
        assert_non_null(f);
        if (!*c->in)
            (void)fgetc(f); /* fmemopen needs a size: read past the NUL it holds */
        char *fields[8];
        size_t n = 0, line = 0;
        struct err e;
        err_clear(&e);
        int rc = cli_csv_read(f, fields, 8, &n, &line, &e);
        if (rc != c->rc)
            fail_msg("case %zu: rc %d, expected %d (%s)", i, rc, c->rc, e.msg);
        if (rc == URS_OK) {
            char joined[256] = "";
            for (size_t k = 0; k < n; k++) {
                if (k)
                    (void)strncat(joined, "|", sizeof joined - strlen(joined) - 1);
                (void)strncat(joined, fields[k], sizeof joined - strlen(joined) - 1);
                free(fields[k]);
            }
            assert_string_equal(joined, c->fields);
        } else if (c->msg && !strstr(e.msg, c->msg)) {
            fail_msg("case %zu: error [%s], expected [%s]", i, e.msg, c->msg);
        }
        fclose(f);
    }
}

/* The line of an error counts the lines of earlier records, quoted line breaks included. */
static void test_csv_error_line(void **state)
{
    (void)state;
    static const char in[] = "h1,h2\n\"two\nlines\",x\nok,ok\nbad\"quote,y\n";
    FILE *f = fmemopen((void *)in, sizeof in - 1, "r");
    assert_non_null(f);
    char *fields[8];
    size_t n, line = 0;
    struct err e;
    int rc;
    for (int i = 0; i < 3; i++) {
        err_clear(&e);
        assert_int_equal(cli_csv_read(f, fields, 8, &n, &line, &e), URS_OK);
        for (size_t k = 0; k < n; k++)
            free(fields[k]);
    }
    err_clear(&e);
    rc = cli_csv_read(f, fields, 8, &n, &line, &e);
    assert_int_equal(rc, URS_EPARSE);
    assert_non_null(strstr(e.msg, "line 5:"));
    fclose(f);
}

/* A field over the cap is an error with its line, not a silent cut. */
static void test_csv_field_cap(void **state)
{
    (void)state;
    size_t len = 1024 * 1024 + 16;
    char *in = malloc(len + 2);
    assert_non_null(in);
    memset(in, 'a', len);
    in[len] = '\n';
    in[len + 1] = '\0';
    FILE *f = fmemopen(in, len + 1, "r");
    char *fields[8];
    size_t n, line = 0;
    struct err e;
    err_clear(&e);
    assert_int_equal(cli_csv_read(f, fields, 8, &n, &line, &e), URS_ELIMIT);
    assert_non_null(strstr(e.msg, "line 1: a field over"));
    fclose(f);
    free(in);
}

/* Numbers and booleans that do not parse stay text, so the record check names the field. */
static void test_csv_bad_numbers_kept_as_text(void **state)
{
    (void)state;
    char *header[] = {"id", "salary_min", "ur_score", "ur_role", "title"};
    char *good[] = {"7", "80000", "0.5", "true", "t"};
    char *bad[] = {"7x", "80k", "1e999", "yes", "t"};
    json_t *rec = cli_csv_to_json(header, 5, good, 5);
    assert_true(json_is_integer(json_object_get(rec, "id")));
    assert_true(json_is_number(json_object_get(json_object_get(rec, "salary"), "min")));
    assert_true(json_is_true(json_object_get(rec, "ur_role")));
    json_decref(rec);
    rec = cli_csv_to_json(header, 5, bad, 5);
    assert_true(json_is_string(json_object_get(rec, "id")));
    assert_true(json_is_string(json_object_get(json_object_get(rec, "salary"), "min")));
    assert_true(json_is_string(json_object_get(rec, "ur_score")));
    assert_true(json_is_string(json_object_get(rec, "ur_role")));
    json_decref(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_read_cases),
        cmocka_unit_test(test_csv_error_line),
        cmocka_unit_test(test_csv_field_cap),
        cmocka_unit_test(test_csv_bad_numbers_kept_as_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
