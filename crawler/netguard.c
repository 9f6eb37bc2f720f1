/* SPDX-License-Identifier: MIT */
/* Which resolved addresses the crawler refuses to connect to (SSRF guard), and host allow-lists. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crawler/engine_int.h"

static bool v4_blocked(uint32_t a)
{
    static const struct {
        uint32_t net;
        int bits;
    } ranges[] = {
        {0x00000000u, 8},  /* 0.0.0.0/8 "this network" */
        {0x0A000000u, 8},  /* 10/8 */
        {0x64400000u, 10}, /* 100.64/10 shared address space */
        {0x7F000000u, 8},  /* 127/8 loopback */
        {0xA9FE0000u, 16}, /* 169.254/16 link-local (cloud metadata) */
        {0xAC100000u, 12}, /* 172.16/12 */
        {0xC0000000u, 24}, /* 192.0.0/24 IETF protocol assignments */
        {0xC0A80000u, 16}, /* 192.168/16 */
        {0xC6120000u, 15}, /* 198.18/15 benchmarking */
        {0xE0000000u, 3},  /* 224/4 multicast, 240/4 reserved, broadcast */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        uint32_t mask = 0xFFFFFFFFu << (32 - ranges[i].bits);
        if ((a & mask) == ranges[i].net)
            return true;
    }
    return false;
}

static uint32_t v4_at(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static bool v6_blocked(const unsigned char *b)
{
    static const unsigned char zero[16];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    if (memcmp(b, zero, 15) == 0)
        return true; /* :: and ::1 */
    if (memcmp(b, mapped, 12) == 0 || memcmp(b, zero, 12) == 0 || memcmp(b, nat64, 12) == 0)
        return v4_blocked(v4_at(b + 12)); /* ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d */
    if ((b[0] & 0xfe) == 0xfc)
        return true; /* fc00::/7 unique local */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        return true; /* fe80::/10 link-local */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        return true; /* fec0::/10 old site-local */
    if (b[0] == 0xff)
        return true; /* multicast */
    return false;
}

bool crawl_addr_blocked(const struct sockaddr *sa, size_t sa_len)
{
    if (!sa)
        return true;
    if (sa->sa_family == AF_INET && sa_len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return v4_blocked(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6 && sa_len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return v6_blocked(in6->sin6_addr.s6_addr);
    }
    return true; /* unix sockets and anything else: never */
}

void crawl_addr_text(const struct sockaddr *sa, size_t sa_len, char *buf, size_t size)
{
    const void *src = NULL;
    if (sa && sa->sa_family == AF_INET && sa_len >= sizeof(struct sockaddr_in))
        src = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa && sa->sa_family == AF_INET6 && sa_len >= sizeof(struct sockaddr_in6))
        src = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!src || !inet_ntop(sa->sa_family, src, buf, (socklen_t)size))
        snprintf(buf, size, "?");
}

bool crawl_host_listed(const char *host, const char *const *list, size_t list_len)
{
    if (!host)
        return false;
    for (size_t i = 0; i < list_len; i++)
        if (list[i] && strcasecmp(list[i], host) == 0)
            return true;
    return false;
}
