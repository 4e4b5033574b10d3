/* engine.c — worker threads, their loops, stop and done signalling, command queues. */
#include "engine/engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "engine/gencheck.h"
#include "util/clock.h"

struct cmd {
    worker_fn fn;
    void *ud;
    struct cmd *next;
};

struct worker {
    engine *e;
    int index;
    pthread_t thread;
    int started;              /* thread created */
    struct ev_loop *loop;
    shard *sh;
    ev_async wake;            /* commands or stop pending */
    ev_timer tick;            /* hands finished seconds to the main thread */
    pthread_mutex_t mu;       /* guards cmds and stop */
    struct cmd *cmds, **cmds_tail;
    int stop;
    int said_done;            /* worker_done was called (worker thread only) */
    worker_fn on_stop;
    void *on_stop_ud;
    worker_fn start;
    void *start_ud;
};

struct engine {
    struct ev_loop *main_loop;
    ev_async done_async;      /* a worker is done: check the count on main */
    atomic_int ndone;
    int nthreads;
    void (*all_done)(engine *, void *);
    void *ud;
    int all_done_called;
    shard **shards;
    worker *w;                /* nthreads */
    gencheck *gc;             /* the generator's self-check */
};

static void on_wake(struct ev_loop *loop, ev_async *a, int revents);
#define TICK_US 100000u /* the period of each worker's tick */
static void on_tick(struct ev_loop *loop, ev_timer *t, int revents);

static void on_done_async(struct ev_loop *loop, ev_async *a, int revents)
{
    (void)loop;
    (void)revents;
    engine *e = a->data;
    if (!e->all_done_called && atomic_load(&e->ndone) >= e->nthreads) {
        e->all_done_called = 1;
        if (e->all_done)
            e->all_done(e, e->ud);
    }
}

engine *engine_new(struct ev_loop *main_loop, int nthreads, int nkeys, uint64_t start_us,
                   void (*all_done)(engine *e, void *ud), void *ud)
{
    engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->main_loop = main_loop;
    e->nthreads = nthreads;
    e->all_done = all_done;
    e->ud = ud;
    atomic_init(&e->ndone, 0);
    e->w = calloc((size_t)nthreads, sizeof *e->w);
    e->shards = calloc((size_t)nthreads, sizeof *e->shards);
    e->gc = gencheck_new(nthreads, start_us);
    if (!e->w || !e->shards || !e->gc)
        goto fail;
    for (int i = 0; i < nthreads; i++) {
        worker *w = &e->w[i];
        w->e = e;
        w->index = i;
        pthread_mutex_init(&w->mu, NULL);
        w->cmds_tail = &w->cmds;
        if (!(w->sh = shard_new(nkeys, start_us)))
            goto fail;
        e->shards[i] = w->sh;
        if (!(w->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK)))
            goto fail;
        /* watchers are set up before the thread exists, so engine_stop can never
         * signal a watcher that is not there yet */
        ev_async_init(&w->wake, on_wake);
        w->wake.data = w;
        ev_async_start(w->loop, &w->wake);
        ev_timer_init(&w->tick, on_tick, TICK_US / 1e6, TICK_US / 1e6);
        w->tick.data = w;
        ev_timer_start(w->loop, &w->tick);
    }
    ev_async_init(&e->done_async, on_done_async);
    e->done_async.data = e;
    ev_async_start(main_loop, &e->done_async);
    return e;
fail:
    engine_free(e);
    return NULL;
}

void engine_free(engine *e)
{
    if (!e)
        return;
    if (ev_is_active(&e->done_async))
        ev_async_stop(e->main_loop, &e->done_async);
    for (int i = 0; e->w && i < e->nthreads; i++) {
        worker *w = &e->w[i];
        if (w->loop)
            ev_loop_destroy(w->loop);
        shard_free(w->sh);
        for (struct cmd *c = w->cmds, *n; c; c = n)
            n = c->next, free(c);
        pthread_mutex_destroy(&w->mu);
    }
    free(e->w);
    free(e->shards);
    gencheck_free(e->gc);
    free(e);
}

