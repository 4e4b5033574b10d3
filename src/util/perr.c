/* perr.c — positioned error messages for the small parsers. */
#include "util/perr.h"

#include <errno.h>
#include <stdio.h>

int perr_vset(char *err, int errlen, int *col, const char *src, const char *at, const char *fmt,
              va_list ap)
{
    if (err && errlen > 0)
        vsnprintf(err, (size_t)errlen, fmt, ap);
    *col = (int)(at - src) + 1;
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
