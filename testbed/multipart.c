/* multipart.c — multipart/form-data bodies: boundary from Content-Type, then parts, checked
 * for every bound before each read (bodies come straight from the network). */
#include "multipart.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static int mp_fail(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return -EINVAL;
}

static int mp_is_ws(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Case-insensitive: does s[0..n) start with the literal lit? */
static int mp_starts(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && strncasecmp(s, lit, k) == 0;
}

/* ---- parameters: `; key=value; key="quoted value"` ---- */

/* One parameter of s[*i..n): its key span and raw value span (quotes stripped). Advances *i
 * past it and the ';' after it. Returns 1 on a parameter, 0 at the end, -1 if malformed. */
static int mp_param(const char *s, size_t n, size_t *i, const char **key, size_t *klen,
                    const char **val, size_t *vlen)
{
    size_t p = *i;
    while (p < n && (mp_is_ws(s[p]) || s[p] == ';'))
        p++;
    if (p >= n)
        return 0;
    size_t k0 = p;
    while (p < n && s[p] != '=' && s[p] != ';' && !mp_is_ws(s[p]))
        p++;
    *key = s + k0;
    *klen = p - k0;
    while (p < n && mp_is_ws(s[p]))
        p++;
    if (*klen == 0 || p >= n || s[p] != '=')
        return -1; /* a bare word or "=x" where key=value belongs */
    p++;
    while (p < n && mp_is_ws(s[p]))
        p++;
    if (p < n && s[p] == '"') {
        size_t v0 = ++p;
        while (p < n && s[p] != '"')
            p += (s[p] == '\\' && p + 1 < n) ? 2 : 1;
        if (p >= n)
            return -1; /* unterminated quoted string */
        *val = s + v0;
        *vlen = p - v0;
        p++;
    } else {
        size_t v0 = p;
        while (p < n && s[p] != ';' && !mp_is_ws(s[p]))
            p++;
        *val = s + v0;
        *vlen = p - v0;
    }
    while (p < n && mp_is_ws(s[p]))
        p++;
    if (p < n && s[p] != ';')
        return -1; /* junk after the value */
    *i = p;
    return 1;
}

int mp_boundary(const char *content_type, char out[MP_BOUNDARY_MAX + 1], const char **why)
{
    if (!content_type)
        return mp_fail(why, "no Content-Type (want multipart/form-data; boundary=...)");
    const char *s = content_type;
    size_t n = strlen(s), i = 0;
    while (i < n && mp_is_ws(s[i]))
        i++;
    if (!mp_starts(s + i, n - i, "multipart/form-data"))
        return mp_fail(why, "Content-Type is not multipart/form-data");
    i += strlen("multipart/form-data");
    while (i < n && mp_is_ws(s[i]))
        i++;
    if (i < n && s[i] != ';')
        return mp_fail(why, "Content-Type is not multipart/form-data");
    const char *key, *val;
    size_t klen, vlen;
    int rc;
    while ((rc = mp_param(s, n, &i, &key, &klen, &val, &vlen)) == 1) {
        if (klen != 8 || strncasecmp(key, "boundary", 8) != 0)
            continue;
        size_t o = 0;
        for (size_t k = 0; k < vlen; k++) {
            char ch = val[k];
            if (ch == '\\' && k + 1 < vlen)
                ch = val[++k];
            if (o == MP_BOUNDARY_MAX)
                return mp_fail(why, "multipart boundary longer than 70 characters");
            if ((unsigned char)ch < 0x20 || (unsigned char)ch > 0x7e)
                return mp_fail(why, "multipart boundary has a control or non-ASCII character");
            out[o++] = ch;
        }
        if (o == 0)
            return mp_fail(why, "empty multipart boundary");
        if (out[o - 1] == ' ')
            return mp_fail(why, "multipart boundary ends in a space");
        out[o] = '\0';
        return (int)o;
    }
    if (rc < 0)
        return mp_fail(why, "malformed Content-Type parameters");
    return mp_fail(why, "multipart/form-data without a boundary parameter");
}

/* ---- parts ---- */

/* Reads the Content-Disposition value v[0..n) into p->name and p->filename.
 * Returns 0, or -EINVAL. */
static int mp_disposition(const char *v, size_t n, struct mp_part *p, const char **why)
{
    if (!mp_starts(v, n, "form-data"))
        return mp_fail(why, "part Content-Disposition is not form-data");
    size_t i = strlen("form-data");
    if (i < n && v[i] != ';' && !mp_is_ws(v[i]))
        return mp_fail(why, "part Content-Disposition is not form-data");
    const char *key, *val;
    size_t klen, vlen;
    int rc;
    while ((rc = mp_param(v, n, &i, &key, &klen, &val, &vlen)) == 1) {
        if (klen == 4 && strncasecmp(key, "name", 4) == 0) {
            p->name = val;
            p->name_len = vlen;
        } else if (klen == 8 && strncasecmp(key, "filename", 8) == 0) {
            p->filename = val;
            p->filename_len = vlen;
        }
    }
    if (rc < 0)
        return mp_fail(why, "malformed part Content-Disposition parameters");
    if (!p->name)
        return mp_fail(why, "part Content-Disposition has no name");
    return 0;
}

/* Parses the header block h[0..n) (lines separated by CRLF, no final blank line) into p.
 * Returns 0, or -EINVAL. */
static int mp_headers(const char *h, size_t n, struct mp_part *p, const char **why)
{
    int disposition = 0;
    size_t i = 0;
    while (i < n) {
        const char *eol = memmem(h + i, n - i, "\r\n", 2);
        size_t end = eol ? (size_t)(eol - h) : n;
        const char *line = h + i;
        size_t len = end - i;
        const char *colon = memchr(line, ':', len);
        if (!colon)
            return mp_fail(why, "part header line without ':'");
        size_t nlen = (size_t)(colon - line);
        if (nlen == 0)
            return mp_fail(why, "part header line with an empty name");
        for (size_t k = 0; k < nlen; k++) {
            unsigned char ch = (unsigned char)line[k];
            if (ch <= 0x20 || ch >= 0x7f)
                return mp_fail(why, "part header name with a space or control character");
        }
        const char *v = colon + 1;
        size_t vlen = len - nlen - 1;
        while (vlen > 0 && mp_is_ws(v[0])) {
            v++;
            vlen--;
        }
        while (vlen > 0 && mp_is_ws(v[vlen - 1]))
            vlen--;
        if (nlen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
            if (disposition++)
                return mp_fail(why, "part with two Content-Disposition headers");
            if (mp_disposition(v, vlen, p, why))
                return -EINVAL;
        } else if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
            p->ctype = v;
            p->ctype_len = vlen;
        }
        i = eol ? end + 2 : n;
    }
    if (!disposition)
        return mp_fail(why, "part without Content-Disposition");
    return 0;
}

