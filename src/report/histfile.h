/* histfile.h — histograms.json: every full latency histogram of a run (each scenario's,
 * iteration's, step's, transaction's and ladder level's, and each scenario's per-second
 * ones), HdrHistogram-encoded, so `surge merge` (and an MPI run's rank 0) can merge the
 * shares of a distributed run exactly: the percentiles of the merged histograms are
 * those of the union of the samples. Schema surge.histograms/1 (docs/results.md). */
#ifndef SURGE_REPORT_HISTFILE_H
#define SURGE_REPORT_HISTFILE_H

#include <stdint.h>

#include <jansson.h>

#include "report/results.h"
#include "stats/hist.h"

/* One histogram as histograms.json holds it: {"count", "min", "max", "hdr"} with hdr the
 * base64 compressed V2 encoding (report/hlog.h); values in microseconds. NULL: no memory. */
json_t *histfile_entry(const hist *h);

/* The histogram of an entry histfile_entry wrote (min and max exact).
 * @return 0 and *out; -EINVAL when e is not such an entry (or its count disagrees with
 * its histogram); -ENOMEM. */
int histfile_read(const json_t *e, hist **out);

/* A run's histograms.json document, built while the run goes. */
typedef struct histfile histfile;

/* @return an empty document (schema, unit), or NULL when out of memory. */
histfile *histfile_new(void);
void histfile_free(histfile *f); /* NULL is fine */

/* Add scenario's histogram of run second t_run (1 s long): the scenario's series point
 * of that second is computed from it. @return 0 or -ENOMEM. */
int histfile_second(histfile *f, const char *scenario, uint32_t t_run, const hist *lat);

/* Add the run's totals: for each scenario its latency, iteration, steps[], transactions[]
 * and levels[] histograms (in results.json's order), and the run's segment. @return 0
 * or -ENOMEM. */
int histfile_results(histfile *f, const struct run_result *r);

/* The document (borrowed from f). */
json_t *histfile_doc(histfile *f);

#endif
