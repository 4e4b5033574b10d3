/* gencheck.h — the generator's self-check: each worker thread's CPU use, its event
 * loop's lag (how late a periodic timer fires), how late open-model sends go out behind
 * their schedule, and the verdict "surge itself was the bottleneck" (saturated). */
#ifndef SURGE_ENGINE_GENCHECK_H
#define SURGE_ENGINE_GENCHECK_H

#include <pthread.h>
#include <stdint.h>

#include <ev.h>
#include <jansson.h>

typedef struct gencheck gencheck; /* opaque */

/* A second is "hot" when the busiest worker thread used more than this share of a core,
 * or a worker loop's periodic timer fired later than GENCHECK_LAG_MS; the run is saturated
 * from the first of GENCHECK_HOT_SECONDS hot seconds in a row. */
#define GENCHECK_BUSY_PCT 90.0
#define GENCHECK_LAG_MS 50.0
#define GENCHECK_HOT_SECONDS 3
/* results.json's generator.series holds at most this many points (then each spans more
 * than one second). */
#define GENCHECK_SERIES_MAX 3600

/* One second of the self-check (sampled on the main thread). */
struct gencheck_point {
    double cpu_pct;      /* the busiest worker thread's CPU use, % of one core */
    double loop_lag_ms;  /* the latest a worker loop's 100 ms timer fired */
    double sched_lag_ms; /* the latest an open-model send went out; < 0: none sent */
    int hot;             /* cpu_pct > GENCHECK_BUSY_PCT or loop_lag_ms > GENCHECK_LAG_MS */
};

/* For n worker threads whose run clock starts at start_us. NULL when out of memory. */
gencheck *gencheck_new(int n, uint64_t start_us);
void gencheck_free(gencheck *g); /* NULL is fine */

/* Main thread: worker i runs as thread t (its CPU clock is read from here on). */
void gencheck_thread(gencheck *g, int i, pthread_t t);

/* Worker i's thread, as it ends: its final CPU time (read after it is gone). */
void gencheck_thread_end(gencheck *g, int i);

/* Worker i's thread: its periodic timer (period_us) fired at now_us. */
void gencheck_tick(gencheck *g, int i, uint64_t now_us, uint64_t period_us);

/* Worker i's thread: an open-model send (or arrival-rate iteration) went out lag_us
 * behind its intended time (0 when on time). No lock; a histogram per worker. */
void gencheck_sched_lag(gencheck *g, int i, uint64_t lag_us);

/* Main thread: sample every run second on loop from now on; on the first time the run
 * counts as saturated, on_saturated(ud, from_s) is called once (from_s: the run second
 * the hot streak began). */
void gencheck_start(gencheck *g, struct ev_loop *loop,
                    void (*on_saturated)(void *ud, uint32_t from_s), void *ud);
/* Main thread, once the workers have ended (joined): sample the last partial second and
 * stop sampling. */
void gencheck_stop(gencheck *g);

/* Second t's sample. @return 0, or -1 when it was not sampled. */
int gencheck_second(const gencheck *g, uint32_t t, struct gencheck_point *out);

/* Second t as a series.ndjson line's / series point's "generator" object
 * {cpu_pct, loop_lag_ms, saturated[, schedule_lag_ms]}, or NULL when not sampled or out
 * of memory (the caller owns it). */
json_t *gencheck_second_json(const gencheck *g, uint32_t t);

/* The run's figures as results.json's "generator" (docs/results.md): {cpu_pct,
 * cpu_pct_max, loop_lag_ms, saturated, saturated_from_s, threads, schedule_lag_ms}.
 * Call after gencheck_stop. NULL when out of memory (the caller owns it). */
json_t *gencheck_json(const gencheck *g);

/* @return 1 and the first saturated second in *from_s when the run counts as saturated. */
int gencheck_saturated(const gencheck *g, uint32_t *from_s);

/* "mm:ss" (or "h:mm:ss") of run second s, for the saturation message. */
void gencheck_clock(uint32_t s, char *buf, int len);

#endif
