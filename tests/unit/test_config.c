/* SPDX-License-Identifier: MIT */
/* Unit tests for config/: every value type, file:line errors, secrets, dumps, bundled sources. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/sbuf.h"
#include "config/config.h"

static char *tmp_dir;  /* per test */
static char *cfg_path; /* tmp_dir/urscout.ini */

static const char *const secret_env[] = {"URSCOUT_SMTP_PASSWORD", "URSCOUT_HMAC_KEY",
                                         "URSCOUT_USAJOBS_KEY"};

static int setup(void **state)
{
    (void)state;
    tmp_dir = tu_mkdtemp();
    cfg_path = tu_path(tmp_dir, "urscout.ini");
    for (size_t i = 0; i < sizeof secret_env / sizeof secret_env[0]; i++)
        unsetenv(secret_env[i]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof secret_env / sizeof secret_env[0]; i++)
        unsetenv(secret_env[i]);
    tu_rmtree(tmp_dir);
    free(tmp_dir);
    free(cfg_path);
    return 0;
}

/* Write text (bundled sources off, appended after it) and load it. */
static int load_text(const char *text, struct config **cfg, struct err *e)
{
    size_t n = strlen(text) + 64;
    char *full = malloc(n);
    assert_non_null(full);
    snprintf(full, n, "%s\n[general]\nbundled_sources = false\n", text);
    tu_write_file(cfg_path, full, (size_t)-1);
    free(full);
    err_clear(e);
    *cfg = NULL;
    return config_load(cfg_path, cfg, e);
}

/* Load text that must be valid; returns the config. */
static struct config *load_ok(const char *text)
{
    struct config *cfg;
    struct err e;
    int rc = load_text(text, &cfg, &e);
    if (rc != URS_OK)
        print_error("unexpected error for:\n%s\n-> %s\n", text, e.msg);
    assert_int_equal(rc, URS_OK);
    assert_non_null(cfg);
    return cfg;
}

