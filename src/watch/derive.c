/* derive.c — baseline, window figures and least-squares growth of watched metrics. */
#include "watch/derive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double derive_median(const double *v, int n)
{
    if (n <= 0)
        return 0;
    double *c = malloc((size_t)n * sizeof *c);
    if (!c)
        return v[n - 1];
    memcpy(c, v, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

/* The index range [*lo, *hi) of samples with from <= t < to. */
static void range(const double *t, int n, double from, double to, int *lo, int *hi)
{
    int a = 0;
    while (a < n && t[a] < from)
        a++;
    int b = a;
    while (b < n && t[b] < to)
        b++;
    *lo = a;
    *hi = b;
}

int derive_baseline(const double *t, const double *v, int n, double from, double to,
                    double *out)
{
    int lo, hi;
    range(t, n, from, to, &lo, &hi);
    if (hi <= lo)
        return -1;
    *out = derive_median(v + lo, hi - lo);
    return 0;
}

void derive_window(const double *t, const double *v, int n, double from, double to,
                   struct derive_stats *out)
{
    int lo, hi;
    range(t, n, from, to, &lo, &hi);
    memset(out, 0, sizeof *out);
    if (hi <= lo)
        return;
    double sum = 0;
    out->min = out->max = v[lo];
    for (int i = lo; i < hi; i++) {
        if (v[i] < out->min)
            out->min = v[i];
        if (v[i] > out->max)
            out->max = v[i];
        sum += v[i];
    }
    out->n = hi - lo;
    out->avg = sum / out->n;
    out->last = v[hi - 1];
}

int derive_growth(const double *t, const double *v, int n, double from, double to,
                  double warmup, double baseline, struct derive_growth *out)
{
    int lo, hi;
    range(t, n, from, to, &lo, &hi);
    int skip = 0;
    if (warmup > 0 && hi > lo) {
        skip = (int)ceil(warmup * (hi - lo));
        if (skip < 1)
            skip = 1;
    }
    lo += skip;
    int m = hi - lo;
    if (m < 3 || !(t[hi - 1] > t[lo]))
        return -1;
    /* centred sums keep the precision with large t and v */
    double mt = 0, mv = 0;
    for (int i = lo; i < hi; i++) {
        mt += t[i];
        mv += v[i];
    }
    mt /= m;
    mv /= m;
    double stt = 0, stv = 0, svv = 0;
    for (int i = lo; i < hi; i++) {
        double dt = t[i] - mt, dv = v[i] - mv;
        stt += dt * dt;
        stv += dt * dv;
        svv += dv * dv;
    }
    if (!(stt > 0))
        return -1;
    double slope = stv / stt; /* units per second */
    memset(out, 0, sizeof *out);
    out->n = m;
    out->per_h = slope * 3600;
    out->pct_per_h = baseline > 0 ? out->per_h / baseline * 100 : 0;
    out->r2 = svv > 0 ? stv * stv / (stt * svv) : 0;
    out->from_s = t[lo];
    out->to_s = t[hi - 1];
    return 0;
}
