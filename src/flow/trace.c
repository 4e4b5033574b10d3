/* trace.c — printing traced requests and responses, secrets redacted. */
#include "flow/trace.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/redact.h"
#include "util/sbuf.h"

struct trace {
    FILE *f;   /* where the printing functions write: a memory stream while one runs */
    FILE *out; /* the real stream: each block goes there whole, secrets scrubbed */
    char *mbuf;
    size_t mlen;
    struct sbuf scrubbed;
    long left; /* requests still to print */
    long seq;  /* requests printed */
    int open;  /* the last request was printed: its response and notes follow */
    struct sbuf line;
};

trace *trace_new(FILE *f, long n)
{
    trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->f = t->out = f;
    t->left = n;
    return t;
}

/* Start a block: print into memory, so that end() can scrub the secret values
 * (${env.*}) out of it before it reaches the real stream. */
static void begin(trace *t)
{
    t->mbuf = NULL;
    t->mlen = 0;
    t->f = open_memstream(&t->mbuf, &t->mlen);
    if (!t->f) /* out of memory: print nothing rather than unscrubbed */
        t->f = fopen("/dev/null", "w");
    if (!t->f)
        t->f = t->out;
}

static void end(trace *t)
{
    if (t->f == t->out)
        return;
    fclose(t->f); /* a memory stream's buffer is final now (NULL for /dev/null) */
    t->f = t->out;
    if (!t->mbuf)
        return;
    sbuf_reset(&t->scrubbed);
    if (!redact_scrub(&t->scrubbed, t->mbuf, t->mlen)) {
        flockfile(t->out); /* a block stays whole among other threads' stderr lines */
        fwrite(t->scrubbed.buf, 1, t->scrubbed.len, t->out);
        fflush(t->out);
        funlockfile(t->out);
    }
    free(t->mbuf);
    t->mbuf = NULL;
}

void trace_free(trace *t)
{
    if (!t)
        return;
    sbuf_free(&t->line);
    sbuf_free(&t->scrubbed);
    free(t);
}

int trace_want(const trace *t)
{
    return t->left > 0;
}

int trace_open(const trace *t)
{
    return t && t->open;
}

/* n bytes as one line's text: printable ASCII and tabs as they are, other bytes \xNN. */
static void put_text(trace *t, const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == '\t' || (c >= ' ' && c < 0x7f))
            fputc(c, t->f);
        else
            fprintf(t->f, "\\x%02x", c);
    }
}

/* Body bytes line by line, prefixed with `pfx`: CRLF and LF end a line; a line that is
 * mostly binary (a quarter or more of its bytes not printable) shows as its length
 * only, a run of them as one length; otherwise printable ASCII and tabs are as they are, other
 * bytes \xNN. */
static void put_body(trace *t, const char *pfx, const char *b, size_t n, unsigned long long total)
{
    size_t show = n < TRACE_BODY_MAX ? n : TRACE_BODY_MAX, i = 0, binrun = 0;
    while (i < show) {
        size_t s = i, bin = 0;
        while (i < show && b[i] != '\n')
            i++;
        size_t e = i;
        if (i < show)
            i++; /* the LF */
        if (e > s && b[e - 1] == '\r' && e < show)
            e--; /* CRLF */
        for (size_t k = s; k < e; k++) {
            unsigned char c = (unsigned char)b[k];
            bin += c != '\t' && (c < ' ' || c >= 0x7f);
        }
        if (bin * 4 >= e - s && bin) {
            binrun += i - s; /* consecutive binary lines show as one */
            continue;
        }
        if (binrun)
            fprintf(t->f, "%s[%zu bytes of binary]\n", pfx, binrun);
        binrun = 0;
        fputs(pfx, t->f);
        put_text(t, b + s, e - s);
        fputc('\n', t->f);
    }
    if (binrun)
        fprintf(t->f, "%s[%zu bytes of binary]\n", pfx, binrun);
    if (total > show)
        fprintf(t->f, "%s... (%llu more bytes)\n", pfx, total - show);
}

/* One "Name: value" line, redacted. */
static void put_header(trace *t, const char *pfx, const char *name, size_t nlen, const char *v,
                       size_t vlen)
{
    char nm[128];
    size_t k = nlen < sizeof nm - 1 ? nlen : sizeof nm - 1;
    memcpy(nm, name, k);
    nm[k] = '\0';
    sbuf_reset(&t->line);
    fputs(pfx, t->f);
    put_text(t, name, nlen);
    fputs(": ", t->f);
    if (redact_header(&t->line, nm, v, vlen))
        fputs("(out of memory)", t->f);
    else
        put_text(t, t->line.buf, t->line.len);
    fputc('\n', t->f);
}

