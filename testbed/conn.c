/* conn.c — one client connection: read, parse (http_parser), dispatch to a route, write, close. */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CONN_LINGER_S 2.0        /* after our FIN, wait this long for the peer's before closing */
#define CONN_READS_PER_EVENT 16  /* reads per readable event, so one client cannot starve others */
#define CONN_DRAIN_MAX (1 << 20) /* bytes discarded while lingering before we just close */
#define CONN_FILL_BLOCK 65536

/* Filler for req_reply_fill bodies (read-only, shared by every connection). */
static const char conn_fill[CONN_FILL_BLOCK] = {[0 ... CONN_FILL_BLOCK - 1] = 'x'};

static const char conn_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";

static void conn_pump(struct conn *c, const char *ext, size_t ext_len);

void conn_enter(struct conn *c)
{
    c->depth++;
}

static void conn_free(struct conn *c)
{
    req_release(&c->req);
    tbuf_free(&c->out);
    free(c->in);
    free(c);
}

void conn_leave(struct conn *c)
{
    if (--c->depth == 0 && c->dead)
        conn_free(c);
}

void conn_close(struct conn *c, int rst)
{
    if (c->dead)
        return;
    struct ev_loop *loop = srv_loop(c->srv);
    struct tb_req *r = &c->req;
    c->dead = 1;
    ev_io_stop(loop, &c->rio);
    ev_io_stop(loop, &c->wio);
    ev_timer_stop(loop, &c->linger);
    ptm_stop(srv_timers(c->srv), &r->timer);
    if (rst) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(c->fd);
    c->fd = -1;
    srv_conn_unlink(c->srv, c);
    if (c->busy && r->deferred && !r->replied && r->abort_cb) {
        req_fn cb = r->abort_cb;
        r->abort_cb = NULL;
        cb(r);
    }
    if (c->depth == 0)
        conn_free(c);
}

int conn_detach(struct conn *c)
{
    struct ev_loop *loop = srv_loop(c->srv);
    int fd = c->fd;
    c->dead = 1;
    ev_io_stop(loop, &c->rio);
    ev_io_stop(loop, &c->wio);
    ev_timer_stop(loop, &c->linger);
    ptm_stop(srv_timers(c->srv), &c->req.timer);
    c->fd = -1;
    srv_conn_unlink(c->srv, c);
    if (c->depth == 0)
        conn_free(c);
    return fd;
}

/* ---- closing gracefully: FIN, then drain until the peer closes (or CONN_LINGER_S) ---- */

static void conn_on_linger(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = w->data;
    conn_enter(c);
    conn_close(c, 0);
    conn_leave(c);
}

/* Closing with unread input in the socket would send RST instead of FIN; so shut down our side
 * and read until the peer closes. */
static void conn_shutdown(struct conn *c)
{
    if (c->peer_eof) {
        conn_close(c, 0);
        return;
    }
    struct ev_loop *loop = srv_loop(c->srv);
    c->closing = 1;
    c->in_off = c->in_len = 0;
    if (shutdown(c->fd, SHUT_WR) != 0) {
        conn_close(c, 0);
        return;
    }
    ev_timer_set(&c->linger, CONN_LINGER_S, 0.);
    ev_timer_start(loop, &c->linger);
    if (!ev_is_active(&c->rio))
        ev_io_start(loop, &c->rio);
}

/* ---- writing ---- */

/* The answer is fully written: close, or get ready for the next request. */
static void conn_finish(struct conn *c)
{
    struct tb_req *r = &c->req;
    int close_now = r->close_after || !r->keepalive || c->peer_eof;
    c->busy = 0;
    req_clear(r);
    if (close_now) {
        conn_shutdown(c);
        return;
    }
    if (!ev_is_active(&c->rio))
        ev_io_start(srv_loop(c->srv), &c->rio);
    conn_pump(c, NULL, 0);
}

