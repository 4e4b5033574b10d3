/* perr.c — positioned error messages for the small parsers. */
#include "util/perr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int perr_at(struct perr *e, const char *at, const char *fmt, ...)
{
    if (e->err && e->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err, (size_t)e->errlen, fmt, ap);
        va_end(ap);
    }
    e->col = (int)(at - e->src) + 1;
    return -EINVAL;
}

const char *perr_show(char ch, char buf[16])
{
    unsigned char u = (unsigned char)ch;
    if (u == 0)
        snprintf(buf, 16, "end of text");
    else if (u >= 0x20 && u < 0x7f)
        snprintf(buf, 16, "'%c'", ch);
    else
        snprintf(buf, 16, "byte 0x%02x", u);
    return buf;
}
