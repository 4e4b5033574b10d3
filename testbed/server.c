/* server.c — the testbed server: listener, route table, connection set, shared state. */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "procmetrics.h"

#define SRV_BACKLOG 4096
#define SRV_ACCEPTS_PER_EVENT 256 /* accepts per readable event; the loop serves others between */
#define SRV_SCRATCH (64 * 1024)
#define SRV_ACCEPT_PAUSE_S 0.1 /* back-off when out of descriptors (EMFILE) */
#define SRV_FREE_HOOKS 8

struct tb_server {
    struct ev_loop *loop;
    ptm_queue *timers;
    int lfd;               /* listening socket; -1 before srv_listen */
    ev_io accept_io;       /* readable listener */
    ev_timer accept_pause; /* resumes accepting after EMFILE/ENFILE */
    struct srv_route *routes;
    size_t nroutes;     /* routes registered */
    size_t cap_routes;  /* routes allocated */
    struct conn *conns; /* open connections, newest first */
    uint64_t rng;       /* xorshift64* state, never 0 */
    struct srv_stats stats;
    tb_metrics *metrics; /* GET /metrics registry */
    double time_scale;   /* --time-scale */
    int profile;         /* PROFILE_* bits */
    struct {
        void (*fn)(void *ud);
        void *ud;
    } free_hooks[SRV_FREE_HOOKS]; /* srv_on_free */
    size_t nfree_hooks;
    char scratch[SRV_SCRATCH];
};

static void srv_collect(tb_metrics *m, void *ud);

int srv_new(struct ev_loop *loop, tb_server **out)
{
    tb_server *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->loop = loop;
    s->lfd = -1;
    s->time_scale = 1.0;
    s->profile = PROFILE_ALL;
    int rc = ptm_queue_new(loop, &s->timers);
    if (rc)
        goto fail;
    rc = -ENOMEM;
    s->metrics = metrics_new();
    if (!s->metrics || metrics_on_collect(s->metrics, srv_collect, s) || procm_register(s->metrics))
        goto fail;
    s->rng = (uint64_t)ptm_now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
    if (s->rng == 0)
        s->rng = 1;
    *out = s;
    return 0;
fail:
    metrics_free(s->metrics);
    ptm_queue_free(s->timers);
    free(s);
    return rc;
}

void srv_free(tb_server *s)
{
    if (!s)
        return;
    if (s->lfd >= 0) {
        ev_io_stop(s->loop, &s->accept_io);
        ev_timer_stop(s->loop, &s->accept_pause);
        close(s->lfd);
    }
    while (s->conns)
        conn_close(s->conns, 0); /* unlinks it */
    while (s->nfree_hooks > 0) {
        s->nfree_hooks--;
        s->free_hooks[s->nfree_hooks].fn(s->free_hooks[s->nfree_hooks].ud);
    }
    ptm_queue_free(s->timers);
    metrics_free(s->metrics);
    for (size_t i = 0; i < s->nroutes; i++) {
        free(s->routes[i].method);
        free(s->routes[i].path);
        free(s->routes[i].label);
    }
    free(s->routes);
    free(s);
}

/* ---- accepting ---- */

static void srv_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    tb_server *s = w->data;
    for (int i = 0; i < SRV_ACCEPTS_PER_EVENT; i++) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            /* EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays in the backlog;
             * stop polling the listener for a moment instead of spinning on it. */
            fprintf(stderr, "surge-testbed: accept: %s (pausing accepts %.0f ms)\n",
                    strerror(errno), SRV_ACCEPT_PAUSE_S * 1000);
            ev_io_stop(loop, &s->accept_io);
            ev_timer_set(&s->accept_pause, SRV_ACCEPT_PAUSE_S, 0.);
            ev_timer_start(loop, &s->accept_pause);
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails only on non-TCP */
        conn_open(s, fd); /* on ENOMEM it closed fd: the client sees a reset, we go on */
    }
}

static void srv_on_accept_pause(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    tb_server *s = w->data;
    ev_io_start(loop, &s->accept_io);
}

