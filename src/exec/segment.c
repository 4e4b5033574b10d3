/* segment.c — execution segments: which of a plan's numbered work items (VUs,
 * iterations, arrival-rate starts) belong to share K of N. */
#include "exec/segment.h"

#include <errno.h>
#include <stdio.h>

static int norm_n(struct segment s)
{
    return s.n < 1 ? 1 : s.n;
}

static int parse_int(const char **p, int *out)
{
    long v = 0;
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s - '0');
        if (v > SEGMENT_MAX_N)
            return -1;
        s++;
    }
    *p = s;
    *out = (int)v;
    return 0;
}

int segment_parse(const char *s, struct segment *out)
{
    int k, n;
    if (!s || parse_int(&s, &k) || *s++ != '/' || parse_int(&s, &n) || *s)
        return -EINVAL;
    if (k < 1 || n < 1 || k > n)
        return -EINVAL;
    *out = (struct segment){.k = k - 1, .n = n};
    return 0;
}

char *segment_format(struct segment s, char *buf, int len)
{
    snprintf(buf, (size_t)len, "%d/%d", segment_whole(s) ? 1 : s.k + 1, norm_n(s));
    return buf;
}

int segment_whole(struct segment s)
{
    return s.n <= 1;
}

uint64_t segment_count(struct segment s, uint64_t total)
{
    uint64_t n = (uint64_t)norm_n(s), k = segment_whole(s) ? 0 : (uint64_t)s.k;
    return total <= k ? 0 : (total - k - 1) / n + 1;
}

int segment_count_int(struct segment s, int total)
{
    return total <= 0 ? 0 : (int)segment_count(s, (uint64_t)total);
}

int segment_owns(struct segment s, uint64_t g)
{
    return segment_whole(s) || g % (uint64_t)s.n == (uint64_t)s.k;
}

uint64_t segment_item(struct segment s, uint64_t j)
{
    return segment_whole(s) ? j : (uint64_t)s.k + j * (uint64_t)s.n;
}

struct segment segment_split(struct segment s, int part, int parts)
{
    if (parts < 1)
        parts = 1;
    int n = norm_n(s), k = segment_whole(s) ? 0 : s.k;
    return (struct segment){.k = k + n * part, .n = n * parts};
}

double segment_fraction(struct segment s)
{
    return 1.0 / norm_n(s);
}
