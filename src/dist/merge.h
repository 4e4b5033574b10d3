/* merge.h — one results document from the shares of a distributed run (surge run
 * --segment K/N out dirs, or MPI ranks): counters summed, latency from the shares' full
 * histograms merged exactly (histograms.json), per-second series merged by t_run, and
 * every share listed with whether it completed. Pure: documents in, document out; the
 * caller reads the files, judges the criteria again and writes the reports. */
#ifndef SURGE_DIST_MERGE_H
#define SURGE_DIST_MERGE_H

#include <jansson.h>

/* One share as the caller found it. */
struct merge_share {
    const char *source;    /* where it came from (an out dir, "rank 2"), for messages */
    json_t *results;       /* its results.json (surge.results/2), or NULL when missing */
    json_t *hists;         /* its histograms.json (surge.histograms/1), or NULL */
    const char *missing;   /* why results or hists are missing (NULL: both present) */
};

/* Merge n shares into *out (a new surge.results/2 document, without criteria, analysis
 * and verdict: judge it again) and, when hists_out is not NULL, the merged
 * histograms.json into *hists_out (so a merged out dir can be merged again). Shares whose results and histograms are both present
 * are merged; the others are listed in `shares[]` with complete: false and their
 * reason, and the document gets `incomplete: true` (so does a share that was
 * interrupted, whose data is merged). Shares must come from one plan: the same scenario
 * names, and when they carry `segment` "K/N" the same N and no K twice (a K not given
 * is listed as missing).
 * @return 0 and *out; -EINVAL with a one-line reason in err (no share with data,
 * different plans, a repeated or inconsistent segment, a malformed histogram); -ENOMEM. */
int merge_results(const struct merge_share *shares, int n, json_t **out, json_t **hists_out,
                  char *err, int errlen);

/* One second of a distributed run: n processes' series.ndjson lines of the same t_run
 * (NULL: that process had none) merged into *out (a new line: the first line's t_run and
 * watch; each scenario's point summed over the lines that have it, its p50_ms..max_ms
 * from the merged histograms), with hists[i] the i-th process's histograms of that
 * second: {SCENARIO: histograms.json entry} (NULL: none).
 * @return 0 and *out; -EINVAL (no line, a malformed histogram) with err; -ENOMEM. */
int merge_second(json_t *const *lines, json_t *const *hists, int n, json_t **out, char *err,
                 int errlen);

#endif
