/* analysis.c — recovery, growth, USL and parallelism fits on arrays, and analysis_doc
 * which runs them on a results document (readiness, bottleneck and projection too). */
#include "judge/analysis.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge/expr.h"
#include "util/units.h"

/* ---- small numerics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Solve the k x k system m x = v (k <= 3) by Gaussian elimination with pivoting.
 * @return 0, or -1 when singular. */
static int solve(double m[3][3], double v[3], int k, double x[3])
{
    double a[3][4];
    for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++)
            a[i][j] = m[i][j];
        a[i][k] = v[i];
    }
    for (int c = 0; c < k; c++) {
        int p = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(a[r][c]) > fabs(a[p][c]))
                p = r;
        if (fabs(a[p][c]) < 1e-300)
            return -1;
        if (p != c)
            for (int j = 0; j <= k; j++) {
                double t = a[c][j];
                a[c][j] = a[p][j];
                a[p][j] = t;
            }
        for (int r = 0; r < k; r++) {
            if (r == c)
                continue;
            double f = a[r][c] / a[c][c];
            for (int j = c; j <= k; j++)
                a[r][j] -= f * a[c][j];
        }
    }
    for (int i = 0; i < k; i++)
        x[i] = a[i][k] / a[i][i];
    return 0;
}

/* Least squares y = sum_j c_j f_j(i) over the basis columns f (n rows, k <= 3 columns). */
static int lsq(const double *f0, const double *f1, const double *f2, const double *y, int n,
               int k, double c[3])
{
    const double *f[3] = {f0, f1, f2};
    double m[3][3] = {{0}}, v[3] = {0};
    for (int i = 0; i < n; i++)
        for (int a = 0; a < k; a++) {
            v[a] += f[a][i] * y[i];
            for (int b = 0; b < k; b++)
                m[a][b] += f[a][i] * f[b][i];
        }
    return solve(m, v, k, c);
}

/* ---- recovery ---- */

int analysis_recovery(const struct analysis_point *pts, int n, double tol, int hold,
                      struct analysis_recovery *out)
{
    if (n < 3)
        return -ENOENT;
    double vmax = 0;
    for (int i = 0; i < n; i++)
        if (pts[i].vus > vmax)
            vmax = pts[i].vus;
    int ps = -1, pe = -1;
    for (int i = 0; i < n; i++)
        if (pts[i].vus == vmax) {
            if (ps < 0)
                ps = i;
            pe = i;
        }
    /* the starting level: VUs of the first second with requests */
    int s0 = 0;
    while (s0 < ps && pts[s0].requests <= 0)
        s0++;
    double v0 = pts[s0].vus;
    if (ps <= s0 || v0 >= vmax || pe >= n - 1)
        return -ENOENT; /* no rise before the peak, or nothing after it */
    int fall = 0; /* a lower level that still carries load: not just the run's wind-down */
    for (int i = pe + 1; i < n && !fall; i++)
        fall = pts[i].vus < vmax && pts[i].vus > 0 && pts[i].requests > 0;
    if (!fall)
        return -ENOENT;
    double *p95 = malloc((size_t)n * sizeof *p95);
    if (!p95)
        return -ENOMEM;
    int nb = 0;
    double req = 0, fail = 0;
    for (int i = s0; i < ps && pts[i].vus <= v0; i++) {
        if (pts[i].requests <= 0)
            continue;
        p95[nb++] = pts[i].p95_ms;
        req += pts[i].requests;
        fail += pts[i].failed;
    }
    if (!nb) {
        free(p95);
        return -ENOENT;
    }
    qsort(p95, (size_t)nb, sizeof *p95, cmp_double);
    double base = nb % 2 ? p95[nb / 2] : (p95[nb / 2 - 1] + p95[nb / 2]) / 2;
    free(p95);
    double base_err = fail / req;
    double lim_p95 = base * (1 + tol), lim_err = base_err * (1 + tol) + 0.005;
    struct analysis_recovery r = {
        .baseline_p95_ms = base,
        .baseline_error_rate = base_err,
        .peak_vus = vmax,
        .peak_end_t = pts[pe + 1].t,
        .recovered_t = INFINITY,
        .recovery_s = INFINITY,
    };
    int run = 0;
    for (int i = pe + 1; i < n; i++) {
        const struct analysis_point *p = &pts[i];
        int ok = p->requests > 0 && p->p95_ms <= lim_p95 && p->failed / p->requests <= lim_err;
        run = ok ? run + 1 : 0;
        if (run >= hold) {
            r.recovered_t = pts[i - hold + 1].t;
            r.recovery_s = r.recovered_t - r.peak_end_t;
            break;
        }
    }
    *out = r;
    return 0;
}

