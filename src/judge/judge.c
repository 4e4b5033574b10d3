/* judge.c — criteria of a run judged into the results document, the live abort check and
 * the criteria table. */
#include "judge/judge.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge/analysis.h"
#include "judge/expr.h"
#include "util/units.h"

#define DEFAULT_WINDOW_S 10

struct jcrit {
    char *scenario;      /* NULL: the whole run */
    char *name;          /* as given, or the expression */
    expr *e;
    int abort_on_fail;
    int window_s;        /* live check: seconds in a row that must fail */
    int failing;         /* live check: failing seconds in a row so far */
};

struct judge {
    struct jcrit *c;
    int n, cap;
    double time_scale;   /* --time-scale: time quantities are judged as measured / this */
    char reason[256];
};

judge *judge_new(void)
{
    judge *j = calloc(1, sizeof(struct judge));
    if (j)
        j->time_scale = 1;
    return j;
}

void judge_set_time_scale(judge *j, double f)
{
    if (j && f > 0)
        j->time_scale = f;
}

/* A measured value in the plan's own time (see judge_set_time_scale). */
static double unscaled(const judge *j, const struct jcrit *c, double v)
{
    return j && expr_is_time(c->e) ? v / j->time_scale : v;
}

void judge_free(judge *j)
{
    if (!j)
        return;
    for (int i = 0; i < j->n; i++) {
        free(j->c[i].scenario);
        free(j->c[i].name);
        expr_free(j->c[i].e);
    }
    free(j->c);
    free(j);
}

int judge_count(const judge *j)
{
    return j ? j->n : 0;
}

