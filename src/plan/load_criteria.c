/* load_criteria.c — the plan's `criteria:` (top level and per scenario) and `workload:`
 * sections: checked here with FILE:LINE:COL errors, kept as JSON for the judge. */
#include "judge/expr.h"
#include "plan/load_int.h"
#include "util/units.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define CRIT_JSON_BUDGET 100000

static const char *const CRIT_KEYS[] = {"name",          "expr",   "target", "acceptable",
                                        "abort_on_fail", "window", NULL};
static const char *const WORKLOAD_KEYS[] = {"users", "rate", "memory_limit", NULL};

/* Report a compile error of the text of node n at its column. */
static void expr_err(struct ld *l, const struct ynode *n, const char *what, const char *err,
                     int col)
{
    ld_err(l, n->line, ld_text_col(n, col > 0 ? col - 1 : 0), "%s: %s", what, err);
}

static void criterion(struct ld *l, const struct ynode *n, const char *where)
{
    char err[256], what[160];
    int col = 0, which = 0;
    expr *e = NULL;
    if (n->kind == YN_SCALAR) {
        const char *s = ld_str(l, n, where);
        snprintf(what, sizeof what, "%s", where);
        if (s && expr_compile(s, &e, err, sizeof err, &col) != 0)
            expr_err(l, n, what, err, col);
        expr_free(e);
        return;
    }
    if (n->kind != YN_MAP) {
        ld_errn(l, n, "%s: a criterion is an expression (error_rate < 1%%) or a mapping "
                      "{name, expr, target, acceptable, abort_on_fail, window}, not %s",
                where, yaml_kind_name(n));
        return;
    }
    ld_check_keys(l, n, "a criterion", CRIT_KEYS);
    const struct ynode *ex = yaml_map_get(n, "expr"), *tg = yaml_map_get(n, "target"),
                       *ac = yaml_map_get(n, "acceptable"), *v;
    if ((v = yaml_map_get(n, "name")))
        ld_str(l, v, "criterion: name");
    const struct ynode *abort_n = yaml_map_get(n, "abort_on_fail");
    int abort_on = 0;
    if (abort_n && ld_bool(l, abort_n, "criterion: abort_on_fail", &abort_on))
        abort_on = 0;
    if ((v = yaml_map_get(n, "window"))) {
        uint64_t us;
        if (v->kind != YN_SCALAR || units_parse_duration(v->str, 0, &us) || us < 1000000)
            ld_errn(l, v, "criterion: window: expected a duration of at least 1s (10s), got "
                          "'%s'", v->kind == YN_SCALAR ? v->str : yaml_kind_name(v));
    }
    if (!ex) {
        ld_errn(l, n, "%s: expr: is required (the quantity, with its bounds in target: "
                      "and acceptable:, or a whole expression)", where);
        return;
    }
    if (ac && !tg) {
        ld_errn(l, ac, "criterion: acceptable: needs a target: too");
        return;
    }
    const char *es = ld_str(l, ex, "criterion: expr");
    const char *ts = tg ? ld_str(l, tg, "criterion: target") : NULL;
    const char *as = ac ? ld_str(l, ac, "criterion: acceptable") : NULL;
    if (!es || (tg && !ts) || (ac && !as))
        return;
    int rc = ts ? expr_compile_tiers(es, ts, as, &e, err, sizeof err, &which, &col)
                : expr_compile(es, &e, err, sizeof err, &col);
    if (rc == -EINVAL) {
        const struct ynode *at = which == 1 ? tg : which == 2 ? ac : ex;
        expr_err(l, at, which == 1 ? "criterion: target" : which == 2 ? "criterion: acceptable"
                                                                   : "criterion: expr",
                 err, col);
    } else if (rc) {
        l->oom = 1;
    } else if (abort_on && !expr_is_live(e)) {
        ld_errn(l, abort_n, "criterion: abort_on_fail: %s cannot be followed second by second "
                            "(live: error_rate, success_rate, failed, requests, rps, dropped, "
                            "p50/p90/p95/p99/max(latency), watch.NAME)", expr_quantity(e));
    }
    expr_free(e);
}

void *ld_criteria(struct ld *l, const struct ynode *n, const char *where)
{
    if (!n || yaml_is_null(n))
        return NULL;
    if (ld_want_seq(l, n, where) != 0)
        return NULL;
    for (int i = 0; i < n->n; i++)
        criterion(l, n->items[i], where);
    long budget = CRIT_JSON_BUDGET;
    json_t *j = yaml_to_json(n, &budget);
    if (!j)
        ld_errn(l, n, "%s: too large or not UTF-8", where);
    return j;
}

void *ld_workload(struct ld *l, const struct ynode *n)
{
    if (!n || yaml_is_null(n))
        return NULL;
    if (ld_want_map(l, n, "workload") != 0)
        return NULL;
    ld_check_keys(l, n, "workload", WORKLOAD_KEYS);
    const struct ynode *v;
    long long users;
    if ((v = yaml_map_get(n, "users")))
        ld_int(l, v, "workload: users", 1, 100000000, &users);
    if ((v = yaml_map_get(n, "rate"))) {
        double r;
        if (v->kind != YN_SCALAR || expr_parse_rate(v->str, &r))
            ld_errn(l, v, "workload: rate: expected a rate such as 2/min, 10/s or 100/h, got "
                          "'%s'", v->kind == YN_SCALAR ? v->str : yaml_kind_name(v));
    }
    if ((v = yaml_map_get(n, "memory_limit"))) {
        uint64_t b;
        if (v->kind != YN_SCALAR || units_parse_size(v->str, &b) || !b)
            ld_errn(l, v, "workload: memory_limit: expected a size such as 2GB or 512MiB, got "
                          "'%s'", v->kind == YN_SCALAR ? v->str : yaml_kind_name(v));
    }
    long budget = CRIT_JSON_BUDGET;
    json_t *j = yaml_to_json(n, &budget);
    if (!j)
        ld_errn(l, n, "workload: too large or not UTF-8");
    return j;
}