/* ---- growth ---- */

int analysis_growth(const double *t, const double *v, int n, double warmup_s,
                    struct analysis_growth *out)
{
    if (n < 3)
        return -ENOENT;
    double t0 = t[0] + warmup_s, st = 0, sv = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (t[i] >= t0)
            st += t[i], sv += v[i], k++;
    if (k < 3)
        return -ENOENT;
    double mt = st / k, mv = sv / k, stt = 0, stv = 0, svv = 0;
    for (int i = 0; i < n; i++)
        if (t[i] >= t0) {
            stt += (t[i] - mt) * (t[i] - mt);
            stv += (t[i] - mt) * (v[i] - mv);
            svv += (v[i] - mv) * (v[i] - mv);
        }
    if (stt <= 0)
        return -ENOENT;
    double slope = stv / stt;
    struct analysis_growth g = {.per_h = slope * 3600};
    g.r2 = svv > 0 ? stv * stv / (stt * svv) : 0;
    g.pct_per_h = mv != 0 ? g.per_h / fabs(mv) * 100 : 0;
    g.growing = g.r2 >= 0.5 && g.pct_per_h > 1;
    *out = g;
    return 0;
}

/* ---- USL ---- */

static double usl_x(double l, double s, double k, double n)
{
    return l * n / (1 + s * (n - 1) + k * n * (n - 1));
}

static double usl_sse(const double *n, const double *x, int k, double l, double s, double kp)
{
    double e = 0;
    for (int i = 0; i < k; i++) {
        double d = x[i] - usl_x(l, s, kp, n[i]);
        e += d * d;
    }
    return e;
}

int analysis_usl(const double *n, const double *x, int k, struct analysis_usl *out)
{
    int distinct = 0;
    double xmax = 0;
    for (int i = 0; i < k; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= n[j] == n[i];
        distinct += !seen;
        if (x[i] > xmax)
            xmax = x[i];
        if (!(n[i] > 0) || !(x[i] > 0))
            return -ENOENT;
    }
    if (distinct < 3 || xmax <= 0)
        return -ENOENT;
    double *f0 = malloc((size_t)k * 4 * sizeof *f0);
    if (!f0)
        return -ENOMEM;
    double *f1 = f0 + k, *f2 = f1 + k, *y = f2 + k;
    for (int i = 0; i < k; i++) {
        f0[i] = 1;
        f1[i] = n[i] - 1;
        f2[i] = n[i] * (n[i] - 1);
        y[i] = n[i] / x[i];
    }
    /* N/X = a + b (N-1) + c N(N-1): a = 1/lambda, b = sigma/lambda, c = kappa/lambda */
    double c[3] = {0}, l, s, kp;
    int rc = lsq(f0, f1, f2, y, k, 3, c);
    if (rc || c[1] < 0 || c[2] < 0) {
        double c2[3] = {0}, c3[3] = {0};
        int ok2 = lsq(f0, f2, NULL, y, k, 2, c2) == 0 && c2[1] >= 0 && c2[0] > 0; /* sigma 0 */
        int ok3 = lsq(f0, f1, NULL, y, k, 2, c3) == 0 && c3[1] >= 0 && c3[0] > 0; /* kappa 0 */
        double e2 = ok2 ? usl_sse(n, x, k, 1 / c2[0], 0, c2[1] / c2[0]) : INFINITY;
        double e3 = ok3 ? usl_sse(n, x, k, 1 / c3[0], c3[1] / c3[0], 0) : INFINITY;
        if (ok2 && e2 <= e3)
            c[0] = c2[0], c[1] = 0, c[2] = c2[1];
        else if (ok3)
            c[0] = c3[0], c[1] = c3[1], c[2] = 0;
        else
            c[0] = k > 0 ? y[0] : 1, c[1] = 0, c[2] = 0;
    }
    if (!(c[0] > 0)) {
        free(f0);
        return -ENOENT;
    }
    l = 1 / c[0], s = c[1] / c[0], kp = c[2] / c[0];
    /* Gauss-Newton on X itself (the transformed fit weighs the points differently) */
    double e = usl_sse(n, x, k, l, s, kp);
    for (int it = 0; it < 50; it++) {
        double m[3][3] = {{0}}, v[3] = {0}, d[3];
        for (int i = 0; i < k; i++) {
            double D = 1 + s * (n[i] - 1) + kp * n[i] * (n[i] - 1);
            double X = l * n[i] / D, r = x[i] - X;
            double j[3] = {n[i] / D, -l * n[i] * (n[i] - 1) / (D * D),
                           -l * n[i] * n[i] * (n[i] - 1) / (D * D)};
            for (int a = 0; a < 3; a++) {
                v[a] += j[a] * r;
                for (int b = 0; b < 3; b++)
                    m[a][b] += j[a] * j[b];
            }
        }
        for (int a = 0; a < 3; a++)
            m[a][a] *= 1 + 1e-9;
        if (solve(m, v, 3, d))
            break;
        double step = 1, ne = INFINITY, nl = l, ns = s, nk = kp;
        for (int h = 0; h < 20; h++, step /= 2) {
            nl = l + step * d[0];
            ns = fmax(0, s + step * d[1]);
            nk = fmax(0, kp + step * d[2]);
            if (nl > 0 && (ne = usl_sse(n, x, k, nl, ns, nk)) < e)
                break;
        }
        if (!(ne < e))
            break;
        int small = e - ne < 1e-12 * (e + 1e-300);
        l = nl, s = ns, kp = nk, e = ne;
        if (small)
            break;
    }
    double mx = 0, sst = 0;
    for (int i = 0; i < k; i++)
        mx += x[i] / k;
    for (int i = 0; i < k; i++)
        sst += (x[i] - mx) * (x[i] - mx);
    free(f0);
    double nmax = 0;
    for (int i = 0; i < k; i++)
        nmax = fmax(nmax, n[i]);
    if (kp * nmax * nmax < 1e-9) /* rounding noise, not coherency */
        kp = 0;
    if (s * nmax < 1e-9)
        s = 0;
    struct analysis_usl u = {.lambda = l, .sigma = s, .kappa = kp};
    u.r2 = sst > 0 ? 1 - e / sst : 1;
    if (kp > 0 && s < 1) {
        u.peak_n = sqrt((1 - s) / kp);
        u.peak_x = usl_x(l, s, kp, u.peak_n);
    } else {
        u.peak_n = INFINITY;
        u.peak_x = s > 0 ? l / s : INFINITY;
    }
    *out = u;
    return 0;
}

