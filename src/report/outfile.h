/* outfile.h — writing an output file whole and atomically (a temporary name renamed into
 * place), so a reader of the out dir never sees half a report. */
#ifndef SURGE_REPORT_OUTFILE_H
#define SURGE_REPORT_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/* Write len bytes to path atomically: a new temporary file PATH.tmp.PID (O_EXCL and
 * O_NOFOLLOW: never through a symlink planted there), mode 0644, renamed over path (a
 * symlink at path is replaced, not followed). @return 0, or -1 with "cannot write
 * 'PATH': why" in err (the temporary file removed). */
int outfile_write(const char *path, const void *data, size_t len, char *err, int errlen);

/* Open path for streaming (truncated, created 0644), refusing to follow a symlink at
 * path. @return the stream, or NULL with "cannot write 'PATH': why" in err ("is a
 * symbolic link, not followed" for one). */
FILE *outfile_create(const char *path, char *err, int errlen);

/* Create dir and its parents (like mkdir -p), each new one 0755. @return 0, or -1 with
 * errno set. */
int outfile_mkdir_p(const char *dir);

#endif
