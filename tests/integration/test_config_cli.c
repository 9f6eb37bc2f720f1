/* SPDX-License-Identifier: MIT */
/* End to end: `urscout config check|defaults` exit codes, messages, and secrets never shown. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = tu_mkdtemp();
    unsetenv("URSCOUT_SMTP_PASSWORD");
    unsetenv("URSCOUT_HMAC_KEY");
    unsetenv("URSCOUT_USAJOBS_KEY");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("URSCOUT_SMTP_PASSWORD");
    unsetenv("URSCOUT_HMAC_KEY");
    unsetenv("URSCOUT_USAJOBS_KEY");
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static char *write_in_dir(const char *name, const char *text, mode_t mode)
{
    char *path = tu_path(dir, name);
    tu_write_file(path, text, (size_t)-1);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void assert_no_secret(const struct tu_run *r, const char *secret)
{
    if (strstr(r->out, secret) || strstr(r->err, secret))
        print_error("secret '%s' shown:\nstdout:\n%s\nstderr:\n%s\n", secret, r->out, r->err);
    assert_null(strstr(r->out, secret));
    assert_null(strstr(r->err, secret));
}

static void test_check_valid_masks_secrets(void **state)
{
    (void)state;
    char *pw = write_in_dir("smtp.pass", "Smtp-Pass-9f8e7d\n", 0600);
    char *api = write_in_dir("usajobs.key", "Usajobs-Key-1a2b3c\n", 0600);
    char text[2048];
    snprintf(text, sizeof text,
             "[general]\nbundled_sources = false\ndatabase = jobs.db\n"
             "[crawl]\nallow_hosts = 127.0.0.1; localhost\n"
             "[smtp]\nhost = 127.0.0.1\nport = 2525\nuser = bot\npassword_file = %s\n"
             "[source \"va\"]\nkind = usajobs\napi_key_file = %s\nsearch = utilization review\n",
             pw, api);
    char *cfg = write_in_dir("urscout.ini", text, 0644);
    setenv("URSCOUT_HMAC_KEY", "Hmac-Env-Key-5566778899", 1);
    struct tu_run r;
    tu_urscout(&r, dir, "-v", "--config", cfg, "config", "check", NULL);
    if (r.status != 0)
        print_error("stderr: %s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "[crawl]\n"));
    assert_non_null(strstr(r.out, "database = jobs.db\n"));
    assert_non_null(strstr(r.out, "allow_hosts = 127.0.0.1; localhost\n"));
    assert_non_null(strstr(r.out, "[source \"va\"]\nkind = usajobs\n"));
    assert_int_equal(tu_count(r.out, "********"), 3);
    assert_non_null(strstr(r.out, "URSCOUT_HMAC_KEY"));
    assert_non_null(strstr(r.out, pw));
    assert_no_secret(&r, "Smtp-Pass-9f8e7d");
    assert_no_secret(&r, "Usajobs-Key-1a2b3c");
    assert_no_secret(&r, "Hmac-Env-Key-5566778899");
    tu_run_free(&r);
    free(pw);
    free(api);
    free(cfg);
}

static void test_check_errors(void **state)
{
    (void)state;
    char *cfg = write_in_dir("bad.ini",
                             "[general]\nbundled_sources = false\n[crawl]\n"
                             "concurency = 8\n",
                             0644);
    struct tu_run r;
    tu_urscout(&r, dir, "--config", cfg, "config", "check", NULL);
    assert_int_equal(r.status, 1);
    char want[1024];
    snprintf(want, sizeof want,
             "urscout: %s:4: concurency: unknown key in [crawl] (did you mean 'concurrency'?)\n"
             "  >>> 'concurency = 8'\n",
             cfg);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
    tu_run_free(&r);

    /* a group-readable secret file: refused with the fix named, the secret never shown */
    char *pw = write_in_dir("pw", "Leaky-Secret-4455\n", 0644);
    char text[1024];
    snprintf(text, sizeof text,
             "[general]\nbundled_sources = no\n[smtp]\nhost = localhost\n"
             "user = bot\npassword_file = %s\n",
             pw);
    free(cfg);
    cfg = write_in_dir("pw.ini", text, 0644);
    tu_urscout(&r, dir, "--config", cfg, "config", "check", NULL);
    assert_int_equal(r.status, 1);
    snprintf(want, sizeof want, "run: chmod 600 %s", pw);
    assert_non_null(strstr(r.err, want));
    assert_no_secret(&r, "Leaky-Secret-4455");
    tu_run_free(&r);

    /* a plain password line: refused and not echoed */
    free(cfg);
    cfg = write_in_dir("plain.ini", "[smtp]\npassword = Plain-Secret-7788\n", 0600);
    tu_urscout(&r, dir, "--config", cfg, "config", "check", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, ":2: password: secrets never go in the config file"));
    assert_no_secret(&r, "Plain-Secret-7788");
    tu_run_free(&r);

    /* an explicit path that does not exist */
    char *missing = tu_path(dir, "missing.ini");
    tu_urscout(&r, dir, "--config", missing, "config", "check", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, missing));
    tu_run_free(&r);
    free(missing);
    free(cfg);
    free(pw);
}

static void test_usage_and_defaults(void **state)
{
    (void)state;
    struct tu_run r;
    tu_urscout(&r, dir, "config", NULL);
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_urscout(&r, dir, "config", "bogus", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown config command 'bogus'"));
    tu_run_free(&r);
    tu_urscout(&r, dir, "config", "check", "extra", NULL);
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_urscout(&r, dir, "config", "defaults", "--html", NULL);
    assert_int_equal(r.status, 2);
    tu_run_free(&r);
    tu_urscout(&r, dir, "config", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: urscout [--config FILE] config check"));
    tu_run_free(&r);

    static const struct {
        const char *file, *flag;
    } docs[] = {{"urscout.ini.example", NULL}, {"docs/config.md", "--markdown"}};
    for (size_t i = 0; i < 2; i++) {
        tu_urscout(&r, dir, "config", "defaults", docs[i].flag, NULL);
        assert_int_equal(r.status, 0);
        char *path = tu_path(tu_source_dir(), docs[i].file);
        char *committed = tu_read_file(path, NULL);
        assert_non_null(committed);
        assert_string_equal(r.out, committed);
        free(committed);
        free(path);
        tu_run_free(&r);
    }

    /* no --config and no ./urscout.ini: the built-in defaults (and bundled sources) */
    setenv("URSCOUT_USAJOBS_KEY", "k", 1);
    tu_urscout(&r, dir, "config", "check", NULL);
    if (r.status != 0)
        print_error("stderr: %s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "built-in defaults (no config file)"));
    assert_non_null(strstr(r.out, "database = urscout.db\n"));
    assert_non_null(strstr(r.out, "maildir = mail\n"));
    tu_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_valid_masks_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_and_defaults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
