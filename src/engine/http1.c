/* http1.c — HTTP/1.1 request heads out, responses in (http-parser), optional capture. */
#include "engine/http1.h"

#include <errno.h>
#include <http_parser.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef SURGE_VERSION
#define SURGE_VERSION "0"
#endif

/* ---- Request heads ---------------------------------------------------------- */

struct out {
    char *buf;
    size_t cap;
    size_t len;   /* bytes written so far (never more than cap) */
    int overflow; /* something did not fit */
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->overflow || n > o->cap - o->len) {
        o->overflow = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static int has_crlf(const char *s)
{
    return s[strcspn(s, "\r\n")] != '\0';
}

static int has_header(const struct http1_header *hdrs, int nhdrs, const char *name)
{
    for (int i = 0; i < nhdrs; i++)
        if (!strcasecmp(hdrs[i].name, name))
            return 1;
    return 0;
}

int http1_write_head(char *buf, size_t cap, const char *method, const char *path,
                     const char *authority, const struct http1_header *hdrs, int nhdrs,
                     int64_t body_len)
{
    if (!method || !*method || !path || !*path || nhdrs < 0 || (nhdrs > 0 && !hdrs))
        return -EINVAL;
    if (has_crlf(method) || has_crlf(path))
        return -EINVAL;
    for (int i = 0; i < nhdrs; i++) {
        if (!hdrs[i].name || !hdrs[i].value || has_crlf(hdrs[i].name) ||
            has_crlf(hdrs[i].value))
            return -EINVAL;
    }
    int want_host = !has_header(hdrs, nhdrs, "Host");
    if (want_host && (!authority || has_crlf(authority)))
        return -EINVAL;
    int want_ua = !has_header(hdrs, nhdrs, "User-Agent");
    int want_cl = (body_len > 0 || (body_len == 0 && (!strcmp(method, "POST") ||
                                                      !strcmp(method, "PUT") ||
                                                      !strcmp(method, "PATCH")))) &&
                  !has_header(hdrs, nhdrs, "Content-Length") &&
                  !has_header(hdrs, nhdrs, "Transfer-Encoding");

    struct out o = {buf, cap > INT_MAX ? INT_MAX : cap, 0, 0};
    if (!buf)
        o.cap = 0;
    puts_(&o, method);
    put(&o, " ", 1);
    puts_(&o, path);
    put(&o, " HTTP/1.1\r\n", 11);
    if (want_host) {
        put(&o, "Host: ", 6);
        puts_(&o, authority);
        put(&o, "\r\n", 2);
    }
    if (want_ua)
        puts_(&o, "User-Agent: surge/" SURGE_VERSION "\r\n");
    for (int i = 0; i < nhdrs; i++) {
        puts_(&o, hdrs[i].name);
        put(&o, ": ", 2);
        puts_(&o, hdrs[i].value);
        put(&o, "\r\n", 2);
    }
    if (want_cl) {
        char num[40];
        int k = snprintf(num, sizeof num, "Content-Length: %" PRId64 "\r\n", body_len);
        put(&o, num, (size_t)k);
    }
    put(&o, "\r\n", 2);
    if (o.overflow)
        return -ENOSPC;
    return (int)o.len;
}

/* RFC 7230 tchar: "!#$%&'*+-.^_`|~" DIGIT ALPHA */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int arg_fail(char *err, int errlen, const char *arg, const char *why)
{
    if (err && errlen > 0)
        snprintf(err, (size_t)errlen, "bad header '%.*s' (%s)", (int)strcspn(arg, "\r\n"), arg,
                 why);
    return -1;
}

int http1_parse_header_arg(const char *arg, char **owned, const char **name,
                           const char **value, char *err, int errlen)
{
    if (!arg)
        return arg_fail(err, errlen, "", "expected 'Name: value'");
    if (has_crlf(arg))
        return arg_fail(err, errlen, arg, "CR or LF not allowed");
    const char *colon = strchr(arg, ':');
    if (!colon)
        return arg_fail(err, errlen, arg, "expected 'Name: value'");
    if (colon == arg)
        return arg_fail(err, errlen, arg, "empty name");
    for (const char *p = arg; p < colon; p++)
        if (!is_tchar((unsigned char)*p))
            return arg_fail(err, errlen, arg, "the name must be a token, no spaces or separators");
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t vlen = strlen(v);
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return arg_fail(err, errlen, arg, "control character in the value");
    }
    size_t nlen = (size_t)(colon - arg);
    char *copy = malloc(nlen + 1 + vlen + 1);
    if (!copy)
        return arg_fail(err, errlen, arg, "out of memory");
    memcpy(copy, arg, nlen);
    copy[nlen] = '\0';
    memcpy(copy + nlen + 1, v, vlen);
    copy[nlen + 1 + vlen] = '\0';
    *owned = copy;
    *name = copy;
    *value = copy + nlen + 1;
    return 0;
}

