/* fuzz_plan.c — libFuzzer target: plan_load on arbitrary files (YAML syntax, the walk,
 * every check and its message), then plan_free. Payloads stay tiny: one data entry may
 * read or generate at most 16 KB, so a fuzzed `generate:` or `glob:` cannot stall a run. */
#include "plan/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void cleanup(void)
{
    if (path[0])
        unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/surge-fuzz-plan-XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        atexit(cleanup);
    }
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    const char *vars[] = {"fuzz=1"};
    struct plan_overrides ov = {
        .vars = vars, .nvars = 1, .time_scale = 0.5, .max_payload_bytes = 16 * 1000};
    struct plan *p = NULL;
    char *errors = NULL;
    int rc = plan_load(path, &ov, &p, &errors);
    if (rc == 0) {
        if (!p || errors)
            abort(); /* success sets the plan and no errors */
        if (plan_exec_name(EXEC_LADDER) == NULL)
            abort();
        for (int i = 0; i < p->nscenarios; i++)
            if (p->scenarios[i].flow < 0 || p->scenarios[i].flow >= p->nflows)
                abort();
        plan_free(p);
    } else {
        /* failure: at least one line, each ending in a newline */
        if (!errors || !*errors || errors[strlen(errors) - 1] != '\n')
            abort();
        free(errors);
    }
    return 0;
}