static const char *str_of(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int judge_add(judge *j, const char *scenario, const json_t *spec, char *err, int errlen)
{
    struct jcrit c = {.window_s = DEFAULT_WINDOW_S};
    int col = 0, which = 0, rc;
    char e2[200];
    const char *name = NULL;
    if (json_is_string(spec)) {
        rc = expr_compile(json_string_value(spec), &c.e, e2, sizeof e2, &col);
    } else if (json_is_object(spec)) {
        const char *ex = str_of(spec, "expr"), *tg = str_of(spec, "target"),
                   *ac = str_of(spec, "acceptable"), *w = str_of(spec, "window");
        name = str_of(spec, "name");
        if (!ex) {
            snprintf(err, (size_t)errlen, "a criterion needs expr");
            return -EINVAL;
        }
        rc = tg ? expr_compile_tiers(ex, tg, ac, &c.e, e2, sizeof e2, &which, &col)
                : expr_compile(ex, &c.e, e2, sizeof e2, &col);
        c.abort_on_fail = json_is_true(json_object_get(spec, "abort_on_fail"));
        uint64_t us;
        if (rc == 0 && w) {
            if (units_parse_duration(w, 0, &us) || us < 1000000) {
                expr_free(c.e);
                snprintf(err, (size_t)errlen, "criterion window '%s': a duration of 1s or more", w);
                return -EINVAL;
            }
            c.window_s = (int)(us / 1000000);
        }
    } else {
        snprintf(err, (size_t)errlen, "a criterion is a string or a mapping");
        return -EINVAL;
    }
    if (rc) {
        if (rc == -EINVAL)
            snprintf(err, (size_t)errlen, "%s (column %d%s)", e2, col,
                     which == 1 ? " of target" : which == 2 ? " of acceptable" : "");
        return rc;
    }
    if (j->n == j->cap) {
        int nc = j->cap ? j->cap * 2 : 8;
        struct jcrit *nn = realloc(j->c, (size_t)nc * sizeof *nn);
        if (!nn)
            goto oom;
        j->c = nn, j->cap = nc;
    }
    if (scenario && !(c.scenario = strdup(scenario)))
        goto oom;
    if (name)
        c.name = strdup(name);
    else if (json_is_string(spec))
        c.name = strdup(json_string_value(spec));
    else {
        size_t l = strlen(expr_quantity(c.e)) + strlen(expr_target(c.e)) + 2;
        if ((c.name = malloc(l)))
            snprintf(c.name, l, "%s %s", expr_quantity(c.e), expr_target(c.e));
    }
    if (!c.name)
        goto oom;
    j->c[j->n++] = c;
    return 0;
oom:
    free(c.scenario);
    free(c.name);
    expr_free(c.e);
    snprintf(err, (size_t)errlen, "out of memory");
    return -ENOMEM;
}

int judge_add_list(judge *j, const char *scenario, const json_t *list, char *err, int errlen)
{
    size_t i;
    const json_t *it;
    if (list && !json_is_array(list)) {
        snprintf(err, (size_t)errlen, "criteria: a list is expected");
        return -EINVAL;
    }
    json_array_foreach(list, i, it) {
        int rc = judge_add(j, scenario, it, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

/* A number for the document, or null when not finite. */
static json_t *jnum(double v)
{
    if (!isfinite(v))
        return json_null();
    return json_real(round(v * 1000.0) / 1000.0);
}

static int capacity_doc(judge *j, json_t *doc);

/* The document criteria are judged on: a capacity scenario stands for the capacity it
 * found, its largest level that met every criterion (its failing levels are the search's
 * means, not its result); with none, a scenario of no requests and a failed result. A
 * shallow copy sharing everything else. NULL when out of memory. */
static json_t *capacity_view(const json_t *doc)
{
    json_t *view = json_copy((json_t *)doc), *scs = json_array();
    const json_t *caps = json_object_get(json_object_get(doc, "analysis"), "capacity"), *c, *s;
    size_t i, k;
    if (!view || !scs) {
        json_decref(view);
        json_decref(scs);
        return NULL;
    }
    json_array_foreach(json_object_get(doc, "scenarios"), i, s) {
        const json_t *found = NULL;
        json_array_foreach(caps, k, c) {
            if (json_equal(json_object_get(c, "scenario"), json_object_get(s, "name")))
                found = c;
        }
        if (!found) {
            json_array_append(scs, (json_t *)s);
            continue;
        }
        const json_t *best = NULL, *l;
        json_array_foreach(json_object_get(s, "levels"), k, l) {
            if (json_equal(json_object_get(l, "vus"), json_object_get(found, "vus")) ||
                json_number_value(json_object_get(l, "vus")) ==
                    json_number_value(json_object_get(found, "vus")))
                best = l;
        }
        json_t *o = best ? json_copy((json_t *)best) : json_object();
        json_object_set(o, "name", json_object_get(s, "name"));
        json_object_set(o, "executor", json_object_get(s, "executor"));
        if (!best) {
            json_object_set_new(o, "requests", json_integer(0));
            json_object_set_new(o, "failed", json_integer(0));
        }
        json_array_append_new(scs, o);
    }
    json_object_set_new(view, "scenarios", scs);
    return view;
}

int judge_doc(judge *j, json_t *doc)
{
    if (analysis_doc(doc) == -ENOMEM || capacity_doc(j, doc) == -ENOMEM)
        return -ENOMEM;
    if (!j || !j->n) {
        json_object_set_new(doc, "verdict", json_string("none"));
        return 0;
    }
    int interrupted = json_is_true(json_object_get(doc, "interrupted"));
    json_t *view = capacity_view(doc);
    json_t *arr = json_array();
    if (!arr || !view) {
        json_decref(arr);
        json_decref(view);
        return -ENOMEM;
    }
    int failed = 0;
    for (int i = 0; i < j->n; i++) {
        const struct jcrit *c = &j->c[i];
        double v = NAN, margin = NAN;
        char why[256] = "";
        enum expr_tier t = EXPR_FAILURE;
        if (expr_value(c->e, view, c->scenario, &v, why, sizeof why) == 0) {
            v = unscaled(j, c, v);
            t = expr_judge(c->e, v, &margin);
        }
        if (t == EXPR_FAILURE && !why[0] && isinf(v))
            snprintf(why, sizeof why, "never");
        json_t *o = json_object();
        json_object_set_new(o, "scenario", c->scenario ? json_string(c->scenario) : json_null());
        json_object_set_new(o, "name", json_string(c->name));
        json_object_set_new(o, "expr", json_string(expr_quantity(c->e)));
        json_object_set_new(o, "target", json_string(expr_target(c->e)));
        if (expr_acceptable(c->e))
            json_object_set_new(o, "acceptable", json_string(expr_acceptable(c->e)));
        json_object_set_new(o, "value", jnum(expr_display(c->e, v)));
        json_object_set_new(o, "unit", json_string(expr_unit(c->e)));
        json_object_set_new(o, "tier", json_string(expr_tier_name(t)));
        json_object_set_new(o, "margin", t == EXPR_FAILURE ? jnum(margin) : json_null());
        json_object_set_new(o, "interrupted", json_boolean(interrupted));
        if (expr_is_time(c->e) && j->time_scale != 1)
            json_object_set_new(o, "time_scale", json_real(j->time_scale));
        if (why[0])
            json_object_set_new(o, "reason", json_string(why));
        if (json_array_append_new(arr, o)) {
            json_decref(arr);
            json_decref(view);
            return -ENOMEM;
        }
        failed |= t == EXPR_FAILURE;
    }
    json_decref(view);
    json_object_set_new(doc, "criteria", arr);
    json_object_set_new(doc, "verdict", json_string(failed ? "fail" : "pass"));
    return failed;
}

int judge_level(judge *j, const char *scenario, const json_t *level)
{
    json_t *doc = json_object(), *arr = json_array(), *sc = json_deep_copy(level);
    const json_t *dur = json_object_get(level, "duration_s");
    if (!doc || !arr || !sc || json_object_set_new(sc, "name", json_string(scenario)) ||
        json_array_append(arr, sc) || json_object_set(doc, "scenarios", arr) ||
        (dur && json_object_set(doc, "duration_s", (json_t *)dur))) {
        json_decref(doc), json_decref(arr), json_decref(sc);
        return -ENOMEM;
    }
    int ok = 1;
    for (int i = 0; j && i < j->n && ok; i++) {
        const struct jcrit *c = &j->c[i];
        if (c->scenario && strcmp(c->scenario, scenario))
            continue;
        double v;
        if (expr_value(c->e, doc, scenario, &v, NULL, 0))
            continue; /* not a figure one level answers (watch, recovery, iterations) */
        ok = expr_judge(c->e, unscaled(j, c, v), NULL) != EXPR_FAILURE;
    }
    json_decref(doc), json_decref(arr), json_decref(sc);
    return ok;
}

/* analysis.capacity: each capacity scenario's levels judged again, the largest that
 * passed and the fewest VUs that failed. */
static int capacity_doc(judge *j, json_t *doc)
{
    const json_t *scs = json_object_get(doc, "scenarios"), *s, *l;
    size_t i, k;
    json_t *out = json_array();
    if (!out)
        return -ENOMEM;
    json_array_foreach(scs, i, s) {
        const char *ex = str_of(s, "executor"), *name = str_of(s, "name");
        if (!ex || strcmp(ex, "capacity") || !name)
            continue;
        json_t *o = json_object(), *lv = json_array();
        double good = 0, bad = 0;
        json_array_foreach(json_object_get(s, "levels"), k, l) {
            int ok = judge_level(j, name, l);
            if (ok < 0) {
                json_decref(o), json_decref(lv), json_decref(out);
                return ok;
            }
            double v = json_number_value(json_object_get(l, "vus"));
            if (ok && v > good)
                good = v;
            if (!ok && (bad == 0 || v < bad))
                bad = v;
            json_t *e = json_object();
            json_object_set_new(e, "vus", json_real(v));
            json_object_set_new(e, "pass", json_boolean(ok));
            json_array_append_new(lv, e);
        }
        json_object_set_new(o, "scenario", json_string(name));
        json_object_set_new(o, "vus", good > 0 ? json_real(good) : json_null());
        json_object_set_new(o, "first_failing_vus", bad > 0 ? json_real(bad) : json_null());
        json_object_set_new(o, "levels", lv);
        json_array_append_new(out, o);
    }
    if (!json_array_size(out)) {
        json_decref(out);
        return 0;
    }
    json_t *an = json_object_get(doc, "analysis");
    if (!an) {
        an = json_object();
        json_object_set_new(doc, "analysis", an);
    }
    return json_object_set_new(an, "capacity", out) ? -ENOMEM : 0;
}

int judge_second(judge *j, const json_t *line)
{
    if (!j || json_number_value(json_object_get(line, "t_run")) < 0)
        return 0; /* the baseline window before load: nothing to judge yet */
    for (int i = 0; i < j->n; i++) {
        struct jcrit *c = &j->c[i];
        if (!c->abort_on_fail || !expr_is_live(c->e))
            continue;
        double v;
        if (expr_value_point(c->e, line, c->scenario, &v))
            continue; /* no data this second: neither counts nor resets */
        v = unscaled(j, c, v);
        if (expr_meets(c->e, v, 1)) {
            c->failing = 0;
            continue;
        }
        if (++c->failing >= c->window_s) {
            const json_t *t = json_object_get(line, "t_run");
            snprintf(j->reason, sizeof j->reason, "%s failed for %d s (%g%s at %g s)", c->name,
                     c->window_s, round(expr_display(c->e, v) * 1000) / 1000, expr_unit(c->e),
                     json_number_value(t));
            return 1;
        }
    }
    return 0;
}

const char *judge_abort_reason(const judge *j)
{
    return j ? j->reason : "";
}

static void fmt_value(char *buf, size_t len, const json_t *v, const char *unit)
{
    if (json_is_number(v))
        snprintf(buf, len, "%.6g%s%s", json_number_value(v), unit[0] && unit[0] != '%' &&
                                                              unit[0] != '/' ? " " : "", unit);
    else
        snprintf(buf, len, "-");
}

/* A string field for printing: "?" when absent or not a string. */
static const char *txt(const json_t *o, const char *k)
{
    const char *s = str_of(o, k);
    return s ? s : "?";
}

static double dnum(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* The analyses, one line each, as evidence. */
static void print_analysis(FILE *f, const json_t *an)
{
    const json_t *a, *o;
    size_t i;
    if (!json_object_size(an))
        return;
    fprintf(f, "\nanalysis:\n");
    json_array_foreach(json_object_get(an, "recovery"), i, o) {
        const json_t *rs = json_object_get(o, "recovery_s");
        if (json_is_number(rs))
            fprintf(f, "  recovery [%s]: back to baseline (p95 %.4g ms, errors %.3g %%; within "
                       "%g %% for %g s) %.4g s after the %g-VU peak\n", txt(o, "scenario"),
                    dnum(o, "baseline_p95_ms"), dnum(o, "baseline_error_rate") * 100,
                    dnum(o, "tolerance_pct"), dnum(o, "hold_s"), json_number_value(rs),
                    dnum(o, "peak_vus"));
        else
            fprintf(f, "  recovery [%s]: never back to baseline (p95 %.4g ms) after the %g-VU "
                       "peak\n", txt(o, "scenario"), dnum(o, "baseline_p95_ms"),
                    dnum(o, "peak_vus"));
    }
    if ((a = json_object_get(an, "memory")))
        fprintf(f, "  memory: %s %s (%+.3g %%/h, fit r2 %.2f)\n", txt(a, "metric"),
                txt(a, "verdict"), dnum(a, "pct_per_h"), dnum(a, "r2"));
    json_array_foreach(json_object_get(an, "usl"), i, o) {
        fprintf(f, "  capacity [%s]:", txt(o, "scenario"));
        if (json_is_number(json_object_get(o, "lambda"))) {
            fprintf(f, " USL sigma %.3g kappa %.3g", dnum(o, "sigma"), dnum(o, "kappa"));
            if (json_is_number(json_object_get(o, "peak_vus")))
                fprintf(f, ", peak %.4g req/s at %.3g VUs", dnum(o, "peak_rps"),
                        dnum(o, "peak_vus"));
            fprintf(f, ";");
        }
        if (json_is_number(json_object_get(o, "parallelism")))
            fprintf(f, " effective parallelism %.3g", dnum(o, "parallelism"));
        if (json_is_number(json_object_get(o, "knee_vus")))
            fprintf(f, ", latency grows from %g VUs", dnum(o, "knee_vus"));
        fputc('\n', f);
    }
    json_array_foreach(json_object_get(an, "capacity"), i, o) {
        fprintf(f, "  capacity search [%s]: ", txt(o, "scenario"));
        if (json_is_number(json_object_get(o, "vus")))
            fprintf(f, "%g VUs meet every criterion", dnum(o, "vus"));
        else
            fprintf(f, "no level met every criterion");
        if (json_is_number(json_object_get(o, "first_failing_vus")))
            fprintf(f, ", %g fail", dnum(o, "first_failing_vus"));
        fprintf(f, " (%zu steps)\n", json_array_size(json_object_get(o, "levels")));
    }
    json_array_foreach(json_object_get(an, "bottleneck"), i, o)
        fprintf(f, "  finding [%s]: %s\n", txt(o, "scenario"), txt(o, "text"));
    if ((a = json_object_get(an, "projection")))
        fprintf(f, "  memory per user: %.4g bytes%s", dnum(a, "bytes_per_user"),
                json_is_number(json_object_get(a, "users_under_limit")) ? "" : "\n");
    if (a && json_is_number(json_object_get(a, "users_under_limit")))
        fprintf(f, "; %g users fit under %.4g bytes\n", dnum(a, "users_under_limit"),
                dnum(a, "memory_limit_bytes"));
    json_array_foreach(json_object_get(an, "readiness"), i, o)
        fprintf(f, "  readiness: %s: %.4g%s%s vs %.4g required: %s, %+.0f %% headroom\n",
                txt(o, "metric"), dnum(o, "measured"), txt(o, "unit")[0] == '/' ? "" : " ",
                txt(o, "unit"), dnum(o, "required"), txt(o, "verdict"),
                dnum(o, "headroom_pct"));
}

void judge_print(FILE *f, const json_t *doc)
{
    const json_t *arr = json_object_get(doc, "criteria"), *c;
    size_t i;
    print_analysis(f, json_object_get(doc, "analysis"));
    if (!json_array_size(arr))
        return;
    int nfail = 0, nacc = 0;
    fprintf(f, "\ncriteria:\n");
    json_array_foreach(arr, i, c) {
        const char *tier = str_of(c, "tier"), *unit = str_of(c, "unit");
        const char *sc = str_of(c, "scenario"), *acc = str_of(c, "acceptable");
        char val[64], bound[200], mg[64] = "";
        fmt_value(val, sizeof val, json_object_get(c, "value"), unit ? unit : "");
        snprintf(bound, sizeof bound, "%s %s%s%s", txt(c, "expr"), txt(c, "target"),
                 acc ? ", acceptable " : "", acc ? acc : "");
        int fail = tier && !strcmp(tier, "failure"), ok = tier && !strcmp(tier, "target");
        nfail += fail;
        nacc += !fail && !ok;
        if (fail && json_is_number(json_object_get(c, "margin")))
            fmt_value(mg, sizeof mg, json_object_get(c, "margin"), unit ? unit : "");
        const char *reason = str_of(c, "reason");
        fprintf(f, "  %s %-10s %-44s %12s", fail ? "FAIL" : ok ? " ok " : " ~  ", txt(c, "tier"),
                bound,
                val);
        if (sc)
            fprintf(f, "  [%s]", sc);
        if (mg[0])
            fprintf(f, "  missed by %s", mg);
        if (reason)
            fprintf(f, "  (%s)", reason);
        fputc('\n', f);
    }
    size_t n = json_array_size(arr);
    const char *why = str_of(doc, "interrupted_by");
    fprintf(f, "verdict: %s: %zu criteri%s, %d failed, %d acceptable%s%s\n",
            nfail ? "FAIL" : "PASS", n, n == 1 ? "on" : "a", nfail, nacc,
            json_is_true(json_object_get(doc, "interrupted")) ? ", judged on an interrupted run"
                                                              : "",
            why && !strcmp(why, "abort") ? " (aborted)" : "");
}
