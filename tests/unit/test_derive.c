/* test_derive.c — the watch stage's derived figures on synthetic samples. */
#include "unit.h"
#include "watch/derive.h"

#include <math.h>

static void test_median(void)
{
    double a[] = {5, 1, 3};
    CHECK_NEAR(derive_median(a, 3), 3, 1e-9);
    double b[] = {4, 1, 3, 2};
    CHECK_NEAR(derive_median(b, 4), 2.5, 1e-9);
    CHECK_NEAR(derive_median(b, 0), 0, 1e-9);
    CHECK_NEAR(b[0], 4, 0); /* not modified */
}

static void test_baseline(void)
{
    double t[] = {-5, -4, -3, -2, -1, 0, 1, 2};
    double v[] = {100, 900, 101, 102, 99, 500, 600, 700};
    double b = -1;
    CHECK_INT(derive_baseline(t, v, 8, -5, 0, &b), 0);
    CHECK_NEAR(b, 101, 1e-9); /* the outlier 900 does not move a median */
    CHECK_INT(derive_baseline(t, v, 8, -20, -10, &b), -1);
}

static void test_window(void)
{
    double t[] = {-1, 0, 1, 2, 3, 4};
    double v[] = {50, 10, 30, 20, 40, 99};
    struct derive_stats s;
    derive_window(t, v, 6, 0, 4, &s);
    CHECK_INT(s.n, 4);
    CHECK_NEAR(s.min, 10, 1e-9);
    CHECK_NEAR(s.max, 40, 1e-9);
    CHECK_NEAR(s.avg, 25, 1e-9);
    CHECK_NEAR(s.last, 40, 1e-9);
    derive_window(t, v, 6, 10, 20, &s);
    CHECK_INT(s.n, 0);
}

static void test_growth_line(void)
{
    /* 1 MB/s for 100 s after a warm-up spike: 3.6 GB/h, r2 1 */
    double t[101], v[101];
    for (int i = 0; i <= 100; i++) {
        t[i] = i;
        v[i] = 100e6 + 1e6 * i;
    }
    v[0] = 900e6; /* inside the 10 % warm-up: ignored */
    v[5] = 700e6;
    struct derive_growth g;
    CHECK_INT(derive_growth(t, v, 101, 0, 1000, 0.1, 100e6, &g), 0);
    CHECK_NEAR(g.per_h, 3.6e9, 1e3);
    CHECK_NEAR(g.pct_per_h, 3600, 1e-3);
    CHECK_NEAR(g.r2, 1, 1e-9);
    CHECK_INT(g.n, 101 - 11);
    CHECK_NEAR(g.from_s, 11, 1e-9);
    CHECK_NEAR(g.to_s, 100, 1e-9);
}

static void test_growth_flat_noisy(void)
{
    /* a flat metric with noise: slope ~0, poor fit */
    double t[200], v[200];
    unsigned x = 12345;
    for (int i = 0; i < 200; i++) {
        x = x * 1103515245u + 12345u;
        t[i] = i * 0.5;
        v[i] = 50e6 + (double)(x >> 16 & 0xffff) * 10; /* +- 320 KB of noise */
    }
    struct derive_growth g;
    CHECK_INT(derive_growth(t, v, 200, 0, 100, 0.1, 50e6, &g), 0);
    CHECK(fabs(g.pct_per_h) < 5);
    CHECK(g.r2 < 0.2);
    /* constant: slope 0, r2 0 */
    for (int i = 0; i < 200; i++)
        v[i] = 7;
    CHECK_INT(derive_growth(t, v, 200, 0, 100, 0, 7, &g), 0);
    CHECK_NEAR(g.per_h, 0, 1e-9);
    CHECK_NEAR(g.r2, 0, 1e-9);
    CHECK_NEAR(g.from_s, 0, 1e-9);
}

static void test_growth_too_few(void)
{
    double t[] = {0, 1, 2, 3}, v[] = {1, 2, 3, 4};
    struct derive_growth g;
    CHECK_INT(derive_growth(t, v, 4, 0, 10, 0.1, 1, &g), 0); /* skips 1, fits 3 */
    CHECK_INT(g.n, 3);
    CHECK_INT(derive_growth(t, v, 3, 0, 10, 0.1, 1, &g), -1);
    double ts[] = {1, 1, 1, 1};
    CHECK_INT(derive_growth(ts, v, 4, 0, 10, 0, 1, &g), -1); /* no time span */
    CHECK_INT(derive_growth(t, v, 4, 0, 10, 0, 0, &g), 0);
    CHECK_NEAR(g.pct_per_h, 0, 0);                            /* no baseline */
}

int main(void)
{
    RUN(test_median);
    RUN(test_baseline);
    RUN(test_window);
    RUN(test_growth_line);
    RUN(test_growth_flat_noisy);
    RUN(test_growth_too_few);
    return unit_failures != 0;
}
