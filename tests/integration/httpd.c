/* SPDX-License-Identifier: MIT */
/* The test HTTP server: one thread per connection, routes with scripted (mis)behaviour. */
#include "httpd.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct route {
    struct route *next;
    char *path;
    struct httpd_resp *seq;
    size_t n;
    size_t served;
};

struct httpd {
    int fd;
    int port;
    char base[64];
    pthread_t accept_thread;
    pthread_mutex_t lock;
    pthread_cond_t idle;
    atomic_int stopping;
    struct route *routes;
    struct httpd_log *log;
    size_t log_len, log_cap;
    size_t conns, max_conns, threads;
    unsigned next_conn;
};

struct conn {
    struct httpd *s;
    int fd;
    unsigned id;
};

int64_t httpd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    assert(d);
    return d;
}

void httpd_route(struct httpd *s, const char *path, const struct httpd_resp *seq, size_t n)
{
    assert(n > 0);
    struct route *r = calloc(1, sizeof *r);
    assert(r);
    r->path = dup_or_null(path);
    r->seq = calloc(n, sizeof *r->seq);
    assert(r->seq);
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        struct httpd_resp *d = &r->seq[i];
        *d = seq[i];
        size_t len =
            seq[i].body && seq[i].body_len == (size_t)-1 ? strlen(seq[i].body) : seq[i].body_len;
        d->body_len = seq[i].body ? len : 0;
        if (seq[i].body) {
            char *b = malloc(len + 1);
            assert(b);
            memcpy(b, seq[i].body, len);
            b[len] = '\0';
            d->body = b;
        }
        d->headers = dup_or_null(seq[i].headers);
        d->etag = dup_or_null(seq[i].etag);
        d->last_modified = dup_or_null(seq[i].last_modified);
    }
    pthread_mutex_lock(&s->lock);
    r->next = s->routes;
    s->routes = r;
    pthread_mutex_unlock(&s->lock);
}

void httpd_simple(struct httpd *s, const char *path, int status, const char *headers,
                  const char *body)
{
    struct httpd_resp r = {
        .status = status, .headers = headers, .body = body, .body_len = (size_t)-1};
    httpd_route(s, path, &r, 1);
}

static bool route_matches(const struct route *r, const char *target)
{
    size_t n = strlen(r->path);
    if (n > 0 && r->path[n - 1] == '*')
        return strncmp(r->path, target, n - 1) == 0;
    return strcmp(r->path, target) == 0;
}

/* The answer for target (copied into *out), or false for a 404. */
static bool route_pick(struct httpd *s, const char *target, struct httpd_resp *out)
{
    bool found = false;
    pthread_mutex_lock(&s->lock);
    for (struct route *r = s->routes; r; r = r->next) {
        if (!route_matches(r, target))
            continue;
        size_t i = r->served < r->n ? r->served : r->n - 1;
        r->served++;
        *out = r->seq[i];
        found = true;
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

static size_t log_add(struct httpd *s, const struct httpd_log *e)
{
    pthread_mutex_lock(&s->lock);
    if (s->log_len == s->log_cap) {
        s->log_cap = s->log_cap ? s->log_cap * 2 : 64;
        s->log = realloc(s->log, s->log_cap * sizeof *s->log);
        assert(s->log);
    }
    size_t at = s->log_len++;
    s->log[at] = *e;
    pthread_mutex_unlock(&s->lock);
    return at;
}

static void log_done(struct httpd *s, size_t at, int status)
{
    pthread_mutex_lock(&s->lock);
    if (at < s->log_len) {
        s->log[at].done_ms = httpd_now_ms();
        s->log[at].status = status;
    }
    pthread_mutex_unlock(&s->lock);
}

static bool send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Wait up to ms for the peer to send or hang up; true when the peer is gone. */
static bool peer_gone(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return false;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static void copy_header(const char *head, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = head; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
            continue;
        const char *v = p + nl + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t n = strcspn(v, "\r\n");
        if (n >= size)
            n = size - 1;
        memcpy(out, v, n);
        out[n] = '\0';
        return;
    }
}

/* Read one request head (and skip a Content-Length body). False when the connection ends. */
static bool read_request(struct conn *c, char *buf, size_t size, struct httpd_log *e)
{
    size_t len = 0;
    int idle_ms = 0;
    while (!strstr(buf, "\r\n\r\n")) {
        if (c->s->stopping || idle_ms > 10000 || len + 1 >= size)
            return false;
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 100) == 0) {
            idle_ms += 100;
            continue;
        }
        ssize_t n = recv(c->fd, buf + len, size - len - 1, 0);
        if (n <= 0)
            return false;
        len += (size_t)n;
        buf[len] = '\0';
    }
    memset(e, 0, sizeof *e);
    if (sscanf(buf, "%7s %511s", e->method, e->target) != 2)
        return false;
    copy_header(buf, "Host", e->host, sizeof e->host);
    copy_header(buf, "User-Agent", e->user_agent, sizeof e->user_agent);
    copy_header(buf, "If-None-Match", e->if_none_match, sizeof e->if_none_match);
    copy_header(buf, "If-Modified-Since", e->if_modified_since, sizeof e->if_modified_since);
    char cl[32];
    copy_header(buf, "Content-Length", cl, sizeof cl);
    size_t head = (size_t)(strstr(buf, "\r\n\r\n") - buf) + 4;
    size_t body = cl[0] ? strtoul(cl, NULL, 10) : 0;
    size_t have = len - head;
    while (have < body) { /* drain the request body */
        char sink[4096];
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n <= 0)
            return false;
        have += (size_t)n;
    }
    e->t_ms = httpd_now_ms();
    e->conn = c->id;
    return true;
}

