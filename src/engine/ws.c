/* ws.c — the WebSocket client: upgrade request and 101 check over a conn, then
 * wslay's event API on the upgraded stream (frames, masks, ping/pong, close). */
#include "engine/ws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "util/clock.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_CLOSE_WAIT_S 2.0 /* after our close frame, wait this long for the server's */

enum wstate { W_IDLE, W_HANDSHAKE, W_OPEN, W_CLOSING, W_DONE };

struct ws {
    struct ev_loop *loop;          /* NULL for ws_new_io */
    const struct conn_target *t;
    conn *c;                       /* NULL for ws_new_io */
    struct ws_io io;
    wslay_event_context_ptr ctx;   /* while open */
    ev_timer close_wait;
    enum wstate st;
    uint64_t rng;
    char key[WS_KEY_LEN + 1];
    char *head;                    /* the upgrade request while it is in flight */
    struct iovec iov;
    struct ws_callbacks cb;
    void *ud;
    uint64_t t_open_us;
    struct ws_counts n;
    int depth, dead;               /* inside wslay or a callback; ws_free came then */
    int eof, io_err, we_closed, close_timed_out;
    int proto_err;                 /* wslay_event_recv failed on the server's bytes */
    char detail[160];
};

static uint64_t next_rand(uint64_t *rng)
{
    uint64_t z = (*rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- pure parts ---------------------------------------------------------------------- */

void ws_key(uint64_t *rng, char out[WS_KEY_LEN + 1])
{
    unsigned char raw[16];
    for (int i = 0; i < 16; i += 8) {
        uint64_t r = next_rand(rng);
        memcpy(raw + i, &r, 8);
    }
    EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
    out[WS_KEY_LEN] = '\0';
}

void ws_accept_of(const char *key, char out[WS_ACCEPT_LEN + 1])
{
    unsigned char md[SHA_DIGEST_LENGTH];
    unsigned char buf[128 + sizeof WS_GUID];
    size_t kl = strlen(key);
    if (kl > 128)
        kl = 128; /* a key is 24 bytes; a longer one cannot match anyway */
    memcpy(buf, key, kl);
    memcpy(buf + kl, WS_GUID, sizeof WS_GUID - 1);
    SHA1(buf, kl + sizeof WS_GUID - 1, md);
    EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
    out[WS_ACCEPT_LEN] = '\0';
}

/* 1 when the comma-separated list holds token (case-insensitive, blanks around). */
static int has_token(const char *list, const char *token)
{
    size_t tl = strlen(token);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *te = e;
        while (te > p && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        if ((size_t)(te - p) == tl && !strncasecmp(p, token, tl))
            return 1;
        p = e;
    }
    return 0;
}

int ws_check_answer(const http1_resp *r, const char *key, char *why, size_t n)
{
    int st = http1_resp_status(r);
    if (st != 101) {
        snprintf(why, n, "upgrade refused: HTTP %d", st);
        return -1;
    }
    const char *up = http1_resp_header_get(r, "Upgrade");
    if (!up || strcasecmp(up, "websocket")) {
        snprintf(why, n, "101 without 'Upgrade: websocket'");
        return -1;
    }
    const char *cn = http1_resp_header_get(r, "Connection");
    if (!cn || !has_token(cn, "upgrade")) {
        snprintf(why, n, "101 without 'Connection: Upgrade'");
        return -1;
    }
    char want[WS_ACCEPT_LEN + 1];
    ws_accept_of(key, want);
    const char *acc = http1_resp_header_get(r, "Sec-WebSocket-Accept");
    if (!acc || strcmp(acc, want)) {
        snprintf(why, n, "wrong Sec-WebSocket-Accept ('%.40s', expected '%s')", acc ? acc : "",
                 want);
        return -1;
    }
    if (http1_resp_header_get(r, "Sec-WebSocket-Extensions") ||
        http1_resp_header_get(r, "Sec-WebSocket-Protocol")) {
        snprintf(why, n, "101 with an extension or subprotocol that was not offered");
        return -1;
    }
    return 0;
}

/* ---- wslay callbacks ------------------------------------------------------------------ */

static ssize_t do_read(ws *w, void *buf, size_t len)
{
    return w->c ? conn_raw_read(w->c, buf, len) : w->io.read(w->io.ud, buf, len);
}

static ssize_t do_write(ws *w, const void *buf, size_t len)
{
    return w->c ? conn_raw_write(w->c, buf, len) : w->io.write(w->io.ud, buf, len);
}

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
    (void)flags;
    ws *w = ud;
    ssize_t n = do_read(w, buf, len);
    if (n > 0) {
        w->n.bytes_in += (uint64_t)n;
        return n;
    }
    if (n == -EAGAIN) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (n == 0)
        w->eof = 1;
    else
        w->io_err = (int)-n;
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
    (void)flags;
    ws *w = ud;
    ssize_t n = do_write(w, data, len);
    if (n > 0) {
        w->n.bytes_out += (uint64_t)n;
        return n;
    }
    if (n == -EAGAIN || n == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    w->io_err = (int)-n;
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
    (void)ctx;
    ws *w = ud;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = next_rand(&w->rng);
        memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
    }
    return 0;
}

static void msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
                   void *ud)
{
    (void)ctx;
    ws *w = ud;
    if (w->dead || (a->opcode != WSLAY_TEXT_FRAME && a->opcode != WSLAY_BINARY_FRAME))
        return;
    w->n.msgs_in++;
    if (w->cb.message)
        w->cb.message(w->ud, w, a->opcode == WSLAY_BINARY_FRAME, a->msg, a->msg_length);
}

