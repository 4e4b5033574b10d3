/* test_collect.c — per-thread shards and the main-thread collector: seconds are
 * completed only when every shard has handed them over, totals equal the sum of
 * samples, failures and error classes counted, series points per second; dropped
 * iterations per second; a key's series limited to its scenario's window. */
#include "stats/collect.h"
#include "stats/shard.h"
#include "unit.h"

/* series_get with a buffer that lives to the end of the enclosing block */
#define series_at(s, i) series_get((s), (i), &(struct series_point){0})

#define S 1000000ull

static struct stats_sample ok(uint64_t lat_us, int status)
{
    struct stats_sample s = {.latency_us = lat_us, .status = status, .bytes_in = 100,
                             .bytes_out = 50, .failed = status >= 400};
    return s;
}

static void seconds_and_totals(void)
{
    uint64_t t0 = 1000 * S;
    shard *sh[2] = {shard_new(2, t0), shard_new(2, t0)};
    collect *c = collect_new(sh, 2, 2);
    CHECK(sh[0] && sh[1] && c);
    struct stats_sample err = {.err = ERR_TIMEOUT, .bytes_out = 50, .failed = 1};
    /* second 0: shard 0 records 3 (one 503), shard 1 records 1 timeout */
    struct stats_sample s1 = ok(1000, 200), s2 = ok(3000, 200), s3 = ok(5000, 503);
    shard_record(sh[0], 0, t0 + 100, &s1);
    shard_record(sh[0], 0, t0 + 200, &s2);
    shard_record(sh[0], 0, t0 + 300, &s3);
    shard_record(sh[1], 0, t0 + 400, &err);
    /* key 1 gets one sample in second 2 */
    struct stats_sample s4 = ok(7000, 201);
    shard_record(sh[0], 1, t0 + 2 * S + 5, &s4);
    /* shard 0 is in second 2 now (handed over 0 and 1); shard 1 handed nothing yet */
    CHECK_INT(collect_poll(c, (uint32_t[]){4, 4}), 0);
    CHECK_INT(collect_seconds(c), 0);
    shard_tick(sh[1], t0 + S + 10); /* shard 1 hands over second 0 */
    CHECK_INT(collect_poll(c, (uint32_t[]){4, 4}), 1);
    CHECK_INT(collect_seconds(c), 1);
    const series *se = collect_series(c, 0);
    CHECK_INT(series_len(se), 1);
    const struct series_point *p = series_at(se, 0);
    CHECK_INT(p->requests, 4);
    CHECK_INT(p->failed, 2);
    CHECK_INT(p->errors[ERR_TIMEOUT], 1);
    CHECK_INT(p->vus, 4);
    CHECK_NEAR(p->max_ms, 5.0, 0.01);
    CHECK_NEAR(p->p50_ms, 3.0, 0.01);
    /* finish both: all seconds complete */
    shard_finish(sh[0], t0 + 2 * S + 500000);
    shard_finish(sh[1], t0 + 2 * S + 500000);
    collect_finish(c, (uint32_t[]){4, 4});
    CHECK_INT(collect_seconds(c), 3);
    const struct stats_counts *k0 = collect_counts(c, 0), *k1 = collect_counts(c, 1);
    CHECK_INT(k0->requests, 4);
    CHECK_INT(k0->failed, 2);
    CHECK_INT(k0->status[200], 2);
    CHECK_INT(k0->status[503], 1);
    CHECK_INT(k0->errors[ERR_TIMEOUT], 1);
    CHECK_INT(k0->bytes_in, 300);
    CHECK_INT(k0->bytes_out, 200);
    CHECK_INT(hist_count(collect_latency(c, 0)), 3); /* errors are not timed */
    CHECK_INT(k1->requests, 1);
    CHECK_INT(k1->status[201], 1);
    CHECK_INT(series_len(collect_series(c, 1)), 3);
    CHECK_INT(series_at(collect_series(c, 1), 2)->requests, 1);
    CHECK_INT(series_at(collect_series(c, 1), 1)->requests, 0);
    collect_free(c);
    shard_free(sh[0]);
    shard_free(sh[1]);
}

static void many_seconds_recycled(void)
{
    uint64_t t0 = 5 * S;
    shard *sh[1] = {shard_new(1, t0)};
    collect *c = collect_new(sh, 1, 1);
    uint64_t n = 0;
    for (uint64_t sec = 0; sec < 300; sec++) {
        for (int i = 0; i < 10; i++, n++) {
            struct stats_sample s = ok(100 + (uint64_t)i, 200);
            shard_record(sh[0], 0, t0 + sec * S + (uint64_t)i * 1000, &s);
        }
        if (sec % 7 == 0)
            collect_poll(c, (uint32_t[]){1});
    }
    shard_finish(sh[0], t0 + 300 * S);
    collect_finish(c, (uint32_t[]){1});
    CHECK_INT(collect_counts(c, 0)->requests, n);
    CHECK_INT(hist_count(collect_latency(c, 0)), n);
    CHECK_INT(series_len(collect_series(c, 0)), 301);
    collect_free(c);
    shard_free(sh[0]);
}

