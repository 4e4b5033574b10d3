/* test_judge.c — judge_doc on synthetic documents (tiers, verdicts, missing data,
 * interrupted runs), judge_second on synthetic series lines, and every analysis on data
 * with a known answer. */
#include "judge/analysis.h"
#include "judge/judge.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "unit.h"

static json_t *jl(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    if (!j)
        printf("    bad JSON in the test: %s\n", je.text);
    return j;
}

static const char *tier_at(const json_t *doc, size_t i)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(doc, "criteria"), i),
                                             "tier"));
}

static void verdicts(void)
{
    json_t *doc = jl("{\"duration_s\": 10, \"interrupted\": false, \"scenarios\": [{\"name\": "
                     "\"peak\", \"requests\": 200, \"failed\": 3, \"rps\": 20, "
                     "\"latency_ms\": {\"p95\": 131200}, \"transactions\": [{\"name\": "
                     "\"generation\", \"latency_ms\": {\"p95\": 131200}}]}]}");
    judge *j = judge_new();
    char err[200];
    json_t *tiers = jl("[{\"name\": \"p95 generation\", \"expr\": \"p95(generation)\", "
                       "\"target\": \"< 120s\", \"acceptable\": \"< 150s\"}, \"error_rate < 1%\","
                       " \"rps >= 10\"]");
    CHECK_INT(judge_add_list(j, NULL, tiers, err, sizeof err), 0);
    json_t *one = json_string("requests > 1000");
    CHECK_INT(judge_add(j, "peak", one, err, sizeof err), 0);
    CHECK_INT(judge_count(j), 4);
    CHECK_INT(judge_doc(j, doc), 1);
    CHECK_STR(tier_at(doc, 0), "acceptable");
    CHECK_STR(tier_at(doc, 1), "failure");
    CHECK_STR(tier_at(doc, 2), "target");
    CHECK_STR(tier_at(doc, 3), "failure");
    const json_t *c0 = json_array_get(json_object_get(doc, "criteria"), 0);
    CHECK_STR(json_string_value(json_object_get(c0, "name")), "p95 generation");
    CHECK_STR(json_string_value(json_object_get(c0, "acceptable")), "< 150s");
    CHECK_NEAR(json_number_value(json_object_get(c0, "value")), 131.2, 1e-9);
    CHECK(json_is_null(json_object_get(c0, "margin")));
    CHECK(json_is_null(json_object_get(c0, "scenario")));
    const json_t *c1 = json_array_get(json_object_get(doc, "criteria"), 1);
    CHECK_NEAR(json_number_value(json_object_get(c1, "value")), 1.5, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(c1, "margin")), 0.5, 1e-9);
    CHECK_STR(json_string_value(json_object_get(c1, "unit")), "%");
    const json_t *c3 = json_array_get(json_object_get(doc, "criteria"), 3);
    CHECK_STR(json_string_value(json_object_get(c3, "scenario")), "peak");
    CHECK_NEAR(json_number_value(json_object_get(c3, "margin")), 800, 1e-9);
    CHECK_STR(json_string_value(json_object_get(doc, "verdict")), "fail");
    json_decref(one);
    json_decref(tiers);
    judge_free(j);

    /* all met: pass, 0; no criteria: none, 0 */
    j = judge_new();
    one = json_string("error_rate < 2%");
    judge_add(j, NULL, one, err, sizeof err);
    CHECK_INT(judge_doc(j, doc), 0);
    CHECK_STR(json_string_value(json_object_get(doc, "verdict")), "pass");
    judge_free(j);
    json_decref(one);
    json_t *d2 = jl("{\"scenarios\": []}");
    j = judge_new();
    CHECK_INT(judge_doc(j, d2), 0);
    CHECK_STR(json_string_value(json_object_get(d2, "verdict")), "none");
    CHECK(json_object_get(d2, "criteria") == NULL);
    CHECK_INT(judge_doc(NULL, d2), 0);
    judge_free(j);
    json_decref(d2);
    json_decref(doc);
}