static void conn_flush(struct conn *c)
{
    while (!c->dead && (c->out_off < c->out.len || c->fill_left > 0)) {
        struct iovec iov[2];
        int k = 0;
        if (c->out_off < c->out.len) {
            iov[k].iov_base = c->out.p + c->out_off;
            iov[k++].iov_len = c->out.len - c->out_off;
        }
        if (c->fill_left > 0) {
            iov[k].iov_base = (void *)conn_fill;
            iov[k++].iov_len =
                c->fill_left < CONN_FILL_BLOCK ? (size_t)c->fill_left : CONN_FILL_BLOCK;
        }
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t)k;
        ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ev_io_start(srv_loop(c->srv), &c->wio);
                return;
            }
            conn_close(c, 0); /* EPIPE, ECONNRESET, ...: the peer is gone */
            return;
        }
        size_t done = (size_t)n, head = c->out.len - c->out_off;
        if (done <= head) {
            c->out_off += done;
        } else {
            c->out_off = c->out.len;
            c->fill_left -= done - head;
        }
    }
    if (c->dead)
        return;
    ev_io_stop(srv_loop(c->srv), &c->wio);
    tbuf_clear(&c->out);
    c->out_off = 0;
    if (c->busy && c->req.replied)
        conn_finish(c);
}

void conn_send(struct conn *c)
{
    if (!c->dead)
        conn_flush(c);
}

static void conn_on_write(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = w->data;
    conn_enter(c);
    conn_flush(c);
    conn_leave(c);
}

/* ---- parsing: http_parser callbacks fill c->req ---- */

static int conn_fail(struct conn *c, int status)
{
    c->err_status = status;
    return -1;
}

static int conn_on_begin(http_parser *p)
{
    struct conn *c = p->data;
    req_clear(&c->req);
    c->req.t0_ns = ptm_now_ns();
    c->hdr_state = 0;
    c->err_status = 0;
    return 0;
}

static int conn_on_url(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    if (c->req.target.len + n > CONN_URL_MAX)
        return conn_fail(c, 414);
    return tbuf_add(&c->req.target, at, n) ? conn_fail(c, 503) : 0;
}

static int conn_head_add(struct conn *c, const char *at, size_t n)
{
    if (c->req.head.len + n > CONN_HEAD_MAX)
        return conn_fail(c, 431);
    return tbuf_add(&c->req.head, at, n) ? conn_fail(c, 503) : 0;
}

static int conn_on_field(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    struct tb_req *r = &c->req;
    if (c->hdr_state != 1) {
        if (c->hdr_state == 2 && tbuf_addc(&r->head, '\0'))
            return conn_fail(c, 503);
        if (r->nheaders >= CONN_HEADERS_MAX)
            return conn_fail(c, 431);
        r->nheaders++;
        c->hdr_state = 1;
    }
    return conn_head_add(c, at, n);
}

static int conn_on_value(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    if (c->hdr_state != 2) {
        if (tbuf_addc(&c->req.head, '\0'))
            return conn_fail(c, 503);
        c->hdr_state = 2;
    }
    return conn_head_add(c, at, n);
}

/* NUL-terminates b without counting the NUL. */
static int conn_cstr(tbuf *b)
{
    if (tbuf_reserve(b, 1))
        return -1;
    b->p[b->len] = '\0';
    return 0;
}

/* Splits the request target into path and query: origin form "/p?q", absolute form
 * "http://host/p?q", or anything else ("*", authority) taken whole as the path. */
static int conn_split_target(struct tb_req *r)
{
    const char *t = r->target.p, *end = t + r->target.len;
    if (t[0] != '/') {
        const char *scheme = strstr(t, "://");
        if (scheme) {
            const char *slash = memchr(scheme + 3, '/', (size_t)(end - scheme - 3));
            t = slash ? slash : end;
        }
    }
    const char *hash = memchr(t, '#', (size_t)(end - t));
    if (hash)
        end = hash;
    const char *q = memchr(t, '?', (size_t)(end - t));
    const char *pend = q ? q : end;
    int rc = pend > t ? tbuf_add(&r->path, t, (size_t)(pend - t)) : tbuf_add(&r->path, "/", 1);
    if (!rc && q)
        rc = tbuf_add(&r->query, q + 1, (size_t)(end - q - 1));
    if (rc || conn_cstr(&r->path) || conn_cstr(&r->query))
        return -1;
    return 0;
}