/* Splits "HOST:PORT" / "[V6]:PORT" into host (may be "") and port. Returns 0 or -EINVAL. */
static int srv_split(const char *hostport, char *host, size_t hostsz, char *port, size_t portsz)
{
    const char *colon;
    size_t hlen;
    const char *h = hostport;
    if (h[0] == '[') {
        const char *close = strchr(h, ']');
        if (!close || close[1] != ':')
            return -EINVAL;
        h++;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(h, ':');
        if (!colon || memchr(h, ':', (size_t)(colon - h)))
            return -EINVAL; /* no port, or a bare IPv6 address without brackets */
        hlen = (size_t)(colon - h);
    }
    const char *p = colon + 1;
    size_t plen = strlen(p);
    if (plen == 0 || plen > 5 || strspn(p, "0123456789") != plen || strtol(p, NULL, 10) > 65535)
        return -EINVAL;
    if (hlen >= hostsz || plen >= portsz)
        return -EINVAL;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, p, plen + 1);
    return 0;
}

/* A listening socket for one resolved address. Returns the fd, or -errno. */
static int srv_bind_one(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -errno;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        goto fail;
    if (ai->ai_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
        goto fail;
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SRV_BACKLOG) != 0)
        goto fail;
    return fd;
fail:;
    int e = errno;
    close(fd);
    return -e;
}

