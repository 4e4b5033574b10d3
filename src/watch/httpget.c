/* httpget.c — the watch stage's blocking HTTP/1.1 GET: resolve, non-blocking connect,
 * optional TLS, one request, the response parsed with http-parser, all under one deadline. */
#include "watch/httpget.h"

#include "engine/url.h"

#include <errno.h>
#include <fcntl.h>
#include <http_parser.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SURGE_VERSION
#define SURGE_VERSION "dev"
#endif

/* One GET in flight: the socket, its TLS session and the response being parsed. */
struct hg {
    const char *url;       /* as given, for messages */
    double deadline;       /* CLOCK_MONOTONIC seconds */
    double timeout_s;
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    http_parser parser;
    char *body;            /* grown as the body arrives; NUL-terminated */
    size_t len, cap;
    size_t max_body;
    int over;              /* the body passed max_body */
    int done;              /* the message is complete */
    char *err;
    int errlen;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(struct hg *h, const char *fmt, ...)
{
    char msg[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (h->errlen > 0)
        snprintf(h->err, (size_t)h->errlen, "%s: %s", h->url, msg);
    return -1;
}

static int timed_out(struct hg *h)
{
    return fail(h, "timed out after %g s", h->timeout_s);
}

/* Wait until fd is ready for events or the deadline passes. @return 1 ready, 0 timed
 * out, -1 poll error (errno). */
static int wait_fd(struct hg *h, short events)
{
    for (;;) {
        double left = h->deadline - now_s();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = h->fd, .events = events};
        int ms = (int)(left * 1000.0) + 1;
        int n = poll(&pfd, 1, ms);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* Connect to one resolved address. @return 0, or -1 with errno-style reason in *why
 * (0 for a timeout). */
static int connect_one(struct hg *h, const struct addrinfo *ai, int *why)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
        *why = errno;
        return -1;
    }
    h->fd = fd;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return 0;
    if (errno != EINPROGRESS) {
        *why = errno;
        goto fail;
    }
    int r = wait_fd(h, POLLOUT);
    if (r <= 0) {
        *why = r == 0 ? 0 : errno;
        goto fail;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
    if (soerr == 0)
        return 0;
    *why = soerr;
fail:
    close(fd);
    h->fd = -1;
    return -1;
}

static int do_connect(struct hg *h, const struct url *u)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (u->host_is_ip)
        hints.ai_flags = AI_NUMERICHOST;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)u->port);
    int g = getaddrinfo(u->host, port, &hints, &res);
    if (g != 0)
        return fail(h, "cannot resolve %s: %s", u->host,
                    g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    int why = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (connect_one(h, ai, &why) == 0) {
            freeaddrinfo(res);
            return 0;
        }
        if (why == 0)
            break; /* the deadline passed */
    }
    freeaddrinfo(res);
    if (why == 0)
        return timed_out(h);
    if (why == ECONNREFUSED)
        return fail(h, "connection refused");
    return fail(h, "connect: %s", strerror(why));
}

/* The first queued OpenSSL error as text (or fallback). */
static const char *ssl_reason(char *buf, size_t n, const char *fallback)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(buf, n, "%s", fallback);
        return buf;
    }
    ERR_error_string_n(e, buf, n);
    ERR_clear_error();
    return buf;
}

/* Wait as SSL asked (want read / want write). @return 0 to retry, -1 failed. */
static int ssl_wait(struct hg *h, int rc, const char *what)
{
    int e = SSL_get_error(h->ssl, rc);
    int r;
    if (e == SSL_ERROR_WANT_READ)
        r = wait_fd(h, POLLIN);
    else if (e == SSL_ERROR_WANT_WRITE)
        r = wait_fd(h, POLLOUT);
    else {
        char buf[160];
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
            return fail(h, "TLS %s: %s", what, rc == 0 || errno == 0 ? "connection closed"
                                                                     : strerror(errno));
        return fail(h, "TLS %s: %s", what, ssl_reason(buf, sizeof buf, "failed"));
    }
    if (r == 0)
        return timed_out(h);
    if (r < 0)
        return fail(h, "poll: %s", strerror(errno));
    return 0;
}

