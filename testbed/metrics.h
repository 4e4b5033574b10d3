/* metrics.h — the testbed's Prometheus registry: counters, gauges and histograms with
 * labels, rendered at GET /metrics in text exposition format 0.0.4. Single-threaded
 * like the rest of the server (worker threads report through the loop, not directly). */
#ifndef SURGE_TESTBED_METRICS_H
#define SURGE_TESTBED_METRICS_H

#include <stddef.h>

#include "tbuf.h"

typedef struct tb_metrics tb_metrics;

/* Returns the registry or NULL (out of memory). */
tb_metrics *metrics_new(void);
void metrics_free(tb_metrics *m); /* NULL is fine */

/* A series is a family name plus a label set written as Prometheus writes it, without
 * braces: `route="/api/upload",code="200"`, or "" for none. The first use of a name
 * declares the family with its help text and type; using it later with another type is
 * a programming error (ignored, returns -1). Label values must already be escaped. */
int metrics_counter_add(tb_metrics *m, const char *name, const char *help, const char *labels,
                        double v);
int metrics_gauge_set(tb_metrics *m, const char *name, const char *help, const char *labels,
                      double v);
int metrics_gauge_add(tb_metrics *m, const char *name, const char *help, const char *labels,
                      double v);
/* Histogram with fixed buckets (seconds): 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10
 * 30 60 120 300 +Inf; renders _bucket (cumulative), _sum and _count. */
int metrics_hist_observe(tb_metrics *m, const char *name, const char *help, const char *labels,
                         double v);

/* fn runs just before each rendering, to set gauges computed on demand (queue sizes,
 * /proc figures). Up to 16 collectors. */
typedef void (*metrics_collect_fn)(tb_metrics *m, void *ud);
int metrics_on_collect(tb_metrics *m, metrics_collect_fn fn, void *ud);

/* Render every family (HELP and TYPE lines, then its series in first-use order) into out.
 * Returns 0 or -ENOMEM. */
int metrics_render(tb_metrics *m, tbuf *out);

#endif
