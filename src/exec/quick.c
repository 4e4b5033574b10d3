/* quick.c — quick mode's executor: connections that repeat one request, closed or
 * open model, bounded by a duration or an exact count. */
#include "exec/quick.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/ptimer.h"
#include "flow/trace.h"
#include "stats/collect.h"
#include "util/clock.h"

struct qthread;

/* Open model: a thread that sends at least every 250 us (4,000 req/s) wakes up for
 * the sends due in each 500 us window at once, at the window's end (ptimer_set_slack):
 * two or more sends per wake-up instead of one, each at most 0.5 ms late, which
 * results.json's schedule_lag_ms shows. Slower threads send each on time: a window
 * would rarely hold two sends, so batching would only add lateness. */
#define SEND_SLACK_US 500

/* One connection and the virtual user driving it. */
struct qconn {
    conn *c;
    struct qthread *qt;
    uint64_t intended_us; /* open model: when the next request should go */
    struct qconn *next_ready; /* in qt->ready: its next request goes out before the poll */
    struct ptimer_entry wait; /* open model: sleeping until intended_us */
    trace *tr;            /* --trace, the first connection only, until it has printed N */
};

/* Per worker thread; touched only by that thread (details read after join). */
struct qthread {
    const struct quick_plan *p;
    worker *w;
    int first;             /* global index of this thread's first connection */
    int n;
    struct qconn *conns;
    ptimer *timers;        /* precise wake-ups for open-model sends */
    struct qconn *ready;   /* connections whose next request waits for the loop's prepare */
    ev_prepare flush;      /* sends them all just before the loop polls again */
    uint64_t origin_us;    /* the run's clock origin (open-model schedule) */
    uint64_t quota;        /* requests this thread may start (count mode) */
    uint64_t started;      /* requests started */
    int inflight;
    int stopping;
    char detail[ERR__COUNT][ERR_EXAMPLE_LEN]; /* first reason per error class */
};

struct quick_run {
    const struct quick_plan *p;
    struct ev_loop *loop;
    engine *e;
    collect *col;
    struct qthread *qts;
    uint64_t start_us, end_us;
    ev_timer duration, second;
    ev_timer watchdog;     /* --abort-unreachable: checks the target's reach every 100 ms */
    int unreachable;
    ev_signal sigint, sigterm;
    int interrupted;
    int stopped;
    uint32_t emitted;      /* seconds handed to p->on_second so far */
    int saturated_abort;   /* stopped by p->on_saturation_abort */
    json_t *generator;     /* the self-check's run figures (gencheck_json) */
};

static void send_one(struct qconn *qc);

static void on_done(void *ud, conn *c, const struct conn_result *r)
{
    struct qconn *qc = ud;
    struct qthread *qt = qc->qt;
    const struct quick_plan *p = qt->p;
    qt->inflight--;
    struct stats_sample s = {
        .status = r->status,
        .err = r->err,
        .bytes_in = r->bytes_in,
        .bytes_out = r->bytes_out,
        .new_conn = r->new_conn,
        .failed = r->err != ERR_NONE || r->status >= 400,
    };
    /* corrected: from the intended time when the request had to wait for its
     * connection; never from later (a timer may send up to 20 us early) */
    s.latency_us = conn_result_latency_us(r, p->rate > 0 && p->co_correct ? qc->intended_us : 0);
    if (qc->tr) {
        trace_response(qc->tr, r->err != ERR_NONE ? 0 : r->status, conn_response(c),
                       r->detail ? r->detail : errclass_name(r->err));
        if (!trace_want(qc->tr))
            qc->tr = NULL; /* done: no cost from here on */
    }
    shard_record(worker_shard(qt->w), 0, r->t_done_us, &s);
    if (r->err != ERR_NONE && !qt->detail[r->err][0] && r->detail)
        snprintf(qt->detail[r->err], sizeof qt->detail[r->err], "%s", r->detail);
    if (p->rate > 0) {
        qc->intended_us += (uint64_t)llround((double)p->connections * 1e6 / p->rate);
        send_one(qc);
        return;
    }
    /* closed model: the next request goes out once every event of this loop iteration
     * is handled, so the server gets this thread's requests in one burst per poll (as
     * wrk does) instead of one wake-up per response */
    qc->next_ready = qt->ready;
    qt->ready = qc;
}