/* What wslay lets through: a close frame whose payload is 1 byte (RFC 6455 5.5.1: none,
 * or a 2-byte code and UTF-8). */
static void frame_start_cb(wslay_event_context_ptr ctx,
                           const struct wslay_event_on_frame_recv_start_arg *a, void *ud)
{
    (void)ctx;
    ws *w = ud;
    if (a->opcode == WSLAY_CONNECTION_CLOSE && a->payload_length == 1)
        w->proto_err = 1;
}

static const struct wslay_event_callbacks wslay_cbs = {
    .recv_callback = recv_cb,
    .on_frame_recv_start_callback = frame_start_cb,
    .send_callback = send_cb,
    .genmask_callback = genmask_cb,
    .on_msg_recv_callback = msg_cb,
};

/* ---- life cycle ---------------------------------------------------------------------- */

static void on_close_wait(struct ev_loop *loop, ev_timer *t, int revents);

ws *ws_new(struct ev_loop *loop, const struct conn_target *t, uint64_t seed)
{
    ws *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->loop = loop;
    w->t = t;
    w->rng = seed ^ 0x5851f42d4c957f2dull;
    ev_init(&w->close_wait, on_close_wait);
    w->close_wait.data = w;
    return w;
}

static void drop_conn(ws *w)
{
    if (w->loop)
        ev_timer_stop(w->loop, &w->close_wait);
    if (w->ctx) {
        wslay_event_context_free(w->ctx);
        w->ctx = NULL;
    }
    free(w->head);
    w->head = NULL;
    if (w->c)
        conn_free(w->c);
    w->c = NULL;
}

void ws_free(ws *w)
{
    if (!w)
        return;
    if (w->depth) {
        w->dead = 1;
        return;
    }
    drop_conn(w);
    free(w);
}

int ws_is_open(const ws *w)
{
    return w->st == W_OPEN;
}

struct ws_counts ws_counts(const ws *w)
{
    return w->n;
}

static int make_ctx(ws *w)
{
    if (wslay_event_context_client_init(&w->ctx, &wslay_cbs, w))
        return -1;
    wslay_event_config_set_max_recv_msg_length(w->ctx, WS_MSG_MAX);
    return 0;
}

ws *ws_new_io(const struct ws_io *io, const struct ws_callbacks *cb, void *ud, uint64_t seed)
{
    ws *w = ws_new(NULL, NULL, seed);
    if (!w)
        return NULL;
    w->io = *io;
    w->cb = *cb;
    w->ud = ud;
    if (make_ctx(w)) {
        free(w);
        return NULL;
    }
    w->st = W_OPEN;
    return w;
}

