/* test_expr.c — the criteria language: units, tiers, boundaries, errors with columns and
 * "did you mean", and quantities read from a synthetic results document. */
#include "judge/expr.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "unit.h"

static const char *DOC =
    "{\"schema\": \"surge.results/2\", \"duration_s\": 10,"
    " \"scenarios\": ["
    "  {\"name\": \"peak\", \"start_s\": 0, \"duration_s\": 10, \"requests\": 100, \"failed\": 1,"
    "   \"success_rate\": 0.99, \"rps\": 10, \"dropped\": 2, \"iterations\": 50,"
    "   \"iterations_failed\": 1,"
    "   \"status\": {\"200\": 99, \"503\": 1}, \"errors\": {\"timeout\": 3},"
    "   \"latency_ms\": {\"min\": 5, \"avg\": 80000, \"stdev\": 3, \"p50\": 70000, \"p90\": 100000,"
    "                  \"p95\": 120000, \"p99\": 140000, \"p999\": 150000, \"max\": 160000},"
    "   \"iteration_ms\": {\"p95\": 200000},"
    "   \"steps\": [{\"name\": \"upload\", \"latency_ms\": {\"p95\": 30000}}],"
    "   \"transactions\": [{\"name\": \"generation\", \"latency_ms\": {\"p95\": 131200, \"avg\": 90000}}],"
    "   \"watch\": {\"process.rss_bytes\": {\"baseline\": 1000, \"min\": 900, \"avg\": 2000,"
    "               \"max\": 4000000, \"last\": 1000,"
    "               \"growth\": {\"per_h\": 10, \"pct_per_h\": 8, \"r2\": 0.9}}}},"
    "  {\"name\": \"warm\", \"start_s\": 10, \"duration_s\": 5, \"requests\": 100, \"failed\": 0,"
    "   \"rps\": 20, \"status\": {\"200\": 100}, \"errors\": {},"
    "   \"latency_ms\": {\"p95\": 10000, \"min\": 2}}"
    " ],"
    " \"watch\": {\"health\": {\"uptime_pct\": 99.95},"
    "   \"metrics\": [{\"name\": \"job_queue_size\", \"avg\": 2, \"max\": 4, \"min\": 0,"
    "                  \"series\": [[-1, 9], [0, 1], [1, 2], [2, 3], [3, 4]]},"
    "                 {\"name\": \"gpu_usage_percent\", \"avg\": 77.5, \"max\": 90},"
    "                 {\"name\": \"health.latency_ms\", \"avg\": 250, \"max\": 900},"
    "                 {\"name\": \"process.rss_bytes\", \"avg\": 2000, \"max\": 4000000,"
    "                  \"growth\": {\"pct_per_h\": 12, \"r2\": 0.2}}]},"
    " \"analysis\": {\"recovery\": [{\"scenario\": \"peak\", \"recovery_s\": 42},"
    "                               {\"scenario\": \"warm\", \"recovery_s\": null}]}"
    "}";

static json_t *doc(void)
{
    json_error_t je;
    json_t *d = json_loads(DOC, 0, &je);
    if (!d)
        printf("    bad test document: %s at %d\n", je.text, je.column);
    return d;
}

/* Compile src, evaluate on the document for scenario sc, and return the tier. */
static int tier_of(const char *src, const char *sc, double *value, double *margin)
{
    expr *e = NULL;
    char err[200];
    int col = 0;
    if (expr_compile(src, &e, err, sizeof err, &col)) {
        printf("    '%s': %s (col %d)\n", src, err, col);
        return -1;
    }
    json_t *d = doc();
    double v = NAN, m = NAN;
    char why[200];
    int rc = expr_value(e, d, sc, &v, why, sizeof why);
    int t = -2;
    if (rc == 0)
        t = (int)expr_judge(e, v, &m);
    else
        printf("    '%s': %s\n", src, why);
    if (value)
        *value = expr_display(e, v);
    if (margin)
        *margin = m;
    json_decref(d);
    expr_free(e);
    return t;
}