static bool send_head(int fd, int status, const char *extra, const char *more)
{
    char head[4096];
    snprintf(head, sizeof head, "HTTP/1.1 %d Scripted\r\nServer: urscout-test\r\n%s%s\r\n", status,
             extra ? extra : "", more ? more : "");
    return send_all(fd, head, strlen(head));
}

static bool serve_body(struct conn *c, const struct httpd_resp *r, const struct httpd_log *e,
                       int *status)
{
    char more[1024];
    bool not_modified =
        (r->etag && e->if_none_match[0] && strcmp(r->etag, e->if_none_match) == 0) ||
        (r->last_modified && e->if_modified_since[0] &&
         strcmp(r->last_modified, e->if_modified_since) == 0);
    int n = 0;
    if (r->etag)
        n += snprintf(more + n, sizeof more - (size_t)n, "ETag: %s\r\n", r->etag);
    if (r->last_modified)
        n += snprintf(more + n, sizeof more - (size_t)n, "Last-Modified: %s\r\n", r->last_modified);
    if (not_modified) {
        *status = 304;
        return send_head(c->fd, 304, r->headers, more);
    }
    *status = r->status ? r->status : 200;
    snprintf(more + n, sizeof more - (size_t)n, "Content-Length: %zu\r\n", r->body_len);
    return send_head(c->fd, *status, r->headers, more) &&
           (!r->body_len || send_all(c->fd, r->body, r->body_len));
}

static void serve_drip(struct conn *c)
{
    if (!send_head(c->fd, 200, "Content-Type: text/plain\r\n", "Content-Length: 100000\r\n"))
        return;
    while (!c->s->stopping) {
        if (!send_all(c->fd, "x", 1) || peer_gone(c->fd, 1000))
            return;
    }
}

static void serve_hang(struct conn *c)
{
    while (!c->s->stopping && !peer_gone(c->fd, 100))
        ;
}

static void serve_stream(struct conn *c, bool chunked)
{
    static char zeros[65536];
    char size_line[32];
    snprintf(size_line, sizeof size_line, "%zx\r\n", sizeof zeros);
    bool ok = chunked ? send_head(c->fd, 200, NULL, "Transfer-Encoding: chunked\r\n")
                      : send_head(c->fd, 200, NULL, "Content-Length: 2147483648\r\n");
    for (size_t sent = 0; ok && !c->s->stopping && sent < ((size_t)4 << 30); sent += sizeof zeros) {
        if (chunked)
            ok = send_all(c->fd, size_line, strlen(size_line)) &&
                 send_all(c->fd, zeros, sizeof zeros) && send_all(c->fd, "\r\n", 2);
        else
            ok = send_all(c->fd, zeros, sizeof zeros);
    }
}

/* gzip of 10 GB of zeros, produced as it is sent: the client must stop long before the end. */
static void serve_gzip_bomb(struct conn *c)
{
    static const unsigned char zeros[1 << 20];
    unsigned char out[65536];
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    bool ok = send_head(c->fd, 200, "Content-Type: application/json\r\n",
                        "Content-Encoding: gzip\r\nConnection: close\r\n");
    for (size_t mb = 0; ok && !c->s->stopping && mb <= 10240; mb++) {
        z.next_in = (unsigned char *)zeros;
        z.avail_in = mb < 10240 ? sizeof zeros : 0;
        int flush = mb < 10240 ? Z_NO_FLUSH : Z_FINISH;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            deflate(&z, flush);
            size_t have = sizeof out - z.avail_out;
            if (have && !send_all(c->fd, out, have))
                ok = false;
        } while (ok && z.avail_out == 0);
    }
    deflateEnd(&z);
}

