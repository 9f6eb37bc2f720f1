/* SPDX-License-Identifier: MIT */
/* Retry timing: exponential backoff with jitter, and Retry-After as seconds or an HTTP-date. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crawler/engine_int.h"

static uint64_t next_random(uint64_t *seed)
{
    /* xorshift64*: plenty for spreading retries; never used for anything secret. */
    uint64_t x = *seed ? *seed : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *seed = x;
    return x * 0x2545F4914F6CDD1Dull;
}

int64_t crawl_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t *seed)
{
    if (attempt < 1)
        attempt = 1;
    if (base_ms < 1)
        base_ms = 1;
    int64_t d = base_ms;
    for (int i = 1; i < attempt && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    int64_t half = d / 2;
    if (half < 1)
        return d;
    return half + (int64_t)(next_random(seed) % (uint64_t)(d - half + 1));
}

/* The three HTTP-date forms of RFC 9110 5.6.7. */
static int parse_http_date(const char *s, int64_t *out)
{
    static const char *const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
        "%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
        "%a %b %e %H:%M:%S %Y",      /* asctime: Sun Nov  6 08:49:37 1994 */
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(s, formats[i], &tm);
        if (!end)
            continue;
        while (isspace((unsigned char)*end))
            end++;
        if (*end)
            continue;
        time_t t = timegm(&tm);
        if (t == (time_t)-1)
            continue;
        *out = (int64_t)t;
        return URS_OK;
    }
    return URS_EPARSE;
}

int crawl_retry_after_parse(const char *value, int64_t now, int64_t *seconds)
{
    if (!value)
        return URS_EPARSE;
    while (isspace((unsigned char)*value))
        value++;
    if (isdigit((unsigned char)*value)) {
        char *end;
        errno = 0;
        long long n = strtoll(value, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end)
            return URS_EPARSE;
        if (errno == ERANGE || n > (long long)100 * 365 * 86400)
            n = (long long)100 * 365 * 86400; /* absurd: treat as "very long"; caller caps */
        *seconds = n;
        return URS_OK;
    }
    int64_t at;
    if (parse_http_date(value, &at) != URS_OK)
        return URS_EPARSE;
    *seconds = at > now ? at - now : 0;
    return URS_OK;
}
