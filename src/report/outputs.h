/* outputs.h — every file a run leaves in its out dir that is derived from the results
 * document: report.md (+ charts/), report.html, junit.xml, series.csv. results.json
 * itself is saved by results_json_save; series.ndjson is streamed during the run. */
#ifndef SURGE_REPORT_OUTPUTS_H
#define SURGE_REPORT_OUTPUTS_H

#include <jansson.h>

/* Write the derived outputs of doc into dir (which must exist). Each is written whole
 * and renamed into place. @return 0, or -1 with the first failure in err (the others
 * are still attempted). */
int outputs_write(const json_t *doc, const char *dir, char *err, int errlen);

#endif
