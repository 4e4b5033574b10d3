/* watch.c — the watcher: a sampling thread per source, the samples of every metric on
 * one clock, the target's lifecycle thread (exit polling, restarts), and the derived
 * figures written into the results document and the end-of-run summary. */
#include "watch/watch.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/units.h"
#include "watch/derive.h"
#include "watch/health.h"
#include "watch/proc.h"

struct metric {
    char name[128];
    char unit[12];
    char source[32];
    double *t, *v; /* t on the watch clock (seconds since watch_start), ascending */
    int n, cap;
};

struct tevent {
    double t;      /* watch clock */
    char kind[16]; /* start, ready, restart, exit, stop */
    int status;    /* exit: exit code (128 + signal when killed); -1: none */
};

struct srcrun {
    watch *w;
    wsrc *s;
    pthread_t th;
    int running;       /* the thread was started */
    long ok, failed;   /* samples that worked / did not (written by its thread only) */
    int finish_failed; /* its finish() (promql's query at the end) failed */
    char warned[256];  /* the last reason warned about */
};

struct watch {
    struct watch_opts o;
    pthread_mutex_t mu;     /* guards metrics and events */
    pthread_mutex_t smu;    /* with cv: the stop flag, the restart request */
    pthread_cond_t cv;
    int stopping;
    struct srcrun *src;
    int nsrc, capsrc;
    struct metric *m;
    int nm, capm;
    uint64_t start_us;      /* watch_start: 0 of the watch clock */
    _Atomic uint64_t t0_us; /* load start; 0 until marked */
    double wall_start, wall_t0;
    int started, stopped;
    /* the target */
    target *tg;
    struct target_cfg tcfg;
    char tcmd[512];         /* the command as text, for results */
    int abort_on_exit;
    atomic_int aborted;
    int restart_req;        /* guarded by smu */
    pthread_t tth;
    int trunning;
    int last_pid;
    struct tevent *ev;
    int nev, capev;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wclock(const watch *w)
{
    return (double)(clock_us() - w->start_us) / 1e6;
}

/* Watch clock to run clock. Before t0 is marked: the planned load start. */
static double offset(const watch *w)
{
    uint64_t t0 = atomic_load(&((watch *)w)->t0_us);
    if (!t0 || !w->start_us)
        return w->o.baseline_s;
    return ((double)t0 - (double)w->start_us) / 1e6;
}

static void warn(watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(watch *w, const char *fmt, ...)
{
    if (!w->o.warn)
        return;
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(w->o.warn, "surge: warning: %s\n", buf);
    fflush(w->o.warn);
}

watch *watch_new(const struct watch_opts *o)
{
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->o = *o;
    if (!(w->o.interval_s > 0))
        w->o.interval_s = 1;
    if (!w->o.has_baseline && !(w->o.baseline_s > 0))
        w->o.baseline_s = 5;
    if (!(w->o.baseline_s >= 0))
        w->o.baseline_s = 0;
    if (!(w->o.warmup > 0) || w->o.warmup >= 1)
        w->o.warmup = 0.1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->smu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&w->t0_us, 0);
    atomic_init(&w->aborted, 0);
    return w;
}

int watch_add(watch *w, wsrc *s)
{
    if (!s)
        return -1;
    if (w->nsrc == w->capsrc) {
        int nc = w->capsrc ? w->capsrc * 2 : 8;
        struct srcrun *ns = realloc(w->src, (size_t)nc * sizeof *ns);
        if (!ns) {
            wsrc_free(s);
            return -1;
        }
        w->src = ns;
        w->capsrc = nc;
    }
    w->src[w->nsrc++] = (struct srcrun){.w = w, .s = s};
    return 0;
}

int watch_has_kind(const watch *w, const char *kind)
{
    for (int i = 0; i < w->nsrc; i++)
        if (!strcmp(w->src[i].s->kind, kind))
            return 1;
    return 0;
}

static int target_pid_fn(void *ud)
{
    return target_pid(((watch *)ud)->tg);
}

int watch_set_target(watch *w, const struct target_cfg *c, int abort_on_exit)
{
    if (!(w->tg = target_new(c)))
        return -1;
    w->tcfg = *c;
    w->abort_on_exit = abort_on_exit;
    if (c->argv) {
        size_t off = 0;
        for (int i = 0; c->argv[i] && off < sizeof w->tcmd; i++) {
            int n = snprintf(w->tcmd + off, sizeof w->tcmd - off, "%s%s", i ? " " : "",
                             c->argv[i]);
            if (n > 0)
                off += (size_t)n;
        }
    } else {
        snprintf(w->tcmd, sizeof w->tcmd, "%s", c->command ? c->command : "");
    }
    char err[200];
    if (!watch_has_kind(w, "process") && !watch_has_kind(w, "cgroup")) {
        struct watch_proc_cfg pc = {.pid_fn = target_pid_fn, .pid_ud = w};
        if (watch_add(w, wsrc_process_new(&pc, err, sizeof err)))
            return -1;
    }
    if (!watch_has_kind(w, "health") && c->ready_url) {
        struct watch_health_cfg hc = {.url = c->ready_url, .timeout_s = w->o.interval_s,
                                      .insecure = 1};
        if (watch_add(w, wsrc_health_new(&hc, err, sizeof err)))
            return -1;
    }
    return 0;
}

/* ---- samples ---- */

struct emitter {
    struct watch_emit e;
    watch *w;
    const char *source;
};

static struct metric *metric_get(watch *w, const char *name, const char *unit, const char *src)
{
    for (int i = 0; i < w->nm; i++)
        if (!strcmp(w->m[i].name, name))
            return &w->m[i];
    if (w->nm == w->capm) {
        int nc = w->capm ? w->capm * 2 : 16;
        struct metric *nm = realloc(w->m, (size_t)nc * sizeof *nm);
        if (!nm)
            return NULL;
        w->m = nm;
        w->capm = nc;
    }
    struct metric *m = &w->m[w->nm++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->unit, sizeof m->unit, "%s", unit ? unit : "");
    snprintf(m->source, sizeof m->source, "%s", src);
    return m;
}

static void on_value(struct watch_emit *e, const char *name, const char *unit, double t, double v)
{
    struct emitter *em = (struct emitter *)e;
    watch *w = em->w;
    if (!name || !isfinite(v) || !isfinite(t))
        return;
    pthread_mutex_lock(&w->mu);
    struct metric *m = metric_get(w, name, unit, em->source);
    if (m && m->n == m->cap) {
        int nc = m->cap ? m->cap * 2 : 64;
        double *nt = realloc(m->t, (size_t)nc * sizeof *nt);
        if (nt)
            m->t = nt;
        double *nv = nt ? realloc(m->v, (size_t)nc * sizeof *nv) : NULL;
        if (nv) {
            m->v = nv;
            m->cap = nc;
        }
    }
    if (m && m->n < m->cap) {
        /* samples of one metric come from one thread, in time order; keep t ascending */
        if (m->n && t < m->t[m->n - 1])
            t = m->t[m->n - 1];
        m->t[m->n] = t;
        m->v[m->n] = v;
        m->n++;
    }
    pthread_mutex_unlock(&w->mu);
}

/* Wait until the monotonic time `until_us` or a stop. @return 1 when stopping. */
static int wait_until(watch *w, uint64_t until_us)
{
    struct timespec ts = {(time_t)(until_us / 1000000), (long)(until_us % 1000000) * 1000};
    pthread_mutex_lock(&w->smu);
    while (!w->stopping && clock_us() < until_us)
        if (pthread_cond_timedwait(&w->cv, &w->smu, &ts) == ETIMEDOUT)
            break;
    int stop = w->stopping;
    pthread_mutex_unlock(&w->smu);
    return stop;
}

static void *src_main(void *arg)
{
    struct srcrun *r = arg;
    watch *w = r->w;
    struct emitter em = {.e = {.value = on_value}, .w = w, .source = r->s->name};
    uint64_t step = (uint64_t)(w->o.interval_s * 1e6), next = clock_us();
    for (;;) {
        r->s->reason[0] = '\0';
        if (r->s->ops->sample(r->s, wclock(w), &em.e)) {
            r->failed++;
            if (strcmp(r->warned, r->s->reason)) {
                warn(w, "watch %s: %s", r->s->name, r->s->reason);
                snprintf(r->warned, sizeof r->warned, "%s", r->s->reason);
            }
        } else {
            r->ok++; /* a reason already warned about is not repeated when it comes back */
        }
        next += step;
        uint64_t now = clock_us();
        if (next < now) /* a slow sample: skip the ticks it overran */
            next = now + step - (now - next) % step;
        if (wait_until(w, next))
            break;
    }
    return NULL;
}

/* ---- the target ---- */

static void event(watch *w, const char *kind, int status)
{
    pthread_mutex_lock(&w->mu);
    if (w->nev == w->capev) {
        int nc = w->capev ? w->capev * 2 : 16;
        struct tevent *ne = realloc(w->ev, (size_t)nc * sizeof *ne);
        if (!ne) {
            pthread_mutex_unlock(&w->mu);
            return;
        }
        w->ev = ne;
        w->capev = nc;
    }
    struct tevent *e = &w->ev[w->nev++];
    e->t = wclock(w);
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    e->status = status;
    pthread_mutex_unlock(&w->mu);
}

static int start_target(watch *w, char *err, int errlen)
{
    if (target_start(w->tg, err, errlen))
        return -1;
    w->last_pid = target_pid(w->tg);
    event(w, "start", -1);
    if (target_wait_ready(w->tg, err, errlen))
        return -1;
    event(w, "ready", -1);
    return 0;
}

static void *target_main(void *arg)
{
    watch *w = arg;
    for (;;) {
        if (wait_until(w, clock_us() + 100000)) {
            /* stopped here: a target this thread restarted dies with the thread
               (PR_SET_PDEATHSIG is per thread) */
            int st;
            if (target_stop(w->tg, &st))
                event(w, "stop", st);
            break;
        }
        pthread_mutex_lock(&w->smu);
        int restart = w->restart_req;
        w->restart_req = 0;
        pthread_mutex_unlock(&w->smu);
        if (restart) {
            event(w, "restart", -1);
            target_stop(w->tg, NULL);
            char err[1500];
            if (start_target(w, err, sizeof err)) {
                warn(w, "target restart: %s", err);
                if (w->abort_on_exit)
                    atomic_store(&w->aborted, 1);
            }
            continue;
        }
        int st;
        if (target_poll(w->tg, &st) == 1) {
            event(w, "exit", st);
            warn(w, "target exited on its own with status %d%s", st,
                 w->abort_on_exit ? " (on_target_exit: abort)" : "; the run goes on");
            if (w->abort_on_exit)
                atomic_store(&w->aborted, 1);
        }
    }
    return NULL;
}

int watch_target_restart(watch *w)
{
    if (!w || !w->tg)
        return -1;
    pthread_mutex_lock(&w->smu);
    w->restart_req = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->smu);
    return 0;
}

