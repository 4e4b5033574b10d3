/* sbuf.c — the growable, always NUL-terminated byte buffer. */
#include "util/sbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sbuf_reserve(struct sbuf *b, size_t extra)
{
    if (extra > SBUF_MAX || b->len + extra > SBUF_MAX)
        return -E2BIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->buf, cap);
    if (!p)
        return -ENOMEM;
    if (!b->buf)
        p[0] = '\0';
    b->buf = p;
    b->cap = cap;
    return 0;
}

int sbuf_append(struct sbuf *b, const void *p, size_t n)
{
    int rc = sbuf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

int sbuf_puts(struct sbuf *b, const char *s)
{
    return sbuf_append(b, s, strlen(s));
}

int sbuf_putc(struct sbuf *b, char c)
{
    return sbuf_append(b, &c, 1);
}

int sbuf_put_xml(struct sbuf *b, const char *s)
{
    int rc = 0;
    for (; s && *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        rc = c == '<'   ? sbuf_puts(b, "&lt;")
             : c == '>' ? sbuf_puts(b, "&gt;")
             : c == '&' ? sbuf_puts(b, "&amp;")
             : c == '"' ? sbuf_puts(b, "&quot;")
             : c < 0x20 && c != '\n' && c != '\t' ? sbuf_putc(b, ' ')
                                                  : sbuf_putc(b, (char)c);
    }
    return rc;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (!len || len > n || (len == 3 && c > 0xef))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || /* overlong, surrogate */
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))   /* overlong, > 10FFFF */
        return 0;
    return len;
}

int sbuf_put_json_chars(struct sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        unsigned c = u[i];
        if (c >= 0x80) {
            size_t l = utf8_len(u + i, n - i);
            rc = l ? sbuf_append(b, u + i, l) : sbuf_puts(b, "\\ufffd");
            i += l ? l : 1;
            continue;
        }
        i++;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rc = sbuf_append(b, e, 2);
        } else if (c < 0x20) {
            const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                              : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            rc = named ? sbuf_puts(b, named) : sbuf_append(b, e, 6);
        } else {
            rc = sbuf_putc(b, (char)c);
        }
    }
    return rc;
}

int sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -EINVAL;
    if ((size_t)n < sizeof small)
        return sbuf_append(b, small, (size_t)n);
    int rc = sbuf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Digits of u (after an optional '-') written backwards into a 24-byte tail. */
static int put_dec(struct sbuf *b, unsigned long long u, int neg)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        tmp[--i] = '-';
    return sbuf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

int sbuf_put_i64(struct sbuf *b, long long v)
{
    /* The magnitude as unsigned, so LLONG_MIN does not overflow. */
    return put_dec(b, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0);
}

int sbuf_put_u64(struct sbuf *b, unsigned long long v)
{
    return put_dec(b, v, 0);
}

const char *sbuf_str(const struct sbuf *b)
{
    return b->buf ? b->buf : "";
}

void sbuf_truncate(struct sbuf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->buf[len] = '\0';
    }
}

void sbuf_reset(struct sbuf *b)
{
    sbuf_truncate(b, 0);
}

char *sbuf_detach(struct sbuf *b)
{
    char *p = b->buf;
    if (!p)
        p = calloc(1, 1);
    b->buf = NULL;
    b->len = b->cap = 0;
    return p;
}

void sbuf_free(struct sbuf *b)
{
    if (!b)
        return;
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}
