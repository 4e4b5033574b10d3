/* runner.h — `surge run`'s engine room: runs a loaded plan's scenarios on the worker
 * threads (one after another, or at their start offsets), drives ladder levels,
 * collects the statistics each second and prints the live line. */
#ifndef SURGE_EXEC_RUNNER_H
#define SURGE_EXEC_RUNNER_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "exec/segment.h"
#include "plan/plan.h"
#include "report/results.h"
#include "watch/watch.h"

typedef struct runner runner; /* opaque: keeps what the results point at */

struct runner_opts {
    int threads;   /* worker threads (>= 1) */
    FILE *live;    /* where the live view goes each second (report/live.h), or NULL */
    int live_tty;  /* 1: a status line in place, 0: plain lines, -1: by isatty(live) */
    /* Called on the main thread once per merged second of the run, in order, with that
     * second's series.ndjson line (docs/model.md): {"t_run": N, "scenarios": {NAME: point
     * with "t" (since the scenario's start) and "t_run"}, "watch": {}} for the scenarios
     * that ran in it. The last (partial) seconds come after the load stops. The line is
     * borrowed: valid only during the call. "watch" is an empty object for the watch stage
     * to fill. A nonzero return stops the run at once as if interrupted (without a
     * signal: the caller knows why; the judge's abort_on_fail). NULL: not called. */
    int (*on_second)(void *ud, const json_t *line);
    void *on_second_ud;
    /* Called with the same ud just before on_second, once per merged second and running
     * scenario (its index in the plan), with that second's latency histogram (us; borrowed,
     * valid only during the call): for HdrHistogram interval logs. NULL: not called. */
    void (*on_second_hist)(void *ud, int scenario, uint32_t t_run, const hist *lat);
    /* A second SIGINT/SIGTERM while the first one's graceful stop runs: called (same ud)
     * to write what is there before the process exits at once with 128 + signum. The
     * workers are still running: use only what on_second already handed over. */
    void (*on_hard_stop)(void *ud, int signum);
    uint64_t abort_unreachable_us; /* stop when nothing connected and connects failed
                                      for this long (0: never) */
    struct trace *trace; /* --trace: VU 1 of the first worker prints into it (flow/trace.h),
                            in every scenario; NULL: off */
    watch *watch;  /* the service watched, or NULL: started before load (the target and
                      the baseline window waited for), t = 0 marked at load start,
                      restart_at timers, the live line's memory and CPU; the caller
                      stops it (watch_stop) after runner_run */
    /* The capacity executor's verdict on one level, called on the main thread once the
     * level's every second is merged, with the level as results.json writes a ladder level
     * ({vus, requests, failed, success_rate, duration_s, rps, status, errors, latency_ms}):
     * @return 1 when the scenario's criteria hold on it (also gets on_second_ud). NULL:
     * every level passes (the search then raises VUs up to max_vus). */
    int (*level_ok)(void *ud, const char *scenario, const json_t *level);
    /* The share of every scenario this process runs (--segment K/N, an MPI rank; see
     * exec/segment.h): VUs, iteration counts and arrival-rate starts split so the shares
     * add up to the plan. The zero value: the whole plan. The capacity executor cannot
     * be split (its levels follow its own verdicts): the caller refuses it. */
    struct segment segment;
    /* Called once on the main thread just before load starts (after the watch's baseline,
     * also when a signal came in it): returns when every process of a distributed run
     * starts (dist/dist.h). NULL: load starts at once. */
    void (*start_sync)(void *ud);
    void *start_sync_ud;
    /* A distributed run: asked (with start_sync_ud) whether scenario i, which starts after
     * the previous one and whose previous one has ended here, may start now; 0 keeps it
     * waiting, asked again each second. NULL: it starts at once. */
    int (*may_start)(void *ud, int scenario);
};

/* Why runner_run failed, for the exit status. */
enum runner_fail {
    RUNNER_FAIL_INPUT = 2, /* the plan's target does not parse or resolve, bad TLS files */
    RUNNER_FAIL_START = 1, /* threads or memory */
    RUNNER_FAIL_TARGET = 3, /* the target surge starts did not start or get ready */
};

/* Run the plan on this thread's default loop until every scenario has ended or
 * SIGINT/SIGTERM, or until the target proved unreachable (o->abort_unreachable_us).
 * Fills out (one scenario_result per plan scenario, allocated here; out->interrupted
 * set when stopped by a signal, out->unreachable by the abort); its pointers stay valid until
 * runner_free. @return the runner, or NULL with a reason in err (bad target, TLS
 * options, threads, memory). */
runner *runner_run(const struct plan *p, const struct runner_opts *o, struct run_result *out,
                   enum runner_fail *why, char *err, int errlen);
void runner_free(runner *r); /* NULL is fine */

/* Scenario i's window on the run clock (seconds since load start): when it started and
 * ended (both 0 when it never started). */
void runner_window(const runner *r, int i, double *from_s, double *to_s);

#endif