int srv_listen(tb_server *s, const char *hostport, char *url, size_t urlsz)
{
    char host[256], port[8];
    if (s->lfd >= 0 || srv_split(hostport, host, sizeof host, port, sizeof port)) {
        snprintf(url, urlsz, "bad address '%s' (want HOST:PORT or [IPV6]:PORT)", hostport);
        return -EINVAL;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (gai != 0) {
        snprintf(url, urlsz, "cannot resolve '%s': %s", host, gai_strerror(gai));
        return -EINVAL;
    }
    int fd = -EADDRNOTAVAIL;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
        fd = srv_bind_one(ai);
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(url, urlsz, "cannot listen on %s: %s", hostport, strerror(-fd));
        return fd;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char nhost[INET6_ADDRSTRLEN + 8], nport[8];
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
        getnameinfo((struct sockaddr *)&ss, sl, nhost, sizeof nhost, nport, sizeof nport,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        int e = errno ? errno : EINVAL;
        close(fd);
        snprintf(url, urlsz, "cannot read the bound address: %s", strerror(e));
        return -e;
    }
    if (ss.ss_family == AF_INET6)
        snprintf(url, urlsz, "http://[%s]:%s", nhost, nport);
    else
        snprintf(url, urlsz, "http://%s:%s", nhost, nport);
    s->lfd = fd;
    ev_io_init(&s->accept_io, srv_on_accept, fd, EV_READ);
    s->accept_io.data = s;
    ev_timer_init(&s->accept_pause, srv_on_accept_pause, SRV_ACCEPT_PAUSE_S, 0.);
    s->accept_pause.data = s;
    ev_io_start(s->loop, &s->accept_io);
    return 0;
}

/* ---- routes ---- */

int srv_route(tb_server *s, const char *method, const char *path, unsigned flags, req_fn fn)
{
    if (s->nroutes == s->cap_routes) {
        size_t cap = s->cap_routes ? s->cap_routes * 2 : 16;
        struct srv_route *r = realloc(s->routes, cap * sizeof *r);
        if (!r)
            return -ENOMEM;
        s->routes = r;
        s->cap_routes = cap;
    }
    struct srv_route *r = &s->routes[s->nroutes];
    memset(r, 0, sizeof *r);
    size_t len = strlen(path);
    r->prefix = len > 0 && path[len - 1] == '*';
    r->path_len = r->prefix ? len - 1 : len;
    r->path = strndup(path, r->path_len);
    r->method = method ? strdup(method) : NULL;
    r->label = malloc(len * 2 + 1);
    if (!r->path || (method && !r->method) || !r->label) {
        free(r->path);
        free(r->method);
        free(r->label);
        return -ENOMEM;
    }
    char *q = r->label; /* the pattern as a label value: \ and " escaped */
    for (const char *p = path; *p; p++) {
        if (*p == '\\' || *p == '"')
            *q++ = '\\';
        *q++ = *p == '\n' ? ' ' : *p;
    }
    *q = '\0';
    r->flags = flags;
    r->fn = fn;
    s->nroutes++;
    return 0;
}

const struct srv_route *srv_match(tb_server *s, const char *method, const char *path, int *status)
{
    int path_seen = 0;
    int head = strcmp(method, "HEAD") == 0;
    for (size_t i = 0; i < s->nroutes; i++) {
        const struct srv_route *r = &s->routes[i];
        int hit = r->prefix ? strncmp(path, r->path, r->path_len) == 0 : strcmp(path, r->path) == 0;
        if (!hit)
            continue;
        path_seen = 1;
        if (!r->method || strcmp(r->method, method) == 0 || (head && strcmp(r->method, "GET") == 0))
            return r;
    }
    *status = path_seen ? 405 : 404;
    return NULL;
}

/* ---- metrics ---- */

/* Requests dispatched and not answered yet (in service or queued), the /metrics one included. */
static void srv_collect(tb_metrics *m, void *ud)
{
    const tb_server *s = ud;
    size_t n = 0;
    for (const struct conn *c = s->conns; c; c = c->next)
        n += c->busy && !c->req.replied;
    metrics_gauge_set(m, "concurrent_requests", "Requests in service or queued now", "", (double)n);
}

void srv_count_response(tb_server *s, const struct tb_req *r, int status)
{
    char labels[512];
    const char *route = r->route ? r->route->label : "unmatched";
    double secs = r->t0_ns ? (double)(ptm_now_ns() - r->t0_ns) / 1e9 : 0.0;
    snprintf(labels, sizeof labels, "route=\"%.400s\",code=\"%d\"", route, status);
    metrics_counter_add(s->metrics, "http_requests_total", "HTTP requests answered", labels, 1);
    snprintf(labels, sizeof labels, "route=\"%.400s\"", route);
    metrics_hist_observe(s->metrics, "http_request_duration_seconds",
                         "Time from the request's first byte to its answer", labels, secs);
}

tb_metrics *srv_metrics(const tb_server *s)
{
    return s->metrics;
}

int srv_on_free(tb_server *s, void (*fn)(void *ud), void *ud)
{
    if (s->nfree_hooks == SRV_FREE_HOOKS)
        return -ENOSPC;
    s->free_hooks[s->nfree_hooks].fn = fn;
    s->free_hooks[s->nfree_hooks].ud = ud;
    s->nfree_hooks++;
    return 0;
}

double srv_time_scale(const tb_server *s)
{
    return s->time_scale;
}

void srv_set_time_scale(tb_server *s, double scale)
{
    s->time_scale = scale;
}

int srv_profile(const tb_server *s)
{
    return s->profile;
}

void srv_set_profile(tb_server *s, int profile)
{
    s->profile = profile;
}

/* ---- shared state ---- */

double srv_rand01(tb_server *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (double)((s->rng * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

struct ev_loop *srv_loop(const tb_server *s)
{
    return s->loop;
}

ptm_queue *srv_timers(const tb_server *s)
{
    return s->timers;
}

void srv_stats(const tb_server *s, struct srv_stats *out)
{
    *out = s->stats;
}

char *srv_scratch(tb_server *s, size_t *len)
{
    *len = sizeof s->scratch;
    return s->scratch;
}

void srv_conn_link(tb_server *s, struct conn *c)
{
    c->prev = NULL;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->stats.conns_accepted++;
    s->stats.conns_open++;
}

void srv_conn_unlink(tb_server *s, struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    s->stats.conns_open--;
}

void srv_count_request(tb_server *s, int bad)
{
    s->stats.requests++;
    if (bad)
        s->stats.bad_requests++;
}
