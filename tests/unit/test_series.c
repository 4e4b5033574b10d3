/* test_series.c — the per-second series against a dense model: gaps, order, coarsening,
 * and a series starting at an origin later than the run's second 0. */
#include "unit.h"

/* series_get with a buffer that lives to the end of the enclosing block */
#define series_at(s, i) series_get((s), (i), &(struct series_point){0})
#include "stats/series.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t rng_state = 0x5EED5EED5EEDULL; /* xorshift64: deterministic */

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A point for second t with made-up but consistent values (requests >= 1). */
static struct series_point make_point(uint32_t t)
{
    struct series_point p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.span = 7; /* ignored: taken as 1 */
    p.requests = 1 + rng_next() % 1000;
    p.failed = rng_next() % (p.requests + 1);
    p.bytes_in = p.requests * (100 + rng_next() % 900);
    for (uint64_t k = 0; k < p.failed; k++)
        p.errors[1 + rng_next() % (ERR__COUNT - 1)]++;
    p.vus = 1 + (uint32_t)(rng_next() % 500);
    p.dropped = rng_next() % 50;
    p.p50_ms = 1 + (double)(rng_next() % 10000) / 100;
    p.p90_ms = p.p50_ms * 2;
    p.p95_ms = p.p50_ms * 3;
    p.p99_ms = p.p50_ms * 4 + (double)(rng_next() % 100);
    p.max_ms = p.p99_ms + (double)(rng_next() % 1000);
    return p;
}

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

/* The model: dense[0..n) holds every second from the origin up to the last append
 * (gaps zero); dense[k] is run second origin + k. */
static int check_origin(const series *s, const struct series_point *dense, size_t n,
                        uint32_t origin)
{
    uint32_t span = series_span(s);
    size_t len = series_len(s);
    int ok = span >= 1 && (span & (span - 1)) == 0;
    ok = ok && len == (n + span - 1) / span && series_at(s, len) == NULL;
    for (size_t i = 0; ok && i < len; i++) {
        const struct series_point *p = series_at(s, i);
        size_t from = i * span, to = from + span < n ? from + span : n;
        struct series_point want;
        memset(&want, 0, sizeof want);
        double w50 = 0, w90 = 0;
        for (size_t k = from; k < to; k++) {
            const struct series_point *d = &dense[k];
            want.requests += d->requests;
            want.failed += d->failed;
            want.bytes_in += d->bytes_in;
            want.dropped += d->dropped;
            for (int e = 0; e < ERR__COUNT; e++)
                want.errors[e] += d->errors[e];
            w50 += d->p50_ms * (double)d->requests;
            w90 += d->p90_ms * (double)d->requests;
            want.p95_ms = fmax(want.p95_ms, d->p95_ms);
            want.p99_ms = fmax(want.p99_ms, d->p99_ms);
            want.max_ms = fmax(want.max_ms, d->max_ms);
        }
        want.vus = dense[to - 1].vus;
        if (want.requests) {
            want.p50_ms = w50 / (double)want.requests;
            want.p90_ms = w90 / (double)want.requests;
        } /* else: only gap seconds, all zero */
        ok = p && p->t == from && p->t_run == origin + from && p->span == span &&
             p->requests == want.requests && p->dropped == want.dropped &&
             p->failed == want.failed && p->bytes_in == want.bytes_in &&
             !memcmp(p->errors, want.errors, sizeof want.errors) && p->vus == want.vus &&
             near(p->p50_ms, want.p50_ms) && near(p->p90_ms, want.p90_ms) &&
             p->p95_ms == want.p95_ms && p->p99_ms == want.p99_ms && p->max_ms == want.max_ms;
        if (!ok)
            printf("    point %zu (t=%u span=%u) differs from the model\n", i, p ? p->t : 0,
                   span);
    }
    return ok;
}

static int check_against(const series *s, const struct series_point *dense, size_t n)
{
    return check_origin(s, dense, n, 0);
}