/* One pass over the body: checks it, and calls fn on each part when call is set. */
static int mp_walk(const char *body, size_t len, const char *boundary, mp_part_fn fn, void *ud,
                   int call, const char **why)
{
    size_t blen = boundary ? strlen(boundary) : 0;
    if (blen == 0 || blen > MP_BOUNDARY_MAX)
        return mp_fail(why, "bad multipart boundary");
    char delim[MP_BOUNDARY_MAX + 4]; /* "\r\n--" boundary */
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, blen);
    size_t dlen = blen + 4;

    /* The first delimiter may open the body (without the CRLF) or follow a preamble. */
    size_t pos;
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        pos = dlen - 2;
    } else {
        const char *d = len >= dlen ? memmem(body, len, delim, dlen) : NULL;
        if (!d)
            return mp_fail(why, "no multipart boundary in the body");
        pos = (size_t)(d - body) + dlen;
    }
    int nparts = 0;
    for (;;) {
        /* pos is just after a delimiter: "--" closes, else padding and CRLF open a part. */
        if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
            return nparts; /* the epilogue after the close is ignored */
        while (pos < len && mp_is_ws(body[pos]))
            pos++;
        if (len - pos < 2)
            return mp_fail(why, "multipart body truncated after a boundary");
        if (body[pos] != '\r' || body[pos + 1] != '\n')
            return mp_fail(why, "junk after a multipart boundary");
        pos += 2;
        if (nparts == MP_PARTS_MAX)
            return mp_fail(why, "too many multipart parts");

        struct mp_part part;
        memset(&part, 0, sizeof part);
        if (len - pos >= 2 && body[pos] == '\r' && body[pos + 1] == '\n')
            return mp_fail(why, "part without Content-Disposition"); /* no headers at all */
        size_t room = len - pos;
        size_t lim = room < MP_PART_HEAD_MAX + 4 ? room : MP_PART_HEAD_MAX + 4;
        const char *e = memmem(body + pos, lim, "\r\n\r\n", 4);
        if (!e)
            return mp_fail(why, room > MP_PART_HEAD_MAX
                                    ? "part headers too large"
                                    : "multipart body truncated in part headers");
        size_t hend = (size_t)(e - body);
        if (mp_headers(body + pos, hend - pos, &part, why))
            return -EINVAL;
        size_t data = hend + 4;
        /* The data runs to the next delimiter (whose leading CRLF is not data). */
        const char *d = len - data >= dlen ? memmem(body + data, len - data, delim, dlen) : NULL;
        if (!d)
            return mp_fail(why, "multipart body truncated (no closing boundary)");
        size_t dend = (size_t)(d - body);
        part.data = body + data;
        part.len = dend - data;
        nparts++;
        if (call) {
            int rc = fn(&part, ud);
            if (rc)
                return rc;
        }
        pos = dend + dlen;
    }
}

int mp_parse(const char *body, size_t len, const char *boundary, mp_part_fn fn, void *ud,
             const char **why)
{
    if (!body)
        len = 0;
    if (!body || len == 0)
        return mp_fail(why, "empty multipart body");
    int rc = mp_walk(body, len, boundary, NULL, NULL, 0, why);
    if (rc <= 0 || !fn)
        return rc;
    return mp_walk(body, len, boundary, fn, ud, 1, why);
}
