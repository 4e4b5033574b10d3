/* conn.c — the client connection state machine: non-blocking connect, TLS
 * handshake, writev of a request, response parsing, timeouts and error classes. */
#include "engine/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "engine/rbuf.h"
#include "engine/tls.h"
#include "util/clock.h"

/* ST_BACKOFF: closed, a request waiting out the backoff before its connect */
enum state { ST_CLOSED, ST_BACKOFF, ST_CONNECTING, ST_HANDSHAKE, ST_WRITING, ST_READING, ST_IDLE,
             ST_RAW /* upgraded: conn_raw_* */ };

/* Transport results: >= 0 bytes, or one of these. */
enum { TR_RETRY_READ = -1, TR_RETRY_WRITE = -2, TR_EOF = -3, TR_ERROR = -4 };

struct conn {
    struct ev_loop *loop;
    const struct conn_target *t;
    ev_io io;
    ev_timer timer;
    int fd;
    int events;       /* events io is started with (0: stopped) */
    enum state st;
    SSL *ssl;         /* TLS transport, or NULL */
    http1_resp *resp; /* parser, reused for every response */

    /* the request in flight */
    struct conn_req req;
    int busy;
    int idx;          /* iov entry being written */
    size_t off;       /* bytes of iov[idx] already written */
    conn_done_fn cb;
    void *ud;
    struct conn_result res;
    uint64_t deadline_us;         /* whole-request deadline (0: none) */
    uint64_t connect_deadline_us; /* while connecting (0: none) */
    enum errclass pending_err;    /* error to report from the loop (deferred) */
    const char *pending_detail;

    uint64_t opens;   /* connections opened */
    uint64_t backoff_us;  /* wait before the next connect (0: none: the last one connected) */
    uint64_t retry_at_us; /* no connect before this (clock_us) */
    char detail[160]; /* reason of the last error */
    /* upgraded connections (conn_upgrade) */
    char *rest;       /* bytes that followed the 101, or NULL */
    size_t rest_len, rest_off;
    int upgraded;     /* the last response was a 101 kept open */
    conn_raw_fn raw_cb;
    void *raw_ud;
};

/* One read buffer per thread (rbuf_get): a response is parsed as it is read, so no
 * connection needs a buffer of its own (idle connections stay small). */

static void on_io(struct ev_loop *loop, ev_io *w, int revents);
static void on_timer(struct ev_loop *loop, ev_timer *w, int revents);
static void step(conn *c);

/* A connect failed: tell the run's reach record when nothing ever connected, and
 * (backoff: it failed at once, refused or otherwise, rather than timing out, which
 * took its time already) back off before the next one. */
static void connect_failed(conn *c, const char *detail, int backoff)
{
    uint64_t now = clock_us();
    if (backoff) {
        c->backoff_us = c->backoff_us ? c->backoff_us * 2 : CONN_BACKOFF_MIN_US;
        if (c->backoff_us > CONN_BACKOFF_MAX_US)
            c->backoff_us = CONN_BACKOFF_MAX_US;
        c->retry_at_us = now + c->backoff_us;
    }
    struct conn_reach *r = c->t->reach;
    if (!r || atomic_load_explicit(&r->reached, memory_order_relaxed) ||
        atomic_load_explicit(&r->claimed, memory_order_relaxed))
        return;
    int zero = 0;
    if (!atomic_compare_exchange_strong(&r->claimed, &zero, 1))
        return;
    snprintf(r->detail, sizeof r->detail, "%s", detail ? detail : "connect failed");
    atomic_store_explicit(&r->first_fail_us, now ? now : 1, memory_order_release);
}

static void connect_ok(conn *c)
{
    c->backoff_us = 0;
    c->retry_at_us = 0;
    struct conn_reach *r = c->t->reach;
    if (r && !atomic_load_explicit(&r->reached, memory_order_relaxed))
        atomic_store_explicit(&r->reached, 1, memory_order_relaxed);
}

int conn_reach_lost(struct conn_reach *r, uint64_t now_us, uint64_t for_us)
{
    if (!r || atomic_load_explicit(&r->reached, memory_order_relaxed))
        return 0;
    uint64_t first = atomic_load_explicit(&r->first_fail_us, memory_order_acquire);
    return first && now_us >= first && now_us - first >= for_us;
}

