/* fuzz_ws.c — libFuzzer target: the WebSocket client's parsing of what a server sends:
 * the 101 answer (http1 + ws_check_answer) and then frames through wslay (ws_new_io over
 * an in-memory stream read in small pieces), with surge sending and closing in between.
 * Input: byte 0 = flags (bits 0-2: read size - 1 in bytes, 0 = whole; bit 3: ws_send
 * before; bit 4: ws_close after the first pump; bit 5: EOF at the end), byte 1 = length
 * of the answer part (scaled), then the answer, then the frames. */
#include "engine/ws.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
    uint8_t *in;
    size_t len, off, chunk;
    int eof, closed;
    size_t msgs;
};

static ssize_t mem_read(void *ud, void *buf, size_t len)
{
    struct mem *m = ud;
    size_t left = m->len - m->off;
    if (!left)
        return m->eof ? 0 : -EAGAIN;
    if (m->chunk && len > m->chunk)
        len = m->chunk;
    if (len > left)
        len = left;
    memcpy(buf, m->in + m->off, len);
    m->off += len;
    return (ssize_t)len;
}

static ssize_t mem_write(void *ud, const void *buf, size_t len)
{
    (void)ud;
    (void)buf;
    return (ssize_t)len; /* the server reads everything */
}

static void on_msg(void *ud, ws *w, int binary, const uint8_t *d, size_t n)
{
    struct mem *m = ud;
    volatile uint8_t x = 0;
    for (size_t i = 0; i < n; i++) /* every byte handed over must be readable */
        x ^= d[i];
    (void)x;
    (void)binary;
    if (++m->msgs == 3)
        ws_send(w, 1, d, n < 16 ? n : 16); /* echo from inside the callback */
}

static void on_closed(void *ud, ws *w, const struct ws_close_result *r)
{
    (void)w;
    struct mem *m = ud;
    m->closed++;
    if (m->closed != 1 || !r->detail)
        abort(); /* closed runs once, with a reason */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned flags = data[0];
    size_t rest = size - 2, alen = rest * data[1] / 255;
    /* the answer */
    http1_resp *r = http1_resp_new();
    if (!r)
        return 0;
    http1_resp_begin(r, 0);
    http1_resp_capture(r, 1, 0);
    char *ans = malloc(alen + 1);
    memcpy(ans, data + 2, alen);
    size_t used;
    char why[160];
    if (http1_resp_feed(r, ans, alen, &used) == HTTP1_DONE)
        ws_check_answer(r, "dGhlIHNhbXBsZSBub25jZQ==", why, sizeof why);
    free(ans);
    http1_resp_free(r);
    /* the frames, in their own block so ASan sees an over-read */
    struct mem m = {.len = rest - alen, .chunk = flags & 7, .eof = !!(flags & 32)};
    m.in = malloc(m.len + 1);
    memcpy(m.in, data + 2 + alen, m.len);
    struct ws_io io = {mem_read, mem_write, &m};
    static const struct ws_callbacks cbs = {NULL, on_msg, on_closed};
    ws *w = ws_new_io(&io, &cbs, &m, size);
    if (w) {
        if (flags & 8)
            ws_send(w, 0, "hello", 5);
        int open = ws_pump(w);
        if (open && (flags & 16))
            ws_close(w, 1000);
        for (int i = 0; open && i < 4096 && (m.off < m.len || (flags & 16)); i++)
            open = ws_pump(w);
        ws_free(w);
    }
    free(m.in);
    return 0;
}
