/* tbuf.c — the testbed's growable byte buffer. */
#include "tbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TBUF_KEEP_MAX (64 * 1024) /* tbuf_clear keeps allocations up to this size */

int tbuf_reserve(tbuf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > ((size_t)-1) / 2 - b->len)
        return -ENOMEM;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int tbuf_add(tbuf *b, const void *data, size_t n)
{
    if (n == 0)
        return 0;
    int rc = tbuf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

int tbuf_addc(tbuf *b, char ch)
{
    return tbuf_add(b, &ch, 1);
}

int tbuf_printf(tbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    int rc = tbuf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void tbuf_clear(tbuf *b)
{
    if (b->cap > TBUF_KEEP_MAX)
        tbuf_free(b);
    b->len = 0;
}

void tbuf_free(tbuf *b)
{
    if (!b)
        return;
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