int watch_target_aborted(const watch *w)
{
    return w && atomic_load(&((watch *)w)->aborted);
}

/* ---- start / stop ---- */

int watch_start(watch *w, char *err, int errlen)
{
    w->start_us = clock_us();
    w->wall_start = wall_now();
    w->started = 1;
    if (w->tg && start_target(w, err, errlen))
        return -1;
    for (int i = 0; i < w->nsrc; i++) {
        int rc = pthread_create(&w->src[i].th, NULL, src_main, &w->src[i]);
        if (rc) {
            snprintf(err, (size_t)errlen, "watch: cannot start a thread: %s", strerror(rc));
            return -1;
        }
        w->src[i].running = 1;
    }
    if (w->tg) {
        int rc = pthread_create(&w->tth, NULL, target_main, w);
        if (rc) {
            snprintf(err, (size_t)errlen, "watch: cannot start a thread: %s", strerror(rc));
            return -1;
        }
        w->trunning = 1;
    }
    return 0;
}

double watch_baseline_s(const watch *w)
{
    return w ? w->o.baseline_s : 0;
}

void watch_mark_t0(watch *w, uint64_t t0_us)
{
    if (!w)
        return;
    w->wall_t0 = wall_now() - (double)(clock_us() - t0_us) / 1e6;
    atomic_store(&w->t0_us, t0_us ? t0_us : 1);
}

