/* fuzz_promql.c — libFuzzer target: a query_range answer read into watch values, on
 * arbitrary bytes (no NUL: it must stay within len), checking what it returns. */
#include "watch/promql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int values; /* emitted in this input */

static void on_value(struct watch_emit *e, const char *name, const char *unit, double t,
                     double v)
{
    (void)e;
    (void)t;
    (void)v;
    if (!name || strncmp(name, "q", 1) != 0 || !unit)
        abort();
    values++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct watch_emit em = {.value = on_value};
    char err[64];
    values = 0;
    int n = promql_parse_range(s, size, "q_bytes", 1.0, &em, err, (int)(size % 2 ? sizeof err : 7));
    if (n < -1 || (n >= 0 && n != values) || (n < 0 && strlen(err) >= sizeof err))
        abort();
    free(s);
    return 0;
}
