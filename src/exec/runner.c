/* runner.c — the scenario schedule on the main thread: starts scenarios in order or at
 * their offsets, runs ladder levels, polls statistics, prints the live line, and
 * builds the results from the collector at the end. */
#include "exec/runner.h"

#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/origin.h"
#include "engine/tls.h"
#include "engine/url.h"
#include "exec/slice.h"
#include "report/live.h"
#include "stats/collect.h"
#include "util/redact.h"
#include "util/clock.h"
#include "util/units.h"

enum sc_state { SC_WAITING, SC_RUNNING, SC_BETWEEN, SC_ENDED };

struct sc_run {
    struct sc_shared sh;
    enum sc_state state;
    int key0, nkeys;
    struct slice **slots;       /* per worker */
    uint64_t started_us, ended_us;
    uint64_t *level_start, *level_end;
    ev_timer timer;             /* start offset, or the pause between ladder levels */
    ev_timer restart;           /* restart_at: the target's restart */
    struct runner *r;
    uint32_t vus_seen;          /* most VUs active at a poll */
    /* capacity search */
    int *level_vus;             /* VUs each level ran with */
    int next_vus;               /* the level to run after the pause */
    int cap_good, cap_bad;      /* most VUs that passed, fewest that failed (0: none yet) */
    int judging;                /* a level ended; its verdict waits for its last second */
};

/* Levels a scenario may run: a ladder's, or the capacity search's most. */
static int nlevels_of(const struct plan_scenario *sc)
{
    return sc->exec == EXEC_CAPACITY ? PLAN_CAPACITY_MAX_LEVELS : sc->nlevels;
}

struct runner {
    const struct plan *plan;
    const struct runner_opts *o;
    struct ev_loop *loop;
    engine *e;
    collect *col;
    int nthreads, nkeys;
    struct sc_run *sc;
    int nsc;
    struct url url;
    struct conn_target target;
    struct origin *origins;     /* plan->origins resolved, plan->norigins of them */
    struct srcaddr src;         /* defaults.source_addresses, parsed (target.src) */
    struct conn_reach reach;    /* whether any connect succeeded (target.reach) */
    ev_timer watchdog;          /* --abort-unreachable: checks reach every 100 ms */
    int unreachable;            /* stopped by it */
    SSL_CTX *tls;
    uint64_t start_us, end_us;
    ev_async notify;
    ev_timer second;
    ev_signal sigint, sigterm;
    int interrupted;
    int draining;               /* a first signal: iterations in flight are ending */
    int stopped;
    uint32_t *vus;              /* per key, for the series */
    uint32_t emitted;           /* seconds handed to o->on_second so far */
    live *view;                 /* the live terminal view on o->live, or NULL */
    int saturated_abort;        /* stopped by the plan's on_saturation: abort */
    json_t *generator;          /* the self-check's run figures (gencheck_json) */
};

static void on_worker_stop(worker *w, void *ud)
{
    runner *r = ud;
    int i = worker_index(w);
    for (int s = 0; s < r->nsc; s++) {
        /* a stop (^C) skips queued commands: stop here, so cut-off iterations count */
        slice_stop(w, &r->sc[s].slots[i]);
        slice_free(r->sc[s].slots[i]);
        r->sc[s].slots[i] = NULL;
    }
}

static void worker_start(worker *w, void *ud)
{
    worker_on_stop(w, on_worker_stop, ud);
}

static void post_all(runner *r, struct sc_run *s, worker_fn fn)
{
    for (int i = 0; i < r->nthreads; i++)
        worker_post(engine_worker(r->e, i), fn, &s->slots[i]);
}

static void start_level(struct sc_run *s, int level, int vus)
{
    runner *r = s->r;
    s->sh.level = level;
    s->sh.level_vus = s->level_vus[level] = vus;
    s->sh.level_start_us = s->level_start[level] = clock_us();
    atomic_store(&s->sh.level_done, 0);
    s->state = SC_RUNNING;
    post_all(r, s, slice_level);
}

/* The run second at t_us (the shards' seconds count from r->start_us). */
static uint32_t run_second(const runner *r, uint64_t t_us)
{
    return t_us > r->start_us ? (uint32_t)((t_us - r->start_us) / 1000000u) : 0;
}

