/* series.c — the per-second time series: gap filling and pair-merging coarsening in bounded memory. */
#include "stats/series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SERIES_DEFAULT_POINTS 4096
#define SERIES_MIN_POINTS     16

/* Point i covers seconds [i * span, (i + 1) * span) counted from the origin (a run
 * second): points stay aligned to it, so coarsening merges (0,1), (2,3), ... of the
 * series' own seconds. Everything below works in those relative seconds; t_run is
 * origin + t, set whenever a point's t is. */
struct series {
    struct series_point *pts; /* len points in an array of cap (grown up to max) */
    size_t len;               /* points stored */
    size_t cap;               /* points allocated */
    size_t max;               /* most points ever stored */
    uint32_t span;            /* seconds each point covers: 1, 2, 4, ... */
    uint32_t origin;          /* run second of the series' second 0 */
    uint32_t last_t;          /* relative second of the last append (valid when appended) */
    int appended;             /* whether anything was appended yet */
};

series *series_new(size_t max_points)
{
    series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (max_points == 0)
        max_points = SERIES_DEFAULT_POINTS;
    if (max_points < SERIES_MIN_POINTS)
        max_points = SERIES_MIN_POINTS;
    s->max = max_points;
    s->span = 1;
    return s;
}

int series_set_origin(series *s, uint32_t origin)
{
    if (!s || s->appended)
        return -EINVAL;
    s->origin = origin;
    return 0;
}

void series_free(series *s)
{
    if (!s)
        return;
    free(s->pts);
    free(s);
}

static double larger(double a, double b)
{
    return a > b ? a : b;
}

/* Request-weighted mean of a and b; the larger when neither had requests (so that
 * folding in a zero gap point never changes a value, whatever the merge order). */
static double weighted(double a, uint64_t wa, double b, uint64_t wb)
{
    if (wa + wb == 0)
        return larger(a, b);
    return (a * (double)wa + b * (double)wb) / ((double)wa + (double)wb);
}

/* Fold `later` (the following interval) into `into`; t and span are the caller's. */
static void merge_into(struct series_point *into, const struct series_point *later)
{
    uint64_t ra = into->requests, rb = later->requests;
    into->p50_ms = weighted(into->p50_ms, ra, later->p50_ms, rb);
    into->p90_ms = weighted(into->p90_ms, ra, later->p90_ms, rb);
    into->p95_ms = larger(into->p95_ms, later->p95_ms);
    into->p99_ms = larger(into->p99_ms, later->p99_ms);
    into->max_ms = larger(into->max_ms, later->max_ms);
    into->requests += later->requests;
    into->failed += later->failed;
    into->bytes_in += later->bytes_in;
    for (int e = 0; e < ERR__COUNT; e++)
        into->errors[e] += later->errors[e];
    into->dropped += later->dropped;
    into->vus = later->vus; /* at the end of the merged interval */
    into->has_ws |= later->has_ws;
    into->ws_active = later->ws_active;
    into->ws_msgs_in += later->ws_msgs_in;
}

/* Halve the resolution: merge adjacent pairs, doubling the span. */
static void coarsen(series *s)
{
    size_t n = 0;
    s->span *= 2;
    for (size_t i = 0; i < s->len; i += 2, n++) {
        struct series_point p = s->pts[i];
        if (i + 1 < s->len)
            merge_into(&p, &s->pts[i + 1]);
        p.t = (uint32_t)n * s->span;
        p.t_run = s->origin + p.t;
        p.span = s->span;
        s->pts[n] = p;
    }
    s->len = n;
}

/* Make room for `want` points (<= max). @return 0 or -ENOMEM (nothing changed). */
static int reserve(series *s, size_t want)
{
    if (want <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 64;
    if (cap < want)
        cap = want;
    if (cap > s->max)
        cap = s->max;
    struct series_point *pts = realloc(s->pts, cap * sizeof *pts);
    if (!pts)
        return -ENOMEM;
    s->pts = pts;
    s->cap = cap;
    return 0;
}

int series_append(series *s, const struct series_point *p)
{
    if (!s || !p || p->t < s->origin)
        return -EINVAL;
    uint32_t rel = p->t - s->origin;
    if (s->appended && rel <= s->last_t)
        return -EINVAL;
    /* Allocate up front (never more than max points) so a failure changes nothing. */
    size_t want = (size_t)(rel / s->span) + 1;
    if (reserve(s, want < s->max ? want : s->max) < 0)
        return -ENOMEM;
    struct series_point in = *p;
    in.span = 1;
    for (;;) {
        size_t idx = rel / s->span;
        if (s->len > 0 && idx == s->len - 1) {
            merge_into(&s->pts[idx], &in); /* the second falls in the last, coarse point */
            break;
        }
        if (s->len == s->max) {
            coarsen(s);
            continue;
        }
        struct series_point *q = &s->pts[s->len];
        if (s->len > 0 && s->len - 1 == s->last_t / s->span &&
            (size_t)s->last_t + 1 < s->len * (size_t)s->span) {
            /* Leaving a coarse point that ends in gap seconds: fold in their zeros, as
             * if they had been appended (its vus becomes 0, like a gap's). */
            struct series_point zero;
            memset(&zero, 0, sizeof zero);
            merge_into(&s->pts[s->len - 1], &zero);
        }
        if (idx == s->len)
            *q = in;
        else
            memset(q, 0, sizeof *q); /* a gap: nothing recorded in these seconds */
        q->t = (uint32_t)s->len * s->span;
        q->t_run = s->origin + q->t;
        q->span = s->span;
        s->len++;
        if (idx == s->len - 1)
            break;
    }
    s->appended = 1;
    s->last_t = rel;
    return 0;
}

size_t series_len(const series *s)
{
    return s ? s->len : 0;
}

const struct series_point *series_at(const series *s, size_t i)
{
    return s && i < s->len ? &s->pts[i] : NULL;
}

uint32_t series_span(const series *s)
{
    return s ? s->span : 1;
}

uint32_t series_origin(const series *s)
{
    return s ? s->origin : 0;
}