/* ---- Response parsing --------------------------------------------------------- */

struct hdr_ent {
    size_t name;  /* offset of the NUL-terminated name in hbuf */
    size_t value; /* offset of the value in hbuf; NO_VALUE until a value callback */
};
#define NO_VALUE SIZE_MAX

enum hpart { HP_NONE, HP_FIELD, HP_VALUE }; /* which header callback came last */

struct http1_resp {
    http_parser p;
    enum http1_rc state; /* MORE until the response is DONE or an ERROR */
    int is_head;         /* the request was HEAD: no body whatever the headers say */
    int started;         /* a byte of this response was fed */
    int interim;         /* on_message_complete saw a 1xx (not 101): parse on */
    int magic;           /* bytes of "HTTP/" matched at the message start (5: all) */
    int status;          /* final status, set on completion */
    int keep_alive;      /* http_should_keep_alive at completion */
    uint64_t body_len;   /* de-chunked body bytes of the final response */
    const char *err;     /* reason after HTTP1_ERROR */
    const char *cb_err;  /* reason a callback failed with, when it did */

    /* capture; buffers kept across responses (grow, never shrink) */
    int cap_headers;   /* keep headers of the current response */
    size_t max_body;   /* keep up to this many body bytes */
    char *hbuf;        /* names and values, each NUL-terminated */
    size_t hlen;       /* bytes of hbuf in use (the open part's NUL not counted) */
    size_t hcap;       /* allocated size of hbuf */
    struct hdr_ent *hv;
    int hn;            /* captured headers (entries of hv in use) */
    size_t hvcap;      /* allocated entries of hv */
    enum hpart hlast;  /* last header callback kind, to join split names/values */
    char *bbuf;        /* captured body, NUL-terminated */
    size_t blen;       /* bytes of bbuf in use: min(body_len, max_body) */
    size_t bcap;       /* allocated size of bbuf */
};

static const char empty[] = "";

/* Make room for `need` elements of `elem` bytes at p (capacity *cap): returns the
 * possibly moved block, or NULL when out of memory (p is then still valid). */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (n > SIZE_MAX / elem)
        return NULL;
    void *q = realloc(p, n * elem);
    if (q)
        *cap = n;
    return q;
}

static void clear_capture(http1_resp *r)
{
    r->hn = 0;
    r->hlen = 0;
    r->hlast = HP_NONE;
    r->blen = 0;
    if (r->bbuf)
        r->bbuf[0] = '\0';
}

/* Start a new NUL-terminated part in hbuf; returns its offset or NO_VALUE on OOM. */
static size_t hpart_start(http1_resp *r)
{
    size_t off = r->hn == 0 ? 0 : r->hlen + 1; /* keep the previous part's NUL */
    char *b = grow(r->hbuf, &r->hcap, off + 1, 1);
    if (!b)
        return NO_VALUE;
    r->hbuf = b;
    r->hlen = off;
    r->hbuf[off] = '\0';
    return off;
}

static int hpart_append(http1_resp *r, const char *at, size_t len)
{
    if (len > SIZE_MAX - r->hlen - 1)
        return -1;
    char *b = grow(r->hbuf, &r->hcap, r->hlen + len + 1, 1);
    if (!b)
        return -1;
    r->hbuf = b;
    memcpy(r->hbuf + r->hlen, at, len);
    r->hlen += len;
    r->hbuf[r->hlen] = '\0';
    return 0;
}