static void missing_and_interrupted(void)
{
    json_t *doc = jl("{\"interrupted\": true, \"interrupted_by\": \"SIGINT\", \"scenarios\": "
                     "[{\"name\": \"s\", \"requests\": 5, \"failed\": 0, \"latency_ms\": "
                     "{\"p95\": 5}}]}");
    judge *j = judge_new();
    char err[200];
    json_t *c = json_string("max(watch.job_queue_size) < 5");
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), 0);
    json_decref(c);
    c = json_string("error_rate < 1%");
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), 0);
    json_decref(c);
    CHECK_INT(judge_doc(j, doc), 1);
    const json_t *c0 = json_array_get(json_object_get(doc, "criteria"), 0);
    CHECK_STR(tier_at(doc, 0), "failure");
    CHECK(json_is_null(json_object_get(c0, "value")));
    CHECK(strstr(json_string_value(json_object_get(c0, "reason")), "nothing was watched") != NULL);
    CHECK(json_is_true(json_object_get(c0, "interrupted")));
    CHECK_STR(tier_at(doc, 1), "target");
    judge_free(j);
    json_decref(doc);
    /* bad specs */
    j = judge_new();
    c = jl("{\"name\": \"x\"}");
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), -EINVAL);
    json_decref(c);
    c = jl("{\"expr\": \"p95(x)\", \"target\": \"< 5%\"}");
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "of target") != NULL);
    json_decref(c);
    c = jl("{\"expr\": \"error_rate < 1%\", \"window\": \"0s\"}");
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), -EINVAL);
    json_decref(c);
    c = json_integer(3);
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), -EINVAL);
    json_decref(c);
    CHECK_INT(judge_count(j), 0);
    judge_free(j);
}

static json_t *line(int t, int requests, int failed)
{
    char buf[256];
    snprintf(buf, sizeof buf,
             "{\"t_run\": %d, \"scenarios\": {\"s\": {\"requests\": %d, \"failed\": %d, "
             "\"p95_ms\": 10}}}", t, requests, failed);
    return jl(buf);
}

static void live_abort(void)
{
    judge *j = judge_new();
    char err[200];
    json_t *c = jl("{\"expr\": \"error_rate < 1%\", \"abort_on_fail\": true, \"window\": \"3s\"}");
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), 0);
    json_decref(c);
    c = json_string("error_rate < 0.5%"); /* no abort_on_fail: never aborts */
    judge_add(j, NULL, c, err, sizeof err);
    json_decref(c);
    /* fail, fail, (no requests: neither counts nor resets), ok (resets), fail x3 -> abort */
    int want[] = {0, 0, 0, 0, 0, 0, 1};
    int req[] = {100, 100, 0, 100, 100, 100, 100}, fl[] = {50, 2, 0, 0, 5, 1, 3};
    for (int i = 0; i < 7; i++) {
        json_t *l = line(i, req[i], fl[i]);
        int got = judge_second(j, l);
        if (got != want[i])
            printf("    second %d: %d, want %d\n", i, got, want[i]);
        CHECK_INT(got, want[i]);
        json_decref(l);
    }
    CHECK(strstr(judge_abort_reason(j), "error_rate < 1% failed for 3 s (3% at 6 s)") != NULL);
    judge_free(j);
    /* exactly at the bound (1 %) fails < 1 %; the window default is 10 s */
    j = judge_new();
    c = jl("{\"expr\": \"error_rate\", \"target\": \"< 1%\", \"acceptable\": \"<= 2%\", "
           "\"abort_on_fail\": true}");
    judge_add(j, "s", c, err, sizeof err);
    json_decref(c);
    int aborted_at = -1;
    for (int i = 0; i < 20 && aborted_at < 0; i++) {
        json_t *l = line(i, 100, i < 5 ? 2 : 3); /* 2 % is acceptable; 3 % fails */
        if (judge_second(j, l))
            aborted_at = i;
        json_decref(l);
    }
    CHECK_INT(aborted_at, 14);
    judge_free(j);
    /* lines of the baseline window (t_run < 0) are not judged, however bad they look */
    j = judge_new();
    c = jl("{\"expr\": \"error_rate < 1%\", \"abort_on_fail\": true, \"window\": \"1s\"}");
    judge_add(j, NULL, c, err, sizeof err);
    json_decref(c);
    json_t *l = line(-1, 100, 100);
    CHECK_INT(judge_second(j, l), 0);
    json_decref(l);
    l = line(0, 100, 100);
    CHECK_INT(judge_second(j, l), 1);
    json_decref(l);
    judge_free(j);
}

