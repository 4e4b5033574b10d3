/* fuzz_trace.c — libFuzzer target: arbitrary bytes as a request head and body (split where
 * the first byte says, the body in two iovecs) printed by trace_request, and as an
 * extracted value (plain, or redacted as a cookie); the output must end in '\n' and hold
 * nothing but printable ASCII, tabs and newlines. */
#include "flow/trace.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cut = 1 + data[0] * (size - 1) / 256, mid = cut + (size - cut) / 2;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return 0;
    trace *t = trace_new(f, 2);
    if (!t) {
        fclose(f);
        return 0;
    }
    struct iovec iov[3] = {{(void *)(data + 1), cut - 1},
                           {(void *)(data + cut), mid - cut},
                           {(void *)(data + mid), size - mid}};
    trace_request(t, "fuzz", iov, 3);
    trace_value(t, "v", (const char *)data + 1, size - 1, (data[0] & 1) ? "Set-Cookie" : NULL,
                data[0] & 2);
    trace_value(t, "w", (const char *)data + 1, size - 1, "Cookie", 1);
    trace_free(t);
    fclose(f);
    if (len && out[len - 1] != '\n')
        abort();
    for (size_t i = 0; i < len; i++) { /* outside bytes never reach the terminal raw */
        unsigned char c = (unsigned char)out[i];
        if ((c < ' ' && c != '\t' && c != '\n') || c >= 0x7f)
            abort();
    }
    free(out);
    return 0;
}
