/* results.c — figures derived from the results model, shared by every writer. */
#include "report/results.h"

#include <stdlib.h>

void results_latency(const hist *h, struct latency_ms *o)
{
    o->min = (double)hist_min(h) / 1e3;
    o->avg = hist_mean(h) / 1e3;
    o->stdev = hist_stdev(h) / 1e3;
    o->p50 = (double)hist_percentile(h, 50) / 1e3;
    o->p90 = (double)hist_percentile(h, 90) / 1e3;
    o->p95 = (double)hist_percentile(h, 95) / 1e3;
    o->p99 = (double)hist_percentile(h, 99) / 1e3;
    o->p999 = (double)hist_percentile(h, 99.9) / 1e3;
    o->max = (double)hist_max(h) / 1e3;
}

double results_success_rate(const struct stats_counts *c)
{
    return c->requests ? (double)(c->requests - c->failed) / (double)c->requests : 1.0;
}

void results_free_parts(struct run_result *r)
{
    for (int i = 0; r->sc && i < r->nscenarios; i++) {
        free(r->sc[i].steps);
        free(r->sc[i].txns);
        free(r->sc[i].levels);
    }
    free(r->sc);
    r->sc = NULL;
    r->nscenarios = 0;
}