void watch_stop(watch *w)
{
    if (!w || w->stopped || !w->started)
        return;
    w->stopped = 1;
    pthread_mutex_lock(&w->smu);
    w->stopping = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->smu);
    for (int i = 0; i < w->nsrc; i++)
        if (w->src[i].running) {
            pthread_join(w->src[i].th, NULL);
            w->src[i].running = 0;
        }
    if (w->trunning) {
        pthread_join(w->tth, NULL);
        w->trunning = 0;
    }
    if (w->tg) {
        int st;
        if (target_stop(w->tg, &st))
            event(w, "stop", st);
    }
    if (!atomic_load(&w->t0_us))
        watch_mark_t0(w, w->start_us + (uint64_t)(w->o.baseline_s * 1e6));
    double wall_to = wall_now();
    struct emitter em = {.e = {.value = on_value}, .w = w};
    for (int i = 0; i < w->nsrc; i++) {
        wsrc *s = w->src[i].s;
        if (!s->ops->finish)
            continue;
        em.source = s->name;
        s->reason[0] = '\0';
        if (s->ops->finish(s, w->wall_start, wall_to, w->wall_t0, &em.e)) {
            w->src[i].failed++;
            w->src[i].finish_failed = 1;
            warn(w, "watch %s: %s", s->name, s->reason);
        } else {
            w->src[i].ok++;
        }
    }
}