/* A flow step whose response arrived but whose expectation failed: counted under its
 * status and timed, and failed under the expect class; an expected 404 is not failed. */
static void failed_with_response(void)
{
    shard *sh[1] = {shard_new(1, 0)};
    collect *c = collect_new(sh, 1, 1);
    struct stats_sample exp = {.latency_us = 2000, .status = 200, .err = ERR_EXPECT, .failed = 1};
    struct stats_sample nf = {.latency_us = 1000, .status = 404, .failed = 0};
    shard_record(sh[0], 0, 10, &exp);
    shard_record(sh[0], 0, 20, &nf);
    shard_finish(sh[0], 30);
    collect_finish(c, (uint32_t[]){1});
    const struct stats_counts *k = collect_counts(c, 0);
    CHECK_INT(k->requests, 2);
    CHECK_INT(k->failed, 1);
    CHECK_INT(k->status[200], 1);
    CHECK_INT(k->status[404], 1);
    CHECK_INT(k->errors[ERR_EXPECT], 1);
    CHECK_INT(hist_count(collect_latency(c, 0)), 2);
    collect_free(c);
    shard_free(sh[0]);
}

/* Dropped iterations are counted per second, apart from requests; a key waiting for
 * its scenario takes no seconds, then starts at its own origin and stops at its end,
 * while the totals count everything. */
static void dropped_and_windows(void)
{
    shard *sh[1] = {shard_new(3, 0)};
    collect *c = collect_new(sh, 1, 3);
    CHECK(sh[0] && c);
    if (!sh[0] || !c)
        return;
    collect_series_window(c, 1, COLLECT_NEVER, COLLECT_NEVER); /* a later scenario */
    collect_series_window(c, 2, COLLECT_NEVER, COLLECT_NEVER); /* one that never runs */
    shard_drop(sh[0], 0, 100);
    shard_drop(sh[0], 0, 200);
    struct stats_sample a = ok(1000, 200);
    shard_record(sh[0], 0, 300, &a);
    shard_drop(sh[0], 0, 2 * S + 1);
    shard_tick(sh[0], 2 * S + 10); /* seconds 0 and 1 handed over */
    CHECK_INT(collect_poll(c, NULL), 2);
    collect_series_window(c, 1, 2, COLLECT_NEVER); /* key 1 starts in second 2 */
    shard_record(sh[0], 1, 2 * S + 20, &a);
    shard_record(sh[0], 1, 3 * S + 20, &a);
    shard_record(sh[0], 1, 4 * S + 20, &a);
    shard_tick(sh[0], 4 * S + 30);
    collect_poll(c, NULL);
    collect_series_window(c, 1, 2, 3); /* and ends in second 3 */
    shard_finish(sh[0], 4 * S + 40);
    collect_finish(c, NULL);
    CHECK_INT(collect_seconds(c), 5);

    const series *s0 = collect_series(c, 0);
    CHECK_INT(series_len(s0), 5);
    CHECK_INT(series_at(s0, 0)->dropped, 2);
    CHECK_INT(series_at(s0, 0)->requests, 1);
    CHECK_INT(series_at(s0, 1)->dropped, 0);
    CHECK_INT(series_at(s0, 2)->dropped, 1);
    CHECK_INT(series_at(s0, 2)->requests, 0); /* a drop is not a request */
    CHECK_INT(collect_counts(c, 0)->dropped, 3);
    CHECK_INT(collect_counts(c, 0)->requests, 1);

    const series *s1 = collect_series(c, 1);
    CHECK_INT(series_origin(s1), 2);
    CHECK_INT(series_len(s1), 2); /* seconds 2 and 3 only: nothing before, nothing after */
    CHECK(series_at(s1, 0) && series_at(s1, 0)->t == 0 && series_at(s1, 0)->t_run == 2 &&
          series_at(s1, 0)->requests == 1);
    CHECK(series_at(s1, 1) && series_at(s1, 1)->t == 1 && series_at(s1, 1)->t_run == 3);
    CHECK_INT(collect_counts(c, 1)->requests, 3); /* the totals count every second */
    CHECK_INT(series_len(collect_series(c, 2)), 0);
    collect_free(c);
    shard_free(sh[0]);
}

int main(void)
{
    RUN(dropped_and_windows);
    RUN(failed_with_response);
    RUN(seconds_and_totals);
    RUN(many_seconds_recycled);
    UNIT_EXIT();
}