static void boundaries(void)
{
    double v, m;
    /* exactly 1 % is not < 1 % */
    CHECK_INT(tier_of("error_rate < 1%", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(v, 1, 1e-12);
    CHECK_NEAR(m, 0, 1e-12);
    CHECK_INT(tier_of("error_rate <= 1%", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("error_rate<=1%", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("success_rate == 99%", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("success_rate == 100%", "warm", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("success_rate == 100%", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(m, 1, 1e-9);
    /* in a..b is inclusive at both ends */
    CHECK_INT(tier_of("avg(latency) in 80s..90s", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("avg(latency) in 75s..80s", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("avg(latency) in 75s..79.999s", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(m, 0.001, 1e-9);
    CHECK_INT(tier_of("avg(latency) in 75..90s", "peak", NULL, NULL), EXPR_TARGET);
    expr *e = NULL; /* compound durations are for plans' durations, not criteria */
    CHECK_INT(expr_compile("avg(latency) in 1m15s..90s", &e, NULL, 0, NULL), -EINVAL);
    CHECK(e == NULL);
    CHECK_INT(tier_of("p95(generation) < 120s", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(v, 131.2, 1e-9);
    CHECK_NEAR(m, 11.2, 1e-9);
    CHECK_INT(tier_of("p95(generation) < 132000ms", "peak", &v, NULL), EXPR_TARGET);
    CHECK_NEAR(v, 131200, 1e-6); /* shown in the unit written */
    CHECK_INT(tier_of("p95(latency) <= 2m", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("p95(latency) < 2m", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(m, 0, 1e-12);
    CHECK_INT(tier_of("p95(upload) == 30s", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("p95(iteration) > 3m", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("p95(peak) == 120s", NULL, NULL, NULL), EXPR_TARGET);
}

static void counts_and_rates(void)
{
    double v, m;
    CHECK_INT(tier_of("status(503) == 0", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(m, 1, 0);
    CHECK_INT(tier_of("status(503) == 0", "warm", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("status(200) == 199", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("errors(timeout) == 3", NULL, NULL, NULL), EXPR_TARGET);
    /* a class not seen in the run counts 0 (WebSocket classes are known names) */
    CHECK_INT(tier_of("errors(ws_protocol) == 0", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("errors(ws_closed) < 1", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("dropped == 0", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(m, 2, 0);
    CHECK_INT(tier_of("requests >= 200", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("failed != 0", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("iterations == 50", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("iterations_failed > 0", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("rps >= 10", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("rps >= 600/min", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("rps > 600/min", "peak", NULL, NULL), EXPR_FAILURE);
    /* run-wide: 200 requests over the run's 10 s */
    CHECK_INT(tier_of("rps == 20/s", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("error_rate == 0.5%", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("uptime >= 99.9%", NULL, &v, NULL), EXPR_TARGET);
    CHECK_NEAR(v, 99.95, 1e-9);
    CHECK_INT(tier_of("recovery < 1m", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("recovery < 2m", "warm", &v, &m), EXPR_FAILURE); /* never */
    CHECK(isinf(v));
    CHECK_INT(tier_of("recovery < 2m", NULL, NULL, NULL), EXPR_FAILURE);
    /* per-scenario growth 8 %/h with r2 0.9: growing; run-wide r2 0.2: a sawtooth, 0 */
    CHECK_INT(tier_of("memory_growth < 5%/h", "peak", &v, &m), EXPR_FAILURE);
    CHECK_NEAR(v, 8, 1e-9);
    CHECK_NEAR(m, 3, 1e-9);
    CHECK_INT(tier_of("memory_growth < 5%/h", NULL, &v, NULL), EXPR_TARGET);
    CHECK_NEAR(v, 0, 0);
}

static void watch_metrics(void)
{
    double v;
    CHECK_INT(tier_of("max(watch.job_queue_size) < 5", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("max(watch.job_queue_size) < 4", NULL, NULL, NULL), EXPR_FAILURE);
    CHECK_INT(tier_of("avg(watch.gpu_usage_percent) in 70..85", NULL, &v, NULL), EXPR_TARGET);
    CHECK_NEAR(v, 77.5, 1e-9);
    CHECK_INT(tier_of("avg(watch.gpu_usage_percent) in 70%..85%", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("max(watch.process.rss_bytes) < 4MB", NULL, NULL, NULL), EXPR_FAILURE);
    CHECK_INT(tier_of("max(watch.process.rss_bytes) <= 4MB", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("max(watch.process.rss_bytes) < 4MiB", "peak", NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("avg(watch.health.latency_ms) < 300ms", NULL, &v, NULL), EXPR_TARGET);
    CHECK_NEAR(v, 250, 1e-9);
    /* percentile over the series, baseline (t < 0) excluded: values 1 2 3 4 */
    CHECK_INT(tier_of("p50(watch.job_queue_size) == 2", NULL, NULL, NULL), EXPR_TARGET);
    CHECK_INT(tier_of("p99(watch.job_queue_size) == 4", NULL, NULL, NULL), EXPR_TARGET);
}

static void tiers(void)
{
    expr *e = NULL;
    char err[200] = "";
    int which = -1, col = -1;
    CHECK_INT(expr_compile_tiers("p95(generation)", "< 120s", "< 150s", &e, err, sizeof err,
                                 &which, &col), 0);
    if (!e)
        return;
    double m = -1;
    CHECK_INT(expr_judge(e, 119.999, &m), EXPR_TARGET);
    CHECK_INT(expr_judge(e, 120, &m), EXPR_ACCEPTABLE);
    CHECK_INT(expr_judge(e, 149.9, &m), EXPR_ACCEPTABLE);
    CHECK_INT(expr_judge(e, 150, &m), EXPR_FAILURE);
    CHECK_NEAR(m, 0, 1e-12);
    CHECK_INT(expr_judge(e, 175, &m), EXPR_FAILURE);
    CHECK_NEAR(m, 25, 1e-9); /* missed the acceptable bound by 25 s */
    CHECK_STR(expr_quantity(e), "p95(generation)");
    CHECK_STR(expr_target(e), "< 120s");
    CHECK_STR(expr_acceptable(e), "< 150s");
    CHECK_STR(expr_unit(e), "s");
    CHECK_INT(expr_meets(e, 130, 0), 0);
    CHECK_INT(expr_meets(e, 130, 1), 1);
    expr_free(e);
    e = NULL;
    /* the error names which text and where */
    CHECK_INT(expr_compile_tiers("p95(generation)", "< 120s", "< 15%", &e, err, sizeof err,
                                 &which, &col), -EINVAL);
    CHECK_INT(which, 2);
    CHECK_INT(col, 3);
    CHECK(strstr(err, "a time") != NULL);
    CHECK(e == NULL);
    CHECK_INT(expr_compile_tiers("p95(x) < 3s", "< 120s", NULL, &e, err, sizeof err, &which,
                                 &col), -EINVAL);
    CHECK_INT(which, 0);
    CHECK_INT(col, 8);
    CHECK_INT(expr_compile_tiers("error_rate", "in 1%..", NULL, &e, err, sizeof err, &which,
                                 &col), -EINVAL);
    CHECK_INT(which, 1);
    /* a plain expression is a target with no acceptable band */
    CHECK_INT(expr_compile("error_rate < 1%", &e, err, sizeof err, &col), 0);
    if (e) {
        CHECK(expr_acceptable(e) == NULL);
        CHECK_INT(expr_judge(e, 0.02, &m), EXPR_FAILURE);
        CHECK_NEAR(m, 1, 1e-9); /* one percentage point */
        CHECK_STR(expr_unit(e), "%");
        expr_free(e);
    }
}

struct ecase {
    const char *src;
    int col;
    const char *msg;
};

static int compile_plain(const char *src, expr **out, char *err, int errlen, int *col)
{
    return expr_compile(src, out, err, errlen, col);
}

static void errors(void)
{
    static const struct ecase cases[] = {
        {"p95(generation) < 5%", 19, "is a time"},
        {"p95(generation) < 120", 19, "needs a unit"},
        {"error_rate < 1", 14, "needs a unit"},
        {"error_rate < 1s", 14, "not a time figure"},
        {"requests > 5%", 12, "is a count"},
        {"memory_growth < 5%", 17, "a growth"},
        {"rps > 5MB", 7, "not a size"},
        {"error_rat < 1%", 1, "did you mean 'error_rate'"},
        {"p59(latency) < 1s", 1, "did you mean 'p50'"},
        {"perc95(latency) < 1s", 1, "unknown function"},
        {"p95 < 1s", 1, "needs an argument"},
        {"p95() < 1s", 5, "needs an argument"},
        {"p95(latency < 1s", 4, "never closed"},
        {"errors(timout) == 0", 8, "did you mean 'timeout'"},
        {"status(999) == 0", 8, "status code"},
        {"status(abc) == 0", 8, "status code"},
        {"last(latency) < 1s", 1, "watched metric"},
        {"stdev(watch.x) < 1", 1, "does not apply"},
        {"error_rate = 1%", 12, "write '=='"},
        {"error_rate 1%", 12, "expected an operator"},
        {"error_rate < %", 14, "expected a number"},
        {"error_rate < 1% x", 17, "unexpected"},
        {"error_rate < 1parsecs", 15, "unknown unit"},
        {"p95(latency) in 2s..1s", 17, "empty range"},
        {"p95(latency) in 1s.2s", 19, "expected '..'"},
        {"", 1, "expected a quantity"},
        {"max(watch.x_bytes) < 5s", 22, "is a size"},
        {"max(watch.queue) < 5s", 20, "unknown unit (a bare number)"},
        {"avg(watch.) < 1", 5, "metric name"},
    };
    CHECK_COMPILE_ERRORS(cases, expr, compile_plain);
}

static void missing_data(void)
{
    expr *e = NULL;
    char err[200], why[200];
    int col;
    json_t *d = doc();
    double v;
    CHECK_INT(expr_compile("p95(generaton) < 1s", &e, err, sizeof err, &col), 0);
    CHECK_INT(expr_value(e, d, "peak", &v, why, sizeof why), -ENOENT);
    CHECK(strstr(why, "did you mean 'generation'") != NULL);
    CHECK_INT(expr_value(e, d, "nope", &v, why, sizeof why), -ENOENT);
    CHECK(strstr(why, "no scenario 'nope'") != NULL);
    expr_free(e);
    CHECK_INT(expr_compile("max(watch.job_queue_sise) < 5", &e, err, sizeof err, &col), 0);
    CHECK_INT(expr_value(e, d, NULL, &v, why, sizeof why), -ENOENT);
    CHECK(strstr(why, "did you mean 'job_queue_size'") != NULL);
    expr_free(e);
    CHECK_INT(expr_compile("iterations > 1", &e, err, sizeof err, &col), 0);
    CHECK_INT(expr_value(e, d, "warm", &v, why, sizeof why), -ENOENT);
    expr_free(e);
    json_decref(d);
}

static void live_points(void)
{
    json_t *line = json_loads("{\"t_run\": 3, \"scenarios\": {\"a\": {\"requests\": 50, "
                              "\"failed\": 5, \"p95_ms\": 900, \"dropped\": 1},"
                              " \"b\": {\"requests\": 50, \"failed\": 0, \"p95_ms\": 1200}},"
                              " \"watch\": {\"job_queue_size\": 7}}", 0, NULL);
    expr *e = NULL;
    char err[100];
    int col;
    double v;
    CHECK_INT(expr_compile("error_rate < 1%", &e, err, sizeof err, &col), 0);
    CHECK_INT(expr_value_point(e, line, "a", &v), 0);
    CHECK_NEAR(v, 0.1, 1e-12);
    CHECK_INT(expr_value_point(e, line, NULL, &v), 0);
    CHECK_NEAR(v, 0.05, 1e-12);
    CHECK_INT(expr_value_point(e, line, "zz", &v), -ENOENT);
    expr_free(e);
    CHECK_INT(expr_compile("p95(latency) < 1s", &e, err, sizeof err, &col), 0);
    CHECK_INT(expr_value_point(e, line, NULL, &v), 0);
    CHECK_NEAR(v, 1.2, 1e-12);
    expr_free(e);
    CHECK_INT(expr_compile("max(watch.job_queue_size) < 5", &e, err, sizeof err, &col), 0);
    CHECK_INT(expr_value_point(e, line, NULL, &v), 0);
    CHECK_NEAR(v, 7, 0);
    expr_free(e);
    CHECK_INT(expr_compile("recovery < 1m", &e, err, sizeof err, &col), 0);
    CHECK_INT(expr_is_live(e), 0);
    expr_free(e);
    json_decref(line);
}

int main(void)
{
    RUN(boundaries);
    RUN(counts_and_rates);
    RUN(watch_metrics);
    RUN(tiers);
    RUN(errors);
    RUN(missing_data);
    RUN(live_points);
    UNIT_EXIT();
}
