/* redact.c — showing secret header values as a prefix and a length. */
#include "util/redact.h"

#include <strings.h>

#include "util/sbuf.h"

enum redact_kind redact_header_kind(const char *name)
{
    if (!strcasecmp(name, "Cookie") || !strcasecmp(name, "Set-Cookie"))
        return REDACT_COOKIES;
    if (!strcasecmp(name, "Authorization") || !strcasecmp(name, "Proxy-Authorization"))
        return REDACT_WHOLE;
    return REDACT_NONE;
}

int redact_value(struct sbuf *out, const char *v, size_t n)
{
    size_t entry = out->len;
    int rc = 0;
    if (n > 2 * REDACT_KEEP)
        for (size_t i = 0; i < REDACT_KEEP && !rc; i++)
            rc = sbuf_putc(out, v[i] > ' ' && v[i] < 0x7f ? v[i] : '?');
    if (!rc)
        rc = sbuf_printf(out, "...(%zu byte%s)", n, n == 1 ? "" : "s");
    if (rc)
        sbuf_truncate(out, entry);
    return rc;
}

/* "name=value" pairs separated by ';': names as they are, values redacted; with
 * first_only, pairs after the first (Set-Cookie attributes) as they are. */
static int cookie_pairs(struct sbuf *out, const char *v, size_t n, int first_only)
{
    size_t i = 0;
    int rc = 0, pair = 0;
    while (i < n && !rc) {
        size_t s = i;
        while (s < n && (v[s] == ' ' || v[s] == '\t'))
            s++;
        if ((rc = sbuf_append(out, v + i, s - i))) /* blanks after the ';' as they are */
            break;
        i = s;
        while (i < n && v[i] != ';')
            i++;
        const char *eq = NULL;
        for (size_t k = s; k < i; k++)
            if (v[k] == '=') {
                eq = v + k;
                break;
            }
        if (first_only && pair > 0) {
            rc = sbuf_append(out, v + s, i - s);
        } else if (eq) {
            size_t vs = (size_t)(eq + 1 - v);
            rc = sbuf_append(out, v + s, vs - s);
            if (!rc)
                rc = redact_value(out, v + vs, i - vs);
        } else {
            rc = redact_value(out, v + s, i - s);
        }
        if (!rc && i < n)
            rc = sbuf_putc(out, ';');
        i += i < n;
        pair++;
    }
    return rc;
}

int redact_header(struct sbuf *out, const char *name, const char *v, size_t n)
{
    size_t entry = out->len;
    int rc;
    switch (redact_header_kind(name)) {
    case REDACT_WHOLE:
        rc = redact_value(out, v, n);
        break;
    case REDACT_COOKIES:
        rc = cookie_pairs(out, v, n, !strcasecmp(name, "Set-Cookie"));
        break;
    default:
        rc = sbuf_append(out, v, n);
    }
    if (rc)
        sbuf_truncate(out, entry);
    return rc;
}
