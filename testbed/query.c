/* query.c — URL query strings: split on & and =, percent-decode, look up by name. */
#include "query.h"

#include <errno.h>
#include <string.h>

static int qs_hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Appends the decoding of s[0..n) and a NUL. Returns 0, -EINVAL or -ENOMEM. */
static int qs_decode(const char *s, size_t n, tbuf *out)
{
    int rc = tbuf_reserve(out, n + 1);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\0') {
            return -EINVAL; /* a raw NUL would split a pair in two: "a=1\0b\0x" */
        } else if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            if (n - i < 3)
                return -EINVAL;
            int hi = qs_hex(s[i + 1]), lo = qs_hex(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -EINVAL;
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        out->p[out->len++] = ch; /* room reserved above: decoding never grows */
    }
    out->p[out->len++] = '\0';
    return 0;
}

int qs_parse(const char *s, size_t n, tbuf *out)
{
    int count = 0;
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - s) : n;
        if (end > i) {
            const char *eq = memchr(s + i, '=', end - i);
            size_t name_end = eq ? (size_t)(eq - s) : end;
            int rc = qs_decode(s + i, name_end - i, out);
            if (rc == 0)
                rc = eq ? qs_decode(eq + 1, end - name_end - 1, out) : qs_decode("", 0, out);
            if (rc)
                return rc;
            count++;
        }
        i = end + 1;
    }
    return count;
}

const char *qs_get(const tbuf *pairs, int count, const char *name)
{
    size_t off = 0;
    for (int k = 0; k < count; k++) {
        const char *key = pairs->p + off;
        size_t klen = strlen(key);
        const char *val = key + klen + 1;
        if (strcmp(key, name) == 0)
            return val;
        off += klen + 1 + strlen(val) + 1;
    }
    return NULL;
}
