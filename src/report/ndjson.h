/* ndjson.h — series.ndjson (docs/model.md): written one line per second while a run goes,
 * flushed each second so a killed run leaves every whole second; read back to rebuild a
 * results document when results.json is missing. */
#ifndef SURGE_REPORT_NDJSON_H
#define SURGE_REPORT_NDJSON_H

#include <stdio.h>

#include <jansson.h>

typedef struct ndjson ndjson; /* opaque: an open series.ndjson being written */

/* Create path (truncating it) and write the header line: {"schema": "surge.series/1",
 * "started", "target", "plan", "scenarios": [{"name", "executor"}]} from the header object
 * given (its "schema" is set here). @return 0 and *out, or -1 with a reason in err. */
int ndjson_open(const char *path, const json_t *header, ndjson **out, char *err, int errlen);

/* Append one line (compact JSON and '\n') and flush it to the kernel, so it survives the
 * process being killed. @return 0, or -1 (a write error; the file is then left as is and
 * later writes are skipped). */
int ndjson_write(ndjson *w, const json_t *line);

/* Close; NULL is fine. */
void ndjson_close(ndjson *w);

/* Rebuild a results document (schema surge.results/2) from a series.ndjson file: the
 * header, then every line that parses (a torn last line is ignored). Scenario totals are
 * summed from the per-second points; whole-run latency is what the points allow: p50 the
 * request-weighted mean of the seconds' p50, p90/p95/p99/max the worst second's (status
 * counts and steps are not in the series and stay empty). The document is marked
 * "interrupted": true and "rebuilt_from": "series.ndjson". Watched values become
 * watch.metrics[] with their series. @return 0 and *doc (caller owns it), or -1 with
 * "PATH:LINE: why" in err. */
int ndjson_rebuild(const char *path, json_t **doc, char *err, int errlen);

/* ndjson_rebuild on an open stream (read to its end, not closed); path names it in errors. */
int ndjson_rebuild_stream(FILE *f, const char *path, json_t **doc, char *err, int errlen);

#endif