int analysis_parallelism(const double *n, const double *x, const double *r, int k,
                         struct analysis_parallelism *out)
{
    if (k < 2)
        return -ENOENT;
    int lo = 0, hi = 0;
    for (int i = 1; i < k; i++) {
        if (n[i] < n[lo])
            lo = i;
        if (x[i] > x[hi])
            hi = i;
    }
    if (!(r[lo] > 0) || !(x[hi] > 0))
        return -ENOENT;
    struct analysis_parallelism p = {.slots = x[hi] * r[lo], .plateau_x = x[hi]};
    for (int i = 0; i < k; i++)
        if (r[i] > 1.2 * r[lo] && (p.knee_n == 0 || n[i] < p.knee_n))
            p.knee_n = n[i];
    *out = p;
    return 0;
}

/* ---- on the document ---- */

static double num(const json_t *o, const char *k, int *found)
{
    const json_t *v = json_object_get(o, k);
    if (found)
        *found = json_is_number(v);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static json_t *jnum(double v)
{
    if (!isfinite(v))
        return json_null();
    double a = fabs(v);
    double q = a >= 1000 ? 1 : a >= 1 ? 1000 : 1e6;
    return json_real(round(v * q) / q);
}

static int set(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v) ? -ENOMEM : 0;
}

static int recovery_doc(json_t *doc, json_t *an)
{
    const json_t *scs = json_object_get(doc, "scenarios"), *s;
    size_t i;
    json_t *arr = json_array();
    if (!arr)
        return -ENOMEM;
    json_array_foreach(scs, i, s) {
        const json_t *ser = json_object_get(s, "series"), *p;
        size_t n = json_array_size(ser), j;
        const char *ex = json_string_value(json_object_get(s, "executor"));
        if (n < 3 || !ex || strncmp(ex, "ramping-", 8))
            continue; /* a spike is a ramping stage that rises then falls */
        struct analysis_point *pts = calloc(n, sizeof *pts);
        if (!pts) {
            json_decref(arr);
            return -ENOMEM;
        }
        double start = num(s, "start_s", NULL);
        json_array_foreach(ser, j, p) {
            int f;
            double tr = num(p, "t_run", &f);
            pts[j] = (struct analysis_point){
                .t = f ? tr : num(p, "t", NULL) + start,
                .vus = num(p, "vus", NULL),
                .requests = num(p, "requests", NULL),
                .failed = num(p, "failed", NULL),
                .p95_ms = num(p, "p95_ms", NULL),
            };
        }
        /* the plan's recovery: {tolerance, hold}, as run_cmd put it in the scenario */
        const json_t *rs = json_object_get(s, "recovery_settings");
        int f;
        double tol_pct = num(rs, "tolerance_pct", &f);
        if (!f || !(tol_pct > 0))
            tol_pct = 20;
        double hold = num(rs, "hold_s", &f);
        if (!f || hold < 1)
            hold = 10;
        struct analysis_recovery r;
        int rc = analysis_recovery(pts, (int)n, tol_pct / 100, (int)hold, &r);
        free(pts);
        if (rc == -ENOMEM) {
            json_decref(arr);
            return rc;
        }
        if (rc)
            continue;
        json_t *o = json_object();
        set(o, "scenario", json_incref(json_object_get(s, "name")));
        set(o, "baseline_p95_ms", jnum(r.baseline_p95_ms));
        set(o, "baseline_error_rate", jnum(r.baseline_error_rate));
        set(o, "peak_vus", jnum(r.peak_vus));
        set(o, "peak_end_s", jnum(r.peak_end_t));
        set(o, "recovered_at_s", jnum(r.recovered_t));
        set(o, "recovery_s", jnum(r.recovery_s));
        set(o, "tolerance_pct", jnum(tol_pct));
        set(o, "hold_s", json_integer((json_int_t)hold));
        set(o, "verdict", json_string(isfinite(r.recovery_s) ? "recovered" : "never"));
        json_array_append_new(arr, o);
    }
    if (!json_array_size(arr)) {
        json_decref(arr);
        return 0;
    }
    return set(an, "recovery", arr);
}

