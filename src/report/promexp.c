/* promexp.c — a minimal HTTP/1.x responder for /metrics on the main libev loop: one
 * request per connection, answered whole and closed. The figures come from the
 * per-second lines; nothing on the request path of the load is touched. */
#include "report/promexp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/sbuf.h"

#define MAX_CLIENTS 32
#define MAX_REQUEST 8192

struct client {
    ev_io io;
    struct promexp *p;
    char buf[MAX_REQUEST];
    size_t len;
    struct sbuf out;
    size_t sent;
    int in_use;
};

struct promexp {
    struct ev_loop *loop;
    ev_io accept_io;
    int fd, port;
    char *plan, *target;
    json_t *totals;  /* scenario -> {requests, failed, bytes_in, errors: {class: n}} */
    json_t *last;    /* the last line */
    struct client clients[MAX_CLIENTS];
};

static int split_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sl, char *err,
                      int errlen)
{
    const char *colon = strrchr(addr, ':');
    char host[128];
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host) {
        snprintf(err, (size_t)errlen, "bad value '%s' for --prometheus-listen (HOST:PORT)", addr);
        return -1;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 0 || port > 65535) {
        snprintf(err, (size_t)errlen, "bad port in '%s' for --prometheus-listen (0 to 65535)", addr);
        return -1;
    }
    memset(ss, 0, sizeof *ss);
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof host, "127.0.0.1");
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
            goto bad;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *sl = sizeof *s6;
        return 0;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
        goto bad;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *sl = sizeof *s4;
    return 0;
bad:
    snprintf(err, (size_t)errlen,
             "bad address in '%s' for --prometheus-listen (an IP address or localhost)", addr);
    return -1;
}

int promexp_parse_addr(const char *addr, char *err, int errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    return split_addr(addr, &ss, &sl, err, errlen);
}

/* Label values: backslash, double quote and newline escaped. */
static void label(struct sbuf *o, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            sbuf_putc(o, '\\');
        if (*s == '\n')
            sbuf_puts(o, "\\n");
        else
            sbuf_putc(o, *s);
    }
}

