/* ptimer.c — precise one-shot timers: one timerfd on the libev loop, one min-heap of deadlines. */
#include "ptimer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Wake this long before a deadline and poll the loop without blocking (ev_idle) until it is
 * due: waking a CPU from idle takes ~50-150 us on VMs, too much when the ground truth must be
 * within 0.5 ms. Sockets keep being served during the spin; it costs CPU only while idle. */
#define PTM_SPIN_NS 250000

struct ptm_queue {
    struct ev_loop *loop;
    ev_io io;         /* readable when the timerfd expires */
    ev_idle spin;     /* active while a deadline is less than PTM_SPIN_NS away */
    int fd;           /* the timerfd (CLOCK_MONOTONIC) */
    ptm_timer **heap; /* min-heap on at_ns; heap[i]->slot == i + 1 */
    size_t n;         /* timers armed (entries in heap) */
    size_t cap;       /* entries allocated */
    int64_t armed_ns; /* deadline the timerfd is set to; 0 = disarmed */
    int firing;       /* inside ptm_fire: re-arm once at the end instead of per change */
};

int64_t ptm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void ptm_set(ptm_queue *q, size_t i, ptm_timer *t)
{
    q->heap[i] = t;
    t->slot = i + 1;
}

static void ptm_up(ptm_queue *q, size_t i)
{
    ptm_timer *t = q->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (q->heap[parent]->at_ns <= t->at_ns)
            break;
        ptm_set(q, i, q->heap[parent]);
        i = parent;
    }
    ptm_set(q, i, t);
}

static void ptm_down(ptm_queue *q, size_t i)
{
    ptm_timer *t = q->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t best = t->at_ns;
        if (l < q->n && q->heap[l]->at_ns < best)
            m = l, best = q->heap[l]->at_ns;
        if (l + 1 < q->n && q->heap[l + 1]->at_ns < best)
            m = l + 1;
        if (m == i)
            break;
        ptm_set(q, i, q->heap[m]);
        i = m;
    }
    ptm_set(q, i, t);
}

/* Points the timerfd PTM_SPIN_NS before the earliest deadline (or disarms it); while spinning
 * the idle watcher is in charge instead. */
static void ptm_rearm(ptm_queue *q)
{
    if (q->firing || ev_is_active(&q->spin))
        return;
    int64_t want = q->n ? q->heap[0]->at_ns - PTM_SPIN_NS : 0;
    if (q->n && want <= 0)
        want = 1;
    if (want == q->armed_ns)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = want / 1000000000;
    its.it_value.tv_nsec = want % 1000000000;
    if (timerfd_settime(q->fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
        /* Cannot happen with a valid fd and deadline; say so rather than hang silently. */
        fprintf(stderr, "surge-testbed: timerfd_settime: %s\n", strerror(errno));
        return;
    }
    q->armed_ns = want;
}

static void ptm_remove(ptm_queue *q, ptm_timer *t)
{
    size_t i = t->slot - 1;
    t->slot = 0;
    q->n--;
    if (i == q->n)
        return;
    ptm_timer *last = q->heap[q->n];
    ptm_set(q, i, last);
    if (i > 0 && q->heap[(i - 1) / 2]->at_ns > last->at_ns)
        ptm_up(q, i);
    else
        ptm_down(q, i);
}

/* Runs the timers that are due; then spins if the next is near, else sleeps on the timerfd. */
static void ptm_run(ptm_queue *q)
{
    q->firing = 1;
    int64_t now = ptm_now_ns();
    /* Timers armed by callbacks with deadlines <= now also run here; each pass takes time,
     * so the clock moves past them. Bounded per wakeup so the loop keeps serving sockets. */
    for (int budget = 100000; q->n > 0 && q->heap[0]->at_ns <= now && budget > 0; budget--) {
        ptm_timer *t = q->heap[0];
        ptm_remove(q, t);
        t->cb(t);
    }
    q->firing = 0;
    if (q->n > 0 && q->heap[0]->at_ns - ptm_now_ns() <= PTM_SPIN_NS) {
        if (!ev_is_active(&q->spin))
            ev_idle_start(q->loop, &q->spin);
        return;
    }
    if (ev_is_active(&q->spin))
        ev_idle_stop(q->loop, &q->spin);
    ptm_rearm(q);
}

static void ptm_on_fd(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    ptm_queue *q = w->data;
    uint64_t expirations;
    while (read(q->fd, &expirations, sizeof expirations) < 0 && errno == EINTR)
        ;
    q->armed_ns = -1; /* expired: force the next ptm_rearm to set it again */
    ptm_run(q);
}

static void ptm_on_spin(struct ev_loop *loop, ev_idle *w, int revents)
{
    (void)loop;
    (void)revents;
    ptm_run(w->data);
}

int ptm_queue_new(struct ev_loop *loop, ptm_queue **out)
{
    ptm_queue *q = calloc(1, sizeof *q);
    if (!q)
        return -ENOMEM;
    q->loop = loop;
    q->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (q->fd < 0) {
        int e = errno;
        free(q);
        return -e;
    }
    ev_io_init(&q->io, ptm_on_fd, q->fd, EV_READ);
    q->io.data = q;
    ev_idle_init(&q->spin, ptm_on_spin);
    q->spin.data = q;
    ev_io_start(loop, &q->io);
    *out = q;
    return 0;
}

void ptm_queue_free(ptm_queue *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++)
        q->heap[i]->slot = 0;
    ev_io_stop(q->loop, &q->io);
    ev_idle_stop(q->loop, &q->spin);
    close(q->fd);
    free(q->heap);
    free(q);
}

int ptm_start(ptm_queue *q, ptm_timer *t, double delay_s, ptm_cb cb)
{
    if (t->slot)
        ptm_remove(q, t);
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        ptm_timer **h = realloc(q->heap, cap * sizeof *h);
        if (!h) {
            ptm_rearm(q);
            return -ENOMEM;
        }
        q->heap = h;
        q->cap = cap;
    }
    if (!(delay_s > 0))
        delay_s = 0;
    if (delay_s > 1e6)
        delay_s = 1e6;
    t->at_ns = ptm_now_ns() + (int64_t)(delay_s * 1e9 + 0.5);
    t->cb = cb;
    ptm_set(q, q->n++, t);
    ptm_up(q, q->n - 1);
    ptm_rearm(q);
    return 0;
}

void ptm_stop(ptm_queue *q, ptm_timer *t)
{
    if (!t->slot)
        return;
    ptm_remove(q, t);
    ptm_rearm(q);
}

int ptm_armed(const ptm_timer *t)
{
    return t->slot != 0;
}

size_t ptm_count(const ptm_queue *q)
{
    return q->n;
}
