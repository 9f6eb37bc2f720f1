/* SPDX-License-Identifier: MIT */
/* crawler/ private: robots.txt rules, address checks and retry timing used by the fetch engine. */
#ifndef URSCOUT_CRAWLER_ENGINE_INT_H
#define URSCOUT_CRAWLER_ENGINE_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/err.h"
#include "common/sbuf.h"
#include "crawler/crawler_int.h"

/* ---- robots.txt (crawler/robots.c), RFC 9309 ---- */

/* The rules of one robots.txt that apply to one user agent. */
struct crawl_robots;

/*
 * Parse robots.txt body (only its first URS_MAX_ROBOTS bytes are read) and keep the rules of
 * the groups whose User-agent matches the product token of agent (the text before the first
 * '/' or space, compared case-insensitively); several matching groups are merged; without one
 * the `*` groups apply; without those everything is allowed. body may be NULL (allow all).
 * *out is freed with crawl_robots_free. Returns URS_OK or URS_ENOMEM.
 */
URS_NODISCARD int crawl_robots_parse(const char *body, size_t len, const char *agent,
                                     struct crawl_robots **out);

/*
 * True when path ("/a/b?q", the URL path with its query; "" means "/") may be fetched: the
 * longest matching Allow/Disallow pattern wins (after %-encoding is normalised on both sides),
 * Allow wins a tie, `*` matches any run, a final `$` anchors; /robots.txt is always allowed.
 * A NULL r allows everything.
 */
bool crawl_robots_allowed(const struct crawl_robots *r, const char *path);

/* The Crawl-delay of the chosen groups in milliseconds (the largest stated), or -1 when none. */
int64_t crawl_robots_delay_ms(const struct crawl_robots *r);

/* Number of Allow/Disallow rules kept (for logs and tests). */
size_t crawl_robots_rule_count(const struct crawl_robots *r);

void crawl_robots_free(struct crawl_robots *r);

/* ---- address checks (crawler/netguard.c) ---- */

/*
 * True when sa is an address urscout must not connect to unless the host is allow-listed:
 * unspecified (0.0.0.0/8, ::), loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16),
 * shared (100.64/10), link-local (169.254/16, fe80::/10), unique-local (fc00::/7), multicast and
 * reserved (224/3, ff00::/8); IPv4-mapped and IPv4-compatible IPv6 forms are checked as IPv4.
 */
bool crawl_addr_blocked(const struct sockaddr *sa, size_t sa_len);

/* The numeric text of sa ("10.0.0.1", "::1") into buf; "?" when it cannot be formatted. */
void crawl_addr_text(const struct sockaddr *sa, size_t sa_len, char *buf, size_t size);

/* True when host (a URL host, without brackets or port) is in list (case-insensitive). */
bool crawl_host_listed(const char *host, const char *const *list, size_t list_len);

/* ---- retry timing (crawler/backoff.c) ---- */

/*
 * The wait before attempt `attempt` + 1 (attempt >= 1 failed so far): base_ms * 2^(attempt-1),
 * capped at cap_ms, with "equal jitter" (a uniform draw in [d/2, d]) from *seed.
 */
int64_t crawl_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t *seed);

/*
 * Parse a Retry-After value: delay-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime),
 * relative to now (Unix seconds). A date in the past gives 0. Returns URS_OK with *seconds set,
 * or URS_EPARSE.
 */
URS_NODISCARD int crawl_retry_after_parse(const char *value, int64_t now, int64_t *seconds);

/* ---- the engine's objects (crawler/engine.c, sched.c, fetch.c, worker.c) ---- */

struct engine;
struct ejob;
struct host;
struct xfer;

/* One job's waiting requests on one host: lanes take turns, so sources sharing a host
   progress together and consecutive bodies belong to different jobs (parsed in parallel). */
struct lane {
    struct lane *prev, *next; /* circular */
    struct ejob *job;
    struct xfer *head, *tail;
};

/* How an attempt ended, as fetch_finish sees it. */
enum fetch_outcome {
    FETCH_DONE = 0,     /* 2xx: hand the body on */
    FETCH_NOT_MODIFIED, /* 304 */
    FETCH_REDIRECT,     /* 3xx with a Location: location holds the absolute URL */
    FETCH_RETRY,        /* 429, 5xx, network trouble: may be tried again */
    FETCH_FAIL,         /* for good */
};

