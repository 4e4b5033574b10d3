/* fuzz_tb_ws.c — libFuzzer target: the testbed's WebSocket client-frame parser on a stream
 * of frames, as a connection's read buffer sees it. Checks: a frame's size is its header
 * plus its payload and fits in the buffer; every shorter prefix of a whole frame needs more;
 * errors are only WS_ERR_PROTOCOL / WS_ERR_TOO_BIG; control frames are short and final;
 * unmasking twice gives back the bytes. */
#include "ws.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    size_t off = 0;
    for (;;) {
        struct ws_frame f;
        ssize_t n = ws_parse_frame(buf + off, size - off, &f);
        if (n == 0 || n == WS_ERR_PROTOCOL || n == WS_ERR_TOO_BIG)
            break;
        if (n < 0 || (size_t)n > size - off || f.header_len + f.len != (size_t)n)
            abort();
        if (f.header_len != 6 && f.header_len != 8 && f.header_len != 14)
            abort();
        if (f.len > WS_IN_FRAME_MAX || f.opcode > 10 || (f.opcode >= 3 && f.opcode <= 7))
            abort();
        if ((f.opcode & 8) && (f.len > WS_CONTROL_MAX || !f.fin))
            abort();
        /* shorter prefixes: need more (the last byte and the header's end; not all, for speed) */
        struct ws_frame g;
        if (ws_parse_frame(buf + off, (size_t)n - 1, &g) != 0 ||
            ws_parse_frame(buf + off, f.header_len - 1, &g) != 0)
            abort();
        uint8_t *p = buf + off + f.header_len;
        uint8_t first = f.len ? p[0] : 0;
        ws_unmask(p, f.len, f.mask);
        ws_unmask(p, f.len, f.mask);
        if (f.len && p[0] != first)
            abort();
        off += (size_t)n;
    }
    free(buf);
    return 0;
}
