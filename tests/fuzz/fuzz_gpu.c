/* fuzz_gpu.c — libFuzzer target: nvidia-smi's CSV output parser on arbitrary bytes (no NUL:
 * it must stay within len), checking what it returns. */
#include "watch/gpu.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct gpu_reading r[4];
    char err[64];
    int n = gpu_parse_smi(s, size, r, 4, err, (int)(size % 2 ? sizeof err : 6));
    if (n > 4 || (n < 0 && n != -EINVAL) || (n < 0 && strlen(err) >= sizeof err))
        abort();
    for (int i = 0; i < n; i++)
        if (r[i].index < 0 || (r[i].has_util != 0 && r[i].has_util != 1))
            abort();
    free(s);
    return 0;
}
