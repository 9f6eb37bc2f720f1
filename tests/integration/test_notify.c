/* SPDX-License-Identifier: MIT */
/* Digests delivered to a real SMTP server on loopback: content, encoding, failures, TLS, AUTH. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify_util.h"

/* Titles longer than 200 characters with accents, dashes and emoji (N3). */
static const char long_title[] =
    "Utilizaci\xc3\xb3n Review Nurse \xe2\x80\x93 remote \xe2\x80\x94 caf\xc3\xa9 "
    "na\xc3\xafve r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x98\x80 Prior Authorization Specialist, "
    "Appeals & Denials, Care Coordination, Physician Advisor support, "
    "\xc3\x9c"
    "berpr\xc3\xbc"
    "fung der Leistungen \xe2\x80\x94 full-time, PRN, contract, "
    "compact licence welcome, Texas and Florida, sign-on bonus";

static void hostile_postings(struct nenv *env)
{
    static const struct nt_posting ps[] = {
        {NULL, "long", long_title, "Sunrise Health", NULL, "https://jobs.example.com/long",
         MODE_REMOTE, 0, 0, 80000, 3600, 0.99},
        {NULL, "bcc", "Nurse\r\nBcc: x@example.com", "Acme\nHealth", NULL,
         "https://jobs.example.com/bcc", MODE_REMOTE, 0, 0, 0, 3600, 0.9},
        {NULL, "script", "</a><script>alert(1)</script>", NULL, NULL, "javascript:alert(1)",
         MODE_HYBRID, 0, 0, 0, 3600, 0.8},
        {NULL, "img", "\"><img src=x onerror=alert(1)>", NULL, NULL,
         "data:text/html,<script>alert(1)</script>", MODE_ONSITE, 0, 0, 0, 3600, 0.7},
        {NULL, "dup-a", "Case Manager RN", "Blue Plan", "Austin, TX", "https://a.example.com/1",
         MODE_REMOTE, 0, 0, 0, 3600, 0.6},
        {"other-board", "dup-b", "Case Manager RN", "Blue Plan", "Austin, TX",
         "https://b.example.com/2", MODE_REMOTE, 0, 0, 0, 3600, 0.6},
        {NULL, "old", "Old posting", NULL, NULL, "https://jobs.example.com/old", MODE_REMOTE, 0, 0,
         0, 40 * 86400, 0.9},
        {NULL, "pt", "Physical Therapist UR", NULL, NULL, "https://jobs.example.com/pt",
         MODE_REMOTE, 1u << DISC_PT, 0, 0, 3600, 0.9},
    };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        (void)nt_posting(env, &ps[i]);
}

static bool has_string(json_t *array, const char *s)
{
    for (size_t i = 0; i < json_array_size(array); i++)
        if (strcmp(json_string_value(json_array_get(array, i)), s) == 0)
            return true;
    return false;
}

static size_t count_name(json_t *names, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(names); i++)
        n += strcasecmp(json_string_value(json_array_get(names, i)), name) == 0;
    return n;
}

static const char *header(json_t *msg, const char *name)
{
    json_t *v = json_object_get(json_object_get(msg, "headers"), name);
    assert_non_null(v);
    return json_string_value(v);
}

/* The expected subject: the first title, cleaned, cut at 90 bytes with an ellipsis. */
static void expected_subject(char *out, size_t size, size_t count)
{
    char *clean = utf8_clean_dup(long_title, UTF8_ONE_LINE, 4096, NULL);
    size_t cut = utf8_boundary(clean, strlen(clean), 90);
    (void)snprintf(out, size, "%zu new jobs for you: %.*s\xe2\x80\xa6 and more", count, (int)cut,
                   clean);
    free(clean);
}

