/* tb_test_ws.c — the testbed's WebSocket client-frame parser (ws_parse_frame): 7/16/64-bit
 * lengths, masking, fragmented messages, control frame limits, reserved bits, unknown
 * opcodes, every prefix of a frame and every split point of a stream of frames. Every input
 * sits right before a PROT_NONE page (guard.h), so an over-read crashes the test. */
#include "unit.h"
#include "guard.h"
#include "ws.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- Helpers ----------------------------------------------------------------- */

enum { LEN_MIN = 0, LEN_16 = 16, LEN_64 = 64 }; /* length encodings */

static const uint8_t KEY[4] = {0x37, 0xfa, 0x21, 0x3d};

/* Writes a frame into out: b0 = FIN/RSV/opcode byte, masked with KEY when masked, the length
 * in the shortest form (LEN_MIN) or forced to 16/64 bits. Returns its size. */
static size_t frame(uint8_t *out, uint8_t b0, int masked, int form, const void *payload,
                    size_t n)
{
    size_t h = 0;
    uint8_t m = masked ? 0x80 : 0;
    out[h++] = b0;
    if (form == LEN_MIN && n < 126) {
        out[h++] = (uint8_t)(m | n);
    } else if (form != LEN_64 && n < 65536) {
        out[h++] = m | 126;
        out[h++] = (uint8_t)(n >> 8);
        out[h++] = (uint8_t)n;
    } else {
        out[h++] = m | 127;
        for (int i = 0; i < 8; i++)
            out[h++] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    }
    if (masked) {
        memcpy(out + h, KEY, 4);
        h += 4;
    }
    if (n)
        memcpy(out + h, payload, n);
    if (masked)
        ws_unmask(out + h, n, KEY); /* masking and unmasking are the same XOR */
    return h + n;
}

/* ws_parse_frame on a guarded copy of buf[0..n). */
static ssize_t parse(const uint8_t *buf, size_t n, struct ws_frame *f)
{
    return ws_parse_frame((const uint8_t *)guard_copy(buf, n), n, f);
}

/* A whole frame parses to its size; every shorter prefix needs more (0). Checks the fields
 * and the unmasked payload. */
static void frame_ok(const uint8_t *buf, size_t n, unsigned opcode, int fin, const void *payload,
                     size_t plen)
{
    struct ws_frame f;
    memset(&f, 0xee, sizeof f);
    ssize_t rc = parse(buf, n, &f);
    CHECK_INT(rc, (long long)n);
    if (rc != (ssize_t)n)
        return;
    CHECK_INT(f.opcode, opcode);
    CHECK_INT(f.fin, fin);
    CHECK_INT(f.len, plen);
    CHECK_INT(f.header_len + f.len, n);
    CHECK(memcmp(f.mask, buf + f.header_len - 4, 4) == 0);
    uint8_t *p = (uint8_t *)guard_copy(buf + f.header_len, f.len);
    ws_unmask(p, f.len, f.mask);
    CHECK(plen == 0 || memcmp(p, payload, plen) == 0);
    for (size_t k = 0; k < n; k++) {
        struct ws_frame g;
        ssize_t r = parse(buf, k, &g);
        if (r != 0) {
            printf("    prefix %zu of %zu: %zd\n", k, n, r);
            CHECK_INT(r, 0);
            break;
        }
    }
}

/* buf[0..n) is an error frame: from the first `shows` bytes on (the header bytes that show
 * the error), ws_parse_frame returns err; before that it needs more. */
static void frame_err(const uint8_t *buf, size_t n, size_t shows, ssize_t err)
{
    for (size_t k = 0; k <= n; k++) {
        struct ws_frame f;
        ssize_t r = parse(buf, k, &f);
        ssize_t want = k >= shows ? err : 0;
        if (r != want) {
            printf("    prefix %zu of %zu: %zd, want %zd\n", k, n, r, want);
            CHECK_INT(r, want);
            break;
        }
    }
}

static uint8_t *pattern(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    return p;
}

/* ---- Lengths and masking ----------------------------------------------------- */

