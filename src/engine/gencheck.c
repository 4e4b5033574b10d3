/* gencheck.c — the generator's self-check: per-worker CPU, loop lag, schedule lag,
 * sampled once per run second on the main thread, and the saturation verdict. */
#include "engine/gencheck.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stats/hist.h"
#include "util/clock.h"

struct gworker {
    /* main thread */
    clockid_t clk; /* the thread's CPU clock */
    int has_clk;
    uint64_t cpu_prev_ns;  /* its CPU time at the last sample */
    uint64_t cpu_first_ns; /* at the first sample (for the run's mean) */
    /* worker thread */
    uint64_t due_us; /* when its periodic timer should fire next; 0: not yet known */
    hist *sched;     /* schedule lag, us (allocated on the first send) */
    /* shared */
    atomic_ullong lag_max_us;   /* worst timer lateness since the last sample */
    atomic_ullong last_tick_us; /* when the timer last fired (a stalled loop shows here) */
    atomic_ullong sched_max;    /* worst schedule lag since the last sample, us + 1; 0: none */
    atomic_ullong cpu_end_ns;   /* its CPU time when it ended (gencheck_thread_end) */
};

struct gencheck {
    int n;
    uint64_t start_us;
    struct gworker *w;
    struct ev_loop *loop;
    ev_timer timer;
    uint64_t last_us; /* wall time of the last sample */
    struct gencheck_point *pts;
    uint32_t npts, cap;
    int streak; /* hot seconds in a row up to the last sample */
    int saturated;
    uint32_t sat_from;
    int stopped;
    void (*on_saturated)(void *, uint32_t);
    void *ud;
};

gencheck *gencheck_new(int n, uint64_t start_us)
{
    gencheck *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->n = n;
    g->start_us = start_us;
    if (!(g->w = calloc((size_t)n, sizeof *g->w))) {
        free(g);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        atomic_init(&g->w[i].lag_max_us, 0);
        atomic_init(&g->w[i].last_tick_us, 0);
        atomic_init(&g->w[i].sched_max, 0);
        atomic_init(&g->w[i].cpu_end_ns, 0);
    }
    return g;
}

void gencheck_free(gencheck *g)
{
    if (!g)
        return;
    if (g->loop)
        ev_timer_stop(g->loop, &g->timer);
    for (int i = 0; i < g->n; i++)
        hist_free(g->w[i].sched);
    free(g->w);
    free(g->pts);
    free(g);
}

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

void gencheck_thread(gencheck *g, int i, pthread_t t)
{
    struct gworker *w = &g->w[i];
    struct timespec ts;
    if (pthread_getcpuclockid(t, &w->clk) == 0 && clock_gettime(w->clk, &ts) == 0) {
        w->has_clk = 1;
        w->cpu_prev_ns = w->cpu_first_ns = ts_ns(&ts);
    }
}

void gencheck_thread_end(gencheck *g, int i)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        atomic_store(&g->w[i].cpu_end_ns, ts_ns(&ts));
}

static void store_max(atomic_ullong *a, uint64_t v)
{
    unsigned long long cur = atomic_load_explicit(a, memory_order_relaxed);
    while (v > cur && !atomic_compare_exchange_weak(a, &cur, v))
        ;
}

void gencheck_tick(gencheck *g, int i, uint64_t now_us, uint64_t period_us)
{
    struct gworker *w = &g->w[i];
    if (w->due_us) { /* the first tick's lateness is the thread's start-up, not lag */
        if (now_us > w->due_us)
            store_max(&w->lag_max_us, now_us - w->due_us);
        w->due_us += period_us; /* as libev re-arms a repeating timer */
        if (w->due_us < now_us)
            w->due_us = now_us;
    } else {
        w->due_us = now_us + period_us;
    }
    atomic_store_explicit(&w->last_tick_us, now_us, memory_order_relaxed);
}

void gencheck_sched_lag(gencheck *g, int i, uint64_t lag_us)
{
    struct gworker *w = &g->w[i];
    if (!w->sched)
        w->sched = hist_new_default(); /* NULL: the lag shows per second only */
    if (w->sched)
        hist_record(w->sched, (int64_t)lag_us);
    store_max(&w->sched_max, lag_us + 1);
}

