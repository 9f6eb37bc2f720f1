/* SPDX-License-Identifier: MIT */
/* One HTTP attempt with libcurl: limits, headers, the connect-time address check, the verdict. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "crawler/engine_int.h"

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (n > x->f->cap - x->f->body.len) {
        if (x->f->cut_ok) {
            size_t room = x->f->cap - x->f->body.len;
            if (sbuf_append(&x->f->body, data, room) != URS_OK)
                x->f->nomem = true;
            x->f->cut = true;
        } else {
            x->f->too_large = true;
        }
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (sbuf_append(&x->f->body, data, n) != URS_OK) {
        x->f->nomem = true;
        return 0;
    }
    return n;
}

/* Refuse private, loopback and link-local addresses at connect, after name resolution. */
static curl_socket_t on_open(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = ud;
    (void)purpose;
    if (!x->host->allow_private && crawl_addr_blocked(&a->addr, a->addrlen)) {
        x->f->blocked = true;
        crawl_addr_text(&a->addr, a->addrlen, x->f->blocked_addr, sizeof x->f->blocked_addr);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (!l)
        return URS_ENOMEM;
    *list = l;
    return URS_OK;
}

static int add_headerf(struct curl_slist **list, const char *name, const char *value)
{
    char line[URS_MAX_HEADER];
    int n = snprintf(line, sizeof line, "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof line || strpbrk(value, "\r\n"))
        return URS_OK; /* an unusable stored validator is simply not sent */
    return add_header(list, line);
}

static int build_headers(struct xfer *x)
{
    struct curl_slist **h = &x->f->headers;
    const struct crawl_request *rq = &x->rq;
    int rc = URS_OK;
    if (rq->extra_header)
        rc = add_header(h, rq->extra_header);
    for (size_t i = 0; i < CRAWL_MAX_HEADERS && rc == URS_OK; i++)
        if (rq->headers[i])
            rc = add_header(h, rq->headers[i]);
    if (rc == URS_OK && rq->method == CRAWL_POST) {
        rc = add_header(h, "Expect:"); /* no 100-continue round trip */
        if (rc == URS_OK && rq->content_type)
            rc = add_headerf(h, "Content-Type", rq->content_type);
    }
    if (rc == URS_OK && x->conditional && x->etag)
        rc = add_headerf(h, "If-None-Match", x->etag);
    if (rc == URS_OK && x->conditional && x->last_modified)
        rc = add_headerf(h, "If-Modified-Since", x->last_modified);
    return rc;
}

static CURL *take_easy(struct engine *eng)
{
    if (eng->pool_len > 0) {
        CURL *c = eng->pool[--eng->pool_len];
        curl_easy_reset(c);
        return c;
    }
    return curl_easy_init();
}

static void set_limits(const struct crawl_options *o, CURL *c)
{
    long speed_time = (long)((o->low_speed_time_ms + 999) / 1000);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, speed_time < 1 ? 1L : speed_time);
}

static void set_common(struct engine *eng, struct xfer *x, CURL *c)
{
    const struct crawl_options *o = eng->o;
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_URL, x->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* no proxy from the environment: see the guard */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent);
    curl_easy_setopt(c, CURLOPT_SHARE, eng->share);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->f->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x);
    if (!x->f->cut_ok)
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->f->cap);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    if (eng->resolve)
        curl_easy_setopt(c, CURLOPT_RESOLVE, eng->resolve);
    set_limits(o, c);
}

