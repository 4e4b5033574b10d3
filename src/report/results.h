/* results.h — the results model of a run: what every report writer (terminal
 * summary, results.json, later Markdown/HTML/JUnit) is written from. */
#ifndef SURGE_REPORT_RESULTS_H
#define SURGE_REPORT_RESULTS_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "stats/hist.h"
#include "stats/series.h"
#include "stats/shard.h"

/* Latency figures in milliseconds. */
struct latency_ms {
    double min, avg, stdev, p50, p90, p95, p99, p999, max;
};

/* A part of a scenario measured on its own: a flow step, a transaction, a ladder level. */
struct sub_result {
    char name[96];
    const struct stats_counts *counts; /* borrowed */
    const hist *lat;                   /* borrowed */
    uint32_t vus;                      /* ladder level: its VUs */
    double duration_s;                 /* ladder level: how long it took */
};

struct scenario_result {
    char name[64];
    char executor[32];          /* "constant-vus", "constant-arrival-rate", ... */
    double duration_s;          /* time load was applied */
    double start_s;             /* its start on the run clock, s; < 0: it never started */
    uint32_t vus_max;           /* peak of active VUs (in an iteration, or connections) */
    uint32_t vus_allocated;     /* VUs created: the pool (>= vus_max) */
    double rate;                /* open model: the target rate (req/s); 0 when closed */
    struct stats_counts counts;
    const hist *lat;            /* borrowed: latency of completed responses, us */
    const series *ser;          /* borrowed: per-second series */
    char error_detail[ERR__COUNT][ERR_EXAMPLE_LEN]; /* first reason seen per error class */
    /* plans (absent in quick mode: 0 / NULL) */
    int is_plan;
    const struct stats_counts *iter_counts; /* iterations: requests = started and ended,
                                               failed = with a failed step */
    const hist *iter_lat;                   /* iteration durations, us */
    uint64_t dropped;           /* arrival rates: iterations not started, no free VU */
    uint64_t aborted;           /* iterations cut off when a graceful stop ran out */
    struct sub_result *steps;   /* request steps, in flow order */
    int nsteps;
    struct sub_result *txns;
    int ntxns;
    struct sub_result *levels;  /* ladder */
    int nlevels;
};

struct run_result {
    char started[40];           /* ISO-8601 UTC */
    double duration_s;
    int interrupted;            /* the signal that stopped the run early; 0: ran to its end */
    int unreachable;            /* stopped by --abort-unreachable (then interrupted is 0) */
    double unreachable_s;       /* its D, s */
    char unreachable_detail[160]; /* the first failed connect's reason */
    const char *target;         /* the URL (quick mode) */
    const char *url;            /* the target URL (plans and quick mode), or NULL */
    const char *plan_file;      /* the plan (surge run) */
    char segment[24];           /* "K/N" when this run was share K of N (--segment, MPI);
                                   "" for a whole run */
    int threads;
    int connections;
    int co_corrected;           /* open model latency measured from the intended time */
    const json_t *generator;    /* borrowed: the self-check's figures (engine/gencheck.h's
                                   gencheck_json), or NULL */
    int saturated_abort;        /* stopped by on_saturation: abort (then interrupted is 0) */
    int nscenarios;
    struct scenario_result *sc;
};

/* Free what runner_run allocated in r (scenario array and their parts), not what
 * they borrow. */
void results_free_parts(struct run_result *r);

/* The figures of a latency histogram (recorded in microseconds), in ms. */
void results_latency(const hist *h, struct latency_ms *out);

/* A request's success rate: (requests - failed) / requests; 1 when none. */
double results_success_rate(const struct stats_counts *c);

/* The results model as a JSON document (schema surge.results/2): what judge and the
 * report writers read, and what results.json holds. NULL when out of memory; the
 * caller owns it (json_decref). */
json_t *results_json_build(const struct run_result *r);

/* One series point as results.json writes it (also a series.ndjson line's scenario
 * entry). NULL when out of memory; the caller owns it. */
json_t *results_json_point(const struct series_point *p);

/* A part of a scenario as results.json writes it: a step (with_status) or transaction
 * {name, requests|count, failed, ...}, or with level a ladder level {vus, requests,
 * failed, success_rate, duration_s, rps, status, errors, latency_ms}. NULL: no memory. */
json_t *results_json_sub(const struct sub_result *u, int with_status, int level);

/* Save a results document to path ("-" for stdout), atomically (a temporary file
 * renamed into place). @return 0, or -1 with a reason in err. */
int results_json_save(const json_t *doc, const char *path, char *err, int errlen);

/* Build and save results.json (schema surge.results/2) to path ("-" for stdout), atomically
 * (a temporary file renamed into place). @return 0, or -1 with a reason in err. */
int results_json_write(const struct run_result *r, const char *path, char *err, int errlen);

/* Print the terminal summary; with distribution, the latency percentile table too. */
void results_summary_print(FILE *f, const struct run_result *r, int distribution);

#endif
