/* series.c — the per-second time series: gap filling and pair-merging coarsening in bounded
 * memory, stored as compact points in fixed-size chunks. */
#include "stats/series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SERIES_DEFAULT_POINTS 4096
#define SERIES_MIN_POINTS     16
#define CHUNK                 64 /* points per storage chunk */

/* A stored point: what struct series_point holds less what the series knows anyway (t,
 * t_run and span follow from the point's index) and less the error classes, which go
 * in the chunk's error rows only when the point has any. 96 bytes instead of ~300:
 * a long run's series grows by that much per second, in chunks, never by a copy. */
struct cpoint {
    uint64_t requests, failed, bytes_in, dropped, ws_active, ws_msgs_in;
    double p50_ms, p90_ms, p95_ms, p99_ms, max_ms;
    uint32_t vus;
    uint32_t flags; /* CP_* */
};
enum { CP_WS = 1, CP_ERR = 2 };

struct chunk {
    struct cpoint p[CHUNK];
    uint64_t (*err)[ERR__COUNT]; /* CHUNK rows, made when a point of the chunk first has
                                    an error (then kept), else NULL */
};

/* Point i covers seconds [i * span, (i + 1) * span) counted from the origin (a run
 * second): points stay aligned to it, so coarsening merges (0,1), (2,3), ... of the
 * series' own seconds. Everything below works in those relative seconds; t_run is
 * origin + t, set whenever a point's t is. Point i lives in ch[i / CHUNK]; chunks are
 * allocated as the series grows and kept when it is coarsened (they fill again). */
struct series {
    struct chunk **ch;        /* nch chunks allocated, room for maxch */
    size_t nch, maxch;
    size_t len;               /* points stored */
    size_t max;               /* most points ever stored */
    uint32_t span;            /* seconds each point covers: 1, 2, 4, ... */
    uint32_t origin;          /* run second of the series' second 0 */
    uint32_t last_t;          /* relative second of the last append (valid when appended) */
    int appended;             /* whether anything was appended yet */
    int any_err;              /* a point had an error class once */
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
    s->maxch = (max_points + CHUNK - 1) / CHUNK;
    s->span = 1;
    if (!(s->ch = calloc(s->maxch, sizeof *s->ch))) {
        free(s);
        return NULL;
    }
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
    for (size_t i = 0; i < s->nch; i++) {
        free(s->ch[i]->err);
        free(s->ch[i]);
    }
    free(s->ch);
    free(s);
}

static int has_errors(const struct series_point *p)
{
    for (int e = 0; e < ERR__COUNT; e++)
        if (p->errors[e])
            return 1;
    return 0;
}

/* Point i (< len) into *out, t, t_run and span included. */
static void get(const series *s, size_t i, struct series_point *out)
{
    const struct chunk *c = s->ch[i / CHUNK];
    const struct cpoint *q = &c->p[i % CHUNK];
    memset(out, 0, sizeof *out);
    out->t = (uint32_t)i * s->span;
    out->t_run = s->origin + out->t;
    out->span = s->span;
    out->requests = q->requests;
    out->failed = q->failed;
    out->bytes_in = q->bytes_in;
    out->dropped = q->dropped;
    out->ws_active = q->ws_active;
    out->ws_msgs_in = q->ws_msgs_in;
    out->p50_ms = q->p50_ms;
    out->p90_ms = q->p90_ms;
    out->p95_ms = q->p95_ms;
    out->p99_ms = q->p99_ms;
    out->max_ms = q->max_ms;
    out->vus = q->vus;
    out->has_ws = (q->flags & CP_WS) != 0;
    if ((q->flags & CP_ERR) && c->err)
        memcpy(out->errors, c->err[i % CHUNK], sizeof out->errors);
}

/* Store *p as point i (its chunk allocated; its error rows too when p has errors: the
 * callers make sure, see need_err). */