conn *conn_new(struct ev_loop *loop, const struct conn_target *t)
{
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    /* The parser is made here, not at the first send: a send that cannot get one
     * left quick mode's connection idle forever (failing_malloc's quick sweep hung). */
    c->resp = http1_resp_new();
    if (!c->resp) {
        free(c);
        return NULL;
    }
    c->loop = loop;
    c->t = t;
    c->fd = -1;
    ev_init(&c->io, on_io);
    c->io.data = c;
    ev_init(&c->timer, on_timer);
    c->timer.data = c;
    return c;
}

static void want(conn *c, int events)
{
    if (c->events == events)
        return;
    if (c->events)
        ev_io_stop(c->loop, &c->io);
    c->events = events;
    if (events) {
        ev_io_set(&c->io, c->fd, events);
        ev_io_start(c->loop, &c->io);
    }
}

static void close_fd(conn *c)
{
    want(c, 0);
    free(c->rest);
    c->rest = NULL;
    c->rest_len = c->rest_off = 0;
    c->upgraded = 0;
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->st = ST_CLOSED;
}

void conn_free(conn *c)
{
    if (!c)
        return;
    close_fd(c);
    ev_timer_stop(c->loop, &c->timer);
    http1_resp_free(c->resp);
    free(c);
}

uint64_t conn_result_latency_us(const struct conn_result *r, uint64_t intended_us)
{
    uint64_t from = r->t_write_us ? r->t_write_us : r->t_start_us;
    if (intended_us && intended_us < from)
        from = intended_us;
    return r->t_done_us > from ? r->t_done_us - from : 0;
}

int conn_busy(const conn *c)
{
    return c->busy;
}

uint64_t conn_opens(const conn *c)
{
    return c->opens;
}

const http1_resp *conn_response(const conn *c)
{
    return c->resp;
}

/* End the request in flight and hand its result to the callback (last thing done:
 * the callback may send again or free c). */
static void finish(conn *c, enum errclass err, const char *detail)
{
    c->res.err = err;
    c->res.t_done_us = clock_us();
    c->res.detail = detail;
    if (err != ERR_NONE) {
        c->res.status = 0;
        close_fd(c);
    }
    c->busy = 0;
    ev_timer_stop(c->loop, &c->timer);
    if (c->st != ST_CLOSED)
        c->st = ST_IDLE, want(c, EV_READ); /* notice a server closing it while idle */
    struct conn_result r = c->res;
    c->cb(c->ud, c, &r);
}

static void fail_errno(conn *c, enum errclass err, int e)
{
    snprintf(c->detail, sizeof c->detail, "%s", strerror(e));
    finish(c, err, c->detail);
}

/* ---- transports -------------------------------------------------------------- */

static int tls_result(conn *c, int n)
{
    int e = SSL_get_error(c->ssl, n);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return TR_RETRY_READ;
    case SSL_ERROR_WANT_WRITE:
        return TR_RETRY_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return TR_EOF;
    case SSL_ERROR_SYSCALL:
        if (errno == 0 || n == 0)
            return TR_EOF; /* closed without close_notify */
        return TR_ERROR;
    default:
        errno = EPROTO;
        return TR_ERROR;
    }
}

static ssize_t tr_read(conn *c, char *buf, size_t len)
{
    if (c->ssl) {
        ERR_clear_error();
        errno = 0;
        int n = SSL_read(c->ssl, buf, (int)len);
        return n > 0 ? n : tls_result(c, n);
    }
    ssize_t n = read(c->fd, buf, len);
    if (n > 0)
        return n;
    if (n == 0)
        return TR_EOF;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return TR_RETRY_READ;
    return TR_ERROR;
}

static ssize_t tr_writev(conn *c, const struct iovec *iov, int cnt)
{
    if (c->ssl) {
        ERR_clear_error();
        errno = 0;
        int n = SSL_write(c->ssl, iov[0].iov_base, (int)iov[0].iov_len);
        return n > 0 ? n : tls_result(c, n);
    }
    struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt};
    ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return TR_RETRY_WRITE;
    return TR_ERROR;
}

static enum errclass io_errclass(int e)
{
    return (e == ECONNRESET || e == EPIPE) ? ERR_RESET : ERR_IO;
}

/* ---- states ------------------------------------------------------------------ */

/* The class of a socket()/connect() errno, and for the two that mean surge itself ran
 * out of something (descriptors, local ports) one warning per process on stderr, not
 * one per failed request. */