/* Load text that must fail with code, the message starting with "PATH:line: " + want. */
static void load_bad(const char *text, int code, int line, const char *want)
{
    struct config *cfg;
    struct err e;
    int rc = load_text(text, &cfg, &e);
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s:%d: ", cfg_path, line);
    if (rc != code || strncmp(e.msg, prefix, strlen(prefix)) != 0 || !strstr(e.msg, want))
        print_error("for:\n%s\nwant %d \"%s...%s\"\ngot  %d \"%s\"\n", text, code, prefix, want, rc,
                    e.msg);
    assert_int_equal(rc, code);
    assert_null(cfg);
    assert_true(strncmp(e.msg, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(e.msg, want));
}

static char *write_secret(const char *name, const char *content, mode_t mode)
{
    char *path = tu_path(tmp_dir, name);
    tu_write_file(path, content, (size_t)-1);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static char *dump_text(const struct config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    config_dump(cfg, f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_defaults(void **state)
{
    (void)state;
    struct config *cfg;
    struct err e;
    err_clear(&e);
    assert_int_equal(config_defaults(&cfg, &e), URS_OK);
    assert_null(cfg->path);
    assert_string_equal(cfg->database, "urscout.db");
    assert_string_equal(cfg->lock_file, "urscout.db.lock");
    assert_string_equal(cfg->user_agent,
                        "urscout/" URSCOUT_VERSION " (+https://github.com/urscout/urscout)");
    assert_null(cfg->contact);
    assert_true(cfg->bundled_sources);
    assert_int_equal(cfg->concurrency, 8);
    assert_int_equal(cfg->host_connections, 1);
    assert_int_equal(cfg->host_delay_ms, 1000);
    assert_int_equal(cfg->connect_timeout_ms, 10000);
    assert_int_equal(cfg->timeout_ms, 60000);
    assert_int_equal(cfg->low_speed_limit, 100);
    assert_int_equal(cfg->low_speed_time_ms, 20000);
    assert_int_equal(cfg->max_body, 8 * 1024 * 1024);
    assert_int_equal(cfg->retries, 3);
    assert_int_equal(cfg->default_interval, 6 * 3600);
    assert_true(cfg->robots);
    assert_int_equal(cfg->allow_hosts_len, 0);
    assert_null(cfg->smtp_host);
    assert_int_equal(cfg->smtp_port, 587);
    assert_int_equal(cfg->starttls, CONFIG_STARTTLS_REQUIRED);
    assert_int_equal(cfg->smtp_timeout_ms, 30000);
    assert_null(cfg->smtp_password);
    assert_string_equal(cfg->from, "urscout@localhost.localdomain");
    assert_string_equal(cfg->from_name, "urscout");
    assert_string_equal(cfg->maildir, "mail");
    assert_int_equal(cfg->rate_per_minute, 60);
    assert_int_equal(cfg->max_age, 2 * 86400);
    assert_int_equal(cfg->bounce_limit, 3);
    assert_null(cfg->hmac_key);
    assert_string_equal(cfg->listen, "127.0.0.1");
    assert_int_equal(cfg->web_port, 8080);
    assert_int_equal(cfg->sources_len, 0);
    config_free(cfg);
    config_free(NULL);
}

/* Every number, duration, size, bool, enum, URL, mail address, host and list. */
static void test_good_values(void **state)
{
    (void)state;
    struct config *cfg =
        load_ok("# comment\n; another\n[general]\ncontact = ops@example.org\ndatabase = /var/x.db\n"
                "[crawl]\nconcurrency = 256\nhost_delay = 500ms\nconnect_timeout = 1m30s\n"
                "timeout = 1h\nlow_speed_limit = 0\nlow_speed_time = 45s\nmax_body = 512K\n"
                "retries = 10\ndefault_interval = 1d\nrobots = off\n"
                "allow_hosts = 127.0.0.1 ; localhost;[::1]; ::1\n"
                "[smtp]\nhost = mail.example.org\nport = 25\nstarttls = Optional\ntimeout = 2s\n"
                "[delivery]\nfrom = \"digest@jobs.example.org\"\nfrom_name = \" UR jobs \"\n"
                "max_age = 7d\nrate_per_minute = 1\nunsubscribe_mailto = unsub+x@example.org\n"
                "[web]\nbase_url = https://jobs.example.org/u\nlisten = ::\nport = 65535\n");
    assert_string_equal(cfg->contact, "ops@example.org");
    assert_string_equal(cfg->user_agent, "urscout/" URSCOUT_VERSION
                                         " (+https://github.com/urscout/urscout; ops@example.org)");
    assert_string_equal(cfg->lock_file, "/var/x.db.lock");
    assert_int_equal(cfg->concurrency, 256);
    assert_int_equal(cfg->host_delay_ms, 500);
    assert_int_equal(cfg->connect_timeout_ms, 90000);
    assert_int_equal(cfg->timeout_ms, 3600000);
    assert_int_equal(cfg->low_speed_limit, 0);
    assert_int_equal(cfg->low_speed_time_ms, 45000);
    assert_int_equal(cfg->max_body, 512 * 1024);
    assert_int_equal(cfg->retries, 10);
    assert_int_equal(cfg->default_interval, 86400);
    assert_false(cfg->robots);
    assert_int_equal(cfg->allow_hosts_len, 4);
    assert_string_equal(cfg->allow_hosts[0], "127.0.0.1");
    assert_string_equal(cfg->allow_hosts[1], "localhost");
    assert_string_equal(cfg->allow_hosts[2], "[::1]");
    assert_string_equal(cfg->smtp_host, "mail.example.org");
    assert_int_equal(cfg->smtp_port, 25);
    assert_int_equal(cfg->starttls, CONFIG_STARTTLS_OPTIONAL);
    assert_int_equal(cfg->smtp_timeout_ms, 2000);
    assert_string_equal(cfg->from, "digest@jobs.example.org");
    assert_string_equal(cfg->from_name, " UR jobs ");
    assert_int_equal(cfg->max_age, 7 * 86400);
    assert_int_equal(cfg->rate_per_minute, 1);
    assert_string_equal(cfg->base_url, "https://jobs.example.org/u");
    assert_string_equal(cfg->listen, "::");
    assert_int_equal(cfg->web_port, 65535);
    config_free(cfg);
}

static void test_bools(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool value;
    } cases[] = {{"yes", true},  {"no", false}, {"true", true}, {"false", false}, {"on", true},
                 {"off", false}, {"1", true},   {"0", false},   {"YES", true},    {"Off", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "[crawl]\nrobots = %s\n", cases[i].text);
        struct config *cfg = load_ok(text);
        assert_int_equal(cfg->robots, cases[i].value);
        config_free(cfg);
    }
    load_bad("[crawl]\nrobots = maybe\n", URS_EINVAL, 2, "robots: must be yes/no");
}

struct bad_case {
    const char *text;
    int line;
    const char *want;
};

static void test_bad_values(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"[crawl]\nconcurrency = 0", 2, "concurrency: must be a whole number from 1 to 256"},
        {"[crawl]\nconcurrency = 257", 2, "from 1 to 256"},
        {"[crawl]\nconcurrency = 8x", 2, "concurrency: must be a whole number"},
        {"[crawl]\nconcurrency = +8", 2, "must be a whole number"},
        {"[crawl]\nconcurrency = -1", 2, "must be a whole number"},
        {"[crawl]\nconcurrency = 99999999999999999999999", 2, "must be a whole number"},
        {"[crawl]\nconcurrency =", 2, "concurrency: empty value"},
        {"[crawl]\n\nhost_delay = 1000", 3, "host_delay: needs a unit: ms, s, m, h or d"},
        {"[crawl]\nhost_delay = 1.5s", 2, "host_delay: needs a unit"},
        {"[crawl]\nhost_delay = 2h", 2, "host_delay: must be from 0 to 1h"},
        {"[crawl]\nhost_delay = 5 s", 2, "host_delay: needs a unit"},
        {"[crawl]\nhost_delay = s", 2, "host_delay: expected a duration"},
        {"[crawl]\nhost_delay = 99999999999999999d", 2, "host_delay: too large"},
        {"[crawl]\nconnect_timeout = 50ms", 2, "connect_timeout: must be from 100ms to 5m"},
        {"[crawl]\ndefault_interval = 1500ms", 2, "default_interval: must be whole seconds"},
        {"[crawl]\ndefault_interval = 30s", 2, "default_interval: must be from 1m to 30d"},
        {"[crawl]\nmax_body = 2G", 2, "max_body: must be from 1K to 1G"},
        {"[crawl]\nmax_body = 8X", 2, "max_body: unknown size suffix"},
        {"[crawl]\nallow_hosts = a;;b", 2, "allow_hosts: empty item"},
        {"[crawl]\nallow_hosts = 127.0.0.1; not a host", 2, "'not a host': not a valid host"},
        {"[crawl]\nallow_hosts = 999.1.1.1", 2, "not a valid IPv4 address"},
        {"[smtp]\nhost = -bad-.example", 2, "host: not a valid host name"},
        {"[smtp]\nport = 65536", 2, "port: must be a whole number from 1 to 65535"},
        {"[smtp]\nstarttls = maybe", 2, "starttls: must be one of: off, optional, required"},
        {"[delivery]\nfrom = nobody", 2, "from: must look like name@example.org"},
        {"[delivery]\nfrom = a b@example.org", 2, "from: has a character not allowed"},
        {"[delivery]\nfrom = a@", 2, "from: must look like"},
        {"[delivery]\nfrom = a..b@example.org", 2, "from: has a misplaced '.'"},
        {"[delivery]\nfrom = a@-x.org", 2, "from: has an invalid domain"},
        {"[delivery]\nmax_age = 0", 2, "max_age: must be from 1m to 365d"},
        {"[web]\nbase_url = ftp://example.org/", 2, "base_url: must be an absolute http"},
        {"[web]\nbase_url = javascript:alert(1)", 2, "base_url: must be an absolute http"},
        {"[web]\nlisten = 1.2.3.4.5", 2, "listen: not a valid IPv4 address"},
        {"[general]\ncontact = bob", 2, "contact: must be a mail address"},
        {"[general]\ncontact = https://", 2, "contact: not a valid http(s) URL"},
        {"[source \"a\"]\nkind = workday\nurl = file:///etc/passwd", 3, "url: must be an abs"},
        {"[source \"a\"]\nkind = monster", 2, "kind: must be one of: workday, talentbrew"},
        {"[source \"a\"]\nkind = lever\nboard = a/b", 3, "board: may hold only letters"},
        {"[source \"a\"]\nkind = rss\nurl = http://x.org\ninterval = 10s", 4,
         "interval: must be from 1m to 30d"},
        {"[source \"a\"]\nkind = rss\nurl = http://x.org\nconfidence = sure", 4,
         "confidence: must be one of: high, medium, low, unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        load_bad(cases[i].text, URS_EINVAL, cases[i].line, cases[i].want);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    load_bad("[crawl]\nconcurency = 8\n", URS_EPARSE, 2,
             "concurency: unknown key in [crawl] (did you mean 'concurrency'?)\n"
             "  >>> 'concurency = 8'");
    load_bad("[crawl]\n# c\nMax_Body = 8M\n", URS_EPARSE, 3, "(did you mean 'max_body'?)");
    load_bad("[general]\nconcurrency = 8\n", URS_EPARSE, 2,
             "concurrency: unknown key in [general]; it belongs in [crawl]");
    load_bad("[web]\nwhatever = 1\n", URS_EPARSE, 2, "whatever: unknown key in [web] (urscout");
    load_bad("[source \"x\"]\nkind = rss\nurll = http://x.org\n", URS_EPARSE, 3,
             "urll: unknown key in [source] (did you mean 'url'?)");
    load_bad("[crawl]\nretries = 3\n[smpt]\nhost = x\n", URS_EPARSE, 3,
             "unknown section [smpt] (did you mean [smtp]?)\n  >>> '[smpt]'");
    load_bad("[bogus]\n", URS_EPARSE, 1, "unknown section [bogus]");
    load_bad("[Crawl]\nconcurrency = 2\n", URS_EPARSE, 1, "(did you mean [crawl]?)");
    /* the first error wins, later ones only go to the log */
    load_bad("[crawl]\nretries = 0\nconcurency = 8\n", URS_EINVAL, 2, "retries: must be");
}

static void test_syntax_and_lines(void **state)
{
    (void)state;
    load_bad("concurrency = 8\n", URS_EPARSE, 1, "concurrency: key before any section");
    load_bad("[crawl\nretries = 2\n", URS_EPARSE, 1, "missing ']' in section header");
    load_bad("[crawl] extra\n", URS_EPARSE, 1, "text after ']' in section header");
    load_bad("[crawl]\n\njust some words\n", URS_EPARSE, 3,
             "expected 'key = value', a [section] or a comment\n  >>> 'just some words'");
    load_bad("[crawl]\n = 3\n", URS_EPARSE, 2, "missing key name before '='");
    load_bad("[crawl]\nretries = 2\nretries = 3\n", URS_EPARSE, 3,
             "retries: set twice (first on line 2)");
    load_bad("[crawl]\nretries = 2 ; a comment\n", URS_EINVAL, 2, "retries: must be");
    /* CRLF, a byte order mark, comments, blank lines and indentation keep the count right */
    load_bad("\xef\xbb\xbf# c\r\n\r\n[crawl]\r\n  ; indented comment\r\n\tretries = 2\r\n"
             "  timeout = 1s\r\nhost_delay = nope\r\n",
             URS_EINVAL, 7, "host_delay: expected a duration such as 500ms");
    load_bad("[crawl]\nretries = 2\n[delivery]\nfrom_name = ok \xc3\xa9\nfrom = \xff@x.org\n",
             URS_EPARSE, 5, "invalid UTF-8 at byte 8");
    load_bad("[crawl]\nretries = \x01\n", URS_EPARSE, 2, "control character 0x01 at byte 11");
    /* a NUL byte inside a line */
    static const char nul[] = "[crawl]\n# c\nretries = 2\0\n";
    tu_write_file(cfg_path, nul, sizeof nul - 1);
    struct config *cfg;
    struct err e;
    err_clear(&e);
    assert_int_equal(config_load(cfg_path, &cfg, &e), URS_EPARSE);
    assert_non_null(strstr(e.msg, ":3: control character 0x00 at byte 12"));
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = URS_MAX_CONFIG_LINE + 100;
    char *text = malloc(n + 64);
    assert_non_null(text);
    strcpy(text, "[crawl]\n# ");
    memset(text + 10, 'a', n);
    strcpy(text + 10 + n, "\n");
    load_bad(text, URS_ELIMIT, 2, "line longer than 4096 bytes");
    free(text);

    /* a file over URS_MAX_CONFIG_FILE */
    size_t big = URS_MAX_CONFIG_FILE + 10;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, '\n', big);
    huge[big] = '\0';
    tu_write_file(cfg_path, huge, big);
    free(huge);
    struct config *cfg;
    struct err e;
    err_clear(&e);
    assert_int_equal(config_load(cfg_path, &cfg, &e), URS_ELIMIT);
    assert_non_null(strstr(e.msg, "larger than 1048576 bytes"));
    assert_non_null(strstr(e.msg, cfg_path));

    /* more than CONFIG_MAX_SOURCES sources */
    struct sbuf b;
    sbuf_init(&b, URS_MAX_CONFIG_FILE);
    for (int i = 0; i <= CONFIG_MAX_SOURCES; i++)
        assert_int_equal(sbuf_printf(&b, "[source \"s%d\"]\nkind = rss\nurl = http://x.org/\n", i),
                         URS_OK);
    load_bad(sbuf_str(&b), URS_ELIMIT, 3 * CONFIG_MAX_SOURCES + 1, "more than 1000 sources");
    sbuf_free(&b);

    char name[64];
    memset(name, 'n', 41);
    name[41] = '\0';
    char line[128];
    snprintf(line, sizeof line, "[source \"%s\"]\nkind = rss\n", name);
    load_bad(line, URS_EPARSE, 1, "source name longer than 40 bytes");
}

static void test_explicit_and_implicit_paths(void **state)
{
    (void)state;
    struct config *cfg;
    struct err e;
    err_clear(&e);
    char *missing = tu_path(tmp_dir, "nope.ini");
    assert_int_equal(config_load(missing, &cfg, &e), URS_EIO);
    assert_null(cfg);
    assert_non_null(strstr(e.msg, missing));
    assert_non_null(strstr(e.msg, "No such file"));
    free(missing);
    err_clear(&e);
    assert_int_equal(config_load(tmp_dir, &cfg, &e), URS_EIO);
    assert_non_null(strstr(e.msg, "not a regular file"));

    /* no --config: ./urscout.ini when present, else the built-in defaults */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(tmp_dir), 0);
    err_clear(&e);
    int rc = config_load(NULL, &cfg, &e);
    assert_int_equal(rc, URS_OK);
    assert_null(cfg->path);
    assert_string_equal(cfg->database, "urscout.db");
    assert_string_equal(cfg->maildir, "mail");
    config_free(cfg);
    tu_write_file("urscout.ini", "[general]\nbundled_sources = no\n[crawl]\nretries = 5\n",
                  (size_t)-1);
    err_clear(&e);
    rc = config_load(NULL, &cfg, &e);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, URS_OK);
    assert_string_equal(cfg->path, "urscout.ini");
    assert_int_equal(cfg->retries, 5);
    assert_int_equal(cfg->sources_len, 0);
    config_free(cfg);
}

