/* perr.h — how the small parsers (templates, JSON paths, conditions) report a problem:
 * a one-line message and the 1-based column in their source where it is. */
#ifndef SURGE_UTIL_PERR_H
#define SURGE_UTIL_PERR_H

#include <stdarg.h>

/* Write the message into err (when err and errlen > 0) and the column of `at` within
 * src into *col. @return -EINVAL, for `return perr_vset(...)`. */
int perr_vset(char *err, int errlen, int *col, const char *src, const char *at, const char *fmt,
              va_list ap) __attribute__((format(printf, 6, 0)));

/* A printable rendering of one byte for messages: "'x'", "byte 0x0a" or "end of text". */
const char *perr_show(char ch, char buf[16]);

#endif