static int conn_on_headers_done(http_parser *p)
{
    struct conn *c = p->data;
    struct tb_req *r = &c->req;
    if (c->hdr_state == 1 && tbuf_addc(&r->head, '\0'))
        return conn_fail(c, 503); /* a name with no value callback: value "" below */
    if (c->hdr_state != 0 && tbuf_addc(&r->head, '\0'))
        return conn_fail(c, 503);
    if (conn_cstr(&r->target) || conn_split_target(r))
        return conn_fail(c, 503);
    const char *method = http_method_str((enum http_method)p->method);
    r->head_method = p->method == HTTP_HEAD;
    r->route = srv_match(c->srv, method, r->path.p, &r->no_route);
    r->keep_body = r->route && (r->route->flags & SRV_ROUTE_BODY);
    const char *expect = req_header(r, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && p->http_minor >= 1) {
        if (tbuf_add(&c->out, conn_continue, sizeof conn_continue - 1))
            return conn_fail(c, 503);
        conn_send(c); /* replied is 0: this writes without finishing the request */
    }
    return 0;
}

static int conn_on_body(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    struct tb_req *r = &c->req;
    r->body_bytes += n;
    if (!r->keep_body)
        return 0;
    if (r->body.len + n > CONN_BODY_MAX)
        return conn_fail(c, 413);
    return tbuf_add(&r->body, at, n) ? conn_fail(c, 503) : 0;
}

static int conn_on_complete(http_parser *p)
{
    struct conn *c = p->data;
    c->req.keepalive = http_should_keep_alive(p) && !p->upgrade;
    c->ready = 1;
    http_parser_pause(p, 1); /* one request at a time: the rest waits in c->in */
    return 0;
}

static const http_parser_settings conn_settings = {
    .on_message_begin = conn_on_begin,
    .on_url = conn_on_url,
    .on_header_field = conn_on_field,
    .on_header_value = conn_on_value,
    .on_headers_complete = conn_on_headers_done,
    .on_body = conn_on_body,
    .on_message_complete = conn_on_complete,
};

/* ---- dispatching ---- */

static void conn_dispatch(struct conn *c)
{
    struct tb_req *r = &c->req;
    c->busy = 1;
    srv_count_request(c->srv, 0);
    if (!r->route) {
        const char *m = http_method_str((enum http_method)c->parser.method);
        if (r->no_route == 405)
            req_error(r, 405, "method %s not allowed on %s", m, r->path.p);
        else
            req_error(r, 404, "no route for %s %s", m, r->path.p);
        return;
    }
    r->route->fn(r);
    if (c->dead || !c->busy)
        return; /* closed, or answered and written already */
    if (!r->replied && !r->deferred)
        req_error(r, 500, "route %s did not answer", r->path.p);
}

/* The parser rejected the input: answer 400 (or 413/414/431) and close. */
static void conn_bad_request(struct conn *c)
{
    struct tb_req *r = &c->req;
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    int status = c->err_status ? c->err_status : 400;
    const char *why = http_errno_description(e);
    switch (status) {
    case 413:
        why = "request body too large";
        break;
    case 414:
        why = "request target too long";
        break;
    case 431:
        why = "request headers too large";
        break;
    case 503:
        why = "out of memory";
        break;
    }
    c->busy = 1;
    srv_count_request(c->srv, 1);
    if (!r->t0_ns)
        r->t0_ns = ptm_now_ns();
    tbuf_clear(&r->out_headers);
    r->head_method = 0;
    r->replied = r->deferred = 0;
    r->keepalive = 0;
    r->close_after = 1;
    req_error(r, status, "bad request: %s", why);
}

/* Keeps unparsed bytes for later (the current request is busy). */
static int conn_keep(struct conn *c, const char *data, size_t n)
{
    if (c->in_cap - c->in_len < n) {
        size_t cap = c->in_cap ? c->in_cap : 4096;
        while (cap - c->in_len < n)
            cap *= 2;
        char *p = realloc(c->in, cap);
        if (!p)
            return -1;
        c->in = p;
        c->in_cap = cap;
    }
    memcpy(c->in + c->in_len, data, n);
    c->in_len += n;
    return 0;
}

/* Parses buffered input (c->in first, then ext[0..ext_len) from a fresh read) and dispatches
 * complete requests one at a time while none is busy; keeps what is left in c->in.
 * Re-entry (an answer finished inside a handler) returns at once: the outer call goes on. */
