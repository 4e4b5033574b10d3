/* outfile.h — writing an output file whole and atomically (a temporary name renamed into
 * place), so a reader of the out dir never sees half a report. */
#ifndef SURGE_REPORT_OUTFILE_H
#define SURGE_REPORT_OUTFILE_H

#include <stddef.h>

/* Write len bytes to path atomically. @return 0, or -1 with "cannot write 'PATH': why" in err. */
int outfile_write(const char *path, const void *data, size_t len, char *err, int errlen);

/* Create dir and its parents (like mkdir -p). @return 0, or -1 with errno set. */
int outfile_mkdir_p(const char *dir);

#endif
