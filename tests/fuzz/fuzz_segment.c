/* fuzz_segment.c — libFuzzer target: --segment K/N parsing on arbitrary strings. */
#include "exec/segment.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct segment g = {-7, -7};
    if (segment_parse(s, &g) == 0) {
        if (g.k < 0 || g.n < 1 || g.k >= g.n || g.n > SEGMENT_MAX_N)
            abort();
        char buf[32];
        struct segment back;
        if (segment_parse(segment_format(g, buf, sizeof buf), &back) || back.k != g.k ||
            back.n != g.n)
            abort(); /* what was parsed prints back to the same share */
        if (segment_count(g, 1000) > 1000)
            abort();
    } else if (g.k != -7 || g.n != -7) {
        abort(); /* out-parameter set on failure */
    }
    free(s);
    return 0;
}