static void check_html(json_t *msg)
{
    json_t *html = json_object_get(msg, "html");
    json_t *tags = json_object_get(html, "tags"), *attrs = json_object_get(html, "attrs");
    json_t *hrefs = json_object_get(html, "hrefs");
    assert_false(has_string(tags, "script"));
    assert_false(has_string(tags, "img"));
    assert_false(has_string(tags, "iframe"));
    for (size_t i = 0; i < json_array_size(attrs); i++)
        assert_true(strncmp(json_string_value(json_array_get(attrs, i)), "on", 2) != 0);
    assert_true(json_array_size(hrefs) >= 3);
    for (size_t i = 0; i < json_array_size(hrefs); i++)
        assert_true(strncmp(json_string_value(json_array_get(hrefs, i)), "https://", 8) == 0);
    const char *text = json_string_value(json_object_get(html, "text"));
    assert_non_null(strstr(text, "</a><script>alert(1)</script>"));
    assert_non_null(strstr(text, "\"><img src=x onerror=alert(1)>"));
    assert_non_null(strstr(text, ".urscout Inc, 100 Main St"));
    assert_int_equal(tu_count(text, "Case Manager RN"), 1); /* one per fingerprint */
    assert_null(strstr(text, "Old posting"));
    assert_null(strstr(text, "Physical Therapist UR"));
}

static void check_headers(json_t *msg, int64_t sub_id)
{
    json_t *names = json_object_get(msg, "header_names");
    static const char *const once[] = {
        "From",        "To",           "Subject",          "Date",
        "Message-ID",  "MIME-Version", "List-Unsubscribe", "List-Unsubscribe-Post",
        "Content-Type"};
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++)
        if (count_name(names, once[i]) != 1)
            fail_msg("header %s appears %zu times", once[i], count_name(names, once[i]));
    assert_int_equal(count_name(names, "Bcc"), 0);
    assert_int_equal(json_array_size(json_object_get(msg, "defects")), 0);
    assert_true(json_integer_value(json_object_get(msg, "max_header_line")) <= 78);
    assert_true(json_integer_value(json_object_get(msg, "max_line")) <= 78);
    assert_true(json_integer_value(json_object_get(msg, "encoded_words")) > 0);
    assert_true(json_integer_value(json_object_get(msg, "max_encoded_word")) <= 75);
    assert_false(json_is_true(json_object_get(msg, "eight_bit")));
    assert_string_equal(header(msg, "from"), "urscout <digest@urscout.example.org>");
    assert_string_equal(header(msg, "to"), "Ana D\xc3\xad"
                                           "az <ana@example.org>");
    assert_string_equal(header(msg, "list-unsubscribe-post"), "List-Unsubscribe=One-Click");
    const char *lu = header(msg, "list-unsubscribe");
    assert_true(strncmp(lu, "<https://jobs.example.org/u/u", 29) == 0);
    assert_non_null(strstr(lu, ">, <mailto:unsub@urscout.example.org?subject=u"));
    char token[NOTIFY_TOKEN_MAX];
    (void)snprintf(token, sizeof token, "%.*s", (int)strcspn(lu + 28, ">"), lu + 28);
    int64_t id = 0;
    assert_int_equal(
        notify_token_verify(NT_KEY, strlen(NT_KEY), token, NOTIFY_TOKEN_UNSUBSCRIBE, &id, NULL),
        URS_OK);
    assert_int_equal(id, sub_id);
    assert_string_equal(json_string_value(json_object_get(msg, "mail_from")),
                        "digest@urscout.example.org");
}

