/* ws.h — server side of RFC 6455 WebSocket connections taken over from an HTTP request
 * (req_upgrade): the handshake check, text frames out, close and ping handling in. */
#ifndef SURGE_TESTBED_WS_H
#define SURGE_TESTBED_WS_H

#include <stddef.h>

#include "req.h"

typedef struct ws_conn ws_conn;

/* Runs once when a connection ends, whichever side ended it (close handshake done, peer gone,
 * write error, ws_abort). w is freed right after it returns. */
typedef void (*ws_closed_fn)(ws_conn *w, void *ud);

#define WS_ACCEPT_LEN 28 /* base64 of a 20-byte SHA-1 */

/* Sec-WebSocket-Accept for `key`: base64(SHA-1(key + the RFC 6455 GUID)), NUL-terminated. */
void ws_accept_value(const char *key, char out[WS_ACCEPT_LEN + 1]);

/* Checks that r is a WebSocket opening handshake: GET, HTTP/1.1, Upgrade: websocket,
 * Connection containing "upgrade", Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key that is
 * base64 of 16 bytes. Returns 0, or -EINVAL after answering 400 {"error":...} (the handler
 * must then just return). */
int ws_check(tb_req *r);

/* Answers 101 with the accept value and takes over r's socket (r is gone after). closed(w, ud)
 * runs once when the connection ends. Returns 0 and sets *out, or -ENOMEM (r answered 500 or
 * its connection closed). Call ws_check first. */
int ws_accept(tb_req *r, ws_closed_fn closed, void *ud, ws_conn **out);

/* Queues one unmasked text frame; it is written from the loop (never from inside this call, so
 * closed never runs from here). Returns 0, -EPIPE (closing: dropped) or -ENOMEM. A peer that
 * lets more than 4 MiB pile up unread is dropped. */
int ws_send_text(ws_conn *w, const char *text, size_t len);

/* Queues a close frame with `code` (1000 = normal); the socket closes when the peer answers
 * with its close frame, or 2 s after. Nothing more can be sent. No-op if already closing. */
void ws_close(ws_conn *w, unsigned code);

/* Closes the socket now without a close frame; closed runs before this returns. */
void ws_abort(ws_conn *w);

#endif