static enum errclass connect_class(int e)
{
    static atomic_int warned_fd, warned_ports;
    int zero = 0;
    switch (e) {
    case ECONNREFUSED:
        return ERR_CONNECT_REFUSED;
    case ETIMEDOUT:
        return ERR_CONNECT_TIMEOUT;
    case ECONNRESET:
        /* the peer answered the SYN and then reset (a listener closing with connections in
         * its backlog): a reset, whatever phase it hit */
        return ERR_RESET;
    case EMFILE:
    case ENFILE:
        if (atomic_compare_exchange_strong(&warned_fd, &zero, 1))
            fprintf(stderr, "surge: warning: out of file descriptors (%s): requests fail as "
                            "fd_limit until connections close; raise ulimit -n or use fewer "
                            "connections\n", strerror(e));
        return ERR_FD_LIMIT;
    case EADDRNOTAVAIL:
        if (atomic_compare_exchange_strong(&warned_ports, &zero, 1))
            fprintf(stderr, "surge: warning: no local port left to connect from (%s): requests "
                            "fail as no_ports; keep connections alive, use fewer, or widen "
                            "net.ipv4.ip_local_port_range\n", strerror(e));
        return ERR_NO_PORTS;
    default:
        return ERR_CONNECT;
    }
}

static void start_connect(conn *c)
{
    const struct conn_target *t = c->t;
    c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        int e = errno;
        c->pending_err = connect_class(e);
        snprintf(c->detail, sizeof c->detail, "socket: %s", strerror(e));
        c->pending_detail = c->detail;
        connect_failed(c, c->detail, 1);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    socklen_t slen;
    const struct sockaddr_storage *src = srcaddr_next(t->src, &slen);
    if (src) {
        /* the port is picked at connect, per (source, target) pair: each source address
         * brings its own ephemeral ports */
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(c->fd, (const struct sockaddr *)src, slen) != 0) {
            char ip[64] = "?";
            inet_ntop(src->ss_family,
                      src->ss_family == AF_INET6
                          ? (const void *)&((const struct sockaddr_in6 *)src)->sin6_addr
                          : (const void *)&((const struct sockaddr_in *)src)->sin_addr,
                      ip, sizeof ip);
            c->pending_err = ERR_CONNECT;
            snprintf(c->detail, sizeof c->detail, "bind %s: %s", ip, strerror(errno));
            c->pending_detail = c->detail;
            close_fd(c);
            connect_failed(c, c->detail, 1);
            return;
        }
    }
    c->opens++;
    c->res.new_conn = 1;
    c->st = ST_CONNECTING;
    if (t->connect_timeout_us) /* from the attempt: a backoff wait is not connecting */
        c->connect_deadline_us = clock_us() + t->connect_timeout_us;
    /* even an immediate success goes through connected(), on the first writable event */
    if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) == 0 ||
        errno == EINPROGRESS) {
        want(c, EV_WRITE);
        return;
    }
    int e = errno;
    c->pending_err = connect_class(e);
    snprintf(c->detail, sizeof c->detail, "connect: %s", strerror(e));
    c->pending_detail = c->detail;
    close_fd(c);
    connect_failed(c, c->detail, 1);
}

static void arm_timer(conn *c)
{
    uint64_t d = c->deadline_us;
    if (c->st == ST_CONNECTING && c->connect_deadline_us &&
        (!d || c->connect_deadline_us < d))
        d = c->connect_deadline_us;
    if (c->st == ST_BACKOFF && (!d || c->retry_at_us < d))
        d = c->retry_at_us;
    ev_timer_stop(c->loop, &c->timer);
    if (!d)
        return;
    uint64_t now = clock_us();
    ev_timer_set(&c->timer, d > now ? (double)(d - now) / 1e6 : 0., 0.);
    ev_timer_start(c->loop, &c->timer);
}

