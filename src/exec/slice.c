/* slice.c — the executors, worker side: which of this worker's virtual users run,
 * and when each starts an iteration, for every executor kind. */
#include "exec/slice.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "util/clock.h"

enum phase { RUNNING, STOPPING, DONE };

struct vstate {
    int want;          /* keep iterating (closed executors) */
    uint64_t left;     /* iterations left (count executors); UINT64_MAX: no limit */
    uint64_t iters;    /* iterations started, for ${iteration} */
};

struct slice {
    struct sc_shared *sh;
    worker *w;
    int wi, T;               /* items g with g % T == wi are ours: the worker's split of
                                the process's segment (exec/segment.h) */
    struct vu_ctx ctx;
    vu **vus;                /* local j is global VU wi + j*T */
    struct vstate *st;
    int nvus, cap;
    int busy;                /* VUs in an iteration */
    int *idle;               /* arrival rates: stack of idle VUs (local indexes) */
    int nidle;
    int pool_max;            /* arrival rates: this worker's share of max_vus */
    enum phase phase;
    int level_open;          /* ladder: a level is running here */
    uint64_t next_i;         /* arrival rates: next global iteration index */
    uint64_t end_us;         /* when starting new work stops */
    struct ptimer_entry t_end, t_tick, t_grace, t_next;
};

#define NO_LIMIT UINT64_MAX

static struct slice *of_entry(struct ptimer_entry *e, size_t off)
{
    return (struct slice *)((char *)e - off);
}

static void notify(struct slice *s)
{
    ev_async_send(s->sh->main_loop, s->sh->notify);
}

/* Share of n for this worker when items are numbered 0..n-1 and item g is ours when
 * g % T == wi. */
static int share(const struct slice *s, int n)
{
    return n <= s->wi ? 0 : (n - s->wi - 1) / s->T + 1;
}

static vu *get_vu(struct slice *s, int j)
{
    if (j < s->nvus)
        return s->vus[j];
    if (j >= s->cap) {
        int nc = s->cap ? s->cap * 2 : 16;
        while (nc <= j)
            nc *= 2;
        vu **nv = realloc(s->vus, (size_t)nc * sizeof *nv);
        if (!nv)
            return NULL;
        s->vus = nv;
        struct vstate *ns = realloc(s->st, (size_t)nc * sizeof *ns);
        if (!ns)
            return NULL;
        s->st = ns;
        s->cap = nc;
    }
    while (s->nvus <= j) {
        int g = s->wi + s->nvus * s->T;
        vu *v = vu_new(&s->ctx, g + 1);
        if (!v)
            return NULL;
        s->vus[s->nvus] = v;
        s->st[s->nvus] = (struct vstate){0};
        s->nvus++;
        atomic_fetch_add(&s->sh->made, 1);
    }
    return s->vus[j];
}

static void on_vu_done(vu *v, void *ud, int ok);

static void start_iter(struct slice *s, int j, uint64_t intended_us)
{
    vu *v = get_vu(s, j);
    if (!v)
        return;
    s->busy++;
    int now = atomic_fetch_add(&s->sh->active, 1) + 1;
    int peak = atomic_load_explicit(&s->sh->peak, memory_order_relaxed);
    while (now > peak && !atomic_compare_exchange_weak(&s->sh->peak, &peak, now))
        ;
    vu_iterate(v, ++s->st[j].iters, intended_us, on_vu_done, s);
}

static void finish(struct slice *s)
{
    if (s->phase == DONE)
        return;
    s->phase = DONE;
    ptimer_cancel(s->ctx.timers, &s->t_end);
    ptimer_cancel(s->ctx.timers, &s->t_tick);
    ptimer_cancel(s->ctx.timers, &s->t_grace);
    ptimer_cancel(s->ctx.timers, &s->t_next);
    atomic_fetch_add(&s->sh->slices_done, 1);
    notify(s);
}

static void abort_busy(struct slice *s)
{
    for (int j = 0; j < s->nvus; j++) {
        if (vu_busy(s->vus[j])) {
            vu_abort(s->vus[j]);
            s->busy--;
            atomic_fetch_sub(&s->sh->active, 1);
            atomic_fetch_add(&s->sh->aborted, 1);
        }
        s->st[j].want = 0;
    }
}

