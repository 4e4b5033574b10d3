/* gpu.h — parsing nvidia-smi's CSV query output (the `gpu` watch source's input). */
#ifndef SURGE_WATCH_GPU_H
#define SURGE_WATCH_GPU_H

#include <stddef.h>

/* One GPU's line of `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total
 * --format=csv,noheader,nounits`. A field nvidia-smi gives as [N/A] or [Not Supported]
 * is absent (its has_ flag 0). */
struct gpu_reading {
    int index;
    double util_pct;      /* utilization.gpu, % */
    double mem_used_mib;  /* memory.used, MiB */
    double mem_total_mib; /* memory.total, MiB */
    int has_util, has_used, has_total;
};

/* Parse len bytes of that output (no NUL needed) into out[0..max). Blank lines and CRLF
 * are fine. @return the number of GPUs (0 for empty output), or -EINVAL with "line N: why"
 * in err for anything else (a line without 4 fields, a bad index or number, more than
 * max GPUs). */
int gpu_parse_smi(const char *text, size_t len, struct gpu_reading *out, int max, char *err,
                  int errlen);

#endif