static void test_sources(void **state)
{
    (void)state;
    struct config *cfg = load_ok(
        "[crawl]\ndefault_interval = 2h\n"
        "[source \"cohere\"]\nkind = Greenhouse\nboard = coherehealth\nemployer = Cohere Health\n"
        "search = utilization review; prior authorization\nconfidence = high\n"
        "[source \"evolent.wd1\"]\nkind = workday\n"
        "url = https://evolent.wd1.myworkdayjobs.com/wday/cxs/evolent/External/jobs\n"
        "interval = 1d\nenabled = no\nverified = false\n"
        "[source \"site_x\"]\nkind = html\nurl = http://127.0.0.1:8080/jobs\n"
        "list_xpath = //a[@class=\"job\"]/@href\ntitle_xpath = //h1\n");
    assert_int_equal(cfg->sources_len, 3);
    const struct config_source *s = config_source_find(cfg, "cohere");
    assert_non_null(s);
    assert_string_equal(s->kind, "greenhouse");
    assert_string_equal(s->board, "coherehealth");
    assert_string_equal(s->employer, "Cohere Health");
    assert_int_equal(s->search_len, 2);
    assert_string_equal(s->search[1], "prior authorization");
    assert_string_equal(s->confidence, "high");
    assert_int_equal(s->interval, 7200);
    assert_true(s->enabled);
    assert_true(s->verified);
    assert_false(s->bundled);
    assert_string_equal(s->file, cfg_path);
    assert_int_equal(s->line, 3);
    s = config_source_find(cfg, "evolent.wd1");
    assert_int_equal(s->interval, 86400);
    assert_false(s->enabled);
    assert_false(s->verified);
    assert_string_equal(s->confidence, "unknown");
    s = config_source_find(cfg, "site_x");
    assert_string_equal(s->list_xpath, "//a[@class=\"job\"]/@href");
    assert_null(s->next_xpath);
    assert_null(config_source_find(cfg, "nope"));
    config_free(cfg);
}