static void recovery(void)
{
    /* 10 s at 5 VUs (p95 100 ms), ramp to 50 for 10 s (p95 2 s, 10 % errors), back to 5:
     * p95 stays high 7 s after the peak, then returns: recovery 7 s */
    struct analysis_point p[60];
    int n = 0;
    for (int t = 0; t < 10; t++)
        p[n++] = (struct analysis_point){t, 5, 50, 0, 100 + (t % 3)};
    for (int t = 10; t < 20; t++)
        p[n++] = (struct analysis_point){t, 50, 100, 10, 2000};
    for (int t = 20; t < 45; t++)
        p[n++] = (struct analysis_point){t, 5, 50, 0, t < 27 ? 900 : 110};
    struct analysis_recovery r;
    CHECK_INT(analysis_recovery(p, n, 0.2, 10, &r), 0);
    CHECK_NEAR(r.baseline_p95_ms, 101, 1e-9);
    CHECK_NEAR(r.peak_end_t, 20, 0);
    CHECK_NEAR(r.recovery_s, 7, 0);
    CHECK_NEAR(r.peak_vus, 50, 0);
    /* one relapse inside the 10 s hold restarts the count */
    p[30].p95_ms = 500;
    CHECK_INT(analysis_recovery(p, n, 0.2, 10, &r), 0);
    CHECK_NEAR(r.recovery_s, 11, 0);
    /* never back within the data */
    for (int i = 20; i < n; i++)
        p[i].p95_ms = 300;
    CHECK_INT(analysis_recovery(p, n, 0.2, 10, &r), 0);
    CHECK(isinf(r.recovery_s));
    /* a constant load has no spike */
    for (int i = 0; i < n; i++)
        p[i].vus = 5;
    CHECK_INT(analysis_recovery(p, n, 0.2, 10, &r), -ENOENT);
}

static void growth(void)
{
    double t[400], v[400];
    struct analysis_growth g;
    /* a leak: 100 MB growing 10 MB per hour (with a little noise) */
    for (int i = 0; i < 400; i++) {
        t[i] = i * 9;
        v[i] = 100e6 + 10e6 * t[i] / 3600 + ((i * 7919) % 13 - 6) * 1e4;
    }
    CHECK_INT(analysis_growth(t, v, 400, 0, &g), 0);
    CHECK_NEAR(g.per_h, 10e6, 0.05e6);
    CHECK(g.r2 > 0.99);
    CHECK(g.growing);
    CHECK(g.pct_per_h > 8 && g.pct_per_h < 10);
    /* a sawtooth (GC): 100..160 MB every 60 s, no trend */
    for (int i = 0; i < 400; i++)
        v[i] = 100e6 + 60e6 * fmod(t[i], 60) / 60;
    CHECK_INT(analysis_growth(t, v, 400, 0, &g), 0);
    CHECK(g.r2 < 0.1);
    CHECK(!g.growing);
    /* flat */
    for (int i = 0; i < 400; i++)
        v[i] = 5e6;
    CHECK_INT(analysis_growth(t, v, 400, 0, &g), 0);
    CHECK(!g.growing);
    CHECK_INT(analysis_growth(t, v, 2, 0, &g), -ENOENT);
}

