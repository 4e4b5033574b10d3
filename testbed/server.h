/* server.h — the testbed server: listener, route table, connection set, shared state. */
#ifndef SURGE_TESTBED_SERVER_H
#define SURGE_TESTBED_SERVER_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "ptimer.h"
#include "req.h"

/* Profiles: which simulated services a server runs (bit flags; main.c's --profile). The core
 * routes (/echo, /health, /metrics, /admin/pause, /fault/...) are served in every profile. */
enum {
    PROFILE_UPLOAD = 1, /* image-upload service: /api/login, /api/upload (upload.c) */
    PROFILE_JOBS = 2,   /* generation-jobs service (jobs.c) */
    PROFILE_ALL = PROFILE_UPLOAD | PROFILE_JOBS,
};

/* Counters since start; read them with srv_stats. */
struct srv_stats {
    uint64_t conns_accepted; /* connections accepted */
    uint64_t conns_open;     /* connections open now (subset of conns_accepted) */
    uint64_t requests;       /* requests dispatched to a route or answered 404/405/400 */
    uint64_t
        bad_requests; /* requests answered 400/413/414/431 by the parser (subset of requests) */
};

/* Route flags. */
enum {
    SRV_ROUTE_BODY = 1, /* keep the request body (req_body); otherwise it is read and discarded */
};

/* Creates a server on `loop` (no listener yet). Returns 0 and sets *out, or -errno. */
int srv_new(struct ev_loop *loop, tb_server **out);

/* Closes the listener and every connection (deferred requests get their abort hooks), frees
 * the server. NULL is fine. */
void srv_free(tb_server *s);

/* Binds and listens on "HOST:PORT" or "[IPV6]:PORT" (port 0 = any free port); writes the
 * URL it listens on ("http://127.0.0.1:43210", "http://[::1]:43210") into url.
 * Returns 0, -EINVAL (address does not parse; message in url), or -errno from the socket. */
int srv_listen(tb_server *s, const char *hostport, char *url, size_t urlsz);

/* Registers handler fn for requests whose path equals `path`, or starts with it when `path`
 * ends in '*' (e.g. "/api/jobs/" followed by a star). method NULL matches any method; "GET" also
 * matches HEAD. Earlier registrations win. Returns 0, or -ENOMEM. A path that matches with no route
 * for the method is answered 405; no match at all, 404. */
int srv_route(tb_server *s, const char *method, const char *path, unsigned flags, req_fn fn);

/* Uniform random number in [0, 1) from the server's generator (xorshift; not crypto). */
double srv_rand01(tb_server *s);

/* The server's Prometheus registry (GET /metrics renders it). The server itself records
 * http_requests_total{route,code} and http_request_duration_seconds{route} for every HTTP
 * answer (route = the registered pattern, a prefix route keeps its star; no match: "unmatched"),
 * and concurrent_requests (requests dispatched and not answered yet, queued ones included).
 * Profiles add their own series with metrics_*; valid until srv_free. */
tb_metrics *srv_metrics(const tb_server *s);

/* Simulated-duration multiplier (--time-scale; 1 unless set): every simulated delay a profile
 * makes (work time, job stages, TTLs) is multiplied by it. Set before serving. */
double srv_time_scale(const tb_server *s);
void srv_set_time_scale(tb_server *s, double scale);

/* Runs fn(ud) in srv_free after every connection is closed (their abort hooks have run) and
 * before the timer queue goes: a profile frees its state there (and may ptm_stop its
 * timers). Hooks run in reverse order of registration. Returns 0, or -ENOSPC (8 at most). */
int srv_on_free(tb_server *s, void (*fn)(void *ud), void *ud);

/* PROFILE_* bits this server runs (--profile; PROFILE_ALL unless set). */
int srv_profile(const tb_server *s);
void srv_set_profile(tb_server *s, int profile);

struct ev_loop *srv_loop(const tb_server *s);
ptm_queue *srv_timers(const tb_server *s);
void srv_stats(const tb_server *s, struct srv_stats *out);

#endif