/* One attempt's state (crawler/fetch.c). */
struct fetch {
    CURL *easy;
    struct curl_slist *headers;
    struct sbuf body;
    size_t cap;     /* decoded bytes allowed */
    bool cut_ok;    /* robots.txt: stop at cap and keep what came (no error) */
    bool cut;       /* stopped at cap (cut_ok) */
    bool too_large; /* stopped at cap: an error */
    bool nomem;
    bool blocked; /* refused at connect: a private address */
    char blocked_addr[64];
    char errbuf[CURL_ERROR_SIZE];
    int64_t started_ms; /* monotonic */
};

/* What an attempt gave (crawler/fetch.c). Strings malloc'd, freed by fetch_result_clear. */
struct fetch_result {
    enum fetch_outcome outcome;
    long status;
    char *location; /* FETCH_REDIRECT */
    char *content_type;
    char *etag, *last_modified;
    int64_t retry_after; /* seconds, -1 when not given */
    bool dns;            /* name resolution failed */
    bool host_down;      /* resolution or connection failed: the whole host is out */
    char msg[200];       /* reason, without the URL */
};

/* One request through its redirects and retries. */
struct xfer {
    struct xfer *next;          /* link in a host queue, a delay list or a stash */
    struct ejob *job;           /* NULL for a robots.txt fetch */
    struct host *host;          /* the host of url (pacing, connection limit) */
    struct host *robots_for;    /* a robots.txt fetch: the host it decides */
    struct crawl_request rq;    /* owned */
    char *url;                  /* current URL (after redirects), owned */
    char *path;                 /* its path and query, for robots.txt, owned */
    int hops;                   /* redirects followed */
    int attempt;                /* attempts made */
    bool entry;                 /* queued by the adapter's start: a conditional GET candidate */
    bool conditional;           /* send the stored validators */
    char *etag, *last_modified; /* validators to send, owned */
    int64_t not_before;         /* monotonic ms: waiting for a retry */
    struct fetch *f;            /* the running attempt and its body (NULL while waiting) */
    struct fetch_result res;    /* of the last attempt */
};

/* Prepare and configure x's attempt (easy handle, headers, limits). URS_OK or URS_ENOMEM. */
URS_NODISCARD int fetch_begin(struct engine *eng, struct xfer *x, struct err *e);
/* Classify a finished attempt into x->res. */
void fetch_finish(struct engine *eng, struct xfer *x, CURLcode cc);
/* Release the attempt's handle and headers (the body stays until fetch_free_body). */
void fetch_end(struct engine *eng, struct xfer *x);
/* Release the attempt's state and body (after fetch_end). */
void fetch_free_body(struct xfer *x);
void fetch_result_clear(struct fetch_result *r);

/* URL parts: origin "scheme://host:port", host (no brackets), path with query. */
struct url_parts {
    char *origin, *host, *path;
};
URS_NODISCARD int url_split(const char *url, struct url_parts *out);
void url_parts_free(struct url_parts *u);

/* ---- hosts, jobs, the worker and the engine ---- */

enum robots_state { ROBOTS_UNKNOWN = 0, ROBOTS_PENDING, ROBOTS_READY, ROBOTS_OUT };

struct host {
    struct host *next;
    char *origin; /* "scheme://host:port": the robots.txt and pacing key */
    char *name;   /* host name, for the allow-list */
    bool allow_private;
    enum robots_state robots;
    struct crawl_robots *rules; /* NULL: everything allowed */
    bool has_stale;             /* a stored good robots.txt too old to be fresh */
    long stale_status;
    char *stale_body;
    size_t stale_len;
    int64_t stale_at;
    int64_t delay_ms;                  /* least gap between request starts */
    int64_t next_start;                /* monotonic ms */
    long active;                       /* transfers running */
    struct xfer *urgent, *urgent_tail; /* robots.txt and retries: before everything else */
    struct lane *ring;                 /* waiting requests, one lane per job, served in turn */
    char *fail;                        /* the host is out for this run: why */
    const char *fail_step;
    int64_t rate_limited_until;
};

/* Validators seen on an entry response, stored only when the crawl ends complete. */
struct validator {
    struct validator *next;
    char *url, *etag, *last_modified;
};

