/* ptimer.c — a binary min-heap of deadlines behind one timerfd per loop. */
#include "engine/ptimer.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "util/clock.h"

struct ptimer {
    struct ev_loop *loop;
    int fd;
    ev_io io;
    struct ptimer_entry **heap;
    int n, cap;
    uint64_t armed_us; /* deadline the timerfd is set to; 0: disarmed */
    uint32_t slack_us; /* ptimer_set_slack */
    int running;       /* inside on_fd: it sets the timerfd once, after the callbacks */
};

static void set_fd(ptimer *p)
{
    if (p->running)
        return;
    uint64_t at = p->n ? p->heap[0]->at_us : 0;
    if (at && p->slack_us)
        at = (at + p->slack_us - 1) / p->slack_us * p->slack_us;
    if (at == p->armed_us)
        return;
    p->armed_us = at;
    struct itimerspec its = {0};
    if (at) {
        if (at < 1)
            at = 1;
        its.it_value.tv_sec = (time_t)(at / 1000000);
        its.it_value.tv_nsec = (long)(at % 1000000) * 1000;
    }
    timerfd_settime(p->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void swap(ptimer *p, int a, int b)
{
    struct ptimer_entry *t = p->heap[a];
    p->heap[a] = p->heap[b];
    p->heap[b] = t;
    p->heap[a]->idx = a;
    p->heap[b]->idx = b;
}

static void up(ptimer *p, int i)
{
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (p->heap[parent]->at_us <= p->heap[i]->at_us)
            break;
        swap(p, i, parent);
        i = parent;
    }
}

static void down(ptimer *p, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < p->n && p->heap[l]->at_us < p->heap[m]->at_us)
            m = l;
        if (r < p->n && p->heap[r]->at_us < p->heap[m]->at_us)
            m = r;
        if (m == i)
            return;
        swap(p, i, m);
        i = m;
    }
}

static void remove_at(ptimer *p, int i)
{
    struct ptimer_entry *e = p->heap[i];
    p->n--;
    if (i != p->n) {
        p->heap[i] = p->heap[p->n];
        p->heap[i]->idx = i;
        down(p, i);
        up(p, i);
    }
    e->idx = -1;
}

static void on_fd(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    ptimer *p = w->data;
    uint64_t expirations;
    if (read(p->fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        return;
    p->armed_us = 0;
    uint64_t now = clock_us();
    /* run what is due; a callback may re-arm (itself or others) */
    p->running = 1;
    while (p->n && p->heap[0]->at_us <= now) {
        struct ptimer_entry *e = p->heap[0];
        remove_at(p, 0);
        e->fn(e);
    }
    p->running = 0;
    set_fd(p);
}

ptimer *ptimer_new(struct ev_loop *loop)
{
    ptimer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->loop = loop;
    p->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->fd < 0) {
        free(p);
        return NULL;
    }
    ev_io_init(&p->io, on_fd, p->fd, EV_READ);
    p->io.data = p;
    ev_io_start(loop, &p->io);
    return p;
}

void ptimer_free(ptimer *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        p->heap[i]->idx = -1;
    ev_io_stop(p->loop, &p->io);
    close(p->fd);
    free(p->heap);
    free(p);
}

void ptimer_set_slack(ptimer *p, uint32_t slack_us)
{
    p->slack_us = slack_us;
    set_fd(p);
}

void ptimer_entry_init(struct ptimer_entry *e, ptimer_fn fn)
{
    e->at_us = 0;
    e->fn = fn;
    e->idx = -1;
}

int ptimer_armed(const struct ptimer_entry *e)
{
    return e->idx >= 0;
}

int ptimer_arm(ptimer *p, struct ptimer_entry *e, uint64_t at_us)
{
    if (at_us == 0)
        at_us = 1; /* 0 means "disarmed" to the timerfd */
    if (e->idx >= 0) {
        e->at_us = at_us;
        down(p, e->idx);
        up(p, e->idx);
    } else {
        if (p->n == p->cap) {
            int nc = p->cap ? p->cap * 2 : 64;
            struct ptimer_entry **nh = realloc(p->heap, (size_t)nc * sizeof *nh);
            if (!nh)
                return -ENOMEM;
            p->heap = nh;
            p->cap = nc;
        }
        e->at_us = at_us;
        e->idx = p->n;
        p->heap[p->n++] = e;
        up(p, e->idx);
    }
    set_fd(p);
    return 0;
}

void ptimer_cancel(ptimer *p, struct ptimer_entry *e)
{
    if (e->idx < 0)
        return;
    remove_at(p, e->idx);
    set_fd(p);
}