static int memory_name(const char *n)
{
    return !strcmp(n, "process.rss_bytes") || !strcmp(n, "cgroup.memory_bytes") ||
           (strstr(n, "memory") && strstr(n, "_bytes")) || strstr(n, "rss_bytes");
}

/* The first watched memory metric, or NULL. */
static const json_t *memory_metric(const json_t *doc)
{
    const json_t *ms = json_object_get(json_object_get(doc, "watch"), "metrics"), *m;
    size_t i;
    json_array_foreach(ms, i, m) {
        const char *n = json_string_value(json_object_get(m, "name"));
        if (n && memory_name(n))
            return m;
    }
    return NULL;
}

static int memory_doc(json_t *doc, json_t *an)
{
    const json_t *m = memory_metric(doc);
    if (!m)
        return 0;
    /* the watch stage's growth (docs/model.md: % of the baseline) is the one figure; a
     * metric without one (a document from elsewhere) is fitted here, % of its mean */
    const json_t *gr = json_object_get(m, "growth"), *ser = json_object_get(m, "series"), *p;
    size_t n = json_array_size(ser), i;
    struct analysis_growth g;
    int have = 0;
    if (json_is_object(gr)) {
        g = (struct analysis_growth){.per_h = num(gr, "per_h", NULL),
                                     .pct_per_h = num(gr, "pct_per_h", NULL),
                                     .r2 = num(gr, "r2", NULL)};
        g.growing = g.r2 >= 0.5 && g.pct_per_h > 1;
        have = 1;
    } else if (n >= 3) {
        double *t = malloc(2 * n * sizeof *t);
        if (!t)
            return -ENOMEM;
        double *v = t + n;
        int k = 0;
        json_array_foreach(ser, i, p) {
            double tt = json_number_value(json_array_get(p, 0));
            const json_t *vv = json_array_get(p, 1);
            if (tt >= 0 && json_is_number(vv))
                t[k] = tt, v[k++] = json_number_value(vv);
        }
        double span = k ? t[k - 1] - t[0] : 0;
        have = analysis_growth(t, v, k, fmin(30, span * 0.1), &g) == 0;
        free(t);
    }
    if (!have)
        return 0;
    json_t *o = json_object();
    set(o, "metric", json_incref(json_object_get(m, "name")));
    set(o, "verdict", json_string(g.growing ? "growing" : "stable"));
    set(o, "per_h", jnum(g.per_h));
    set(o, "pct_per_h", jnum(g.pct_per_h));
    set(o, "r2", jnum(g.r2));
    return set(an, "memory", o);
}