static void test_sources_required(void **state)
{
    (void)state;
    load_bad("[source \"a\"]\nemployer = A\n", URS_EINVAL, 1, "kind: source \"a\" has no kind");
    load_bad("[crawl]\nretries = 1\n[source \"wd\"]\nkind = workday\n", URS_EINVAL, 3,
             "url: source \"wd\" of kind workday needs url");
    load_bad("[source \"gh\"]\nkind = greenhouse\nurl = https://x.org/\n", URS_EINVAL, 1,
             "board: source \"gh\" of kind greenhouse needs board");
    load_bad("[source \"h\"]\nkind = html\nurl = https://x.org/\n", URS_EINVAL, 1,
             "list_xpath: source \"h\" of kind html needs list_xpath");
    load_bad("[source \"u\"]\nkind = usajobs\n", URS_EINVAL, 1,
             "api_key_file: source \"u\": kind usajobs needs an API key");
    load_bad("[source \"a\"]\nkind = rss\nurl = http://x.org/\n[source \"b\"]\n"
             "kind = rss\nurl = http://y.org/\n[source \"a\"]\nkind = rss\n",
             URS_EPARSE, 7, "source \"a\" defined twice (first at");
    load_bad("[source x]\n", URS_EPARSE, 1, "write a source section as [source \"name\"]");
    load_bad("[source \"a b\"]\n", URS_EPARSE, 1, "may hold only letters, digits");
    load_bad("[source \"\"]\n", URS_EPARSE, 1, "empty source name");
    load_bad("[source \"a\"] \"b\"\n", URS_EPARSE, 1, "text after ']'");

    /* a disabled usajobs source needs no key; an enabled one takes it from the environment */
    struct config *cfg = load_ok("[source \"u\"]\nkind = usajobs\nenabled = false\n");
    assert_null(cfg->sources[0].api_key);
    config_free(cfg);
    setenv("URSCOUT_USAJOBS_KEY", "usajobs-key-123", 1);
    cfg = load_ok("[source \"u\"]\nkind = usajobs\nsearch = utilization review\n");
    assert_string_equal(cfg->sources[0].api_key, "usajobs-key-123");
    assert_int_equal(cfg->sources[0].api_key_origin, CONFIG_SECRET_ENV);
    config_free(cfg);
}

