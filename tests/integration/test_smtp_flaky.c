/* SPDX-License-Identifier: MIT */
/*
 * A flaky mail server (issue 11, RELIABILITY N3/N6): the sink hangs up on every third
 * connection before its greeting and answers 451 at random (seeded) to MAIL, RCPT and DATA.
 * Round after round of new postings, `digest send --due` is run again until the outbox is
 * empty; in the end every digest reached the server exactly once: each outbox row is sent,
 * its Message-ID arrived once, none twice, nothing arrived that is not in the outbox.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fault_util.h"
#include "proc.h"
#include "testutil.h"

#define ROUNDS   6
#define SUBS     20
#define MAX_RUNS 40 /* `digest send` runs per round before the test gives up */
#define HMAC_KEY "test-hmac-key-0123456789abcdef!!"

struct fx {
    char *dir, *db, *cfg, *sink_dir;
    long port;
};

static void run(struct fx *f, bool must_pass, const char *a1, const char *a2, const char *a3)
{
    struct tu_run r;
    tu_urscout(&r, f->dir, "--config", f->cfg, a1, a2, a3, NULL);
    if (r.status >= 128 || (must_pass && r.status != 0))
        fail_msg("urscout %s %s: %d\n%s%s", a1, a2 ? a2 : "", r.status, r.out, r.err);
    tu_run_free(&r);
}

static void setup(struct fx *f)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[general]\ndatabase = %s\nbundled_sources = no\n"
             "[delivery]\nfrom = digest@urscout.example.org\n"
             "postal_address = urscout Inc, 100 Main St, Springfield, IL\n"
             "rate_per_minute = 100000\n"
             "[web]\nbase_url = https://jobs.example.org\n"
             "[smtp]\nhost = 127.0.0.1\nport = %ld\nstarttls = off\ntimeout = 5s\n",
             f->db, f->port);
    tu_write_file(f->cfg, text, (size_t)-1);
    run(f, true, "subscriber", "add", "s0@example.org");
    fu_sql_exec(f->db, "UPDATE subscribers SET disciplines = 1, frequency = 'daily'");
    char sql[512];
    for (int i = 1; i < SUBS; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO subscribers(email, status, frequency, disciplines, time_zone, "
                 "send_hour, created_at, updated_at, next_due_at) SELECT 's%d@example.org', "
                 "status, frequency, disciplines, time_zone, send_hour, created_at, updated_at, "
                 "0 FROM subscribers WHERE email = 's0@example.org'",
                 i);
        fu_sql_exec(f->db, sql);
    }
}

/* Five new PT postings for round r: every subscriber has news. */
static void new_postings(struct fx *f, size_t round)
{
    char *path = tu_path(f->dir, "new.jsonl");
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    for (int i = 0; i < 5; i++)
        fprintf(out,
                "{\"external_id\":\"r%zu-%d\",\"title\":\"Utilization Review Physical Therapist "
                "%zu.%d\",\"employer\":\"Bluestem\",\"url\":\"https://jobs.example/r%zu/%d\","
                "\"disciplines\":[\"PT\"],\"work_mode\":\"remote\",\"ur_role\":true,"
                "\"role_family\":\"utilization_review\"}\n",
                round, i, round, i, round, i);
    fclose(out);
    run(f, true, "import", path, NULL);
    free(path);
}

/* Message-IDs the sink accepted, with their copies. */
static json_t *received(struct fx *f, size_t *messages)
{
    json_t *seen = json_object();
    DIR *d = opendir(f->sink_dir);
    assert_non_null(d);
    *messages = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "msg-", 4) != 0 || len < 5 || strcmp(de->d_name + len - 5, ".json"))
            continue;
        char *path = tu_path(f->sink_dir, de->d_name);
        json_t *m = json_load_file(path, 0, NULL);
        assert_non_null(m);
        const char *id = json_string_value(json_object_get(m, "message_id"));
        assert_non_null(id);
        json_object_set_new(seen, id,
                            json_integer(json_integer_value(json_object_get(seen, id)) + 1));
        json_decref(m);
        free(path);
        (*messages)++;
    }
    closedir(d);
    return seen;
}

