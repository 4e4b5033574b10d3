/* derive.h — the watch stage's derived figures, pure functions on (t, value) samples:
 * baseline (median), min/avg/max/last over a window, and the growth rate of a metric
 * (least-squares slope after a warm-up) with its fit quality. No I/O, no state. */
#ifndef SURGE_WATCH_DERIVE_H
#define SURGE_WATCH_DERIVE_H

/* Figures over the samples with from <= t < to. */
struct derive_stats {
    int n;                      /* samples in the window; the rest is 0 when n == 0 */
    double min, avg, max, last; /* last: the value of the latest sample in the window */
};

/* The growth of a metric over a window (memory: bytes per hour). */
struct derive_growth {
    int n;               /* samples the fit used (after the warm-up) */
    double per_h;        /* least-squares slope, units per hour */
    double pct_per_h;    /* per_h as % of the baseline (0 when the baseline is not > 0) */
    double r2;           /* coefficient of determination of the fit, 0..1 (1: a line;
                            0 when the values do not vary) */
    double from_s, to_s; /* the time range fitted: first and last sample used */
};

/* Median of n values (not modified); 0 when n == 0. */
double derive_median(const double *v, int n);

/* Baseline: the median of the values with from <= t < to (the baseline window before
 * t = 0). @return 0 and *out, or -1 when no sample is in the window. */
int derive_baseline(const double *t, const double *v, int n, double from, double to,
                    double *out);

/* min/avg/max/last of the samples with from <= t < to (t ascending). Always fills *out. */
void derive_window(const double *t, const double *v, int n, double from, double to,
                   struct derive_stats *out);

/* Growth over the samples with from <= t < to (t ascending): the first `warmup` share of
 * the window's samples is skipped (0.1: 10 %, at least one sample when warmup > 0), the
 * rest fitted by least squares. @return 0 and *out, or -1 when fewer than 3 samples
 * remain or they span no time. */
int derive_growth(const double *t, const double *v, int n, double from, double to,
                  double warmup, double baseline, struct derive_growth *out);

#endif
