/* srcaddr.c — parsing and round-robin hand-out of connections' local addresses. */
#include "engine/srcaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(struct srcaddr *a, int *cap, const struct sockaddr_storage *ss)
{
    if (a->n >= SRCADDR_MAX)
        return -1;
    if (a->n == *cap) {
        int nc = *cap ? *cap * 2 : 8;
        struct sockaddr_storage *p = realloc(a->addr, (size_t)nc * sizeof *p);
        if (!p)
            return -2;
        a->addr = p;
        *cap = nc;
    }
    a->addr[a->n++] = *ss;
    return 0;
}

/* One item "ADDR" or "A-B" (IPv4), copied into buf (NUL-terminated, trimmed). */
static int item(struct srcaddr *a, int *cap, const char *buf, char *err, int errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    const char *dash = strchr(buf, '-');
    struct in_addr v4;
    struct in6_addr v6;
    if (!dash && inet_pton(AF_INET, buf, &v4) == 1) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_addr = v4;
    } else if (!dash && inet_pton(AF_INET6, buf, &v6) == 1) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = v6;
    } else if (dash) {
        char lo[64], hi[64];
        size_t ll = (size_t)(dash - buf), hl = strlen(dash + 1);
        struct in_addr a4, b4;
        if (ll >= sizeof lo || hl >= sizeof hi)
            goto bad;
        memcpy(lo, buf, ll);
        lo[ll] = '\0';
        memcpy(hi, dash + 1, hl + 1);
        if (inet_pton(AF_INET, lo, &a4) != 1 || inet_pton(AF_INET, hi, &b4) != 1)
            goto bad;
        uint32_t from = ntohl(a4.s_addr), to = ntohl(b4.s_addr);
        if (from > to) {
            snprintf(err, (size_t)errlen, "'%s': the range runs backwards", buf);
            return -1;
        }
        if (to - from >= SRCADDR_MAX) {
            snprintf(err, (size_t)errlen, "'%s': more than %d addresses", buf, SRCADDR_MAX);
            return -1;
        }
        if (a->n && a->family != AF_INET)
            goto mixed;
        a->family = AF_INET;
        for (uint64_t x = from; x <= to; x++) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = htonl((uint32_t)x);
            int rc = add(a, cap, &ss);
            if (rc)
                goto full;
        }
        return 0;
    } else {
        goto bad;
    }
    if (a->n && a->family != ss.ss_family)
        goto mixed;
    a->family = ss.ss_family;
    if (add(a, cap, &ss))
        goto full;
    return 0;
bad:
    snprintf(err, (size_t)errlen, "'%s' is not an IP address or an IPv4 range (A-B)", buf);
    return -1;
mixed:
    snprintf(err, (size_t)errlen, "'%s': IPv4 and IPv6 addresses mixed in one list", buf);
    return -1;
full:
    snprintf(err, (size_t)errlen, "more than %d addresses (or out of memory)", SRCADDR_MAX);
    return -1;
}

int srcaddr_parse(const char *s, struct srcaddr *out, char *err, int errlen)
{
    struct srcaddr a;
    memset(&a, 0, sizeof a);
    int cap = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        char buf[128];
        if (len == 0) {
            snprintf(err, (size_t)errlen, "an empty item in the address list");
            goto fail;
        }
        if (len >= sizeof buf) {
            snprintf(err, (size_t)errlen, "'%.20s...': too long for an address or range", p);
            goto fail;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (item(&a, &cap, buf, err, errlen))
            goto fail;
        if (!end)
            break;
        p = end + 1;
    }
    memset(out, 0, sizeof *out);
    out->addr = a.addr;
    out->n = a.n;
    out->family = a.family;
    atomic_init(&out->next, 0);
    return 0;
fail:
    free(a.addr);
    return -1;
}

const struct sockaddr_storage *srcaddr_next(struct srcaddr *a, socklen_t *len)
{
    if (!a || a->n <= 0)
        return NULL;
    unsigned i = atomic_fetch_add_explicit(&a->next, 1, memory_order_relaxed) % (unsigned)a->n;
    *len = a->family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    return &a->addr[i];
}

void srcaddr_free(struct srcaddr *a)
{
    if (!a)
        return;
    free(a->addr);
    a->addr = NULL;
    a->n = 0;
}
