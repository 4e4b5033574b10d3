/* ws.c — server side of RFC 6455 WebSocket connections: handshake, frames, close handshake. */
#include "ws.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "tbuf.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_CLOSE_WAIT_S 2.0           /* after our close frame, wait this long for the peer's */
#define WS_OUT_MAX (4u * 1024 * 1024) /* unsent bytes before a peer counts as stuck */
#define WS_READ_CHUNK 4096

enum {
    WS_OP_CONT = 0,
    WS_OP_TEXT = 1,
    WS_OP_BIN = 2,
    WS_OP_CLOSE = 8,
    WS_OP_PING = 9,
    WS_OP_PONG = 10
};

struct ws_conn {
    struct ev_loop *loop;
    int fd;
    ev_io rio, wio;
    ev_timer close_wait; /* bounds the wait for the peer's close frame */
    tbuf out;            /* frames to send; out.p[out_off..out.len) pending */
    size_t out_off;
    tbuf in;                  /* received bytes not yet parsed into frames */
    unsigned sent_close : 1;  /* our close frame is queued: send nothing more */
    unsigned end_flushed : 1; /* close the socket once out is written */
    ws_closed_fn closed;
    void *ud;
};

void ws_accept_value(const char *key, char out[WS_ACCEPT_LEN + 1])
{
    unsigned char md[SHA_DIGEST_LENGTH];
    size_t klen = strlen(key), glen = sizeof WS_GUID - 1;
    unsigned char buf[256 + sizeof WS_GUID];
    if (klen > 256)
        klen = 256; /* ws_check allows 24 */
    memcpy(buf, key, klen);
    memcpy(buf + klen, WS_GUID, glen);
    SHA1(buf, klen + glen, md);
    EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
    out[WS_ACCEPT_LEN] = '\0';
}

/* 1 if the comma-separated header value `list` holds `token` (case-insensitive). */
static int ws_has_token(const char *list, const char *token)
{
    size_t tl = strlen(token);
    const char *p = list;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *e = end;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - p) == tl && strncasecmp(p, token, tl) == 0)
            return 1;
        p = end;
    }
    return 0;
}

/* 1 if key is base64 of exactly 16 bytes: 22 base64 characters and "==". */
static int ws_key_ok(const char *key)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (strlen(key) != 24 || strcmp(key + 22, "==") != 0)
        return 0;
    for (int i = 0; i < 22; i++)
        if (!strchr(b64, key[i]))
            return 0;
    return 1;
}

int ws_check(tb_req *r)
{
    const char *up = req_header(r, "Upgrade"), *conn = req_header(r, "Connection");
    const char *ver = req_header(r, "Sec-WebSocket-Version");
    const char *key = req_header(r, "Sec-WebSocket-Key");
    const char *why = NULL;
    if (strcmp(req_method(r), "GET") != 0)
        why = "a WebSocket handshake must be a GET";
    else if (req_http_minor(r) < 1)
        why = "a WebSocket handshake needs HTTP/1.1";
    else if (!up || !ws_has_token(up, "websocket"))
        why = "missing 'Upgrade: websocket'";
    else if (!conn || !ws_has_token(conn, "upgrade"))
        why = "missing 'Connection: Upgrade'";
    else if (!ver || strcmp(ver, "13") != 0)
        why = "Sec-WebSocket-Version must be 13";
    else if (!key || !ws_key_ok(key))
        why = "Sec-WebSocket-Key must be base64 of 16 bytes";
    if (!why)
        return 0;
    req_add_header(r, "Sec-WebSocket-Version", "13");
    req_close_after(r);
    req_error(r, 400, "bad WebSocket upgrade: %s", why);
    return -EINVAL;
}

/* ---- ending ---- */

static void ws_end(ws_conn *w)
{
    ev_io_stop(w->loop, &w->rio);
    ev_io_stop(w->loop, &w->wio);
    ev_timer_stop(w->loop, &w->close_wait);
    close(w->fd);
    w->closed(w, w->ud);
    tbuf_free(&w->out);
    tbuf_free(&w->in);
    free(w);
}

void ws_abort(ws_conn *w)
{
    ws_end(w);
}

static void ws_on_close_wait(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    ws_end(t->data);
}

/* ---- writing ---- */