static void on_flush(struct ev_loop *loop, ev_prepare *w, int revents)
{
    (void)loop;
    (void)revents;
    struct qthread *qt = w->data;
    struct qconn *qc = qt->ready;
    qt->ready = NULL;
    while (qc) {
        struct qconn *next = qc->next_ready;
        send_one(qc);
        qc = next;
    }
}

static void on_wait(struct ptimer_entry *e)
{
    struct qconn *qc = (struct qconn *)((char *)e - offsetof(struct qconn, wait));
    send_one(qc);
}

/* Start the next request of qc, now or (open model) at its intended time. */
static void send_one(struct qconn *qc)
{
    struct qthread *qt = qc->qt;
    const struct quick_plan *p = qt->p;
    if (qt->stopping)
        return;
    if (qt->quota && qt->started >= qt->quota) {
        if (qt->inflight == 0)
            worker_done(qt->w);
        return;
    }
    if (p->rate > 0) {
        uint64_t now = clock_us();
        if (qc->intended_us > now + 20 && qt->timers &&
            ptimer_arm(qt->timers, &qc->wait, qc->intended_us) == 0)
            return;
        worker_sched_lag(qt->w, now > qc->intended_us ? now - qc->intended_us : 0);
    }
    qt->started++;
    struct conn_req req = {
        .iov = p->iov, .iovcnt = p->iovcnt, .is_head = p->is_head, .timeout_us = p->timeout_us};
    if (qc->tr) {
        trace_request(qc->tr, "quick, connection 1", p->iov, p->iovcnt);
        req.capture_headers = 1;
        req.capture_body = TRACE_BODY_MAX;
    }
    qt->inflight++;
    conn_send(qc->c, &req, on_done, qc);
}

static void thread_stop(worker *w, void *ud)
{
    (void)w;
    struct qthread *qt = ud;
    qt->stopping = 1;
    ev_prepare_stop(worker_loop(w), &qt->flush);
    qt->ready = NULL;
    for (int i = 0; i < qt->n; i++) {
        conn_free(qt->conns[i].c);
        qt->conns[i].c = NULL;
    }
    ptimer_free(qt->timers);
    qt->timers = NULL;
}

static void thread_start(worker *w, void *ud)
{
    struct qthread *qt = &((struct qthread *)ud)[worker_index(w)];
    const struct quick_plan *p = qt->p;
    qt->w = w;
    worker_on_stop(w, thread_stop, qt);
    ev_prepare_init(&qt->flush, on_flush);
    qt->flush.data = qt;
    ev_prepare_start(worker_loop(w), &qt->flush);
    if (p->rate > 0)
        qt->timers = ptimer_new(worker_loop(w)); /* NULL: sends go out unpaced-late, not lost */
    if (qt->timers && qt->n > 0 && (double)p->connections * 1e6 / p->rate / qt->n <= 250.)
        ptimer_set_slack(qt->timers, SEND_SLACK_US); /* a send every 250 us or closer */
    for (int i = 0; i < qt->n; i++) {
        struct qconn *qc = &qt->conns[i];
        qc->qt = qt;
        qc->c = conn_new(worker_loop(w), p->target);
        qc->tr = qt->first + i == 0 ? p->trace : NULL;
        ptimer_entry_init(&qc->wait, on_wait);
        /* open model: connection g's k-th request is due at origin + (g + k*C) / R,
         * so the connections together send evenly at R */
        if (p->rate > 0)
            qc->intended_us = qt->origin_us +
                              (uint64_t)llround((double)(qt->first + i) * 1e6 / p->rate);
    }
    for (int i = 0; i < qt->n; i++)
        if (qt->conns[i].c)
            send_one(&qt->conns[i]);
    if (qt->quota && qt->inflight == 0 && qt->started >= qt->quota)
        worker_done(w);
}

