/* ptimer.h — precise timers for one worker loop: a min-heap of deadlines behind one
 * timerfd (absolute CLOCK_MONOTONIC, microseconds), for what must happen on time:
 * open-model sends and think times. libev's own timers wake up to 1-2 ms late (epoll
 * timeouts are whole milliseconds); a generator that sends late distorts latency. */
#ifndef SURGE_ENGINE_PTIMER_H
#define SURGE_ENGINE_PTIMER_H

#include <stdint.h>

#include <ev.h>

typedef struct ptimer ptimer; /* opaque; one per loop */

struct ptimer_entry;
typedef void (*ptimer_fn)(struct ptimer_entry *e);

/* Embed one in whatever waits; owned by the caller, linked while armed. */
struct ptimer_entry {
    uint64_t at_us;  /* deadline on clock_us() */
    ptimer_fn fn;    /* runs on the loop once the deadline is reached */
    int idx;         /* heap slot; -1 while not armed */
};

/* @return NULL when out of memory or timerfd is unavailable. */
ptimer *ptimer_new(struct ev_loop *loop);
void ptimer_free(ptimer *p); /* entries still armed are dropped; NULL is fine */

void ptimer_entry_init(struct ptimer_entry *e, ptimer_fn fn);

/* Arm e for at_us (re-arming moves it). A deadline already past fires on the next
 * loop iteration, never inside this call. @return 0 or -ENOMEM. */
int ptimer_arm(ptimer *p, struct ptimer_entry *e, uint64_t at_us);

/* Batch wake-ups: the timerfd is set to the earliest deadline rounded up to a multiple of
 * slack_us, so deadlines within one such window fire together in one wake-up; none fires
 * early, none more than slack_us late. 0 (the default): every deadline exactly. */
void ptimer_set_slack(ptimer *p, uint32_t slack_us);
void ptimer_cancel(ptimer *p, struct ptimer_entry *e); /* not armed: no-op */
int ptimer_armed(const struct ptimer_entry *e);

#endif
