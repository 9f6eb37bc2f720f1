/* SPDX-License-Identifier: MIT */
/* The listener and its connections: one thread, ppoll, fixed bounds, one request each. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "notifier/notifier.h"
#include "web/web_int.h"

#define READ_CAP        (WEB_MAX_HEADER + WEB_MAX_BODY) /* a connection's whole request */
#define ACCEPT_BATCH    64                              /* connections taken per wake-up */
#define DRAIN_MS        2000  /* after a response, how long the client may keep sending */
#define PAUSE_MS        100   /* listener rest when out of descriptors or memory */
#define MAX_WAIT_MS     60000 /* longest single wait, even with nothing to do */
#define MAX_TIMEOUT_MS  (24 * 3600 * 1000LL)
#define MAX_CONNECTIONS 65536

enum conn_state { CONN_FREE = 0, CONN_READING, CONN_WRITING, CONN_DRAINING };

struct conn {
    int fd;
    enum conn_state state;
    int64_t started;  /* monotonic ms when accepted */
    int64_t deadline; /* monotonic ms when it is closed, whatever it is doing */
    uint64_t serial;  /* accept order: the smallest is the oldest */
    char *buf;        /* READ_CAP bytes: the request, later scratch for draining */
    size_t len;       /* bytes of the request read */
    size_t head_len;  /* 0 until the head is complete */
    size_t need;      /* head and body bytes the request needs */
    size_t drained;
    size_t sent;
    struct web_request req;
    struct sbuf out;
};