/* CPU time of worker w now, ns; its last known value when the thread has ended. */
static uint64_t cpu_now(struct gworker *w, int ended)
{
    struct timespec ts;
    uint64_t end = atomic_load(&w->cpu_end_ns);
    if (end || ended || !w->has_clk || clock_gettime(w->clk, &ts) != 0)
        return end > w->cpu_prev_ns ? end : w->cpu_prev_ns;
    return ts_ns(&ts);
}

/* Sample the workers at now_us into every run second completed since the last sample
 * (or, with partial, the second in progress too). */
static void sample(gencheck *g, uint64_t now_us, int partial)
{
    uint32_t upto = now_us > g->start_us ? (uint32_t)((now_us - g->start_us) / 1000000u) : 0;
    if (partial && now_us > g->start_us + (uint64_t)upto * 1000000u + 50000u)
        upto++; /* a last part of at least 50 ms */
    if (upto <= g->npts)
        return;
    struct gencheck_point p = {.sched_lag_ms = -1};
    double wall_ns = (double)(now_us - g->last_us) * 1e3;
    for (int i = 0; i < g->n; i++) {
        struct gworker *w = &g->w[i];
        uint64_t c = cpu_now(w, partial);
        double pct = wall_ns > 0 ? (double)(c - w->cpu_prev_ns) / wall_ns * 100.0 : 0;
        w->cpu_prev_ns = c;
        if (pct > p.cpu_pct)
            p.cpu_pct = pct;
        double lag = (double)atomic_exchange(&w->lag_max_us, 0) / 1e3;
        uint64_t last = atomic_load_explicit(&w->last_tick_us, memory_order_relaxed);
        if (!partial && last && now_us > last + 100000u) /* stalled: its timer is overdue */
            lag = fmax(lag, (double)(now_us - last - 100000u) / 1e3);
        if (lag > p.loop_lag_ms)
            p.loop_lag_ms = lag;
        unsigned long long s = atomic_exchange(&w->sched_max, 0);
        if (s && (double)(s - 1) / 1e3 > p.sched_lag_ms)
            p.sched_lag_ms = (double)(s - 1) / 1e3;
    }
    p.hot = p.cpu_pct > GENCHECK_BUSY_PCT || p.loop_lag_ms > GENCHECK_LAG_MS;
    g->last_us = now_us;
    if (upto > g->cap) {
        uint32_t cap = g->cap ? g->cap * 2 : 64;
        while (cap < upto)
            cap *= 2;
        struct gencheck_point *np = realloc(g->pts, cap * sizeof *np);
        if (!np)
            return;
        g->pts = np;
        g->cap = cap;
    }
    while (g->npts < upto) {
        g->pts[g->npts++] = p;
        g->streak = p.hot ? g->streak + 1 : 0;
        if (g->streak >= GENCHECK_HOT_SECONDS && !g->saturated) {
            g->saturated = 1;
            g->sat_from = g->npts - (uint32_t)g->streak;
            if (g->on_saturated)
                g->on_saturated(g->ud, g->sat_from);
        }
    }
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    gencheck *g = t->data;
    uint64_t now = clock_us();
    sample(g, now, 0);
    if (g->stopped)
        return; /* on_saturated stopped it */
    uint64_t next = g->start_us + ((uint64_t)g->npts + 1) * 1000000u;
    ev_timer_set(t, next > now ? (double)(next - now) / 1e6 : 0., 0.);
    ev_timer_start(loop, t);
}

void gencheck_start(gencheck *g, struct ev_loop *loop, void (*on_saturated)(void *, uint32_t),
                    void *ud)
{
    g->loop = loop;
    g->on_saturated = on_saturated;
    g->ud = ud;
    g->last_us = clock_us();
    if (g->last_us < g->start_us)
        g->last_us = g->start_us;
    ev_timer_init(&g->timer, on_timer, 0., 0.);
    g->timer.data = g;
    uint64_t next = g->start_us + 1000000u;
    ev_timer_set(&g->timer, next > g->last_us ? (double)(next - g->last_us) / 1e6 : 0., 0.);
    ev_timer_start(loop, &g->timer);
}

void gencheck_stop(gencheck *g)
{
    if (!g || g->stopped)
        return;
    if (g->loop) {
        ev_timer_stop(g->loop, &g->timer);
        sample(g, clock_us(), 1);
    }
    g->stopped = 1;
}