/* ---- the open connection ------------------------------------------------------------- */

/* The connection ended: classify, tidy, tell (last thing: the callback may free w). */
static void ended(ws *w)
{
    struct ws_close_result r = {.err = ERR_WS_CLOSED};
    int recvd = wslay_event_get_close_received(w->ctx);
    int sent = wslay_event_get_close_sent(w->ctx);
    int code_in = wslay_event_get_status_code_received(w->ctx);
    int code_out = wslay_event_get_status_code_sent(w->ctx);
    if (w->proto_err && !w->we_closed) {
        r.err = ERR_WS_PROTOCOL;
        r.code = 1002;
        snprintf(w->detail, sizeof w->detail, "protocol error: an invalid frame from the server");
    } else if (!w->we_closed && sent && !recvd &&
               (code_out == 1002 || code_out == 1003 || code_out == 1007 || code_out == 1009)) {
        r.err = ERR_WS_PROTOCOL;
        r.code = code_out;
        snprintf(w->detail, sizeof w->detail, "protocol error: surge closed with %d", code_out);
    } else if (w->we_closed && (recvd || w->close_timed_out || w->eof)) {
        r.err = ERR_NONE;
        r.code = recvd ? code_in : code_out;
        snprintf(w->detail, sizeof w->detail, "closed by surge (%d)", code_out);
    } else if (recvd) {
        r.code = code_in == WSLAY_CODE_NO_STATUS_RCVD ? 1005 : code_in;
        snprintf(w->detail, sizeof w->detail, "server closed (%d)", r.code);
    } else if (w->io_err) {
        r.err = (w->io_err == ECONNRESET || w->io_err == EPIPE) ? ERR_RESET
                : w->io_err == EPROTO ? ERR_TLS : ERR_IO;
        r.code = 1006;
        snprintf(w->detail, sizeof w->detail, "%s", strerror(w->io_err));
    } else {
        r.code = 1006;
        snprintf(w->detail, sizeof w->detail, "connection closed without a close frame (1006)");
    }
    r.detail = w->detail;
    w->st = W_DONE;
    if (w->loop)
        ev_timer_stop(w->loop, &w->close_wait);
    if (w->c)
        conn_close(w->c);
    if (w->ctx) {
        wslay_event_context_free(w->ctx);
        w->ctx = NULL;
    }
    if (w->cb.closed)
        w->cb.closed(w->ud, w, &r);
}

int ws_pump(ws *w)
{
    if (w->st != W_OPEN && w->st != W_CLOSING)
        return 0;
    int fatal = 0;
    w->depth++;
    if (wslay_event_want_read(w->ctx)) {
        int rc = wslay_event_recv(w->ctx);
        if (rc < 0) {
            fatal = 1;
            w->proto_err |= !w->eof && !w->io_err && rc != WSLAY_ERR_NOMEM;
        }
    }
    if (!w->dead && !fatal && wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx) < 0)
        fatal = 1;
    w->depth--;
    if (w->dead) {
        ws_free(w);
        return 0;
    }
    int rd = wslay_event_want_read(w->ctx), wr = wslay_event_want_write(w->ctx);
    if (fatal || w->eof || w->io_err || w->close_timed_out || (!rd && !wr)) {
        ended(w);
        return 0;
    }
    if (w->c)
        conn_raw_want(w->c, (rd ? EV_READ : 0) | (wr ? EV_WRITE : 0));
    return 1;
}

static void on_raw(void *ud, conn *c, int revents)
{
    (void)c;
    (void)revents;
    ws_pump(ud);
}

static void on_close_wait(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    ws *w = t->data;
    if (w->st != W_CLOSING)
        return;
    w->close_timed_out = 1;
    ws_pump(w);
}

int ws_send(ws *w, int binary, const void *data, size_t len)
{
    if (w->st != W_OPEN)
        return -ENOTCONN;
    struct wslay_event_msg m = {.opcode = binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME,
                                .msg = data, .msg_length = len};
    int rc = wslay_event_queue_msg(w->ctx, &m);
    if (rc == WSLAY_ERR_NOMEM)
        return -ENOMEM;
    if (rc)
        return -ENOTCONN;
    w->n.msgs_out++;
    if (w->c)
        conn_raw_want(w->c, EV_READ | EV_WRITE);
    return 0;
}