static void lengths_7_16_64(void)
{
    size_t sizes[] = {0, 1, 5, 125, 126, 127, 300, 65535, 65536};
    uint8_t *payload = pattern(65536);
    uint8_t *buf = malloc(65536 + 14);
    CHECK(payload && buf);
    if (!payload || !buf)
        goto out;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = frame(buf, 0x82, 1, LEN_MIN, payload, sizes[i]);
        size_t hl = sizes[i] < 126 ? 2 : sizes[i] < 65536 ? 4 : 10;
        CHECK_INT(n, hl + 4 + sizes[i]);
        if (sizes[i] <= 300) {
            frame_ok(buf, n, 2, 1, payload, sizes[i]);
        } else { /* big: the whole frame and a few prefixes, not all of them */
            struct ws_frame f;
            CHECK_INT(parse(buf, n, &f), (long long)n);
            CHECK_INT(f.len, sizes[i]);
            CHECK_INT(parse(buf, n - 1, &f), 0);
            CHECK_INT(parse(buf, hl + 4, &f), 0);
            CHECK_INT(parse(buf, hl - 1, &f), 0);
        }
    }
    /* longer forms than needed are accepted (RFC 6455 says minimal; the testbed is lenient) */
    size_t n = frame(buf, 0x81, 1, LEN_16, "hi", 2);
    CHECK_INT(n, 4 + 4 + 2);
    frame_ok(buf, n, 1, 1, "hi", 2);
    n = frame(buf, 0x81, 1, LEN_64, "hi", 2);
    CHECK_INT(n, 10 + 4 + 2);
    frame_ok(buf, n, 1, 1, "hi", 2);
out:
    free(payload);
    free(buf);
}