static void test_secret_file_and_env(void **state)
{
    (void)state;
    char *pw = write_secret("smtp.pass", "s3cret-PASS-word\n", 0600);
    char *key = write_secret("hmac.key", "0123456789abcdef0123456789abcdef\r\n", 0400);
    char text[1024];
    snprintf(text, sizeof text,
             "[smtp]\nhost = 127.0.0.1\nuser = bot\npassword_file = %s\n"
             "[delivery]\nhmac_key_file = %s\n",
             pw, key);
    struct config *cfg = load_ok(text);
    assert_string_equal(cfg->smtp_password, "s3cret-PASS-word");
    assert_int_equal(cfg->smtp_password_origin, CONFIG_SECRET_FILE);
    assert_string_equal(cfg->smtp_password_file, pw);
    assert_int_equal(cfg->hmac_key_len, 32);
    assert_memory_equal(cfg->hmac_key, "0123456789abcdef0123456789abcdef", 32);
    assert_int_equal(cfg->hmac_key_origin, CONFIG_SECRET_FILE);
    config_free(cfg);

    /* the file key wins over the environment; without it the environment is used */
    setenv("URSCOUT_SMTP_PASSWORD", "from-the-env", 1);
    setenv("URSCOUT_HMAC_KEY", "an-hmac-key-from-the-env", 1);
    cfg = load_ok(text);
    assert_string_equal(cfg->smtp_password, "s3cret-PASS-word");
    config_free(cfg);
    cfg = load_ok("[smtp]\nhost = 127.0.0.1\nuser = bot\n");
    assert_string_equal(cfg->smtp_password, "from-the-env");
    assert_int_equal(cfg->smtp_password_origin, CONFIG_SECRET_ENV);
    assert_null(cfg->smtp_password_file);
    assert_string_equal(cfg->hmac_key, "an-hmac-key-from-the-env");
    assert_int_equal(cfg->hmac_key_origin, CONFIG_SECRET_ENV);
    config_free(cfg);
    unsetenv("URSCOUT_SMTP_PASSWORD");
    unsetenv("URSCOUT_HMAC_KEY");

    load_bad("[smtp]\nhost = 127.0.0.1\nuser = bot\n", URS_EINVAL, 3,
             "user: a user needs a password");
    snprintf(text, sizeof text, "[smtp]\npassword_file = %s\n", pw);
    load_bad(text, URS_EINVAL, 2, "password_file: a password needs a user");
    setenv("URSCOUT_HMAC_KEY", "short", 1);
    struct config *bad;
    struct err e;
    assert_int_equal(load_text("[crawl]\nretries = 1\n", &bad, &e), URS_EINVAL);
    assert_string_equal(e.msg, "URSCOUT_HMAC_KEY: the HMAC key is shorter than 16 bytes "
                               "(make one with: head -c 32 /dev/urandom | base64)");
    free(pw);
    free(key);
}