static void request(trace *t, const char *what, const struct iovec *iov, int iovcnt);

void trace_request(trace *t, const char *what, const struct iovec *iov, int iovcnt)
{
    begin(t);
    request(t, what, iov, iovcnt);
    end(t);
}

static void request(trace *t, const char *what, const struct iovec *iov, int iovcnt)
{
    t->open = 0;
    if (t->left <= 0 || iovcnt < 1)
        return;
    t->left--;
    t->seq++;
    t->open = 1;
    fprintf(t->f, "--- trace %ld: %s ---\n", t->seq, what);
    const char *h = iov[0].iov_base;
    size_t n = iov[0].iov_len, i = 0;
    int first = 1;
    while (i < n) {
        size_t s = i;
        while (i < n && h[i] != '\r' && h[i] != '\n')
            i++;
        size_t e = i;
        if (i < n && h[i] == '\r')
            i++;
        if (i < n && h[i] == '\n')
            i++;
        if (e == s)
            break; /* the blank line ending the head */
        const char *colon = first ? NULL : memchr(h + s, ':', e - s);
        if (colon) {
            const char *v = colon + 1;
            while (v < h + e && (*v == ' ' || *v == '\t'))
                v++;
            put_header(t, "> ", h + s, (size_t)(colon - (h + s)), v, (size_t)(h + e - v));
        } else {
            fputs("> ", t->f);
            put_text(t, h + s, e - s);
            fputc('\n', t->f);
        }
        first = 0;
    }
    unsigned long long total = 0;
    for (int k = 1; k < iovcnt; k++)
        total += iov[k].iov_len;
    if (!total)
        return;
    fputs(">\n", t->f);
    /* the first TRACE_BODY_MAX bytes, gathered from the iovecs */
    char buf[TRACE_BODY_MAX];
    size_t got = 0;
    for (int k = 1; k < iovcnt && got < sizeof buf; k++) {
        size_t c = iov[k].iov_len < sizeof buf - got ? iov[k].iov_len : sizeof buf - got;
        memcpy(buf + got, iov[k].iov_base, c);
        got += c;
    }
    put_body(t, "> ", buf, got, total);
}

void trace_skip(trace *t, const char *what, const char *cls, const char *reason)
{
    t->open = 0;
    if (t->left <= 0)
        return;
    t->left--;
    t->seq++;
    begin(t);
    fprintf(t->f, "--- trace %ld: %s ---\n= not sent: FAILED (%s): %s\n", t->seq, what, cls,
            reason);
    end(t);
}

static void response(trace *t, int status, const http1_resp *r, const char *reason);

void trace_response(trace *t, int status, const http1_resp *r, const char *reason)
{
    begin(t);
    response(t, status, r, reason);
    end(t);
}

static void response(trace *t, int status, const http1_resp *r, const char *reason)
{
    if (!t->open)
        return;
    if (!status || !r) {
        fprintf(t->f, "< (no response: %s)\n", reason ? reason : "?");
        return;
    }
    fprintf(t->f, "< %d\n", status);
    int nh = http1_resp_header_count(r);
    for (int i = 0; i < nh; i++) {
        const char *name, *value;
        http1_resp_header(r, i, &name, &value);
        if (name)
            put_header(t, "< ", name, strlen(name), value, strlen(value));
    }
    size_t len;
    const char *b = http1_resp_body(r, &len);
    unsigned long long total = http1_resp_body_len(r);
    if (total) {
        fputs("<\n", t->f);
        put_body(t, "< ", b, len, total > len ? total : len);
    }
}

void trace_note(trace *t, const char *fmt, ...)
{
    if (!t->open)
        return;
    va_list ap;
    va_start(ap, fmt);
    begin(t);
    fputs("= ", t->f);
    vfprintf(t->f, fmt, ap);
    fputc('\n', t->f);
    end(t);
    va_end(ap);
}

void trace_value(trace *t, const char *var, const char *v, size_t n, const char *header,
                 int secret)
{
    if (!t->open)
        return;
    sbuf_reset(&t->line);
    if (n > TRACE_BODY_MAX)
        n = TRACE_BODY_MAX;
    int rc = header   ? redact_header(&t->line, header, v, n)
             : secret ? redact_value(&t->line, v, n)
                      : sbuf_append(&t->line, v, n);
    begin(t);
    fprintf(t->f, "= extract %s = ", var);
    if (rc)
        fputs("(out of memory)", t->f);
    else
        put_text(t, t->line.buf, t->line.len);
    fputc('\n', t->f);
    end(t);
}
