/* perr.h — how the small parsers (templates, JSON paths, conditions) report a problem:
 * a one-line message and the 1-based column in their source where it is. */
#ifndef SURGE_UTIL_PERR_H
#define SURGE_UTIL_PERR_H

/* A parser's error sink: src is the whole source (for columns), err/errlen the caller's
 * message buffer (may be NULL/0), col the column of the first problem (0: none). */
struct perr {
    const char *src;
    char *err;
    int errlen;
    int col;
};

/* Record a problem at `at` (a pointer into src): the formatted message into err and its
 * column into col. @return -EINVAL, for `return perr_at(...)`. */
int perr_at(struct perr *e, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A printable rendering of one byte for messages: "'x'", "byte 0x0a" or "end of text". */
const char *perr_show(char ch, char buf[16]);

#endif
