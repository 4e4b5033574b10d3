/* compare.h — two results documents side by side (`surge compare BEFORE AFTER`): each
 * scenario's and ladder level's figures and criteria tiers, with the change, regressions
 * beyond a threshold marked. */
#ifndef SURGE_JUDGE_COMPARE_H
#define SURGE_JUDGE_COMPARE_H

#include <stdio.h>

#include <jansson.h>

/* Is doc a results document compare can read (an object with a "surge.results/N" schema
 * and a scenarios list)? @return 0, or -EINVAL with a reason in err. */
int compare_check(const json_t *doc, char *err, int errlen);

/* Print the comparison of before and after to f. A regression is: p50/p95/p99 latency up
 * by more than threshold (a fraction: 0.1 for 10 %), rps down by more than threshold, the
 * error rate up by more than threshold and by at least 0.1 percentage point, or a
 * criterion (matched by scenario and name) in a worse tier (target < acceptable <
 * failure). Scenarios are matched by name, ladder levels by VUs; one present on one side
 * only is listed, not counted. @return the number of regressions found. */
int compare_print(FILE *f, const json_t *before, const json_t *after, double threshold);

#endif
