/* SPDX-License-Identifier: MIT */
/* The SMTP transport over libesmtp: a connection per batch, STARTTLS, AUTH, per-message status. */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The order matters: libesmtp.h declares smtp_starttls_set_ctx only after <openssl/ssl.h>. */
/* clang-format off */
#include <openssl/ssl.h>
#include <auth-client.h>
#include <libesmtp.h>
/* clang-format on */

#include "common/log.h"
#include "config/config.h"
#include "notifier/notifier_int.h"

struct session {
    const struct config *cfg;
    struct notify_smtp_msg *msgs;
    smtp_recipient_t *rcpts;
    size_t n;
    notify_smtp_accepted_fn accepted;
    void *ctx;
    bool auth_wanted;
    bool auth_pending; /* an AUTH command is waiting for its final answer */
    bool auth_ok;
    char auth_text[160];
    char tls_problem[200];
    char last_reply[160]; /* the last 4xx/5xx line the server sent */
    SSL_CTX *tls;
};

/* libesmtp pulls the message through this; *ctx is ours but libesmtp frees it. */
static const char *message_cb(void **ctx, int *len, void *arg)
{
    const struct db_outbox_row *r = arg;
    if (!*ctx && !(*ctx = malloc(sizeof(int)))) {
        if (len)
            *len = 0;
        return NULL;
    }
    int *done = *ctx;
    if (!len) { /* rewind */
        *done = 0;
        return NULL;
    }
    if (*done) {
        *len = 0;
        return NULL;
    }
    *done = 1;
    *len = (int)r->message_len;
    return r->message;
}

static bool is_2xx(const smtp_status_t *st)
{
    return st && st->code >= 200 && st->code < 300;
}

/* "451 4.3.0 text" from a status, text cut at the line end. */
static void status_text(const smtp_status_t *st, char *out, size_t size)
{
    const char *t = st && st->text ? st->text : "";
    int n = (int)strcspn(t, "\r\n");
    if (st && st->enh_class)
        (void)snprintf(out, size, "%d %d.%d.%d %.*s", st->code, st->enh_class, st->enh_subject,
                       st->enh_detail, n, t);
    else
        (void)snprintf(out, size, "%d %.*s", st ? st->code : 0, n, t);
}

static void on_sent(struct session *s, smtp_message_t m)
{
    struct notify_smtp_msg *msg = smtp_message_get_application_data(m);
    if (!msg)
        return;
    size_t i = (size_t)(msg - s->msgs);
    if (i >= s->n || !is_2xx(smtp_message_transfer_status(m)) ||
        !is_2xx(smtp_recipient_status(s->rcpts[i])))
        return;
    msg->result = NOTIFY_SMTP_ACCEPTED;
    status_text(smtp_message_transfer_status(m), msg->text, sizeof msg->text);
    if (s->accepted)
        s->accepted(s->ctx, i);
}

/* TLS verdicts: refuse anything libesmtp asks about (the default is already "no"). */
static void tls_event(struct session *s, int event, va_list ap)
{
    int *ok = NULL;
    if (event == SMTP_EV_INVALID_PEER_CERTIFICATE) {
        long result = va_arg(ap, long);
        ok = va_arg(ap, int *);
        (void)snprintf(s->tls_problem, sizeof s->tls_problem,
                       "TLS: the server certificate is not trusted (%s)",
                       X509_verify_cert_error_string(result));
    } else if (event == SMTP_EV_WRONG_PEER_CERTIFICATE) {
        ok = va_arg(ap, int *);
        (void)snprintf(s->tls_problem, sizeof s->tls_problem,
                       "TLS: the server certificate is not for %s", s->cfg->smtp_host);
    } else if (event == SMTP_EV_NO_PEER_CERTIFICATE) {
        ok = va_arg(ap, int *);
        (void)snprintf(s->tls_problem, sizeof s->tls_problem,
                       "TLS: the server sent no certificate");
    } else if (event == SMTP_EV_WEAK_CIPHER) {
        (void)va_arg(ap, int);
        ok = va_arg(ap, int *);
        (void)snprintf(s->tls_problem, sizeof s->tls_problem, "TLS: cipher too weak");
    } else if (event == SMTP_EV_EXTNA_STARTTLS) {
        (void)snprintf(s->tls_problem, sizeof s->tls_problem,
                       "the server does not offer STARTTLS and [smtp] starttls = required: "
                       "nothing was sent");
    } else if (event == SMTP_EV_UNUSABLE_CA_LIST || event == SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE) {
        (void)snprintf(s->tls_problem, sizeof s->tls_problem,
                       "TLS: unusable certificate files under ~/.authenticate");
    }
    if (ok)
        *ok = 0;
}