static void start_scenario(struct sc_run *s)
{
    runner *r = s->r;
    s->state = SC_RUNNING;
    s->started_us = s->sh.start_us = clock_us();
    /* its series start at its own start: no empty seconds before a later scenario */
    for (int k = 0; k < s->nkeys; k++)
        collect_series_window(r->col, s->key0 + k, run_second(r, s->started_us), COLLECT_NEVER);
    for (int i = 0; i < r->nthreads; i++) {
        struct slice_cmd *cmd = calloc(1, sizeof *cmd);
        if (!cmd) { /* that worker's share does not run; counted as done (on_notify
                     * looks: a scenario whose every share failed still ends) */
            atomic_fetch_add(&s->sh.slices_done, 1);
            ev_async_send(r->loop, &r->notify);
            continue;
        }
        *cmd = (struct slice_cmd){.sh = &s->sh, .target = &r->target,
                                  .authority = r->url.authority,
                                  .base_path = strcmp(r->url.path, "/") ? r->url.path : "",
                                  .https = r->url.tls, .origins = r->origins,
                                  .slot = &s->slots[i]};
        if (worker_post(engine_worker(r->e, i), slice_start, cmd)) {
            free(cmd);
            atomic_fetch_add(&s->sh.slices_done, 1);
            ev_async_send(r->loop, &r->notify);
        }
    }
    if (s->sh.sc->exec == EXEC_LADDER)
        start_level(s, 0, s->sh.sc->levels[0]);
    else if (s->sh.sc->exec == EXEC_CAPACITY)
        start_level(s, 0, s->sh.sc->start_vus);
    if (s->sh.sc->restart_at_us && r->o->watch) {
        ev_timer_set(&s->restart, (double)s->sh.sc->restart_at_us / 1e6, 0.);
        ev_timer_start(r->loop, &s->restart);
    }
}

static void on_restart(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct sc_run *s = t->data;
    watch_target_restart(s->r->o->watch);
}

static void on_sc_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct sc_run *s = t->data;
    if (s->state == SC_WAITING)
        start_scenario(s);
    else if (s->state == SC_BETWEEN)
        start_level(s, s->sh.level + 1,
                    s->sh.sc->exec == EXEC_CAPACITY ? s->next_vus
                                                    : s->sh.sc->levels[s->sh.level + 1]);
}

static void stop_all(runner *r)
{
    if (r->stopped)
        return;
    r->stopped = 1;
    r->end_us = clock_us();
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        ev_timer_stop(r->loop, &s->timer);
        ev_timer_stop(r->loop, &s->restart);
        if (s->state == SC_RUNNING || s->state == SC_BETWEEN) {
            post_all(r, s, slice_stop);
            s->ended_us = r->end_us;
            if ((s->sh.sc->exec == EXEC_LADDER || s->sh.sc->exec == EXEC_CAPACITY) &&
                !s->level_end[s->sh.level])
                s->level_end[s->sh.level] = r->end_us;
        }
        s->state = SC_ENDED;
    }
    engine_stop(r->e);
    ev_break(r->loop, EVBREAK_ALL);
}

/* Scenarios that wait for the previous one start when it ends. */
static void schedule(runner *r)
{
    int all_ended = 1;
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        if (s->state != SC_ENDED)
            all_ended = 0;
        if (s->state != SC_WAITING || !s->sh.sc->start_after_previous)
            continue;
        if (i == 0 || r->sc[i - 1].state == SC_ENDED) {
            if (i > 0 && r->o->may_start && !r->o->may_start(r->o->start_sync_ud, i))
                continue; /* distributed: until every process got here (asked each second) */
            ev_timer_stop(r->loop, &s->timer);
            start_scenario(s);
        }
    }
    if (all_ended)
        stop_all(r);
}

static void on_notify(struct ev_loop *loop, ev_async *a, int revents)
{
    (void)loop;
    (void)revents;
    runner *r = a->data;
    int changed = 0;
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        if (s->state != SC_RUNNING)
            continue;
        const struct plan_scenario *sc = s->sh.sc;
        if (sc->exec == EXEC_CAPACITY) {
            if (atomic_load(&s->sh.level_done) < r->nthreads)
                continue;
            s->level_end[s->sh.level] = clock_us();
            s->state = SC_BETWEEN; /* judged in on_second once its last second is in */
            s->judging = 1;
            continue;
        }
        if (sc->exec == EXEC_LADDER) {
            if (atomic_load(&s->sh.level_done) < r->nthreads)
                continue;
            int lv = s->sh.level;
            s->level_end[lv] = clock_us();
            if (lv + 1 < sc->nlevels && !r->draining) {
                s->state = SC_BETWEEN;
                ev_timer_set(&s->timer, (double)sc->between_us / 1e6, 0.);
                ev_timer_start(r->loop, &s->timer);
                continue;
            }
            post_all(r, s, slice_stop); /* the slices are done with the last level */
        } else if (atomic_load(&s->sh.slices_done) < r->nthreads) {
            continue;
        }
        s->state = SC_ENDED;
        s->ended_us = clock_us();
        for (int k = 0; k < s->nkeys; k++) /* and end at its end */
            collect_series_window(r->col, s->key0 + k, run_second(r, s->started_us),
                                  run_second(r, s->ended_us));
        ev_timer_stop(r->loop, &s->restart);
        changed = 1;
    }
    if (changed)
        schedule(r);
}