static void usl(void)
{
    /* known parameters: lambda 10/s, sigma 0.05, kappa 0.002 (N* = sqrt(0.95/0.002) = 21.8) */
    double n[12], x[12];
    int k = 0;
    for (int N = 1; N <= 64; N *= 2, k++) {
        n[k] = N;
        x[k] = 10.0 * N / (1 + 0.05 * (N - 1) + 0.002 * N * (N - 1));
    }
    struct analysis_usl u;
    CHECK_INT(analysis_usl(n, x, k, &u), 0);
    CHECK_NEAR(u.lambda, 10, 0.5);
    CHECK_NEAR(u.sigma, 0.05, 0.0025);
    CHECK_NEAR(u.kappa, 0.002, 0.0001);
    CHECK_NEAR(u.peak_n, sqrt(0.95 / 0.002), 0.05 * sqrt(0.95 / 0.002));
    CHECK(u.r2 > 0.999);
    /* with +-3 % multiplicative noise: still within 5 % on lambda, and the peak */
    for (int i = 0; i < k; i++)
        x[i] *= 1 + 0.03 * ((i % 3) - 1);
    CHECK_INT(analysis_usl(n, x, k, &u), 0);
    CHECK_NEAR(u.lambda, 10, 0.5);
    double px = 10.0 * 21.79 / (1 + 0.05 * 20.79 + 0.002 * 21.79 * 20.79);
    CHECK_NEAR(u.peak_x, px, 0.05 * px);
    /* linear scaling: sigma = kappa = 0, no peak */
    for (int i = 0; i < k; i++)
        x[i] = 3 * n[i];
    CHECK_INT(analysis_usl(n, x, k, &u), 0);
    CHECK_NEAR(u.lambda, 3, 1e-6);
    CHECK(isinf(u.peak_n));
    CHECK_INT(analysis_usl(n, x, 2, &u), -ENOENT);
}

static void parallelism(void)
{
    /* a service with 16 slots, 250 ms per request: X = min(N, 16) / 0.25 */
    double n[] = {1, 2, 4, 8, 16, 32, 64}, x[7], r[7];
    for (int i = 0; i < 7; i++) {
        x[i] = fmin(n[i], 16) / 0.25;
        r[i] = n[i] / x[i];
    }
    struct analysis_parallelism p;
    CHECK_INT(analysis_parallelism(n, x, r, 7, &p), 0);
    CHECK_NEAR(p.slots, 16, 1e-9);
    CHECK_NEAR(p.knee_n, 32, 0);
    CHECK_NEAR(p.plateau_x, 64, 1e-9);
}