/* Writes what the socket takes. Returns 0, or -1 after ending w. */
static int ws_flush(ws_conn *w)
{
    while (w->out_off < w->out.len) {
        ssize_t n = send(w->fd, w->out.p + w->out_off, w->out.len - w->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ev_io_start(w->loop, &w->wio);
                return 0;
            }
            ws_end(w); /* EPIPE, ECONNRESET: the peer is gone */
            return -1;
        }
        w->out_off += (size_t)n;
    }
    ev_io_stop(w->loop, &w->wio);
    tbuf_clear(&w->out);
    w->out_off = 0;
    if (w->end_flushed) {
        ws_end(w);
        return -1;
    }
    return 0;
}

static void ws_on_write(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    ws_flush(io->data);
}

/* Queues one unmasked frame and lets the write watcher send it. Returns 0 or -ENOMEM. */
static int ws_queue(ws_conn *w, unsigned opcode, const void *payload, size_t len)
{
    unsigned char h[10];
    size_t hl;
    h[0] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        h[1] = (unsigned char)len;
        hl = 2;
    } else if (len < 65536) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        hl = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        hl = 10;
    }
    if (tbuf_reserve(&w->out, hl + len))
        return -ENOMEM;
    tbuf_add(&w->out, h, hl);
    tbuf_add(&w->out, payload, len);
    ev_io_start(w->loop, &w->wio);
    return 0;
}

int ws_send_text(ws_conn *w, const char *text, size_t len)
{
    if (w->sent_close)
        return -EPIPE;
    if (w->out.len - w->out_off > WS_OUT_MAX) {
        w->sent_close = 1; /* stuck reader: stop queueing; the write watcher ends it */
        w->end_flushed = 1;
        tbuf_clear(&w->out);
        w->out_off = 0;
        ev_io_start(w->loop, &w->wio);
        return -EPIPE;
    }
    return ws_queue(w, WS_OP_TEXT, text, len);
}

int ws_send_raw(ws_conn *w, const void *bytes, size_t len)
{
    if (w->sent_close)
        return -EPIPE;
    if (tbuf_reserve(&w->out, len))
        return -ENOMEM;
    tbuf_add(&w->out, bytes, len);
    ev_io_start(w->loop, &w->wio);
    return 0;
}

static void ws_send_close(ws_conn *w, unsigned code, int then_end)
{
    unsigned char p[2] = {(unsigned char)(code >> 8), (unsigned char)code};
    w->sent_close = 1;
    if (ws_queue(w, WS_OP_CLOSE, p, code ? 2 : 0) || then_end) {
        w->end_flushed = 1;
        ev_io_start(w->loop, &w->wio);
    }
}

void ws_close(ws_conn *w, unsigned code)
{
    if (w->sent_close)
        return;
    ws_send_close(w, code, 0);
    ev_timer_set(&w->close_wait, WS_CLOSE_WAIT_S, 0.);
    ev_timer_start(w->loop, &w->close_wait);
}

/* ---- reading ---- */

/* A protocol error from the peer: close frame with `code`, then close. Returns -1. */
static int ws_fail(ws_conn *w, unsigned code)
{
    ev_io_stop(w->loop, &w->rio);
    if (w->sent_close) {
        w->end_flushed = 1;
        ev_io_start(w->loop, &w->wio);
    } else {
        ws_send_close(w, code, 1);
    }
    return -1;
}

/* Handles one complete client frame. Returns 0 to go on reading, -1 when reading is over. */
static int ws_frame(ws_conn *w, unsigned opcode, int fin, unsigned char *p, size_t n)
{
    switch (opcode) {
    case WS_OP_CLOSE:
        ev_io_stop(w->loop, &w->rio);
        if (w->sent_close) { /* the answer to ours: done */
            w->end_flushed = 1;
            ev_io_start(w->loop, &w->wio);
        } else { /* echo the peer's code, then close */
            unsigned code = n >= 2 ? (unsigned)(p[0] << 8 | p[1]) : 0;
            ws_send_close(w, code, 1);
        }
        return -1;
    case WS_OP_PING:
        if (!w->sent_close && ws_queue(w, WS_OP_PONG, p, n))
            return ws_fail(w, 1011);
        return 0;
    case WS_OP_PONG:
    case WS_OP_TEXT:
    case WS_OP_BIN:
    case WS_OP_CONT:
        (void)fin; /* data from the client means nothing here: read and dropped */
        return 0;
    default:
        return ws_fail(w, 1002);
    }
}