static void test_secret_refused(void **state)
{
    (void)state;
    char *pw = write_secret("smtp.pass", "hunter2-not-shown\n", 0644);
    char text[1024], want[1024];
    snprintf(text, sizeof text, "[smtp]\nhost = localhost\nuser = bot\n\npassword_file = %s\n", pw);
    snprintf(want, sizeof want,
             "password_file: %s: group/other may access it (mode 0644); run: chmod 600 %s", pw, pw);
    load_bad(text, URS_EINVAL, 5, want);
    assert_int_equal(chmod(pw, 0640), 0);
    load_bad(text, URS_EINVAL, 5, "(mode 0640); run: chmod 600");
    assert_int_equal(chmod(pw, 0602), 0);
    load_bad(text, URS_EINVAL, 5, "(mode 0602); run: chmod 600");

    /* a plain secret in the file is refused, and never echoed */
    static const struct bad_case plain[] = {
        {"[smtp]\npassword = hunter2-not-shown\n", 2,
         "password: secrets never go in the config file: use password_file or the "
         "URSCOUT_SMTP_PASSWORD environment variable\n  >>> 'password = ********'"},
        {"[delivery]\nhmac_key = hunter2-not-shown\n", 2, "use hmac_key_file or"},
        {"[source \"u\"]\nkind = usajobs\napi_key = hunter2-not-shown\n", 3,
         "use api_key_file or the URSCOUT_USAJOBS_KEY"},
        {"[smtp]\npasswd = hunter2-not-shown\n", 2, "unknown key in [smtp]"},
        {"[smtp]\nsmtp_secret = hunter2-not-shown\n", 2, ">>> 'smtp_secret = ********'"},
        {"[general]\napi_token = hunter2-not-shown\n", 2, "unknown key"},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        struct config *cfg;
        struct err e;
        load_bad(plain[i].text, URS_EPARSE, plain[i].line, plain[i].want);
        assert_int_equal(load_text(plain[i].text, &cfg, &e), URS_EPARSE);
        assert_null(strstr(e.msg, "hunter2"));
    }
    free(pw);
}

