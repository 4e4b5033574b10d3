/* compare.c — surge compare: scenario, level and criteria figures of two runs side by side,
 * with the change and the regressions beyond a threshold. */
#include "judge/compare.h"

#include <errno.h>
#include <math.h>
#include <string.h>

enum better { HIGHER, LOWER, NEITHER };

/* A name for printing: "?" when absent or not a string. */
static const char *nz(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "?";
}

static double num(const json_t *o, const char *k, int *found)
{
    const json_t *v = json_object_get(o, k);
    if (found)
        *found = json_is_number(v);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

int compare_check(const json_t *doc, char *err, int errlen)
{
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    if (!json_is_object(doc)) {
        snprintf(err, (size_t)errlen, "not a JSON object");
        return -EINVAL;
    }
    if (!schema || strncmp(schema, "surge.results/", 14)) {
        snprintf(err, (size_t)errlen, "not a surge results document (schema '%s')",
                 schema ? schema : "missing");
        return -EINVAL;
    }
    if (!json_is_array(json_object_get(doc, "scenarios"))) {
        snprintf(err, (size_t)errlen, "no scenarios list");
        return -EINVAL;
    }
    return 0;
}

/* One row: a figure before and after; @return 1 when it is a regression. */
static int row(FILE *f, const char *indent, const char *label, double a, double b,
               enum better dir, double threshold, int is_rate)
{
    char ca[32], cb[32], ch[32] = "";
    snprintf(ca, sizeof ca, isnan(a) ? "-" : "%.6g", a);
    snprintf(cb, sizeof cb, isnan(b) ? "-" : "%.6g", b);
    int reg = 0;
    if (!isnan(a) && !isnan(b)) {
        if (is_rate) { /* error rate, in %: the change in percentage points */
            snprintf(ch, sizeof ch, "%+.3g pt", b - a);
            reg = b - a >= 0.1 && b > a * (1 + threshold);
        } else if (a != 0) {
            double c = (b - a) / fabs(a);
            snprintf(ch, sizeof ch, "%+.1f%%", c * 100);
            reg = (dir == LOWER && c > threshold) || (dir == HIGHER && c < -threshold);
        } else if (b != 0) {
            snprintf(ch, sizeof ch, "new");
            reg = dir == LOWER && b > 0;
        } else {
            snprintf(ch, sizeof ch, "=");
        }
    }
    fprintf(f, "%s%-14s %14s %14s %12s%s\n", indent, label, ca, cb, ch,
            reg ? "  REGRESSION" : "");
    return reg;
}

static double err_pct(const json_t *o)
{
    int f1, f2;
    double r = num(o, "requests", &f1), fl = num(o, "failed", &f2);
    if (!f1 || !f2)
        return NAN;
    return r > 0 ? fl / r * 100 : 0;
}

/* The figures shared by a scenario and a ladder level. */
static int figures(FILE *f, const char *indent, const json_t *a, const json_t *b, double th)
{
    int n = 0;
    const json_t *la = json_object_get(a, "latency_ms"), *lb = json_object_get(b, "latency_ms");
    fprintf(f, "%s%-14s %14s %14s %12s\n", indent, "", "before", "after", "change");
    n += row(f, indent, "requests", num(a, "requests", NULL), num(b, "requests", NULL), NEITHER,
             th, 0);
    n += row(f, indent, "errors %", err_pct(a), err_pct(b), LOWER, th, 1);
    n += row(f, indent, "rps", num(a, "rps", NULL), num(b, "rps", NULL), HIGHER, th, 0);
    n += row(f, indent, "p50 ms", num(la, "p50", NULL), num(lb, "p50", NULL), LOWER, th, 0);
    n += row(f, indent, "p95 ms", num(la, "p95", NULL), num(lb, "p95", NULL), LOWER, th, 0);
    n += row(f, indent, "p99 ms", num(la, "p99", NULL), num(lb, "p99", NULL), LOWER, th, 0);
    return n;
}

static const json_t *by_name(const json_t *arr, const char *key, const json_t *want)
{
    const json_t *o;
    size_t i;
    json_array_foreach(arr, i, o)
        if (json_equal(json_object_get(o, key), (json_t *)want))
            return o;
    return NULL;
}

static int tier_rank(const char *t)
{
    return !t ? -1 : !strcmp(t, "target") ? 0 : !strcmp(t, "acceptable") ? 1 : 2;
}

int compare_print(FILE *f, const json_t *before, const json_t *after, double threshold)
{
    int regs = 0;
    const json_t *sa = json_object_get(before, "scenarios"), *sb = json_object_get(after,
                                                                                  "scenarios");
    const json_t *s;
    size_t i, j;
    json_array_foreach(sa, i, s) {
        const json_t *name = json_object_get(s, "name");
        const json_t *t = by_name(sb, "name", name);
        if (!t) {
            fprintf(f, "scenario %s: only in BEFORE\n", nz(name));
            continue;
        }
        fprintf(f, "scenario %s\n", nz(name));
        regs += figures(f, "  ", s, t, threshold);
        const json_t *lv;
        json_array_foreach(json_object_get(s, "levels"), j, lv) {
            const json_t *vus = json_object_get(lv, "vus");
            const json_t *lt = by_name(json_object_get(t, "levels"), "vus", vus);
            if (!lt) {
                fprintf(f, "  level %g VUs: only in BEFORE\n", json_number_value(vus));
                continue;
            }
            fprintf(f, "  level %g VUs\n", json_number_value(vus));
            regs += figures(f, "    ", lv, lt, threshold);
        }
        json_array_foreach(json_object_get(t, "levels"), j, lv)
            if (!by_name(json_object_get(s, "levels"), "vus", json_object_get(lv, "vus")))
                fprintf(f, "  level %g VUs: only in AFTER\n",
                        json_number_value(json_object_get(lv, "vus")));
    }
    json_array_foreach(sb, i, s)
        if (!by_name(sa, "name", json_object_get(s, "name")))
            fprintf(f, "scenario %s: only in AFTER\n", nz(json_object_get(s, "name")));
    const json_t *ca = json_object_get(before, "criteria"), *cb = json_object_get(after,
                                                                                 "criteria");
    if (json_array_size(ca) || json_array_size(cb)) {
        fprintf(f, "criteria\n");
        const json_t *c, *d;
        json_array_foreach(cb, i, c) {
            const json_t *match = NULL;
            json_array_foreach(ca, j, d)
                if (json_equal(json_object_get(d, "name"), json_object_get(c, "name")) &&
                    json_equal(json_object_get(d, "scenario"), json_object_get(c, "scenario")))
                    match = d;
            const char *ta = json_string_value(json_object_get(match, "tier"));
            const char *tb = json_string_value(json_object_get(c, "tier"));
            const char *sc = json_string_value(json_object_get(c, "scenario"));
            int reg = match && tier_rank(tb) > tier_rank(ta);
            regs += reg;
            char label[200];
            const char *nm = json_string_value(json_object_get(c, "name"));
            snprintf(label, sizeof label, "%s%s%s%s", nm ? nm : "?", sc ? " [" : "", sc ? sc : "",
                     sc ? "]" : "");
            fprintf(f, "  %-44s %10s -> %-10s%s\n", label, ta ? ta : "(none)", tb ? tb : "?",
                    reg ? "  REGRESSION" : "");
        }
    }
    fprintf(f, "%d regression%s beyond %g%%\n", regs, regs == 1 ? "" : "s", threshold * 100);
    return regs;
}
