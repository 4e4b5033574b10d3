/* test_watch.c — the watcher with synthetic sources: one clock (baseline samples before
 * t = 0 negative), baseline/min/avg/max/last and growth in results.json's shape, a
 * per-scenario window, watch_second_json, and an unavailable source with its reason. */
#include "unit.h"
#include "watch/watch.h"

#include <stdlib.h>
#include <time.h>

#include "util/clock.h"

/* A memory that grows 1 MB per sample after t = 0 (run clock, told by the test). */
struct fake {
    wsrc base;
    int n;
    int fail; /* always unavailable */
};

static volatile int loaded; /* load has started */

static int fake_sample(wsrc *s, double t, struct watch_emit *e)
{
    struct fake *f = (struct fake *)s;
    if (f->fail) {
        snprintf(s->reason, sizeof s->reason, "http://127.0.0.1:9/metrics: connection refused");
        return -1;
    }
    f->n++;
    e->value(e, "fake.rss_bytes", "bytes", t, loaded ? 100e6 + 1e6 * f->n : 100e6);
    e->value(e, "fake.cpu_pct", "%", t, loaded ? 50 : 1);
    return 0;
}

static void fake_free(wsrc *s)
{
    free(s);
}

static const struct wsrc_ops fake_ops = {fake_sample, NULL, fake_free};

static wsrc *fake_new(const char *name, int fail)
{
    struct fake *f = calloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    snprintf(f->base.name, sizeof f->base.name, "%s", name);
    snprintf(f->base.kind, sizeof f->base.kind, "prometheus");
    f->fail = fail;
    return &f->base;
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void test_watch_run(void)
{
    struct watch_opts o = {.interval_s = 0.05, .baseline_s = 0.3, .has_baseline = 1};
    watch *w = watch_new(&o);
    CHECK_INT(watch_add(w, fake_new("fake", 0)), 0);
    CHECK_INT(watch_add(w, fake_new("down", 1)), 0);
    char err[256];
    CHECK_INT(watch_start(w, err, sizeof err), 0);
    nap(watch_baseline_s(w));
    loaded = 1;
    watch_mark_t0(w, clock_us());
    nap(1.0);
    double v = 0;
    CHECK_INT(watch_latest(w, "fake.rss_bytes", &v), 0);
    CHECK(v > 100e6);
    char live[64];
    watch_live(w, live, sizeof live);
    CHECK_STR(live, ""); /* no process/cgroup metric */
    json_t *sec = json_object();
    CHECK(watch_second_json(w, 0, 1.1, sec) == 2);
    CHECK(json_real_value(json_object_get(sec, "fake.cpu_pct")) == 50);
    json_decref(sec);
    watch_stop(w);

    json_t *doc = json_pack("{s:[{s:s}]}", "scenarios", "name", "s");
    struct watch_window win = {"s", 0, 1.0};
    CHECK_INT(watch_json_add(w, doc, &win, 1), 0);
    json_t *wj = json_object_get(doc, "watch");
    CHECK(json_real_value(json_object_get(wj, "interval_s")) == 0.05);
    json_t *srcs = json_object_get(wj, "sources");
    CHECK_INT(json_array_size(srcs), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(srcs, 0), "status")), "ok");
    json_t *down = json_array_get(srcs, 1);
    CHECK_STR(json_string_value(json_object_get(down, "status")), "unavailable");
    CHECK(strstr(json_string_value(json_object_get(down, "reason")), "refused") != NULL);
    json_t *m = json_array_get(json_object_get(wj, "metrics"), 0);
    CHECK_STR(json_string_value(json_object_get(m, "name")), "fake.rss_bytes");
    CHECK_STR(json_string_value(json_object_get(m, "unit")), "bytes");
    CHECK_STR(json_string_value(json_object_get(m, "source")), "fake");
    CHECK(json_real_value(json_object_get(m, "baseline")) == 100e6);
    CHECK(json_real_value(json_object_get(m, "max")) > 110e6);
    json_t *ser = json_object_get(m, "series");
    CHECK(json_real_value(json_array_get(json_array_get(ser, 0), 0)) < -0.2);
    json_t *g = json_object_get(m, "growth");
    /* ~1 MB per 50 ms = 72 GB/h, a straight line */
    CHECK(json_real_value(json_object_get(g, "per_h")) > 30e9);
    CHECK(json_real_value(json_object_get(g, "per_h")) < 150e9);
    CHECK(json_real_value(json_object_get(g, "r2")) > 0.95);
    CHECK(json_real_value(json_object_get(g, "from_s")) > 0.05);
    json_t *cpu = json_array_get(json_object_get(wj, "metrics"), 1);
    CHECK(json_object_get(cpu, "growth") == NULL); /* growth only for *_bytes */
    json_t *sw = json_object_get(json_array_get(json_object_get(doc, "scenarios"), 0), "watch");
    CHECK(json_real_value(json_object_get(json_object_get(sw, "fake.cpu_pct"), "avg")) == 50);
    CHECK(json_real_value(json_object_get(json_object_get(sw, "fake.cpu_pct"), "baseline")) == 1);
    json_decref(doc);
    watch_free(w);
}

int main(void)
{
    RUN(test_watch_run);
    return unit_failures != 0;
}
