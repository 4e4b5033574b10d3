/* results.h — the results model of a run: what every report writer (terminal
 * summary, results.json, later Markdown/HTML/JUnit) is written from. */
#ifndef SURGE_REPORT_RESULTS_H
#define SURGE_REPORT_RESULTS_H

#include <stdint.h>
#include <stdio.h>

#include "stats/hist.h"
#include "stats/series.h"
#include "stats/shard.h"

/* Latency figures in milliseconds. */
struct latency_ms {
    double min, avg, stdev, p50, p90, p95, p99, p999, max;
};

struct scenario_result {
    char name[64];
    char executor[32];          /* "constant-vus", "constant-arrival-rate", ... */
    double duration_s;          /* time load was applied */
    uint32_t vus_max;
    double rate;                /* open model: the target rate (req/s); 0 when closed */
    struct stats_counts counts;
    const hist *lat;            /* borrowed: latency of completed responses, us */
    const series *ser;          /* borrowed: per-second series */
    char error_detail[ERR__COUNT][160]; /* first reason seen per error class */
};

struct run_result {
    char started[40];           /* ISO-8601 UTC */
    double duration_s;
    int interrupted;            /* the signal that stopped the run early; 0: ran to its end */
    const char *target;         /* the URL (quick mode) */
    int threads;
    int connections;
    int co_corrected;           /* open model latency measured from the intended time */
    int nscenarios;
    struct scenario_result *sc;
};

/* The figures of a latency histogram (recorded in microseconds), in ms. */
void results_latency(const hist *h, struct latency_ms *out);

/* A request's success rate: (requests - failed) / requests; 1 when none. */
double results_success_rate(const struct stats_counts *c);

/* Write results.json (schema surge.results/1) to path ("-" for stdout), atomically
 * (a temporary file renamed into place). @return 0, or -1 with a reason in err. */
int results_json_write(const struct run_result *r, const char *path, char *err, int errlen);

/* Print the terminal summary; with distribution, the latency percentile table too. */
void results_summary_print(FILE *f, const struct run_result *r, int distribution);

#endif