int fetch_begin(struct engine *eng, struct xfer *x, struct err *e)
{
    fetch_free_body(x); /* a retry starts over */
    fetch_result_clear(&x->res);
    x->f = calloc(1, sizeof *x->f); /* only while running or holding a body: queues stay small */
    if (!x->f)
        return err_set(e, URS_ENOMEM, "%s: out of memory", x->url);
    x->f->cut_ok = x->robots_for != NULL;
    x->f->cap = x->f->cut_ok ? URS_MAX_ROBOTS : (size_t)eng->o->max_body;
    sbuf_init(&x->f->body, x->f->cap);
    x->f->easy = take_easy(eng);
    if (!x->f->easy || build_headers(x) != URS_OK) {
        fetch_end(eng, x);
        return err_set(e, URS_ENOMEM, "%s: out of memory", x->url);
    }
    CURL *c = x->f->easy;
    set_common(eng, x, c);
    if (x->f->headers)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->f->headers);
    if (x->rq.method == CRAWL_POST) {
        const char *body = x->rq.body ? x->rq.body : "";
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    x->f->started_ms = eng_mono_ms();
    return URS_OK;
}

void fetch_end(struct engine *eng, struct xfer *x)
{
    if (!x->f)
        return;
    if (x->f->easy) {
        if (eng->pool_len < eng->pool_cap)
            eng->pool[eng->pool_len++] = x->f->easy;
        else
            curl_easy_cleanup(x->f->easy);
        x->f->easy = NULL;
    }
    curl_slist_free_all(x->f->headers);
    x->f->headers = NULL;
}

void fetch_free_body(struct xfer *x)
{
    if (x->f) {
        sbuf_free(&x->f->body);
        free(x->f);
        x->f = NULL;
    }
}

void fetch_result_clear(struct fetch_result *r)
{
    free(r->location);
    free(r->content_type);
    free(r->etag);
    free(r->last_modified);
    memset(r, 0, sizeof *r);
    r->retry_after = -1;
}

/* A response header's value (the last one of that name), copied; NULL when absent. */
static char *header_dup(CURL *c, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(c, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h || !h->value)
        return NULL;
    if (strlen(h->value) > URS_MAX_HEADER || strpbrk(h->value, "\r\n"))
        return NULL;
    return strdup(h->value);
}

static void read_headers(struct engine *eng, struct xfer *x)
{
    CURL *c = x->f->easy;
    struct fetch_result *r = &x->res;
    r->content_type = header_dup(c, "Content-Type");
    r->etag = header_dup(c, "ETag");
    r->last_modified = header_dup(c, "Last-Modified");
    char *ra = header_dup(c, "Retry-After");
    int64_t secs;
    if (ra && crawl_retry_after_parse(ra, eng_wall(eng), &secs) == URS_OK)
        r->retry_after = secs;
    free(ra);
}

static void set_msg(struct fetch_result *r, const char *fmt, ...) URS_PRINTF(2, 3);
static void set_msg(struct fetch_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
}

static bool is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void judge_http(struct engine *eng, struct xfer *x)
{
    struct fetch_result *r = &x->res;
    read_headers(eng, x);
    if (r->status >= 200 && r->status < 300) {
        r->outcome = FETCH_DONE;
    } else if (r->status == 304) {
        r->outcome = FETCH_NOT_MODIFIED;
    } else if (is_redirect(r->status)) {
        char *loc = NULL;
        curl_easy_getinfo(x->f->easy, CURLINFO_REDIRECT_URL, &loc);
        r->outcome = loc ? FETCH_REDIRECT : FETCH_FAIL;
        r->location = loc ? strdup(loc) : NULL;
        if (loc && !r->location)
            r->outcome = FETCH_FAIL;
        set_msg(r, "HTTP %ld%s", r->status,
                loc ? " redirect" : " redirect without a usable Location");
    } else if (r->status == 429 || r->status == 408 || (r->status >= 500 && r->status <= 599)) {
        r->outcome = FETCH_RETRY;
        set_msg(r, "HTTP %ld", r->status);
    } else {
        r->outcome = FETCH_FAIL;
        set_msg(r, "HTTP %ld", r->status);
    }
}