/* ---- reading ---- */

static struct metric *find(watch *w, const char *name)
{
    for (int i = 0; i < w->nm; i++)
        if (!strcmp(w->m[i].name, name))
            return &w->m[i];
    return NULL;
}

int watch_latest(watch *w, const char *name, double *v)
{
    int rc = -1;
    pthread_mutex_lock(&w->mu);
    struct metric *m = find(w, name);
    if (m && m->n) {
        *v = m->v[m->n - 1];
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void watch_live(watch *w, char *buf, int len)
{
    double mem, cpu;
    int hm = !watch_latest(w, "process.rss_bytes", &mem) ||
             !watch_latest(w, "cgroup.memory_bytes", &mem);
    int hc = !watch_latest(w, "process.cpu_pct", &cpu) ||
             !watch_latest(w, "cgroup.cpu_pct", &cpu);
    char mb[32] = "";
    if (hm)
        units_fmt_bytes(mem, mb, sizeof mb);
    if (hm && hc)
        snprintf(buf, (size_t)len, "mem %s cpu %.0f%%", mb, cpu);
    else if (hm)
        snprintf(buf, (size_t)len, "mem %s", mb);
    else if (hc)
        snprintf(buf, (size_t)len, "cpu %.0f%%", cpu);
    else if (len > 0)
        buf[0] = '\0';
}

int watch_second_json(watch *w, double t_from, double t_to, json_t *out)
{
    int set = 0;
    double off = offset(w);
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->nm; i++) {
        const struct metric *m = &w->m[i];
        for (int k = m->n - 1; k >= 0; k--) {
            double t = m->t[k] - off;
            if (t < t_from)
                break;
            if (t < t_to) {
                json_object_set_new(out, m->name, json_real(m->v[k]));
                set++;
                break;
            }
        }
    }
    pthread_mutex_unlock(&w->mu);
    return set;
}

/* A metric's times on the run clock (malloc'd). Call with mu held. */
static double *run_times(const watch *w, const struct metric *m)
{
    double off = offset(w), *t = malloc((size_t)(m->n ? m->n : 1) * sizeof *t);
    for (int i = 0; t && i < m->n; i++)
        t[i] = m->t[i] - off;
    return t;
}

static int is_memory(const struct metric *m)
{
    /* by name (docs/model.md: memory metrics are *_bytes), labels aside */
    const char *end = strchr(m->name, '{');
    size_t l = end ? (size_t)(end - m->name) : strlen(m->name);
    return l > 6 && !strncmp(m->name + l - 6, "_bytes", 6) && !strchr(m->name, ':');
}

static void figures(const watch *w, const struct metric *m, const double *t, double from,
                    double to, struct watch_result *out)
{
    memset(out, 0, sizeof *out);
    struct derive_stats st;
    derive_window(t, m->v, m->n, from, to, &st);
    out->n = st.n;
    out->min = st.min;
    out->avg = st.avg;
    out->max = st.max;
    out->last = st.last;
    if (w->o.baseline_s > 0)
        out->has_baseline =
            !derive_baseline(t, m->v, m->n, -w->o.baseline_s - w->o.interval_s / 2, 0,
                             &out->baseline);
    struct derive_growth g;
    if (is_memory(m) &&
        !derive_growth(t, m->v, m->n, from, to, w->o.warmup,
                       out->has_baseline ? out->baseline : st.avg, &g)) {
        out->has_growth = 1;
        out->growth_per_h = g.per_h;
        out->growth_pct_per_h = g.pct_per_h;
        out->growth_r2 = g.r2;
        out->growth_from_s = g.from_s;
        out->growth_to_s = g.to_s;
    }
}

int watch_result_get(watch *w, const char *name, double from_s, double to_s,
                     struct watch_result *out)
{
    pthread_mutex_lock(&w->mu);
    struct metric *m = find(w, name);
    double *t = m ? run_times(w, m) : NULL;
    if (t)
        figures(w, m, t, from_s, to_s, out);
    pthread_mutex_unlock(&w->mu);
    free(t);
    return t ? 0 : -1;
}

/* ---- results.json ---- */

static json_t *num(double v)
{
    if (!isfinite(v))
        v = 0;
    double a = fabs(v);
    /* keep 3 decimals for small figures, whole numbers for byte counts */
    return json_real(a >= 1e6 ? round(v) : round(v * 1000.0) / 1000.0);
}

/* Add the figures to o (a new object when NULL). */
static json_t *figures_obj(json_t *o, const struct watch_result *f)
{
    if (!o)
        o = json_object();
    if (f->has_baseline)
        json_object_set_new(o, "baseline", num(f->baseline));
    if (f->n) {
        json_object_set_new(o, "min", num(f->min));
        json_object_set_new(o, "avg", num(f->avg));
        json_object_set_new(o, "max", num(f->max));
        json_object_set_new(o, "last", num(f->last));
    }
    json_object_set_new(o, "samples", json_integer(f->n));
    if (f->has_growth) {
        json_t *g = json_object();
        json_object_set_new(g, "per_h", num(f->growth_per_h));
        json_object_set_new(g, "pct_per_h", json_real(round(f->growth_pct_per_h * 1e4) / 1e4));
        json_object_set_new(g, "r2", json_real(round(f->growth_r2 * 1e4) / 1e4));
        json_object_set_new(g, "from_s", num(f->growth_from_s));
        json_object_set_new(g, "to_s", num(f->growth_to_s));
        json_object_set_new(o, "growth", g);
    }
    return o;
}

static double run_end(const struct watch_window *win, int nwin)
{
    double end = 0;
    for (int i = 0; i < nwin; i++)
        if (win[i].to_s > end)
            end = win[i].to_s;
    return nwin ? end + 1e-9 : INFINITY;
}

static json_t *health_obj(watch *w, wsrc *s)
{
    struct health_stats hs;
    if (wsrc_health_stats(s, &hs))
        return NULL;
    double off = offset(w);
    json_t *o = json_object(), *outs = json_array();
    json_object_set_new(o, "url", json_string(hs.url));
    json_object_set_new(o, "probes", json_integer(hs.probes));
    json_object_set_new(o, "failed", json_integer(hs.failed));
    json_object_set_new(o, "uptime_pct",
                        json_real(hs.probes ? round((double)(hs.probes - hs.failed) * 1e5 /
                                                    (double)hs.probes) / 1e3
                                            : 100));
    for (int i = 0; i < hs.noutages; i++) {
        const struct health_outage *x = &hs.outages[i];
        json_t *e = json_object();
        json_object_set_new(e, "start_s", num(x->start_s - off));
        double d = x->end_s - x->start_s + (x->open ? w->o.interval_s : 0);
        json_object_set_new(e, "duration_s", num(d));
        json_object_set_new(e, "reason", json_string(x->reason));
        if (x->open)
            json_object_set_new(e, "open", json_true());
        json_array_append_new(outs, e);
    }
    json_object_set_new(o, "outages", outs);
    free(hs.outages);
    return o;
}

int watch_json_add(watch *w, json_t *doc, const struct watch_window *win, int nwin)
{
    if (!w || !doc)
        return 0;
    json_t *o = json_object(), *srcs = json_array(), *ms = json_array();
    if (!o || !srcs || !ms) {
        json_decref(o);
        json_decref(srcs);
        json_decref(ms);
        return -1;
    }
    json_object_set_new(o, "interval_s", num(w->o.interval_s));
    json_object_set_new(o, "baseline_s", num(w->o.baseline_s));
    for (int i = 0; i < w->nsrc; i++) {
        const struct srcrun *r = &w->src[i];
        json_t *s = json_object();
        json_object_set_new(s, "name", json_string(r->s->name));
        json_object_set_new(s, "kind", json_string(r->s->kind));
        int ok = r->ok > 0 && !r->finish_failed; /* promql: what it found at the end */
        json_object_set_new(s, "status", json_string(ok ? "ok" : "unavailable"));
        if (r->failed) {
            json_object_set_new(s, "reason", json_string(r->s->reason[0] ? r->s->reason
                                                                          : r->warned));
            json_object_set_new(s, "failed_samples", json_integer(r->failed));
        }
        json_array_append_new(srcs, s);
        if (!strcmp(r->s->kind, "health")) {
            json_t *h = health_obj(w, r->s);
            if (h)
                json_object_set_new(o, "health", h);
        }
    }
    json_object_set_new(o, "sources", srcs);
    double end = run_end(win, nwin);
    pthread_mutex_lock(&w->mu);
    double off = offset(w);
    for (int i = 0; i < w->nm; i++) {
        const struct metric *m = &w->m[i];
        double *t = run_times(w, m);
        if (!t)
            continue;
        struct watch_result f;
        figures(w, m, t, 0, end, &f);
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(m->name));
        json_object_set_new(e, "source", json_string(m->source));
        json_object_set_new(e, "unit", json_string(m->unit));
        figures_obj(e, &f);
        json_t *ser = json_array();
        for (int k = 0; k < m->n; k++)
            json_array_append_new(ser, json_pack("[oo]", json_real(round(t[k] * 1000) / 1000),
                                                 num(m->v[k])));
        json_object_set_new(e, "series", ser);
        json_array_append_new(ms, e);
        json_t *sc = json_object_get(doc, "scenarios");
        for (int k = 0; k < nwin && json_is_array(sc); k++) {
            json_t *so = json_array_get(sc, (size_t)k);
            if (!json_is_object(so))
                continue;
            json_t *sw = json_object_get(so, "watch");
            if (!sw) {
                sw = json_object();
                json_object_set_new(so, "watch", sw);
            }
            figures(w, m, t, win[k].from_s, win[k].to_s + 1e-9, &f);
            json_object_set_new(sw, m->name, figures_obj(NULL, &f));
        }
        free(t);
    }
    if (w->tg) {
        json_t *tg = json_object(), *evs = json_array();
        json_object_set_new(tg, "command", json_string(w->tcmd));
        json_object_set_new(tg, "pid", json_integer(w->last_pid));
        if (w->tcfg.log_path) {
            const char *b = strrchr(w->tcfg.log_path, '/');
            json_object_set_new(tg, "log", json_string(b ? b + 1 : w->tcfg.log_path));
        }
        for (int i = 0; i < w->nev; i++) {
            const struct tevent *e = &w->ev[i];
            json_t *j = json_object();
            double t = e->t - off;
            json_object_set_new(j, "t", num(t));
            json_object_set_new(j, "kind", json_string(e->kind));
            if (e->status >= 0)
                json_object_set_new(j, "status", json_integer(e->status));
            json_array_append_new(evs, j);
            json_t *sc = json_object_get(doc, "scenarios");
            for (int k = 0; !strcmp(e->kind, "restart") && k < nwin; k++)
                if (t >= win[k].from_s && t <= win[k].to_s + 1e-9) {
                    json_t *so = json_array_get(sc, (size_t)k);
                    if (json_is_object(so) && !json_object_get(so, "restart_at_s"))
                        json_object_set_new(so, "restart_at_s", num(t));
                }
        }
        json_object_set_new(tg, "events", evs);
        json_object_set_new(o, "target", tg);
    }
    pthread_mutex_unlock(&w->mu);
    json_object_set_new(o, "metrics", ms);
    json_object_set_new(doc, "watch", o);
    return 0;
}

