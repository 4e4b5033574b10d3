/* tbuf.h — the testbed's growable byte buffer (request text, response heads, bodies). */
#ifndef SURGE_TESTBED_TBUF_H
#define SURGE_TESTBED_TBUF_H

#include <stddef.h>

/* A byte buffer: p[0..len) is the content, cap the allocation. Zero-initialised is an
 * empty buffer. p may move on every append: never keep pointers into it across appends. */
typedef struct tbuf {
    char *p;
    size_t len; /* bytes in use */
    size_t cap; /* bytes allocated */
} tbuf;

/* Makes room for `extra` more bytes. Returns 0, or -ENOMEM (buffer unchanged). */
int tbuf_reserve(tbuf *b, size_t extra);

/* Appends n bytes. Returns 0, or -ENOMEM (buffer unchanged). */
int tbuf_add(tbuf *b, const void *data, size_t n);

/* Appends one byte. Returns 0, or -ENOMEM. */
int tbuf_addc(tbuf *b, char ch);

/* Appends printf-formatted text (no NUL counted in len, but p[len] is NUL).
 * Returns 0, or -ENOMEM / -EINVAL (buffer unchanged). */
int tbuf_printf(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Empties the buffer; keeps the allocation unless it grew past 64 KiB (then frees it),
 * so one huge request does not pin memory on a long-lived connection. */
void tbuf_clear(tbuf *b);

/* Frees the allocation; the buffer is empty and reusable afterwards. NULL is fine. */
void tbuf_free(tbuf *b);

#endif
