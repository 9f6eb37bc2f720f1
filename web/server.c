/* SPDX-License-Identifier: MIT */
/* The server: libmicrohttpd on one epoll thread, with the limits checked on every head. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "notifier/notifier.h"
#include "web/web_int.h"

#define MAX_TIMEOUT_MS  (24 * 3600 * 1000LL)
#define MAX_CONNECTIONS 65536
#define MEMORY_LIMIT    (WEB_MAX_HEADER + 8192) /* per connection: the head and read buffer */

const struct web_route *const web_route_tables[] = {
    web_static_routes,
    web_unsubscribe_routes,
    web_prefs_routes,
    web_matches_routes,
    web_coach_routes,
    web_signup_routes,
    NULL,
};

struct web_server {
    int listen_fd;
    long port;
    struct web_opts o;
    volatile sig_atomic_t never; /* the stop flag when the caller gave none */
    struct web_site site;
    struct MHD_Daemon *daemon;
    atomic_bool notices; /* a page queued a notice since web_server_take_notices */
};

/* What one request holds between the calls libmicrohttpd makes for it. */
struct pending {
    struct sbuf body;
    int refused; /* a status decided on the head or while reading the body */
    int64_t started;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *web_req_query(const struct web_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum web_method parse_method(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return WEB_GET;
    if (strcmp(m, "HEAD") == 0)
        return WEB_HEAD;
    if (strcmp(m, "POST") == 0)
        return WEB_POST;
    return 0;
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)key;
    (void)value;
    (*(size_t *)cls)++;
    return MHD_YES;
}

/* The status to refuse a request with from its head alone, or 0. */
static int check_head(struct MHD_Connection *c, const char *method, const char *url)
{
    size_t headers = 0;
    (void)MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &headers);
    if (headers > WEB_MAX_HEADERS)
        return 431;
    if (strlen(url) > WEB_MAX_TARGET)
        return 414;
    enum web_method m = parse_method(method);
    if (!m)
        return 405;
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return 411; /* bodies come with a Content-Length only */
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (m == WEB_POST && !cl)
        return 411;
    if (cl) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || end == cl || *end)
            return 400;
        if (n > WEB_MAX_BODY)
            return 413;
    }
    return 0;
}

static void log_request(const struct web_server *s, const char *method, const char *url, int status,
                        const struct pending *p)
{
    if (log_level_current < LOG_LVL_INFO)
        return;
    char path[96];
    web_path_for_log(web_route_tables, &s->site, url, path, sizeof path);
    log_info("web: method=%s path=%s status=%d ms=%lld", parse_method(method) ? method : "-", path,
             status, (long long)(now_ms() - p->started));
}

static enum MHD_Result send_resp(struct MHD_Connection *c, const struct web_resp *r, bool close)
{
    struct MHD_Response *mr = MHD_create_response_from_buffer(
        r->body.len, r->body.data ? r->body.data : (char *)"", MHD_RESPMEM_MUST_COPY);
    if (!mr)
        return MHD_NO;
    bool ok =
        MHD_add_response_header(mr, "Content-Type", r->content_type) == MHD_YES &&
        MHD_add_response_header(mr, "Cache-Control",
                                r->cacheable ? "public, max-age=3600" : "no-store") == MHD_YES;
    for (size_t i = 0; ok && web_security_headers[i]; i += 2) {
        const char *value = web_security_headers[i + 1];
        if (r->mail_styles && strcmp(web_security_headers[i], "Content-Security-Policy") == 0)
            value = web_csp_mail;
        ok = MHD_add_response_header(mr, web_security_headers[i], value) == MHD_YES;
    }
    for (size_t i = 0; ok && i < r->n_headers; i++)
        ok = MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value) == MHD_YES;
    if (ok && close)
        ok = MHD_add_response_header(mr, "Connection", "close") == MHD_YES;
    enum MHD_Result rc = ok ? MHD_queue_response(c, (unsigned)r->status, mr) : MHD_NO;
    MHD_destroy_response(mr);
    return rc;
}