ssize_t ws_parse_frame(const uint8_t *buf, size_t len, struct ws_frame *out)
{
    if (len < 2)
        return 0;
    unsigned opcode = buf[0] & 0x0f;
    int fin = buf[0] >> 7;
    if ((buf[0] & 0x70) || !(buf[1] & 0x80)) /* RSV bits, or an unmasked client frame */
        return WS_ERR_PROTOCOL;
    uint64_t plen = buf[1] & 0x7f;
    size_t hl = 2;
    if (plen == 126) {
        if (len < 4)
            return 0;
        plen = (uint64_t)buf[2] << 8 | buf[3];
        hl = 4;
    } else if (plen == 127) {
        if (len < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | buf[2 + i];
        hl = 10;
    }
    if ((opcode & 0x8) && (plen > WS_CONTROL_MAX || !fin))
        return WS_ERR_PROTOCOL; /* control frames: short and unfragmented */
    if (plen > WS_IN_FRAME_MAX)
        return WS_ERR_TOO_BIG; /* bounds plen: the sum below cannot overflow */
    size_t total = hl + 4 + (size_t)plen;
    if (len < total)
        return 0;
    switch (opcode) {
    case WS_OP_CONT:
    case WS_OP_TEXT:
    case WS_OP_BIN:
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
        break;
    default:
        return WS_ERR_PROTOCOL;
    }
    out->opcode = opcode;
    out->fin = fin;
    memcpy(out->mask, buf + hl, 4);
    out->header_len = hl + 4;
    out->len = (size_t)plen;
    return (ssize_t)total;
}

void ws_unmask(uint8_t *p, size_t n, const uint8_t key[4])
{
    for (size_t i = 0; i < n; i++)
        p[i] ^= key[i & 3];
}

/* Parses complete frames from w->in. Returns 0, or -1 when reading is over. */
static int ws_parse(ws_conn *w)
{
    size_t off = 0;
    int rc = 0;
    uint8_t *b = (uint8_t *)w->in.p;
    while (rc == 0 && off < w->in.len) {
        struct ws_frame fr;
        ssize_t n = ws_parse_frame(b + off, w->in.len - off, &fr);
        if (n == 0)
            break;
        if (n < 0) {
            rc = ws_fail(w, (unsigned)-n);
            break;
        }
        uint8_t *p = b + off + fr.header_len;
        ws_unmask(p, fr.len, fr.mask);
        off += (size_t)n;
        rc = ws_frame(w, fr.opcode, fr.fin, p, fr.len);
    }
    if (off > 0) {
        memmove(w->in.p, w->in.p + off, w->in.len - off);
        w->in.len -= off;
    }
    return rc;
}

static void ws_on_read(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    ws_conn *w = io->data;
    if (tbuf_reserve(&w->in, WS_READ_CHUNK)) {
        ws_end(w);
        return;
    }
    ssize_t n = read(w->fd, w->in.p + w->in.len, w->in.cap - w->in.len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) { /* EOF or reset: nobody to finish the close handshake with */
        ws_end(w);
        return;
    }
    w->in.len += (size_t)n;
    ws_parse(w);
}

int ws_accept(tb_req *r, ws_closed_fn closed, void *ud, ws_conn **out)
{
    char accept[WS_ACCEPT_LEN + 1];
    ws_accept_value(req_header(r, "Sec-WebSocket-Key"), accept);
    ws_conn *w = calloc(1, sizeof *w);
    if (!w) {
        req_error(r, 500, "out of memory accepting a WebSocket");
        return -ENOMEM;
    }
    w->loop = req_loop(r);
    w->closed = closed;
    w->ud = ud;
    if (req_add_header(r, "Sec-WebSocket-Accept", accept)) {
        free(w);
        req_error(r, 500, "out of memory accepting a WebSocket");
        return -ENOMEM;
    }
    int rc = req_upgrade(r, "websocket", &w->fd, &w->out);
    if (rc) {
        free(w);
        return rc;
    }
    ev_io_init(&w->rio, ws_on_read, w->fd, EV_READ);
    w->rio.data = w;
    ev_io_init(&w->wio, ws_on_write, w->fd, EV_WRITE);
    w->wio.data = w;
    ev_timer_init(&w->close_wait, ws_on_close_wait, WS_CLOSE_WAIT_S, 0.);
    w->close_wait.data = w;
    ev_io_start(w->loop, &w->rio);
    ev_io_start(w->loop, &w->wio); /* the 101 head */
    *out = w;
    return 0;
}