static void stop_run(quick_run *q)
{
    if (q->stopped)
        return;
    q->stopped = 1;
    q->end_us = clock_us();
    ev_timer_stop(q->loop, &q->duration);
    engine_stop(q->e);
}

static void on_all_done(engine *e, void *ud)
{
    (void)e;
    quick_run *q = ud;
    stop_run(q);
    ev_break(q->loop, EVBREAK_ALL);
}

static void on_duration(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    stop_run(t->data);
}

/* Hand every merged second not yet handed over to p->on_second, as a series.ndjson line. */
static void emit_seconds(quick_run *q)
{
    if (!q->p->on_second)
        return;
    const series *se = collect_series(q->col, 0);
    for (size_t i = 0; i < series_len(se); i++) {
        struct series_point buf;
        const struct series_point *pt = series_get(se, i, &buf);
        if (pt->t + pt->span <= q->emitted)
            continue;
        json_t *o = results_json_point(pt);
        json_object_set_new(o, "t_run", json_integer(pt->t));
        json_t *line = json_pack("{s:i, s:{s:o}, s:{}}", "t_run", (json_int_t)pt->t, "scenarios",
                                 "quick", o, "watch");
        json_t *gen = gencheck_second_json(engine_gencheck(q->e), pt->t);
        if (line && gen)
            json_object_set(line, "generator", gen);
        json_decref(gen);
        if (line)
            q->p->on_second(q->p->on_second_ud, line);
        json_decref(line);
        q->emitted = pt->t + pt->span;
    }
}

static void on_second(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    quick_run *q = t->data;
    uint32_t vus = (uint32_t)q->p->connections;
    if (collect_poll(q->col, &vus))
        emit_seconds(q);
}

/* The self-check found surge saturated: say so, and stop with --on-saturation abort. */
static void on_saturated(void *ud, uint32_t from_s)
{
    quick_run *q = ud;
    char at[16];
    gencheck_clock(from_s, at, sizeof at);
    if (q->p->notes)
        fprintf(q->p->notes, "surge: surge was saturated from %s; results past that point understate the "
                    "service%s\n", at, q->p->on_saturation_abort ? " (stopping: --on-saturation abort)" : "");
    if (q->p->on_saturation_abort && !q->stopped) {
        q->saturated_abort = 1;
        stop_run(q);
    }
}

static void on_watchdog(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    quick_run *q = t->data;
    if (!conn_reach_lost(q->p->target->reach, clock_us(), q->p->abort_unreachable_us))
        return;
    q->unreachable = 1;
    ev_timer_stop(loop, t);
    stop_run(q);
}

static void on_signal(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)revents;
    quick_run *q = s->data;
    if (q->stopped) { /* a second ^C: give up on a clean stop */
        fprintf(stderr, "surge: interrupted twice, exiting\n");
        _exit(130);
    }
    q->interrupted = s->signum;
    stop_run(q);
    (void)loop;
}

void quick_run_free(quick_run *q)
{
    if (!q)
        return;
    collect_free(q->col);
    json_decref(q->generator);
    engine_free(q->e);
    if (q->qts)
        for (int i = 0; i < q->p->threads; i++)
            free(q->qts[i].conns);
    free(q->qts);
    free(q);
}