static void on_grace(struct ptimer_entry *e)
{
    struct slice *s = of_entry(e, offsetof(struct slice, t_grace));
    abort_busy(s);
    if ((s->sh->sc->exec == EXEC_LADDER || s->sh->sc->exec == EXEC_CAPACITY) && s->level_open) {
        s->level_open = 0;
        s->phase = RUNNING;
        atomic_fetch_add(&s->sh->level_done, 1);
        notify(s);
        return;
    }
    finish(s);
}

/* Stop starting work; iterations in flight get graceful_stop to end. */
static void begin_graceful(struct slice *s)
{
    if (s->phase != RUNNING)
        return;
    s->phase = STOPPING;
    ptimer_cancel(s->ctx.timers, &s->t_tick);
    ptimer_cancel(s->ctx.timers, &s->t_next);
    for (int j = 0; j < s->nvus; j++)
        s->st[j].want = 0;
    if (s->busy == 0) {
        on_grace(&s->t_grace);
        return;
    }
    ptimer_arm(s->ctx.timers, &s->t_grace, clock_us() + s->sh->sc->graceful_stop_us);
}

static void on_end(struct ptimer_entry *e)
{
    begin_graceful(of_entry(e, offsetof(struct slice, t_end)));
}

/* ---- closed executors: a VU decides on its own next iteration --------------------- */

static int wants_more(struct slice *s, int j)
{
    struct vstate *v = &s->st[j];
    if (s->phase != RUNNING || !v->want)
        return 0;
    if (s->sh->sc->exec == EXEC_SHARED_ITERATIONS)
        return atomic_fetch_sub(&s->sh->shared_left, 1) > 0;
    if (v->left == NO_LIMIT)
        return 1;
    if (v->left == 0)
        return 0;
    v->left--;
    return 1;
}

static void check_idle(struct slice *s)
{
    if (s->busy)
        return;
    enum plan_exec ex = s->sh->sc->exec;
    if (s->phase == STOPPING) {
        ptimer_cancel(s->ctx.timers, &s->t_grace);
        on_grace(&s->t_grace);
        return;
    }
    if (s->phase != RUNNING)
        return;
    /* count executors end when nobody has anything left */
    if (ex == EXEC_PER_VU_ITERATIONS || ex == EXEC_SHARED_ITERATIONS) {
        finish(s);
    } else if ((ex == EXEC_LADDER || ex == EXEC_CAPACITY) && s->level_open &&
               !ptimer_armed(&s->t_end)) {
        s->level_open = 0;
        atomic_fetch_add(&s->sh->level_done, 1);
        notify(s);
    }
}

static void on_vu_done(vu *v, void *ud, int ok)
{
    (void)ok;
    struct slice *s = ud;
    int j = (vu_id(v) - 1 - s->wi) / s->T;
    s->busy--;
    atomic_fetch_sub(&s->sh->active, 1);
    enum plan_exec ex = s->sh->sc->exec;
    if (ex == EXEC_CONSTANT_ARRIVAL_RATE || ex == EXEC_RAMPING_ARRIVAL_RATE) {
        s->idle[s->nidle++] = j;
    } else if (wants_more(s, j)) {
        start_iter(s, j, 0);
        return;
    }
    check_idle(s);
}

/* ---- ramping VUs: the wanted number follows the stages; re-checked every 10 ms ---- */

static double ramp_value(const struct plan_scenario *sc, double start, uint64_t t_us, int *ended)
{
    double from = start;
    uint64_t t0 = 0;
    for (int i = 0; i < sc->nstages; i++) {
        const struct plan_stage *st = &sc->stages[i];
        if (t_us < t0 + st->dur_us) {
            *ended = 0;
            return from + (st->target - from) * (double)(t_us - t0) / (double)st->dur_us;
        }
        t0 += st->dur_us;
        from = st->target;
    }
    *ended = 1;
    return from;
}

static void on_tick(struct ptimer_entry *e)
{
    struct slice *s = of_entry(e, offsetof(struct slice, t_tick));
    const struct plan_scenario *sc = s->sh->sc;
    uint64_t now = clock_us();
    int ended;
    double want = ramp_value(sc, sc->start_vus, now - s->sh->start_us, &ended);
    if (ended) {
        begin_graceful(s);
        return;
    }
    int n = share(s, (int)floor(want + 1e-9));
    for (int j = 0; j < n; j++) {
        if (!s->st || j >= s->nvus || !s->st[j].want) {
            if (!get_vu(s, j))
                break;
            s->st[j].want = 1;
            s->st[j].left = NO_LIMIT;
            if (!vu_busy(s->vus[j]))
                start_iter(s, j, 0);
        }
    }
    for (int j = n; j < s->nvus; j++)
        s->st[j].want = 0; /* finishes its iteration, then rests */
    ptimer_arm(s->ctx.timers, &s->t_tick, now + 10000);
}