/* N1, N2, N3, N8: one digest over SMTP, parsed by Python's email package. */
static void test_smtp_digest_content(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    nt_open(&env);
    hostile_postings(&env);
    int64_t ana = nt_subscriber(&env, "ana@example.org",
                                "Ana D\xc3\xad"
                                "az",
                                1u << DISC_RN);
    (void)nt_subscriber(&env, "slp@example.org", NULL, 1u << DISC_SLP); /* nothing new */
    sink_start(&s, &env, NULL);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, false, &st);
    assert_int_equal(st.subscribers, 2);
    assert_int_equal(st.digests, 1);
    assert_int_equal(st.empty, 1);
    assert_int_equal(st.postings, 5);
    struct err e;
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_int_equal(st.sent, 1);
    json_t *msgs = sink_messages(&s);
    assert_int_equal(json_array_size(msgs), 1);
    json_t *m = json_array_get(msgs, 0);
    check_headers(m, ana);
    char subject[512];
    expected_subject(subject, sizeof subject, 5);
    assert_string_equal(json_string_value(json_object_get(m, "subject")), subject);
    json_t *parts = json_object_get(m, "parts");
    assert_int_equal(json_array_size(parts), 2);
    assert_string_equal(json_string_value(json_object_get(m, "content_type")),
                        "multipart/alternative");
    for (size_t i = 0; i < 2; i++) {
        json_t *p = json_array_get(parts, i);
        assert_string_equal(json_string_value(json_object_get(p, "charset")), "utf-8");
        assert_string_equal(json_string_value(json_object_get(p, "cte")), "quoted-printable");
    }
    const char *text = nt_part(m, "text/plain");
    char *clean_title = utf8_clean_dup(long_title, UTF8_ONE_LINE, 4096, NULL);
    assert_non_null(strstr(text, clean_title)); /* the 200+ character line, intact */
    free(clean_title);
    assert_non_null(strstr(text, "* Nurse Bcc: x@example.com\n  Acme Health\n"));
    assert_non_null(strstr(text, "\n.urscout Inc, 100 Main St")); /* a line starting with '.' */
    assert_non_null(strstr(text, "Unsubscribe (one click): https://jobs.example.org/u/u"));
    assert_null(strstr(text, "javascript:"));
    check_html(m);
    /* recorded: sent, with the deliveries; the empty one only moved its schedule */
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'sent'"), 1);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM deliveries"), 5);
    assert_int_equal(nt_sql_int(&env, "SELECT min(next_due_at) > 1772625600 FROM subscribers"), 1);
    /* nothing new: a second run sends nothing, even for every subscriber */
    struct notify_stats again = {0};
    nt_build(&env, NT_NOW + 60, true, &again);
    assert_int_equal(again.digests, 0);
    assert_int_equal(nt_deliver(&env, NT_NOW + 60, &again, &e), URS_OK);
    assert_int_equal(again.sent, 0);
    json_decref(msgs);
    msgs = sink_messages(&s);
    assert_int_equal(json_array_size(msgs), 1);
    json_decref(msgs);
    sink_stop(&s);
    nt_close(&env);
}

/* N1: a title with CRLF and an employer with a bare LF: the subject carries the cleaned
   title, no header is added, the only recipient is the subscriber. */
static void test_smtp_header_injection(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    struct err e;
    nt_open(&env);
    struct nt_posting p = {NULL,
                           "bcc",
                           "Nurse\r\nBcc: x@example.com",
                           "Acme\nHealth\r\nX-Evil: 1",
                           NULL,
                           "https://jobs.example.com/bcc",
                           MODE_REMOTE,
                           0,
                           0,
                           0,
                           600,
                           0.9};
    (void)nt_posting(&env, &p);
    (void)nt_subscriber(&env, "ivy@example.org", "Ivy\r\nBcc: y@example.com", 0);
    struct notify_stats st = {0};
    nt_build(&env, NT_NOW, false, &st);
    sink_start(&s, &env, NULL);
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    json_t *msgs = sink_messages(&s);
    assert_int_equal(json_array_size(msgs), 1);
    json_t *m = json_array_get(msgs, 0);
    assert_string_equal(json_string_value(json_object_get(m, "subject")),
                        "New job for you: Nurse Bcc: x@example.com");
    json_t *names = json_object_get(m, "header_names");
    assert_int_equal(count_name(names, "Bcc"), 0);
    assert_int_equal(count_name(names, "X-Evil"), 0);
    assert_int_equal(json_array_size(json_object_get(m, "defects")), 0);
    assert_string_equal(header(m, "to"), "\"Ivy Bcc: y@example.com\" <ivy@example.org>");
    json_t *rcpts = json_object_get(m, "rcpt_tos");
    assert_int_equal(json_array_size(rcpts), 1);
    assert_string_equal(json_string_value(json_array_get(rcpts, 0)), "ivy@example.org");
    assert_non_null(strstr(nt_part(m, "text/plain"), "  Acme Health X-Evil: 1\n"));
    json_decref(msgs);
    sink_stop(&s);
    nt_close(&env);
}

