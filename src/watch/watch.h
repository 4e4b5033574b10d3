/* watch.h — the watch stage's whole interface for the rest of surge: the service under
 * test watched (its process, cgroup, Prometheus metrics, health, GPU, logs) and, when
 * surge owns it, started, restarted and stopped. Each source is sampled every interval
 * on its own thread (never on the load path); everything is kept on one clock: t_run = 0
 * when load starts (watch_mark_t0), negative in the baseline window before it.
 *
 * Use: watch_new, watch_add (sources), watch_set_target (optional), watch_start (starts
 * the target and the sampling), wait watch_baseline_s(), watch_mark_t0 at load start,
 * watch_live / watch_second_json while load runs, watch_stop, then watch_json_add and
 * watch_summary_print with the scenarios' windows, watch_free. */
#ifndef SURGE_WATCH_WATCH_H
#define SURGE_WATCH_WATCH_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "watch/source.h"
#include "watch/target.h"

typedef struct watch watch;

struct watch_opts {
    double interval_s;   /* sampling period (0: 1 s) */
    double baseline_s;   /* the window sampled before load starts (0 with has_baseline
                            unset: 5 s; has_baseline set: 0 is no baseline) */
    int has_baseline;
    double warmup;       /* share of a window skipped before the growth fit (0: 0.1) */
    FILE *warn;          /* where warnings go ("surge: warning: watch ..."), or NULL */
};

/* @return the watch (nothing started), or NULL (memory). */
watch *watch_new(const struct watch_opts *o);

/* Add a source; the watch owns it from now on (even on failure). @return 0, or -1. */
int watch_add(watch *w, wsrc *s);

/* The service surge starts (plan `target: {command: ...}`). Without a process or cgroup
 * source, a process source watching it is added; without a health source, one probing
 * its ready URL. abort_on_exit: an exit of its own makes watch_target_aborted true.
 * Strings in c are borrowed for the watch's life. @return 0, or -1 (memory). */
int watch_set_target(watch *w, const struct target_cfg *c, int abort_on_exit);

/* Has a source of this kind ("process", "health", ...)? */
int watch_has_kind(const watch *w, const char *kind);

/* Start the target (when set: start, then wait until ready, events "start" and
 * "ready") and the sampling threads. @return 0, or -1 with a reason in err: the target
 * could not start or was not ready in time (exit status 3), threads. */
int watch_start(watch *w, char *err, int errlen);

/* How long the caller waits between watch_start and load start (the baseline window). */
double watch_baseline_s(const watch *w);

/* Load starts now: t_run = 0 at clock_us() value t0_us (util/clock.h). */
void watch_mark_t0(watch *w, uint64_t t0_us);

/* Ask for a restart of the target (stop, start, wait ready) on the watch's own thread,
 * recorded as a "restart" event at this time. @return 0, or -1 when there is no target. */
int watch_target_restart(watch *w);

/* True once the target exited on its own with on_target_exit: abort. */
int watch_target_aborted(const watch *w);

/* The live line's part: the latest memory and CPU of the watched process (or cgroup),
 * e.g. "mem 103MB cpu 18%" ("" when none yet). Safe while sampling runs. */
void watch_live(watch *w, char *buf, int len);

/* The latest value of a metric. @return 0 and *v, or -1 when it has none. */
int watch_latest(watch *w, const char *name, double *v);

/* For a series.ndjson line: into the JSON object out, for each metric with a sample
 * taken at t_run in [t_from, t_to), its latest such value (out[name] = value). Needs
 * watch_mark_t0 (before it, t_run counts from the planned load start). Safe while
 * sampling runs. @return how many were set. */
int watch_second_json(watch *w, double t_from, double t_to, json_t *out);

/* Stop sampling and the target (event "stop"), then let sources that know more at the
 * end (promql) add it. Idempotent. */
void watch_stop(watch *w);

/* A scenario's window on the run clock. */
struct watch_window {
    const char *name;
    double from_s, to_s;
};

/* The derived figures of one metric over a window (see derive.h). */
struct watch_result {
    int n;                                 /* samples in the window */
    double baseline;                       /* median over the baseline window */
    int has_baseline;
    double min, avg, max, last;
    int has_growth;                        /* memory metrics (*_bytes) with enough samples */
    double growth_per_h, growth_pct_per_h, growth_r2, growth_from_s, growth_to_s;
};

/* Figures of metric `name` over [from_s, to_s) on the run clock. @return 0, or -1 when
 * the metric does not exist. */
int watch_result_get(watch *w, const char *name, double from_s, double to_s,
                     struct watch_result *out);

/* Add to a results document (docs/model.md): "watch" at the top level, and for each
 * window i "scenarios"[i]."watch" (per metric: baseline, min, avg, max, last, growth)
 * and "restart_at_s" when the target was restarted in it. After watch_stop.
 * @return 0, or -1 (memory). */
int watch_json_add(watch *w, json_t *doc, const struct watch_window *win, int nwin);

/* The end-of-run resource table, one line per scenario window (memory baseline/avg/peak/
 * growth, CPU avg/peak, uptime), and unavailable sources. */
void watch_summary_print(watch *w, FILE *f, const struct watch_window *win, int nwin);

/* Stop (if needed) and free everything, the target and sources included. NULL is fine. */
void watch_free(watch *w);

#endif
