/* junit.h — junit.xml for CI systems: one test case per criterion (failure: the measured
 * value and the margin it missed by); without criteria, one per scenario "completed". */
#ifndef SURGE_REPORT_JUNIT_H
#define SURGE_REPORT_JUNIT_H

#include <jansson.h>

/* Write DIR/junit.xml from a results document. @return 0, or -1 with a reason in err. */
int junit_write(const json_t *doc, const char *dir, char *err, int errlen);

#endif