int ws_close(ws *w, int code)
{
    if (w->st != W_OPEN)
        return -ENOTCONN;
    w->we_closed = 1;
    w->st = W_CLOSING;
    if (wslay_event_queue_close(w->ctx, (uint16_t)code, NULL, 0))
        return -ENOTCONN;
    if (w->loop) {
        ev_timer_set(&w->close_wait, WS_CLOSE_WAIT_S, 0.);
        ev_timer_start(w->loop, &w->close_wait);
    }
    if (w->c)
        conn_raw_want(w->c, EV_READ | EV_WRITE);
    return 0;
}

/* ---- the handshake -------------------------------------------------------------------- */

static void open_failed(ws *w, enum errclass err, int status, const char *detail)
{
    struct ws_open_result r = {.err = err, .status = status, .detail = detail,
                               .handshake_us = clock_us() - w->t_open_us};
    free(w->head);
    w->head = NULL;
    if (w->c)
        conn_close(w->c);
    w->st = W_IDLE;
    if (w->cb.open)
        w->cb.open(w->ud, w, &r);
}

static void on_answer(void *ud, conn *c, const struct conn_result *res)
{
    ws *w = ud;
    w->n.bytes_in += res->bytes_in;
    w->n.bytes_out += res->bytes_out;
    if (res->err != ERR_NONE) {
        snprintf(w->detail, sizeof w->detail, "%s",
                 res->detail ? res->detail : errclass_name(res->err));
        open_failed(w, res->err, 0, w->detail);
        return;
    }
    if (ws_check_answer(conn_response(c), w->key, w->detail, sizeof w->detail)) {
        open_failed(w, ERR_WS_HANDSHAKE, res->status, w->detail);
        return;
    }
    if (conn_upgrade(c, on_raw, w) || make_ctx(w)) {
        open_failed(w, ERR_IO, res->status, "out of memory");
        return;
    }
    free(w->head);
    w->head = NULL;
    w->st = W_OPEN;
    struct ws_open_result r = {.err = ERR_NONE, .status = 101,
                               .handshake_us = res->t_done_us - w->t_open_us};
    w->depth++;
    if (w->cb.open)
        w->cb.open(w->ud, w, &r);
    w->depth--;
    if (w->dead) {
        ws_free(w);
        return;
    }
    ws_pump(w); /* bytes that came with the 101 raise no event */
}

int ws_open(ws *w, const char *head, size_t len, uint64_t timeout_us,
            const struct ws_callbacks *cb, void *ud)
{
    if (len < 4 || memcmp(head + len - 4, "\r\n\r\n", 4))
        return -EINVAL;
    if (w->ctx) {
        wslay_event_context_free(w->ctx);
        w->ctx = NULL;
    }
    if (w->c)
        conn_close(w->c);
    else if (!(w->c = conn_new(w->loop, w->t)))
        return -ENOMEM;
    if (w->loop)
        ev_timer_stop(w->loop, &w->close_wait);
    w->eof = w->io_err = w->we_closed = w->close_timed_out = w->proto_err = 0;
    w->cb = *cb;
    w->ud = ud;
    ws_key(&w->rng, w->key);
    char extra[160];
    int en = snprintf(extra, sizeof extra,
                      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n",
                      w->key);
    free(w->head);
    size_t n = len - 2 + (size_t)en;
    if (!(w->head = malloc(n)))
        return -ENOMEM;
    memcpy(w->head, head, len - 2);
    memcpy(w->head + len - 2, extra, (size_t)en);
    w->iov = (struct iovec){.iov_base = w->head, .iov_len = n};
    struct conn_req req = {.iov = &w->iov, .iovcnt = 1, .timeout_us = timeout_us,
                           .capture_headers = 1, .upgrade = 1};
    w->t_open_us = clock_us();
    w->st = W_HANDSHAKE;
    return conn_send(w->c, &req, on_answer, w);
}