/* How long the scenario is planned to apply load, when its executor says (0: it
 * depends on the responses: iteration counts, ladders). */
static uint64_t planned_us(const struct plan_scenario *sc)
{
    uint64_t t = 0;
    switch (sc->exec) {
    case EXEC_CONSTANT_VUS:
    case EXEC_CONSTANT_ARRIVAL_RATE:
        return sc->duration_us;
    case EXEC_RAMPING_VUS:
    case EXEC_RAMPING_ARRIVAL_RATE:
        for (int i = 0; i < sc->nstages; i++)
            t += sc->stages[i].dur_us;
        return t;
    default:
        return 0;
    }
}

static void live_line(runner *r)
{
    if (!r->view)
        return;
    uint32_t t = collect_seconds(r->col);
    struct live_row rows[16];
    char detail[16][64];
    int n = 0;
    for (int i = 0; i < r->nsc && n < 16; i++) {
        struct sc_run *s = &r->sc[i];
        if (s->state != SC_RUNNING && s->state != SC_BETWEEN)
            continue;
        const series *se = collect_series(r->col, s->key0);
        struct series_point last;
        const struct series_point *p =
            series_len(se) ? series_get(se, series_len(se) - 1, &last) : NULL;
        const struct plan_scenario *sc = s->sh.sc;
        struct live_row *w = &rows[n];
        *w = (struct live_row){.scenario = sc->name, .done = -1,
                               .elapsed_s = (double)(clock_us() - s->started_us) / 1e6,
                               .total_s = (double)planned_us(sc) / 1e6,
                               .vus = atomic_load(&s->sh.active)};
        detail[n][0] = '\0';
        if (w->total_s > 0) {
            w->done = w->elapsed_s / w->total_s;
        } else if (sc->exec == EXEC_PER_VU_ITERATIONS || sc->exec == EXEC_SHARED_ITERATIONS) {
            struct segment sg = s->sh.seg;
            uint64_t all = sc->exec == EXEC_SHARED_ITERATIONS
                               ? segment_count(sg, sc->iterations)
                               : sc->iterations * (uint64_t)segment_count_int(sg, sc->vus);
            uint64_t done = collect_counts(r->col, s->sh.keys.iteration)->requests;
            snprintf(detail[n], sizeof detail[n], "it %llu/%llu", (unsigned long long)done,
                     (unsigned long long)all);
            w->done = all ? (double)done / (double)all : -1;
        } else if (sc->exec == EXEC_LADDER) {
            snprintf(detail[n], sizeof detail[n], "level %d/%d (%d VUs)", s->sh.level + 1,
                     sc->nlevels, sc->levels[s->sh.level]);
            w->done = (double)s->sh.level / sc->nlevels;
        } else if (sc->exec == EXEC_CAPACITY) {
            snprintf(detail[n], sizeof detail[n], "step %d (%d VUs; passed %d, failed %d)",
                     s->sh.level + 1, s->level_vus[s->sh.level], s->cap_good, s->cap_bad);
        }
        w->detail = detail[n][0] ? detail[n] : NULL;
        if (p) {
            w->rps = (double)p->requests / p->span;
            w->p95_ms = p->p95_ms;
            w->failed = p->failed;
            for (int k = 1; k < ERR__COUNT; k++)
                w->errors += p->errors[k];
            w->dropped = p->dropped;
            w->refused = p->errors[ERR_CONNECT_REFUSED];
            w->has_ws = p->has_ws;
            w->ws = p->ws_active;
        }
        w->arrival = sc->exec == EXEC_CONSTANT_ARRIVAL_RATE || sc->exec == EXEC_RAMPING_ARRIVAL_RATE;
        n++;
    }
    live_update(r->view, t, rows, n);
}

static void fill_vus(runner *r)
{
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        uint32_t a = (uint32_t)atomic_load(&s->sh.active);
        if (a > s->vus_seen)
            s->vus_seen = a;
        for (int k = 0; k < s->nkeys; k++)
            r->vus[s->key0 + k] = a;
    }
}

/* The series point of second n on the run clock of a scenario's series (the point
 * covering n once the series is coarsened), decoded into *buf, or NULL. */
static const struct series_point *point_at(const series *se, uint32_t n,
                                           struct series_point *buf)
{
    uint32_t origin = series_origin(se);
    if (n < origin)
        return NULL;
    return series_get(se, (n - origin) / series_span(se), buf);
}

/* Did scenario s run in second n of the run (load started before its end, and it had not
 * ended before its start)? */
static int ran_in(const runner *r, const struct sc_run *s, uint32_t n)
{
    uint64_t t0 = r->start_us + (uint64_t)n * 1000000, t1 = t0 + 1000000;
    return s->started_us && s->started_us < t1 && !(s->ended_us && s->ended_us < t0);
}

