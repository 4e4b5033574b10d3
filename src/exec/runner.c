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
#include "engine/tls.h"
#include "engine/url.h"
#include "exec/slice.h"
#include "stats/collect.h"
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
    SSL_CTX *tls;
    uint64_t start_us, end_us;
    ev_async notify;
    ev_timer second;
    ev_signal sigint, sigterm;
    int interrupted;
    int stopped;
    uint32_t *vus;              /* per key, for the series */
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

static void start_scenario(struct sc_run *s)
{
    runner *r = s->r;
    s->state = SC_RUNNING;
    s->started_us = s->sh.start_us = clock_us();
    for (int i = 0; i < r->nthreads; i++) {
        struct slice_cmd *cmd = calloc(1, sizeof *cmd);
        if (!cmd)
            continue; /* that worker's share does not run; counted as done */
        *cmd = (struct slice_cmd){.sh = &s->sh, .target = &r->target,
                                  .authority = r->url.authority,
                                  .base_path = strcmp(r->url.path, "/") ? r->url.path : "",
                                  .https = r->url.tls, .slot = &s->slots[i]};
        if (worker_post(engine_worker(r->e, i), slice_start, cmd)) {
            free(cmd);
            atomic_fetch_add(&s->sh.slices_done, 1);
        }
    }
    if (s->sh.sc->exec == EXEC_LADDER)
        start_level(s, 0, s->sh.sc->levels[0]);
    else if (s->sh.sc->exec == EXEC_CAPACITY)
        start_level(s, 0, s->sh.sc->start_vus);
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
            if (lv + 1 < sc->nlevels) {
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
    if (!r->o->live)
        return;
    uint32_t t = collect_seconds(r->col);
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        if (s->state != SC_RUNNING && s->state != SC_BETWEEN)
            continue;
        const series *se = collect_series(r->col, s->key0);
        const struct series_point *p = series_len(se) ? series_at(se, series_len(se) - 1) : NULL;
        const struct plan_scenario *sc = s->sh.sc;
        char el[64], tot[32], p95[32];
        units_fmt_us((double)(clock_us() - s->started_us), el, sizeof el);
        if (planned_us(sc)) {
            units_fmt_us((double)planned_us(sc), tot, sizeof tot);
            snprintf(el + strlen(el), sizeof el - strlen(el), "/%s", tot);
        } else if (sc->exec == EXEC_PER_VU_ITERATIONS || sc->exec == EXEC_SHARED_ITERATIONS) {
            uint64_t all = sc->exec == EXEC_SHARED_ITERATIONS ? sc->iterations
                                                              : sc->iterations * (uint64_t)sc->vus;
            snprintf(el + strlen(el), sizeof el - strlen(el), " it %llu/%llu",
                     (unsigned long long)collect_counts(r->col, s->sh.keys.iteration)->requests,
                     (unsigned long long)all);
        }
        units_fmt_us(p ? p->p95_ms * 1000 : 0, p95, sizeof p95);
        uint64_t errs = 0;
        for (int k = 1; p && k < ERR__COUNT; k++)
            errs += p->errors[k];
        fprintf(r->o->live, "[%4us] %-16s %16s  VUs %4d  rps %8.1f  p95 %8s  failed %llu",
                t, s->sh.sc->name, el, atomic_load(&s->sh.active),
                p ? (double)p->requests / p->span : 0.0, p95,
                p ? (unsigned long long)p->failed : 0ull);
        if (s->sh.sc->exec == EXEC_LADDER)
            fprintf(r->o->live, "  level %d/%d (%d VUs)", s->sh.level + 1, s->sh.sc->nlevels,
                    s->sh.sc->levels[s->sh.level]);
        else if (s->sh.sc->exec == EXEC_CAPACITY)
            fprintf(r->o->live, "  step %d (%d VUs; passed %d, failed %d)", s->sh.level + 1,
                    s->level_vus[s->sh.level], s->cap_good, s->cap_bad);
        if (errs)
            fprintf(r->o->live, "  errors %llu", (unsigned long long)errs);
        fputc('\n', r->o->live);
    }
    fflush(r->o->live);
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

/* A level's figures as results.json writes a ladder level, for the level_ok hook. */
static json_t *level_json(runner *r, struct sc_run *s, int lv)
{
    const struct stats_counts *c = collect_counts(r->col, s->sh.level_key0 + lv);
    struct latency_ms l;
    results_latency(collect_latency(r->col, s->sh.level_key0 + lv), &l);
    double dur = (double)(s->level_end[lv] - s->level_start[lv]) / 1e6;
    json_t *o = json_object(), *st = json_object(), *er = json_object(), *lat = json_object();
    if (!o || !st || !er || !lat) {
        json_decref(o), json_decref(st), json_decref(er), json_decref(lat);
        return NULL;
    }
    json_object_set_new(o, "vus", json_integer(s->level_vus[lv]));
    json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
    json_object_set_new(o, "failed", json_integer((json_int_t)c->failed));
    json_object_set_new(o, "success_rate", json_real(results_success_rate(c)));
    json_object_set_new(o, "duration_s", json_real(dur));
    json_object_set_new(o, "rps", json_real(dur > 0 ? (double)c->requests / dur : 0));
    for (int i = 0; i < STATS_STATUS_MAX; i++)
        if (c->status[i]) {
            char k[16];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(st, k, json_integer((json_int_t)c->status[i]));
        }
    for (int i = 1; i < ERR__COUNT; i++)
        if (c->errors[i])
            json_object_set_new(er, errclass_name((enum errclass)i),
                                json_integer((json_int_t)c->errors[i]));
    const double v[] = {l.min, l.avg, l.stdev, l.p50, l.p90, l.p95, l.p99, l.p999, l.max};
    const char *const k[] = {"min", "avg", "stdev", "p50", "p90", "p95", "p99", "p999", "max"};
    for (int i = 0; i < 9; i++)
        json_object_set_new(lat, k[i], json_real(isfinite(v[i]) ? v[i] : 0));
    json_object_set_new(o, "status", st);
    json_object_set_new(o, "errors", er);
    json_object_set_new(o, "latency_ms", lat);
    return o;
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

/* The second just merged as a series.ndjson-shaped line, for the on_second hook. */
static json_t *second_line(runner *r)
{
    json_t *line = json_object(), *scs = json_object();
    if (!line || !scs) {
        json_decref(line);
        json_decref(scs);
        return NULL;
    }
    json_object_set_new(line, "t_run", json_integer(collect_seconds(r->col)));
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        if (s->state != SC_RUNNING && s->state != SC_BETWEEN)
            continue;
        const series *se = collect_series(r->col, s->key0);
        const struct series_point *p = series_len(se) ? series_at(se, series_len(se) - 1) : NULL;
        if (!p)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "t", json_integer(p->t));
        if (p->span != 1)
            json_object_set_new(o, "span", json_integer(p->span));
        json_object_set_new(o, "requests", json_integer((json_int_t)p->requests));
        json_object_set_new(o, "failed", json_integer((json_int_t)p->failed));
        json_object_set_new(o, "vus", json_integer(p->vus));
        json_object_set_new(o, "p50_ms", json_real(p->p50_ms));
        json_object_set_new(o, "p90_ms", json_real(p->p90_ms));
        json_object_set_new(o, "p95_ms", json_real(p->p95_ms));
        json_object_set_new(o, "p99_ms", json_real(p->p99_ms));
        json_object_set_new(o, "max_ms", json_real(p->max_ms));
        json_object_set_new(scs, s->sh.sc->name, o);
    }
    json_object_set_new(line, "scenarios", scs);
    return line;
}

