/* judge.h — the verdict on a run: criteria (plan `criteria:`, quick `--criteria`) judged
 * on the results document, the analyses added to it, the live abort check, the table. */
#ifndef SURGE_JUDGE_JUDGE_H
#define SURGE_JUDGE_JUDGE_H

#include <stdio.h>

#include <jansson.h>

/* The criteria of a run; built on the main thread, not shared. */
typedef struct judge judge;

/* @return a judge with no criteria, or NULL when out of memory. */
judge *judge_new(void);

/* Free; NULL is fine. */
void judge_free(judge *j);

/* Add one criterion for a scenario (NULL: the whole run): spec is an expression string
 * ("error_rate < 1%") or an object {name, expr, target, acceptable, abort_on_fail, window}
 * as the plan's criteria: holds it (see docs/plan.md).
 * @return 0; -EINVAL with a reason in err (the plan loader reports positions; this is for
 * --criteria and for documents not checked by it); -ENOMEM. */
int judge_add(judge *j, const char *scenario, const json_t *spec, char *err, int errlen);

/* judge_add for each item of a criteria: list (NULL: nothing). @return as judge_add. */
int judge_add_list(judge *j, const char *scenario, const json_t *list, char *err, int errlen);

/* A rehearsal under --time-scale F (everything simulated runs F times as long): time
 * quantities are judged (and reported) as measured / F, in the plan's own time, so
 * `p95(generation) < 120s` means the same at F = 0.01 as in the real run. Default 1;
 * values <= 0 are ignored. */
void judge_set_time_scale(judge *j, double f);

/* How many criteria were added. */
int judge_count(const judge *j);

/* Judge a results document (surge.results/2) in place: the analyses go under `analysis`
 * (each absent when it does not apply; the document's `workload` is read for readiness
 * and projection), each criterion into `criteria[]` ({scenario, name, expr, target,
 * acceptable, value, unit, tier, margin, interrupted, reason}), `verdict` ("pass",
 * "fail", or "none" without criteria), and for each capacity scenario
 * `analysis.capacity[]` ({scenario, vus, first_failing_vus, levels: [{vus, pass}]}, each
 * level judged by judge_level). A criterion whose data is missing is a failure with a
 * reason. @return 1 when a criterion failed, 0 when all met target or acceptable
 * (or none was given), -ENOMEM. */
int judge_doc(judge *j, json_t *doc);

/* The capacity search's verdict on one level of a scenario, using that level's data only
 * (level: a ladder level object of results.json: {vus, requests, failed, rps, status,
 * errors, latency_ms, duration_s}): the scenario's criteria and the run-wide ones that a
 * level's figures can answer (latency, error rate, status, errors, rps, requests, failed;
 * the others are not judged per level). @return 1 when every one judged is at target or
 * acceptable, 0 when one failed, -ENOMEM. */
int judge_level(judge *j, const char *scenario, const json_t *level);

/* The live check, called once a second with a series.ndjson line object
 * ({"t_run": N, "scenarios": {NAME: point}, "watch": {...}}): a criterion with
 * abort_on_fail whose per-second value has missed its acceptable bound (or target when
 * there is none) in every second of its window (default 10 s; seconds without data, such
 * as an error rate with no requests, neither count nor reset) has definitely failed.
 * Lines of the baseline window (t_run < 0) are ignored.
 * @return 1 "abort now" (the reason in judge_abort_reason), else 0. */
int judge_second(judge *j, const json_t *line);

/* Why judge_second asked to abort ("error_rate < 1% failed for 10 s (12.5 % at 34 s)"),
 * or "" when it has not. Owned by j. */
const char *judge_abort_reason(const judge *j);

/* Print the document's analyses (one line of evidence each) and criteria table (one row
 * per criterion, with its tier mark) and the verdict to f; nothing for what is absent. */
void judge_print(FILE *f, const json_t *doc);

#endif