/* Per-level N, X, R of a scenario: its levels, or its series grouped by VUs. @return k. */
static int levels_of(const json_t *s, double *n, double *x, double *r, int max, int *from_series)
{
    const json_t *lv = json_object_get(s, "levels"), *l;
    size_t i;
    int k = 0;
    *from_series = 0;
    json_array_foreach(lv, i, l) {
        if (k >= max)
            break;
        double sr = num(l, "success_rate", NULL), rps = num(l, "rps", NULL);
        if (rps <= 0 || sr < 0.9)
            continue; /* fast failures (503s) are not throughput */
        n[k] = num(l, "vus", NULL);
        x[k] = rps * sr;
        r[k] = num(json_object_get(l, "latency_ms"), "avg", NULL) / 1000.0;
        k++;
    }
    if (k >= 3)
        return k;
    /* a ramp: seconds grouped by their VUs (the median latency stands for the mean) */
    const char *ex = json_string_value(json_object_get(s, "executor"));
    if (!ex || strcmp(ex, "ramping-vus"))
        return k;
    k = 0;
    double cnt[64] = {0};
    const json_t *ser = json_object_get(s, "series"), *p;
    json_array_foreach(ser, i, p) {
        double v = num(p, "vus", NULL), q = num(p, "requests", NULL), sp = num(p, "span", NULL);
        if (v <= 0 || q <= 0)
            continue;
        int j = 0;
        while (j < k && n[j] != v)
            j++;
        if (j == k) {
            if (k >= max || k >= 64)
                continue;
            n[k] = v, x[k] = 0, r[k] = 0, k++;
        }
        x[j] += q / (sp > 0 ? sp : 1);
        r[j] += num(p, "p50_ms", NULL) / 1000.0;
        cnt[j]++;
    }
    for (int j = 0; j < k; j++)
        x[j] /= cnt[j], r[j] /= cnt[j];
    *from_series = 1;
    return k;
}

static int is_pct(const char *nm)
{
    return strstr(nm, "_pct") || strstr(nm, "_percent");
}

/* The highest value each watched metric reached within [from, to] on the run clock. */
static int watched_peaks(const json_t *doc, double from, double to, const char **names,
                         double *peaks, int max)
{
    const json_t *ms = json_object_get(json_object_get(doc, "watch"), "metrics"), *m;
    size_t i, j;
    int k = 0;
    json_array_foreach(ms, i, m) {
        const char *nm = json_string_value(json_object_get(m, "name"));
        if (!nm || k >= max || !strcmp(nm, "health.up"))
            continue;
        double peak = -1;
        const json_t *p;
        json_array_foreach(json_object_get(m, "series"), j, p) {
            double t = json_number_value(json_array_get(p, 0));
            double v = json_number_value(json_array_get(p, 1));
            if (t >= from && t <= to && v > peak)
                peak = v;
        }
        if (peak < 0)
            peak = num(m, "max", NULL);
        names[k] = nm, peaks[k++] = peak;
    }
    return k;
}

/* A pool gauge and its size among the watched metrics: `X_busy`/`X_total`,
 * `X_active`/`X_max`, `active_X`/`max_X` and the like (workers_busy and workers_total,
 * active_sessions and max_sessions). @return the index of the size for names[u], or -1. */
static int pool_limit_of(const char **names, int np, int u)
{
    static const char *const used_sfx[] = {"_busy", "_running", "_active", "_in_use", "_used", NULL};
    static const char *const lim_sfx[] = {"_total", "_max", "_limit", "_capacity", "_size", NULL};
    static const char *const used_pfx[] = {"active_", "busy_", "used_", NULL};
    static const char *const lim_pfx[] = {"max_", "total_", NULL};
    const char *nm = names[u];
    size_t len = strlen(nm);
    for (int a = 0; used_sfx[a]; a++) {
        size_t sl = strlen(used_sfx[a]);
        if (len <= sl || strcmp(nm + len - sl, used_sfx[a]))
            continue;
        for (int j = 0; j < np; j++)
            for (int b = 0; j != u && lim_sfx[b]; b++) {
                size_t ll = strlen(lim_sfx[b]);
                if (strlen(names[j]) == len - sl + ll && !strncmp(names[j], nm, len - sl) &&
                    !strcmp(names[j] + len - sl, lim_sfx[b]))
                    return j;
            }
    }
    for (int a = 0; used_pfx[a]; a++) {
        size_t pl = strlen(used_pfx[a]);
        if (len <= pl || strncmp(nm, used_pfx[a], pl))
            continue;
        for (int j = 0; j < np; j++)
            for (int b = 0; j != u && lim_pfx[b]; b++) {
                size_t ll = strlen(lim_pfx[b]);
                if (!strncmp(names[j], lim_pfx[b], ll) && !strcmp(names[j] + ll, nm + pl))
                    return j;
            }
    }
    return -1;
}