static int oom(http1_resp *r)
{
    r->cb_err = "out of memory";
    return -1;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    http1_resp *r = p->data;
    if (r->hlast != HP_FIELD) { /* a new header begins */
        struct hdr_ent *hv = r->hn == INT_MAX ? NULL
                             : grow(r->hv, &r->hvcap, (size_t)r->hn + 1, sizeof *r->hv);
        if (!hv)
            return oom(r);
        r->hv = hv;
        size_t off = hpart_start(r);
        if (off == NO_VALUE)
            return oom(r);
        r->hv[r->hn].name = off;
        r->hv[r->hn].value = NO_VALUE;
        r->hn++;
        r->hlast = HP_FIELD;
    }
    return hpart_append(r, at, len) < 0 ? oom(r) : 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    http1_resp *r = p->data;
    if (r->hlast == HP_NONE) /* capture switched on mid-header: skip this one */
        return 0;
    if (r->hlast == HP_FIELD) {
        size_t off = hpart_start(r);
        if (off == NO_VALUE)
            return oom(r);
        r->hv[r->hn - 1].value = off;
        r->hlast = HP_VALUE;
    }
    return hpart_append(r, at, len) < 0 ? oom(r) : 0;
}

static int on_headers_complete(http_parser *p)
{
    http1_resp *r = p->data;
    int st = (int)p->status_code;
    if (st < 100 || st > 999) {
        r->cb_err = "invalid HTTP status code";
        return -1;
    }
    /* 1 = "no body": HEAD, and 1xx/204/304 even when they carry a Content-Length */
    if (r->is_head || st / 100 == 1 || st == 204 || st == 304)
        return 1;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    http1_resp *r = p->data;
    r->body_len += len;
    if (r->blen < r->max_body) {
        size_t take = r->max_body - r->blen < len ? r->max_body - r->blen : len;
        char *b = grow(r->bbuf, &r->bcap, r->blen + take + 1, 1);
        if (!b)
            return oom(r);
        r->bbuf = b;
        memcpy(r->bbuf + r->blen, at, take);
        r->blen += take;
        r->bbuf[r->blen] = '\0';
    }
    return 0;
}

static int on_message_complete(http_parser *p)
{
    http1_resp *r = p->data;
    int st = (int)p->status_code;
    if (st / 100 == 1 && st != 101) {
        r->interim = 1; /* 100 Continue, 103 Early Hints...: the final one follows */
    } else {
        r->status = st;
        /* 101: whatever follows is not HTTP/1.1, so the connection cannot be reused */
        r->keep_alive = st == 101 ? 0 : http_should_keep_alive(p) != 0;
    }
    http_parser_pause(p, 1); /* stop right after this message: `used` ends here */
    return 0;
}

static const http_parser_settings quick_settings = {
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static const http_parser_settings capture_settings = {
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* Reset the parser for the next message (a new response, or the final one after a 1xx). */
static void parser_restart(http1_resp *r)
{
    http_parser_init(&r->p, HTTP_RESPONSE);
    r->p.data = r;
    r->interim = 0;
    r->magic = 0;
    r->status = 0;
    r->keep_alive = 0;
    r->body_len = 0;
    r->cb_err = NULL;
    clear_capture(r);
}

http1_resp *http1_resp_new(void)
{
    http1_resp *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    http1_resp_begin(r, 0);
    return r;
}

void http1_resp_free(http1_resp *r)
{
    if (!r)
        return;
    free(r->hbuf);
    free(r->hv);
    free(r->bbuf);
    free(r);
}

void http1_resp_begin(http1_resp *r, int is_head)
{
    parser_restart(r);
    r->state = HTTP1_MORE;
    r->is_head = is_head != 0;
    r->started = 0;
    r->err = NULL;
    r->cap_headers = 0;
    r->max_body = 0;
}

void http1_resp_capture(http1_resp *r, int headers, size_t max_body)
{
    r->cap_headers = headers != 0;
    r->max_body = max_body;
}

static enum http1_rc fail_with(http1_resp *r, const char *why)
{
    r->err = why;
    r->state = HTTP1_ERROR;
    return HTTP1_ERROR;
}

static enum http1_rc parser_failed(http1_resp *r)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&r->p);
    return fail_with(r, r->cb_err ? r->cb_err : http_errno_description(e));
}