static void analysis_on_doc(void)
{
    /* a ladder flat from 16 VUs, CPU at 18 %; memory 100 MB + 1 MB per VU; workload 30
     * users at 2/min within 2GB */
    char buf[8192];
    int off = snprintf(buf, sizeof buf,
                       "{\"workload\": {\"users\": 30, \"rate\": \"2/min\", \"memory_limit\": "
                       "\"2GB\"}, \"scenarios\": [{\"name\": \"ladder\", \"executor\": "
                       "\"ladder\", \"start_s\": 0, \"duration_s\": 7, \"levels\": [");
    double ns[] = {1, 2, 4, 8, 16, 32, 64};
    for (int i = 0; i < 7; i++) {
        double x = fmin(ns[i], 16) / 0.25, r = ns[i] / x;
        off += snprintf(buf + off, sizeof buf - (size_t)off,
                        "%s{\"vus\": %g, \"rps\": %g, \"success_rate\": %g, \"latency_ms\": "
                        "{\"avg\": %g}}", i ? "," : "", ns[i], x, ns[i] > 40 ? 0.9 : 1.0,
                        r * 1000);
    }
    off += snprintf(buf + off, sizeof buf - (size_t)off, "], \"series\": [");
    for (int i = 0; i < 7; i++)
        off += snprintf(buf + off, sizeof buf - (size_t)off,
                        "%s{\"t\": %d, \"vus\": %g, \"requests\": 10, \"failed\": 0, "
                        "\"p95_ms\": 5}", i ? "," : "", i, ns[i]);
    off += snprintf(buf + off, sizeof buf - (size_t)off,
                    "]}], \"watch\": {\"metrics\": [{\"name\": \"process.cpu_pct\", \"max\": 18,"
                    " \"series\": [[0, 5], [3, 18], [6, 12]]}, {\"name\": \"process.rss_bytes\","
                    " \"series\": [");
    for (int i = 0; i < 7; i++)
        off += snprintf(buf + off, sizeof buf - (size_t)off, "%s[%d, %g]", i ? "," : "", i + 1,
                        100e6 + 1e6 * ns[i]);
    snprintf(buf + off, sizeof buf - (size_t)off, "]}]}}");
    json_t *doc = jl(buf);
    CHECK_INT(analysis_doc(doc), 0);
    const json_t *an = json_object_get(doc, "analysis");
    const json_t *u = json_array_get(json_object_get(an, "usl"), 0);
    CHECK_NEAR(json_number_value(json_object_get(u, "parallelism")), 16, 1e-6);
    CHECK_NEAR(json_number_value(json_object_get(u, "knee_vus")), 32, 0);
    const json_t *pj = json_object_get(an, "projection");
    CHECK_NEAR(json_number_value(json_object_get(pj, "bytes_per_user")), 1e6, 1);
    CHECK_NEAR(json_number_value(json_object_get(pj, "users_under_limit")), 1900, 1);
    const json_t *rd = json_object_get(an, "readiness");
    CHECK_INT(json_array_size(rd), 3);
    const json_t *r0 = json_array_get(rd, 0);
    CHECK_NEAR(json_number_value(json_object_get(r0, "measured")), 32, 0);
    CHECK_NEAR(json_number_value(json_object_get(r0, "headroom_pct")), 100.0 * 2 / 30, 0.01);
    CHECK_STR(json_string_value(json_object_get(r0, "verdict")), "ready");
    const json_t *r1 = json_array_get(rd, 1);
    CHECK_NEAR(json_number_value(json_object_get(r1, "required")), 2.0 / 60, 1e-6);
    const json_t *bn = json_object_get(an, "bottleneck");
    int found_flat = 0, found_cpu = 0, found_limit = 0;
    size_t i;
    const json_t *f;
    json_array_foreach(bn, i, f) {
        const char *text = json_string_value(json_object_get(f, "text"));
        found_flat |= strstr(text, "throughput flat from 16 VUs at 64 req/s while "
                                   "process.cpu_pct peaked at 18 %, process.rss_bytes peaked "
                                   "at ") != NULL;
        found_cpu |= strstr(text, "process.cpu_pct peaked at 18 %: not the limit") != NULL;
        found_limit |= strstr(text, "concurrency limit: about 16 slots") != NULL;
    }
    CHECK(found_flat && found_cpu && found_limit);
    if (!(found_flat && found_cpu && found_limit)) {
        char *s = json_dumps(bn, 0);
        printf("    bottleneck: %s\n", s);
        free(s);
    }
    /* memory: from the series, growing steeply over 7 s */
    const json_t *m = json_object_get(an, "memory");
    CHECK_STR(json_string_value(json_object_get(m, "metric")), "process.rss_bytes");
    json_decref(doc);
    /* the watch's own growth (% of the baseline), when there, is the figure: not refitted */
    doc = jl("{\"scenarios\": [], \"watch\": {\"metrics\": [{\"name\": \"process.rss_bytes\", "
             "\"growth\": {\"per_h\": 3.6e6, \"pct_per_h\": 3.6, \"r2\": 0.9}, \"series\": "
             "[[0, 1e8], [1, 2e8], [2, 3e8], [3, 4e8]]}]}}");
    CHECK_INT(analysis_doc(doc), 0);
    m = json_object_get(json_object_get(doc, "analysis"), "memory");
    CHECK_NEAR(json_number_value(json_object_get(m, "pct_per_h")), 3.6, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(m, "per_h")), 3.6e6, 1e-3);
    CHECK_STR(json_string_value(json_object_get(m, "verdict")), "growing");
    json_decref(doc);
    /* nothing applies: no analysis object */
    doc = jl("{\"scenarios\": [{\"name\": \"q\", \"series\": []}]}");
    CHECK_INT(analysis_doc(doc), 0);
    CHECK(json_object_get(doc, "analysis") == NULL);
    json_decref(doc);
}

