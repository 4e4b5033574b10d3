/* test_ws.c — the WebSocket client's pure parts: Sec-WebSocket-Key/Accept, the check of
 * the 101 answer, and frames through ws_new_io over an in-memory stream (messages,
 * fragmentation, ping/pong, close handshake, masking of what surge sends, and every kind
 * of invalid server frame classified ws_protocol). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "engine/ws.h"
#include "unit.h"

/* ---- an in-memory stream ---- */

struct mem {
    const uint8_t *in;
    size_t in_len, in_off, chunk; /* chunk: most bytes per read (0: all) */
    int eof;                      /* after the input: 0 (EOF) instead of -EAGAIN */
    uint8_t out[1 << 16];
    size_t out_len;
    /* what the callbacks saw */
    int msgs, binary, closed;
    char last[64];
    size_t last_len;
    struct ws_close_result end;
};

static ssize_t mem_read(void *ud, void *buf, size_t len)
{
    struct mem *m = ud;
    size_t left = m->in_len - m->in_off;
    if (!left)
        return m->eof ? 0 : -EAGAIN;
    if (m->chunk && len > m->chunk)
        len = m->chunk;
    if (len > left)
        len = left;
    memcpy(buf, m->in + m->in_off, len);
    m->in_off += len;
    return (ssize_t)len;
}

static ssize_t mem_write(void *ud, const void *buf, size_t len)
{
    struct mem *m = ud;
    if (len > sizeof m->out - m->out_len)
        len = sizeof m->out - m->out_len;
    memcpy(m->out + m->out_len, buf, len);
    m->out_len += len;
    return (ssize_t)len;
}

static void on_msg(void *ud, ws *w, int binary, const uint8_t *data, size_t len)
{
    (void)w;
    struct mem *m = ud;
    m->msgs++;
    m->binary = binary;
    m->last_len = len;
    memcpy(m->last, data, len < sizeof m->last - 1 ? len : sizeof m->last - 1);
    m->last[len < sizeof m->last - 1 ? len : sizeof m->last - 1] = '\0';
}

static void on_closed(void *ud, ws *w, const struct ws_close_result *r)
{
    (void)w;
    struct mem *m = ud;
    m->closed++;
    m->end = *r;
}

static const struct ws_callbacks cbs = {NULL, on_msg, on_closed};

/* Feed in[0..n) to a fresh ws; pump until nothing changes. Returns ws_pump's last. */
static int run(struct mem *m, const void *in, size_t n, ws **out)
{
    m->in = in;
    m->in_len = n;
    struct ws_io io = {mem_read, mem_write, m};
    ws *w = ws_new_io(&io, &cbs, m, 42);
    int open = 1;
    for (int i = 0; i < 64 && open; i++)
        open = ws_pump(w);
    if (out)
        *out = w;
    else
        ws_free(w);
    return open;
}

/* The first frame surge wrote: opcode, and the payload unmasked into p (its length). */
static int sent_frame(const struct mem *m, size_t at, int *opcode, uint8_t *p, size_t *len)
{
    const uint8_t *f = m->out + at;
    if (m->out_len - at < 6 || !(f[1] & 0x80))
        return -1; /* client frames are always masked */
    *opcode = f[0] & 0x0f;
    size_t n = f[1] & 0x7f, h = 2;
    if (n == 126)
        n = (size_t)f[2] << 8 | f[3], h = 4;
    const uint8_t *key = f + h;
    for (size_t i = 0; i < n; i++)
        p[i] = f[h + 4 + i] ^ key[i % 4];
    *len = n;
    return 0;
}

/* ---- handshake ---- */