/* http-parser outside strict mode takes "HTTX/1.1" for "HTTP/1.1": check the first
 * five bytes of each message ourselves (leading CR/LF, which it skips, allowed).
 * @return 0, or -1 when data[0..n) cannot be the start of a status line, with
 * *bad set to the offending byte's index. */
static int check_magic(http1_resp *r, const char *data, size_t n, size_t *bad)
{
    static const char want[] = "HTTP/";
    for (size_t i = 0; i < n && r->magic < 5; i++) {
        if (r->magic == 0 && (data[i] == '\r' || data[i] == '\n'))
            continue;
        if (data[i] != want[r->magic]) {
            *bad = i;
            return -1;
        }
        r->magic++;
    }
    return 0;
}

enum http1_rc http1_resp_feed(http1_resp *r, const char *data, size_t n, size_t *used)
{
    size_t off = 0;
    if (r->state != HTTP1_MORE || n == 0) { /* len 0 would mean EOF to http-parser */
        *used = 0;
        return r->state;
    }
    r->started = 1;
    const http_parser_settings *s = r->cap_headers ? &capture_settings : &quick_settings;
    for (;;) {
        size_t bad;
        if (r->magic < 5 && check_magic(r, data + off, n - off, &bad) < 0) {
            off += bad;
            fail_with(r, http_errno_description(HPE_INVALID_CONSTANT));
            break;
        }
        off += http_parser_execute(&r->p, s, data + off, n - off);
        enum http_errno e = HTTP_PARSER_ERRNO(&r->p);
        if (e == HPE_PAUSED && r->interim) {
            parser_restart(r); /* drop the interim response, parse the final one */
            if (off < n)
                continue;
        } else if (e == HPE_PAUSED) {
            r->state = HTTP1_DONE;
        } else if (e != HPE_OK) {
            parser_failed(r);
        } else if (off != n) {
            fail_with(r, "parser stopped early");
        }
        break;
    }
    *used = off;
    return r->state;
}

enum http1_rc http1_resp_eof(http1_resp *r)
{
    if (r->state != HTTP1_MORE)
        return r->state;
    if (!r->started)
        return HTTP1_MORE;
    const http_parser_settings *s = r->cap_headers ? &capture_settings : &quick_settings;
    http_parser_execute(&r->p, s, empty, 0);
    enum http_errno e = HTTP_PARSER_ERRNO(&r->p);
    if (e == HPE_PAUSED && !r->interim) {
        r->state = HTTP1_DONE;
        return HTTP1_DONE;
    }
    if (e != HPE_OK && e != HPE_PAUSED)
        return parser_failed(r);
    /* only a 1xx interim response had arrived */
    return fail_with(r, http_errno_description(HPE_INVALID_EOF_STATE));
}

int http1_resp_started(const http1_resp *r)
{
    return r->started;
}

int http1_resp_status(const http1_resp *r)
{
    return r->status;
}

int http1_resp_keep_alive(const http1_resp *r)
{
    return r->keep_alive;
}

uint64_t http1_resp_body_len(const http1_resp *r)
{
    return r->body_len;
}

int http1_resp_header_count(const http1_resp *r)
{
    return r->hn;
}

void http1_resp_header(const http1_resp *r, int i, const char **name, const char **value)
{
    if (i < 0 || i >= r->hn) {
        *name = *value = NULL;
        return;
    }
    *name = r->hbuf + r->hv[i].name;
    *value = r->hv[i].value == NO_VALUE ? empty : r->hbuf + r->hv[i].value;
}

const char *http1_resp_header_get(const http1_resp *r, const char *name)
{
    for (int i = 0; i < r->hn; i++) {
        if (!strcasecmp(r->hbuf + r->hv[i].name, name))
            return r->hv[i].value == NO_VALUE ? empty : r->hbuf + r->hv[i].value;
    }
    return NULL;
}

const char *http1_resp_body(const http1_resp *r, size_t *len)
{
    if (len)
        *len = r->blen;
    return r->bbuf ? r->bbuf : empty;
}

const char *http1_resp_error(const http1_resp *r)
{
    return r->err ? r->err : empty;
}
