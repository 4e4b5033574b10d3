/* analysis.h — what the measured data says beyond the criteria: recovery after a spike,
 * memory growth, the Universal Scalability Law fit and effective parallelism, readiness
 * against the stated workload, bottleneck evidence and memory projection. Pure functions
 * over arrays, and analysis_doc to run them all on a results document. */
#ifndef SURGE_JUDGE_ANALYSIS_H
#define SURGE_JUDGE_ANALYSIS_H

#include <jansson.h>

/* One second of a scenario's series, as the recovery analysis needs it. */
struct analysis_point {
    double t;          /* seconds (any clock, increasing) */
    double vus;        /* active VUs */
    double requests;   /* requests that ended in the second */
    double failed;     /* of those, failed */
    double p95_ms;     /* the second's p95 latency */
};

struct analysis_recovery {
    double baseline_p95_ms;     /* median p95 of the seconds before the ramp up */
    double baseline_error_rate; /* failed / requests over those seconds */
    double peak_vus;
    double peak_end_t;          /* t at which the peak (the seconds at peak VUs) ended */
    double recovered_t;         /* t of the first second of the stretch back to baseline */
    double recovery_s;          /* recovered_t - peak_end_t; INFINITY: never */
};

/* Recovery after a spike: a series whose VUs rise to a peak and fall again. The baseline
 * is the seconds before VUs first rise above the starting level (they need requests);
 * the peak the seconds at the most VUs; recovery is the first second after the peak from
 * which `hold` seconds in a row all have p95 <= baseline * (1 + tol) and an error rate <=
 * baseline * (1 + tol) + 0.5 percentage point (so a zero baseline tolerates a stray
 * failure). Seconds without requests do not count as recovered.
 * @return 0 and *out (recovery_s INFINITY when it never recovered within the data),
 * -ENOENT when the series has no spike or no baseline. */
int analysis_recovery(const struct analysis_point *pts, int n, double tol, int hold,
                      struct analysis_recovery *out);

struct analysis_growth {
    double per_h;      /* least-squares slope, units per hour */
    double pct_per_h;  /* the slope relative to the mean, % per hour */
    double r2;         /* fit quality 0..1 */
    int growing;       /* 1: r2 >= 0.5 and pct_per_h > 1: a trend, not noise */
};

/* Least-squares line through (t seconds, v) after skipping the first `warmup_s` seconds.
 * A noisy sawtooth fits a line badly (low r2) and is called stable.
 * @return 0 and *out, -ENOENT with fewer than 3 points or no spread in t. */
int analysis_growth(const double *t, const double *v, int n, double warmup_s,
                    struct analysis_growth *out);

struct analysis_usl {
    double lambda;     /* throughput of one user (per s) */
    double sigma;      /* contention */
    double kappa;      /* coherency */
    double peak_n;     /* N* = sqrt((1 - sigma) / kappa); INFINITY when kappa is 0 */
    double peak_x;     /* X(N*) (the asymptote lambda / sigma when kappa is 0) */
    double r2;         /* fit quality on X */
};

/* Fit the Universal Scalability Law X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))
 * by least squares (on N / X, which is quadratic in N, then refined by Gauss-Newton on X
 * itself), with sigma and kappa kept >= 0. @return 0 and *out, -ENOENT with fewer than 3
 * distinct N or no throughput. */
int analysis_usl(const double *n, const double *x, int k, struct analysis_usl *out);

struct analysis_parallelism {
    double slots;      /* effective parallelism: peak throughput x the lightest load's
                          response time (Little's law: busy slots = X x R) */
    double knee_n;     /* the first N whose response time exceeds 1.2 x the lightest
                          load's (0: none within the data) */
    double plateau_x;  /* the peak throughput */
};

/* Effective parallelism and the knee from per-level N, throughput X (/s) and mean
 * response time R (s). @return 0 and *out, -ENOENT with fewer than 2 levels. */
int analysis_parallelism(const double *n, const double *x, const double *r, int k,
                         struct analysis_parallelism *out);

/* Run every analysis that applies on a results document (surge.results/2) and set its
 * `analysis` object: recovery[] per spiking scenario, memory (the first watched memory
 * metric's growth verdict), usl[] per scenario with levels (or ramping series), readiness[]
 * and projection against `workload`, bottleneck[] findings. Absent parts are left out;
 * `analysis` is not set when nothing applies. @return 0, -ENOMEM. */
int analysis_doc(json_t *doc);

#endif
