/* shard.h — per-thread statistics: each worker records its samples into its own
 * per-second bucket (no lock, no atomic); at each second boundary the bucket is
 * handed to the main thread (one mutex per second, not per request). */
#ifndef SURGE_STATS_SHARD_H
#define SURGE_STATS_SHARD_H

#include <stdint.h>

#include "engine/errclass.h"
#include "stats/hist.h"
#include "stats/seclat.h"

#define STATS_STATUS_MAX 1000 /* status codes 0..999 are counted one by one */

/* Counters of one key (scenario, step, ...) over some interval. */
struct stats_counts {
    uint64_t requests;                  /* requests that ended (ok or failed) */
    uint64_t failed;                    /* of those: errored, or status >= 400 */
    uint64_t bytes_in;                  /* response bytes read */
    uint64_t bytes_out;                 /* request bytes written */
    uint64_t connects;                  /* of requests: those that opened a connection */
    uint64_t dropped;                   /* arrival-rate iterations due but not started (no
                                           free VU): not requests, counted apart */
    uint64_t ws_opens, ws_closes;       /* WebSocket connections opened / closed (open
                                           now: opens - closes, summed from the start) */
    uint64_t ws_msgs_in, ws_msgs_out;   /* WebSocket data messages received / sent */
    uint64_t ws_reconnects;             /* ws steps' reconnects after a drop */
    uint64_t errors[ERR__COUNT];        /* failed requests by error class */
    uint64_t status[STATS_STATUS_MAX];  /* completed responses by status code */
};

/* One finished sample, as the engine saw it. */
struct stats_sample {
    uint64_t latency_us; /* what is reported as latency (from the intended time when open) */
    int status;          /* 0 when no response arrived */
    enum errclass err;   /* why it failed (ERR_NONE: it did not, or only by status) */
    int failed;          /* the caller's verdict: err, a status >= 400, an unmet expectation */
    uint64_t bytes_in, bytes_out;
    int new_conn;
};

/* A second's worth of one shard: for each key, a latency histogram and counters. */
struct stats_bucket {
    uint32_t t;                 /* second since the run's start */
    int nkeys;
    struct stats_bucket *next;  /* handoff list */
    struct stats_key {
        struct seclat lat;      /* the second's latencies (sparse: stats/seclat.h) */
        struct stats_counts c;
    } key[];
};

typedef struct shard shard; /* opaque */

/* A shard recording nkeys keys, seconds counted from start_us (the run's common
 * clock origin). @return NULL when out of memory. */
shard *shard_new(int nkeys, uint64_t start_us);
void shard_free(shard *s); /* NULL is fine; call after the worker thread is done */

/* Worker side. Record one sample of key at now_us (the clock_us() it ended). A
 * sample past the current second first hands the bucket over. A sample with a status
 * (a response arrived) is timed and counted under its code; one without is counted
 * under its error class only. */
void shard_record(shard *s, int key, uint64_t now_us, const struct stats_sample *smp);

/* Worker side. Count one arrival-rate iteration of key that was due at now_us but
 * not started (no free VU). */
void shard_drop(shard *s, int key, uint64_t now_us);

/* What a WebSocket did, as counted by shard_ws. */
struct stats_ws {
    uint64_t opens, closes, msgs_in, msgs_out, reconnects, bytes_in, bytes_out;
};

/* Worker side. Add d to key's WebSocket counters (and bytes) at now_us. */
void shard_ws(shard *s, int key, uint64_t now_us, const struct stats_ws *d);

/* Worker side, from a timer: hand over every second that has ended by now_us
 * (even empty ones, so the main thread knows this shard is done with them). */
void shard_tick(shard *s, uint64_t now_us);

/* Worker side, at the end: hand over the current, partial second too. */
void shard_finish(shard *s, uint64_t now_us);

/* Main side: take every bucket handed over so far, oldest first (a list through
 * ->next), and give each back with shard_recycle once merged. */
struct stats_bucket *shard_take(shard *s);
void shard_recycle(shard *s, struct stats_bucket *b);

/* Main side: add src's counters into dst. */
void stats_counts_add(struct stats_counts *dst, const struct stats_counts *src);

#endif
