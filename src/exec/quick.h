/* quick.h — the executor behind `surge URL`: C connections, each one virtual user
 * repeating one request, closed (next request when the response is in) or open
 * (each connection sends at its share of the rate, latency from the intended time). */
#ifndef SURGE_EXEC_QUICK_H
#define SURGE_EXEC_QUICK_H

#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include <jansson.h>

#include "engine/conn.h"
#include "report/results.h"

struct quick_plan {
    const struct conn_target *target;
    const struct iovec *iov; /* the request: head, then body; shared by all */
    int iovcnt;
    int is_head;
    uint64_t timeout_us;     /* per request */
    int connections;         /* >= 1 */
    int threads;             /* 1..connections */
    uint64_t duration_us;    /* 0: until count is reached */
    uint64_t count;          /* 0: until the duration ends; else exactly this many */
    double rate;             /* requests/s over all connections; 0: closed model */
    int co_correct;          /* open model: latency from the intended send time */
    uint64_t abort_unreachable_us; /* stop when target->reach shows no connect succeeded
                                      and connects failed for this long (0: never) */
    FILE *notes;             /* where the self-check says surge was saturated, as it
                                happens (stderr), or NULL (--quiet: results.json and the
                                summary still say it) */
    int on_saturation_abort; /* --on-saturation abort: stop (out->saturated_abort) once the
                                self-check finds surge saturated; 0: warn only */
    struct trace *trace;     /* --trace: the first connection prints its exchanges here
                                (flow/trace.h), or NULL */
    /* Called on the main thread once per merged second, in order (the last, partial ones
     * after the load stops), with that second's series.ndjson line (docs/model.md):
     * {"t_run": N, "scenarios": {"quick": point}, "watch": {}} (borrowed: valid only during
     * the call; "watch" left empty for the watch stage). NULL: not called. */
    void (*on_second)(void *ud, const json_t *line);
    void *on_second_ud;
};

typedef struct quick_run quick_run; /* opaque: keeps the statistics results point at */

/* Run the plan on this thread's default libev loop until the duration ends, the
 * count is done, SIGINT/SIGTERM (then out->interrupted is set), or the target proved
 * unreachable (then out->unreachable is set). Fills out
 * (one scenario named "quick"); its pointers stay valid until quick_run_free.
 * @return the run, or NULL with a reason in err (threads or memory). */
quick_run *quick_run_start(const struct quick_plan *p, struct run_result *out, char *err,
                           int errlen);
void quick_run_free(quick_run *q); /* NULL is fine */

#endif