static int tls_start(struct hg *h, const struct url *u, const struct http_get_opts *o)
{
    ERR_clear_error();
    h->ctx = SSL_CTX_new(TLS_client_method());
    if (!h->ctx)
        return fail(h, "TLS: cannot create a context");
    SSL_CTX_set_min_proto_version(h->ctx, TLS1_2_VERSION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* a close without close_notify reads as the end of stream: http-parser then says
     * whether the response was complete (Content-Length, chunked) or ends there */
    SSL_CTX_set_options(h->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (!o->insecure) {
        SSL_CTX_set_default_verify_paths(h->ctx);
        if (o->cacert && SSL_CTX_load_verify_locations(h->ctx, o->cacert, NULL) != 1) {
            ERR_clear_error();
            return fail(h, "cannot load CA file %s", o->cacert);
        }
        SSL_CTX_set_verify(h->ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(h->ctx, SSL_VERIFY_NONE, NULL);
    }
    h->ssl = SSL_new(h->ctx);
    if (!h->ssl || SSL_set_fd(h->ssl, h->fd) != 1)
        return fail(h, "TLS: cannot create a session");
    if (!u->host_is_ip)
        SSL_set_tlsext_host_name(h->ssl, u->host);
    if (!o->insecure) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(h->ssl);
        int ok = u->host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, u->host)
                               : X509_VERIFY_PARAM_set1_host(vp, u->host, 0);
        if (ok != 1)
            return fail(h, "TLS: cannot set the name to verify");
    }
    for (;;) {
        int rc = SSL_connect(h->ssl);
        if (rc == 1)
            return 0;
        if (SSL_get_error(h->ssl, rc) == SSL_ERROR_SSL &&
            SSL_get_verify_result(h->ssl) != X509_V_OK)
            return fail(h, "TLS handshake: certificate verify failed: %s",
                        X509_verify_cert_error_string(SSL_get_verify_result(h->ssl)));
        if (ssl_wait(h, rc, "handshake") != 0)
            return -1;
    }
}

static int send_all(struct hg *h, const char *buf, size_t n)
{
    size_t off = 0;
    while (off < n) {
        if (h->ssl) {
            int rc = SSL_write(h->ssl, buf + off, (int)(n - off));
            if (rc > 0)
                off += (size_t)rc;
            else if (ssl_wait(h, rc, "write") != 0)
                return -1;
            continue;
        }
        ssize_t w = send(h->fd, buf + off, n - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(h, POLLOUT);
            if (r == 0)
                return timed_out(h);
            if (r < 0)
                return fail(h, "poll: %s", strerror(errno));
        } else if (w < 0 && errno != EINTR) {
            return fail(h, "send: %s", strerror(errno));
        }
    }
    return 0;
}

/* Read what is there. @return bytes (> 0), 0 at end of stream, -1 failed (err set). */
static ssize_t recv_some(struct hg *h, char *buf, size_t n)
{
    for (;;) {
        if (h->ssl) {
            int rc = SSL_read(h->ssl, buf, (int)n);
            if (rc > 0)
                return rc;
            int e = SSL_get_error(h->ssl, rc);
            if (e == SSL_ERROR_ZERO_RETURN)
                return 0;
            if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && rc == 0)
                return 0; /* closed without close_notify: the parser decides */
            if (ssl_wait(h, rc, "read") != 0)
                return -1;
            continue;
        }
        ssize_t r = recv(h->fd, buf, n, 0);
        if (r >= 0)
            return r;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int w = wait_fd(h, POLLIN);
            if (w == 0)
                return timed_out(h);
            if (w < 0)
                return fail(h, "poll: %s", strerror(errno));
        } else if (errno != EINTR) {
            if (errno == ECONNRESET)
                return fail(h, "connection reset");
            return fail(h, "recv: %s", strerror(errno));
        }
    }
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    struct hg *h = p->data;
    if (h->over || n > h->max_body - h->len) {
        h->over = 1;
        return 1;
    }
    if (h->len + n + 1 > h->cap) {
        size_t cap = h->cap ? h->cap : 4096;
        while (cap < h->len + n + 1)
            cap *= 2;
        char *b = realloc(h->body, cap);
        if (!b)
            return 1;
        h->body = b;
        h->cap = cap;
    }
    memcpy(h->body + h->len, at, n);
    h->len += n;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    struct hg *h = p->data;
    if (p->status_code >= 100 && p->status_code < 200)
        return 0; /* an interim response: the real one follows */
    h->done = 1;
    http_parser_pause(p, 1);
    return 0;
}

