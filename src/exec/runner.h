/* runner.h — `surge run`'s engine room: runs a loaded plan's scenarios on the worker
 * threads (one after another, or at their start offsets), drives ladder levels,
 * collects the statistics each second and prints the live line. */
#ifndef SURGE_EXEC_RUNNER_H
#define SURGE_EXEC_RUNNER_H

#include <stdio.h>

#include "plan/plan.h"
#include "report/results.h"
#include "watch/watch.h"

typedef struct runner runner; /* opaque: keeps what the results point at */

struct runner_opts {
    int threads;   /* worker threads (>= 1) */
    FILE *live;    /* where the live line goes each second, or NULL */
    watch *watch;  /* the service watched, or NULL: started before load (the target and
                      the baseline window waited for), t = 0 marked at load start,
                      restart_at timers, the live line's memory and CPU; the caller
                      stops it (watch_stop) after runner_run */
};

/* Why runner_run failed, for the exit status. */
enum runner_fail {
    RUNNER_FAIL_INPUT = 2, /* the plan's target does not parse or resolve, bad TLS files */
    RUNNER_FAIL_START = 1, /* threads or memory */
    RUNNER_FAIL_TARGET = 3, /* the target surge starts did not start or get ready */
};

/* Run the plan on this thread's default loop until every scenario has ended or
 * SIGINT/SIGTERM. Fills out (one scenario_result per plan scenario, allocated here;
 * out->interrupted set when stopped by a signal); its pointers stay valid until
 * runner_free. @return the runner, or NULL with a reason in err (bad target, TLS
 * options, threads, memory). */
runner *runner_run(const struct plan *p, const struct runner_opts *o, struct run_result *out,
                   enum runner_fail *why, char *err, int errlen);
void runner_free(runner *r); /* NULL is fine */

/* Scenario i's window on the run clock (seconds since load start): when it started and
 * ended (both 0 when it never started). */
void runner_window(const runner *r, int i, double *from_s, double *to_s);

#endif