static void event_cb(smtp_session_t session, int event, void *arg, ...)
{
    (void)session;
    struct session *s = arg;
    va_list ap;
    va_start(ap, arg);
    if (event == SMTP_EV_MESSAGESENT)
        on_sent(s, va_arg(ap, smtp_message_t));
    else if (event == SMTP_EV_EXTNA_STARTTLS ||
             (event >= SMTP_EV_WEAK_CIPHER && event != SMTP_EV_STARTTLS_OK))
        tls_event(s, event, ap);
    va_end(ap);
}

static int reply_code(const char *buf, int len)
{
    if (len < 3 || buf[0] < '0' || buf[0] > '9' || buf[1] < '0' || buf[1] > '9' || buf[2] < '0' ||
        buf[2] > '9')
        return -1;
    return (buf[0] - '0') * 100 + (buf[1] - '0') * 10 + (buf[2] - '0');
}

/*
 * libesmtp moves on to MAIL when AUTH fails ("the MTA must accept mail for its own domain"),
 * and a relay then refuses every message with 5xx. Watching the protocol for the AUTH answer
 * keeps a wrong password from turning into hard bounces. Nothing read here is logged.
 */
/* -vv: the protocol, one line per event, AUTH arguments masked, message data not shown. */
static void trace(const char *buf, int len, int writing)
{
    if (log_level_current < LOG_LVL_DEBUG)
        return;
    for (int i = 0; i < len;) {
        int n = 0;
        while (i + n < len && buf[i + n] != '\n')
            n++;
        int shown = n > 0 && buf[i + n - 1] == '\r' ? n - 1 : n;
        if (writing && shown >= 5 && strncasecmp(buf + i, "AUTH ", 5) == 0)
            shown = 5 + (int)strcspn(buf + i + 5, " \r\n");
        else if (writing && shown > 0 && (buf[i] < 'A' || buf[i] > 'Z'))
            shown = 0; /* a SASL response line */
        log_debug("smtp: %s %.*s", writing ? ">" : "<", shown > 200 ? 200 : shown, buf + i);
        i += n + 1;
    }
}

static void monitor_cb(const char *buf, int len, int writing, void *arg)
{
    struct session *s = arg;
    trace(buf, len, writing == SMTP_CB_WRITING);
    if (writing == SMTP_CB_WRITING) {
        for (int i = 0; i + 5 <= len; i++)
            if ((i == 0 || buf[i - 1] == '\n') && strncasecmp(buf + i, "AUTH ", 5) == 0)
                s->auth_pending = true;
        return;
    }
    int reply = writing == SMTP_CB_READING ? reply_code(buf, len) : -1;
    if (reply >= 400) {
        int n = 0;
        while (n < len && buf[n] != '\r' && buf[n] != '\n' && n < 150)
            n++;
        (void)snprintf(s->last_reply, sizeof s->last_reply, "%.*s", n, buf);
    }
    int code = s->auth_pending ? reply : -1;
    if (code < 0 || code == 334)
        return;
    s->auth_pending = false;
    if (code / 100 == 2) {
        s->auth_ok = true;
        return;
    }
    int n = 0;
    while (n < len && buf[n] != '\r' && buf[n] != '\n' && n < 120)
        n++;
    (void)snprintf(s->auth_text, sizeof s->auth_text, "%.*s", n, buf);
}

static int interact(auth_client_request_t request, char **result, int fields, void *arg)
{
    struct session *s = arg;
    for (int i = 0; i < fields; i++) {
        if (request[i].flags & AUTH_USER)
            result[i] = s->cfg->smtp_user;
        else if (request[i].flags & AUTH_PASS)
            result[i] = s->cfg->smtp_password;
        else
            return 0;
    }
    return 1;
}

static void set_timeouts(smtp_session_t session, int64_t ms)
{
    long v = ms < 1000 ? 1000 : ms > 600000 ? 600000 : (long)ms;
    static const int which[] = {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER,
                                Timeout_DATA2};
    for (size_t i = 0; i < sizeof which / sizeof which[0]; i++)
        (void)smtp_set_timeout(session, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM, v);
}

/*
 * Our own TLS context for every session: libesmtp 1.1.0 shares one default context between
 * sessions but frees it with the first one (a use-after-free on the second TLS session), while
 * a context set with smtp_starttls_set_ctx is reference-counted. Peers are verified against
 * the system trust store (or SSL_CERT_FILE / SSL_CERT_DIR).
 *
 * TLS 1.2 exactly: libesmtp 1.1.0's reader intermittently fails on TLS 1.3 post-handshake
 * records (the session tickets servers send after the handshake) and then drops the session
 * (measured: 5 to 16 failed sessions in 40 to 60 against an aiosmtpd/OpenSSL 3 server, none
 * in 80 with TLS 1.2). TLS 1.2 with ECDHE and AEAD ciphers is what relays offer anyway.
 */
