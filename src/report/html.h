/* html.h — report.html: the capacity report as one self-contained page (inline CSS and
 * SVG charts, a few lines of inline script for hover values; no network fetches). */
#ifndef SURGE_REPORT_HTML_H
#define SURGE_REPORT_HTML_H

#include <jansson.h>

/* Write DIR/report.html from a results document (a temporary file renamed into place).
 * @return 0, or -1 with a reason in err. */
int html_write(const json_t *doc, const char *dir, char *err, int errlen);

#endif