int conn_send(conn *c, const struct conn_req *req, conn_done_fn cb, void *ud)
{
    if (c->busy)
        return -EBUSY;
    if (c->upgraded || c->st == ST_RAW)
        close_fd(c); /* an upgraded stream never carries another request */
    if (!c->resp && !(c->resp = http1_resp_new()))
        return -ENOMEM;
    c->busy = 1;
    c->req = *req;
    c->cb = cb;
    c->ud = ud;
    c->idx = 0;
    c->off = 0;
    memset(&c->res, 0, sizeof c->res);
    c->res.t_start_us = clock_us();
    c->deadline_us = req->timeout_us ? c->res.t_start_us + req->timeout_us : 0;
    c->connect_deadline_us = 0;
    c->pending_err = ERR_NONE;
    http1_resp_begin(c->resp, req->is_head);
    if (req->capture_headers || req->capture_body)
        http1_resp_capture(c->resp, req->capture_headers, req->capture_body);
    if (c->st == ST_CLOSED && c->retry_at_us > c->res.t_start_us) {
        c->st = ST_BACKOFF; /* connect when the backoff ends (on_timer) */
        arm_timer(c);
        return 0;
    }
    if (c->st == ST_CLOSED)
        start_connect(c);
    else
        c->st = ST_WRITING;
    if (c->pending_err != ERR_NONE) {
        /* report from the loop, not from inside conn_send */
        ev_timer_stop(c->loop, &c->timer);
        ev_timer_set(&c->timer, 0., 0.);
        ev_timer_start(c->loop, &c->timer);
        return 0;
    }
    arm_timer(c);
    if (c->st == ST_WRITING || c->st == ST_HANDSHAKE)
        step(c); /* optimistic: the socket is almost always writable */
    return 0;
}

/* A connect to a free port in the ephemeral range can succeed against itself (TCP
 * simultaneous open: the kernel picked the target port as the source). Nothing is
 * listening there, so that is a refusal, not a peer. */
static int self_connected(int fd)
{
    struct sockaddr_storage a, b;
    socklen_t la = sizeof a, lb = sizeof b;
    if (getsockname(fd, (struct sockaddr *)&a, &la) || getpeername(fd, (struct sockaddr *)&b, &lb))
        return 0;
    return la == lb && !memcmp(&a, &b, la);
}

static void connected(conn *c)
{
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
        e = errno;
    if (!e && self_connected(c->fd))
        e = ECONNREFUSED;
    if (e) {
        snprintf(c->detail, sizeof c->detail, "connect: %s", strerror(e));
        connect_failed(c, c->detail, e != ETIMEDOUT);
        fail_errno(c, connect_class(e), e);
        return;
    }
    connect_ok(c);
    c->connect_deadline_us = 0;
    c->st = c->t->tls ? ST_HANDSHAKE : ST_WRITING;
    arm_timer(c);
    step(c);
}

/* Whether a connect in progress has already succeeded or failed (the socket is
 * writable or in error), so its outcome is known without waiting for the event. */
static int connect_settled(const conn *c)
{
    struct pollfd p = {.fd = c->fd, .events = POLLOUT};
    return c->fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLOUT | POLLERR | POLLHUP));
}

static void handshake(conn *c)
{
    if (!c->ssl) {
        c->ssl = tls_new_conn(c->t->tls, c->fd, c->t->host, c->t->host_is_ip);
        if (!c->ssl) {
            finish(c, ERR_TLS, "out of memory");
            return;
        }
    }
    ERR_clear_error();
    errno = 0;
    int n = SSL_do_handshake(c->ssl);
    if (n == 1) {
        c->st = ST_WRITING;
        step(c);
        return;
    }
    int r = tls_result(c, n);
    if (r == TR_RETRY_READ)
        want(c, EV_READ);
    else if (r == TR_RETRY_WRITE)
        want(c, EV_WRITE);
    else if (r == TR_ERROR && (errno == ECONNRESET || errno == EPIPE))
        fail_errno(c, ERR_RESET, errno);
    else {
        tls_error_reason(c->ssl, c->detail, sizeof c->detail);
        if (r == TR_EOF)
            snprintf(c->detail, sizeof c->detail, "connection closed during the TLS handshake");
        ERR_clear_error();
        finish(c, ERR_TLS, c->detail);
    }
}

