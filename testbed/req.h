/* req.h — what a route handler sees: one request's accessors, and the ways to answer it. */
#ifndef SURGE_TESTBED_REQ_H
#define SURGE_TESTBED_REQ_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "tbuf.h"

typedef struct tb_req tb_req;
typedef struct tb_server tb_server;

/* A route handler, a deferred callback (req_after) or an abort hook (req_on_abort). */
typedef void (*req_fn)(tb_req *r);

/* Lifetime: a tb_req belongs to its connection and holds one request at a time. It is valid
 * from the handler call until the answer is fully written (or the connection dies: then the
 * req_on_abort hook runs and the pointer must be dropped). A handler must, before returning,
 * either reply (req_reply*, req_error, req_send_raw, req_close_rst) or defer (req_defer,
 * req_after); returning with neither is a bug answered with 500.
 * All strings returned below are NUL-terminated and valid for the request's lifetime. */

/* ---- reading the request ---- */
const char *req_method(const tb_req *r); /* "GET", "POST", ... */
const char *req_path(const tb_req *r);   /* "/echo" (no query; not %-decoded) */
const char *req_target(const tb_req *r); /* the raw request target: "/echo?size=1" */
int req_http_minor(const tb_req *r);     /* 0 for HTTP/1.0, 1 for HTTP/1.1 */

/* Decoded value of query parameter `name` (first occurrence), or NULL if absent.
 * An undecodable query string counts as absent parameters (routes answer 400 on it via
 * req_query_num/int, which check req_query_ok). */
const char *req_query(tb_req *r, const char *name);
int req_query_ok(tb_req *r); /* 1 if the query string decoded; 0 if it had a bad %-escape */

/* Number parameter in [lo, hi]; absent gives `def`. Returns 0 with *out set, or -EINVAL after
 * answering 400 {"error":"..."} (the handler must then just return). */
int req_query_num(tb_req *r, const char *name, double def, double lo, double hi, double *out);

/* Integer parameter (decimal digits only) in [lo, hi]; as req_query_num otherwise. */
int req_query_int(tb_req *r, const char *name, long long def, long long lo, long long hi,
                  long long *out);

/* First request header named `name` (case-insensitive), or NULL. */
const char *req_header(const tb_req *r, const char *name);
size_t req_header_count(const tb_req *r);
/* The i-th header in arrival order; returns 0, or -ERANGE if i >= req_header_count. */
int req_header_at(const tb_req *r, size_t i, const char **name, const char **value);

/* The request body, de-chunked; only kept for routes registered with SRV_ROUTE_BODY
 * (others get NULL, *len 0). req_body_bytes counts body bytes received either way. */
const char *req_body(const tb_req *r, size_t *len);
uint64_t req_body_bytes(const tb_req *r);

tb_server *req_server(const tb_req *r);
struct ev_loop *req_loop(const tb_req *r);
void *req_ctx(const tb_req *r);         /* route data for this request; NULL at start */
void req_set_ctx(tb_req *r, void *ctx); /* the route frees it itself (reply or abort hook) */

/* ---- answering now ---- */

/* Adds a response header for the coming req_reply* (name and value are copied; no CR/LF
 * allowed). Returns 0, -EINVAL (CR/LF or already replied) or -ENOMEM. */
int req_add_header(tb_req *r, const char *name, const char *value);

/* Forces "Connection: close" and a close after this answer. */
void req_close_after(tb_req *r);

/* Sends a complete response: status line, the added headers, Content-Length: len (omitted
 * for 1xx/204/304, which must have len 0), Content-Type if ctype is non-NULL, and the body
 * (not sent for HEAD). Keep-alive follows the request unless req_close_after was called. */
void req_reply(tb_req *r, int status, const char *ctype, const void *body, size_t len);

/* Same, with a body of `len` filler bytes ('x') streamed from a shared block (not copied). */
void req_reply_fill(tb_req *r, int status, const char *ctype, uint64_t len);

/* Same, with a printf-formatted application/json body. */
void req_reply_json(tb_req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* JSON error {"error":"<formatted message, escaped>"}. */
void req_error(tb_req *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- answering later ---- */

/* Marks the request as answered later by someone holding r (until then the connection reads
 * nothing more; a peer close aborts it). Calling it and never answering = no response. */
void req_defer(tb_req *r);

/* Defers, then calls cb(r) after `ms` milliseconds (fractional ok; precise timerfd timer,
 * measured from now). cb must reply or defer again. Returns 0, or -ENOMEM (answered 500). */
int req_after(tb_req *r, double ms, req_fn cb);

/* Hook run if the connection dies while the request is deferred: drop r and free ctx. */
void req_on_abort(tb_req *r, req_fn cb);

/* ---- taking over the socket (faults) ---- */

/* Writes `len` bytes verbatim as the whole answer, then closes with FIN. */
void req_send_raw(tb_req *r, const void *bytes, size_t len);

/* Closes the connection now with SO_LINGER {1,0}: the peer sees a TCP RST. r is dead after. */
void req_close_rst(tb_req *r);

/* Answers "101 Switching Protocols" (Upgrade: `protocol`, Connection: Upgrade, plus the headers
 * added with req_add_header) and hands the socket over: on success *fd is the connection's
 * non-blocking socket, now the caller's to watch and close, and *head (empty on entry) holds
 * the bytes to write on it first (the 101 head, after anything still unsent). r and its
 * connection are gone after; HTTP counters count it as closed. Bytes the client sent after the
 * request are dropped (RFC 6455 4.1: a client waits for the 101 before sending).
 * Returns 0, -EINVAL (already answered; nothing done) or -ENOMEM (answered 500). */
int req_upgrade(tb_req *r, const char *protocol, int *fd, tbuf *head);

#endif