/* ---- arrival rates: iteration i starts at t(i); this worker starts i % T == wi ---- */

/* Time (us after the start) at which the cumulative count of started iterations
 * reaches n; NO_LIMIT when the scenario ends first. */
static uint64_t arrival_time(const struct plan_scenario *sc, double n)
{
    double unit = (double)sc->time_unit_us;
    if (sc->exec == EXEC_CONSTANT_ARRIVAL_RATE) {
        double t = n * unit / sc->rate;
        return t < (double)sc->duration_us ? (uint64_t)llround(t) : NO_LIMIT;
    }
    double from = sc->start_rate, t0 = 0, done = 0;
    for (int i = 0; i < sc->nstages; i++) {
        double d = (double)sc->stages[i].dur_us, to = sc->stages[i].target;
        double r0 = from / unit, r1 = to / unit; /* per us */
        double in_stage = (r0 + r1) / 2 * d;
        if (done + in_stage > n) {
            double k = n - done, t;
            if (fabs(r1 - r0) < 1e-15)
                t = k / r0;
            else {
                double a = (r1 - r0) / (2 * d);
                t = (-r0 + sqrt(r0 * r0 + 4 * a * k)) / (2 * a);
            }
            return (uint64_t)llround(t0 + t);
        }
        done += in_stage;
        t0 += d;
        from = to;
    }
    return NO_LIMIT;
}

static void arm_next(struct slice *s)
{
    uint64_t t = arrival_time(s->sh->sc, (double)s->next_i);
    if (t == NO_LIMIT) {
        begin_graceful(s);
        return;
    }
    ptimer_arm(s->ctx.timers, &s->t_next, s->sh->start_us + t);
}

static void on_next(struct ptimer_entry *e)
{
    struct slice *s = of_entry(e, offsetof(struct slice, t_next));
    if (s->phase != RUNNING)
        return;
    uint64_t intended = s->t_next.at_us, now = clock_us();
    worker_sched_lag(s->w, now > intended ? now - intended : 0);
    int j = -1;
    if (s->nidle > 0)
        j = s->idle[--s->nidle];
    else if (s->nvus < s->pool_max && get_vu(s, s->nvus))
        j = s->nvus - 1;
    if (j >= 0)
        start_iter(s, j, intended);
    else {
        atomic_fetch_add(&s->sh->dropped, 1);
        shard_drop(s->ctx.sh, s->ctx.keys.scenario, clock_us());
    }
    s->next_i += (uint64_t)s->T;
    arm_next(s);
}

/* ---- ladder: each level started by the runner --------------------------------------- */

void slice_level(worker *w, void *ud)
{
    (void)w;
    struct slice *s = *(struct slice **)ud;
    if (!s || s->phase == DONE)
        return;
    const struct plan_scenario *sc = s->sh->sc;
    int level = s->sh->level;
    s->ctx.keys.level = s->sh->level_key0 + level;
    s->phase = RUNNING;
    s->level_open = 1;
    int n = share(s, s->sh->level_vus);
    for (int j = 0; j < n; j++) {
        if (!get_vu(s, j))
            break;
        s->st[j].want = 1;
        s->st[j].left = sc->hold_us ? NO_LIMIT : sc->iterations_per_vu;
    }
    if (sc->hold_us)
        ptimer_arm(s->ctx.timers, &s->t_end, s->sh->level_start_us + sc->hold_us);
    for (int j = 0; j < n && j < s->nvus; j++)
        if (!vu_busy(s->vus[j]) && wants_more(s, j))
            start_iter(s, j, 0);
    check_idle(s);
}

static void on_level_end(struct ptimer_entry *e)
{
    struct slice *s = of_entry(e, offsetof(struct slice, t_end));
    begin_graceful(s); /* a held level: stop, let iterations end, then report it done */
}

/* ---- start and stop ---------------------------------------------------------------- */

