/* sbuf.h — a growable byte buffer, always NUL-terminated, for building strings on hot paths. */
#ifndef SURGE_UTIL_SBUF_H
#define SURGE_UTIL_SBUF_H

#include <stdarg.h>
#include <stddef.h>

/* The fields are public so a buffer can live on the stack or inside another struct
 * (`struct sbuf b = SBUF_INIT;`), but they MUST only be changed through the sbuf_
 * functions. Invariant once anything was appended: buf[len] == '\0', len < cap.
 * A zeroed struct is a valid empty buffer (buf NULL: sbuf_str still gives ""). */
struct sbuf {
    char *buf;  /* the bytes (may hold NULs), NUL-terminated; NULL until first growth */
    size_t len; /* bytes in use, not counting the terminating NUL */
    size_t cap; /* bytes allocated at buf */
};

#define SBUF_INIT                                                                                  \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Largest len a buffer may reach (1 GiB); growth past it fails with -E2BIG. */
#define SBUF_MAX ((size_t)1 << 30)

/* Make sure `extra` more bytes (plus the NUL) fit without another allocation.
 * @return 0, -ENOMEM, or -E2BIG past SBUF_MAX. On error the buffer is unchanged. */
int sbuf_reserve(struct sbuf *b, size_t extra);

/* Append n bytes / a C string / one char. @return 0, -ENOMEM or -E2BIG (buffer
 * unchanged on error). */
int sbuf_append(struct sbuf *b, const void *p, size_t n);
int sbuf_puts(struct sbuf *b, const char *s);
int sbuf_putc(struct sbuf *b, char c);

/* Append a C string as XML/HTML text or attribute value: < > & " escaped, and control
 * characters other than tab and newline (not allowed in XML 1.0) as spaces. NULL is
 * empty. @return 0, -ENOMEM or -E2BIG (what was appended before the error stays). */
int sbuf_put_xml(struct sbuf *b, const char *s);

/* Append n bytes as the contents of a JSON string (no quotes around): '"' and '\\'
 * escaped, control characters as \n \t ... or \u00XX, valid UTF-8 as is, and each byte
 * of an invalid UTF-8 sequence (overlong, surrogate, past U+10FFFF, cut short) as
 * \ufffd, so the result is always valid JSON text. @return 0, -ENOMEM or -E2BIG (what
 * was appended before the error stays). */
int sbuf_put_json_chars(struct sbuf *b, const char *s, size_t n);

/* Append formatted text. @return 0, -ENOMEM, -E2BIG, or -EINVAL for a format error;
 * the buffer is unchanged on error. */
int sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Append the decimal form of v (no allocation beyond growth, no printf). */
int sbuf_put_i64(struct sbuf *b, long long v);
int sbuf_put_u64(struct sbuf *b, unsigned long long v);

/* The contents as a C string: never NULL ("" for an empty or zeroed buffer). Valid
 * until the next call that grows or frees the buffer. */
const char *sbuf_str(const struct sbuf *b);

/* Drop everything from byte `len` on (no-op when len >= b->len); keeps capacity. */
void sbuf_truncate(struct sbuf *b, size_t len);

/* Empty the buffer, keeping its capacity for reuse. */
void sbuf_reset(struct sbuf *b);

/* Hand the bytes to the caller (free() them) and leave b empty; returns a malloc'd
 * "" for an empty buffer, or NULL when that allocation fails. */
char *sbuf_detach(struct sbuf *b);

/* Release the memory and leave b empty (reusable). Accepts NULL. */
void sbuf_free(struct sbuf *b);

#endif