int gencheck_second(const gencheck *g, uint32_t t, struct gencheck_point *out)
{
    if (!g || t >= g->npts)
        return -1;
    *out = g->pts[t];
    return 0;
}

static double round_to(double v, double unit)
{
    return round(v / unit) * unit;
}

static json_t *point_json(const struct gencheck_point *pp)
{
    struct gencheck_point p = *pp;
    json_t *o = json_pack("{s:f, s:f, s:b}", "cpu_pct", round_to(p.cpu_pct, 0.1), "loop_lag_ms",
                          round_to(p.loop_lag_ms, 0.001), "saturated", p.hot);
    if (o && p.sched_lag_ms >= 0)
        json_object_set_new(o, "schedule_lag_ms", json_real(round_to(p.sched_lag_ms, 0.001)));
    return o;
}

json_t *gencheck_second_json(const gencheck *g, uint32_t t)
{
    struct gencheck_point p;
    return gencheck_second(g, t, &p) ? NULL : point_json(&p);
}

int gencheck_saturated(const gencheck *g, uint32_t *from_s)
{
    if (!g || !g->saturated)
        return 0;
    *from_s = g->sat_from;
    return 1;
}

/* The per-second points; beyond GENCHECK_SERIES_MAX seconds, each point covers `span`
 * seconds (their worst: highest CPU and lags, saturated when any second was hot). */
static json_t *series_json(const gencheck *g)
{
    json_t *ser = json_array();
    uint32_t span = (g->npts + GENCHECK_SERIES_MAX - 1) / GENCHECK_SERIES_MAX;
    if (span < 1)
        span = 1;
    for (uint32_t t = 0; ser && t < g->npts; t += span) {
        struct gencheck_point w = g->pts[t];
        for (uint32_t k = t + 1; k < t + span && k < g->npts; k++) {
            const struct gencheck_point *q = &g->pts[k];
            w.cpu_pct = fmax(w.cpu_pct, q->cpu_pct);
            w.loop_lag_ms = fmax(w.loop_lag_ms, q->loop_lag_ms);
            w.sched_lag_ms = fmax(w.sched_lag_ms, q->sched_lag_ms);
            w.hot |= q->hot;
        }
        json_t *pt = point_json(&w);
        if (pt) {
            json_object_set_new(pt, "t_run", json_integer(t));
            if (span > 1)
                json_object_set_new(pt, "span",
                                    json_integer(t + span <= g->npts ? span : g->npts - t));
        }
        json_array_append_new(ser, pt);
    }
    return ser;
}

json_t *gencheck_json(const gencheck *g)
{
    double sum = 0, mx = 0, lag = 0;
    for (uint32_t t = 0; t < g->npts; t++) {
        sum += g->pts[t].cpu_pct;
        mx = fmax(mx, g->pts[t].cpu_pct);
        lag = fmax(lag, g->pts[t].loop_lag_ms);
    }
    json_t *o = json_pack("{s:f, s:f, s:f, s:b, s:i}", "cpu_pct",
                          round_to(g->npts ? sum / g->npts : 0, 0.1), "cpu_pct_max",
                          round_to(mx, 0.1), "loop_lag_ms", round_to(lag, 0.001), "saturated",
                          g->saturated, "threads", (json_int_t)g->n);
    if (!o)
        return NULL;
    json_object_set_new(o, "saturated_from_s",
                        g->saturated ? json_integer(g->sat_from) : json_null());
    json_object_set_new(o, "series", series_json(g));
    hist *all = hist_new_default();
    for (int i = 0; all && i < g->n; i++)
        if (g->w[i].sched)
            hist_merge(all, g->w[i].sched);
    if (all && hist_count(all) > 0)
        json_object_set_new(o, "schedule_lag_ms",
                            json_pack("{s:f, s:f, s:f, s:I}", "p50",
                                      round_to((double)hist_percentile(all, 50) / 1e3, 0.001),
                                      "p99",
                                      round_to((double)hist_percentile(all, 99) / 1e3, 0.001),
                                      "max", round_to((double)hist_max(all) / 1e3, 0.001), "count",
                                      (json_int_t)hist_count(all)));
    hist_free(all);
    return o;
}

void gencheck_clock(uint32_t s, char *buf, int len)
{
    if (s >= 3600)
        snprintf(buf, (size_t)len, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, (size_t)len, "%02u:%02u", s / 60, s % 60);
}
