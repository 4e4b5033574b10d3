/* expr.h — the criteria language: `error_rate < 1%`, `p95(generation) < 120s`,
 * `avg(watch.gpu_usage_percent) in 70..85`, with units checked against the quantity's
 * dimension, compiled once and evaluated against a results document (surge.results/2). */
#ifndef SURGE_JUDGE_EXPR_H
#define SURGE_JUDGE_EXPR_H

#include <jansson.h>

/* A compiled criterion: a quantity, a target bound and an optional acceptable bound. */
typedef struct expr expr;

enum expr_tier { EXPR_TARGET, EXPR_ACCEPTABLE, EXPR_FAILURE };

/* Compile a whole criterion, `QUANTITY OP VALUE` or `QUANTITY in LO..HI` (a target with no
 * acceptable band). Grammar (blanks anywhere between tokens):
 *   QUANTITY := NAME | FUNC '(' ARG ')'
 *     NAME   := error_rate | success_rate | uptime | recovery | memory_growth | dropped
 *             | rps | requests | failed | iterations | iterations_failed
 *     FUNC   := p50 p90 p95 p99 p999 avg min max stdev (ARG: `latency` for the scenario's
 *               requests, `iteration` for whole iterations, or a step, transaction or
 *               scenario name); avg min max last baseline p50..p999 over `watch.METRIC`;
 *               status(CODE); errors(CLASS)
 *   OP       := < <= > >= == !=
 *   VALUE    := NUMBER UNIT?   (UNIT: ms s m h % %/h B KB MB GB KiB MiB GiB /s /min /h)
 *   LO..HI   := inclusive; a bare end takes the other end's unit
 * Units are checked against the quantity's dimension: times take ms/s/m/h, rates
 * (error_rate, success_rate, uptime) take %, memory_growth %/h, counts bare numbers, rps
 * bare or /s /min, watch metrics by their name's suffix (_bytes sizes, _ms times, _pct /
 * _percent bare or %, :rate /s).
 * @return 0 and *out; -EINVAL with a one-line reason in err (may be NULL) and the 1-based
 * column in *err_col (may be NULL), naming the closest known name ("did you mean") for an
 * unknown one; -ENOMEM. *out is set only on success. */
int expr_compile(const char *src, expr **out, char *err, int errlen, int *err_col);

/* Compile a tiered criterion: the quantity alone (`p95(generation)`), the target bound
 * (`< 120s`, `in 75s..90s`; NULL is an error) and the acceptable bound (NULL: none). On -EINVAL *which says
 * which text the column is in: 0 the quantity, 1 the target, 2 the acceptable bound.
 * @return as expr_compile. */
int expr_compile_tiers(const char *quantity, const char *target, const char *acceptable,
                       expr **out, char *err, int errlen, int *which, int *err_col);

/* Evaluate the quantity on a results document, for one scenario (NULL: the whole run:
 * counts summed over scenarios, rates from the sums, latency figures the worst of the
 * scenarios that have the named part). *value is in canonical units (seconds, a 0..1
 * fraction for rates, bytes, per second, a fraction per hour for growth), infinity for a
 * recovery that never happened. @return 0, or -ENOENT with a reason in why (no such
 * scenario, step or metric, with a "did you mean"; no data). */
int expr_value(const expr *e, const json_t *doc, const char *scenario, double *value,
               char *why, int whylen);

/* The tier a canonical value reaches, and for EXPR_FAILURE in *margin how far it missed
 * the acceptable bound (or the target when there is none), in the display unit (>= 0). */
enum expr_tier expr_judge(const expr *e, double value, double *margin);

/* Whether a canonical value meets the target bound (1), or only the acceptable one (0 with
 * *acceptable 1), or neither (0, *acceptable 0). For live checks. */
int expr_meets(const expr *e, double value, int acceptable);

/* The quantity's display unit ("s", "%", "MB", "" for counts) and a canonical value in it. */
const char *expr_unit(const expr *e);
double expr_display(const expr *e, double value);

/* The quantity as written, normalised ("p95(generation)"), the target and acceptable bound
 * texts ("< 120s"; NULL when there is no acceptable bound). Owned by e. */
const char *expr_quantity(const expr *e);
const char *expr_target(const expr *e);
const char *expr_acceptable(const expr *e);

/* The quantity is a time (latency figures, recovery, a watched *_ms / *_seconds metric).
 * @return 1 or 0. */
int expr_is_time(const expr *e);

/* The quantity is a per-second figure the live check can follow (error_rate,
 * success_rate, failed, requests, rps, p50/p90/p95/p99/max(latency), dropped, watch.X).
 * @return 1 or 0. */
int expr_is_live(const expr *e);

/* The value of the quantity in one series.ndjson line object ({t_run, scenarios: {NAME:
 * point}, watch: {...}}) for a scenario (NULL: summed over every scenario in the line).
 * @return 0 and *value (canonical), or -ENOENT when the line has no such figure (a second
 * with no requests has no error rate). */
int expr_value_point(const expr *e, const json_t *line, const char *scenario, double *value);

/* Free. NULL is fine. */
void expr_free(expr *e);

/* Parse a rate as written in `workload: rate:` ("2/min", "0.5/s", "3/h", a bare number is
 * per second). @return 0 and *per_s (> 0), or -EINVAL. */
int expr_parse_rate(const char *s, double *per_s);

/* Name of a tier: "target", "acceptable", "failure". */
const char *expr_tier_name(enum expr_tier t);

#endif