static void append_len_at(void)
{
    series *s = series_new(0);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(series_len(s), 0);
    CHECK(series_at(s, 0) == NULL);
    CHECK_INT(series_span(s), 1);
    struct series_point d[3];
    for (uint32_t t = 0; t < 3; t++) {
        d[t] = make_point(t);
        CHECK_INT(series_append(s, &d[t]), 0);
    }
    CHECK_INT(series_len(s), 3);
    CHECK_INT(series_span(s), 1);
    for (size_t i = 0; i < 3; i++) {
        const struct series_point *p = series_at(s, i);
        CHECK(p != NULL);
        if (!p)
            continue;
        CHECK_INT(p->t, i);
        CHECK_INT(p->span, 1);
        CHECK_INT(p->requests, d[i].requests);
        CHECK_INT(p->vus, d[i].vus);
        CHECK(p->p99_ms == d[i].p99_ms);
    }
    CHECK(series_at(s, 3) == NULL);
    for (int i = 0; i < 3; i++)
        d[i].span = 1;
    CHECK(check_against(s, d, 3));
    series_free(s);
}

static void gaps(void)
{
    series *s = series_new(0);
    CHECK(s != NULL);
    if (!s)
        return;
    struct series_point dense[10];
    memset(dense, 0, sizeof dense);
    /* First point at second 3: seconds 0..2 are gaps too (the series starts at 0). */
    dense[3] = make_point(3);
    dense[4] = make_point(4);
    dense[9] = make_point(9);
    CHECK_INT(series_append(s, &dense[3]), 0);
    CHECK_INT(series_len(s), 4);
    CHECK_INT(series_append(s, &dense[4]), 0);
    CHECK_INT(series_append(s, &dense[9]), 0);
    CHECK_INT(series_len(s), 10);
    for (size_t i = 0; i < 10; i++) {
        const struct series_point *p = series_at(s, i);
        CHECK(p && p->t == i && p->span == 1);
        if (p && (i < 3 || (i > 4 && i < 9)))
            CHECK(p->requests == 0 && p->failed == 0 && p->vus == 0 && p->max_ms == 0);
    }
    CHECK(check_against(s, dense, 10));
    series_free(s);
}

static void out_of_order(void)
{
    series *s = series_new(16);
    CHECK(s != NULL);
    if (!s)
        return;
    struct series_point p = make_point(5), q = make_point(5), r = make_point(2);
    CHECK_INT(series_append(s, &p), 0);
    CHECK_INT(series_append(s, &q), -EINVAL); /* same second */
    CHECK_INT(series_append(s, &r), -EINVAL); /* earlier */
    CHECK_INT(series_len(s), 6);
    CHECK_INT(series_at(s, 5)->requests, p.requests);
    CHECK_INT(series_append(s, NULL), -EINVAL);
    CHECK_INT(series_append(NULL, &p), -EINVAL);
    q.t = 6;
    CHECK_INT(series_append(s, &q), 0);
    CHECK_INT(series_len(s), 7);
    /* Out of order after coarsening: the last second, not the last point, counts. */
    for (uint32_t t = 7; t < 40; t++) {
        struct series_point x = make_point(t);
        CHECK_INT(series_append(s, &x), 0);
    }
    CHECK(series_span(s) > 1);
    r.t = 39;
    CHECK_INT(series_append(s, &r), -EINVAL);
    r.t = 38;
    CHECK_INT(series_append(s, &r), -EINVAL);
    series_free(s);
}

/* Append seconds [origin, origin + n) (or a sparse subset when sparse) to a series
 * of max points starting at origin, and compare it with the dense model after every
 * append. */