/* collect's per-second histograms: a scenario's own key, to o->on_second_hist. */
static void on_collect_second(void *ud, uint32_t t, int key, const hist *lat)
{
    runner *r = ud;
    for (int i = 0; i < r->nsc; i++)
        if (r->sc[i].key0 == key && r->sc[i].started_us &&
            (ran_in(r, &r->sc[i], t) || hist_count(lat) > 0))
            r->o->on_second_hist(r->o->on_second_ud, i, t, lat);
}

/* Hand every merged second not yet handed over to o->on_second, as a series.ndjson line.
 * @return nonzero when on_second asked to stop the run. */
static int emit_seconds(runner *r)
{
    int stop = 0;
    if (!r->o->on_second)
        return 0;
    for (uint32_t n = r->emitted; n < collect_seconds(r->col); n++) {
        json_t *line = json_object(), *scs = json_object();
        json_object_set_new(line, "t_run", json_integer(n));
        for (int i = 0; i < r->nsc; i++) {
            struct sc_run *s = &r->sc[i];
            struct series_point buf;
            const struct series_point *p = point_at(collect_series(r->col, s->key0), n, &buf);
            if (!p || !s->started_us || !(ran_in(r, s, n) || p->requests))
                continue;
            json_object_set_new(scs, s->sh.sc->name, results_json_point(p));
        }
        json_object_set_new(line, "scenarios", scs);
        json_t *wj = json_object();
        if (r->o->watch)
            watch_second_json(r->o->watch, (double)n, (double)n + 1, wj);
        json_object_set_new(line, "watch", wj);
        json_t *gen = gencheck_second_json(engine_gencheck(r->e), n);
        if (gen)
            json_object_set_new(line, "generator", gen);
        if (r->o->on_second(r->o->on_second_ud, line) && !r->stopped)
            stop = 1;
        live_watch(r->view, json_object_get(line, "watch"));
        json_decref(line);
    }
    r->emitted = collect_seconds(r->col);
    return stop;
}

/* A level's figures as results.json writes a ladder level, for the level_ok hook. */
static json_t *level_json(runner *r, struct sc_run *s, int lv)
{
    struct sub_result u = {.counts = collect_counts(r->col, s->sh.level_key0 + lv),
                           .lat = collect_latency(r->col, s->sh.level_key0 + lv),
                           .vus = (uint32_t)s->level_vus[lv],
                           .duration_s = (double)(s->level_end[lv] - s->level_start[lv]) / 1e6};
    return results_json_sub(&u, 1, 1);
}

/* The capacity search's next step once a level's last second is merged: raise VUs while
 * the criteria hold, then bisect between the most that passed and the fewest that
 * failed until they are `precision` apart. Each verdict uses that level's data only. */
static void capacity_step(runner *r, struct sc_run *s)
{
    const struct plan_scenario *sc = s->sh.sc;
    int lv = s->sh.level, v = s->level_vus[lv];
    if (r->start_us + (uint64_t)collect_seconds(r->col) * 1000000 < s->level_end[lv])
        return; /* not every second of the level is merged yet */
    s->judging = 0;
    int ok = 1;
    if (r->o->level_ok) {
        json_t *lj = level_json(r, s, lv);
        ok = lj ? r->o->level_ok(r->o->on_second_ud, sc->name, lj) : 0;
        json_decref(lj);
    }
    if (ok && v > s->cap_good)
        s->cap_good = v;
    if (!ok && (!s->cap_bad || v < s->cap_bad))
        s->cap_bad = v;
    int next = 0;
    if (!s->cap_bad) {
        if (v < sc->max_vus) {
            next = sc->step_vus ? v + sc->step_vus : (int)ceil(v * sc->step_factor);
            next = next <= v ? v + 1 : next > sc->max_vus ? sc->max_vus : next;
        }
    } else if (s->cap_bad - s->cap_good > sc->precision) {
        next = s->cap_good + (s->cap_bad - s->cap_good) / 2;
    }
    if (next >= 1 && lv + 1 < PLAN_CAPACITY_MAX_LEVELS) {
        s->next_vus = next;
        ev_timer_set(&s->timer, (double)sc->between_us / 1e6, 0.);
        ev_timer_start(r->loop, &s->timer);
        return;
    }
    post_all(r, s, slice_stop); /* the search is over */
    s->state = SC_ENDED;
    s->ended_us = s->level_end[lv];
    schedule(r);
}