quick_run *quick_run_start(const struct quick_plan *p, struct run_result *out, char *err,
                           int errlen)
{
    quick_run *q = calloc(1, sizeof *q);
    if (!q)
        goto oom;
    q->p = p;
    q->loop = EV_DEFAULT;
    q->qts = calloc((size_t)p->threads, sizeof *q->qts);
    if (!q->qts)
        goto oom;
    for (int i = 0, first = 0; i < p->threads; i++) {
        struct qthread *qt = &q->qts[i];
        qt->p = p;
        qt->n = p->connections / p->threads + (i < p->connections % p->threads);
        qt->first = first;
        first += qt->n;
        if (p->count)
            qt->quota = p->count / (uint64_t)p->threads + ((uint64_t)i < p->count % (uint64_t)p->threads);
        if (!(qt->conns = calloc((size_t)qt->n, sizeof *qt->conns)))
            goto oom;
    }

    time_t wall = time(NULL);
    struct tm tm;
    gmtime_r(&wall, &tm);
    strftime(out->started, sizeof out->started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    q->start_us = clock_us();
    for (int i = 0; i < p->threads; i++)
        q->qts[i].origin_us = q->start_us;
    if (!(q->e = engine_new(q->loop, p->threads, 1, q->start_us, on_all_done, q)))
        goto oom;
    if (!(q->col = collect_new(engine_shards(q->e), p->threads, 1)))
        goto oom;

    ev_signal_init(&q->sigint, on_signal, SIGINT);
    q->sigint.data = q;
    ev_signal_start(q->loop, &q->sigint);
    ev_signal_init(&q->sigterm, on_signal, SIGTERM);
    q->sigterm.data = q;
    ev_signal_start(q->loop, &q->sigterm);
    ev_timer_init(&q->second, on_second, 1.2, 1.0);
    q->second.data = q;
    ev_timer_start(q->loop, &q->second);
    if (p->duration_us) {
        ev_timer_init(&q->duration, on_duration, (double)p->duration_us / 1e6, 0.);
        q->duration.data = q;
        ev_timer_start(q->loop, &q->duration);
    }
    ev_timer_init(&q->watchdog, on_watchdog, 0.1, 0.1);
    q->watchdog.data = q;
    ev_now_update(q->loop);
    gencheck_start(engine_gencheck(q->e), q->loop, on_saturated, q);
    int rc = engine_start(q->e, thread_start, q->qts);
    if (rc) {
        snprintf(err, (size_t)errlen, "cannot start worker threads: %s", strerror(-rc));
        goto fail;
    }
    if (p->abort_unreachable_us && p->target->reach)
        ev_timer_start(q->loop, &q->watchdog);
    ev_run(q->loop, 0);
    engine_join(q->e);
    ev_timer_stop(q->loop, &q->watchdog);
    ev_timer_stop(q->loop, &q->second);
    ev_signal_stop(q->loop, &q->sigint);
    ev_signal_stop(q->loop, &q->sigterm);
    gencheck_stop(engine_gencheck(q->e));
    q->generator = gencheck_json(engine_gencheck(q->e));
    out->generator = q->generator;
    out->saturated_abort = q->saturated_abort;
    uint32_t vus = (uint32_t)p->connections;
    collect_finish(q->col, &vus);
    emit_seconds(q);

    struct scenario_result *s = &out->sc[0];
    snprintf(s->name, sizeof s->name, "quick");
    snprintf(s->executor, sizeof s->executor, "%s",
             p->rate > 0 ? "constant-arrival-rate" : "constant-vus");
    s->duration_s = (double)(q->end_us - q->start_us) / 1e6;
    s->start_s = 0;
    s->vus_max = (uint32_t)p->connections; /* every connection is busy the whole run */
    s->vus_allocated = (uint32_t)p->connections;
    s->rate = p->rate;
    s->counts = *collect_counts(q->col, 0);
    s->lat = collect_latency(q->col, 0);
    s->ser = collect_series(q->col, 0);
    for (int i = 0; i < p->threads; i++)
        for (int k = 1; k < ERR__COUNT; k++)
            if (!s->error_detail[k][0] && q->qts[i].detail[k][0])
                memcpy(s->error_detail[k], q->qts[i].detail[k], sizeof s->error_detail[k]);
    out->nscenarios = 1;
    out->duration_s = s->duration_s;
    out->interrupted = q->interrupted;
    if (q->unreachable) {
        out->unreachable = 1;
        out->unreachable_s = (double)p->abort_unreachable_us / 1e6;
        snprintf(out->unreachable_detail, sizeof out->unreachable_detail, "%s",
                 p->target->reach->detail);
    }
    out->threads = p->threads;
    out->connections = p->connections;
    out->co_corrected = p->rate > 0 && p->co_correct;
    return q;
oom:
    snprintf(err, (size_t)errlen, "out of memory");
fail:
    quick_run_free(q);
    return NULL;
}