static void on_second(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    runner *r = t->data;
    fill_vus(r);
    if (collect_poll(r->col, r->vus)) {
        live_line(r);
        for (int i = 0; i < r->nsc && !r->stopped; i++)
            if (r->sc[i].judging)
                capacity_step(r, &r->sc[i]);
        if (r->o->on_second && !r->stopped) {
            json_t *line = second_line(r);
            int stop = line && r->o->on_second(r->o->on_second_ud, line);
            json_decref(line);
            if (stop)
                stop_all(r);
        }
    }
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    runner *r = w->data;
    if (r->stopped) {
        fprintf(stderr, "surge: interrupted twice, exiting\n");
        _exit(128 + w->signum);
    }
    r->interrupted = w->signum;
    stop_all(r);
}

void runner_free(runner *r)
{
    if (!r)
        return;
    collect_free(r->col);
    engine_free(r->e);
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
    url_free(&r->url);
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
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
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
    if (r->url.tls) {
        struct tls_opts to = {.insecure = p->defaults.insecure, .cacert = p->defaults.cacert};
        if (!(r->tls = tls_ctx_new(&to, e2, sizeof e2))) {
            snprintf(err, (size_t)errlen, "TLS: %s", e2);
            return -1;
        }
        r->target.tls = r->tls;
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
    out->threads = r->nthreads;
    out->plan_file = r->plan->file;
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        const struct plan_scenario *sc = s->sh.sc;
        const struct plan_flow *f = s->sh.flow;
        struct scenario_result *o = &out->sc[i];
        o->is_plan = 1;
        snprintf(o->name, sizeof o->name, "%s", sc->name);
        snprintf(o->executor, sizeof o->executor, "%s", plan_exec_name(sc->exec));
        o->duration_s = s->ended_us > s->started_us ? (double)(s->ended_us - s->started_us) / 1e6 : 0;
        o->vus_max = (uint32_t)atomic_load(&s->sh.made);
        if (sc->exec == EXEC_CONSTANT_ARRIVAL_RATE)
            o->rate = sc->rate * 1e6 / (double)sc->time_unit_us;
        o->counts = *collect_counts(r->col, s->key0);
        o->lat = collect_latency(r->col, s->key0);
        o->ser = collect_series(r->col, s->key0);
        o->iter_counts = collect_counts(r->col, s->sh.keys.iteration);
        o->iter_lat = collect_latency(r->col, s->sh.keys.iteration);
        for (int w = 0; w < r->nthreads; w++)
            for (int k = 1; k < ERR__COUNT; k++)
                if (!o->error_detail[k][0] && s->sh.examples[w][k][0])
                    memcpy(o->error_detail[k], s->sh.examples[w][k], sizeof o->error_detail[k]);
        o->dropped = atomic_load(&s->sh.dropped);
        o->aborted = atomic_load(&s->sh.aborted);
        o->steps = calloc((size_t)f->nsteps + 1, sizeof *o->steps);
        o->txns = calloc((size_t)f->ntxns + 1, sizeof *o->txns);
        o->levels = calloc((size_t)nlevels_of(sc) + 1, sizeof *o->levels);
        if (!o->steps || !o->txns || !o->levels)
            return -1;
        for (int k = 0; k < f->nsteps; k++)
            if (f->steps[k].kind == STEP_REQUEST)
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
                                   .main_loop = r->loop, .notify = &r->notify};
        s->sh.keys = (struct vu_keys){.scenario = s->key0, .iteration = s->key0 + 1,
                                      .level = -1, .step0 = s->key0 + 2,
                                      .txn0 = s->key0 + 2 + f->nsteps};
        s->sh.level_key0 = s->sh.keys.txn0 + f->ntxns;
        atomic_init(&s->sh.shared_left, (long long)sc->iterations);
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
    }
    if (!(r->vus = calloc((size_t)r->nkeys, sizeof *r->vus)))
        goto oom;

    time_t wall = time(NULL);
    struct tm tm;
    gmtime_r(&wall, &tm);
    strftime(out->started, sizeof out->started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    r->start_us = clock_us();
    if (!(r->e = engine_new(r->loop, r->nthreads, r->nkeys, r->start_us, NULL, NULL)))
        goto oom;
    if (!(r->col = collect_new(engine_shards(r->e), r->nthreads, r->nkeys)))
        goto oom;
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
    int rc = engine_start(r->e, worker_start, r);
    if (rc) {
        snprintf(err, (size_t)errlen, "cannot start worker threads: %s", strerror(-rc));
        goto fail;
    }
    for (int i = 0; i < r->nsc; i++) {
        struct sc_run *s = &r->sc[i];
        if (!s->sh.sc->start_after_previous) {
            ev_timer_set(&s->timer, (double)s->sh.sc->start_us / 1e6, 0.);
            ev_timer_start(r->loop, &s->timer);
        }
    }
    schedule(r);
    if (r->nsc > 0)
        ev_run(r->loop, 0);
    else
        stop_all(r);
    engine_join(r->e);
    ev_timer_stop(r->loop, &r->second);
    ev_signal_stop(r->loop, &r->sigint);
    ev_signal_stop(r->loop, &r->sigterm);
    ev_async_stop(r->loop, &r->notify);
    fill_vus(r);
    collect_finish(r->col, r->vus);
    if (build_results(r, out))
        goto oom;
    return r;
oom:
    snprintf(err, (size_t)errlen, "out of memory");
fail:
    runner_free(r);
    return NULL;
}