static void too_big(void)
{
    uint8_t buf[32];
    /* 65537: 1009 from the header alone, before any payload */
    uint8_t h[] = {0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 1};
    frame_err(h, sizeof h, sizeof h, WS_ERR_TOO_BIG);
    uint8_t huge[] = {0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4}; /* 2^40 */
    frame_err(huge, sizeof huge, 10, WS_ERR_TOO_BIG);
    uint8_t top[] = {0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0}; /* the reserved top bit */
    frame_err(top, sizeof top, 10, WS_ERR_TOO_BIG);
    uint8_t all[] = {0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    frame_err(all, sizeof all, 10, WS_ERR_TOO_BIG); /* no overflow of header + length */
    /* a continuation over the limit too */
    memcpy(buf, h, sizeof h);
    buf[0] = 0x00;
    frame_err(buf, sizeof h, sizeof h, WS_ERR_TOO_BIG);
}

static void masking(void)
{
    uint8_t buf[256];
    /* RFC 6455 5.7: a masked "Hello" */
    const uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    frame_ok(hello, sizeof hello, 1, 1, "Hello", 5);
    /* unmasked client frames are a protocol error, seen from the second byte */
    const uint8_t plain[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    frame_err(plain, sizeof plain, 2, WS_ERR_PROTOCOL);
    size_t n = frame(buf, 0x89, 0, LEN_MIN, "", 0);
    frame_err(buf, n, 2, WS_ERR_PROTOCOL);
    /* a zero key masks nothing; unmask twice is the identity */
    uint8_t zero[] = {0x81, 0x83, 0, 0, 0, 0, 'a', 'b', 'c'};
    frame_ok(zero, sizeof zero, 1, 1, "abc", 3);
    uint8_t t[9] = "abcdefgh";
    ws_unmask(t, 8, KEY);
    CHECK(memcmp(t, "abcdefgh", 8) != 0);
    ws_unmask(t, 8, KEY);
    CHECK(memcmp(t, "abcdefgh", 8) == 0);
    ws_unmask(NULL, 0, KEY);
}

/* ---- Opcodes, control frames, reserved bits ---------------------------------- */

static void control_frames(void)
{
    uint8_t buf[400];
    uint8_t *payload = pattern(300);
    CHECK(payload != NULL);
    if (!payload)
        return;
    static const unsigned ctl[] = {8, 9, 10};
    for (int i = 0; i < 3; i++) {
        uint8_t op = (uint8_t)ctl[i];
        size_t n = frame(buf, 0x80 | op, 1, LEN_MIN, payload, 125);
        frame_ok(buf, n, op, 1, payload, 125);
        n = frame(buf, 0x80 | op, 1, LEN_MIN, payload, 0);
        frame_ok(buf, n, op, 1, payload, 0);
        n = frame(buf, 0x80 | op, 1, LEN_MIN, payload, 126); /* 16-bit form, 126 */
        frame_err(buf, n, 4, WS_ERR_PROTOCOL);
        n = frame(buf, 0x80 | op, 1, LEN_MIN, payload, 300);
        frame_err(buf, n, 4, WS_ERR_PROTOCOL);
        n = frame(buf, 0x80 | op, 1, LEN_64, payload, 200);
        frame_err(buf, n, 10, WS_ERR_PROTOCOL);
        n = frame(buf, op, 1, LEN_MIN, payload, 3); /* FIN clear: fragmented control */
        frame_err(buf, n, 2, WS_ERR_PROTOCOL);
        n = frame(buf, 0x80 | op, 1, LEN_16, payload, 5); /* long form, short length: fine */
        frame_ok(buf, n, op, 1, payload, 5);
    }
    /* a close frame with a code and a reason */
    const uint8_t close[] = {0x03, 0xe8, 'b', 'y', 'e'};
    size_t n = frame(buf, 0x88, 1, LEN_MIN, close, sizeof close);
    frame_ok(buf, n, 8, 1, close, sizeof close);
    free(payload);
}

static void reserved_bits(void)
{
    uint8_t buf[64];
    for (int bit = 0x10; bit <= 0x40; bit <<= 1) {
        size_t n = frame(buf, (uint8_t)(0x81 | bit), 1, LEN_MIN, "x", 1);
        frame_err(buf, n, 2, WS_ERR_PROTOCOL);
        n = frame(buf, (uint8_t)(0x89 | bit), 1, LEN_MIN, "x", 1);
        frame_err(buf, n, 2, WS_ERR_PROTOCOL);
    }
    size_t n = frame(buf, 0xf1, 1, LEN_MIN, "x", 1);
    frame_err(buf, n, 2, WS_ERR_PROTOCOL);
}

static void unknown_opcodes(void)
{
    uint8_t buf[64];
    for (uint8_t op = 0; op < 16; op++) {
        size_t n = frame(buf, 0x80 | op, 1, LEN_MIN, "abc", 3);
        int known = op <= 2 || (op >= 8 && op <= 10);
        if (known)
            frame_ok(buf, n, op, 1, "abc", 3);
        else /* reported once the whole frame is in (the frame is consumed, then 1002) */
            frame_err(buf, n, n, WS_ERR_PROTOCOL);
    }
    /* unknown control opcodes are still held to the control limits, from the header */
    static const uint8_t zeros[126];
    uint8_t big[200];
    size_t n = frame(big, 0x8b, 1, LEN_MIN, zeros, 126);
    frame_err(big, n, 4, WS_ERR_PROTOCOL);
}

/* ---- Fragmented messages and streams of frames ------------------------------- */

struct want {
    unsigned opcode;
    int fin;
    const char *payload;
};

/* A stream of frames: a fragmented text message with a ping between its fragments, a 16-bit
 * and a 64-bit-form frame, an empty frame, a pong and a close. */
static const struct want stream_frames[] = {
    {1, 0, "Hel"},       {9, 1, "ping!"},    {0, 0, "lo "},  {0, 1, "world"},
    {2, 1, NULL /* 200 bytes, 16-bit */},    {1, 1, ""},      {0xA, 1, "pong"},
    {2, 0, "x"},         {0, 1, NULL /* 70 bytes, 64-bit form */},
    {8, 1, "\x03\xe8"},
};
#define NFRAMES (sizeof stream_frames / sizeof stream_frames[0])

static size_t build_stream(uint8_t *out, uint8_t *payloads[NFRAMES], size_t plens[NFRAMES])
{
    size_t at = 0;
    for (size_t i = 0; i < NFRAMES; i++) {
        const struct want *w = &stream_frames[i];
        int form = LEN_MIN;
        const char *p = w->payload;
        size_t n = p ? strlen(p) : 0;
        if (!p && w->opcode == 2) {
            n = 200;
        } else if (!p) {
            n = 70;
            form = LEN_64;
        }
        if (!p)
            p = (const char *)pattern(n);
        payloads[i] = malloc(n + 1);
        memcpy(payloads[i], p, n);
        if (!w->payload)
            free((void *)p);
        plens[i] = n;
        at += frame(out + at, (uint8_t)((w->fin ? 0x80 : 0) | w->opcode), 1, form, payloads[i],
                    n);
    }
    return at;
}

/* Like a connection's read buffer: bytes arrive in pieces ending at cuts[0..ncuts) then n;
 * after each piece, whole frames are parsed off the front and the rest is kept. Checks the
 * frames against stream_frames; returns how many were seen. */
static size_t feed(const uint8_t *stream, size_t n, const size_t *cuts, int ncuts,
                   uint8_t *payloads[NFRAMES], const size_t plens[NFRAMES], char *msg,
                   size_t *msg_len)
{
    size_t have = 0, used = 0, seen = 0; /* stream[used..have) is buffered */
    *msg_len = 0;
    for (int c = 0; c <= ncuts; c++) {
        have = c < ncuts ? cuts[c] : n;
        for (;;) {
            uint8_t *b = (uint8_t *)guard_copy(stream + used, have - used);
            struct ws_frame f;
            ssize_t r = ws_parse_frame(b, have - used, &f);
            if (r < 0) {
                printf("    error %zd at byte %zu\n", r, used);
                CHECK(r >= 0);
                return seen;
            }
            if (r == 0)
                break;
            if (seen >= NFRAMES) {
                CHECK(seen < NFRAMES);
                return seen;
            }
            CHECK_INT(f.opcode, stream_frames[seen].opcode);
            CHECK_INT(f.fin, stream_frames[seen].fin);
            CHECK_INT(f.len, plens[seen]);
            uint8_t *p = b + f.header_len;
            ws_unmask(p, f.len, f.mask);
            CHECK(f.len == plens[seen] && (f.len == 0 || memcmp(p, payloads[seen], f.len) == 0));
            if (f.opcode == 1 || (f.opcode == 0 && stream_frames[seen].payload)) {
                memcpy(msg + *msg_len, p, f.len); /* the fragmented text message */
                *msg_len += f.len;
            }
            used += (size_t)r;
            seen++;
        }
    }
    CHECK_INT(used, n);
    return seen;
}

static void fragmented_message(void)
{
    uint8_t stream[1024], *payloads[NFRAMES];
    size_t plens[NFRAMES], msg_len;
    char msg[1024];
    size_t n = build_stream(stream, payloads, plens);
    CHECK_INT(feed(stream, n, NULL, 0, payloads, plens, msg, &msg_len), NFRAMES);
    CHECK_INT(msg_len, 11);
    CHECK(msg_len == 11 && memcmp(msg, "Hello world", 11) == 0);
    for (size_t i = 0; i < NFRAMES; i++)
        free(payloads[i]);
}

static void every_split_point(void)
{
    uint8_t stream[1024], *payloads[NFRAMES];
    size_t plens[NFRAMES], msg_len;
    char msg[1024];
    size_t n = build_stream(stream, payloads, plens);
    for (size_t a = 0; a <= n; a++) {
        size_t cuts[1] = {a};
        CHECK_INT(feed(stream, n, cuts, 1, payloads, plens, msg, &msg_len), NFRAMES);
        if (unit_case_failed) {
            printf("    split at %zu\n", a);
            break;
        }
    }
    /* two cuts: every pair within the first 80 bytes (the small frames) */
    for (size_t a = 0; a <= 80 && !unit_case_failed; a++)
        for (size_t b = a; b <= 80 && !unit_case_failed; b++) {
            size_t cuts[2] = {a, b};
            CHECK_INT(feed(stream, n, cuts, 2, payloads, plens, msg, &msg_len), NFRAMES);
        }
    /* one byte at a time */
    size_t *cuts = malloc(n * sizeof *cuts);
    CHECK(cuts != NULL);
    if (cuts) {
        for (size_t i = 0; i < n; i++)
            cuts[i] = i;
        CHECK_INT(feed(stream, n, cuts, (int)n, payloads, plens, msg, &msg_len), NFRAMES);
        free(cuts);
    }
    for (size_t i = 0; i < NFRAMES; i++)
        free(payloads[i]);
}

static void accept_value(void)
{
    char out[WS_ACCEPT_LEN + 1];
    ws_accept_value("dGhlIHNhbXBsZSBub25jZQ==", out); /* RFC 6455 1.3 */
    CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

int main(void)
{
    RUN(lengths_7_16_64);
    RUN(too_big);
    RUN(masking);
    RUN(control_frames);
    RUN(reserved_bits);
    RUN(unknown_opcodes);
    RUN(fragmented_message);
    RUN(every_split_point);
    RUN(accept_value);
    guard_release();
    UNIT_EXIT();
}
