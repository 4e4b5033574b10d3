/* slice.h — one worker's share of a scenario: the virtual users whose numbers fall to
 * this worker (g % nthreads == worker, within the process's execution segment), driven
 * by the scenario's executor against a start time shared by every worker, so no
 * command crosses threads per iteration.
 * Between the runner (main thread) and the slices (worker threads) only. */
#ifndef SURGE_EXEC_SLICE_H
#define SURGE_EXEC_SLICE_H

#include <stdatomic.h>
#include <stdint.h>

#include <ev.h>

#include "engine/engine.h"
#include "exec/segment.h"
#include "flow/vu.h"
#include "plan/plan.h"

/* What every worker shares about one scenario (written by main before start). */
struct sc_shared {
    const struct plan *plan;
    const struct plan_scenario *sc;
    const struct plan_flow *flow;
    int nthreads;
    struct segment seg;          /* the share of the plan this process runs (--segment,
                                    MPI ranks); the zero value: all of it */
    struct vu_keys keys;         /* keys.level unused here: level_key0 + level */
    int level_key0;              /* ladder: key of level 0 */
    uint64_t start_us;           /* scenario start (clock_us), set before posting */
    int level;                   /* ladder: the level being run, set before posting */
    int level_vus;               /* ladder, capacity: that level's VUs, set before posting */
    uint64_t level_start_us;
    atomic_int active;           /* VUs in an iteration now */
    atomic_int peak;             /* most VUs in an iteration at once so far */
    atomic_int made;             /* VUs created so far */
    atomic_ullong dropped;       /* arrival-rate iterations not started: no free VU */
    atomic_ullong aborted;       /* iterations cut off at a graceful stop's end */
    atomic_llong shared_left;    /* shared-iterations: iterations not yet handed out */
    atomic_int slices_done;      /* workers finished with the scenario */
    atomic_int level_done;       /* workers finished with the current level */
    char (*examples)[ERR__COUNT][ERR_EXAMPLE_LEN]; /* per worker: first reason per error class */
    struct trace *trace;         /* --trace: the first worker's VU 1 prints here, or NULL */
    struct ev_loop *main_loop;   /* where to wake the runner */
    ev_async *notify;
};

struct slice; /* per (scenario, worker); created and freed on the worker thread */

/* Run on the worker (worker_post). ud: the struct slice_cmd below, freed by the slice. */
struct slice_cmd {
    struct sc_shared *sh;
    const struct conn_target *target;
    const char *authority, *base_path;
    int https;
    const struct origin *origins; /* the plan's other origins (plan->origins, resolved) */
    struct slice **slot;         /* where the worker keeps its slice (freed at stop) */
};
void slice_start(worker *w, void *cmd);   /* creates the slice and starts the executor */
void slice_level(worker *w, void *slot);  /* ladder: run level sh->level (slot: struct slice **) */
void slice_stop(worker *w, void *slot);   /* stop now: abort iterations in flight */
/* Stop starting iterations; those in flight get the scenario's graceful_stop to end (a
 * ladder then reports its level done, as at a level's end). */
void slice_graceful(worker *w, void *slot);
void slice_free(struct slice *s);         /* on the worker thread; NULL is fine */

#endif