/* A watch metric name as a Prometheus metric name: [a-zA-Z0-9_] kept, the rest '_'. */
static void metric_name(struct sbuf *o, const char *s)
{
    for (; *s && *s != '{'; s++)
        sbuf_putc(o, ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_')
                         ? *s
                         : '_');
}

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void render(const promexp *p, struct sbuf *o)
{
    const char *name;
    const json_t *v, *sc = json_object_get(p->last, "scenarios");
    sbuf_puts(o, "# HELP surge_run_info The plan and target of the running test.\n"
                 "# TYPE surge_run_info gauge\nsurge_run_info{plan=\"");
    label(o, p->plan);
    sbuf_puts(o, "\",target=\"");
    label(o, p->target);
    sbuf_puts(o, "\"} 1\n");
    sbuf_printf(o, "# HELP surge_elapsed_seconds Seconds of the run merged so far.\n"
                   "# TYPE surge_elapsed_seconds gauge\nsurge_elapsed_seconds %.0f\n",
                p->last ? num(p->last, "t_run") + 1 : 0);
    static const struct {
        const char *key, *name, *help;
    } counters[] = {
        {"requests", "surge_requests_total", "Requests that ended (ok or failed)."},
        {"failed", "surge_requests_failed_total", "Of those, failed (error class or status >= 400)."},
        {"bytes_in", "surge_received_bytes_total", "Response bytes received."},
    };
    for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
        sbuf_printf(o, "# HELP %s %s\n# TYPE %s counter\n", counters[c].name, counters[c].help,
                    counters[c].name);
        json_object_foreach(p->totals, name, v)
        {
            sbuf_printf(o, "%s{scenario=\"", counters[c].name);
            label(o, name);
            sbuf_printf(o, "\"} %.0f\n", num(v, counters[c].key));
        }
    }
    sbuf_puts(o, "# HELP surge_errors_total Failed requests by error class.\n"
                 "# TYPE surge_errors_total counter\n");
    json_object_foreach(p->totals, name, v)
    {
        const char *cls;
        const json_t *n;
        json_object_foreach(json_object_get(v, "errors"), cls, n)
        {
            sbuf_puts(o, "surge_errors_total{scenario=\"");
            label(o, name);
            sbuf_puts(o, "\",class=\"");
            label(o, cls);
            sbuf_printf(o, "\"} %.0f\n", json_number_value(n));
        }
    }
    static const struct {
        const char *key, *name, *help;
        double scale;
        int optional; /* only for scenarios whose points carry it (ws_active: ws flows) */
    } gauges[] = {
        {"vus", "surge_vus", "Active virtual users at the end of the last second.", 1, 0},
        {"requests", "surge_requests_per_second", "Requests that ended in the last second.", 1, 0},
        {"p50_ms", "surge_latency_p50_seconds", "Median latency in the last second.", 1e-3, 0},
        {"p95_ms", "surge_latency_p95_seconds", "95th percentile latency in the last second.", 1e-3, 0},
        {"p99_ms", "surge_latency_p99_seconds", "99th percentile latency in the last second.", 1e-3, 0},
        {"max_ms", "surge_latency_max_seconds", "Largest latency in the last second.", 1e-3, 0},
        {"ws_active", "surge_websockets_open", "WebSocket connections open at the end of the "
                                              "last second.", 1, 1},
    };
    for (size_t g = 0; g < sizeof gauges / sizeof gauges[0]; g++) {
        int any = 0;
        json_object_foreach((json_t *)sc, name, v)
            any |= json_object_get(v, gauges[g].key) != NULL;
        if (gauges[g].optional && !any)
            continue;
        sbuf_printf(o, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g].name, gauges[g].help,
                    gauges[g].name);
        json_object_foreach((json_t *)sc, name, v)
        {
            if (gauges[g].optional && !json_object_get(v, gauges[g].key))
                continue;
            sbuf_printf(o, "%s{scenario=\"", gauges[g].name);
            label(o, name);
            sbuf_printf(o, "\"} %.9g\n", num(v, gauges[g].key) * gauges[g].scale);
        }
    }
    const json_t *gen = json_object_get(p->last, "generator"); /* surge's self-check */
    if (json_is_object(gen)) {
        sbuf_printf(o, "# HELP surge_generator_cpu_percent CPU of surge's busiest worker thread "
                       "in the last second (100 = one core).\n"
                       "# TYPE surge_generator_cpu_percent gauge\n"
                       "surge_generator_cpu_percent %.9g\n"
                       "# HELP surge_generator_loop_lag_seconds How late the worker loops' "
                       "timers fired in the last second (the worst).\n"
                       "# TYPE surge_generator_loop_lag_seconds gauge\n"
                       "surge_generator_loop_lag_seconds %.9g\n"
                       "# HELP surge_generator_saturated 1 when surge itself is the bottleneck "
                       "(results past then understate the service).\n"
                       "# TYPE surge_generator_saturated gauge\n"
                       "surge_generator_saturated %d\n",
                    num(gen, "cpu_pct"), num(gen, "loop_lag_ms") * 1e-3,
                    json_is_true(json_object_get(gen, "saturated")));
    }
    json_object_foreach(json_object_get(p->last, "watch"), name, v)
    {
        if (!json_is_number(v))
            continue;
        sbuf_puts(o, "# HELP surge_watch_");
        metric_name(o, name);
        sbuf_puts(o, " Watched by surge: ");
        label(o, name);
        sbuf_puts(o, "\n# TYPE surge_watch_");
        metric_name(o, name);
        sbuf_puts(o, " gauge\nsurge_watch_");
        metric_name(o, name);
        sbuf_printf(o, " %.9g\n", json_number_value(v));
    }
}

static void client_close(struct client *c)
{
    ev_io_stop(c->p->loop, &c->io);
    close(c->io.fd);
    sbuf_free(&c->out);
    c->in_use = 0;
}

