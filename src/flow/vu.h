/* vu.h — a virtual user: runs iterations of a flow (request steps with templates,
 * cookies, expectations, extraction and polling; think times; transactions) as a
 * state machine on its worker's loop. No thread or stack per user: an idle user is a
 * few hundred bytes plus its (idle) connection. */
#ifndef SURGE_FLOW_VU_H
#define SURGE_FLOW_VU_H

#include <stdint.h>

#include <ev.h>

#include "engine/conn.h"
#include "engine/origin.h"
#include "engine/ptimer.h"
#include "plan/plan.h"
#include "stats/shard.h"

struct trace;
typedef struct vu vu; /* opaque; owned by one worker thread */

/* Where a flow's samples go: stats keys of the worker's shard. */
struct vu_keys {
    int scenario;   /* every request of the scenario */
    int iteration;  /* one sample per iteration: its duration, failed if any step failed */
    int level;      /* ladder: the current level's key (every request), or -1 */
    int step0;      /* key of the flow's first step; step i's key is step0 + i */
    int txn0;       /* key of transaction 0; transaction j's key is txn0 + j */
};

/* Shared by the users of one scenario on one worker; read-only for them except the
 * rng and the keys' level (the executor moves it between ladder levels). */
struct vu_ctx {
    const struct plan *plan;
    const struct plan_flow *flow;
    const struct plan_scenario *scenario; /* for messages (--trace); may be NULL */
    const struct conn_target *target; /* the plan's target, resolved */
    const char *authority;            /* Host header of the target */
    const char *base_path;            /* the target's path prefix ("" or "/api") */
    int https;
    const struct origin *origins;     /* plan->origins resolved (a step's origin i > 0 is
                                         origins[i - 1]), or NULL when there are none */
    struct ev_loop *loop;
    ptimer *timers;
    shard *sh;
    struct vu_keys keys;
    uint64_t rng;                     /* the worker's generator (uuid, random, think) */
    char (*examples)[ERR_EXAMPLE_LEN];
    struct trace *trace;              /* --trace: VU 1 prints its requests here, or NULL
                                         (flow/trace.h; only the first worker's ctx) */            /* [ERR__COUNT]: first "step: reason" per class */
};

/* Called when an iteration ends (never from inside vu_iterate). ok: no step failed. */
typedef void (*vu_done_fn)(vu *v, void *ud, int ok);

/* A user with number id (${vu}, 1-based across the scenario). NULL when out of memory. */
vu *vu_new(struct vu_ctx *ctx, int id);
void vu_free(vu *v); /* aborts what is in flight, closes the connection; NULL is fine */

/* Start one iteration (number `iteration`, ${iteration}). intended_us: when it should
 * have started (open model: its duration is measured from then), or 0 for now. */
void vu_iterate(vu *v, uint64_t iteration, uint64_t intended_us, vu_done_fn done, void *ud);

/* Abort the iteration in flight without calling done (a graceful stop ran out). The
 * steps cut short are not counted; the iteration is counted as aborted by the caller. */
void vu_abort(vu *v);

int vu_busy(const vu *v);
int vu_id(const vu *v);

#endif