static SSL_CTX *tls_context(struct err *e)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_default_verify_paths(ctx)) {
        SSL_CTX_free(ctx);
        err_set(e, URS_ESMTP, "smtp: cannot set up TLS");
        return NULL;
    }
    ERR_clear_error();
    return ctx;
}

static int setup(smtp_session_t session, struct session *s, struct err *e)
{
    const struct config *cfg = s->cfg;
    char server[512];
    (void)snprintf(server, sizeof server, "%s:%ld", cfg->smtp_host, cfg->smtp_port);
    static const enum starttls_option tls[] = {Starttls_DISABLED, Starttls_ENABLED,
                                               Starttls_REQUIRED};
    if (!smtp_set_server(session, server) ||
        !smtp_starttls_enable(
            session, tls[cfg->starttls <= CONFIG_STARTTLS_REQUIRED ? cfg->starttls
                                                                   : CONFIG_STARTTLS_REQUIRED]) ||
        !smtp_set_eventcb(session, event_cb, s) || !smtp_set_monitorcb(session, monitor_cb, s, 0))
        return err_set(e, URS_ESMTP, "smtp: cannot set up a session for %s", server);
    set_timeouts(session, cfg->smtp_timeout_ms);
    if (cfg->starttls != CONFIG_STARTTLS_OFF && !smtp_starttls_set_ctx(session, s->tls))
        return err_set(e, URS_ESMTP, "smtp: cannot set up TLS");
    for (size_t i = 0; i < s->n; i++) {
        const struct db_outbox_row *r = s->msgs[i].row;
        smtp_message_t m = smtp_add_message(session);
        if (!m || !smtp_set_reverse_path(m, cfg->from) ||
            !(s->rcpts[i] = smtp_add_recipient(m, r->recipient)) ||
            !smtp_set_messagecb(m, message_cb, (void *)r))
            return err_set(e, URS_ENOMEM, "smtp: cannot queue outbox=%lld", (long long)r->id);
        smtp_message_set_application_data_release(m, &s->msgs[i], NULL);
        s->msgs[i].smtp = m;
        smtp_size_set_estimate(m, (unsigned long)r->message_len);
    }
    return URS_OK;
}

/* The result of a message that was not accepted, from its recipient and transfer status. */
static void classify(struct notify_smtp_msg *msg, smtp_message_t m, smtp_recipient_t rcpt,
                     const char *session_error)
{
    const smtp_status_t *rs = smtp_recipient_status(rcpt);
    const smtp_status_t *ms = smtp_message_transfer_status(m);
    const smtp_status_t *from = smtp_reverse_path_status(m);
    if (from && from->code >= 400) { /* our sender was refused: the operator's problem */
        msg->result = NOTIFY_SMTP_TEMPFAIL;
        char t[200];
        status_text(from, t, sizeof t);
        (void)snprintf(msg->text, sizeof msg->text, "sender refused: %s", t);
    } else if (rs && rs->code >= 500) {
        msg->result = NOTIFY_SMTP_PERMFAIL;
        msg->hard_bounce = true;
        status_text(rs, msg->text, sizeof msg->text);
    } else if (rs && rs->code >= 400) {
        msg->result = NOTIFY_SMTP_TEMPFAIL;
        status_text(rs, msg->text, sizeof msg->text);
    } else if (ms && ms->code >= 500) {
        msg->result = NOTIFY_SMTP_PERMFAIL;
        /* 5.1.x / 5.2.x after the data: the mailbox itself is refused */
        msg->hard_bounce = ms->enh_class == 5 && (ms->enh_subject == 1 || ms->enh_subject == 2);
        status_text(ms, msg->text, sizeof msg->text);
    } else if (ms && ms->code >= 400) {
        msg->result = NOTIFY_SMTP_TEMPFAIL;
        status_text(ms, msg->text, sizeof msg->text);
    } else {
        msg->result = NOTIFY_SMTP_PENDING;
        (void)snprintf(msg->text, sizeof msg->text, "no answer from the server: %.200s",
                       session_error);
    }
}

/* A failure of the whole session, or NULL. */
static const char *session_failure(struct session *s, int started, char *buf, size_t size)
{
    if (s->tls_problem[0])
        return s->tls_problem;
    if (s->auth_wanted && !s->auth_ok) {
        (void)snprintf(buf, size, "SMTP AUTH as %s failed: %s", s->cfg->smtp_user,
                       s->auth_text[0] ? s->auth_text
                                       : "the server offered no usable AUTH "
                                         "mechanism");
        return buf;
    }
    if (!started) {
        char why[128];
        if (s->last_reply[0])
            (void)snprintf(buf, size, "the server answered %s", s->last_reply);
        else
            (void)snprintf(buf, size, "%s", smtp_strerror(smtp_errno(), why, sizeof why));
        return buf;
    }
    return NULL;
}