struct web_server {
    int listen_fd;
    long port;
    struct web_opts o;
    volatile sig_atomic_t never; /* the stop flag when the caller gave none */
    struct web_site site;
    struct conn *conns;  /* o.max_connections slots */
    struct pollfd *pfds; /* [0] the listener, then one per busy slot */
    size_t *slot_of;     /* pfds[i + 1] belongs to conns[slot_of[i]] */
    size_t used;
    uint64_t serial;
    int64_t listen_paused_until;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_close(struct web_server *s, struct conn *c)
{
    if (c->state == CONN_FREE)
        return;
    (void)close(c->fd);
    free(c->buf);
    sbuf_free(&c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
    s->used--;
}

/* One info line per answered request: no token, no address, no query string. */
static void log_request(const struct web_server *s, const struct conn *c, int status, int64_t now)
{
    if (log_level_current < LOG_LVL_INFO)
        return;
    char path[96] = "-";
    bool line = c->req.path[0] != '\0'; /* the request line was read */
    if (line)
        web_path_for_log(&s->site, c->req.path, path, sizeof path);
    log_info("web: method=%s path=%s status=%d ms=%lld",
             line ? web_method_name(c->req.method) : "-", path, status,
             (long long)(now - c->started));
}

static void on_writable(struct web_server *s, struct conn *c, int64_t now)
{
    while (c->sent < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* wait for POLLOUT */
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            conn_close(s, c);
            return;
        }
        c->sent += (size_t)w;
    }
    /* Read what the client still sends (a refused body) before closing, so the close does
       not become a reset that destroys the response in flight. */
    (void)shutdown(c->fd, SHUT_WR);
    c->state = CONN_DRAINING;
    if (c->deadline > now + DRAIN_MS)
        c->deadline = now + DRAIN_MS;
}

static void respond(struct web_server *s, struct conn *c, int status, int64_t now)
{
    log_request(s, c, status, now);
    c->state = CONN_WRITING;
    c->sent = 0;
    on_writable(s, c, now);
}

static void refuse(struct web_server *s, struct conn *c, int status, int64_t now)
{
    bool head = c->req.path[0] != '\0' && c->req.method == WEB_HEAD; /* a HEAD gets no body */
    if (web_respond_status(&c->out, status, head) != URS_OK) {
        conn_close(s, c);
        return;
    }
    respond(s, c, status, now);
}

static void dispatch(struct web_server *s, struct conn *c, int64_t now)
{
    int status = 503;
    size_t body_len = c->req.method == WEB_POST ? c->req.content_length : 0;
    if (web_handle(&s->site, &c->req, c->buf + c->head_len, body_len, (int64_t)time(NULL), &c->out,
                   &status) != URS_OK) {
        log_error("web: no memory for a response");
        refuse(s, c, 503, now);
        return;
    }
    respond(s, c, status, now);
}

/* The head is complete: parse it and work out how much body is wanted. */
static void on_head(struct web_server *s, struct conn *c, int64_t now)
{
    int status = 400;
    if (web_request_parse(c->buf, c->head_len, &c->req, &status) != URS_OK) {
        refuse(s, c, status, now);
        return;
    }
    /* a GET or HEAD body is never read: it is drained after the response */
    c->need = c->head_len + (c->req.method == WEB_POST ? c->req.content_length : 0);
    if (c->len >= c->need)
        dispatch(s, c, now);
}

static void on_readable(struct web_server *s, struct conn *c, int64_t now)
{
    size_t cap = c->head_len ? c->need : WEB_MAX_HEADER;
    ssize_t r = recv(c->fd, c->buf + c->len, cap - c->len, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r <= 0) { /* gone before a whole request: nothing to answer */
        conn_close(s, c);
        return;
    }
    size_t before = c->len;
    c->len += (size_t)r;
    if (c->head_len) {
        if (c->len >= c->need)
            dispatch(s, c, now);
        return;
    }
    c->head_len = web_head_end(c->buf, c->len, before);
    if (c->head_len)
        on_head(s, c, now);
    else if (c->len >= WEB_MAX_HEADER)
        refuse(s, c, memmem(c->buf, c->len, "\r\n", 2) ? 431 : 414, now);
}

static void on_drain(struct web_server *s, struct conn *c)
{
    for (;;) {
        ssize_t r = recv(c->fd, c->buf, READ_CAP, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0 && errno == EINTR)
            continue;
        c->drained += r > 0 ? (size_t)r : 0;
        if (r <= 0 || c->drained > WEB_MAX_DRAIN) {
            conn_close(s, c);
            return;
        }
    }
}

static void service(struct web_server *s, struct conn *c, short revents, int64_t now)
{
    if (c->state == CONN_READING && (revents & (POLLIN | POLLHUP | POLLERR)))
        on_readable(s, c, now);
    else if (c->state == CONN_WRITING && (revents & (POLLOUT | POLLHUP | POLLERR)))
        on_writable(s, c, now);
    else if (c->state == CONN_DRAINING && (revents & (POLLIN | POLLHUP | POLLERR)))
        on_drain(s, c);
}

/* Close every connection past its deadline; a request still arriving gets a 408 first. */
static void expire(struct web_server *s, int64_t now)
{
    static const char timeout_reply[] = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
                                        "Connection: close\r\n\r\n";
    for (size_t i = 0; i < s->o.max_connections; i++) {
        struct conn *c = &s->conns[i];
        if (c->state == CONN_FREE || c->deadline > now)
            continue;
        if (c->state == CONN_READING) {
            (void)send(c->fd, timeout_reply, sizeof timeout_reply - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            log_debug("web: a request did not arrive within %lld ms: closed",
                      (long long)s->o.timeout_ms);
        }
        conn_close(s, c);
    }
}

/* A free slot; when the table is full, the oldest connection still sending its request (a
 * slow client, or a slowloris) is dropped to make room, else the oldest of all. */
static struct conn *free_slot(struct web_server *s)
{
    struct conn *oldest = NULL, *oldest_reading = NULL;
    for (size_t i = 0; i < s->o.max_connections; i++) {
        struct conn *c = &s->conns[i];
        if (c->state == CONN_FREE)
            return c;
        if (!oldest || c->serial < oldest->serial)
            oldest = c;
        if (c->state == CONN_READING && (!oldest_reading || c->serial < oldest_reading->serial))
            oldest_reading = c;
    }
    struct conn *victim = oldest_reading ? oldest_reading : oldest;
    if (victim) { /* always, as max_connections >= 1 */
        log_debug("web: %zu connections open: dropped the oldest", s->used);
        conn_close(s, victim);
    }
    return victim;
}

static bool accept_one(struct web_server *s, int64_t now)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            log_errno(LOG_LVL_WARN, "web: cannot accept a connection (pausing %d ms)", PAUSE_MS);
            s->listen_paused_until = now + PAUSE_MS;
            return false;
        }
        /* EAGAIN: none left; ECONNABORTED and the like: that one is gone, try the next */
        return errno != EAGAIN && errno != EWOULDBLOCK;
    }
    struct conn *c = free_slot(s);
    if (c)
        c->buf = malloc(READ_CAP);
    if (!c || !c->buf) {
        log_warn("web: out of memory for a connection");
        (void)close(fd);
        s->listen_paused_until = now + PAUSE_MS;
        return false;
    }
    c->fd = fd;
    c->state = CONN_READING;
    c->started = now;
    c->deadline = now + s->o.timeout_ms;
    c->serial = ++s->serial;
    sbuf_init(&c->out, WEB_MAX_RESPONSE);
    s->used++;
    return true;
}