static void on_second(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    runner *r = t->data;
    fill_vus(r);
    if (collect_poll(r->col, r->vus)) {
        int stop = emit_seconds(r);
        if (r->o->may_start && !r->stopped && !r->draining)
            schedule(r); /* a scenario that waited for the other processes */
        live_line(r);
        for (int i = 0; i < r->nsc && !r->stopped; i++)
            if (r->sc[i].judging)
                capacity_step(r, &r->sc[i]);
        if (stop && !r->stopped)
            stop_all(r); /* on_second said so: a criterion's abort_on_fail */
    }
    if (watch_target_aborted(r->o->watch) && !r->stopped) {
        fprintf(stderr, "surge: the target exited (on_target_exit: abort): stopping the run\n");
        stop_all(r);
    }
}

/* The self-check found surge saturated: say so in the live view, and stop
 * the run when the plan says on_saturation: abort. */
static void on_saturated(void *ud, uint32_t from_s)
{
    runner *r = ud;
    char at[16], msg[192];
    gencheck_clock(from_s, at, sizeof at);
    snprintf(msg, sizeof msg,
             "surge: surge was saturated from %s; results past that point understate the "
             "service%s",
             at, r->plan->on_saturation_abort ? " (stopping: on_saturation: abort)" : "");
    live_note(r->view, msg); /* no live view (--quiet): results.json and the report say it */
    if (r->plan->on_saturation_abort && !r->stopped) {
        r->saturated_abort = 1;
        stop_all(r);
    }
}

/* The first signal: start nothing more; running scenarios stop starting iterations and
 * give those in flight their graceful_stop; the run ends when they have (stop_all). */
static void drain(runner *r)
{
    r->draining = 1;
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        if (s->state == SC_RUNNING) {
            post_all(r, s, slice_graceful);
            continue;
        }
        ev_timer_stop(r->loop, &s->timer);
        if (s->state == SC_BETWEEN) { /* a ladder between levels: nothing in flight */
            post_all(r, s, slice_stop);
            s->ended_us = clock_us();
        }
        s->state = SC_ENDED;
    }
    schedule(r);
}

static void on_watchdog(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    runner *r = t->data;
    if (!conn_reach_lost(&r->reach, clock_us(), r->o->abort_unreachable_us))
        return;
    r->unreachable = 1;
    ev_timer_stop(r->loop, &r->watchdog);
    stop_all(r);
}

/* The baseline window: the watch samples the idle service before load starts. */
static void on_baseline_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    runner *r = w->data;
    r->interrupted = w->signum;
    ev_break(loop, EVBREAK_ALL);
}

static void on_baseline_end(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)t;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

static void baseline_wait(runner *r, double s)
{
    ev_signal si, st;
    ev_timer tm;
    ev_signal_init(&si, on_baseline_signal, SIGINT);
    ev_signal_init(&st, on_baseline_signal, SIGTERM);
    si.data = st.data = r;
    ev_timer_init(&tm, on_baseline_end, s, 0.);
    ev_signal_start(r->loop, &si);
    ev_signal_start(r->loop, &st);
    ev_timer_start(r->loop, &tm);
    if (r->o->live)
        fprintf(r->o->live, "surge: watching the target's baseline for %gs before load\n", s);
    ev_run(r->loop, 0);
    ev_timer_stop(r->loop, &tm);
    ev_signal_stop(r->loop, &si);
    ev_signal_stop(r->loop, &st);
}

/* The baseline window's watch samples, once load starts, as series.ndjson lines with a
 * negative t_run and no scenarios (docs/model.md). */
static void emit_baseline(runner *r)
{
    if (!r->o->on_second || !r->o->watch || r->interrupted)
        return;
    double b = watch_baseline_s(r->o->watch);
    for (int n = -(int)ceil(b); b > 0 && n < 0; n++) {
        json_t *line = json_object(), *wj = json_object();
        if (!line || !wj) {
            json_decref(line);
            json_decref(wj);
            return;
        }
        watch_second_json(r->o->watch, n, n + 1, wj);
        json_object_set_new(line, "t_run", json_integer(n));
        json_object_set_new(line, "watch", wj);
        r->o->on_second(r->o->on_second_ud, line); /* before load: nothing to stop */
        json_decref(line);
    }
}

void runner_window(const runner *r, int i, double *from_s, double *to_s)
{
    *from_s = *to_s = 0;
    if (!r || i < 0 || i >= r->nsc || !r->sc[i].started_us)
        return;
    const struct sc_run *s = &r->sc[i];
    uint64_t end = s->ended_us ? s->ended_us : r->end_us;
    *from_s = ((double)s->started_us - (double)r->start_us) / 1e6;
    *to_s = ((double)end - (double)r->start_us) / 1e6;
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    runner *r = w->data;
    if (r->stopped || r->draining) {
        fprintf(stderr, "surge: interrupted twice, exiting\n");
        if (r->o->on_hard_stop)
            r->o->on_hard_stop(r->o->on_second_ud, w->signum);
        _exit(128 + w->signum);
    }
    r->interrupted = w->signum;
    drain(r);
}

