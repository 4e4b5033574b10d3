/* ptimer.h — precise one-shot timers: one timerfd on the libev loop, one min-heap of deadlines. */
#ifndef SURGE_TESTBED_PTIMER_H
#define SURGE_TESTBED_PTIMER_H

#include <ev.h>
#include <stdint.h>

/* Why not ev_timer: libev's epoll backend rounds every wait up to whole milliseconds, so an
 * ev_timer fires on average ~0.5 ms late. Here a timerfd (TFD_TIMER_ABSTIME, ns resolution;
 * main() lowers the timer slack to 1 ns) wakes the loop 250 us before the earliest deadline,
 * and an ev_idle watcher keeps the loop polling without blocking until it is due, so timers
 * fire within a few microseconds even when the CPU was idle (idle exit costs 50-150 us on a
 * VM). Sockets are served normally during that spin. Cost: up to 250 us of CPU per distinct
 * deadline while otherwise idle. */

typedef struct ptm_queue ptm_queue;
typedef struct ptm_timer ptm_timer;
typedef void (*ptm_cb)(ptm_timer *t);

/* Embed one in the owning object and recover the owner in the callback (container_of).
 * Fields are owned by the queue: read them only through ptm_armed(). */
struct ptm_timer {
    int64_t at_ns; /* CLOCK_MONOTONIC deadline */
    size_t slot;   /* heap index + 1; 0 = not armed */
    ptm_cb cb;
};

/* Creates a queue on `loop`. Returns 0 and sets *out, or -errno (timerfd, ENOMEM). */
int ptm_queue_new(struct ev_loop *loop, ptm_queue **out);

/* Stops the watcher and frees the queue; armed timers are dropped unfired. NULL is fine. */
void ptm_queue_free(ptm_queue *q);

/* CLOCK_MONOTONIC now, in nanoseconds. */
int64_t ptm_now_ns(void);

/* (Re)arms t to call cb once, delay_s seconds from now (negative = 0). The callback runs on
 * the loop with t already disarmed; it may re-arm t. Returns 0, or -ENOMEM (t unarmed). */
int ptm_start(ptm_queue *q, ptm_timer *t, double delay_s, ptm_cb cb);

/* Disarms t if armed; never calls its callback. */
void ptm_stop(ptm_queue *q, ptm_timer *t);

/* 1 if t is armed. */
int ptm_armed(const ptm_timer *t);

/* Timers armed now (for tests and metrics). O(1). */
size_t ptm_count(const ptm_queue *q);

#endif
