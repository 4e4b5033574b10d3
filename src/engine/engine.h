/* engine.h — the worker threads: one libev loop and one stats shard each, started
 * and stopped by the main thread, with a loop-safe queue of commands into each. */
#ifndef SURGE_ENGINE_ENGINE_H
#define SURGE_ENGINE_ENGINE_H

#include <stdint.h>

#include <ev.h>

#include "engine/gencheck.h"
#include "stats/shard.h"

typedef struct engine engine; /* opaque */
typedef struct worker worker; /* opaque; one per thread */

/* Runs on a worker's own thread. */
typedef void (*worker_fn)(worker *w, void *ud);

/* nthreads workers (>= 1), each with a shard of nkeys keys whose seconds count from
 * start_us. all_done runs on main_loop once every worker has called worker_done
 * (or stopped). @return NULL when out of memory. */
engine *engine_new(struct ev_loop *main_loop, int nthreads, int nkeys, uint64_t start_us,
                   void (*all_done)(engine *e, void *ud), void *ud);

/* Start the threads; each runs start(w, ud) on its loop, then the loop.
 * @return 0, or -errno when a thread could not be created (those started are
 * stopped and joined). */
int engine_start(engine *e, worker_fn start, void *ud);

/* Ask every worker to stop: each runs the hook set by worker_on_stop on its own
 * thread (to free its connections and users), hands its last partial second to
 * the collector and leaves its loop. Safe to call more than once. */
void engine_stop(engine *e);

/* Wait for every thread to end; then free with engine_free. */
void engine_join(engine *e);
void engine_free(engine *e); /* NULL is fine */

int engine_nthreads(const engine *e);
worker *engine_worker(engine *e, int i);
shard *const *engine_shards(const engine *e);
/* The workers' self-check (CPU, loop lag, schedule lag): the caller starts its sampling
 * on the main loop (gencheck_start) and stops it after engine_join. */
gencheck *engine_gencheck(engine *e);

/* ---- worker side (call on the worker's thread) ---- */
struct ev_loop *worker_loop(worker *w);
shard *worker_shard(worker *w);
int worker_index(const worker *w);
/* The hook engine_stop runs on this worker's thread before its loop ends. */
void worker_on_stop(worker *w, worker_fn fn, void *ud);
/* This worker has no more work (a count ran out); the last to say so triggers
 * all_done on the main loop. */
void worker_done(worker *w);

/* An open-model send (or arrival-rate iteration) went out lag_us behind its intended
 * time: for the self-check's schedule lag (engine/gencheck.h). */
void worker_sched_lag(worker *w, uint64_t lag_us);

/* From any thread: run fn(w, ud) on w's thread, soon. @return 0 or -ENOMEM. */
int worker_post(worker *w, worker_fn fn, void *ud);

#endif