void runner_free(runner *r)
{
    if (!r)
        return;
    collect_free(r->col);
    json_decref(r->generator);
    engine_free(r->e);
    live_free(r->view);
    for (int i = 0; r->sc && i < r->nsc; i++) {
        free(r->sc[i].slots);
        free(r->sc[i].sh.examples);
        free(r->sc[i].level_start);
        free(r->sc[i].level_vus);
        free(r->sc[i].level_end);
    }
    free(r->sc);
    free(r->vus);
    tls_ctx_free(r->tls);
    for (int i = 0; r->origins && i < r->plan->norigins; i++)
        origin_close(&r->origins[i]);
    free(r->origins);
    url_free(&r->url);
    srcaddr_free(&r->src);
    free(r);
}

static int resolve_target(runner *r, char *err, int errlen)
{
    const struct plan *p = r->plan;
    char e2[256];
    if (url_parse(p->target, &r->url, e2, sizeof e2)) {
        snprintf(err, (size_t)errlen, "bad target '%s': %s", p->target, e2);
        return -1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = r->url.host_is_ip ? AI_NUMERICHOST : 0},
                    *res;
    char port[8];
    snprintf(port, sizeof port, "%u", r->url.port);
    int rc = getaddrinfo(r->url.host, port, &hints, &res);
    if (rc) {
        snprintf(err, (size_t)errlen, "cannot resolve host '%s' in %s: %s", r->url.host,
                 p->target, gai_strerror(rc));
        return -1;
    }
    memcpy(&r->target.addr, res->ai_addr, res->ai_addrlen);
    r->target.addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    r->target.host = r->url.host;
    r->target.host_is_ip = r->url.host_is_ip;
    r->target.connect_timeout_us = p->defaults.connect_timeout_us;
    if (p->defaults.source_addresses) {
        if (srcaddr_parse(p->defaults.source_addresses, &r->src, e2, sizeof e2)) {
            snprintf(err, (size_t)errlen, "source_addresses: %s", e2);
            return -1;
        }
        if (r->src.family != r->target.addr.ss_family) {
            snprintf(err, (size_t)errlen, "source_addresses %s: not the address family of %s",
                     p->defaults.source_addresses, p->target);
            return -1;
        }
        r->target.src = &r->src;
    }
    if (r->url.tls) {
        struct tls_opts to = {.insecure = p->defaults.insecure, .cacert = p->defaults.cacert};
        if (!(r->tls = tls_ctx_new(&to, e2, sizeof e2))) {
            snprintf(err, (size_t)errlen, "TLS: %s", e2);
            return -1;
        }
        r->target.tls = r->tls;
    }
    /* the other origins of request steps: resolved once, now, like the target */
    if (p->norigins && !(r->origins = calloc((size_t)p->norigins, sizeof *r->origins))) {
        snprintf(err, (size_t)errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < p->norigins; i++) {
        const struct plan_origin *po = &p->origins[i];
        if (origin_open(&r->origins[i], po->url, p->defaults.insecure, p->defaults.cacert,
                        p->defaults.connect_timeout_us, e2, sizeof e2)) {
            snprintf(err, (size_t)errlen, "%s:%d:%d: %s (in '%s')", p->file, po->loc.line,
                     po->loc.col, e2, po->url);
            return -1;
        }
    }
    return 0;
}

static void sub(struct sub_result *u, const char *name, collect *c, int key)
{
    snprintf(u->name, sizeof u->name, "%s", name);
    u->counts = collect_counts(c, key);
    u->lat = collect_latency(c, key);
}

static int build_results(runner *r, struct run_result *out)
{
    out->nscenarios = r->nsc;
    out->sc = calloc((size_t)r->nsc, sizeof *out->sc);
    if (!out->sc)
        return -1;
    out->duration_s = (double)(r->end_us - r->start_us) / 1e6;
    out->interrupted = r->interrupted;
    out->url = r->plan->target;
    if (r->unreachable) {
        out->unreachable = 1;
        out->unreachable_s = (double)r->o->abort_unreachable_us / 1e6;
        snprintf(out->unreachable_detail, sizeof out->unreachable_detail, "%s", r->reach.detail);
    }
    out->threads = r->nthreads;
    if (!segment_whole(r->o->segment))
        segment_format(r->o->segment, out->segment, sizeof out->segment);
    out->plan_file = r->plan->file;
    out->generator = r->generator;
    out->saturated_abort = r->saturated_abort && !r->interrupted;
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        const struct plan_scenario *sc = s->sh.sc;
        const struct plan_flow *f = s->sh.flow;
        struct scenario_result *o = &out->sc[i];
        o->is_plan = 1;
        snprintf(o->name, sizeof o->name, "%s", sc->name);
        snprintf(o->executor, sizeof o->executor, "%s", plan_exec_name(sc->exec));
        o->duration_s = s->ended_us > s->started_us ? (double)(s->ended_us - s->started_us) / 1e6 : 0;
        o->start_s = s->started_us ? (double)(s->started_us - r->start_us) / 1e6 : -1;
        o->vus_max = (uint32_t)atomic_load(&s->sh.peak);
        o->vus_allocated = (uint32_t)atomic_load(&s->sh.made);
        if (sc->exec == EXEC_CONSTANT_ARRIVAL_RATE) /* this share's: they add up */
            o->rate = sc->rate * 1e6 / (double)sc->time_unit_us *
                      segment_fraction(r->o->segment);
        o->counts = *collect_counts(r->col, s->key0);
        o->lat = collect_latency(r->col, s->key0);
        o->ser = collect_series(r->col, s->key0);
        o->iter_counts = collect_counts(r->col, s->sh.keys.iteration);
        o->iter_lat = collect_latency(r->col, s->sh.keys.iteration);
        for (int w = 0; w < r->nthreads; w++)
            for (int k = 1; k < ERR__COUNT; k++)
                if (!o->error_detail[k][0] && s->sh.examples[w][k][0])
                    memcpy(o->error_detail[k], s->sh.examples[w][k], sizeof o->error_detail[k]);
        for (int k = 1; k < ERR__COUNT; k++) /* ${env.*} values never reach the results */
            redact_scrub_str(o->error_detail[k], sizeof o->error_detail[k]);
        o->dropped = atomic_load(&s->sh.dropped);
        o->aborted = atomic_load(&s->sh.aborted);
        o->steps = calloc((size_t)f->nsteps + 1, sizeof *o->steps);
        o->txns = calloc((size_t)f->ntxns + 1, sizeof *o->txns);
        o->levels = calloc((size_t)nlevels_of(sc) + 1, sizeof *o->levels);
        if (!o->steps || !o->txns || !o->levels)
            return -1;
        for (int k = 0; k < f->nsteps; k++)
            if (f->steps[k].kind == STEP_REQUEST || f->steps[k].kind == STEP_WS ||
                f->steps[k].kind == STEP_WS_CONNECT)
                sub(&o->steps[o->nsteps++], f->steps[k].name, r->col, s->sh.keys.step0 + k);
        for (int k = 0; k < f->ntxns; k++)
            sub(&o->txns[o->ntxns++], f->txns[k], r->col, s->sh.keys.txn0 + k);
        for (int k = 0; k < nlevels_of(sc) && s->level_start[k]; k++) {
            struct sub_result *u = &o->levels[o->nlevels++];
            char nm[32];
            snprintf(nm, sizeof nm, "%d", s->level_vus[k]);
            sub(u, nm, r->col, s->sh.level_key0 + k);
            u->vus = (uint32_t)s->level_vus[k];
            uint64_t end = s->level_end[k] ? s->level_end[k] : r->end_us;
            u->duration_s = (double)(end - s->level_start[k]) / 1e6;
        }
    }
    return 0;
}