static int usl_doc(json_t *doc, json_t *an)
{
    const json_t *scs = json_object_get(doc, "scenarios"), *s;
    size_t i;
    json_t *arr = json_array(), *bn = json_array();
    if (!arr || !bn) {
        json_decref(arr);
        json_decref(bn);
        return -ENOMEM;
    }
    json_array_foreach(scs, i, s) {
        double n[256], x[256], r[256];
        int fs;
        int k = levels_of(s, n, x, r, 256, &fs);
        struct analysis_usl u;
        struct analysis_parallelism pa;
        int hu = analysis_usl(n, x, k, &u) == 0, hp = analysis_parallelism(n, x, r, k, &pa) == 0;
        if (!hu && !hp)
            continue;
        json_t *o = json_object();
        set(o, "scenario", json_incref(json_object_get(s, "name")));
        set(o, "source", json_string(fs ? "series" : "levels"));
        set(o, "points", json_integer(k));
        if (hu) {
            set(o, "lambda", jnum(u.lambda));
            set(o, "sigma", jnum(u.sigma));
            set(o, "kappa", jnum(u.kappa));
            set(o, "peak_vus", jnum(u.peak_n));
            set(o, "peak_rps", jnum(u.peak_x));
            set(o, "r2", jnum(u.r2));
        }
        if (hp) {
            set(o, "parallelism", jnum(pa.slots));
            set(o, "knee_vus", pa.knee_n > 0 ? jnum(pa.knee_n) : json_null());
            set(o, "plateau_rps", jnum(pa.plateau_x));
        }
        json_array_append_new(arr, o);
        /* bottleneck evidence: where throughput stops growing, and what the resources did */
        if (!hp)
            continue;
        double flat_n = 0;
        for (int j = 0; j < k; j++)
            if (x[j] >= 0.95 * pa.plateau_x && (flat_n == 0 || n[j] < flat_n))
                flat_n = n[j];
        double maxn = 0;
        for (int j = 0; j < k; j++)
            maxn = fmax(maxn, n[j]);
        if (flat_n >= maxn)
            continue; /* still rising at the last level: no plateau to explain */
        double from = num(s, "start_s", NULL), to = from + num(s, "duration_s", NULL);
        const char *names[32];
        double peaks[32];
        int np = watched_peaks(doc, from, to, names, peaks, 32), busy = 0, npct = 0;
        char text[512];
        int off = snprintf(text, sizeof text, "throughput flat from %g VUs at %.3g req/s",
                           flat_n, pa.plateau_x);
        for (int j = 0; j < np && off < (int)sizeof text; j++) {
            char v[32];
            if (is_pct(names[j]))
                snprintf(v, sizeof v, "%.3g %%", peaks[j]);
            else if (strstr(names[j], "_bytes"))
                units_fmt_bytes(peaks[j], v, sizeof v);
            else
                snprintf(v, sizeof v, "%.4g", peaks[j]);
            off += snprintf(text + off, sizeof text - (size_t)off, "%s%s peaked at %s",
                            j ? ", " : " while ", names[j], v);
            if (is_pct(names[j]))
                busy |= peaks[j] >= 80, npct++;
        }
        json_t *f = json_object();
        set(f, "scenario", json_incref(json_object_get(s, "name")));
        set(f, "kind", json_string("plateau"));
        set(f, "text", json_string(text));
        json_array_append_new(bn, f);
        for (int j = 0; j < np; j++) {
            if (!is_pct(names[j]))
                continue; /* saturation is judged on utilisations only */
            f = json_object();
            snprintf(text, sizeof text, "%s peaked at %.3g %%: %s", names[j], peaks[j],
                     peaks[j] >= 80 ? "near saturation, a likely limit" : "not the limit");
            set(f, "scenario", json_incref(json_object_get(s, "name")));
            set(f, "kind", json_string(peaks[j] >= 80 ? "resource" : "not_limit"));
            set(f, "metric", json_string(names[j]));
            set(f, "text", json_string(text));
            json_array_append_new(bn, f);
        }
        int full = -1, full_lim = -1; /* a pool gauge at its size: the named limit */
        for (int j = 0; j < np; j++) {
            int lim = pool_limit_of(names, np, j);
            if (lim < 0 || !(peaks[lim] > 0))
                continue;
            int at = peaks[j] >= 0.98 * peaks[lim];
            snprintf(text, sizeof text, "%s peaked at %.4g of %s %.4g: %s", names[j], peaks[j],
                     names[lim], peaks[lim],
                     at ? "the pool was full, a likely limit" : "not the limit");
            f = json_object();
            set(f, "scenario", json_incref(json_object_get(s, "name")));
            set(f, "kind", json_string(at ? "pool_full" : "not_limit"));
            set(f, "metric", json_string(names[j]));
            set(f, "text", json_string(text));
            json_array_append_new(bn, f);
            if (at && full < 0)
                full = j, full_lim = lim;
        }
        if (full >= 0) {
            f = json_object();
            snprintf(text, sizeof text,
                     "concurrency limit: %s reached %s (%.4g) while throughput was flat at "
                     "%.3g req/s; Little's law gives about %.0f slots",
                     names[full], names[full_lim], peaks[full_lim], pa.plateau_x, pa.slots);
            set(f, "scenario", json_incref(json_object_get(s, "name")));
            set(f, "kind", json_string("concurrency_limit"));
            set(f, "slots", jnum(peaks[full_lim]));
            set(f, "metric", json_string(names[full]));
            set(f, "text", json_string(text));
            json_array_append_new(bn, f);
        } else if (!busy) {
            f = json_object();
            snprintf(text, sizeof text,
                     "concurrency limit: about %.0f slots (peak %.3g req/s x %.3g s at %g VU%s, "
                     "Little's law)%s: a worker, connection or GPU pool",
                     pa.slots, pa.plateau_x, r[0], n[0], n[0] == 1 ? "" : "s",
                     npct ? " with every watched utilisation below 80 %" : "");
            set(f, "scenario", json_incref(json_object_get(s, "name")));
            set(f, "kind", json_string("concurrency_limit"));
            set(f, "slots", jnum(pa.slots));
            set(f, "text", json_string(text));
            json_array_append_new(bn, f);
        }
    }
    int rc = 0;
    if (json_array_size(arr))
        rc = set(an, "usl", arr);
    else
        json_decref(arr);
    if (json_array_size(bn))
        rc |= set(an, "bottleneck", bn);
    else
        json_decref(bn);
    return rc;
}