static int read_response(struct hg *h)
{
    http_parser_settings st;
    http_parser_settings_init(&st);
    st.on_body = on_body;
    st.on_message_complete = on_message_complete;
    http_parser_init(&h->parser, HTTP_RESPONSE);
    h->parser.data = h;
    char buf[16384];
    for (;;) {
        ssize_t n = recv_some(h, buf, sizeof buf);
        if (n < 0)
            return -1;
        size_t used = http_parser_execute(&h->parser, &st, buf, (size_t)n);
        if (h->done)
            return 0;
        if (h->over)
            return fail(h, "body over %zu bytes", h->max_body);
        if (n == 0) /* end of stream: a read-to-EOF body ended above, anything else is cut */
            return fail(h, "connection closed before the response ended");
        enum http_errno e = HTTP_PARSER_ERRNO(&h->parser);
        if (e != HPE_OK)
            return fail(h, "bad response: %s", http_errno_description(e));
        if (used != (size_t)n)
            return fail(h, "bad response");
    }
}

/* OpenSSL writes with write(): a peer that has closed would raise SIGPIPE. It is blocked in
 * this thread for the call, and one raised by it is taken back before unblocking. */
struct pipeguard {
    sigset_t old;
    int was_pending;
};

static void pipe_block(struct pipeguard *g)
{
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pend);
    g->was_pending = sigismember(&pend, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void pipe_restore(struct pipeguard *g)
{
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pend);
    if (!g->was_pending && sigismember(&pend, SIGPIPE)) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static int http_get_guarded(const char *url, const struct http_get_opts *o,
                            struct http_get_result *res, char *err, int errlen);

int http_get(const char *url, const struct http_get_opts *o, struct http_get_result *res,
             char *err, int errlen)
{
    struct pipeguard g;
    pipe_block(&g);
    int rc = http_get_guarded(url, o, res, err, errlen);
    pipe_restore(&g);
    return rc;
}

static int http_get_guarded(const char *url, const struct http_get_opts *o,
                            struct http_get_result *res, char *err, int errlen)
{
    static const struct http_get_opts defaults;
    if (!o)
        o = &defaults;
    struct hg h = {.url = url, .fd = -1, .err = err, .errlen = errlen};
    h.timeout_s = o->timeout_s > 0 ? o->timeout_s : 5.0;
    h.max_body = o->max_body ? o->max_body : (size_t)16 << 20;
    double t0 = now_s();
    h.deadline = t0 + h.timeout_s;
    struct url u = {0};
    char uerr[128];
    char req[4096];
    int rc = -1;
    if (!url) {
        h.url = "(null)";
        fail(&h, "bad URL: none given");
        goto out;
    }
    if (url_parse(url, &u, uerr, sizeof uerr) != 0) {
        fail(&h, "bad URL: %s", uerr);
        goto out;
    }
    if (do_connect(&h, &u) != 0)
        goto out;
    if (u.tls && tls_start(&h, &u, o) != 0)
        goto out;
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: surge/" SURGE_VERSION
                     "\r\n%s%s%sConnection: close\r\n\r\n",
                     u.path, u.authority, o->accept ? "Accept: " : "",
                     o->accept ? o->accept : "", o->accept ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof req) {
        fail(&h, "bad URL: too long");
        goto out;
    }
    if (send_all(&h, req, (size_t)n) != 0 || read_response(&h) != 0)
        goto out;
    if (!h.body) {
        h.body = malloc(1);
        if (!h.body) {
            fail(&h, "out of memory");
            goto out;
        }
    }
    h.body[h.len] = '\0';
    res->status = (int)h.parser.status_code;
    res->body = h.body;
    res->body_len = h.len;
    res->elapsed_ms = (now_s() - t0) * 1000.0;
    h.body = NULL;
    rc = 0;
out:
    if (h.ssl)
        SSL_free(h.ssl);
    if (h.ctx)
        SSL_CTX_free(h.ctx);
    if (h.fd >= 0)
        close(h.fd);
    free(h.body);
    url_free(&u);
    ERR_clear_error();
    return rc;
}

void http_get_result_free(struct http_get_result *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}