static void write_request(conn *c)
{
    if (!c->res.t_write_us)
        c->res.t_write_us = clock_us();
    while (c->idx < c->req.iovcnt) {
        struct iovec v[64];
        int n = 0;
        for (int i = c->idx; i < c->req.iovcnt && n < 64; i++, n++)
            v[n] = c->req.iov[i];
        v[0].iov_base = (char *)v[0].iov_base + c->off;
        v[0].iov_len -= c->off;
        ssize_t w = tr_writev(c, v, n);
        if (w == TR_RETRY_WRITE || w == TR_RETRY_READ) {
            want(c, w == TR_RETRY_WRITE ? EV_WRITE : EV_READ);
            return;
        }
        if (w < 0) {
            if (c->ssl && errno == EPROTO)
                finish(c, ERR_TLS, "TLS write failed");
            else
                fail_errno(c, w == TR_EOF ? ERR_RESET : io_errclass(errno),
                           w == TR_EOF ? EPIPE : errno);
            return;
        }
        c->res.bytes_out += (uint64_t)w;
        size_t left = (size_t)w;
        while (left && c->idx < c->req.iovcnt) {
            size_t rem = c->req.iov[c->idx].iov_len - c->off;
            if (left >= rem) {
                left -= rem;
                c->idx++;
                c->off = 0;
            } else {
                c->off += left;
                left = 0;
            }
        }
        while (c->idx < c->req.iovcnt && c->req.iov[c->idx].iov_len == 0)
            c->idx++;
    }
    c->st = ST_READING;
    want(c, EV_READ);
}

/* A 101 to an upgrade request: the connection stays open for conn_upgrade, with the
 * bytes that came after the response kept for conn_raw_read. */
static void keep_upgraded(conn *c, const char *rest, size_t n)
{
    if (n) {
        if (!(c->rest = malloc(n))) {
            finish(c, ERR_IO, "out of memory");
            return;
        }
        memcpy(c->rest, rest, n);
        c->rest_len = n;
    }
    c->upgraded = 1;
    finish(c, ERR_NONE, NULL);
    /* (c may be gone) */
}

static void read_response(conn *c)
{
    char *rbuf = rbuf_get();
    if (!rbuf) {
        fail_errno(c, io_errclass(ENOMEM), ENOMEM);
        return;
    }
    for (;;) {
        ssize_t n = tr_read(c, rbuf, RBUF_SIZE);
        if (n == TR_RETRY_READ || n == TR_RETRY_WRITE) {
            want(c, n == TR_RETRY_READ ? EV_READ : EV_WRITE);
            return;
        }
        if (n == TR_EOF) {
            enum http1_rc rc = http1_resp_eof(c->resp);
            if (rc == HTTP1_DONE) {
                c->res.status = http1_resp_status(c->resp);
                close_fd(c);
                finish(c, ERR_NONE, NULL);
            } else {
                finish(c, ERR_CLOSED_EARLY,
                       http1_resp_started(c->resp) ? "closed before the response was complete"
                                                   : "closed without a response");
            }
            return;
        }
        if (n < 0) {
            if (c->ssl && errno == EPROTO)
                finish(c, ERR_TLS, "TLS read failed");
            else
                fail_errno(c, io_errclass(errno), errno);
            return;
        }
        c->res.bytes_in += (uint64_t)n;
        size_t used = 0;
        enum http1_rc rc = http1_resp_feed(c->resp, rbuf, (size_t)n, &used);
        if (rc == HTTP1_ERROR) {
            snprintf(c->detail, sizeof c->detail, "%s", http1_resp_error(c->resp));
            finish(c, ERR_PARSE, c->detail);
            return;
        }
        if (rc == HTTP1_DONE) {
            c->res.status = http1_resp_status(c->resp);
            if (c->req.upgrade && c->res.status == 101) {
                keep_upgraded(c, rbuf + used, (size_t)n - used);
                return;
            }
            /* bytes past the response: surge never pipelines, so the stream is out of
             * step; the response stands but the connection cannot be reused */
            if (used < (size_t)n || !http1_resp_keep_alive(c->resp))
                close_fd(c);
            finish(c, ERR_NONE, NULL);
            return;
        }
        if ((size_t)n < RBUF_SIZE && !(c->ssl && SSL_pending(c->ssl)))
            return; /* drained: wait for the next readable event */
    }
}

/* While idle the server may close a kept-alive connection: close our end so the
 * next request reopens it instead of failing on a dead socket. */
static void idle_readable(conn *c)
{
    char buf[512]; /* whatever arrives is dropped: no need for the big buffer */
    ssize_t n = tr_read(c, buf, sizeof buf);
    if (n == TR_RETRY_READ || n == TR_RETRY_WRITE)
        return;
    close_fd(c); /* EOF, reset, or bytes nobody asked for */
}