void slice_start(worker *w, void *ud)
{
    struct slice_cmd *cmd = ud;
    struct sc_shared *sh = cmd->sh;
    const struct plan_scenario *sc = sh->sc;
    struct slice *s = calloc(1, sizeof *s);
    if (!s) {
        atomic_fetch_add(&sh->slices_done, 1);
        ev_async_send(sh->main_loop, sh->notify);
        free(cmd);
        return;
    }
    *cmd->slot = s;
    s->sh = sh;
    s->w = w;
    struct segment ws = segment_split(sh->seg, worker_index(w), sh->nthreads);
    s->wi = ws.k;
    s->T = ws.n;
    s->ctx = (struct vu_ctx){
        .plan = sh->plan,
        .flow = sh->flow,
        .scenario = sc,
        .target = cmd->target,
        .authority = cmd->authority,
        .base_path = cmd->base_path,
        .https = cmd->https,
        .origins = cmd->origins,
        .loop = worker_loop(w),
        .timers = ptimer_new(worker_loop(w)),
        .sh = worker_shard(w),
        .keys = sh->keys,
        .rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)(s->wi + 1) * 0xbf58476d1ce4e5b9ull) ^ sh->start_us,
    };
    s->ctx.keys.level = -1;
    s->ctx.examples = sh->examples[worker_index(w)];
    s->ctx.trace = s->wi == 0 ? sh->trace : NULL; /* VU 1 is the first worker's */
    free(cmd);
    ptimer_entry_init(&s->t_end, sc->exec == EXEC_LADDER || sc->exec == EXEC_CAPACITY
                                     ? on_level_end : on_end);
    ptimer_entry_init(&s->t_tick, on_tick);
    ptimer_entry_init(&s->t_grace, on_grace);
    ptimer_entry_init(&s->t_next, on_next);
    if (!s->ctx.timers) {
        finish(s);
        return;
    }
    uint64_t start = sh->start_us;
    switch (sc->exec) {
    case EXEC_LADDER:
    case EXEC_CAPACITY:
        return; /* levels come from the runner */
    case EXEC_PER_VU_ITERATIONS:
    case EXEC_SHARED_ITERATIONS: {
        int n = share(s, sc->vus);
        for (int j = 0; j < n; j++) {
            if (!get_vu(s, j))
                break;
            s->st[j].want = 1;
            s->st[j].left = sc->exec == EXEC_PER_VU_ITERATIONS ? sc->iterations : NO_LIMIT;
        }
        ptimer_arm(s->ctx.timers, &s->t_end, start + sc->max_duration_us);
        for (int j = 0; j < s->nvus; j++)
            if (wants_more(s, j))
                start_iter(s, j, 0);
        check_idle(s);
        return;
    }
    case EXEC_CONSTANT_VUS: {
        int n = share(s, sc->vus);
        for (int j = 0; j < n; j++) {
            if (!get_vu(s, j))
                break;
            s->st[j].want = 1;
            s->st[j].left = NO_LIMIT;
        }
        ptimer_arm(s->ctx.timers, &s->t_end, start + sc->duration_us);
        for (int j = 0; j < s->nvus; j++)
            start_iter(s, j, 0);
        if (s->nvus == 0)
            finish(s); /* fewer VUs than workers: nothing for this one */
        return;
    }
    case EXEC_RAMPING_VUS:
        on_tick(&s->t_tick);
        return;
    case EXEC_CONSTANT_ARRIVAL_RATE:
    case EXEC_RAMPING_ARRIVAL_RATE: {
        s->pool_max = share(s, sc->max_vus);
        s->idle = calloc((size_t)(s->pool_max > 0 ? s->pool_max : 1), sizeof *s->idle);
        if (!s->idle) {
            finish(s);
            return;
        }
        int pre = share(s, sc->pre_allocated_vus ? sc->pre_allocated_vus : sc->max_vus);
        if (pre > s->pool_max)
            pre = s->pool_max;
        for (int j = 0; j < pre && get_vu(s, j); j++)
            s->idle[s->nidle++] = pre - 1 - j; /* lowest numbers first out */
        s->next_i = (uint64_t)s->wi;
        arm_next(s);
        return;
    }
    }
}

void slice_graceful(worker *w, void *ud)
{
    (void)w;
    struct slice *s = *(struct slice **)ud;
    if (!s || s->phase == DONE)
        return;
    begin_graceful(s);
}

void slice_stop(worker *w, void *ud)
{
    (void)w;
    struct slice *s = *(struct slice **)ud;
    if (!s || s->phase == DONE)
        return;
    abort_busy(s);
    finish(s);
}

void slice_free(struct slice *s)
{
    if (!s)
        return;
    for (int j = 0; j < s->nvus; j++)
        vu_free(s->vus[j]);
    ptimer_free(s->ctx.timers);
    free(s->vus);
    free(s->st);
    free(s->idle);
    free(s);
}