gencheck *engine_gencheck(engine *e)
{
    return e->gc;
}

void worker_sched_lag(worker *w, uint64_t lag_us)
{
    gencheck_sched_lag(w->e->gc, w->index, lag_us);
}

int engine_nthreads(const engine *e)
{
    return e->nthreads;
}

worker *engine_worker(engine *e, int i)
{
    return &e->w[i];
}

shard *const *engine_shards(const engine *e)
{
    return e->shards;
}

struct ev_loop *worker_loop(worker *w)
{
    return w->loop;
}

shard *worker_shard(worker *w)
{
    return w->sh;
}

int worker_index(const worker *w)
{
    return w->index;
}

void worker_on_stop(worker *w, worker_fn fn, void *ud)
{
    w->on_stop = fn;
    w->on_stop_ud = ud;
}

void worker_done(worker *w)
{
    if (w->said_done)
        return;
    w->said_done = 1;
    atomic_fetch_add(&w->e->ndone, 1);
    ev_async_send(w->e->main_loop, &w->e->done_async);
}

int worker_post(worker *w, worker_fn fn, void *ud)
{
    struct cmd *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    c->fn = fn;
    c->ud = ud;
    c->next = NULL;
    pthread_mutex_lock(&w->mu);
    *w->cmds_tail = c;
    w->cmds_tail = &c->next;
    pthread_mutex_unlock(&w->mu);
    ev_async_send(w->loop, &w->wake);
    return 0;
}

static void on_wake(struct ev_loop *loop, ev_async *a, int revents)
{
    (void)revents;
    worker *w = a->data;
    pthread_mutex_lock(&w->mu);
    struct cmd *c = w->cmds;
    w->cmds = NULL;
    w->cmds_tail = &w->cmds;
    int stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    for (struct cmd *n; c; c = n) {
        n = c->next;
        if (!stop)
            c->fn(w, c->ud);
        free(c);
    }
    if (stop) {
        if (w->on_stop)
            w->on_stop(w, w->on_stop_ud);
        w->on_stop = NULL;
        ev_break(loop, EVBREAK_ALL);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    worker *w = t->data;
    uint64_t now = clock_us();
    gencheck_tick(w->e->gc, w->index, now, TICK_US);
    shard_tick(w->sh, now);
}

static void *thread_main(void *arg)
{
    worker *w = arg;
    /* wake-ups within microseconds, not the default 50 us timer slack: a generator
     * that sends late adds its own lateness to every open-model latency */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    int stop;
    pthread_mutex_lock(&w->mu);
    stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    if (!stop && w->start)
        w->start(w, w->start_ud);
    /* the wake-up watcher keeps the loop running until engine_stop breaks it */
    if (!stop)
        ev_run(w->loop, 0);
    if (w->on_stop)
        w->on_stop(w, w->on_stop_ud);
    ev_timer_stop(w->loop, &w->tick);
    ev_async_stop(w->loop, &w->wake);
    shard_finish(w->sh, clock_us());
    gencheck_thread_end(w->e->gc, w->index);
    worker_done(w);
    return NULL;
}

int engine_start(engine *e, worker_fn start, void *ud)
{
    for (int i = 0; i < e->nthreads; i++) {
        worker *w = &e->w[i];
        w->start = start;
        w->start_ud = ud;
        int rc = pthread_create(&w->thread, NULL, thread_main, w);
        if (rc) {
            engine_stop(e);
            engine_join(e);
            return -rc;
        }
        w->started = 1;
        gencheck_thread(e->gc, i, w->thread);
    }
    return 0;
}

void engine_stop(engine *e)
{
    for (int i = 0; i < e->nthreads; i++) {
        worker *w = &e->w[i];
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_mutex_unlock(&w->mu);
        if (w->started)
            ev_async_send(w->loop, &w->wake);
    }
}

void engine_join(engine *e)
{
    for (int i = 0; i < e->nthreads; i++) {
        if (e->w[i].started) {
            pthread_join(e->w[i].thread, NULL);
            e->w[i].started = 0;
        }
    }
}