runner *runner_run(const struct plan *p, const struct runner_opts *o, struct run_result *out,
                   enum runner_fail *why, char *err, int errlen)
{
    *why = RUNNER_FAIL_START;
    runner *r = calloc(1, sizeof *r);
    if (!r)
        goto oom;
    r->plan = p;
    r->o = o;
    r->loop = EV_DEFAULT;
    r->nthreads = o->threads;
    if (o->live && !(r->view = live_new(o->live, o->live_tty)))
        goto oom;
    if (resolve_target(r, err, errlen)) {
        *why = RUNNER_FAIL_INPUT;
        goto fail;
    }
    r->nsc = p->nscenarios;
    if (!(r->sc = calloc((size_t)r->nsc, sizeof *r->sc)))
        goto oom;
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        const struct plan_scenario *sc = &p->scenarios[i];
        const struct plan_flow *f = &p->flows[sc->flow];
        s->r = r;
        s->key0 = r->nkeys;
        s->nkeys = 2 + f->nsteps + f->ntxns + nlevels_of(sc);
        r->nkeys += s->nkeys;
        s->sh = (struct sc_shared){.plan = p, .sc = sc, .flow = f, .nthreads = r->nthreads,
                                   .seg = o->segment, .main_loop = r->loop, .notify = &r->notify,
                                   .trace = o->trace};
        s->sh.keys = (struct vu_keys){.scenario = s->key0, .iteration = s->key0 + 1,
                                      .level = -1, .step0 = s->key0 + 2,
                                      .txn0 = s->key0 + 2 + f->nsteps};
        s->sh.level_key0 = s->sh.keys.txn0 + f->ntxns;
        atomic_init(&s->sh.shared_left, (long long)segment_count(o->segment, sc->iterations));
        s->slots = calloc((size_t)r->nthreads, sizeof *s->slots);
        s->sh.examples = calloc((size_t)r->nthreads, sizeof *s->sh.examples);
        if (!s->sh.examples)
            goto oom;
        s->level_start = calloc((size_t)nlevels_of(sc) + 1, sizeof *s->level_start);
        s->level_end = calloc((size_t)nlevels_of(sc) + 1, sizeof *s->level_end);
        s->level_vus = calloc((size_t)nlevels_of(sc) + 1, sizeof *s->level_vus);
        if (!s->slots || !s->level_start || !s->level_end || !s->level_vus)
            goto oom;
        ev_timer_init(&s->timer, on_sc_timer, 0., 0.);
        s->timer.data = s;
        ev_timer_init(&s->restart, on_restart, 0., 0.);
        s->restart.data = s;
    }
    if (!(r->vus = calloc((size_t)r->nkeys, sizeof *r->vus)))
        goto oom;

    time_t wall = time(NULL);
    struct tm tm;
    gmtime_r(&wall, &tm);
    strftime(out->started, sizeof out->started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (o->watch) {
        if (watch_start(o->watch, err, errlen)) {
            *why = RUNNER_FAIL_TARGET;
            goto fail;
        }
        if (watch_baseline_s(o->watch) > 0)
            baseline_wait(r, watch_baseline_s(o->watch));
    }
    if (o->start_sync) /* a distributed run: every process starts its load together */
        o->start_sync(o->start_sync_ud);
    r->start_us = clock_us();
    watch_mark_t0(o->watch, r->start_us);
    emit_baseline(r);
    if (!(r->e = engine_new(r->loop, r->nthreads, r->nkeys, r->start_us, NULL, NULL)))
        goto oom;
    if (!(r->col = collect_new(engine_shards(r->e), r->nthreads, r->nkeys)))
        goto oom;
    for (int k = 0; k < r->nkeys; k++) /* until their scenario starts */
        collect_series_window(r->col, k, COLLECT_NEVER, COLLECT_NEVER);
    r->target.reach = &r->reach;
    ev_timer_init(&r->watchdog, on_watchdog, 0.1, 0.1);
    r->watchdog.data = r;
    if (o->on_second_hist)
        collect_on_second(r->col, on_collect_second, r);
    ev_async_init(&r->notify, on_notify);
    r->notify.data = r;
    ev_async_start(r->loop, &r->notify);
    ev_signal_init(&r->sigint, on_signal, SIGINT);
    r->sigint.data = r;
    ev_signal_start(r->loop, &r->sigint);
    ev_signal_init(&r->sigterm, on_signal, SIGTERM);
    r->sigterm.data = r;
    ev_signal_start(r->loop, &r->sigterm);
    ev_timer_init(&r->second, on_second, 1.2, 1.0);
    r->second.data = r;
    ev_timer_start(r->loop, &r->second);
    gencheck_start(engine_gencheck(r->e), r->loop, on_saturated, r);
    int rc = engine_start(r->e, worker_start, r);
    if (rc) {
        snprintf(err, (size_t)errlen, "cannot start worker threads: %s", strerror(-rc));
        goto fail;
    }
    /* start offsets count from r->start_us, not from the loop's cached time (stale by
     * the engine's start-up, tens of ms under the sanitizers): a 'start: 2s' scenario
     * must not begin in run second 1 */
    ev_now_update(r->loop);
    uint64_t since_start = clock_us() - r->start_us;
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        if (!s->sh.sc->start_after_previous) {
            uint64_t at = s->sh.sc->start_us > since_start ? s->sh.sc->start_us - since_start : 0;
            ev_timer_set(&s->timer, (double)at / 1e6, 0.);
            ev_timer_start(r->loop, &s->timer);
        }
    }
    if (o->abort_unreachable_us)
        ev_timer_start(r->loop, &r->watchdog);
    if (!r->interrupted) /* a signal in the baseline window: no load */
        schedule(r);
    if (r->nsc > 0 && !r->interrupted)
        ev_run(r->loop, 0);
    else
        stop_all(r);
    engine_join(r->e);
    ev_timer_stop(r->loop, &r->second);
    ev_timer_stop(r->loop, &r->watchdog);
    ev_signal_stop(r->loop, &r->sigint);
    ev_signal_stop(r->loop, &r->sigterm);
    ev_async_stop(r->loop, &r->notify);
    gencheck_stop(engine_gencheck(r->e));
    r->generator = gencheck_json(engine_gencheck(r->e));
    fill_vus(r);
    collect_finish(r->col, r->vus);
    emit_seconds(r);
    live_end(r->view);
    if (build_results(r, out))
        goto oom;
    return r;
oom:
    snprintf(err, (size_t)errlen, "out of memory");
fail:
    runner_free(r);
    return NULL;
}