/* ---- the summary ---- */

static const char *first_of(watch *w, const char *a, const char *b)
{
    if (find(w, a))
        return a;
    if (find(w, b))
        return b;
    return NULL;
}

void watch_summary_print(watch *w, FILE *f, const struct watch_window *win, int nwin)
{
    if (!w || !f)
        return;
    const char *mem = first_of(w, "process.rss_bytes", "cgroup.memory_bytes");
    const char *cpu = first_of(w, "process.cpu_pct", "cgroup.cpu_pct");
    int any = 0;
    for (int k = 0; k < nwin && (mem || cpu); k++) {
        if (!any++)
            fprintf(f, "\nResources of the target (%s)\n",
                    mem && !strncmp(mem, "cgroup", 6) ? "cgroup" : "process tree");
        char line[512];
        size_t off = 0;
        struct watch_result r;
        line[0] = '\0';
        if (mem && !watch_result_get(w, mem, win[k].from_s, win[k].to_s + 1e-9, &r) && r.n) {
            char b[32], a[32], p[32];
            units_fmt_bytes(r.baseline, b, sizeof b);
            units_fmt_bytes(r.avg, a, sizeof a);
            units_fmt_bytes(r.max, p, sizeof p);
            off += (size_t)snprintf(line + off, sizeof line - off, "memory: ");
            if (r.has_baseline)
                off += (size_t)snprintf(line + off, sizeof line - off, "baseline %s, ", b);
            off += (size_t)snprintf(line + off, sizeof line - off, "avg %s, peak %s", a, p);
            if (r.has_growth && r.growth_r2 < 0.5) { /* as the judge: noise, not a trend */
                off += (size_t)snprintf(line + off, sizeof line - off, ", no growth trend (r2 %.2f)",
                                        r.growth_r2);
            } else if (r.has_growth) {
                char g[32];
                units_fmt_bytes(fabs(r.growth_per_h), g, sizeof g);
                off += (size_t)snprintf(line + off, sizeof line - off,
                                        ", growth %s%s/h (%+.2f %%/h, r2 %.2f)",
                                        r.growth_per_h < 0 ? "-" : "+", g, r.growth_pct_per_h,
                                        r.growth_r2);
            }
        }
        if (off < sizeof line && cpu && !watch_result_get(w, cpu, win[k].from_s,
                                                          win[k].to_s + 1e-9, &r) && r.n)
            off += (size_t)snprintf(line + off, sizeof line - off, "%sCPU avg %.0f %%, peak %.0f %%",
                                    off ? "; " : "", r.avg, r.max);
        fprintf(f, "  %-16s %s\n", win[k].name, off ? line : "no samples");
    }
    if (!any)
        fprintf(f, "\nWatch\n");
    for (int i = 0; i < w->nsrc; i++) {
        const struct srcrun *r = &w->src[i];
        if (!strcmp(r->s->kind, "health")) {
            struct health_stats hs;
            if (!wsrc_health_stats(r->s, &hs)) {
                if (hs.probes)
                    fprintf(f, "  health: uptime %.1f %% (%ld of %ld probes failed, %d outage%s)\n",
                            (double)(hs.probes - hs.failed) * 100 / (double)hs.probes, hs.failed,
                            hs.probes, hs.noutages, hs.noutages == 1 ? "" : "s");
                free(hs.outages);
            }
        }
        if ((!r->ok && r->failed) || r->finish_failed)
            fprintf(f, "  watch %s: unavailable: %s\n", r->s->name,
                    r->s->reason[0] ? r->s->reason : r->warned);
    }
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->nev; i++)
        if (!strcmp(w->ev[i].kind, "restart") || !strcmp(w->ev[i].kind, "exit")) {
            if (w->ev[i].status >= 0)
                fprintf(f, "  target: %s at %.1fs (status %d)\n", w->ev[i].kind,
                        w->ev[i].t - offset(w), w->ev[i].status);
            else
                fprintf(f, "  target: %s at %.1fs\n", w->ev[i].kind, w->ev[i].t - offset(w));
        }
    pthread_mutex_unlock(&w->mu);
}

void watch_free(watch *w)
{
    if (!w)
        return;
    watch_stop(w);
    for (int i = 0; i < w->nsrc; i++)
        wsrc_free(w->src[i].s);
    free(w->src);
    for (int i = 0; i < w->nm; i++) {
        free(w->m[i].t);
        free(w->m[i].v);
    }
    free(w->m);
    free(w->ev);
    target_free(w->tg);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->smu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