static void on_client(struct ev_loop *loop, ev_io *w, int revents)
{
    struct client *c = w->data;
    if (revents & EV_READ) {
        ssize_t n = read(w->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            client_close(c);
            return;
        }
        c->len += (size_t)n;
        c->buf[c->len] = '\0';
        if (!strstr(c->buf, "\r\n\r\n") && !strstr(c->buf, "\n\n")) {
            if (c->len >= sizeof c->buf - 1)
                client_close(c); /* a head too large for a scrape */
            return;
        }
        struct sbuf body = SBUF_INIT;
        const char *status = "200 OK", *type = "text/plain; version=0.0.4; charset=utf-8";
        if (strncmp(c->buf, "GET /metrics", 12) || (c->buf[12] != ' ' && c->buf[12] != '?')) {
            status = "404 Not Found";
            type = "text/plain; charset=utf-8";
            sbuf_puts(&body, "surge serves /metrics only\n");
        } else {
            render(c->p, &body);
        }
        sbuf_printf(&c->out,
                    "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                    "Connection: close\r\n\r\n",
                    status, type, body.len);
        sbuf_append(&c->out, sbuf_str(&body), body.len);
        sbuf_free(&body);
        ev_io_stop(loop, w);
        ev_io_set(w, w->fd, EV_WRITE);
        ev_io_start(loop, w);
        return;
    }
    ssize_t n = write(w->fd, sbuf_str(&c->out) + c->sent, c->out.len - c->sent);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n > 0)
        c->sent += (size_t)n;
    if (n <= 0 || c->sent == c->out.len)
        client_close(c);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    promexp *p = w->data;
    for (;;) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct client *c = NULL;
        for (int i = 0; i < MAX_CLIENTS && !c; i++)
            if (!p->clients[i].in_use)
                c = &p->clients[i];
        if (!c) {
            close(fd); /* too many scrapers at once */
            continue;
        }
        memset(c, 0, sizeof *c);
        c->in_use = 1;
        c->p = p;
        ev_io_init(&c->io, on_client, fd, EV_READ);
        c->io.data = c;
        ev_io_start(loop, &c->io);
    }
}

int promexp_new(struct ev_loop *loop, const char *addr, const char *plan, const char *target,
                promexp **out, char *err, int errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (split_addr(addr, &ss, &sl, err, errlen))
        return -1;
    promexp *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, (size_t)errlen, "out of memory");
        return -1;
    }
    p->fd = -1;
    p->loop = loop;
    p->plan = strdup(plan ? plan : "");
    p->target = strdup(target ? target : "");
    p->totals = json_object();
    if (!p->plan || !p->target || !p->totals) {
        snprintf(err, (size_t)errlen, "out of memory");
        goto fail;
    }
    int one = 1;
    p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0 || setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(p->fd, (struct sockaddr *)&ss, sl) || listen(p->fd, 64)) {
        snprintf(err, (size_t)errlen, "--prometheus-listen: cannot listen on %s: %s", addr,
                 strerror(errno));
        goto fail;
    }
    struct sockaddr_storage got;
    socklen_t gl = sizeof got;
    getsockname(p->fd, (struct sockaddr *)&got, &gl);
    p->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                              : ((struct sockaddr_in *)&got)->sin_port);
    ev_io_init(&p->accept_io, on_accept, p->fd, EV_READ);
    p->accept_io.data = p;
    ev_io_start(loop, &p->accept_io);
    *out = p;
    return 0;
fail:
    promexp_free(p);
    return -1;
}

int promexp_port(const promexp *p)
{
    return p ? p->port : 0;
}

void promexp_second(promexp *p, const json_t *line)
{
    if (!p)
        return;
    const char *name;
    json_t *pt;
    json_object_foreach(json_object_get(line, "scenarios"), name, pt)
    {
        json_t *t = json_object_get(p->totals, name);
        if (!t) {
            t = json_pack("{s:f, s:f, s:f, s:{}}", "requests", 0.0, "failed", 0.0, "bytes_in", 0.0,
                          "errors");
            if (!t)
                return;
            json_object_set_new(p->totals, name, t);
        }
        static const char *const keys[] = {"requests", "failed", "bytes_in"};
        for (int k = 0; k < 3; k++)
            json_object_set_new(t, keys[k], json_real(num(t, keys[k]) + num(pt, keys[k])));
        const char *cls;
        json_t *n;
        json_t *errs = json_object_get(t, "errors");
        json_object_foreach(json_object_get(pt, "errors"), cls, n)
            json_object_set_new(errs, cls, json_real(num(errs, cls) + json_number_value(n)));
    }
    json_decref(p->last);
    p->last = json_deep_copy(line);
}

void promexp_free(promexp *p)
{
    if (!p)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (p->clients[i].in_use)
            client_close(&p->clients[i]);
    if (p->fd >= 0) {
        ev_io_stop(p->loop, &p->accept_io);
        close(p->fd);
    }
    json_decref(p->totals);
    json_decref(p->last);
    free(p->plan);
    free(p->target);
    free(p);
}
