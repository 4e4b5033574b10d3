/* ws.h — server side of RFC 6455 WebSocket connections taken over from an HTTP request
 * (req_upgrade): the handshake check, text frames out, close and ping handling in. */
#ifndef SURGE_TESTBED_WS_H
#define SURGE_TESTBED_WS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* Queues bytes as they are (a frame built by the caller, valid or not: fault routes), written
 * from the loop like ws_send_text. Returns 0, -EPIPE (closing) or -ENOMEM. */
int ws_send_raw(ws_conn *w, const void *bytes, size_t len);

/* Queues a close frame with `code` (1000 = normal); the socket closes when the peer answers
 * with its close frame, or 2 s after. Nothing more can be sent. No-op if already closing. */
void ws_close(ws_conn *w, unsigned code);

/* Closes the socket now without a close frame; closed runs before this returns. */
void ws_abort(ws_conn *w);

/* ---- client frames (pure functions: no connection, no I/O) ---- */

#define WS_CONTROL_MAX 125       /* payload bytes of a close/ping/pong frame (RFC 6455 5.5) */
#define WS_IN_FRAME_MAX 65536    /* payload bytes of a client data frame; more: close 1009 */
#define WS_ERR_PROTOCOL (-1002)  /* ws_parse_frame: answer close 1002 */
#define WS_ERR_TOO_BIG (-1009)   /* ws_parse_frame: answer close 1009 */

/* One client frame as ws_parse_frame found it in buf. */
struct ws_frame {
    unsigned opcode;        /* 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong */
    int fin;                /* 1: last frame of its message */
    uint8_t mask[4];        /* the masking key (client frames are always masked) */
    size_t header_len;      /* bytes before the payload: 2, 4 or 10, plus the 4-byte key */
    size_t len;             /* payload bytes, still masked, at buf + header_len */
};

/* Parses the frame at the start of buf[0..len) (bytes from a client). Returns the frame's
 * whole size (header + key + payload, > 0) and fills *out when buf holds all of it; 0 when
 * more bytes are needed (fewer than 2, an incomplete extended length, or a payload not all
 * in yet); WS_ERR_PROTOCOL for RSV bits set, an unmasked frame, a control frame over 125
 * bytes or with FIN clear, or an unknown opcode (reported once the whole frame is in);
 * WS_ERR_TOO_BIG for a data frame over WS_IN_FRAME_MAX (from its header alone). Header
 * errors are reported as soon as the header bytes that show them are in. Reads no byte
 * outside buf[0..len); *out is set only when the return is > 0. Fragmentation is not
 * tracked across frames (each frame stands alone). */
ssize_t ws_parse_frame(const uint8_t *buf, size_t len, struct ws_frame *out);

/* Unmasks (or masks) p[0..n) in place with key, the first byte at key index 0. */
void ws_unmask(uint8_t *p, size_t n, const uint8_t key[4]);

#endif
