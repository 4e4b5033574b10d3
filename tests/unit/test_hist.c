/* test_hist.c — the HdrHistogram against sorted samples: percentiles, merge, layout, edges. */
#include "unit.h"
#include "stats/hist.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define N_SAMPLES 100000

/* xorshift64*: a fixed-seed PRNG so every run sees the same samples. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static double rng_unit(void) /* [0, 1) */
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

enum dist { D_UNIFORM, D_LOGUNIFORM, D_CONSTANT, D_BIMODAL, D__COUNT };
static const char *const dist_names[D__COUNT] = {"uniform", "log-uniform", "constant",
                                                 "bimodal"};

static int64_t sample(enum dist d)
{
    switch (d) {
    case D_UNIFORM:
        return 1 + (int64_t)(rng_next() % 1000000);
    case D_LOGUNIFORM: {
        int64_t v = (int64_t)llround(exp(rng_unit() * log(3.6e9)));
        return v < 1 ? 1 : v > 3600000000LL ? 3600000000LL : v;
    }
    case D_CONSTANT:
        return 1234567;
    case D_BIMODAL:
        return rng_unit() < 0.7 ? 250 : 2500003;
    default:
        return 0;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Fill v[0..n) from d (seeded per distribution), sorted. */
static void make_samples(enum dist d, int64_t *v, size_t n)
{
    rng_seed(0xC0FFEE + (uint64_t)d);
    for (size_t i = 0; i < n; i++)
        v[i] = sample(d);
    qsort(v, n, sizeof v[0], cmp_i64);
}

/* The true percentile of sorted v: the value at rank ceil(p/100 * n), min for p=0.
 * p is given in hundredths of a percent so the rank is exact integer arithmetic. */
static int64_t true_percentile(const int64_t *v, size_t n, long p_x100)
{
    if (p_x100 == 0)
        return v[0];
    long long rank = ((long long)p_x100 * (long long)n + 9999) / 10000;
    return v[rank - 1];
}

static const long pcts_x100[] = {0, 100, 1000, 2500, 5000, 7500, 9000, 9500, 9900, 9990, 9999, 10000};

static double rel_err(double got, double want)
{
    if (want == 0)
        return fabs(got);
    return fabs(got - want) / fabs(want);
}

static void percentiles_vs_sorted(void)
{
    int64_t *v = malloc(N_SAMPLES * sizeof *v);
    CHECK(v != NULL);
    if (!v)
        return;
    for (int d = 0; d < D__COUNT; d++) {
        hist *h = hist_new_default();
        CHECK(h != NULL);
        if (!h)
            break;
        make_samples((enum dist)d, v, N_SAMPLES);
        /* Record in a shuffled order is not needed: the histogram is order-free. */
        for (size_t i = 0; i < N_SAMPLES; i++)
            hist_record(h, v[i]);
        CHECK_INT(hist_count(h), N_SAMPLES);
        CHECK_INT(hist_saturated(h), 0);
        for (size_t k = 0; k < sizeof pcts_x100 / sizeof pcts_x100[0]; k++) {
            double p = (double)pcts_x100[k] / 100.0;
            int64_t want = true_percentile(v, N_SAMPLES, pcts_x100[k]);
            int64_t got = hist_percentile(h, p);
            double e = rel_err((double)got, (double)want);
            if (e > 0.001) {
                printf("    %s p%g: got %lld, want %lld (rel err %g)\n", dist_names[d], p,
                       (long long)got, (long long)want, e);
                unit_case_failed = 1;
            }
        }
        hist_free(h);
    }
    free(v);
}

/* Ranks that are exact integers in decimal must not be pushed up by floating point:
 * 99.9% of 1000 is rank 999, although 99.9 / 100 * 1000 computes as 999.0000000000001. */
static void percentile_rank_boundaries(void)
{
    hist *h = hist_new_default();
    CHECK(h != NULL);
    if (!h)
        return;
    for (int64_t i = 1; i <= 1000; i++)
        hist_record(h, i); /* all below 2048: exact slots */
    CHECK_INT(hist_percentile(h, 0), 1);
    CHECK_INT(hist_percentile(h, 0.1), 1);
    CHECK_INT(hist_percentile(h, 0.05), 1);
    CHECK_INT(hist_percentile(h, 0.15), 2);
    CHECK_INT(hist_percentile(h, 50), 500);
    CHECK_INT(hist_percentile(h, 50.01), 501);
    CHECK_INT(hist_percentile(h, 99.9), 999);
    CHECK_INT(hist_percentile(h, 99.99), 1000);
    CHECK_INT(hist_percentile(h, 100), 1000);
    CHECK_INT(hist_percentile(h, 250), 1000);
    CHECK_INT(hist_percentile(h, -3), 1);
    hist_free(h);
}

static int visit_top(int64_t value, int64_t count, void *ud)
{
    *(int64_t *)ud = value;
    return 0;
}

/* Every value comes back within 0.1% above itself; the percentile never exceeds max. */
static void precision_across_range(void)
{
    hist *h = hist_new_default();
    CHECK(h != NULL);
    if (!h)
        return;
    rng_seed(42);
    int bad = 0;
    for (int i = 0; i < 3000 && !bad; i++) {
        int64_t x = sample(D_LOGUNIFORM);
        hist_reset(h);
        hist_record(h, x);
        int64_t top = -1;
        /* foreach reports the slot's top: >= x and within x * 10^-3 of it. */
        hist_foreach(h, visit_top, &top);
        if (top < x || (double)(top - x) > (double)x * 0.001) {
            printf("    value %lld reported as %lld\n", (long long)x, (long long)top);
            bad = 1;
        }
        if (hist_percentile(h, 50) != x || hist_percentile(h, 99.999) != x)
            bad = 1;
    }
    CHECK(!bad);
    hist_free(h);
}

/* foreach collects (value, count) pairs to compare histograms. */
#define WALK_MAX 65536
struct walk {
    int64_t values[WALK_MAX], counts[WALK_MAX];
    int n;
    int64_t sum;
    int increasing;
    int stop_after; /* return non-zero after this many visits; 0 = never */
};

static int walk_fn(int64_t value, int64_t count, void *ud)
{
    struct walk *w = ud;
    if (w->n > 0 && value <= w->values[w->n - 1])
        w->increasing = 0;
    if (w->n < WALK_MAX) {
        w->values[w->n] = value;
        w->counts[w->n] = count;
    }
    w->n++;
    w->sum += count;
    return w->stop_after && w->n >= w->stop_after;
}

static void walk(const hist *h, struct walk *w, int stop_after)
{
    memset(w, 0, sizeof *w);
    w->increasing = 1;
    w->stop_after = stop_after;
    hist_foreach(h, walk_fn, w);
}

static int same_walk(const struct walk *a, const struct walk *b)
{
    if (a->n != b->n || a->sum != b->sum || a->n > WALK_MAX)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (a->values[i] != b->values[i] || a->counts[i] != b->counts[i])
            return 0;
    return 1;
}

static int same_hist(const hist *a, const hist *b)
{
    static struct walk wa, wb;
    walk(a, &wa, 0);
    walk(b, &wb, 0);
    int ok = same_walk(&wa, &wb) && hist_count(a) == hist_count(b) &&
             hist_saturated(a) == hist_saturated(b) && hist_min(a) == hist_min(b) &&
             hist_max(a) == hist_max(b) && hist_mean(a) == hist_mean(b);
    for (size_t k = 0; k < sizeof pcts_x100 / sizeof pcts_x100[0]; k++)
        ok = ok && hist_percentile(a, (double)pcts_x100[k] / 100) ==
                       hist_percentile(b, (double)pcts_x100[k] / 100);
    return ok;
}

static void merge_equals_single(void)
{
    hist *all = hist_new_default(), *part[3] = {hist_new_default(), hist_new_default(),
                                                hist_new_default()};
    hist *dst = hist_new_default(), *empty = hist_new_default();
    CHECK(all && part[0] && part[1] && part[2] && dst && empty);
    if (!all || !part[0] || !part[1] || !part[2] || !dst || !empty)
        goto out;
    rng_seed(7);
    for (int i = 0; i < 50000; i++) {
        int64_t x = sample(i % 2 ? D_LOGUNIFORM : D_UNIFORM);
        if (i % 1000 == 0)
            x = 5000000000LL; /* saturated */
        hist_record(all, x);
        hist_record(part[rng_next() % 3], x);
    }
    CHECK_INT(hist_merge(dst, empty), 0); /* merging nothing keeps dst empty */
    CHECK_INT(hist_count(dst), 0);
    CHECK_INT(hist_min(dst), 0);
    for (int k = 0; k < 3; k++)
        CHECK_INT(hist_merge(dst, part[k]), 0);
    CHECK(same_hist(dst, all));
    CHECK_INT(hist_saturated(dst), 50);
    CHECK_INT(hist_merge(dst, empty), 0);
    CHECK(same_hist(dst, all));
out:
    hist_free(all);
    for (int k = 0; k < 3; k++)
        hist_free(part[k]);
    hist_free(dst);
    hist_free(empty);
}

static void merge_layout_mismatch(void)
{
    hist *dst = hist_new_default(), *copy = hist_new_default(), *other[3] = {NULL, NULL, NULL};
    CHECK(dst && copy);
    CHECK_INT(hist_new(1, HIST_HIGHEST, 2, &other[0]), 0);
    CHECK_INT(hist_new(2, HIST_HIGHEST, 3, &other[1]), 0);
    CHECK_INT(hist_new(1, HIST_HIGHEST * 2, 3, &other[2]), 0);
    if (!dst || !copy || !other[0] || !other[1] || !other[2])
        goto out;
    for (int64_t i = 1; i < 20000; i += 7) {
        hist_record(dst, i * 31);
        hist_record(copy, i * 31);
    }
    for (int k = 0; k < 3; k++) {
        hist_record(other[k], 1);
        hist_record(other[k], 99999999);
        CHECK_INT(hist_merge(dst, other[k]), -EINVAL);
        CHECK(same_hist(dst, copy));
    }
out:
    hist_free(dst);
    hist_free(copy);
    for (int k = 0; k < 3; k++)
        hist_free(other[k]);
}

static void reset(void)
{
    hist *h = hist_new_default();
    CHECK(h != NULL);
    if (!h)
        return;
    for (int64_t i = 0; i < 1000; i++)
        hist_record(h, i * 1000);
    hist_record(h, HIST_HIGHEST + 1);
    hist_reset(h);
    CHECK_INT(hist_count(h), 0);
    CHECK_INT(hist_saturated(h), 0);
    CHECK_INT(hist_min(h), 0);
    CHECK_INT(hist_max(h), 0);
    CHECK_INT(hist_percentile(h, 50), 0);
    static struct walk w;
    walk(h, &w, 0);
    CHECK_INT(w.n, 0);
    hist_record(h, 500);
    hist_record(h, 700);
    CHECK_INT(hist_count(h), 2);
    CHECK_INT(hist_min(h), 500);
    CHECK_INT(hist_max(h), 700);
    CHECK_INT(hist_lowest(h), HIST_LOWEST);
    CHECK_INT(hist_highest(h), HIST_HIGHEST);
    CHECK_INT(hist_sigfigs(h), HIST_SIGFIGS);
    hist_free(h);
}

static void saturation_and_clamping(void)
{
    hist *h = hist_new_default();
    CHECK(h != NULL);
    if (!h)
        return;
    hist_record(h, 100);
    hist_record(h, HIST_HIGHEST);       /* at the limit: not saturated */
    hist_record(h, HIST_HIGHEST + 1);   /* above: clamped and counted */
    hist_record_n(h, INT64_MAX, 3);
    CHECK_INT(hist_count(h), 6);
    CHECK_INT(hist_saturated(h), 4);
    CHECK_INT(hist_max(h), HIST_HIGHEST);
    CHECK_INT(hist_percentile(h, 100), HIST_HIGHEST);
    CHECK_INT(hist_percentile(h, 50), HIST_HIGHEST); /* clamped to max, not the slot top */
    CHECK_INT(hist_percentile(h, 10), 100);
    /* Negative values are 0, and 0 is a value like any other. */
    hist_record(h, -5);
    hist_record(h, 0);
    CHECK_INT(hist_count(h), 8);
    CHECK_INT(hist_saturated(h), 4);
    CHECK_INT(hist_min(h), 0);
    CHECK_INT(hist_percentile(h, 0), 0);
    CHECK_INT(hist_percentile(h, 25), 0);
    hist_free(h);
}

static void empty_queries(void)
{
    hist *h = hist_new_default();
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(hist_count(h), 0);
    CHECK_INT(hist_saturated(h), 0);
    CHECK_INT(hist_min(h), 0);
    CHECK_INT(hist_max(h), 0);
    CHECK(hist_mean(h) == 0);
    CHECK(hist_stdev(h) == 0);
    CHECK_INT(hist_percentile(h, 0), 0);
    CHECK_INT(hist_percentile(h, 50), 0);
    CHECK_INT(hist_percentile(h, 100), 0);
    static struct walk w;
    walk(h, &w, 0);
    CHECK_INT(w.n, 0);
    hist_free(h);
}

static void bad_bounds(void)
{
    hist *h = (hist *)&h; /* a sentinel: must stay untouched on failure */
    hist *const sentinel = h;
    CHECK_INT(hist_new(0, 1000, 3, &h), -EINVAL);
    CHECK_INT(hist_new(-1, 1000, 3, &h), -EINVAL);
    CHECK_INT(hist_new(10, 19, 3, &h), -EINVAL);  /* highest < 2 * lowest */
    CHECK_INT(hist_new(10, 10, 3, &h), -EINVAL);
    CHECK_INT(hist_new(10, -100, 3, &h), -EINVAL);
    CHECK_INT(hist_new(1, 1000, 0, &h), -EINVAL);
    CHECK_INT(hist_new(1, 1000, 6, &h), -EINVAL);
    CHECK_INT(hist_new(1, 1000, -3, &h), -EINVAL);
    CHECK_INT(hist_new((int64_t)1 << 55, INT64_MAX, 3, &h), -EINVAL); /* layout overflows */
    CHECK_INT(hist_new(1, 1000, 3, NULL), -EINVAL);
    CHECK(h == sentinel);

    /* Edges that are fine. */
    CHECK_INT(hist_new(10, 20, 1, &h), 0);
    hist_free(h);
    CHECK_INT(hist_new(1, 2, 5, &h), 0);
    hist_free(h);
    CHECK_INT(hist_new(1000, INT64_MAX, 5, &h), 0);
    if (h != sentinel) {
        hist_record(h, INT64_MAX);
        hist_record(h, 12345678901LL);
        hist_record(h, 3); /* below lowest: recordable at 1024-wide resolution */
        CHECK_INT(hist_max(h), INT64_MAX);
        CHECK_INT(hist_min(h), 3);
        CHECK_INT(hist_saturated(h), 0);
        CHECK_INT(hist_percentile(h, 100), INT64_MAX);
        CHECK_INT(hist_percentile(h, 99), INT64_MAX);
        int64_t mid = hist_percentile(h, 50);
        CHECK(mid >= 12345678901LL && (double)mid <= 12345678901.0 * 1.00001);
        hist_free(h);
    }
    hist_free(NULL);
}

static void min_max_exact(void)
{
    hist *h = hist_new_default();
    CHECK(h != NULL);
    if (!h)
        return;
    hist_record(h, 1000003);
    hist_record(h, 999999937);
    hist_record(h, 54321987);
    CHECK_INT(hist_min(h), 1000003);
    CHECK_INT(hist_max(h), 999999937);
    CHECK_INT(hist_percentile(h, 0), 1000003);
    CHECK_INT(hist_percentile(h, 100), 999999937);
    int64_t p50 = hist_percentile(h, 50);
    CHECK(p50 >= 54321987 && p50 - 54321987 <= 54321);
    hist_free(h);
}

static void mean_stdev(void)
{
    int64_t *v = malloc(N_SAMPLES * sizeof *v);
    CHECK(v != NULL);
    if (!v)
        return;
    for (int d = 0; d < D__COUNT; d++) {
        hist *h = hist_new_default();
        CHECK(h != NULL);
        if (!h)
            break;
        make_samples((enum dist)d, v, N_SAMPLES);
        double sum = 0, sq = 0;
        for (size_t i = 0; i < N_SAMPLES; i++) {
            hist_record(h, v[i]);
            sum += (double)v[i];
        }
        double mean = sum / N_SAMPLES;
        for (size_t i = 0; i < N_SAMPLES; i++)
            sq += ((double)v[i] - mean) * ((double)v[i] - mean);
        double sd = sqrt(sq / N_SAMPLES);
        double hm = hist_mean(h), hs = hist_stdev(h);
        if (rel_err(hm, mean) > 0.001 || (sd > 0 ? rel_err(hs, sd) > 0.001 : hs > mean * 1e-3)) {
            printf("    %s: mean %g (want %g), stdev %g (want %g)\n", dist_names[d], hm, mean,
                   hs, sd);
            unit_case_failed = 1;
        }
        hist_free(h);
    }
    free(v);
}

static void foreach_order(void)
{
    hist *h = hist_new_default();
    CHECK(h != NULL);
    if (!h)
        return;
    rng_seed(99);
    for (int i = 0; i < 20000; i++)
        hist_record(h, sample(D_LOGUNIFORM));
    static struct walk w;
    walk(h, &w, 0);
    CHECK(w.increasing);
    CHECK(w.n > 1000 && w.n <= WALK_MAX);
    CHECK_INT(w.sum, hist_count(h));
    CHECK(w.values[0] >= hist_min(h));
    CHECK(w.values[w.n - 1] >= hist_max(h));
    walk(h, &w, 5); /* stops when fn returns non-zero */
    CHECK_INT(w.n, 5);
    hist_free(h);
}

static void record_n(void)
{
    hist *a = hist_new_default(), *b = hist_new_default();
    CHECK(a && b);
    if (!a || !b)
        goto out;
    for (int64_t i = 1; i <= 50; i++) {
        hist_record_n(a, i * 997, i);
        for (int64_t k = 0; k < i; k++)
            hist_record(b, i * 997);
    }
    CHECK(same_hist(a, b));
    CHECK_INT(hist_count(a), 50 * 51 / 2);
    hist_record_n(a, 12345, 0);
    hist_record_n(a, 12345, -4);
    CHECK(same_hist(a, b));
    hist_record_n(a, 7, 1000000000000LL);
    CHECK_INT(hist_count(a), 50 * 51 / 2 + 1000000000000LL);
    CHECK_INT(hist_percentile(a, 50), 7);
    CHECK_INT(hist_min(a), 7);
out:
    hist_free(a);
    hist_free(b);
}

int main(void)
{
    RUN(percentiles_vs_sorted);
    RUN(percentile_rank_boundaries);
    RUN(precision_across_range);
    RUN(merge_equals_single);
    RUN(merge_layout_mismatch);
    RUN(reset);
    RUN(saturation_and_clamping);
    RUN(empty_queries);
    RUN(bad_bounds);
    RUN(min_max_exact);
    RUN(mean_stdev);
    RUN(foreach_order);
    RUN(record_n);
    UNIT_EXIT();
}