static void table(void)
{
    json_t *doc = jl("{\"interrupted\": true, \"criteria\": [{\"scenario\": \"peak\", \"name\": "
                     "\"x\", \"expr\": \"p95(generation)\", \"target\": \"< 120s\", "
                     "\"acceptable\": \"< 150s\", \"value\": 175, \"unit\": \"s\", \"tier\": "
                     "\"failure\", \"margin\": 25}]}");
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    judge_print(f, doc);
    fclose(f);
    CHECK(strstr(out, "FAIL failure    p95(generation) < 120s, acceptable < 150s") != NULL);
    CHECK(strstr(out, "175 s  [peak]  missed by 25 s") != NULL);
    CHECK(strstr(out, "verdict: FAIL: 1 criterion, 1 failed, 0 acceptable, judged on an "
                      "interrupted run") != NULL);
    free(out);
    json_decref(doc);
}

/* capacity: each level judged on its own data; criteria judged on the level found */
static void capacity(void)
{
    json_t *doc = jl("{\"duration_s\": 6, \"scenarios\": [{\"name\": \"search\", \"executor\": "
                     "\"capacity\", \"requests\": 300, \"failed\": 100, \"levels\": ["
                     "{\"vus\": 1, \"requests\": 50, \"failed\": 0, \"rps\": 50, \"duration_s\": 1, "
                     "\"latency_ms\": {\"p95\": 20}, \"status\": {\"200\": 50}},"
                     "{\"vus\": 5, \"requests\": 100, \"failed\": 0, \"rps\": 100, \"duration_s\": 1,"
                     " \"latency_ms\": {\"p95\": 90}, \"status\": {\"200\": 100}},"
                     "{\"vus\": 9, \"requests\": 100, \"failed\": 50, \"rps\": 100, \"duration_s\": 1,"
                     " \"latency_ms\": {\"p95\": 20}, \"status\": {\"200\": 50, \"503\": 50}},"
                     "{\"vus\": 7, \"requests\": 100, \"failed\": 0, \"rps\": 100, \"duration_s\": 1,"
                     " \"latency_ms\": {\"p95\": 150}, \"status\": {\"200\": 100}}]}]}");
    judge *j = judge_new();
    char err[200];
    json_t *c = json_string("status(503) == 0");
    CHECK_INT(judge_add(j, "search", c, err, sizeof err), 0);
    json_decref(c);
    c = jl("{\"expr\": \"p95(latency)\", \"target\": \"< 100ms\", \"acceptable\": \"< 120ms\"}");
    CHECK_INT(judge_add(j, NULL, c, err, sizeof err), 0); /* run-wide: steers too */
    json_decref(c);
    c = json_string("max(watch.q) < 1"); /* not answerable per level: not judged there */
    CHECK_INT(judge_add(j, "other", c, err, sizeof err), 0);
    json_decref(c);
    const json_t *lv = json_object_get(json_array_get(json_object_get(doc, "scenarios"), 0),
                                       "levels");
    CHECK_INT(judge_level(j, "search", json_array_get(lv, 0)), 1);
    CHECK_INT(judge_level(j, "search", json_array_get(lv, 1)), 1);
    CHECK_INT(judge_level(j, "search", json_array_get(lv, 2)), 0); /* 503s */
    CHECK_INT(judge_level(j, "search", json_array_get(lv, 3)), 0); /* p95 150 ms */
    CHECK_INT(judge_doc(j, doc), 1); /* the watch criterion has no data */
    const json_t *cap = json_array_get(json_object_get(json_object_get(doc, "analysis"),
                                                       "capacity"), 0);
    CHECK_NEAR(json_number_value(json_object_get(cap, "vus")), 5, 0);
    CHECK_NEAR(json_number_value(json_object_get(cap, "first_failing_vus")), 7, 0);
    CHECK_INT(json_array_size(json_object_get(cap, "levels")), 4);
    /* judged on the 5-VU level: no 503, p95 90 ms */
    CHECK_STR(tier_at(doc, 0), "target");
    CHECK_STR(tier_at(doc, 1), "target");
    CHECK_NEAR(json_number_value(json_object_get(json_array_get(json_object_get(doc, "criteria"),
                                                                1), "value")), 90, 1e-9);
    CHECK_STR(tier_at(doc, 2), "failure");
    judge_free(j);
    json_decref(doc);
}

