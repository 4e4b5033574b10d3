/* fuzz_http1_resp.c — libFuzzer target: the response parser fed in 1..3 pieces, then EOF. */
#include "engine/http1.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Input: byte 0 = flags (bit 0: HEAD, bit 1: capture headers, bit 2: no body capture,
 * bits 3-4: pieces - 1), bytes 1-2 = cut points (scaled to the rest), then the response.
 * Each piece is copied into its own malloc'd block so ASan sees any over-read. The
 * split feed must give what the one-shot feed gives (rc, and on DONE everything). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static http1_resp *resp; /* reused across inputs, as a connection reuses it */

struct outcome {
    enum http1_rc rc;
    size_t used;
    int status, keep_alive, nhdrs;
    uint64_t body_len;
    size_t body_n;
    char body[64];
    char hdrs[512]; /* names and values, NUL-separated, truncated */
    size_t hdrs_n;
};

static void check_done(http1_resp *r, int capture_headers, struct outcome *o)
{
    int st = http1_resp_status(r);
    if (st < 100 || st > 999)
        abort();
    size_t n;
    const char *b = http1_resp_body(r, &n);
    if (!b || b[n] != '\0' || n > http1_resp_body_len(r) || n > sizeof o->body)
        abort();
    o->status = st;
    o->keep_alive = http1_resp_keep_alive(r);
    o->body_len = http1_resp_body_len(r);
    o->body_n = n;
    memcpy(o->body, b, n);
    int hc = http1_resp_header_count(r);
    if (!capture_headers && hc != 0)
        abort();
    o->nhdrs = hc;
    for (int i = 0; i < hc; i++) {
        const char *hn, *hv;
        http1_resp_header(r, i, &hn, &hv);
        if (!hn || !hv)
            abort();
        size_t ln = strlen(hn) + 1, lv = strlen(hv) + 1;
        if (http1_resp_header_get(r, hn) == NULL)
            abort();
        if (o->hdrs_n + ln + lv <= sizeof o->hdrs) {
            memcpy(o->hdrs + o->hdrs_n, hn, ln);
            memcpy(o->hdrs + o->hdrs_n + ln, hv, lv);
            o->hdrs_n += ln + lv;
        }
    }
}

static void run(const char *msg, const size_t *ends, int pieces, int is_head, int cap_headers,
                size_t max_body, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    http1_resp_begin(resp, is_head);
    http1_resp_capture(resp, cap_headers, max_body);
    enum http1_rc rc = HTTP1_MORE;
    size_t at = 0;
    for (int i = 0; i < pieces && rc == HTTP1_MORE; i++) {
        size_t end = ends[i], used = 0;
        char *piece = malloc(end - at + 1);
        if (!piece)
            abort();
        memcpy(piece, msg + at, end - at);
        rc = http1_resp_feed(resp, piece, end - at, &used);
        free(piece);
        if (used > end - at || (rc == HTTP1_MORE && used != end - at))
            abort();
        o->used += used;
        at = end;
    }
    if (rc == HTTP1_MORE)
        rc = http1_resp_eof(resp);
    o->rc = rc;
    if (rc == HTTP1_DONE)
        check_done(resp, cap_headers, o);
    else if (rc == HTTP1_ERROR && !http1_resp_error(resp)[0])
        abort();
    else if (rc == HTTP1_MORE && http1_resp_started(resp))
        abort(); /* eof on a started response must decide */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    if (!resp && !(resp = http1_resp_new()))
        return 0;
    int flags = data[0];
    int is_head = flags & 1, cap_headers = (flags >> 1) & 1;
    size_t max_body = (flags & 4) ? 0 : 64;
    int pieces = 1 + ((flags >> 3) & 3) % 3;
    const char *msg = (const char *)data + 3;
    size_t len = size - 3;
    size_t cuts[3] = {len * data[1] / 256, len * data[2] / 256, len};
    if (cuts[0] > cuts[1]) {
        size_t t = cuts[0];
        cuts[0] = cuts[1];
        cuts[1] = t;
    }
    const size_t *ends = pieces == 1 ? cuts + 2 : pieces == 2 ? cuts + 1 : cuts;

    struct outcome split, whole;
    run(msg, ends, pieces, is_head, cap_headers, max_body, &split);
    run(msg, cuts + 2, 1, is_head, cap_headers, max_body, &whole);
    if (split.rc != whole.rc)
        abort();
    if (whole.rc == HTTP1_DONE &&
        (split.used != whole.used || split.status != whole.status ||
         split.keep_alive != whole.keep_alive || split.body_len != whole.body_len ||
         split.nhdrs != whole.nhdrs || split.body_n != whole.body_n ||
         memcmp(split.body, whole.body, whole.body_n) || split.hdrs_n != whole.hdrs_n ||
         memcmp(split.hdrs, whole.hdrs, whole.hdrs_n)))
        abort();
    return 0;
}
