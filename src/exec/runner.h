/* runner.h — `surge run`'s engine room: runs a loaded plan's scenarios on the worker
 * threads (one after another, or at their start offsets), drives ladder levels,
 * collects the statistics each second and prints the live line. */
#ifndef SURGE_EXEC_RUNNER_H
#define SURGE_EXEC_RUNNER_H

#include <stdio.h>

#include <jansson.h>

#include "plan/plan.h"
#include "report/results.h"

typedef struct runner runner; /* opaque: keeps what the results point at */

struct runner_opts {
    int threads;   /* worker threads (>= 1) */
    FILE *live;    /* where the live line goes each second, or NULL */
    /* Called on the main thread once a second, as that second is merged, with a line
     * object {"t_run": N, "scenarios": {NAME: series point}} of the scenarios running;
     * a nonzero return stops the run at once as if interrupted (without a signal: the
     * caller knows why). NULL: none. (The judge's abort_on_fail check.) */
    int (*on_second)(void *ud, const json_t *line);
    void *on_second_ud;
    /* The capacity executor's verdict on one level, called on the main thread once the
     * level's every second is merged, with the level as results.json writes a ladder level
     * ({vus, requests, failed, success_rate, duration_s, rps, status, errors, latency_ms}):
     * @return 1 when the scenario's criteria hold on it (also gets on_second_ud). NULL:
     * every level passes (the search then raises VUs up to max_vus). */
    int (*level_ok)(void *ud, const char *scenario, const json_t *level);
};

/* Why runner_run failed, for the exit status. */
enum runner_fail {
    RUNNER_FAIL_INPUT = 2, /* the plan's target does not parse or resolve, bad TLS files */
    RUNNER_FAIL_START = 1, /* threads or memory */
};

/* Run the plan on this thread's default loop until every scenario has ended or
 * SIGINT/SIGTERM. Fills out (one scenario_result per plan scenario, allocated here;
 * out->interrupted set when stopped by a signal); its pointers stay valid until
 * runner_free. @return the runner, or NULL with a reason in err (bad target, TLS
 * options, threads, memory). */
runner *runner_run(const struct plan *p, const struct runner_opts *o, struct run_result *out,
                   enum runner_fail *why, char *err, int errlen);
void runner_free(runner *r); /* NULL is fine */

#endif