static void fill_client(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    (void)snprintf(out, size, "-");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                        (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        (void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                        (socklen_t)size);
}

static enum MHD_Result answer(struct web_server *s, struct MHD_Connection *c, const char *method,
                              const char *url, struct pending *p)
{
    struct web_resp resp;
    web_resp_init(&resp);
    struct web_req req;
    memset(&req, 0, sizeof req);
    req.method = parse_method(method);
    req.body = p->body.data ? p->body.data : "";
    req.body_len = p->body.len;
    req.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    req.cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
    req.now = (int64_t)time(NULL);
    req.conn = c;
    fill_client(c, req.client, sizeof req.client);
    int rc = URS_OK;
    if (p->refused) {
        if (p->refused == 405)
            rc = web_resp_header(&resp, "Allow", "GET, HEAD, POST");
        if (rc == URS_OK)
            rc = web_resp_page_status(&resp, &s->site, p->refused);
    } else {
        rc = web_dispatch(&s->site, &req, url, &resp);
    }
    enum MHD_Result mr = MHD_NO;
    if (rc == URS_OK) {
        log_request(s, method, url, resp.status, p);
        mr = send_resp(c, &resp, p->refused != 0);
    } else {
        log_error("web: no memory for a response");
    }
    web_resp_free(&resp);
    return mr;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct web_server *s = cls;
    struct pending *p = *con_cls;
    if (!p) {
        if (!(p = calloc(1, sizeof *p)))
            return MHD_NO;
        sbuf_init(&p->body, WEB_MAX_BODY);
        p->started = now_ms();
        *con_cls = p;
        p->refused = check_head(c, method, url);
        if (p->refused) /* answered before any body is read */
            return answer(s, c, method, url, p);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!p->refused && sbuf_append(&p->body, upload_data, *upload_data_size) != URS_OK)
            p->refused = 413;
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(s, c, method, url, p);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct pending *p = *con_cls;
    if (!p)
        return;
    sbuf_free(&p->body);
    free(p);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (log_level_current < LOG_LVL_DEBUG)
        return;
    char msg[256];
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_debug("web: libmicrohttpd: %s", msg);
}

int web_server_run(struct web_server *s, struct err *e)
{
    (void)e;
    volatile sig_atomic_t *stop = s->o.stop ? s->o.stop : &s->never;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    /* the signals arrive only inside sigsuspend, so a stop between two checks is not missed */
    (void)sigprocmask(SIG_BLOCK, &block, &old);
    if (!s->o.send_notices) {
        while (!*stop)
            (void)sigsuspend(&old);
    } else {
        /* a second at most between a queued notice (a confirmation mail) and its sending */
        while (!*stop) {
            struct timespec wait = {1, 0};
            int sig = sigtimedwait(&block, NULL, &wait);
            if (sig == SIGTERM || sig == SIGINT)
                *stop = 1;
            else if (web_server_take_notices(s))
                s->o.send_notices(s->o.send_ctx);
        }
    }
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    return URS_OK;
}

bool web_server_take_notices(struct web_server *s)
{
    return s && atomic_exchange(&s->notices, false);
}

static int bind_listener(struct web_server *s, struct err *e)
{
    char host[256], port[16];
    size_t hl = strlen(s->o.listen);
    bool bracketed = hl > 2 && s->o.listen[0] == '[' && s->o.listen[hl - 1] == ']';
    (void)snprintf(host, sizeof host, "%.*s", (int)(bracketed ? hl - 2 : hl),
                   s->o.listen + bracketed);
    (void)snprintf(port, sizeof port, "%ld", s->o.port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0)
        return err_set(e, URS_ENET, "web: listen address '%s': %s", host, gai_strerror(g));
    int err = 0;
    for (struct addrinfo *ai = res; ai && s->listen_fd < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
            s->listen_fd = fd;
            break;
        }
        err = errno;
        if (fd >= 0)
            (void)close(fd);
    }
    freeaddrinfo(res);
    if (s->listen_fd < 0)
        return err_set(e, URS_ENET, "web: cannot listen on %s port %ld: %s", host, s->o.port,
                       strerror(err));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &sl) != 0)
        return err_set(e, URS_ENET, "web: the port bound on %s: %s", host, strerror(errno));
    s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    return URS_OK;
}

static int check_opts(const struct web_opts *o, struct err *e)
{
    if (!o->listen || !*o->listen)
        return err_set(e, URS_EINVAL, "web: no listen address");
    if (o->port < 0 || o->port > 65535)
        return err_set(e, URS_EINVAL, "web: port %ld is not 0-65535", o->port);
    if (o->timeout_ms < 1 || o->timeout_ms > MAX_TIMEOUT_MS)
        return err_set(e, URS_EINVAL, "web: timeout %lld ms is not 1 ms to 24 h",
                       (long long)o->timeout_ms);
    if (o->max_connections < 1 || o->max_connections > MAX_CONNECTIONS)
        return err_set(e, URS_EINVAL, "web: max connections %zu is not 1-%d", o->max_connections,
                       MAX_CONNECTIONS);
    if (!o->hmac_key || o->hmac_key_len < NOTIFY_MIN_KEY)
        return err_set(e, URS_EINVAL,
                       "web: no HMAC key of %d bytes or more to check unsubscribe links with "
                       "(set [delivery] hmac_key_file or URSCOUT_HMAC_KEY, as for digests)",
                       NOTIFY_MIN_KEY);
    return URS_OK;
}

static int start_daemon(struct web_server *s, struct err *e)
{
    unsigned timeout_s = (unsigned)((s->o.timeout_ms + 999) / 1000);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGPIPE);
    /* the server thread inherits this mask: signals go to the thread in web_server_run */
    (void)pthread_sigmask(SIG_BLOCK, &block, &old);
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        on_request, s, MHD_OPTION_LISTEN_SOCKET, s->listen_fd, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->o.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        /* no Host, bare LF, space before a colon: refused, so a proxy and this server
           cannot read one request two ways */
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_END);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!s->daemon)
        return err_set(e, URS_ENET, "web: libmicrohttpd did not start on port %ld", s->port);
    s->listen_fd = -1; /* the daemon owns it now */
    return URS_OK;
}

int web_server_open(const struct web_opts *o, struct db *db, struct web_server **out, struct err *e)
{
    *out = NULL;
    if (check_opts(o, e) != URS_OK)
        return URS_EINVAL;
    struct web_server *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, URS_ENOMEM, "web: out of memory");
    s->listen_fd = -1;
    s->o = *o;
    s->site =
        (struct web_site){.db = db,
                          .hmac_key = o->hmac_key,
                          .hmac_key_len = o->hmac_key_len,
                          .site_name = o->site_name && *o->site_name ? o->site_name : "urscout",
                          .base_url = o->base_url ? o->base_url : "",
                          .cfg = o->cfg,
                          .notices = &s->notices};
    atomic_init(&s->notices, false);
    int rc = web_site_prefix(&s->site, o->base_url, e);
    if (rc == URS_OK)
        rc = bind_listener(s, e);
    if (rc == URS_OK)
        rc = start_daemon(s, e);
    if (rc != URS_OK) {
        web_server_close(s);
        return rc;
    }
    *out = s;
    return URS_OK;
}

long web_server_port(const struct web_server *s)
{
    return s->port;
}

void web_server_close(struct web_server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    if (s->listen_fd >= 0)
        (void)close(s->listen_fd);
    free(s);
}