static int finish(struct session *s, smtp_session_t session, int started, struct err *e)
{
    char buf[256], why[256];
    const char *failure = session_failure(s, started, buf, sizeof buf);
    (void)snprintf(why, sizeof why, "%s", failure ? failure : "connection closed");
    if (!failure && smtp_errno() == SMTP_ERR_DROPPED_CONNECTION)
        (void)snprintf(why, sizeof why, "the connection was dropped");
    if (!failure && s->last_reply[0] && strcmp(why, "connection closed") == 0)
        (void)snprintf(why, sizeof why, "the server answered %s", s->last_reply);
    size_t pending = 0;
    (void)session;
    for (size_t i = 0; i < s->n; i++) {
        struct notify_smtp_msg *msg = &s->msgs[i];
        if (msg->result == NOTIFY_SMTP_ACCEPTED)
            continue;
        if (failure) {
            msg->result = NOTIFY_SMTP_PENDING;
            (void)snprintf(msg->text, sizeof msg->text, "%s", failure);
        } else {
            classify(msg, msg->smtp, s->rcpts[i], why);
        }
        pending += msg->result == NOTIFY_SMTP_PENDING;
    }
    const char *server = s->cfg->smtp_host;
    if (failure)
        return err_set(e, started ? URS_ESMTP : URS_ENET, "smtp %s:%ld: %s", server,
                       s->cfg->smtp_port, failure);
    if (pending)
        return err_set(e, URS_ENET, "smtp %s:%ld: %s", server, s->cfg->smtp_port, why);
    return URS_OK;
}

/*
 * libesmtp writes with write(2): a server that hangs up mid-message would kill the process
 * with SIGPIPE. Block it for the session and swallow one raised meanwhile (the EPIPE is seen
 * as a dropped connection), leaving the process's signal setup as it was.
 */
static void block_sigpipe(sigset_t *pipe, sigset_t *old)
{
    sigemptyset(pipe);
    sigaddset(pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, pipe, old);
}

static void unblock_sigpipe(const sigset_t *pipe, const sigset_t *old)
{
    sigset_t pending;
    struct timespec zero = {0, 0};
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) && !sigismember(old, SIGPIPE))
        while (sigtimedwait(pipe, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

int notify_smtp_send(const struct config *cfg, struct notify_smtp_msg *msgs, size_t n,
                     notify_smtp_accepted_fn accepted, void *ctx, struct err *e)
{
    struct session s = {.cfg = cfg, .msgs = msgs, .n = n, .accepted = accepted, .ctx = ctx};
    s.auth_wanted = cfg->smtp_user && *cfg->smtp_user;
    if (!(s.rcpts = calloc(n + 1, sizeof *s.rcpts)))
        return err_set(e, URS_ENOMEM, "smtp: out of memory");
    for (size_t i = 0; i < n; i++) {
        msgs[i].result = NOTIFY_SMTP_PENDING;
        msgs[i].hard_bounce = false;
        msgs[i].text[0] = '\0';
    }
    if (cfg->starttls != CONFIG_STARTTLS_OFF && !(s.tls = tls_context(e))) {
        free(s.rcpts);
        return URS_ESMTP;
    }
    smtp_session_t session = smtp_create_session();
    auth_context_t auth = NULL;
    int rc = session ? setup(session, &s, e) : err_set(e, URS_ENOMEM, "smtp: out of memory");
    if (rc == URS_OK && s.auth_wanted) {
        auth_client_init();
        auth = auth_create_context();
        if (!auth || !auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0) ||
            !auth_set_interact_cb(auth, interact, &s) || !smtp_auth_set_context(session, auth))
            rc = err_set(e, URS_ENOMEM, "smtp: cannot set up AUTH");
    }
    if (rc == URS_OK) {
        sigset_t pipe, old;
        block_sigpipe(&pipe, &old);
        int started = smtp_start_session(session);
        unblock_sigpipe(&pipe, &old);
        rc = finish(&s, session, started, e);
    }
    if (session)
        smtp_destroy_session(session); /* drops libesmtp's reference to s.tls */
    SSL_CTX_free(s.tls);
    /* no auth_client_exit(): it unloads the SASL plugins, and libesmtp 1.1.0 then fails to
       pick a mechanism in the next session of this process */
    if (auth)
        auth_destroy_context(auth);
    free(s.rcpts);
    return rc;
}
