/* collect.h — the main thread's side of statistics: merges the shards' per-second
 * buckets into per-key totals and per-second series, once every shard has handed
 * over a given second. */
#ifndef SURGE_STATS_COLLECT_H
#define SURGE_STATS_COLLECT_H

#include <stdint.h>

#include "stats/hist.h"
#include "stats/series.h"
#include "stats/shard.h"

typedef struct collect collect; /* opaque */

/* A collector over n shards (kept, not owned) of nkeys keys each.
 * @return NULL when out of memory. */
collect *collect_new(shard *const *shards, int n, int nkeys);
void collect_free(collect *c); /* NULL is fine */

#define COLLECT_NEVER UINT32_MAX

/* Limit key's series to the run seconds [first, last]: it starts at second first (its
 * points' t count from there, t_run from the run's start) and takes no second after
 * last; the totals still count every second. By default a series is [0, NEVER].
 * first = COLLECT_NEVER: the series takes nothing until called again (a scenario not
 * started yet). first can only move while nothing was appended to the series (call
 * it before second first is complete); last can move any time. */
void collect_series_window(collect *c, int key, uint32_t first, uint32_t last);

/* Take what the shards handed over; every second that all shards are done with is
 * merged into the totals and appended to each key's series, stamped with vus[key]
 * (the active virtual users; vus may be NULL for none).
 * @return how many seconds were completed by this call. */
int collect_poll(collect *c, const uint32_t *vus);

/* After every shard_finish: complete all remaining seconds. */
void collect_finish(collect *c, const uint32_t *vus);

/* Have fn(ud, t, key, lat) called for every key of every second as it is completed
 * (inside collect_poll / collect_finish), with that second's latency histogram
 * (borrowed: valid only during the call). fn NULL: no calls. */
typedef void (*collect_second_fn)(void *ud, uint32_t t, int key, const hist *lat);
void collect_on_second(collect *c, collect_second_fn fn, void *ud);

/* Results so far, per key (valid until collect_free; a key's latency pointer may change
 * once, at its first latency: take it again after collect_poll). */
const hist *collect_latency(const collect *c, int key);
const struct stats_counts *collect_counts(const collect *c, int key);
const series *collect_series(const collect *c, int key);
/* Seconds completed so far. */
uint32_t collect_seconds(const collect *c);

#endif