static void conn_pump(struct conn *c, const char *ext, size_t ext_len)
{
    if (c->pumping)
        return;
    c->pumping = 1;
    while (!c->dead && !c->busy && !c->closing) {
        const char *p;
        size_t n;
        int from_in = c->in_off < c->in_len;
        if (from_in) {
            p = c->in + c->in_off;
            n = c->in_len - c->in_off;
        } else if (ext_len > 0) {
            p = ext;
            n = ext_len;
        } else {
            break;
        }
        size_t used = http_parser_execute(&c->parser, &conn_settings, p, n);
        if (used > n)
            used = n;
        if (from_in) {
            c->in_off += used;
        } else {
            ext += used;
            ext_len -= used;
        }
        if (c->dead)
            break;
        enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
        if (e == HPE_PAUSED) {
            http_parser_pause(&c->parser, 0);
        } else if (e != HPE_OK) {
            conn_bad_request(c);
            break;
        }
        if (c->ready) {
            c->ready = 0;
            conn_dispatch(c);
        } else if (used < n) {
            conn_bad_request(c); /* stopped without a reason: never loop on it */
            break;
        }
    }
    if (!c->dead && !c->closing && ext_len > 0 && conn_keep(c, ext, ext_len))
        conn_close(c, 0);
    if (!c->dead && c->in_off == c->in_len)
        c->in_off = c->in_len = 0;
    c->pumping = 0;
}

/* ---- reading ---- */

static void conn_on_eof(struct conn *c)
{
    struct tb_req *r = &c->req;
    c->peer_eof = 1;
    ev_io_stop(srv_loop(c->srv), &c->rio);
    if (c->closing || !c->busy) {
        conn_close(c, 0);
        return;
    }
    if (r->replied || ptm_armed(&r->timer))
        return;       /* the answer is being written or is timed: send it, then close */
    conn_close(c, 0); /* held with nothing coming: the peer is gone, abort it */
}

/* Room for at least some bytes at c->in + c->in_len. Returns 0, or -1 on ENOMEM. */
static int conn_in_room(struct conn *c)
{
    if (c->in_off > 0) {
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
    if (c->in_cap - c->in_len >= 4096)
        return 0;
    size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
    char *p = realloc(c->in, cap);
    if (!p)
        return -1;
    c->in = p;
    c->in_cap = cap;
    return 0;
}

static void conn_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct conn *c = w->data;
    size_t drained = 0;
    conn_enter(c);
    for (int i = 0; i < CONN_READS_PER_EVENT && !c->dead && ev_is_active(&c->rio); i++) {
        char *buf;
        size_t room;
        int direct = c->closing || (!c->busy && c->in_off == c->in_len);
        if (direct) {
            buf = srv_scratch(c->srv, &room);
        } else {
            if (c->in_len - c->in_off >= CONN_IN_MAX) {
                ev_io_stop(loop, &c->rio); /* conn_finish starts it again */
                break;
            }
            if (conn_in_room(c)) {
                conn_close(c, 0);
                break;
            }
            buf = c->in + c->in_len;
            room = c->in_cap - c->in_len;
        }
        ssize_t n = read(c->fd, buf, room);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(c, 0); /* ECONNRESET and friends */
            break;
        }
        if (n == 0) {
            conn_on_eof(c);
            break;
        }
        if (c->closing) {
            drained += (size_t)n;
            if (drained > CONN_DRAIN_MAX)
                conn_close(c, 0);
            continue;
        }
        if (direct) {
            conn_pump(c, buf, (size_t)n);
        } else {
            c->in_len += (size_t)n;
            if (!c->busy)
                conn_pump(c, NULL, 0);
        }
        if ((size_t)n < room)
            break; /* the socket is drained */
    }
    conn_leave(c);
}

int conn_open(tb_server *s, int fd)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return -ENOMEM;
    }
    c->srv = s;
    c->fd = fd;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->req.conn = c;
    c->req.nparams = -1;
    ev_io_init(&c->rio, conn_on_read, fd, EV_READ);
    c->rio.data = c;
    ev_io_init(&c->wio, conn_on_write, fd, EV_WRITE);
    c->wio.data = c;
    ev_timer_init(&c->linger, conn_on_linger, CONN_LINGER_S, 0.);
    c->linger.data = c;
    srv_conn_link(s, c);
    ev_io_start(srv_loop(s), &c->rio);
    return 0;
}
