/* outputs.h — every file a run leaves in its out dir that is derived from the results
 * document: report.md (+ charts/), report.html, junit.xml, series.csv. results.json
 * itself is saved by results_json_save; series.ndjson is streamed during the run. */
#ifndef SURGE_REPORT_OUTPUTS_H
#define SURGE_REPORT_OUTPUTS_H

#include <stdio.h>

#include <jansson.h>

/* Is derived output `name` (md, html, junit, csv) chosen by the document's
 * `report.outputs` (the plan's report: section)? Without that list, every one is. */
int outputs_chosen(const json_t *doc, const char *name);

/* Print "report: DIR/report.md" and "report: DIR/report.html" for those chosen. */
void outputs_print(FILE *f, const json_t *doc, const char *dir);

/* Write the derived outputs of doc into dir (which must exist): those its `report.outputs`
 * lists (md, html, junit, csv), or all without the list. Each is written whole
 * and renamed into place. @return 0, or -1 with the first failure in err (the others
 * are still attempted). */
int outputs_write(const json_t *doc, const char *dir, char *err, int errlen);

#endif