static int64_t one_digest(struct nenv *env, const char *email)
{
    static int serial;
    char ext[32];
    (void)snprintf(ext, sizeof ext, "p%d", ++serial);
    struct nt_posting p = {NULL,        ext,  "Utilization Review Nurse",
                           NULL,        NULL, "https://jobs.example.com/ur",
                           MODE_REMOTE, 0,    0,
                           0,           600,  0.9};
    (void)nt_posting(env, &p);
    int64_t id = nt_subscriber(env, email, NULL, 0);
    struct notify_stats st = {0};
    nt_build(env, NT_NOW, false, &st);
    assert_int_equal(st.digests, 1);
    return id;
}

/* N4: 451 to the data twice, then 250: delivered once, attempts recorded, backoff kept. */
static void test_smtp_451_twice_then_ok(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    struct err e;
    struct notify_stats st = {0};
    nt_open(&env);
    (void)one_digest(&env, "bo@example.org");
    sink_start(&s, &env, "--data-fail-times", "2", NULL);
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_int_equal(st.deferred, 1);
    assert_int_equal(nt_sql_int(&env, "SELECT attempts FROM outbox"), 1);
    assert_int_equal(nt_sql_int(&env, "SELECT next_attempt_at - 1772625600 FROM outbox"), 60);
    char *err = nt_sql_text(&env, "SELECT last_error FROM outbox");
    assert_non_null(strstr(err, "451 4.3.0"));
    free(err);
    /* not due yet: no connection at all */
    size_t connects = sink_events(&s, "CONNECT");
    assert_int_equal(nt_deliver(&env, NT_NOW + 30, &st, &e), URS_OK);
    assert_int_equal(sink_events(&s, "CONNECT"), connects);
    assert_int_equal(nt_deliver(&env, NT_NOW + 61, &st, &e), URS_OK);
    assert_int_equal(nt_sql_int(&env, "SELECT attempts FROM outbox"), 2);
    assert_int_equal(nt_sql_int(&env, "SELECT next_attempt_at - 1772625661 FROM outbox"), 120);
    assert_int_equal(nt_deliver(&env, NT_NOW + 200, &st, &e), URS_OK);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.deferred, 2);
    assert_int_equal(nt_sql_int(&env, "SELECT attempts FROM outbox WHERE status = 'sent'"), 3);
    json_t *msgs = sink_messages(&s);
    assert_int_equal(json_array_size(msgs), 1);
    assert_int_equal(sink_events(&s, "DATA"), 3);
    json_decref(msgs);
    sink_stop(&s);
    nt_close(&env);
}

/* N4: 421 at the greeting: stays queued with backoff, then gives up after max_age. */
static void test_smtp_421_greeting(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    struct err e;
    struct notify_stats st = {0};
    nt_open(&env);
    (void)one_digest(&env, "cy@example.org");
    sink_start(&s, &env, "--greeting", "421 4.3.2 Service not available", NULL);
    assert_int_not_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_non_null(strstr(e.msg, "127.0.0.1"));
    assert_non_null(strstr(e.msg, "421 4.3.2 Service not available"));
    assert_int_equal(st.deferred, 1);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'queued'"), 1);
    assert_int_equal(sink_events(&s, "GREETING"), 1);
    assert_int_not_equal(nt_deliver(&env, NT_NOW + env.cfg.max_age + 1, &st, &e), URS_OK);
    assert_int_equal(st.failed, 1);
    char *err = nt_sql_text(&env, "SELECT last_error FROM outbox WHERE status = 'failed'");
    assert_non_null(strstr(err, "gave up after 2 attempts"));
    free(err);
    /* the subscriber is not blamed for a server that is down */
    assert_int_equal(nt_sql_int(&env, "SELECT hard_bounces FROM subscribers"), 0);
    sink_stop(&s);
    nt_close(&env);
}

