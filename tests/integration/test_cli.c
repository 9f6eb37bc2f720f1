/* SPDX-License-Identifier: MIT */
/* End-to-end tests of the urscout binary: import, search filters, export round trips, bad input. */
#include "testutil.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
    char *dir;
    char *db;
    char *fixture;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->db = tu_path(f->dir, "u.db");
    char *fixtures = tu_path(tu_source_dir(), "tests/fixtures/cli");
    f->fixture = tu_path(fixtures, "postings.jsonl");
    free(fixtures);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->db);
    free(f->fixture);
    free(f);
    return 0;
}

/* Run urscout --db DB ARGS...; the config never comes from the test's folder. */
#define RUN(r, f, ...) tu_urscout(r, (f)->dir, "--db", (f)->db, __VA_ARGS__, NULL)

static void import_fixture(struct fx *f)
{
    struct tu_run r;
    RUN(&r, f, "import", f->fixture);
    if (r.status != 0)
        fail_msg("import failed (%d): %s", r.status, r.err);
    assert_non_null(strstr(r.err, "11 new"));
    tu_run_free(&r);
}

/* The external ids of a jsonl result, sorted and joined by spaces. */
static char *ids_of(const char *jsonl)
{
    char *ids[64];
    size_t n = 0;
    const char *line = jsonl;
    while (*line && n < 64) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        json_t *rec = json_loadb(line, len, 0, NULL);
        assert_non_null(rec);
        ids[n++] = strdup(json_string_value(json_object_get(rec, "external_id")));
        json_decref(rec);
        line += len + (end ? 1 : 0);
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    char *out = calloc(1, 64 * 8);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, ids[i]);
        free(ids[i]);
    }
    return out;
}

static void expect_search(struct fx *f, const char *expected, const char *a1, const char *a2,
                          const char *a3)
{
    struct tu_run r;
    tu_urscout(&r, f->dir, "--db", f->db, "search", "--format", "jsonl", a1, a2, a3, NULL);
    if (r.status != 0)
        fail_msg("search %s %s failed: %s", a1 ? a1 : "", a2 ? a2 : "", r.err);
    char *got = ids_of(r.out);
    if (strcmp(got, expected) != 0)
        fail_msg("search %s %s %s: expected [%s], got [%s]", a1 ? a1 : "", a2 ? a2 : "",
                 a3 ? a3 : "", expected, got);
    free(got);
    tu_run_free(&r);
}

static void test_search_each_filter(void **state)
{
    struct fx *f = *state;
    import_fixture(f);
    /* A10 is A1 seen on a second board: one of the two shows, the newer when unranked */
    expect_search(f, "A10 A2 A3 A4 A5 A6 A7 A8 A9", NULL, NULL, NULL);
    expect_search(f, "A10 A4 A7", "--discipline", "PT", NULL);
    expect_search(f, "A2 A7 A9", "--discipline", "cota,OT", NULL);
    expect_search(f, "A10 A3 A5 A7", "--mode", "remote", NULL);
    expect_search(f, "A3", "--schedule", "prn", NULL);
    expect_search(f, "A10 A2 A5", "--state", "TX", NULL);
    expect_search(f, "A10 A3 A6", "--state", "COMPACT", NULL);
    expect_search(f, "A3 A8 A9", "--min-salary", "100000", NULL);
    expect_search(f, "A3", "--employer", "kestrel", NULL);
    expect_search(f, "A10 A11 A2 A3 A4 A5 A6 A7 A8 A9", "--all", NULL, NULL);
    expect_search(f, "A10 A2 A3 A5 A6 A7 A9", "--ur", NULL, NULL);
    expect_search(f, "A10 A5 A8 A9", "utilization", NULL, NULL);
    expect_search(f, "A10 A11 A5 A8 A9", "utilization", "--all", NULL);
    expect_search(f, "", "--since", "1", NULL);
    expect_search(f, "A10", "--limit", "1", NULL);
}

static void test_search_formats_and_usage(void **state)
{
    struct fx *f = *state;
    import_fixture(f);
    struct tu_run r;
    RUN(&r, f, "search", "--format", "json", "prior");
    assert_int_equal(r.status, 0);
    json_t *arr = json_loads(r.out, 0, NULL);
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 1);
    json_decref(arr);
    tu_run_free(&r);
    RUN(&r, f, "search", "--format", "csv", "--discipline", "MD");
    assert_int_equal(r.status, 0);
    assert_int_equal(tu_count(r.out, "\r\n"), 2);
    tu_run_free(&r);
    RUN(&r, f, "search");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "TITLE"));
    assert_non_null(strstr(r.out, "Physician Advisor"));
    /* location and licence columns; POSTED from the posting's own date, as the digest says */
    assert_non_null(strstr(r.out, "LOCATION"));
    assert_non_null(strstr(r.out, "LICENCE POSTED"));
    assert_non_null(strstr(r.out, "Remote, US"));
    assert_non_null(strstr(r.out, "d ago\n"));
    assert_null(strstr(r.out, "seen "));
    tu_run_free(&r);

    RUN(&r, f, "search", "--discipline", "DDS");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "PT, OT, SLP"));
    tu_run_free(&r);
    RUN(&r, f, "search", "--mode", "sideways");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "remote, hybrid"));
    tu_run_free(&r);
    RUN(&r, f, "search", "--bogus");
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    RUN(&r, f, "search", "--limit", "-4");
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    RUN(&r, f, "frobnicate");
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
}

