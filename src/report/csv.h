/* csv.h — series.csv: the per-second series of every scenario as one table (one row per
 * scenario and second), with each watched metric's value at that second as a column. */
#ifndef SURGE_REPORT_CSV_H
#define SURGE_REPORT_CSV_H

#include <jansson.h>

/* Write DIR/series.csv from a results document. Columns: scenario, t_run, t, span,
 * requests, failed, rps, vus, bytes_in, p50_ms, p90_ms, p95_ms, p99_ms, max_ms, errors
 * (all classes), then one per watched metric (empty where it has no sample at that t_run).
 * @return 0, or -1 with a reason in err. */
int csv_write(const json_t *doc, const char *dir, char *err, int errlen);

#endif