/* --time-scale 0.01: a 1.312 s p95 stands for 131.2 s of the real plan */
static void time_scale(void)
{
    json_t *doc = jl("{\"scenarios\": [{\"name\": \"s\", \"requests\": 10, \"failed\": 0, "
                     "\"latency_ms\": {\"p95\": 1312}}]}");
    judge *j = judge_new();
    char err[100];
    json_t *c = jl("{\"expr\": \"p95(latency)\", \"target\": \"< 120s\", \"acceptable\": "
                   "\"< 150s\"}");
    judge_add(j, NULL, c, err, sizeof err);
    json_decref(c);
    c = json_string("requests == 10"); /* not a time: not scaled */
    judge_add(j, NULL, c, err, sizeof err);
    json_decref(c);
    judge_set_time_scale(j, 0.01);
    judge_set_time_scale(j, -1); /* ignored */
    CHECK_INT(judge_doc(j, doc), 0);
    const json_t *c0 = json_array_get(json_object_get(doc, "criteria"), 0);
    CHECK_STR(tier_at(doc, 0), "acceptable");
    CHECK_NEAR(json_number_value(json_object_get(c0, "value")), 131.2, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(c0, "time_scale")), 0.01, 1e-12);
    CHECK_STR(tier_at(doc, 1), "target");
    CHECK(json_object_get(json_array_get(json_object_get(doc, "criteria"), 1), "time_scale") ==
          NULL);
    judge_free(j);
    json_decref(doc);
}

/* The scenario's recovery_settings (the plan's recovery: {tolerance, hold}) reach the
 * analysis: a looser tolerance and a shorter hold give an earlier recovery. */
static void recovery_settings(void)
{
    char buf[8192];
    for (int pass = 0; pass < 2; pass++) {
        int off = snprintf(buf, sizeof buf,
                           "{\"scenarios\": [{\"name\": \"spike\", \"executor\": "
                           "\"ramping-vus\", \"start_s\": 0, %s\"series\": [",
                           pass ? "\"recovery_settings\": {\"tolerance_pct\": 100, "
                                  "\"hold_s\": 3}, "
                                : "");
        for (int t = 0; t < 40; t++) {
            /* 5 VUs at 100 ms; 50 VUs at 2 s; back to 5: 180 ms for 6 s, then 100 ms */
            int vus = t >= 10 && t < 20 ? 50 : 5;
            double p95 = t < 10 ? 100 : t < 20 ? 2000 : t < 26 ? 180 : 100;
            off += snprintf(buf + off, sizeof buf - (size_t)off,
                            "%s{\"t\": %d, \"t_run\": %d, \"vus\": %d, \"requests\": 50, "
                            "\"failed\": 0, \"p95_ms\": %g}",
                            t ? "," : "", t, t, vus, p95);
        }
        snprintf(buf + off, sizeof buf - (size_t)off, "]}]}");
        json_t *doc = jl(buf);
        CHECK_INT(analysis_doc(doc), 0);
        const json_t *r =
            json_array_get(json_object_get(json_object_get(doc, "analysis"), "recovery"), 0);
        /* default 20 %: 180 ms is not back, recovery at 26 s (6 s); 100 %: back at once */
        CHECK_NEAR(json_number_value(json_object_get(r, "recovery_s")), pass ? 0 : 6, 0);
        CHECK_NEAR(json_number_value(json_object_get(r, "tolerance_pct")), pass ? 100 : 20, 0);
        CHECK_INT(json_integer_value(json_object_get(r, "hold_s")), pass ? 3 : 10);
        json_decref(doc);
    }
}