/* Memory versus VUs: pairs of (a second's VUs, the memory sample of that second). */
static int projection_doc(json_t *doc, json_t *an, double limit)
{
    const json_t *m = memory_metric(doc);
    if (!m)
        return 0;
    const json_t *ms = json_object_get(m, "series"), *scs = json_object_get(doc, "scenarios"), *s;
    size_t nm = json_array_size(ms), i, j;
    if (nm < 3)
        return 0;
    double u[512], v[512];
    int k = 0;
    json_array_foreach(scs, i, s) {
        double start = num(s, "start_s", NULL);
        const json_t *p;
        json_array_foreach(json_object_get(s, "series"), j, p) {
            if (k >= 512)
                break;
            int f;
            double tr = num(p, "t_run", &f);
            if (!f)
                tr = num(p, "t", NULL) + start;
            double vus = num(p, "vus", NULL);
            /* the memory sample closest to the end of the second */
            double best = INFINITY, mv = 0;
            for (size_t q = 0; q < nm; q++) {
                double t = json_number_value(json_array_get(json_array_get(ms, q), 0));
                double d = fabs(t - (tr + 1));
                if (d < best)
                    best = d, mv = json_number_value(json_array_get(json_array_get(ms, q), 1));
            }
            if (best <= 1 && vus > 0)
                u[k] = vus, v[k++] = mv;
        }
    }
    int distinct = 0;
    for (int a = 0; a < k; a++) {
        int seen = 0;
        for (int b = 0; b < a; b++)
            seen |= u[b] == u[a];
        distinct += !seen;
    }
    if (distinct < 3)
        return 0;
    double ones[512], c[3];
    for (int a = 0; a < k; a++)
        ones[a] = 1;
    if (lsq(ones, u, NULL, v, k, 2, c) || !(c[1] > 0))
        return 0;
    json_t *o = json_object();
    set(o, "metric", json_incref(json_object_get(m, "name")));
    set(o, "bytes_per_user", jnum(c[1]));
    set(o, "base_bytes", jnum(c[0]));
    set(o, "points", json_integer(k));
    if (limit > 0) {
        set(o, "memory_limit_bytes", jnum(limit));
        set(o, "users_under_limit", jnum(floor((limit - c[0]) / c[1])));
    }
    return set(an, "projection", o);
}

