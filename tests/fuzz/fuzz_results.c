/* fuzz_results.c — libFuzzer target: an arbitrary results document (as `surge compare`
 * and `surge report` read saved files) through compare_check, compare_print, the
 * analyses, judge_doc with criteria of every kind, judge_level and judge_print. */
#include "judge/analysis.h"
#include "judge/compare.h"
#include "judge/judge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static judge *jd;
static FILE *null_out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!jd) {
        const char *crit[] = {"error_rate < 1%", "p95(latency) < 1s", "max(watch.q) < 5",
                              "memory_growth < 5%/h", "recovery < 2m", "uptime >= 99%",
                              "status(503) == 0", "errors(timeout) == 0", "rps >= 1/min",
                              "iterations > 0", "p99(watch.process.rss_bytes) < 1GB",
                              "avg(x) in 1ms..2s"};
        char err[128];
        jd = judge_new();
        for (size_t i = 0; i < sizeof crit / sizeof crit[0]; i++) {
            json_t *c = json_string(crit[i]);
            if (judge_add(jd, i % 2 ? "s" : NULL, c, err, sizeof err))
                abort();
            json_decref(c);
        }
        null_out = fopen("/dev/null", "w");
    }
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!doc)
        return 0;
    char err[128];
    compare_check(doc, err, sizeof err);
    json_t *other = json_deep_copy(doc);
    if (json_is_object(doc)) {
        compare_print(null_out, doc, other, 0.1);
        int rc = judge_doc(jd, doc);
        if (rc != 0 && rc != 1 && rc != -12)
            abort();
        judge_print(null_out, doc);
        const json_t *lv = json_object_get(json_array_get(json_object_get(other, "scenarios"), 0),
                                           "levels");
        if (json_is_object(json_array_get(lv, 0)))
            judge_level(jd, "s", json_array_get(lv, 0));
        analysis_doc(other);
    }
    json_decref(other);
    json_decref(doc);
    return 0;
}