struct ejob {
    struct engine *eng;
    const struct config_source *src;
    struct crawl_job *job;
    size_t pending; /* live xfers plus tasks at the worker */
    bool finished;
    bool incomplete;  /* a request failed for good */
    bool limited;     /* page limit reached (sources test) */
    bool interrupted; /* stop flag */
    bool cb_failed;   /* the posting callback refused (copied from the task) */
    bool cb_failed_w; /* the same, for the parsing thread that holds the job */
    bool busy_w;      /* a parsing thread holds the job (under the worker lock) */
    size_t pages, errors, listing_reqs, detail_reqs;
    size_t entries, entries_304, entries_full;
    bool other_pages;   /* a non-entry response came */
    struct xfer *stash; /* entries answered 304 while others changed: to re-issue */
    struct validator *validators;
    int64_t started_at, rate_limited_until;
    const char *step;
    char error[256];
};

enum task_kind { TASK_START = 0, TASK_RESPONSE };

/* Work for the parsing thread: start a job, or parse one response. */
struct task {
    struct task *next;
    enum task_kind kind;
    struct ejob *job;
    struct xfer *x; /* TASK_RESPONSE: the finished transfer (body inside) */
    int rc;
    struct err e;
    struct crawl_request *out; /* requests the adapter queued meanwhile */
    size_t out_len, out_cap;
    bool out_nomem;
    bool cb_failed; /* the posting callback refused during this task */
};

#define WORKER_MAX_THREADS 64

struct worker {
    pthread_t threads[WORKER_MAX_THREADS];
    size_t n_threads; /* started; 0: tasks run inline on the fetching thread */
    bool inited;
    bool quit;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct task *in_head, *in_tail;
    struct task *out_head, *out_tail;
};

struct engine {
    const struct crawl_options *o;
    const struct crawl_hooks *h;
    volatile sig_atomic_t *stop;
    CURLM *multi;
    CURLSH *share;
    struct curl_slist *resolve;
    CURL **pool; /* idle easy handles */
    size_t pool_len, pool_cap;
    struct host *hosts;
    struct xfer *delayed; /* waiting for a retry */
    struct xfer *running; /* transfers in the multi handle */
    struct ejob *jobs;
    size_t jobs_len, jobs_done;
    long active;      /* transfers running */
    size_t queued;    /* xfers waiting in host queues and the delay list */
    size_t in_worker; /* tasks handed over, not yet back */
    pthread_mutex_t hook_lock;
    struct worker w;
    uint64_t seed;
    bool stopping;
    int64_t stop_deadline;
    size_t pages, errors;
    int64_t last_progress;
};

/* Clocks: monotonic milliseconds for pacing; the options' wall clock in Unix seconds. */
int64_t eng_mono_ms(void);
int64_t eng_wall(const struct engine *eng);

/* Every hook call goes through these (one hook at a time, whichever thread). */
void eng_hooks_lock(struct engine *eng);
void eng_hooks_unlock(struct engine *eng);

/* engine.c: what the scheduler reports about a job's transfers. */
void engine_response(struct engine *eng, struct xfer *x);
void engine_not_modified(struct engine *eng, struct xfer *x);
void engine_xfer_failed(struct engine *eng, struct xfer *x, const char *step, const char *msg);
void engine_job_release(struct engine *eng, struct ejob *job);
void engine_task_done(struct engine *eng, struct task *t);

/* sched.c: hosts, robots.txt, pacing, starting and finishing transfers. */
struct xfer *xfer_new(struct ejob *job, struct crawl_request *rq_take);
void xfer_free(struct xfer *x);
void sched_submit(struct engine *eng, struct xfer *x);
void sched_start_ready(struct engine *eng);
void sched_finished(struct engine *eng, CURL *easy, CURLcode cc);
int64_t sched_wait_ms(struct engine *eng);
void sched_drop_queued(struct engine *eng);
void sched_abort_running(struct engine *eng);
void sched_free(struct engine *eng);

/* worker.c: the parsing threads (or inline when parse_threads is 0). */
URS_NODISCARD int worker_start(struct engine *eng, struct err *e);
void worker_submit(struct engine *eng, struct task *t);
/* Take the finished tasks (a list), or NULL. */
struct task *worker_collect(struct engine *eng);
void worker_stop(struct engine *eng);

#endif