static void step(conn *c)
{
    switch (c->st) {
    case ST_HANDSHAKE:
        handshake(c);
        break;
    case ST_WRITING:
        write_request(c);
        break;
    case ST_READING:
        read_response(c);
        break;
    default:
        break;
    }
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    conn *c = w->data;
    switch (c->st) {
    case ST_CONNECTING:
        connected(c);
        break;
    case ST_IDLE:
        idle_readable(c);
        break;
    case ST_RAW:
        c->raw_cb(c->raw_ud, c, revents);
        break;
    default:
        step(c);
        break;
    }
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    conn *c = w->data;
    if (!c->busy)
        return;
    if (c->pending_err != ERR_NONE) {
        enum errclass e = c->pending_err;
        c->pending_err = ERR_NONE;
        finish(c, e, c->pending_detail);
        return;
    }
    uint64_t now = clock_us();
    if (c->st == ST_BACKOFF) {
        if (now < c->retry_at_us && !(c->deadline_us && now >= c->deadline_us)) {
            arm_timer(c); /* woke early */
            return;
        }
        /* the backoff is over (or the request's deadline came first: one attempt all
         * the same, so every request that fails on the connect made one) */
        c->st = ST_CLOSED;
        start_connect(c);
        if (c->pending_err != ERR_NONE) {
            enum errclass e = c->pending_err;
            c->pending_err = ERR_NONE;
            finish(c, e, c->pending_detail);
            return;
        }
        arm_timer(c);
        return;
    }
    if (c->st == ST_CONNECTING && c->connect_deadline_us && now >= c->connect_deadline_us) {
        connect_failed(c, "no connection within the connect timeout", 0);
        finish(c, ERR_CONNECT_TIMEOUT, "no connection within the connect timeout");
        return;
    }
    if (c->deadline_us && now >= c->deadline_us) {
        if (c->st == ST_CONNECTING && connect_settled(c)) {
            connected(c); /* a refusal already waiting is a refusal, not a timeout */
            return;
        }
        if (c->st == ST_CONNECTING)
            connect_failed(c, "no connection within the timeout", 0);
        finish(c, c->st == ST_CONNECTING ? ERR_CONNECT_TIMEOUT : ERR_TIMEOUT,
               "no complete response within the timeout");
        return;
    }
    arm_timer(c); /* woke early (timer resolution): wait for the rest */
}

/* ---- upgraded connections ---------------------------------------------------------- */

void conn_close(conn *c)
{
    if (c->busy)
        return;
    close_fd(c);
}

int conn_upgrade(conn *c, conn_raw_fn cb, void *ud)
{
    if (!c->upgraded || c->busy || c->fd < 0)
        return -EINVAL;
    c->upgraded = 0;
    c->st = ST_RAW;
    http1_resp_free(c->resp); /* no more HTTP on it: an open WebSocket keeps no parser */
    c->resp = NULL;
    c->raw_cb = cb;
    c->raw_ud = ud;
    want(c, 0);
    want(c, EV_READ);
    return 0;
}

void conn_raw_want(conn *c, int events)
{
    if (c->st == ST_RAW)
        want(c, events);
}

ssize_t conn_raw_read(conn *c, void *buf, size_t len)
{
    if (c->st != ST_RAW)
        return -ENOTCONN;
    if (c->rest) {
        size_t k = c->rest_len - c->rest_off;
        if (k > len)
            k = len;
        memcpy(buf, c->rest + c->rest_off, k);
        c->rest_off += k;
        if (c->rest_off == c->rest_len) {
            free(c->rest);
            c->rest = NULL;
            c->rest_len = c->rest_off = 0;
        }
        return (ssize_t)k;
    }
    ssize_t n = tr_read(c, buf, len);
    if (n >= 0)
        return n;
    if (n == TR_RETRY_READ || n == TR_RETRY_WRITE)
        return -EAGAIN;
    if (n == TR_EOF)
        return 0;
    return errno ? -errno : -EIO;
}

ssize_t conn_raw_write(conn *c, const void *buf, size_t len)
{
    if (c->st != ST_RAW)
        return -ENOTCONN;
    struct iovec v = {.iov_base = (void *)buf, .iov_len = len};
    ssize_t n = tr_writev(c, &v, 1);
    if (n >= 0)
        return n;
    if (n == TR_RETRY_READ || n == TR_RETRY_WRITE)
        return -EAGAIN;
    if (n == TR_EOF)
        return -EPIPE;
    return errno ? -errno : -EIO;
}
