/* conn.h — one client connection on one thread's event loop: a state machine
 * (connecting -> TLS handshake -> writing -> reading -> idle) over a plain or TLS
 * transport, that sends one request at a time and reports how it ended. */
#ifndef SURGE_ENGINE_CONN_H
#define SURGE_ENGINE_CONN_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "engine/errclass.h"
#include "engine/http1.h"
#include "engine/srcaddr.h"

typedef struct conn conn; /* opaque; owned by one thread */

/* Whether a run's target could be reached at all, written by the connections of every
 * thread (only on a connect's outcome, never per request) and read by the main thread
 * for --abort-unreachable. Zero-initialise it. */
struct conn_reach {
    atomic_int reached;          /* 1 once any connection connected */
    atomic_int claimed;          /* 1 once a failure was claimed as the first */
    atomic_ullong first_fail_us; /* clock_us() of the first failed connect (0: none yet);
                                    stored (release) after detail is written */
    char detail[160];            /* that failure's reason ("connect: Connection refused") */
};

/* Backoff of a connection after a connect that failed at once (refused, or another
 * connect error; not a timeout, which took its time): the next attempt waits 1 ms,
 * then 2, 4, ... up to 1 s; a successful connect resets it. */
#define CONN_BACKOFF_MIN_US 1000u
#define CONN_BACKOFF_MAX_US 1000000u

/* Where connections go. Shared read-only by every connection of a run. */
struct conn_target {
    struct sockaddr_storage addr; /* resolved once, up front */
    socklen_t addrlen;
    SSL_CTX *tls;                 /* NULL: plain TCP */
    const char *host;             /* SNI and certificate name (TLS only) */
    int host_is_ip;
    uint64_t connect_timeout_us;  /* 0: only the request timeout applies */
    struct conn_reach *reach;     /* NULL, or where connects note their outcome */
    struct srcaddr *src;          /* NULL, or local addresses each connect binds to in
                                     turn (--source-addresses; engine/srcaddr.h) */
};

/* One request to send. iov (head, then body pieces) must stay valid and unchanged
 * until the completion callback: conn never copies it. */
struct conn_req {
    const struct iovec *iov;
    int iovcnt;
    int is_head;               /* a HEAD request: the response has no body */
    uint64_t timeout_us;       /* whole request, connect included; 0: none */
    int capture_headers;       /* keep the response headers (http1_resp_header*) */
    size_t capture_body;       /* keep up to this many body bytes */
    int upgrade;               /* a protocol upgrade (WebSocket): after a 101 the connection
                                  stays open, with any bytes that followed the response kept
                                  for conn_raw_read, until conn_upgrade or conn_close */
};

/* How a request ended. */
struct conn_result {
    enum errclass err;    /* ERR_NONE when a complete response arrived */
    int status;           /* HTTP status; 0 when err != ERR_NONE */
    int new_conn;         /* the request needed a new connection (first, or reopened) */
    uint64_t bytes_in;    /* response bytes read, head and body (TLS: plaintext) */
    uint64_t bytes_out;   /* request bytes written */
    uint64_t t_start_us;  /* conn_send was called */
    uint64_t t_write_us;  /* connected: first request byte about to be written */
    uint64_t t_done_us;   /* response complete, or the error noticed */
    const char *detail;   /* when err: a short reason ("Connection refused"), valid
                             only during the callback */
};

/* Called once per conn_send, from the loop (never from inside conn_send). The
 * callback may call conn_send again on the same conn, or conn_free it. */
typedef void (*conn_done_fn)(void *ud, conn *c, const struct conn_result *r);

/* A closed connection to t on loop; it connects on the first send.
 * @return NULL when out of memory. */
conn *conn_new(struct ev_loop *loop, const struct conn_target *t);

/* Close and free; an in-flight request is dropped without a callback. NULL is fine. */
void conn_free(conn *c);

/* Send req and parse its response, connecting (or reconnecting) first when needed.
 * After a refused (or otherwise failed) connect, the next connect of c waits out its backoff
 * (CONN_BACKOFF_*; the wait is part of the request's time and its timeout), so a
 * target that refuses everything gets a few attempts per second, not a storm.
 * @return 0, -EBUSY when a request is already in flight on c, or -ENOMEM. */
int conn_send(conn *c, const struct conn_req *req, conn_done_fn cb, void *ud);

/* The parsed response of the last completed request (status, captured headers and
 * body): valid in the callback and until the next conn_send (or conn_upgrade, after
 * which it is NULL). */
const http1_resp *conn_response(const conn *c);

/* A request's latency: from its first written byte (the connect is not counted, as in
 * wrk), or from intended_us when that is earlier (the open model's coordinated-omission
 * correction: a request that waited for its connection waited from then); 0 for none. */
uint64_t conn_result_latency_us(const struct conn_result *r, uint64_t intended_us);

/* Whether a request is in flight. */
int conn_busy(const conn *c);

/* Connections opened so far by c (first connect and every reopen). */
uint64_t conn_opens(const conn *c);

/* Close c's connection now (the next conn_send opens a new one); nothing in flight
 * is reported. */
void conn_close(conn *c);

/* ---- Upgraded connections (the WebSocket client, engine/ws.c) ------------------ */

/* Called from the loop when an upgraded connection is ready for what conn_raw_want
 * asked (readable and/or writable: revents holds EV_READ/EV_WRITE). */
typedef void (*conn_raw_fn)(void *ud, conn *c, int revents);

/* In the completion callback of a conn_send with .upgrade that got a 101: take the
 * connection over as a raw byte stream (plain or TLS). cb runs when it is ready; the
 * connection is reading (conn_raw_want(c, EV_READ)) from then on. The response parser
 * is freed (conn_response is NULL until the next conn_send).
 * @return 0, or -EINVAL when the last response was not an upgrade kept open. */
int conn_upgrade(conn *c, conn_raw_fn cb, void *ud);

/* What an upgraded connection waits for: EV_READ, EV_WRITE, both, or 0. */
void conn_raw_want(conn *c, int events);

/* Read up to len bytes of an upgraded connection: first any bytes that followed the
 * 101, then from the socket (TLS: plaintext). @return > 0 bytes, 0 at the peer's EOF,
 * -EAGAIN when nothing is there yet, or -errno (-EPROTO: a TLS failure). */
ssize_t conn_raw_read(conn *c, void *buf, size_t len);

/* Write up to len bytes of an upgraded connection.
 * @return > 0 bytes written, -EAGAIN when the socket is full, or -errno. */
ssize_t conn_raw_write(conn *c, const void *buf, size_t len);

/* Whether the target has been unreachable for at least for_us at now_us: no
 * connection ever connected, and the first failed connect is that old. */
int conn_reach_lost(struct conn_reach *r, uint64_t now_us, uint64_t for_us);

#endif
