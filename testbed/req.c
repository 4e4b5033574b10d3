/* req.c — the route handler API: request accessors, response heads, deferred answers. */
#include "req.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "query.h"

/* ---- lifetime (for conn.c) ---- */

void req_clear(struct tb_req *r)
{
    ptm_stop(srv_timers(r->conn->srv), &r->timer);
    tbuf_clear(&r->target);
    tbuf_clear(&r->path);
    tbuf_clear(&r->query);
    tbuf_clear(&r->head);
    tbuf_clear(&r->body);
    tbuf_clear(&r->params);
    tbuf_clear(&r->out_headers);
    r->route = NULL;
    r->no_route = 0;
    r->nheaders = 0;
    r->body_bytes = 0;
    r->t0_ns = 0;
    r->nparams = -1;
    r->head_method = r->keep_body = r->keepalive = 0;
    r->close_after = r->replied = r->deferred = 0;
    r->timer_cb = r->abort_cb = NULL;
    r->ctx = NULL;
}

void req_release(struct tb_req *r)
{
    tbuf_free(&r->target);
    tbuf_free(&r->path);
    tbuf_free(&r->query);
    tbuf_free(&r->head);
    tbuf_free(&r->body);
    tbuf_free(&r->params);
    tbuf_free(&r->out_headers);
}

/* ---- reading the request ---- */

const char *req_method(const tb_req *r)
{
    return http_method_str((enum http_method)r->conn->parser.method);
}

const char *req_path(const tb_req *r)
{
    return r->path.p ? r->path.p : "/";
}

const char *req_target(const tb_req *r)
{
    return r->target.p ? r->target.p : "";
}

int req_http_minor(const tb_req *r)
{
    return r->conn->parser.http_minor;
}

int req_query_ok(tb_req *r)
{
    if (r->nparams == -1) {
        int n = r->query.len ? qs_parse(r->query.p, r->query.len, &r->params) : 0;
        r->nparams = n >= 0 ? n : -2;
    }
    return r->nparams >= 0;
}

const char *req_query(tb_req *r, const char *name)
{
    if (!req_query_ok(r))
        return NULL;
    return qs_get(&r->params, r->nparams, name);
}

/* The value of a parameter to check, or NULL with *out = def (absent). Answers 400 and
 * returns NULL with *bad set on an undecodable query string. */
static const char *req_param(tb_req *r, const char *name, int *bad)
{
    *bad = 0;
    if (!req_query_ok(r)) {
        req_error(r, 400, "bad query string: invalid %%-escape");
        *bad = 1;
        return NULL;
    }
    return qs_get(&r->params, r->nparams, name);
}

int req_query_num(tb_req *r, const char *name, double def, double lo, double hi, double *out)
{
    int bad;
    const char *v = req_param(r, name, &bad);
    if (bad)
        return -EINVAL;
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || isspace((unsigned char)v[0]) || errno == ERANGE || !isfinite(d) ||
        d < lo || d > hi) {
        req_error(r, 400, "bad %s=%.64s: want a number in [%g, %g]", name, v, lo, hi);
        return -EINVAL;
    }
    *out = d;
    return 0;
}

int req_query_int(tb_req *r, const char *name, long long def, long long lo, long long hi,
                  long long *out)
{
    int bad;
    const char *v = req_param(r, name, &bad);
    if (bad)
        return -EINVAL;
    if (!v) {
        *out = def;
        return 0;
    }
    const char *d = v[0] == '-' ? v + 1 : v;
    int digits = d[0] != '\0';
    for (const char *k = d; *k; k++)
        digits = digits && isdigit((unsigned char)*k);
    errno = 0;
    long long x = digits ? strtoll(v, NULL, 10) : 0;
    if (!digits || errno == ERANGE || x < lo || x > hi) {
        req_error(r, 400, "bad %s=%.64s: want an integer in [%lld, %lld]", name, v, lo, hi);
        return -EINVAL;
    }
    *out = x;
    return 0;
}