static void test_search_injection_and_fts_errors(void **state)
{
    struct fx *f = *state;
    import_fixture(f);
    static const char *const queries[] = {"'; DROP TABLE postings; --", "\"unbalanced",
                                          "NEAR("};
    for (size_t i = 0; i < 3; i++) {
        struct tu_run r;
        RUN(&r, f, "search", queries[i]);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, "full-text syntax"));
        assert_null(strstr(r.err, "SQLITE"));
        tu_run_free(&r);
    }
    expect_search(f, "A10 A2 A3 A4 A5 A6 A7 A8 A9", NULL, NULL, NULL);
}

static void test_export_import_roundtrip(void **state)
{
    struct fx *f = *state;
    import_fixture(f);
    char *first = tu_path(f->dir, "first.jsonl");
    char *csv = tu_path(f->dir, "first.csv");
    struct tu_run r;
    RUN(&r, f, "export", first);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    RUN(&r, f, "export", "--format", "csv", csv);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);

    char *db2 = tu_path(f->dir, "second.db");
    tu_urscout(&r, f->dir, "--db", db2, "import", first, NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "--db", db2, "export", NULL);
    char *original = tu_read_file(first, NULL);
    assert_string_equal(r.out, original);
    tu_run_free(&r);

    char *db3 = tu_path(f->dir, "third.db");
    tu_urscout(&r, f->dir, "--db", db3, "import", csv, NULL);
    if (r.status != 0)
        fail_msg("csv import: %s", r.err);
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "--db", db3, "export", NULL);
    assert_string_equal(r.out, original);
    tu_run_free(&r);

    RUN(&r, f, "import", first); /* re-import: updates nothing, duplicates nothing */
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "0 new"));
    tu_run_free(&r);
    RUN(&r, f, "export");
    assert_int_equal(tu_count(r.out, "\n"), 11);
    tu_run_free(&r);
    free(original);
    free(first);
    free(csv);
    free(db2);
    free(db3);
}

static void test_csv_formula_cells(void **state)
{
    struct fx *f = *state;
    char *in = tu_path(f->dir, "formula.jsonl");
    tu_write_file(in,
                  "{\"external_id\":\"f1\",\"title\":\"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\"}\n"
                  "{\"external_id\":\"f2\",\"title\":\"+1\",\"employer\":\"-2\"}\n"
                  "{\"external_id\":\"f3\",\"title\":\"@SUM(A1)\",\"location\":\"'quoted\"}\n"
                  "{\"external_id\":\"f4\",\"title\":\"a, \\\"b\\\"\",\"description\":\"l1\\nl2\"}\n",
                  (size_t)-1);
    struct tu_run r;
    RUN(&r, f, "import", "--no-classify", in);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    char *csv = tu_path(f->dir, "out.csv");
    RUN(&r, f, "export", "--format", "csv", csv);
    tu_run_free(&r);
    char *text = tu_read_file(csv, NULL);
    assert_non_null(strstr(text, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""));
    assert_non_null(strstr(text, "\"'+1\",\"'-2\""));
    assert_non_null(strstr(text, "\"'@SUM(A1)\""));
    assert_non_null(strstr(text, "\"''quoted\""));
    assert_non_null(strstr(text, "\"a, \"\"b\"\"\""));
    assert_non_null(strstr(text, "\"l1\nl2\""));
    char *db2 = tu_path(f->dir, "back.db");
    tu_urscout(&r, f->dir, "--db", db2, "import", csv, NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "--db", db2, "export", NULL);
    assert_non_null(strstr(r.out, "\"title\":\"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\""));
    assert_non_null(strstr(r.out, "\"title\":\"+1\",\"employer\":\"-2\""));
    assert_non_null(strstr(r.out, "\"location\":\"'quoted\""));
    assert_non_null(strstr(r.out, "\"description\":\"l1\\nl2\""));
    tu_run_free(&r);
    free(text);
    free(csv);
    free(in);
    free(db2);
}

static void test_terminal_escapes(void **state)
{
    struct fx *f = *state;
    import_fixture(f);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->db, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s,
                                  "UPDATE postings SET title = 'Evil' || char(27) || ']0;pwned' || "
                                  "char(7) || char(27) || '[2J title' WHERE external_id = 'A3'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    struct tu_run r;
    RUN(&r, f, "search", "--employer", "kestrel");
    assert_int_equal(r.status, 0);
    assert_null(strchr(r.out, 27));
    assert_null(strchr(r.out, 7));
    assert_non_null(strstr(r.out, "Evil]0;pwned[2J title"));
    tu_run_free(&r);
    RUN(&r, f, "search", "--employer", "kestrel", "--format", "json");
    assert_null(strchr(r.out, 27));
    assert_non_null(strstr(r.out, "\\u001B]0;pwned"));
    tu_run_free(&r);
}