static void test_read_secret(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    struct err e;
    char *ok = write_secret("ok", "line one\nline two\n\n", 0600);
    err_clear(&e);
    assert_int_equal(config_read_secret(ok, &out, &len, &e), URS_OK);
    assert_int_equal(len, strlen("line one\nline two\n"));
    assert_string_equal(out, "line one\nline two\n");
    free(out);

    char *empty = write_secret("empty", "\n", 0600);
    err_clear(&e);
    assert_int_equal(config_read_secret(empty, &out, &len, &e), URS_EINVAL);
    assert_null(out);
    assert_non_null(strstr(e.msg, "empty"));

    char *big_text = malloc(URS_MAX_SECRET + 2);
    assert_non_null(big_text);
    memset(big_text, 'k', URS_MAX_SECRET + 1);
    big_text[URS_MAX_SECRET + 1] = '\0';
    char *big = write_secret("big", big_text, 0600);
    err_clear(&e);
    assert_int_equal(config_read_secret(big, &out, &len, &e), URS_ELIMIT);
    assert_non_null(strstr(e.msg, "larger than 4096 bytes"));
    big_text[URS_MAX_SECRET] = '\0';
    tu_write_file(big, big_text, (size_t)-1);
    err_clear(&e);
    assert_int_equal(config_read_secret(big, &out, &len, &e), URS_OK);
    assert_int_equal(len, URS_MAX_SECRET);
    free(out);
    free(big_text);

    err_clear(&e);
    assert_int_equal(config_read_secret(tmp_dir, &out, &len, &e), URS_EINVAL);
    assert_non_null(strstr(e.msg, "not a regular file"));
    char *missing = tu_path(tmp_dir, "missing");
    err_clear(&e);
    assert_int_equal(config_read_secret(missing, &out, NULL, &e), URS_EIO);
    assert_non_null(strstr(e.msg, missing));
    free(ok);
    free(empty);
    free(big);
    free(missing);
}

/* Remove the lines of s that start with prefix. */
static void drop_lines(char *s, const char *prefix)
{
    char *out = s;
    for (const char *line = s; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        if (strncmp(line, prefix, strlen(prefix)) != 0) {
            memmove(out, line, len);
            out += len;
        }
        line += len;
    }
    *out = '\0';
}

static void test_dump_masks_and_reloads(void **state)
{
    (void)state;
    char *pw = write_secret("pw", "Pw-Secret-One\n", 0600);
    char *api = write_secret("api", "Api-Secret-Two", 0600);
    setenv("URSCOUT_HMAC_KEY", "Hmac-Secret-Three-0123456789", 1);
    char text[2048];
    snprintf(text, sizeof text,
             "[crawl]\nallow_hosts = 127.0.0.1; localhost\nhost_delay = 1500ms\n"
             "[smtp]\nhost = 127.0.0.1\nport = 2525\nuser = bot\npassword_file = %s\n"
             "[delivery]\nfrom_name = \" spaced \"\n"
             "[source \"u\"]\nkind = usajobs\napi_key_file = %s\nsearch = a; b\n",
             pw, api);
    struct config *cfg = load_ok(text);
    char *dump = dump_text(cfg);
    assert_null(strstr(dump, "Pw-Secret-One"));
    assert_null(strstr(dump, "Api-Secret-Two"));
    assert_null(strstr(dump, "Hmac-Secret-Three"));
    char want[1024];
    snprintf(want, sizeof want, "# password: ******** (from the file %s)\n", pw);
    assert_non_null(strstr(dump, want));
    assert_non_null(strstr(dump, "# hmac_key: ******** (from the environment variable "
                                 "URSCOUT_HMAC_KEY)\n"));
    snprintf(want, sizeof want, "# api_key: ******** (from the file %s)\n", api);
    assert_non_null(strstr(dump, want));
    assert_non_null(strstr(dump, "host_delay = 1500ms\n"));
    assert_non_null(strstr(dump, "max_body = 8M\n"));
    assert_non_null(strstr(dump, "allow_hosts = 127.0.0.1; localhost\n"));
    assert_non_null(strstr(dump, "starttls = required\n"));
    assert_non_null(strstr(dump, "from_name = \" spaced \"\n"));
    assert_non_null(strstr(dump, "# contact = (not set)\n"));
    assert_non_null(strstr(dump, "[source \"u\"]\nkind = usajobs\n"));

    /* the dump is itself a valid config that dumps the same */
    tu_write_file(cfg_path, dump, (size_t)-1);
    struct config *again;
    struct err e;
    err_clear(&e);
    assert_int_equal(config_load(cfg_path, &again, &e), URS_OK);
    char *dump2 = dump_text(again);
    /* the same but for the line numbers of the sources, which moved */
    snprintf(want, sizeof want, "# %s:", cfg_path);
    drop_lines(dump, want);
    drop_lines(dump2, want);
    assert_string_equal(dump, dump2);
    free(dump);
    free(dump2);
    config_free(again);
    config_free(cfg);
    free(pw);
    free(api);
}

