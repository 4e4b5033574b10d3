/* markdown.h — report.md: the capacity report for people, as Markdown, with its charts as
 * SVG files in charts/ next to it (linked, so it renders on a code host). */
#ifndef SURGE_REPORT_MARKDOWN_H
#define SURGE_REPORT_MARKDOWN_H

#include <jansson.h>

/* Write DIR/report.md and DIR/charts/NAME.svg from a results document (each file written
 * to a temporary name and renamed into place). @return 0, or -1 with a reason in err. */
int markdown_write(const json_t *doc, const char *dir, char *err, int errlen);

#endif
