/* routes_core.c — the core routes: /echo (timed, sized replies), /health, /metrics,
 * /admin/pause. */
#include "routes_core.h"

#include <errno.h>
#include <time.h>

#include "tbuf.h"

#define CORE_DELAY_MAX_MS 600000.0 /* /echo delay_ms and jitter_ms upper bound (10 min) */
#define CORE_SIZE_MAX (1LL << 30)  /* /echo size upper bound (1 GiB) */
#define CORE_PAUSE_MAX_MS 60000.0  /* /admin/pause ms upper bound (1 min) */

/* GET /echo?delay_ms=D&size=B&status=S&jitter_ms=J — answer after D + uniform[0,J] ms with
 * status S (default 200) and exactly B filler bytes (default 0). Any method is accepted; a
 * request body is read and discarded. The timer starts when the request is fully read. */
static void core_echo_send(tb_req *r)
{
    long long size = 0, status = 200;
    /* Checked in core_echo already, so these cannot fail now. */
    if (req_query_int(r, "size", 0, 0, CORE_SIZE_MAX, &size) ||
        req_query_int(r, "status", 200, 200, 599, &status))
        return;
    req_reply_fill(r, (int)status, "application/octet-stream", (uint64_t)size);
}

static void core_echo(tb_req *r)
{
    double delay, jitter;
    long long size, status;
    if (req_query_num(r, "delay_ms", 0, 0, CORE_DELAY_MAX_MS, &delay) ||
        req_query_num(r, "jitter_ms", 0, 0, CORE_DELAY_MAX_MS, &jitter) ||
        req_query_int(r, "size", 0, 0, CORE_SIZE_MAX, &size) ||
        req_query_int(r, "status", 200, 200, 599, &status))
        return;
    if ((status == 204 || status == 304) && size > 0) {
        req_error(r, 400, "status %lld cannot have a body (size=%lld)", status, size);
        return;
    }
    double ms = delay + (jitter > 0 ? jitter * srv_rand01(req_server(r)) : 0);
    if (ms <= 0) {
        core_echo_send(r);
        return;
    }
    req_after(r, ms, core_echo_send);
}

/* GET /health — 200 "ok". */
static void core_health(tb_req *r)
{
    req_reply(r, 200, "text/plain", "ok", 2);
}

/* GET /metrics — the server's registry in Prometheus text format 0.0.4. */
static void core_metrics(tb_req *r)
{
    tbuf out = {0};
    if (metrics_render(srv_metrics(req_server(r)), &out)) {
        tbuf_free(&out);
        req_error(r, 500, "out of memory rendering metrics");
        return;
    }
    req_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", out.p ? out.p : "", out.len);
    tbuf_free(&out);
}

/* POST /admin/pause?ms=M — freeze the whole server (the event loop) for M ms: nothing is
 * accepted, read or written meanwhile. Then 200 {"paused_ms":M}. */
static void core_pause(tb_req *r)
{
    double ms;
    if (!req_query(r, "ms") && req_query_ok(r)) {
        req_error(r, 400, "missing ms (POST /admin/pause?ms=M)");
        return;
    }
    if (req_query_num(r, "ms", 0, 0, CORE_PAUSE_MAX_MS, &ms))
        return;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long long ns = (long long)(ms * 1e6 + 0.5);
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec += (long)(ns % 1000000000);
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    /* An absolute deadline: signals (EINTR) cannot stretch or shorten the pause. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
        ;
    req_reply_json(r, 200, "{\"paused_ms\":%g}", ms);
}

int core_routes_register(tb_server *s)
{
    int rc = srv_route(s, NULL, "/echo", 0, core_echo);
    if (!rc)
        rc = srv_route(s, "GET", "/health", 0, core_health);
    if (!rc)
        rc = srv_route(s, "GET", "/metrics", 0, core_metrics);
    if (!rc)
        rc = srv_route(s, "POST", "/admin/pause", 0, core_pause);
    return rc;
}