/* Count `[source "` headers in the .ini files of config/sources in the source tree. */
static size_t count_bundled_headers(size_t *files)
{
    char *dir = tu_path(tu_source_dir(), "config/sources");
    DIR *d = opendir(dir);
    size_t n = 0;
    *files = 0;
    for (struct dirent *ent; d && (ent = readdir(d));) {
        size_t len = strlen(ent->d_name);
        if (len < 5 || strcmp(ent->d_name + len - 4, ".ini") != 0)
            continue;
        char *path = tu_path(dir, ent->d_name);
        char *text = tu_read_file(path, NULL);
        assert_non_null(text);
        for (char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            n += strncmp(line + strspn(line, " \t"), "[source", 7) == 0;
        (*files)++;
        free(text);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    return n;
}

static void test_bundled_sources(void **state)
{
    (void)state;
    size_t files;
    size_t headers = count_bundled_headers(&files);
    assert_int_equal(config_bundled_count(), files);
    assert_null(config_bundled_name(files));
    for (size_t i = 0; i < files; i++)
        assert_int_equal(strncmp(config_bundled_name(i), "config/sources/", 15), 0);
    /* with a valid key the bundled usajobs sources, if any, stay enabled */
    setenv("URSCOUT_USAJOBS_KEY", "test-key", 1);
    tu_write_file(cfg_path, "[crawl]\nretries = 2\n", (size_t)-1);
    struct config *cfg;
    struct err e;
    err_clear(&e);
    int rc = config_load(cfg_path, &cfg, &e);
    if (rc != URS_OK)
        print_error("bundled sources: %s\n", e.msg);
    assert_int_equal(rc, URS_OK);
    assert_int_equal(cfg->sources_len, headers);
    for (size_t i = 0; i < cfg->sources_len; i++) {
        const struct config_source *s = &cfg->sources[i];
        assert_true(s->bundled);
        assert_int_equal(strncmp(s->file, "config/sources/", 15), 0);
        assert_true(s->line > 0);
        assert_non_null(s->kind);
        assert_true(s->interval >= 60);
    }
    if (cfg->sources_len == 0) {
        config_free(cfg);
        skip(); /* nothing bundled in this build: the override cases below need one */
    }
    /* a section naming a bundled source without kind changes only the keys it sets */
    char *name = strdup(cfg->sources[0].name), *kind = strdup(cfg->sources[0].kind);
    config_free(cfg);
    char text[256];
    snprintf(text, sizeof text, "[source \"%s\"]\nenabled = false\n", name);
    tu_write_file(cfg_path, text, (size_t)-1);
    err_clear(&e);
    assert_int_equal(config_load(cfg_path, &cfg, &e), URS_OK);
    assert_int_equal(cfg->sources_len, headers);
    const struct config_source *s = config_source_find(cfg, name);
    assert_false(s->enabled);
    assert_string_equal(s->kind, kind);
    assert_true(s->bundled);
    assert_string_equal(s->file, cfg_path);
    config_free(cfg);
    /* with kind it replaces the bundled one */
    snprintf(text, sizeof text, "[source \"%s\"]\nkind = rss\nurl = http://127.0.0.1/feed\n", name);
    tu_write_file(cfg_path, text, (size_t)-1);
    err_clear(&e);
    assert_int_equal(config_load(cfg_path, &cfg, &e), URS_OK);
    assert_int_equal(cfg->sources_len, headers);
    s = config_source_find(cfg, name);
    assert_string_equal(s->kind, "rss");
    assert_string_equal(s->url, "http://127.0.0.1/feed");
    assert_false(s->bundled);
    config_free(cfg);
    free(name);
    free(kind);
}

/* docs/config.md and urscout.ini.example are generated from the table and must match it. */
static void test_docs_in_sync(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        bool markdown;
    } docs[] = {{"urscout.ini.example", false}, {"docs/config.md", true}};
    for (size_t i = 0; i < 2; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        config_print_defaults(f, docs[i].markdown);
        assert_int_equal(fclose(f), 0);
        char *path = tu_path(tu_source_dir(), docs[i].file);
        char *committed = tu_read_file(path, NULL);
        if (!committed || strcmp(committed, buf) != 0)
            print_error("%s is out of date: cmake --build BUILD --target config-docs\n", path);
        assert_non_null(committed);
        assert_string_equal(committed, buf);
        free(committed);
        free(path);
        free(buf);
    }
    /* the example config loads, and gives the defaults */
    char *example = tu_path(tu_source_dir(), "urscout.ini.example");
    struct config *cfg;
    struct err e;
    err_clear(&e);
    assert_int_equal(config_load(example, &cfg, &e), URS_OK);
    assert_int_equal(cfg->concurrency, 8);
    config_free(cfg);
    free(example);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_and_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_and_implicit_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sources_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_file_and_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_masks_and_reloads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bundled_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docs_in_sync, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