static void serve_reset(struct conn *c)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

/* Serve one request; false when the connection must close. */
static bool serve(struct conn *c, const struct httpd_log *e, size_t at)
{
    struct httpd_resp r;
    int status = 0;
    bool keep = false;
    if (!route_pick(c->s, e->target, &r)) {
        memset(&r, 0, sizeof r);
        r.status = 404;
        r.body = "not found\n";
        r.body_len = 10;
    }
    switch (r.kind) {
    case HTTPD_BODY:
        keep = serve_body(c, &r, e, &status) &&
               !(r.headers && strcasestr(r.headers, "Connection: close"));
        break;
    case HTTPD_DRIP:
        status = 200;
        serve_drip(c);
        break;
    case HTTPD_HANG:
        serve_hang(c);
        break;
    case HTTPD_RESET:
        serve_reset(c);
        break;
    case HTTPD_HUGE_LENGTH:
    case HTTPD_ENDLESS:
        status = 200;
        serve_stream(c, r.kind == HTTPD_ENDLESS);
        break;
    case HTTPD_GZIP_BOMB:
        status = 200;
        serve_gzip_bomb(c);
        break;
    }
    log_done(c->s, at, status);
    return keep;
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct httpd *s = c->s;
    char *buf = malloc(16384);
    assert(buf);
    for (;;) {
        struct httpd_log e;
        buf[0] = '\0';
        if (!read_request(c, buf, 16384, &e))
            break;
        size_t at = log_add(s, &e);
        if (!serve(c, &e, at))
            break;
    }
    free(buf);
    close(c->fd);
    pthread_mutex_lock(&s->lock);
    s->conns--;
    s->threads--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
    free(c);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct httpd *s = arg;
    while (!s->stopping) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        assert(c);
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->lock);
        c->id = ++s->next_conn;
        s->conns++;
        s->threads++;
        if (s->conns > s->max_conns)
            s->max_conns = s->conns;
        pthread_mutex_unlock(&s->lock);
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, conn_main, c);
        pthread_attr_destroy(&attr);
        if (rc != 0) /* no thread to spare: serve it on this one */
            conn_main(c);
    }
    return NULL;
}

struct httpd *httpd_start(void)
{
    struct httpd *s = calloc(1, sizeof *s);
    assert(s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert(s->fd >= 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = bind(s->fd, (struct sockaddr *)&a, sizeof a);
    assert(rc == 0);
    rc = listen(s->fd, 128);
    assert(rc == 0);
    socklen_t len = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    rc = pthread_create(&s->accept_thread, NULL, accept_main, s);
    assert(rc == 0);
    (void)rc;
    return s;
}

void httpd_stop(struct httpd *s)
{
    if (!s)
        return;
    s->stopping = 1;
    pthread_join(s->accept_thread, NULL);
    close(s->fd);
    pthread_mutex_lock(&s->lock);
    while (s->threads > 0)
        pthread_cond_wait(&s->idle, &s->lock);
    pthread_mutex_unlock(&s->lock);
    while (s->routes) {
        struct route *r = s->routes;
        s->routes = r->next;
        for (size_t i = 0; i < r->n; i++) {
            free((char *)r->seq[i].body);
            free((char *)r->seq[i].headers);
            free((char *)r->seq[i].etag);
            free((char *)r->seq[i].last_modified);
        }
        free(r->seq);
        free(r->path);
        free(r);
    }
    free(s->log);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int httpd_port(const struct httpd *s)
{
    return s->port;
}

const char *httpd_base(const struct httpd *s)
{
    return s->base;
}

size_t httpd_count(struct httpd *s, const char *prefix)
{
    size_t n = 0, pl = strlen(prefix);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->log_len; i++)
        if (strncmp(s->log[i].target, prefix, pl) == 0)
            n++;
    pthread_mutex_unlock(&s->lock);
    return n;
}

struct httpd_log *httpd_log_copy(struct httpd *s, size_t *n)
{
    pthread_mutex_lock(&s->lock);
    struct httpd_log *copy = malloc((s->log_len + 1) * sizeof *copy);
    assert(copy);
    if (s->log_len)
        memcpy(copy, s->log, s->log_len * sizeof *copy);
    *n = s->log_len;
    pthread_mutex_unlock(&s->lock);
    return copy;
}

size_t httpd_max_conns(struct httpd *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->max_conns;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void httpd_reset(struct httpd *s)
{
    pthread_mutex_lock(&s->lock);
    s->log_len = 0;
    s->max_conns = s->conns;
    pthread_mutex_unlock(&s->lock);
}