/* Fill pfds; returns how many entries and sets *wait to the ms until the next deadline. */
static size_t fill_poll(struct web_server *s, int64_t now, int64_t *wait)
{
    size_t n = 1;
    bool paused = s->listen_paused_until > now;
    s->pfds[0] = (struct pollfd){.fd = paused ? -1 : s->listen_fd, .events = POLLIN};
    int64_t next = paused ? s->listen_paused_until : now + MAX_WAIT_MS;
    for (size_t i = 0; i < s->o.max_connections; i++) {
        const struct conn *c = &s->conns[i];
        if (c->state == CONN_FREE)
            continue;
        short ev = c->state == CONN_WRITING ? POLLOUT : POLLIN;
        s->pfds[n] = (struct pollfd){.fd = c->fd, .events = ev};
        s->slot_of[n - 1] = i;
        n++;
        if (c->deadline < next)
            next = c->deadline;
    }
    *wait = next > now ? next - now : 0;
    return n;
}

static int step(struct web_server *s, const sigset_t *wait_mask, struct err *e)
{
    int64_t now = now_ms(), wait;
    size_t n = fill_poll(s, now, &wait);
    struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
    int ready = ppoll(s->pfds, (nfds_t)n, &ts, wait_mask);
    if (ready < 0 && errno == EINTR)
        return URS_OK; /* a signal: the caller checks the stop flag */
    if (ready < 0)
        return err_set(e, URS_ENET, "web: poll: %s", strerror(errno));
    now = now_ms();
    for (size_t i = 1; i < n; i++)
        if (s->pfds[i].revents)
            service(s, &s->conns[s->slot_of[i - 1]], s->pfds[i].revents, now);
    expire(s, now);
    if (s->pfds[0].revents & POLLIN)
        for (int i = 0; i < ACCEPT_BATCH && accept_one(s, now); i++)
            ;
    return URS_OK;
}

int web_server_run(struct web_server *s, struct err *e)
{
    volatile sig_atomic_t *stop = s->o.stop ? s->o.stop : &s->never;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    /* the signals arrive only inside ppoll, so a stop between two checks is never missed */
    if (sigprocmask(SIG_BLOCK, &block, &old) != 0)
        return err_set(e, URS_EINVAL, "web: sigprocmask: %s", strerror(errno));
    int rc = URS_OK;
    while (rc == URS_OK && !*stop)
        rc = step(s, &old, e);
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
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
    s->site = (struct web_site){.db = db,
                                .hmac_key = o->hmac_key,
                                .hmac_key_len = o->hmac_key_len,
                                .site_name = o->site_name};
    int rc = web_site_prefix(&s->site, o->base_url, e);
    if (rc == URS_OK) {
        s->conns = calloc(o->max_connections, sizeof *s->conns);
        s->pfds = calloc(o->max_connections + 1, sizeof *s->pfds);
        s->slot_of = calloc(o->max_connections, sizeof *s->slot_of);
        if (!s->conns || !s->pfds || !s->slot_of)
            rc = err_set(e, URS_ENOMEM, "web: out of memory for %zu connections",
                         o->max_connections);
    }
    if (rc == URS_OK)
        rc = bind_listener(s, e);
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
    for (size_t i = 0; s->conns && i < s->o.max_connections; i++)
        conn_close(s, &s->conns[i]);
    if (s->listen_fd >= 0)
        (void)close(s->listen_fd);
    free(s->conns);
    free(s->pfds);
    free(s->slot_of);
    free(s);
}