/* The connection failure in words, from the OS error when curl has one. */
static void connect_reason(struct xfer *x, struct fetch_result *r)
{
    long os = 0;
    curl_easy_getinfo(x->f->easy, CURLINFO_OS_ERRNO, &os);
    const char *why = os == ENETUNREACH    ? "network unreachable"
                      : os == EHOSTUNREACH ? "host unreachable"
                      : os == ECONNREFUSED ? "connection refused"
                      : os == ETIMEDOUT    ? "connection timed out"
                                           : NULL;
    if (why)
        set_msg(r, "could not connect: %s", why);
    else
        set_msg(r, "could not connect: %s", x->f->errbuf[0] ? x->f->errbuf : "failed");
}

static void judge_curl(struct engine *eng, struct xfer *x, CURLcode cc)
{
    struct fetch_result *r = &x->res;
    const struct crawl_options *o = eng->o;
    const char *detail = x->f->errbuf[0] ? x->f->errbuf : curl_easy_strerror(cc);
    r->outcome = FETCH_RETRY;
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        r->dns = r->host_down = true;
        set_msg(r, "could not resolve host %s", x->host->name);
        return;
    case CURLE_COULDNT_CONNECT:
        if (x->f->blocked) {
            r->outcome = FETCH_FAIL;
            snprintf(r->msg, sizeof r->msg,
                     "refused to connect: %s resolves to private address %s (not in allow_hosts)",
                     x->host->name, x->f->blocked_addr);
            return;
        }
        r->host_down = true;
        connect_reason(x, r);
        return;
    case CURLE_OPERATION_TIMEDOUT:
        set_msg(r, "timed out: %s", detail);
        return;
    case CURLE_FILESIZE_EXCEEDED:
        r->outcome = FETCH_FAIL;
        snprintf(r->msg, sizeof r->msg,
                 "response too large (Content-Length over the limit of %lld bytes)",
                 (long long)o->max_body);
        return;
    case CURLE_WRITE_ERROR:
        r->outcome = FETCH_FAIL;
        if (x->f->too_large)
            set_msg(r, "response too large (over %lld decoded bytes)", (long long)o->max_body);
        else
            set_msg(r, "%s", x->f->nomem ? "out of memory" : detail);
        return;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        set_msg(r, "%s", detail);
        return;
    default:
        r->outcome = FETCH_FAIL;
        set_msg(r, "%s", detail);
        return;
    }
}

void fetch_finish(struct engine *eng, struct xfer *x, CURLcode cc)
{
    struct fetch_result *r = &x->res;
    fetch_result_clear(r);
    curl_easy_getinfo(x->f->easy, CURLINFO_RESPONSE_CODE, &r->status);
    if (cc == CURLE_WRITE_ERROR && x->f->cut && !x->f->nomem)
        cc = CURLE_OK; /* robots.txt cut at its limit: what came is what counts */
    if (cc == CURLE_OK)
        judge_http(eng, x);
    else
        judge_curl(eng, x, cc);
}

int url_split(const char *url, struct url_parts *out)
{
    memset(out, 0, sizeof *out);
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    int rc = URS_EINVAL;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        goto out;
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
        goto out;
    (void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
    struct sbuf b;
    sbuf_init(&b, URS_MAX_URL * 2);
    rc = sbuf_printf(&b, "%s://%s:%s", scheme, host, port);
    out->origin = rc == URS_OK ? sbuf_take(&b) : NULL;
    rc = sbuf_printf(&b, "%s%s%s", path, query ? "?" : "", query ? query : "");
    out->path = rc == URS_OK ? sbuf_take(&b) : NULL;
    size_t hl = strlen(host);
    bool bracket = hl >= 2 && host[0] == '[' && host[hl - 1] == ']';
    out->host = bracket ? strndup(host + 1, hl - 2) : strdup(host);
    rc = out->origin && out->path && out->host ? URS_OK : URS_ENOMEM;
    if (rc != URS_OK)
        url_parts_free(out);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

void url_parts_free(struct url_parts *u)
{
    free(u->origin);
    free(u->host);
    free(u->path);
    memset(u, 0, sizeof *u);
}