/* N5: 550 to RCPT: failed at once with the server text; bounced after bounce_limit. */
static void test_smtp_550_bounces(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    struct err e;
    struct notify_stats st = {0};
    nt_open(&env);
    int64_t id = one_digest(&env, "bounce-me@example.org");
    (void)nt_subscriber(&env, "fine@example.org", NULL, 0);
    struct notify_stats b = {0};
    nt_build(&env, NT_NOW, false, &b); /* fine@ gets the same posting */
    sink_start(&s, &env, "--rcpt-fail-match", "bounce-me", NULL);
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.sent, 1);
    char *err = nt_sql_text(&env, "SELECT last_error FROM outbox WHERE status = 'failed'");
    assert_non_null(strstr(err, "550 5.1.1 No such user here"));
    free(err);
    assert_int_equal(nt_sql_int(&env, "SELECT hard_bounces FROM subscribers WHERE "
                                      "email = 'bounce-me@example.org'"),
                     1);
    /* no retry of a 5xx */
    size_t rcpts = sink_events(&s, "RCPT");
    assert_int_equal(nt_deliver(&env, NT_NOW + 3 * 3600, &st, &e), URS_OK);
    assert_int_equal(sink_events(&s, "RCPT"), rcpts);
    /* a second hard bounce reaches the limit (2): bounced, and skipped afterwards */
    struct nt_posting p = {NULL,        "second", "Prior Authorization Nurse",
                           NULL,        NULL,     "https://jobs.example.com/pa",
                           MODE_REMOTE, 0,        0,
                           0,           0,        0.9};
    (void)nt_posting(&env, &p);
    nt_build(&env, NT_NOW + 2 * 86400, false, &b);
    assert_int_equal(nt_deliver(&env, NT_NOW + 2 * 86400, &st, &e), URS_OK);
    assert_int_equal(st.bounced, 1);
    struct db_subscriber sub;
    assert_int_equal(db_subscriber_get_id(env.db, id, &sub, &e), URS_OK);
    assert_int_equal(sub.status, DB_SUB_BOUNCED);
    db_subscriber_free(&sub);
    struct nt_posting q = {NULL,        "third", "Appeals Nurse",
                           NULL,        NULL,    "https://jobs.example.com/ap",
                           MODE_REMOTE, 0,       0,
                           0,           0,       0.9};
    (void)nt_posting(&env, &q);
    struct notify_stats later = {0};
    nt_build(&env, NT_NOW + 4 * 86400, true, &later);
    assert_int_equal(later.subscribers, 1); /* only fine@ */
    sink_stop(&s);
    nt_close(&env);
}

/* The number of messages the sink holds with this Message-ID. */
static size_t received_with_id(json_t *msgs, const char *message_id)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(msgs); i++)
        n += strcmp(json_string_value(json_object_get(json_array_get(msgs, i), "message_id")),
                    message_id) == 0;
    return n;
}

/* N6: connection dropped mid-DATA, then after the final dot: nothing lost, one Message-ID. */
static void test_smtp_dropped_connections(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    struct err e;
    struct notify_stats st = {0};
    nt_open(&env);
    (void)one_digest(&env, "dee@example.org");
    (void)nt_subscriber(&env, "eve@example.org", NULL, 0);
    struct notify_stats b = {0};
    nt_build(&env, NT_NOW, false, &b);
    sink_start(&s, &env, "--drop-mid-data", "1", "--drop-after-dot", "1", NULL);
    assert_int_not_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_OK);
    assert_int_equal(st.deferred, 2);
    assert_int_equal(st.sent, 0);
    assert_int_not_equal(nt_deliver(&env, NT_NOW + 61, &st, &e), URS_OK);
    assert_int_equal(nt_deliver(&env, NT_NOW + 400, &st, &e), URS_OK);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'sent'"), 2);
    json_t *msgs = sink_messages(&s);
    assert_int_equal(json_array_size(msgs), 3); /* one copy arrived before the drop */
    for (int64_t id = 1; id <= 2; id++) {
        char q[96];
        (void)snprintf(q, sizeof q, "SELECT message_id FROM outbox WHERE id = %lld", (long long)id);
        char *mid = nt_sql_text(&env, q);
        size_t copies = received_with_id(msgs, mid);
        assert_true(copies >= 1 && copies <= 2);
        free(mid);
    }
    json_decref(msgs);
    sink_stop(&s);
    nt_close(&env);
}