static void accept_rfc_example(void)
{
    char out[WS_ACCEPT_LEN + 1];
    ws_accept_of("dGhlIHNhbXBsZSBub25jZQ==", out); /* RFC 6455 section 1.3 */
    CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void keys_are_16_random_bytes(void)
{
    uint64_t rng = 1;
    char a[WS_KEY_LEN + 1], b[WS_KEY_LEN + 1];
    ws_key(&rng, a);
    ws_key(&rng, b);
    CHECK_INT(strlen(a), 24);
    CHECK(strcmp(a, b) != 0);
    CHECK(a[22] == '=' && a[23] == '=');
    unsigned char raw[32];
    CHECK_INT(EVP_DecodeBlock(raw, (const unsigned char *)a, 24), 18); /* 16 + 2 pad */
}

static int answer(const char *resp, const char *key, char *why, size_t n)
{
    http1_resp *r = http1_resp_new();
    http1_resp_begin(r, 0);
    http1_resp_capture(r, 1, 0);
    size_t used;
    int rc = -2;
    if (http1_resp_feed(r, resp, strlen(resp), &used) == HTTP1_DONE)
        rc = ws_check_answer(r, key, why, n);
    http1_resp_free(r);
    return rc;
}

static void check_answers(void)
{
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    char why[160];
    CHECK_INT(answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                     key, why, sizeof why), 0);
    /* case and lists as RFC 7230 allows */
    CHECK_INT(answer("HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
                     "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                     key, why, sizeof why), 0);
    CHECK_INT(answer("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", key, why, sizeof why), -1);
    CHECK(strstr(why, "HTTP 404") != NULL);
    CHECK_INT(answer("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", key, why, sizeof why), -1);
    CHECK(strstr(why, "Upgrade: websocket") != NULL);
    CHECK_INT(answer("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: close\r\n"
                     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", key, why, sizeof why), -1);
    CHECK(strstr(why, "Connection") != NULL);
    CHECK_INT(answer("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n", key, why, sizeof why), -1);
    CHECK(strstr(why, "wrong Sec-WebSocket-Accept") != NULL);
    CHECK_INT(answer("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", key, why, sizeof why), -1);
    CHECK(strstr(why, "not offered") != NULL);
    CHECK_INT(answer("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", key,
                     why, sizeof why), -1);
}

/* ---- frames ---- */

static void text_message(void)
{
    static const uint8_t in[] = {0x81, 5, 'h', 'e', 'l', 'l', 'o'};
    struct mem m = {0};
    CHECK_INT(run(&m, in, sizeof in, NULL), 1);
    CHECK_INT(m.msgs, 1);
    CHECK_STR(m.last, "hello");
    CHECK_INT(m.binary, 0);
    CHECK_INT(m.closed, 0);
}

static void byte_by_byte_and_binary(void)
{
    static const uint8_t in[] = {0x82, 3, 0, 1, 2, 0x81, 2, 'o', 'k'};
    struct mem m = {.chunk = 1};
    CHECK_INT(run(&m, in, sizeof in, NULL), 1);
    CHECK_INT(m.msgs, 2);
    CHECK_STR(m.last, "ok");
}

static void fragments_joined(void)
{
    /* text "hel" (FIN clear), a ping between the fragments, continuation "lo" (FIN) */
    static const uint8_t in[] = {0x01, 3, 'h', 'e', 'l', 0x89, 1, 'x', 0x80, 2, 'l', 'o'};
    struct mem m = {0};
    CHECK_INT(run(&m, in, sizeof in, NULL), 1);
    CHECK_INT(m.msgs, 1);
    CHECK_STR(m.last, "hello");
    int op = 0;
    uint8_t p[8];
    size_t n = 0;
    CHECK_INT(sent_frame(&m, 0, &op, p, &n), 0); /* the ping was answered, masked */
    CHECK_INT(op, 0xA);
    CHECK(n == 1 && p[0] == 'x');
}

static void extended_length(void)
{
    uint8_t in[4 + 300];
    in[0] = 0x81, in[1] = 126, in[2] = 300 >> 8, in[3] = 300 & 0xff;
    memset(in + 4, 'a', 300);
    struct mem m = {0};
    CHECK_INT(run(&m, in, sizeof in, NULL), 1);
    CHECK_INT(m.msgs, 1);
    CHECK_INT(m.last_len, 300);
}

static void send_is_masked(void)
{
    struct mem m = {0};
    ws *w;
    CHECK_INT(run(&m, "", 0, &w), 1);
    CHECK_INT(ws_send(w, 0, "hi", 2), 0);
    CHECK_INT(ws_pump(w), 1);
    int op = 0;
    uint8_t p[8];
    size_t n = 0;
    CHECK_INT(sent_frame(&m, 0, &op, p, &n), 0);
    CHECK_INT(m.out[0], 0x81); /* FIN, text */
    CHECK(op == 1 && n == 2 && !memcmp(p, "hi", 2));
    CHECK(memcmp(m.out + 6, "hi", 2) != 0 || (m.out[2] | m.out[3]) == 0); /* masked */
    CHECK_INT(ws_counts(w).msgs_out, 1);
    ws_free(w);
}

static void server_close(void)
{
    static const uint8_t in[] = {0x88, 2, 1000 >> 8, 1000 & 0xff};
    struct mem m = {0};
    CHECK_INT(run(&m, in, sizeof in, NULL), 0);
    CHECK_INT(m.closed, 1);
    CHECK_INT(m.end.err, ERR_WS_CLOSED);
    CHECK_INT(m.end.code, 1000);
    int op = 0;
    uint8_t p[8];
    size_t n = 0;
    CHECK_INT(sent_frame(&m, 0, &op, p, &n), 0); /* the close was answered */
    CHECK_INT(op, 8);
}

static void our_close_answered(void)
{
    static const uint8_t in[] = {0x88, 2, 1000 >> 8, 1000 & 0xff};
    struct mem m = {0};
    ws *w;
    CHECK_INT(run(&m, "", 0, &w), 1);
    CHECK_INT(ws_close(w, 1000), 0);
    CHECK_INT(ws_send(w, 0, "late", 4), -ENOTCONN);
    CHECK_INT(ws_pump(w), 1); /* close sent, waiting for the answer */
    m.in = in, m.in_len = sizeof in, m.in_off = 0;
    CHECK_INT(ws_pump(w), 0);
    CHECK_INT(m.closed, 1);
    CHECK_INT(m.end.err, ERR_NONE);
    ws_free(w);
}

static void eof_without_close(void)
{
    static const uint8_t in[] = {0x81, 1, 'a'};
    struct mem m = {.eof = 1};
    CHECK_INT(run(&m, in, sizeof in, NULL), 0);
    CHECK_INT(m.msgs, 1);
    CHECK_INT(m.end.err, ERR_WS_CLOSED);
    CHECK_INT(m.end.code, 1006);
}

static void invalid_frames(void)
{
    static const struct {
        const char *what;
        uint8_t b[140];
        size_t n;
    } bad[] = {
        {"masked", {0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}, 8},
        {"opcode 3", {0x83, 0}, 2},
        {"opcode 11", {0x8b, 0}, 2},
        {"rsv1", {0xc1, 2, 'h', 'i'}, 4},
        {"control 126", {0x89, 126, 0, 126}, 130},
        {"control fragmented", {0x09, 1, 'x'}, 3},
        {"close code 999", {0x88, 2, 999 >> 8, 999 & 0xff}, 4},
        {"close 1 byte", {0x88, 1, 3}, 3},
        {"utf8", {0x81, 2, 0xc3, 0x28}, 4},
        {"continuation first", {0x80, 1, 'x'}, 3},
        {"text inside a message", {0x01, 1, 'a', 0x81, 1, 'b'}, 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mem m = {0};
        int open = run(&m, bad[i].b, bad[i].n, NULL);
        if (open || m.end.err != ERR_WS_PROTOCOL)
            printf("    %s: open %d err %d code %d\n", bad[i].what, open, m.end.err, m.end.code);
        CHECK_INT(open, 0);
        CHECK_INT(m.closed, 1);
        CHECK_INT(m.end.err, ERR_WS_PROTOCOL);
        CHECK_INT(m.msgs, 0);
    }
}

static void oversize_message(void)
{
    size_t n = WS_MSG_MAX + 1;
    uint8_t *in = malloc(n + 10);
    in[0] = 0x82, in[1] = 127;
    for (int i = 0; i < 8; i++)
        in[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    memset(in + 10, 0, n);
    struct mem m = {0};
    CHECK_INT(run(&m, in, n + 10, NULL), 0);
    CHECK_INT(m.end.err, ERR_WS_PROTOCOL);
    CHECK_INT(m.end.code, 1009);
    free(in);
}

static ws *self_w;
static int self_msgs;

static void free_on_msg(void *ud, ws *w, int binary, const uint8_t *data, size_t len)
{
    (void)ud, (void)binary, (void)data, (void)len;
    self_msgs++;
    CHECK(w == self_w);
    ws_free(w); /* wslay is still inside ws_pump: deferred to its end */
}

static void free_inside_callback(void)
{
    static const uint8_t in[] = {0x81, 1, 'a'};
    struct mem m = {0};
    m.in = in, m.in_len = sizeof in;
    struct ws_io io = {mem_read, mem_write, &m};
    static const struct ws_callbacks fcb = {NULL, free_on_msg, on_closed};
    self_w = ws_new_io(&io, &fcb, &m, 1);
    CHECK(self_w != NULL);
    CHECK_INT(ws_pump(self_w), 0); /* freed: 0, and no callback after */
    CHECK_INT(self_msgs, 1);
    CHECK_INT(m.closed, 0);
    ws_free(NULL);
}

int main(void)
{
    RUN(accept_rfc_example);
    RUN(keys_are_16_random_bytes);
    RUN(check_answers);
    RUN(text_message);
    RUN(byte_by_byte_and_binary);
    RUN(fragments_joined);
    RUN(extended_length);
    RUN(send_is_masked);
    RUN(server_close);
    RUN(our_close_answered);
    RUN(eof_without_close);
    RUN(invalid_frames);
    RUN(oversize_message);
    RUN(free_inside_callback);
    UNIT_EXIT();
}
