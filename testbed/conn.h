/* conn.h — one client connection and the request it carries (internal to server.c, conn.c
 * and req.c; route handlers use req.h only). */
#ifndef SURGE_TESTBED_CONN_H
#define SURGE_TESTBED_CONN_H

#include <ev.h>
#include <http_parser.h>
#include <stdint.h>

#include "ptimer.h"
#include "req.h"
#include "server.h"
#include "tbuf.h"

#define CONN_URL_MAX (16 * 1024)         /* longer request targets: 414 */
#define CONN_HEAD_MAX (64 * 1024)        /* more header bytes (names + values): 431 */
#define CONN_HEADERS_MAX 256             /* more header lines: 431 */
#define CONN_BODY_MAX (64 * 1024 * 1024) /* bigger kept bodies (SRV_ROUTE_BODY): 413 */
#define CONN_IN_MAX (1024 * 1024)        /* unparsed input buffered while a request is busy */

/* A registered route (server.c owns the table). */
struct srv_route {
    char *method; /* NULL = any method */
    char *path;   /* without the trailing '*' of a prefix route */
    char *label;  /* the pattern as registered, escaped for a metrics label value */
    size_t path_len;
    int prefix;     /* 1: match paths starting with `path` */
    unsigned flags; /* SRV_ROUTE_* */
    req_fn fn;
};

/* One request; embedded in its connection and reset between requests. */
struct tb_req {
    struct conn *conn;
    const struct srv_route *route; /* NULL: answered with no_route (404 or 405) */
    int no_route;                  /* 404 or 405 when route is NULL */
    tbuf target;                   /* raw request target, NUL-terminated */
    tbuf path;                     /* path part of target, NUL-terminated */
    tbuf query;                    /* query part (no '?'), NUL-terminated */
    tbuf head;                     /* headers as "name\0value\0" pairs */
    size_t nheaders;               /* pairs in head */
    tbuf body;                     /* kept body (route has SRV_ROUTE_BODY) */
    uint64_t body_bytes;           /* body bytes received, kept or not */
    int64_t t0_ns;                 /* first byte parsed (ptm_now_ns), for the duration metric */
    tbuf params;                   /* decoded query pairs, parsed on first use */
    int nparams;                   /* pairs in params; -1 = not parsed yet; -2 = bad query */
    tbuf out_headers;              /* "Name: value\r\n" lines added by the handler */
    unsigned head_method : 1;      /* HEAD: answer without body */
    unsigned keep_body : 1;        /* route wants the body */
    unsigned keepalive : 1;        /* request allows keep-alive (version, Connection) */
    unsigned close_after : 1;      /* close once the answer is written */
    unsigned replied : 1;          /* the answer is queued in conn->out */
    unsigned deferred : 1;         /* the handler will answer later */
    ptm_timer timer;               /* req_after */
    req_fn timer_cb;               /* called when timer fires */
    req_fn abort_cb;               /* called if the connection dies while deferred */
    void *ctx;                     /* route data */
};

struct conn {
    tb_server *srv;
    struct conn *prev, *next; /* server's list of open connections */
    int fd;
    ev_io rio, wio;
    ev_timer linger; /* bounds the drain after our FIN */
    http_parser parser;
    int hdr_state; /* last header callback: 0 none, 1 field, 2 value */
    char *in;      /* unparsed input; in[in_off..in_len) pending */
    size_t in_off, in_len, in_cap;
    tbuf out; /* bytes to send; out.p[out_off..out.len) pending */
    size_t out_off;
    uint64_t fill_left;    /* filler body bytes to send after out */
    int depth;             /* event callbacks active on the stack; free only at 0 */
    int err_status;        /* status for a parser-callback failure (413/414/431) */
    unsigned dead : 1;     /* closed; freed when depth reaches 0 */
    unsigned busy : 1;     /* a request is dispatched and its answer not fully written */
    unsigned ready : 1;    /* the parser completed a request not yet dispatched */
    unsigned pumping : 1;  /* conn_pump is on the stack */
    unsigned closing : 1;  /* our FIN is sent; draining input until the peer closes */
    unsigned peer_eof : 1; /* the peer closed its side */
    struct tb_req req;
};

/* ---- conn.c ---- */

/* Takes ownership of the accepted non-blocking socket fd and starts serving it.
 * Returns 0, or -ENOMEM (fd closed). */
int conn_open(tb_server *s, int fd);

/* Closes now (rst: with SO_LINGER {1,0}); runs the request's abort hook if it was deferred.
 * Safe to call from inside any callback; memory goes when the last callback returns. */
void conn_close(struct conn *c, int rst);

/* Gives up the connection without closing its socket (req_upgrade): stops its watchers and
 * timer, unlinks it, marks it dead (freed when depth reaches 0; no abort hook runs) and returns
 * the still-open fd, now the caller's. Unsent output and unread input are dropped. */
int conn_detach(struct conn *c);

/* req.c queued an answer in c->out: write what the socket takes, and when all is written
 * finish the request (close or go on to the next one). */
void conn_send(struct conn *c);

/* Bracket every entry from the loop that touches c (so conn_close cannot free under us). */
void conn_enter(struct conn *c);
void conn_leave(struct conn *c);

/* ---- req.c, for conn.c ---- */

/* Empties r for the next request (keeps small allocations). */
void req_clear(struct tb_req *r);
/* Frees everything r holds. */
void req_release(struct tb_req *r);

/* ---- server.c, for conn.c ---- */

/* Route for method/path, or NULL with *status 404 or 405. */
const struct srv_route *srv_match(tb_server *s, const char *method, const char *path, int *status);
/* A scratch block for reads whose bytes are parsed at once (shared by all connections). */
char *srv_scratch(tb_server *s, size_t *len);
void srv_conn_link(tb_server *s, struct conn *c);
void srv_conn_unlink(tb_server *s, struct conn *c);
void srv_count_request(tb_server *s, int bad);

/* ---- server.c, for req.c ---- */

/* r is answered with status: counts it in http_requests_total and observes its duration. */
void srv_count_response(tb_server *s, const struct tb_req *r, int status);

#endif
