/* series.h — the per-second time series of a run: what happened in each second
 * (requests, failures, error classes, latency percentiles, VUs), kept in bounded
 * memory however long the run is. */
#ifndef SURGE_STATS_SERIES_H
#define SURGE_STATS_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "engine/errclass.h"

struct series_point {
    uint32_t t;                   /* start of the interval, seconds since the series'
                                     origin (its scenario's start second); given to
                                     series_append as the second on the run clock */
    uint32_t t_run;               /* start of the interval on the run clock: origin + t
                                     (set by the series) */
    uint32_t span;                /* seconds this point covers (1 until coarsened) */
    uint64_t requests;            /* requests completed in the interval (ok or failed) */
    uint64_t failed;              /* of those, errored or status >= 400 */
    uint64_t bytes_in;            /* response bytes received (head + body) */
    uint64_t errors[ERR__COUNT];  /* failed requests by error class (ERR_NONE unused) */
    uint32_t vus;                 /* active virtual users at the end of the interval */
    uint64_t dropped;             /* arrival-rate iterations due but not started */
    int has_ws;                   /* a WebSocket was opened by then (ws_* are meaningful) */
    uint64_t ws_active;           /* WebSocket connections open at the end of the interval */
    uint64_t ws_msgs_in;          /* WebSocket messages received in the interval */
    double p50_ms, p90_ms, p95_ms, p99_ms, max_ms; /* latency of the interval's requests */
};

typedef struct series series; /* opaque */

/* A series holding at most max_points points (>= 16; 0 means the default, 4096).
 * When an append would exceed that, adjacent pairs are merged, halving the
 * resolution: counters add up exactly; a merged point's percentiles are the
 * request-weighted mean of the two for p50 and p90 and the larger of the two for
 * p95, p99 and max (conservative: a coarsened series never hides a bad second);
 * vus is the later point's. Points are aligned to the series' origin (second 0 of
 * the run clock unless series_set_origin says otherwise): point i covers run seconds
 * [origin + i * span, origin + (i + 1) * span), its t is i * span and its t_run
 * origin + i * span. max_points below 16 is taken as 16. NULL when out of memory. */
series *series_new(size_t max_points);

/* Start the series at run second origin (a scenario that starts later than the
 * run): no points before it, t counts from it. @return 0, or -EINVAL once something
 * was appended (or s is NULL). */
int series_set_origin(series *s, uint32_t origin);
void series_free(series *s); /* NULL is fine */

/* Append the point for run second p->t (p->span and p->t_run are set by the
 * series). Seconds must come in increasing order; a gap (seconds with nothing
 * recorded, including any between the origin and the first append) is stored as
 * explicit zero points so consumers can plot it; once coarsened, a second falling in
 * the last point is merged into it. @return 0, -EINVAL when p->t is before the origin
 * or not after the last appended second (or s or p is NULL), -ENOMEM (the series is
 * unchanged). */
int series_append(series *s, const struct series_point *p);

size_t series_len(const series *s);
/* Point i, decoded into *buf (the series stores points compactly: there is no pointer
 * into it to hand out). @return buf, or NULL past the end (or s or buf NULL). */
const struct series_point *series_get(const series *s, size_t i, struct series_point *buf);
uint32_t series_span(const series *s); /* seconds each point covers now (1, 2, 4, ...) */
uint32_t series_origin(const series *s); /* the run second the series starts at */

#endif