static int coarsen_from(size_t max, uint32_t n, int sparse, uint32_t origin)
{
    series *s = series_new(max);
    struct series_point *dense = calloc(n, sizeof *dense);
    int ok = s && dense && (origin == 0 || series_set_origin(s, origin) == 0);
    uint64_t req = 0, failed = 0, err[ERR__COUNT] = {0};
    double max_ms = 0;
    uint32_t last = 0;
    for (uint32_t t = 0; ok && t < n; t++) {
        if (sparse && rng_next() % 4 == 0)
            continue; /* a gap second */
        dense[t] = make_point(origin + t);
        req += dense[t].requests;
        failed += dense[t].failed;
        for (int e = 0; e < ERR__COUNT; e++)
            err[e] += dense[t].errors[e];
        max_ms = fmax(max_ms, dense[t].max_ms);
        ok = series_append(s, &dense[t]) == 0 && check_origin(s, dense, t + 1, origin) &&
             series_len(s) <= (max < 16 ? 16 : max);
        last = t;
    }
    if (ok) { /* totals across the whole series */
        uint64_t sreq = 0, sfailed = 0, serr[ERR__COUNT] = {0};
        double smax = 0;
        for (size_t i = 0; i < series_len(s); i++) {
            const struct series_point *p = series_at(s, i);
            sreq += p->requests;
            sfailed += p->failed;
            for (int e = 0; e < ERR__COUNT; e++)
                serr[e] += p->errors[e];
            smax = fmax(smax, p->max_ms);
        }
        ok = sreq == req && sfailed == failed && !memcmp(serr, err, sizeof err) &&
             smax == max_ms && series_len(s) * series_span(s) > last;
    }
    series_free(s);
    free(dense);
    return ok;
}

static int coarsen_run(size_t max, uint32_t n, int sparse)
{
    return coarsen_from(max, n, sparse, 0);
}

static void coarsening(void)
{
    CHECK(coarsen_run(16, 100, 0));
    CHECK(coarsen_run(16, 1000, 1));
    CHECK(coarsen_run(17, 333, 1)); /* odd max: odd lengths when pairing */
    CHECK(coarsen_run(3, 70, 0));   /* below the minimum: 16 is used */

    series *s = series_new(16);
    CHECK(s != NULL);
    if (!s)
        return;
    for (uint32_t t = 0; t < 100; t++) {
        struct series_point p = make_point(t);
        CHECK_INT(series_append(s, &p), 0);
    }
    CHECK(series_len(s) <= 16);
    CHECK_INT(series_span(s), 8); /* 100 seconds in 16 points: 8-second points */
    CHECK_INT(series_len(s), 13);
    series_free(s);
}

static void default_max_and_far_seconds(void)
{
    series *s = series_new(0);
    CHECK(s != NULL);
    if (!s)
        return;
    for (uint32_t t = 0; t < 5000; t++) {
        struct series_point p = make_point(t);
        CHECK_INT(series_append(s, &p), 0);
    }
    CHECK_INT(series_span(s), 2); /* default max is 4096 points */
    CHECK_INT(series_len(s), 2500);
    series_free(s);

    /* A second far in the future: gap filling stays bounded by coarsening. */
    s = series_new(16);
    CHECK(s != NULL);
    if (!s)
        return;
    struct series_point p = make_point(1), q = make_point(4000000000u);
    CHECK_INT(series_append(s, &p), 0);
    CHECK_INT(series_append(s, &q), 0);
    CHECK(series_len(s) <= 16);
    const struct series_point *last = series_at(s, series_len(s) - 1);
    CHECK(last && last->t <= 4000000000u && 4000000000u - last->t < last->span);
    CHECK_INT(last->requests, q.requests);
    CHECK_INT(series_at(s, 0)->requests, p.requests);
    series_free(s);
}

/* A series that starts later than the run (a later scenario): no points before its
 * origin, t counted from it, t_run from the run's start, coarsening aligned to it. */