/* Exactly once: every outbox row sent and received once, nothing else received. */
static void exactly_once(struct fx *f, size_t rounds)
{
    long long want = (long long)rounds * SUBS;
    assert_int_equal(fu_sql_int(f->db, "SELECT count(*) FROM outbox"), want);
    assert_int_equal(fu_sql_int(f->db, "SELECT count(*) FROM outbox WHERE status = 'sent'"), want);
    assert_int_equal(fu_sql_int(f->db, "SELECT count(DISTINCT message_id) FROM outbox"), want);
    size_t messages;
    json_t *seen = received(f, &messages);
    char *ids = fu_sql_lines(f->db, "SELECT message_id FROM outbox");
    for (char *p = ids, *end; *p; p = end + 1) {
        end = strchr(p, '\n');
        *end = '\0';
        json_int_t copies = json_integer_value(json_object_get(seen, p));
        if (copies != 1)
            fail_msg("%s arrived %lld times (want once)", p, (long long)copies);
    }
    free(ids);
    assert_int_equal(json_object_size(seen), (size_t)want);
    assert_int_equal(messages, (size_t)want);
    json_decref(seen);
}

static size_t events(struct fx *f, const char *needle)
{
    char *path = tu_path(f->sink_dir, "events.jsonl");
    char *text = tu_read_file(path, NULL);
    size_t n = text ? tu_count(text, needle) : 0;
    free(text);
    free(path);
    return n;
}

static void test_drops_and_451(void **state)
{
    (void)state;
    uint64_t rng = fu_seed("flaky SMTP server");
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)(fu_rand(&rng) % 1000000000));
    struct fx f = {0};
    f.dir = tu_mkdtemp();
    f.db = tu_path(f.dir, "u.db");
    f.cfg = tu_path(f.dir, "urscout.ini");
    f.sink_dir = tu_path(f.dir, "smtp");
    assert_int_equal(mkdir(f.sink_dir, 0755), 0);
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", HMAC_KEY, 1), 0);
    pid_t sink = fu_sink_start(f.sink_dir, &f.port, "--drop-every", "3", "--fail-rate", "0.15",
                               "--seed", seed, NULL);
    setup(&f);
    size_t runs = 0;
    for (size_t round = 0; round < ROUNDS; round++) {
        new_postings(&f, round);
        fu_sql_exec(f.db, "UPDATE subscribers SET next_due_at = 0");
        size_t tries = 0;
        do {
            if (++tries > MAX_RUNS)
                fail_msg("round %zu: messages still queued after %d runs of digest send", round,
                         MAX_RUNS);
            run(&f, false, "digest", "send", "--due");
            /* deferred messages wait out their back-off: time moves on */
            fu_sql_exec(f.db, "UPDATE outbox SET next_attempt_at = 0 WHERE status = 'queued'");
        } while (fu_sql_int(f.db, "SELECT count(*) FROM outbox WHERE status != 'sent'") != 0);
        runs += tries;
        exactly_once(&f, round + 1);
    }
    size_t drops = events(&f, "dropped before the greeting");
    size_t refusals = events(&f, "451 at random");
    print_message("flaky SMTP: %d rounds, %d digests delivered once each, %zu send runs, "
                  "%zu connections dropped, %zu random 451s\n",
                  ROUNDS, ROUNDS * SUBS, runs, drops, refusals);
    assert_true(drops > 0 && refusals > 0); /* the faults happened */
    assert_true(runs > ROUNDS);             /* and were survived by retrying */
    proc_stop(sink);
    tu_rmtree(f.dir);
    free(f.dir);
    free(f.db);
    free(f.cfg);
    free(f.sink_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drops_and_451),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