size_t req_header_count(const tb_req *r)
{
    return r->nheaders;
}

int req_header_at(const tb_req *r, size_t i, const char **name, const char **value)
{
    if (i >= r->nheaders)
        return -ERANGE;
    const char *p = r->head.p;
    for (size_t k = 0; k < i; k++) {
        p += strlen(p) + 1;
        p += strlen(p) + 1;
    }
    *name = p;
    *value = p + strlen(p) + 1;
    return 0;
}

const char *req_header(const tb_req *r, const char *name)
{
    const char *p = r->head.p;
    for (size_t k = 0; k < r->nheaders; k++) {
        const char *v = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0)
            return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

const char *req_body(const tb_req *r, size_t *len)
{
    *len = r->keep_body ? r->body.len : 0;
    return r->keep_body && r->body.p ? r->body.p : NULL;
}

uint64_t req_body_bytes(const tb_req *r)
{
    return r->body_bytes;
}

tb_server *req_server(const tb_req *r)
{
    return r->conn->srv;
}

struct ev_loop *req_loop(const tb_req *r)
{
    return srv_loop(r->conn->srv);
}

void *req_ctx(const tb_req *r)
{
    return r->ctx;
}

void req_set_ctx(tb_req *r, void *ctx)
{
    r->ctx = ctx;
}

/* ---- answering ---- */

static const char *req_reason(int status)
{
    static const struct {
        int status;
        const char *text;
    } reasons[] = {
        {100, "Continue"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].text;
    return "Status";
}

int req_add_header(tb_req *r, const char *name, const char *value)
{
    if (r->replied || !name[0] || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
        return -EINVAL;
    return tbuf_printf(&r->out_headers, "%s: %s\r\n", name, value);
}

void req_close_after(tb_req *r)
{
    r->close_after = 1;
}

/* Whether a reply may be queued now. */
static int req_can_answer(const tb_req *r)
{
    return !r->conn->dead && r->conn->busy && !r->replied;
}

/* Queues the status line and headers for a body of len bytes; marks r replied. Returns 0, or
 * -1 after closing the connection (out of memory). */
static int req_head(tb_req *r, int status, const char *ctype, uint64_t len)
{
    struct conn *c = r->conn;
    tbuf *o = &c->out;
    if (status < 200 || status > 999)
        status = 500; /* 1xx are never final answers */
    int bodiless = status == 204 || status == 304;
    if (!r->keepalive || c->peer_eof)
        r->close_after = 1;
    r->replied = 1;
    r->deferred = 0;
    ptm_stop(srv_timers(c->srv), &r->timer);
    srv_count_response(c->srv, r, status);
    int rc = tbuf_printf(o, "HTTP/1.1 %d %s\r\n", status, req_reason(status));
    if (!rc && !bodiless)
        rc = tbuf_printf(o, "Content-Length: %" PRIu64 "\r\n", len);
    if (!rc && ctype)
        rc = tbuf_printf(o, "Content-Type: %s\r\n", ctype);
    if (!rc)
        rc = tbuf_add(o, r->out_headers.p, r->out_headers.len);
    if (!rc && r->close_after)
        rc = tbuf_printf(o, "Connection: close\r\n");
    else if (!rc && req_http_minor(r) == 0)
        rc = tbuf_printf(o, "Connection: keep-alive\r\n");
    if (!rc)
        rc = tbuf_add(o, "\r\n", 2);
    if (rc) {
        conn_close(c, 0);
        return -1;
    }
    return 0;
}

void req_reply(tb_req *r, int status, const char *ctype, const void *body, size_t len)
{
    if (!req_can_answer(r))
        return;
    if (status == 204 || status == 304)
        len = 0;
    if (req_head(r, status, ctype, len))
        return;
    if (!r->head_method && tbuf_add(&r->conn->out, body, len)) {
        conn_close(r->conn, 0);
        return;
    }
    conn_send(r->conn);
}

void req_reply_fill(tb_req *r, int status, const char *ctype, uint64_t len)
{
    if (!req_can_answer(r))
        return;
    if (status == 204 || status == 304)
        len = 0;
    if (req_head(r, status, ctype, len))
        return;
    r->conn->fill_left = r->head_method ? 0 : len;
    conn_send(r->conn);
}

void req_reply_json(tb_req *r, int status, const char *fmt, ...)
{
    if (!req_can_answer(r))
        return;
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof small) {
        req_reply(r, status, "application/json", small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        conn_close(r->conn, 0);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    req_reply(r, status, "application/json", big, (size_t)n);
    free(big);
}

void req_error(tb_req *r, int status, const char *fmt, ...)
{
    if (!req_can_answer(r))
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap); /* truncation is fine for a message */
    va_end(ap);
    char body[sizeof msg * 6 + 16];
    size_t n = 0;
    memcpy(body, "{\"error\":\"", 10);
    n = 10;
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p == '"' || *p == '\\') {
            body[n++] = '\\';
            body[n++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            n += (size_t)snprintf(body + n, 7, "\\u%04x", *p);
        } else {
            body[n++] = (char)*p;
        }
    }
    memcpy(body + n, "\"}", 2);
    n += 2;
    req_reply(r, status, "application/json", body, n);
}

/* ---- answering later ---- */

void req_defer(tb_req *r)
{
    if (req_can_answer(r))
        r->deferred = 1;
}

static void req_on_timer(ptm_timer *t)
{
    tb_req *r = (tb_req *)((char *)t - offsetof(struct tb_req, timer));
    struct conn *c = r->conn;
    conn_enter(c);
    req_fn cb = r->timer_cb;
    r->timer_cb = NULL;
    if (!c->dead && cb)
        cb(r);
    conn_leave(c);
}

int req_after(tb_req *r, double ms, req_fn cb)
{
    if (!req_can_answer(r))
        return -EINVAL;
    r->deferred = 1;
    r->timer_cb = cb;
    if (ptm_start(srv_timers(r->conn->srv), &r->timer, ms / 1000.0, req_on_timer)) {
        r->deferred = 0;
        r->timer_cb = NULL;
        req_error(r, 500, "out of memory arming a timer");
        return -ENOMEM;
    }
    return 0;
}

void req_on_abort(tb_req *r, req_fn cb)
{
    r->abort_cb = cb;
}

/* ---- taking over the socket ---- */

void req_send_raw(tb_req *r, const void *bytes, size_t len)
{
    if (!req_can_answer(r))
        return;
    r->replied = 1;
    r->deferred = 0;
    r->close_after = 1;
    ptm_stop(srv_timers(r->conn->srv), &r->timer);
    if (tbuf_add(&r->conn->out, bytes, len)) {
        conn_close(r->conn, 0);
        return;
    }
    conn_send(r->conn);
}

void req_close_rst(tb_req *r)
{
    conn_close(r->conn, 1);
}

int req_upgrade(tb_req *r, const char *protocol, int *fd, tbuf *head)
{
    if (!req_can_answer(r) || strpbrk(protocol, "\r\n"))
        return -EINVAL;
    struct conn *c = r->conn;
    int rc = 0;
    if (c->out_off < c->out.len)
        rc = tbuf_add(head, c->out.p + c->out_off, c->out.len - c->out_off);
    if (!rc)
        rc = tbuf_printf(head,
                         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: %s\r\n"
                         "Connection: Upgrade\r\n",
                         protocol);
    if (!rc)
        rc = tbuf_add(head, r->out_headers.p, r->out_headers.len);
    if (!rc)
        rc = tbuf_add(head, "\r\n", 2);
    if (rc) {
        tbuf_free(head);
        req_error(r, 500, "out of memory upgrading the connection");
        return -ENOMEM;
    }
    r->replied = 1;
    r->deferred = 0;
    *fd = conn_detach(c);
    return 0;
}
