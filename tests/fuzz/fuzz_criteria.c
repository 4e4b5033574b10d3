/* fuzz_criteria.c — libFuzzer target: expr_compile on arbitrary text (and, split at the
 * first two '|', expr_compile_tiers), then evaluation on a fixed results document and a
 * series line, checking the tier and margin contracts. */
#include "judge/expr.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *doc, *line;

static void exercise(expr *e)
{
    double v = 0, m = -1;
    char why[96];
    const char *scs[] = {NULL, "peak", "none"};
    for (int i = 0; i < 3; i++) {
        int rc = expr_value(e, doc, scs[i], &v, why, sizeof why);
        if (rc != 0 && rc != -ENOENT)
            abort();
        if (rc == -ENOENT && (!why[0] || strlen(why) >= sizeof why))
            abort();
        if (rc == 0) {
            enum expr_tier t = expr_judge(e, v, &m);
            if (t != EXPR_TARGET && t != EXPR_ACCEPTABLE && t != EXPR_FAILURE)
                abort();
            if (t == EXPR_FAILURE && !(m >= 0) && !isnan(m))
                abort();
            if ((t == EXPR_TARGET) != expr_meets(e, v, 0))
                abort();
        }
        if (expr_value_point(e, line, scs[i], &v) == 0 && !expr_is_live(e))
            abort();
    }
    if (!expr_quantity(e) || !expr_target(e) || !expr_unit(e))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!doc) {
        doc = json_loads("{\"duration_s\": 10, \"scenarios\": [{\"name\": \"peak\", "
                         "\"requests\": 10, \"failed\": 1, \"status\": {\"503\": 1}, "
                         "\"errors\": {\"timeout\": 1}, \"latency_ms\": {\"p95\": 100}, "
                         "\"transactions\": [{\"name\": \"gen\", \"latency_ms\": {\"p95\": 5}}]}],"
                         " \"watch\": {\"metrics\": [{\"name\": \"q\", \"max\": 3, "
                         "\"series\": [[0, 1], [1, 3]]}]}}", 0, NULL);
        line = json_loads("{\"t_run\": 1, \"scenarios\": {\"peak\": {\"requests\": 3, "
                          "\"failed\": 1, \"p95_ms\": 7}}, \"watch\": {\"q\": 2}}", 0, NULL);
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    expr *e = NULL;
    char err[96];
    int col = -1, which = -1;
    int rc = expr_compile(s, &e, err, sizeof err, &col);
    if (rc == 0) {
        exercise(e);
        expr_free(e);
    } else if (rc != -EINVAL || col < 1 || (size_t)col > size + 1 || strlen(err) >= sizeof err) {
        abort();
    }
    /* "QUANTITY|TARGET|ACCEPTABLE" */
    char *bar = strchr(s, '|');
    if (bar) {
        *bar = '\0';
        char *acc = strchr(bar + 1, '|');
        if (acc)
            *acc++ = '\0';
        e = NULL;
        rc = expr_compile_tiers(s, bar + 1, acc, &e, err, sizeof err, &which, &col);
        if (rc == 0) {
            exercise(e);
            expr_free(e);
        } else if (rc != -EINVAL || which < 0 || which > 2 || col < 1) {
            abort();
        }
    }
    free(s);
    return 0;
}