static void put(series *s, size_t i, const struct series_point *p)
{
    struct chunk *c = s->ch[i / CHUNK];
    struct cpoint *q = &c->p[i % CHUNK];
    *q = (struct cpoint){.requests = p->requests, .failed = p->failed, .bytes_in = p->bytes_in,
                         .dropped = p->dropped, .ws_active = p->ws_active,
                         .ws_msgs_in = p->ws_msgs_in, .p50_ms = p->p50_ms, .p90_ms = p->p90_ms,
                         .p95_ms = p->p95_ms, .p99_ms = p->p99_ms, .max_ms = p->max_ms,
                         .vus = p->vus, .flags = p->has_ws ? CP_WS : 0};
    if (has_errors(p) && c->err) {
        memcpy(c->err[i % CHUNK], p->errors, sizeof p->errors);
        q->flags |= CP_ERR;
    }
}

/* Chunks for points [0, n). @return 0 or -ENOMEM (what was made is kept: unused). */
static int need_chunks(series *s, size_t n)
{
    while (s->nch * CHUNK < n && s->nch < s->maxch) {
        struct chunk *c = malloc(sizeof *c);
        if (!c)
            return -ENOMEM;
        c->err = NULL;
        s->ch[s->nch++] = c;
    }
    return 0;
}

/* Error rows for the chunks of points [from, to). @return 0 or -ENOMEM. */
static int need_err(series *s, size_t from, size_t to)
{
    for (size_t k = from / CHUNK; k < s->nch && k * CHUNK < to; k++)
        if (!s->ch[k]->err && !(s->ch[k]->err = calloc(CHUNK, sizeof *s->ch[k]->err)))
            return -ENOMEM;
    return 0;
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
    for (size_t i = 0; i < s->len; i += 2, n++) {
        struct series_point p, q;
        get(s, i, &p);
        if (i + 1 < s->len) {
            get(s, i + 1, &q);
            merge_into(&p, &q);
        }
        put(s, n, &p); /* n <= i: point n was read already */
    }
    s->span *= 2;
    s->len = n;
}

int series_append(series *s, const struct series_point *p)
{
    if (!s || !p || p->t < s->origin)
        return -EINVAL;
    uint32_t rel = p->t - s->origin;
    if (s->appended && rel <= s->last_t)
        return -EINVAL;
    /* Allocate up front (never more than max points) so a failure changes nothing:
     * chunks for the new points; error rows where errors may land (the last point and
     * the new ones, or every chunk once points with errors may be merged by coarsening). */
    size_t want = (size_t)(rel / s->span) + 1;
    if (want > s->max)
        want = s->max;
    int errs = has_errors(p);
    if (need_chunks(s, want) < 0)
        return -ENOMEM;
    if (errs && need_err(s, s->len ? s->len - 1 : 0, want) < 0)
        return -ENOMEM;
    if ((errs || s->any_err) && (size_t)(rel / s->span) >= s->max &&
        need_err(s, 0, s->max) < 0)
        return -ENOMEM;
    s->any_err |= errs;
    struct series_point in = *p, last;
    in.span = 1;
    for (;;) {
        size_t idx = rel / s->span;
        if (s->len > 0 && idx == s->len - 1) {
            get(s, idx, &last); /* the second falls in the last, coarse point */
            merge_into(&last, &in);
            put(s, idx, &last);
            break;
        }
        if (s->len == s->max) {
            coarsen(s);
            continue;
        }
        if (s->len > 0 && s->len - 1 == s->last_t / s->span &&
            (size_t)s->last_t + 1 < s->len * (size_t)s->span) {
            /* Leaving a coarse point that ends in gap seconds: fold in their zeros, as
             * if they had been appended (its vus becomes 0, like a gap's). */
            struct series_point zero;
            memset(&zero, 0, sizeof zero);
            get(s, s->len - 1, &last);
            merge_into(&last, &zero);
            put(s, s->len - 1, &last);
        }
        struct series_point q;
        if (idx == s->len)
            q = in;
        else
            memset(&q, 0, sizeof q); /* a gap: nothing recorded in these seconds */
        put(s, s->len, &q);
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

const struct series_point *series_get(const series *s, size_t i, struct series_point *buf)
{
    if (!s || !buf || i >= s->len)
        return NULL;
    get(s, i, buf);
    return buf;
}

uint32_t series_span(const series *s)
{
    return s ? s->span : 1;
}

uint32_t series_origin(const series *s)
{
    return s ? s->origin : 0;
}
