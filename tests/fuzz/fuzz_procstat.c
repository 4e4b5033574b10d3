/* fuzz_procstat.c — libFuzzer target: /proc/PID/stat text (the command name in it is
 * whatever the watched process calls itself, so it is outside input). */
#include "watch/proc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so an over-read is caught by ASan */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct proc_stat st;
    if (proc_parse_stat(s, size, &st) == 0) {
        if (st.pid <= 0 || st.ppid < 0 || st.threads < 0 || st.rss_pages < 0)
            abort();
    }
    free(s);
    return 0;
}
