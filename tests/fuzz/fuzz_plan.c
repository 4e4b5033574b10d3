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

/* The input goes to a temp file that is unlinked at once and read back through
 * /proc/self/fd: nothing is left in /tmp even when a run ends in a crash or a timeout. */
static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        char tmp[] = "/tmp/surge-fuzz-plan-XXXXXX";
        fd = mkstemp(tmp);
        if (fd < 0)
            abort();
        unlink(tmp);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();

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
