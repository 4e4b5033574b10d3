/* body.c — multipart bodies as iovecs (own headers, shared file bytes), urlencoded forms. */
#include "flow/body.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct body_part {
    size_t name_off;                 /* offset of the NUL-terminated name in text */
    size_t value_off;                /* offset of the value in text (text fields) */
    const struct payload_item *item; /* file parts: the shared item; NULL for text */
    size_t split;                    /* file parts: where in out the file bytes go */
};

void body_mp_init(struct body_multipart *m, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->rng = seed;
}

void body_mp_reset(struct body_multipart *m)
{
    m->iov = NULL;
    m->iovcnt = 0;
    m->content_length = 0;
    m->content_type[0] = '\0';
    m->boundary[0] = '\0';
    m->oom = 0;
    m->text_len = 0;
    m->out_len = 0;
    m->nparts = 0;
    m->files_len = 0;
}

void body_mp_release(struct body_multipart *m)
{
    if (!m)
        return;
    free(m->text);
    free(m->out);
    free(m->parts);
    free(m->iov_buf);
    body_mp_init(m, m->rng);
}

size_t body_mp_owned_bytes(const struct body_multipart *m)
{
    return m->text_cap + m->out_cap + m->parts_cap * sizeof *m->parts +
           m->iov_cap * sizeof *m->iov_buf;
}

/* Grow *buf (of *cap elements of `size`) to hold `need`; doubles. Returns 0 or -1. */
static int grow(void **buf, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size)
            return -1;
        n *= 2;
    }
    void *nb = realloc(*buf, n * size);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = n;
    return 0;
}

/* Copy a string (with its NUL) into text; returns its offset, or SIZE_MAX. */
static size_t text_add(struct body_multipart *m, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > SIZE_MAX - m->text_len ||
        grow((void **)&m->text, &m->text_cap, m->text_len + n, 1) != 0)
        return SIZE_MAX;
    size_t off = m->text_len;
    memcpy(m->text + off, s, n);
    m->text_len += n;
    return off;
}

static struct body_part *part_add(struct body_multipart *m)
{
    if (grow((void **)&m->parts, &m->parts_cap, m->nparts + 1, sizeof *m->parts) != 0)
        return NULL;
    struct body_part *p = &m->parts[m->nparts];
    memset(p, 0, sizeof *p);
    return p;
}

/* Any add invalidates the outputs of a previous finish. */
static void outputs_clear(struct body_multipart *m)
{
    m->iov = NULL;
    m->iovcnt = 0;
    m->content_length = 0;
}

int body_mp_add_field(struct body_multipart *m, const char *name, const char *value)
{
    outputs_clear(m);
    size_t saved = m->text_len;
    struct body_part *p = part_add(m);
    if (!p)
        goto oom;
    p->name_off = text_add(m, name ? name : "");
    if (p->name_off == SIZE_MAX)
        goto oom;
    p->value_off = text_add(m, value ? value : "");
    if (p->value_off == SIZE_MAX)
        goto oom;
    m->nparts++;
    return 0;
oom:
    m->text_len = saved;
    m->oom = 1;
    errno = ENOMEM;
    return -1;
}

int body_mp_add_file(struct body_multipart *m, const char *name, const struct payload_item *it)
{
    outputs_clear(m);
    if (!it) {
        errno = EINVAL;
        m->oom = 1; /* the body would miss a part: make finish fail */
        return -1;
    }
    struct body_part *p = part_add(m);
    if (!p)
        goto oom;
    p->name_off = text_add(m, name ? name : "");
    if (p->name_off == SIZE_MAX)
        goto oom;
    p->item = it;
    m->files_len += it->len;
    m->nparts++;
    return 0;
oom:
    m->oom = 1;
    errno = ENOMEM;
    return -1;
}

int body_mp_add_set(struct body_multipart *m, const char *name, const payload *set)
{
    size_t n = payload_count(set);
    for (size_t i = 0; i < n; i++)
        if (body_mp_add_file(m, name, payload_item(set, i)) != 0)
            return -1;
    return 0;
}

/* ---- finishing ------------------------------------------------------------------------- */

/* The boundary: "surge-" + 32 characters from 62, fresh for every body.
 *
 * Text (names, values, file names, content types) is scanned and a boundary found
 * in it is replaced. File contents are not scanned — that would read every byte
 * of the shared payload for each request, the cost this module exists to avoid.
 * That is safe by probability: the boundary is drawn after the file bytes were
 * fixed (at plan load) and independently of them, so a file of n bytes contains it
 * with probability at most n * 62^-32 ~ n * 2^-190. A run sending 10^12 bodies of
 * 10^8 bytes (2^67 positions in all) collides with probability below 2^-120. */