static void origin(void)
{
    series *s = series_new(16);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(series_set_origin(s, 1000), 0);
    CHECK_INT(series_origin(s), 1000);
    struct series_point before = make_point(999), first = make_point(1003),
                        next = make_point(1004);
    CHECK_INT(series_append(s, &before), -EINVAL); /* before the origin */
    CHECK_INT(series_len(s), 0);
    CHECK_INT(series_append(s, &first), 0);
    CHECK_INT(series_len(s), 4); /* 1000..1002 are gaps, then 1003 */
    for (size_t i = 0; i < 4; i++) {
        const struct series_point *p = series_at(s, i);
        CHECK(p && p->t == i && p->t_run == 1000 + i && p->span == 1);
        if (p && i < 3)
            CHECK(p->requests == 0 && p->dropped == 0);
    }
    CHECK_INT(series_at(s, 3)->requests, first.requests);
    CHECK_INT(series_at(s, 3)->dropped, first.dropped);
    CHECK_INT(series_set_origin(s, 0), -EINVAL); /* too late: points exist */
    CHECK_INT(series_origin(s), 1000);
    CHECK_INT(series_append(s, &next), 0);
    CHECK_INT(series_at(s, 4)->t_run, 1004);
    series_free(s);
    CHECK_INT(series_set_origin(NULL, 3), -EINVAL);

    /* Coarsening counts its pairs from the origin, not from second 0: an odd origin
     * must not shift a run second into the wrong point. */
    CHECK(coarsen_from(16, 100, 0, 7));
    CHECK(coarsen_from(16, 1000, 1, 2));
    CHECK(coarsen_from(17, 333, 1, 4001));
    CHECK(coarsen_from(16, 70, 1, 1u << 31));

    s = series_new(16);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(series_set_origin(s, 5), 0);
    for (uint32_t t = 5; t < 105; t++) {
        struct series_point p = make_point(t);
        CHECK_INT(series_append(s, &p), 0);
    }
    CHECK_INT(series_span(s), 8); /* 100 seconds in 16 points, as from an origin of 0 */
    CHECK_INT(series_len(s), 13);
    const struct series_point *last = series_at(s, 12);
    CHECK(last && last->t == 96 && last->t_run == 101 && last->span == 8);
    series_free(s);
}

/* Points are stored compactly, their error classes only in chunks that had an error:
 * error-free seconds, then a few with errors (in a later chunk), then error-free ones
 * again, coarsened twice (errors merged down into chunks that had none) and grown past
 * one chunk again, match the dense model at every step; has_ws and ws_* survive too. */
static void compact_errors(void)
{
    enum { N = 700 };
    static struct series_point dense[N];
    series *s = series_new(256);
    CHECK(s != NULL);
    if (!s)
        return;
    int ok = 1;
    for (uint32_t t = 0; t < N; t++) {
        struct series_point p = make_point(t);
        memset(p.errors, 0, sizeof p.errors);
        p.failed = 0;
        if (t >= 190 && t < 200) { /* the chunk of points 128..191 gets error rows */
            p.failed = 3;
            p.errors[ERR_RESET] = 2;
            p.errors[ERR_WS_CLOSED] = 1;
        }
        if (t >= 600) {
            p.has_ws = 1;
            p.ws_active = t;
            p.ws_msgs_in = 2 * t;
        }
        dense[t] = p;
        dense[t].span = 1;
        ok = ok && series_append(s, &p) == 0;
        if (t == 255 || t == 256 || t == 511 || t == 512 || t == N - 1)
            ok = ok && check_against(s, dense, t + 1);
    }
    CHECK(ok);
    CHECK_INT(series_span(s), 4);
    struct series_point buf;
    const struct series_point *last = series_get(s, series_len(s) - 1, &buf);
    CHECK(last && last->has_ws && last->ws_active == N - 1);
    CHECK(series_get(s, series_len(s), &buf) == NULL && series_get(s, 0, NULL) == NULL);
    series_free(s);
}

static void free_null(void)
{
    series_free(NULL);
    CHECK_INT(series_len(NULL), 0);
    CHECK(series_at(NULL, 0) == NULL);
}

int main(void)
{
    RUN(append_len_at);
    RUN(gaps);
    RUN(out_of_order);
    RUN(coarsening);
    RUN(default_max_and_far_seconds);
    RUN(origin);
    RUN(compact_errors);
    RUN(free_null);
    UNIT_EXIT();
}
