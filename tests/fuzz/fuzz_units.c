/* fuzz_units.c — libFuzzer target: duration and size parsing on arbitrary strings. */
#include "util/units.h"

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
    char buf[32];
    uint64_t v = 12345;
    if (units_parse_duration(s, 0, &v) != 0 && v != 12345)
        abort(); /* out-parameter set on failure */
    v = 12345;
    if (units_parse_duration(s, 1000000, &v) == 0)
        units_fmt_us((double)v, buf, sizeof buf); /* what was parsed can be printed */
    else if (v != 12345)
        abort();
    v = 12345;
    if (units_parse_size(s, &v) == 0)
        units_fmt_bytes((double)v, buf, sizeof buf);
    else if (v != 12345)
        abort();
    free(s);
    return 0;
}