static const char boundary_chars[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void boundary_new(struct body_multipart *m)
{
    static const char prefix[] = "surge-";
    memcpy(m->boundary, prefix, sizeof prefix - 1);
    char *b = m->boundary + sizeof prefix - 1;
    for (int i = 0; i < 32; i += 8) {
        uint64_t r = rng_next(&m->rng);
        /* 8 characters from 64 bits: 62^8 < 2^48, the modulo bias is < 2^-16. */
        for (int j = 0; j < 8; j++) {
            b[i + j] = boundary_chars[r % 62];
            r /= 62;
        }
    }
    m->boundary[BODY_BOUNDARY_LEN] = '\0';
}

/* Whether the boundary occurs in any text of the body. */
static int boundary_clashes(const struct body_multipart *m)
{
    if (m->text_len && memmem(m->text, m->text_len, m->boundary, BODY_BOUNDARY_LEN))
        return 1;
    for (size_t i = 0; i < m->nparts; i++) {
        const struct payload_item *it = m->parts[i].item;
        if (it && ((it->filename && strstr(it->filename, m->boundary)) ||
                   (it->content_type && strstr(it->content_type, m->boundary))))
            return 1;
    }
    return 0;
}

static int out_put(struct body_multipart *m, const char *s, size_t n)
{
    if (n > SIZE_MAX - m->out_len || grow((void **)&m->out, &m->out_cap, m->out_len + n, 1) != 0)
        return -1;
    memcpy(m->out + m->out_len, s, n);
    m->out_len += n;
    return 0;
}

static int out_str(struct body_multipart *m, const char *s)
{
    return out_put(m, s, strlen(s));
}

/* A name or filename inside quotes: CR, LF and '"' as %0D, %0A, %22 (HTML's
 * multipart/form-data encoding); everything else as is. */
static int out_quoted(struct body_multipart *m, const char *s)
{
    if (out_put(m, "\"", 1) != 0)
        return -1;
    const char *run = s;
    for (; *s; s++) {
        const char *esc = *s == '\r' ? "%0D" : *s == '\n' ? "%0A" : *s == '"' ? "%22" : NULL;
        if (!esc)
            continue;
        if (out_put(m, run, (size_t)(s - run)) != 0 || out_put(m, esc, 3) != 0)
            return -1;
        run = s + 1;
    }
    if (out_put(m, run, (size_t)(s - run)) != 0)
        return -1;
    return out_put(m, "\"", 1);
}

/* Emit every header run into out, recording where file contents go. */
static int emit(struct body_multipart *m)
{
    m->out_len = 0;
    for (size_t i = 0; i < m->nparts; i++) {
        struct body_part *p = &m->parts[i];
        if (out_str(m, i ? "\r\n--" : "--") != 0 || out_str(m, m->boundary) != 0 ||
            out_str(m, "\r\nContent-Disposition: form-data; name=") != 0 ||
            out_quoted(m, m->text + p->name_off) != 0)
            return -1;
        if (p->item) {
            const char *fn = p->item->filename ? p->item->filename : "";
            const char *ct =
                p->item->content_type ? p->item->content_type : "application/octet-stream";
            if (out_str(m, "; filename=") != 0 || out_quoted(m, fn) != 0 ||
                out_str(m, "\r\nContent-Type: ") != 0 || out_str(m, ct) != 0 ||
                out_str(m, "\r\n\r\n") != 0)
                return -1;
            p->split = m->out_len;
        } else {
            if (out_str(m, "\r\n\r\n") != 0 || out_str(m, m->text + p->value_off) != 0)
                return -1;
        }
    }
    if (out_str(m, m->nparts ? "\r\n--" : "--") != 0 || out_str(m, m->boundary) != 0 ||
        out_str(m, "--\r\n") != 0)
        return -1;
    return 0;
}

int body_mp_finish(struct body_multipart *m, char *err, int errlen)
{
    outputs_clear(m);
    if (m->oom)
        goto oom;
    int tries = 0;
    do {
        if (++tries > 16) {
            if (err && errlen > 0)
                snprintf(err, (size_t)errlen, "multipart: no boundary absent from the fields");
            return -1;
        }
        boundary_new(m);
    } while (boundary_clashes(m));
    if (emit(m) != 0)
        goto oom;
    if (grow((void **)&m->iov_buf, &m->iov_cap, 2 * m->nparts + 1, sizeof *m->iov_buf) != 0)
        goto oom;
    /* Now that out no longer moves, point the iovecs at it. Empty files add no
     * entry: the header runs around them are contiguous in out anyway. */
    size_t n = 0, start = 0;
    for (size_t i = 0; i < m->nparts; i++) {
        const struct payload_item *it = m->parts[i].item;
        if (!it || it->len == 0)
            continue;
        m->iov_buf[n++] = (struct iovec){m->out + start, m->parts[i].split - start};
        m->iov_buf[n++] = (struct iovec){(void *)it->data, it->len};
        start = m->parts[i].split;
    }
    m->iov_buf[n++] = (struct iovec){m->out + start, m->out_len - start};
    snprintf(m->content_type, sizeof m->content_type, "multipart/form-data; boundary=%s",
             m->boundary);
    m->iov = m->iov_buf;
    m->iovcnt = (int)n;
    m->content_length = (uint64_t)m->out_len + m->files_len;
    return 0;
oom:
    if (err && errlen > 0)
        snprintf(err, (size_t)errlen, "multipart: out of memory");
    return -1;
}

/* ---- application/x-www-form-urlencoded ------------------------------------------------- */

/* Append the encoding of s at *len (writing only what fits below cap - 1). */
static void urlenc_put(const char *s, char *out, size_t cap, size_t *len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char enc[3];
        size_t n = 1;
        unsigned c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '*' || c == '-' || c == '.' || c == '_') {
            enc[0] = (char)c;
        } else if (c == ' ') {
            enc[0] = '+';
        } else {
            enc[0] = '%';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
            n = 3;
        }
        for (size_t i = 0; i < n; i++, (*len)++)
            if (*len + 1 < cap)
                out[*len] = enc[i];
    }
}

static void urlenc_char(char c, char *out, size_t cap, size_t *len)
{
    if (*len + 1 < cap)
        out[*len] = c;
    (*len)++;
}

size_t body_urlencode(const struct body_pair *pairs, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            urlenc_char('&', out, cap, &len);
        urlenc_put(pairs[i].name ? pairs[i].name : "", out, cap, &len);
        urlenc_char('=', out, cap, &len);
        urlenc_put(pairs[i].value ? pairs[i].value : "", out, cap, &len);
    }
    if (cap > 0)
        out[len < cap ? len : cap - 1] = '\0';
    return len;
}