static json_t *readiness_row(const char *metric, double measured, double required,
                             const char *unit)
{
    json_t *o = json_object();
    set(o, "metric", json_string(metric));
    set(o, "measured", jnum(measured));
    set(o, "required", jnum(required));
    set(o, "unit", json_string(unit));
    set(o, "headroom_pct", jnum((measured / required - 1) * 100));
    set(o, "verdict", json_string(measured >= required ? "ready" : "not ready"));
    return o;
}

static int readiness_doc(json_t *doc, json_t *an, const json_t *wl)
{
    json_t *arr = json_array();
    if (!arr)
        return -ENOMEM;
    const json_t *scs = json_object_get(doc, "scenarios"), *s, *l;
    size_t i, j;
    double users = 0, rps = 0;
    json_array_foreach(scs, i, s) {
        const json_t *lv = json_object_get(s, "levels");
        /* the workload's rate is of user actions: iterations when the plan has flows */
        int fi;
        double its = num(s, "iterations", &fi), req = num(s, "requests", NULL);
        double per_req = fi && req > 0 ? its / req : 1;
        json_array_foreach(lv, j, l) {
            if (num(l, "success_rate", NULL) >= 0.99) {
                users = fmax(users, num(l, "vus", NULL));
                rps = fmax(rps, num(l, "rps", NULL) * per_req);
            }
        }
        if (!json_array_size(lv) && num(s, "success_rate", NULL) >= 0.99) {
            users = fmax(users, num(s, "vus_max", NULL));
            rps = fmax(rps, num(s, "rps", NULL) * per_req);
        }
    }
    int f;
    double want = num(wl, "users", &f);
    if (f && want > 0)
        json_array_append_new(arr, readiness_row("concurrent users (99 % success)", users, want,
                                                 "VUs"));
    const char *rs = json_string_value(json_object_get(wl, "rate"));
    double rate;
    if (rs && expr_parse_rate(rs, &rate) == 0)
        json_array_append_new(arr, readiness_row("iterations per second (99 % success)", rps,
                                                 rate, "/s"));
    else if (json_is_number(json_object_get(wl, "rate")) && num(wl, "rate", NULL) > 0)
        json_array_append_new(arr, readiness_row("iterations per second (99 % success)", rps,
                                                 num(wl, "rate", NULL), "/s"));
    const json_t *pj = json_object_get(an, "projection");
    if (pj && f && want > 0 && json_is_number(json_object_get(pj, "users_under_limit")))
        json_array_append_new(arr, readiness_row("users under memory_limit",
                                                 num(pj, "users_under_limit", NULL), want,
                                                 "users"));
    if (!json_array_size(arr)) {
        json_decref(arr);
        return 0;
    }
    return set(an, "readiness", arr);
}

int analysis_doc(json_t *doc)
{
    json_t *an = json_object();
    if (!an)
        return -ENOMEM;
    const json_t *wl = json_object_get(doc, "workload");
    double limit = 0;
    const char *ml = json_string_value(json_object_get(wl, "memory_limit"));
    uint64_t b;
    if (ml && units_parse_size(ml, &b) == 0)
        limit = (double)b;
    else if (json_is_number(json_object_get(wl, "memory_limit")))
        limit = num(wl, "memory_limit", NULL);
    int rc = recovery_doc(doc, an);
    if (!rc)
        rc = memory_doc(doc, an);
    if (!rc)
        rc = usl_doc(doc, an);
    if (!rc)
        rc = projection_doc(doc, an, limit);
    if (!rc && wl)
        rc = readiness_doc(doc, an, wl);
    if (rc || !json_object_size(an)) {
        json_decref(an);
        return rc;
    }
    return json_object_set_new(doc, "analysis", an) ? -ENOMEM : 0;
}