/* N7: starttls = required and no STARTTLS offered: nothing sent in clear, no AUTH. */
static void test_smtp_starttls_required_missing(void **state)
{
    (void)state;
    struct nenv env;
    struct sink s;
    struct err e;
    struct notify_stats st = {0};
    nt_open(&env);
    (void)one_digest(&env, "fay@example.org");
    sink_start(&s, &env, NULL);
    env.cfg.starttls = CONFIG_STARTTLS_REQUIRED;
    env.cfg.smtp_user = (char *)"mailer";
    env.cfg.smtp_password = (char *)"secret";
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_ESMTP);
    assert_non_null(strstr(e.msg, "STARTTLS"));
    assert_int_equal(sink_events(&s, "EHLO"), 1);
    assert_int_equal(sink_events(&s, "AUTH"), 0);
    assert_int_equal(sink_events(&s, "MAIL"), 0);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'queued' "
                                      "AND next_attempt_at > 1772625600"),
                     1);
    sink_stop(&s);
    nt_close(&env);
}

/* N7: STARTTLS with a trusted certificate and AUTH; then a wrong password and a stranger's
   certificate: clear errors, nothing sent, no tight retry loop, nobody bounced. */
static void test_smtp_tls_and_auth(void **state)
{
    (void)state;
    char *cert, *key, *other_cert, *other_key;
    nt_cert("trusted", &cert, &key);
    nt_cert("stranger", &other_cert, &other_key);
    assert_int_equal(setenv("SSL_CERT_FILE", cert, 1), 0); /* the trust store: only ours */
    struct nenv env;
    struct sink s;
    struct err e;
    struct notify_stats st = {0};
    nt_open(&env);
    (void)one_digest(&env, "gus@example.org");
    env.cfg.starttls = CONFIG_STARTTLS_REQUIRED;
    env.cfg.smtp_user = (char *)"mailer";
    env.cfg.smtp_password = (char *)"wrong";
    sink_start(&s, &env, "--tls-cert", cert, "--tls-key", key, "--require-tls", "--auth",
               "mailer:s3cret", NULL);
    env.cfg.smtp_host = (char *)"localhost"; /* the name in the certificate */
    assert_int_equal(nt_deliver(&env, NT_NOW, &st, &e), URS_ESMTP);
    assert_non_null(strstr(e.msg, "AUTH"));
    assert_non_null(strstr(e.msg, "535"));
    assert_int_equal(st.failed, 0);
    assert_int_equal(nt_sql_int(&env, "SELECT hard_bounces FROM subscribers"), 0);
    assert_int_equal(nt_sql_int(&env, "SELECT count(*) FROM outbox WHERE status = 'queued'"), 1);
    size_t connects = sink_events(&s, "CONNECT");
    assert_int_equal(nt_deliver(&env, NT_NOW + 1, &st, &e), URS_OK); /* backing off */
    assert_int_equal(sink_events(&s, "CONNECT"), connects);
    env.cfg.smtp_password = (char *)"s3cret";
    assert_int_equal(nt_deliver(&env, NT_NOW + 61, &st, &e), URS_OK);
    assert_int_equal(st.sent, 1);
    json_t *msgs = sink_messages(&s);
    assert_int_equal(json_array_size(msgs), 1);
    assert_true(json_is_true(json_object_get(json_array_get(msgs, 0), "tls")));
    assert_true(json_is_true(json_object_get(json_array_get(msgs, 0), "auth")));
    json_decref(msgs);
    sink_stop(&s);
    /* a certificate nobody vouches for */
    (void)one_digest(&env, "hal@example.org");
    sink_start(&s, &env, "--tls-cert", other_cert, "--tls-key", other_key, NULL);
    env.cfg.smtp_host = (char *)"localhost";
    assert_int_equal(nt_deliver(&env, NT_NOW + 120, &st, &e), URS_ESMTP);
    assert_non_null(strstr(e.msg, "certificate"));
    assert_int_equal(sink_events(&s, "MAIL"), 0);
    assert_int_equal(sink_events(&s, "AUTH"), 0);
    sink_stop(&s);
    nt_close(&env);
    free(cert);
    free(key);
    free(other_cert);
    free(other_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smtp_digest_content),
        cmocka_unit_test(test_smtp_header_injection),
        cmocka_unit_test(test_smtp_451_twice_then_ok),
        cmocka_unit_test(test_smtp_421_greeting),
        cmocka_unit_test(test_smtp_550_bounces),
        cmocka_unit_test(test_smtp_dropped_connections),
        cmocka_unit_test(test_smtp_starttls_required_missing),
        cmocka_unit_test(test_smtp_tls_and_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