static void test_bad_jsonl_line(void **state)
{
    struct fx *f = *state;
    char *in = tu_path(f->dir, "ten.jsonl");
    char buf[4096] = "";
    for (int i = 1; i <= 10; i++) {
        char line[256];
        if (i == 7)
            snprintf(line, sizeof line, "{\"external_id\": \"x7\", \"title\": \n");
        else
            snprintf(line, sizeof line, "{\"external_id\":\"x%d\",\"title\":\"Reviewer %d\"}\n", i,
                     i);
        strcat(buf, line);
    }
    tu_write_file(in, buf, (size_t)-1);
    struct tu_run r;
    RUN(&r, f, "import", in);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ten.jsonl:7: invalid JSON"));
    assert_non_null(strstr(r.err, "9 new"));
    tu_run_free(&r);

    tu_write_file(in, "{\"external_id\":\"u\",\"title\":\"bad \xff byte\"}\n"
                      "{\"external_id\":\"v\",\"title\":\"ok\",\"url\":\"javascript:alert(1)\"}\n"
                      "{\"external_id\":\"w\",\"title\":\"ok\",\"disciplines\":[\"DDS\"]}\n",
                  (size_t)-1);
    RUN(&r, f, "import", in);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "ten.jsonl:1:"));
    assert_non_null(strstr(r.err, "ten.jsonl:2: field 'url'"));
    assert_non_null(strstr(r.err, "ten.jsonl:3: field 'disciplines'"));
    tu_run_free(&r);
    free(in);
}

static void test_bad_databases(void **state)
{
    struct fx *f = *state;
    struct tu_run r;
    char *missing = tu_path(f->dir, "nowhere/u.db");
    tu_urscout(&r, f->dir, "--db", missing, "import", f->fixture, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "does not exist"));
    assert_int_equal(tu_count(r.err, "\n"), 1);
    tu_run_free(&r);
    free(missing);

    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->db, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    size_t before_len, after_len;
    char *before = tu_read_file(f->db, &before_len);
    RUN(&r, f, "search");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "newer"));
    tu_run_free(&r);
    RUN(&r, f, "import", f->fixture);
    assert_int_equal(r.status, 1);
    tu_run_free(&r);
    char *after = tu_read_file(f->db, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);

    char *nodb = tu_path(f->dir, "none.db");
    tu_urscout(&r, f->dir, "--db", nodb, "search", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no database"));
    tu_run_free(&r);
    free(nodb);
}

static void test_show_stats_db(void **state)
{
    struct fx *f = *state;
    import_fixture(f);
    struct tu_run r;
    RUN(&r, f, "show", "3");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Physician Advisor"));
    assert_non_null(strstr(r.out, "evidence:"));
    tu_run_free(&r);
    RUN(&r, f, "show", "999");
    assert_int_equal(r.status, 1);
    tu_run_free(&r);
    RUN(&r, f, "show", "abc");
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    RUN(&r, f, "stats");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "bluestem"));
    assert_non_null(strstr(r.out, "closed"));
    tu_run_free(&r);
    RUN(&r, f, "db", "check");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "ok"));
    tu_run_free(&r);
    char *copy = tu_path(f->dir, "backup.db");
    RUN(&r, f, "db", "backup", copy);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_urscout(&r, f->dir, "--db", copy, "db", "check", NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    free(copy);
    RUN(&r, f, "--version");
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
}

static void test_import_labelled_set(void **state)
{
    struct fx *f = *state;
    char *eval = tu_path(tu_source_dir(), "tests/fixtures/classifier/synthetic.jsonl");
    struct tu_run r;
    RUN(&r, f, "import", eval);
    if (r.status != 0)
        fail_msg("import of the labelled set: %s", r.err);
    assert_non_null(strstr(r.err, "30 new"));
    tu_run_free(&r);
    RUN(&r, f, "import", eval);
    assert_non_null(strstr(r.err, "0 new, 0 updated, 30 unchanged"));
    tu_run_free(&r);
    RUN(&r, f, "export");
    assert_null(strstr(r.out, "\"labels\""));
    assert_null(strstr(r.out, "label_notes"));
    assert_int_equal(tu_count(r.out, "\n"), 30);
    tu_run_free(&r);
    /* explain's context keeps the fields apart: the title, then " | " and the next field */
    RUN(&r, f, "explain", "1");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Physical Therapist - [Remote] | Location: Remote"));
    assert_null(strstr(r.out, "RemoteLocation"));
    tu_run_free(&r);
    free(eval);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_search_each_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_formats_and_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_injection_and_fts_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_import_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_formula_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_terminal_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_jsonl_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_databases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_stats_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_labelled_set, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