/* A pool gauge at its size names the limit (workers_busy at workers_total); one far from
 * it (active_sessions of max_sessions) is listed as not the limit. */
static void bottleneck_pool(void)
{
    char buf[8192];
    int off = snprintf(buf, sizeof buf,
                       "{\"scenarios\": [{\"name\": \"ladder\", \"executor\": "
                       "\"ladder\", \"start_s\": 0, \"duration_s\": 7, \"levels\": [");
    double ns[] = {1, 2, 4, 8, 16, 32, 64};
    for (int i = 0; i < 7; i++) {
        double x = fmin(ns[i], 4) / 0.25, r = ns[i] / x;
        off += snprintf(buf + off, sizeof buf - (size_t)off,
                        "%s{\"vus\": %g, \"rps\": %g, \"success_rate\": 1, \"latency_ms\": "
                        "{\"avg\": %g}}", i ? "," : "", ns[i], x, r * 1000);
    }
    off += snprintf(buf + off, sizeof buf - (size_t)off,
                    "]}], \"watch\": {\"metrics\": [{\"name\": \"workers_busy\", "
                    "\"series\": [");
    for (int i = 0; i < 7; i++)
        off += snprintf(buf + off, sizeof buf - (size_t)off, "%s[%d, %g]", i ? "," : "", i,
                        fmin(ns[i], 4));
    snprintf(buf + off, sizeof buf - (size_t)off,
             "]}, {\"name\": \"workers_total\", \"series\": [[0, 4], [6, 4]]}, "
             "{\"name\": \"active_sessions\", \"series\": [[0, 1], [6, 64]]}, "
             "{\"name\": \"max_sessions\", \"series\": [[0, 1000], [6, 1000]]}]}}");
    json_t *doc = jl(buf);
    CHECK_INT(analysis_doc(doc), 0);
    const json_t *bn = json_object_get(json_object_get(doc, "analysis"), "bottleneck"), *f;
    int full = 0, sessions = 0, limit = 0;
    size_t i;
    json_array_foreach(bn, i, f) {
        const char *kind = json_string_value(json_object_get(f, "kind"));
        const char *text = json_string_value(json_object_get(f, "text"));
        full |= !strcmp(kind, "pool_full") &&
                strstr(text, "workers_busy peaked at 4 of workers_total 4: the pool was full");
        sessions |= !strcmp(kind, "not_limit") &&
                    strstr(text, "active_sessions peaked at 64 of max_sessions 1000");
        limit |= !strcmp(kind, "concurrency_limit") &&
                 json_number_value(json_object_get(f, "slots")) == 4 &&
                 strstr(text, "workers_busy reached workers_total (4)");
    }
    CHECK(full && sessions && limit);
    if (!(full && sessions && limit)) {
        char *t = json_dumps(bn, 0);
        printf("    bottleneck: %s\n", t);
        free(t);
    }
    json_decref(doc);
}

int main(void)
{
    RUN(verdicts);
    RUN(missing_and_interrupted);
    RUN(live_abort);
    RUN(recovery);
    RUN(recovery_settings);
    RUN(growth);
    RUN(usl);
    RUN(parallelism);
    RUN(analysis_on_doc);
    RUN(bottleneck_pool);
    RUN(table);
    RUN(capacity);
    RUN(time_scale);
    UNIT_EXIT();
}
