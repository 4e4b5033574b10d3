/* ws.h — the WebSocket client (RFC 6455) on one thread's event loop: the upgrade
 * handshake over a conn (plain or TLS, engine/conn.h), then frames through wslay:
 * masking, fragmentation, ping/pong, the close handshake, text and binary messages. */
#ifndef SURGE_ENGINE_WS_H
#define SURGE_ENGINE_WS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "engine/conn.h"
#include "engine/errclass.h"
#include "engine/http1.h"

typedef struct ws ws; /* opaque; owned by one thread */

#define WS_KEY_LEN 24            /* base64 of 16 bytes */
#define WS_ACCEPT_LEN 28         /* base64 of a 20-byte SHA-1 */
#define WS_MSG_MAX (1u << 20)    /* a bigger message from the server: close 1009, ws_protocol */

/* How the upgrade handshake ended. */
struct ws_open_result {
    enum errclass err;     /* ERR_NONE: open; ERR_WS_HANDSHAKE: refused or a wrong answer
                              (status tells which); else the connection's class */
    int status;            /* the HTTP status of the answer (0: none came) */
    uint64_t handshake_us; /* from ws_open to the 101 (or the failure) */
    const char *detail;    /* when err: a short reason, valid during the callback */
};

/* How an open connection ended. */
struct ws_close_result {
    enum errclass err;  /* ERR_NONE: closed by ws_close and the server answered (or a
                           clean close we started timed out); ERR_WS_CLOSED: the server
                           closed (close frame: code; without one: code 1006);
                           ERR_WS_PROTOCOL: the server broke the protocol (code: what we
                           closed with, 1002/1007/1009); ERR_RESET/ERR_IO: socket error */
    int code;           /* close code (0: none) */
    const char *detail; /* a short reason, valid during the callback */
};

/* Callbacks, always from the loop (never from inside ws_open/ws_send/ws_close). Any
 * of them may call ws_send, ws_close or ws_free on w. */
struct ws_callbacks {
    void (*open)(void *ud, ws *w, const struct ws_open_result *r);
    /* one whole message (fragments joined); text is UTF-8 checked */
    void (*message)(void *ud, ws *w, int binary, const uint8_t *data, size_t len);
    /* after open only; once; w stays allocated until ws_free */
    void (*closed)(void *ud, ws *w, const struct ws_close_result *r);
};

/* Counters of one ws (over all its opens). */
struct ws_counts {
    uint64_t msgs_in, msgs_out;   /* data messages */
    uint64_t bytes_in, bytes_out; /* on the wire, handshake included (TLS: plaintext) */
};

/* A WebSocket client that connects to t on loop. seed varies the keys and masks.
 * @return NULL when out of memory. */
ws *ws_new(struct ev_loop *loop, const struct conn_target *t, uint64_t seed);

/* Closes the connection at once (no close handshake) and frees; no callback runs
 * after. Safe from inside a callback. NULL is fine. */
void ws_free(ws *w);

/* Open: connect, send the upgrade request, check the 101 (Sec-WebSocket-Accept), then
 * run frames. head is a complete GET request head without a body (http1_write_head:
 * the path, Host, the caller's headers: cookies, auth...); the Upgrade, Connection,
 * Sec-WebSocket-Key and Sec-WebSocket-Version lines are added before its blank line.
 * timeout_us bounds the handshake (0: none). cb->open runs once with the outcome. A ws
 * that was open before is closed first (no callback). @return 0, -EINVAL (head does
 * not end in a blank line) or -ENOMEM. */
int ws_open(ws *w, const char *head, size_t len, uint64_t timeout_us,
            const struct ws_callbacks *cb, void *ud);

/* Queue one message (masked, one frame) and send it from the loop.
 * @return 0, -ENOTCONN when not open (or closing), or -ENOMEM. */
int ws_send(ws *w, int binary, const void *data, size_t len);

/* Start the close handshake with code (1000: normal); cb->closed runs when the server
 * answers, or after 2 s. -ENOTCONN when not open. */
int ws_close(ws *w, int code);

/* Whether w is open (handshake done, not closed). */
int ws_is_open(const ws *w);

/* w's counters so far. */
struct ws_counts ws_counts(const ws *w);

/* ---- pure parts (no I/O): unit tests and the fuzz target use them ---------------- */

/* A fresh Sec-WebSocket-Key: base64 of 16 bytes drawn from *rng, NUL-terminated. */
void ws_key(uint64_t *rng, char out[WS_KEY_LEN + 1]);

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + the RFC 6455 GUID)). */
void ws_accept_of(const char *key, char out[WS_ACCEPT_LEN + 1]);

/* Check a complete response (parsed with headers captured) to an upgrade sent with key:
 * 101, "Upgrade: websocket", "Connection" holding "upgrade" and the right
 * Sec-WebSocket-Accept. @return 0, or -1 with a one-line reason in why. */
int ws_check_answer(const http1_resp *r, const char *key, char *why, size_t n);

/* A ws over any byte stream instead of a conn, already open (the handshake done):
 * read/write behave as conn_raw_read/conn_raw_write. The unit tests and the fuzz
 * target drive it with ws_pump. @return NULL when out of memory. */
struct ws_io {
    ssize_t (*read)(void *ud, void *buf, size_t len);
    ssize_t (*write)(void *ud, const void *buf, size_t len);
    void *ud;
};
ws *ws_new_io(const struct ws_io *io, const struct ws_callbacks *cb, void *ud, uint64_t seed);

/* Read what the stream has, handle it (callbacks run from here), send what is queued.
 * @return 1 while the connection is open, 0 once it ended (closed ran). */
int ws_pump(ws *w);

#endif
