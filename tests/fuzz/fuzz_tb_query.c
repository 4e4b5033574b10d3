/* fuzz_tb_query.c — libFuzzer target: the testbed's query-string parser (qs_parse, qs_get).
 * Checks: a success gives exactly `count` NUL-terminated pairs filling the output, no longer
 * than the input's pieces; qs_get finds each name's first value. */
#include "query.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tbuf out = {0};
    int count = qs_parse((const char *)data, size, &out);
    if (count < 0) {
        if (count != -EINVAL && count != -ENOMEM)
            abort();
        tbuf_free(&out);
        return 0;
    }
    /* decoding never grows: each pair is at most its piece plus two NULs */
    if (out.len > size + 2 * (size_t)count || (size_t)count > size)
        abort();
    size_t off = 0;
    for (int k = 0; k < count; k++) {
        if (off >= out.len)
            abort();
        const char *name = out.p + off;
        const char *nul = memchr(name, '\0', out.len - off);
        if (!nul)
            abort();
        off = (size_t)(nul - out.p) + 1;
        if (off >= out.len)
            abort();
        const char *val = out.p + off;
        nul = memchr(val, '\0', out.len - off);
        if (!nul)
            abort();
        off = (size_t)(nul - out.p) + 1;
        const char *got = qs_get(&out, count, name);
        if (!got || got > val)
            abort(); /* the first pair with this name, at or before this one */
    }
    if (off != out.len)
        abort();
    tbuf_free(&out);
    return 0;
}
