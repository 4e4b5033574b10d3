/* dist.h — the hooks a distributed launcher (surge-mpi, src/dist/mpi/) installs into
 * `surge run` without the plain build knowing MPI: the share this process runs, the
 * common start of the load and the per-second exchange of figures. Unset (the plain
 * build), a run is the whole plan, alone. */
#ifndef SURGE_DIST_DIST_H
#define SURGE_DIST_DIST_H

#include <jansson.h>

#include "exec/segment.h"

struct dist_hooks {
    struct segment segment;  /* this process's share (rank r of n: {r, n}) */
    int quiet;               /* 1: not the reporting process: no live view, no summary */
    int watch;               /* 1: this process watches the target (and starts a target
                                command) and serves --prometheus-listen; the others do
                                neither (the baseline lines, negative t_run, are not
                                exchanged) */
    /* Called on the main thread just before load starts (after the watch's baseline, also
     * when a signal came in it, so every process calls it once): returns at the instant
     * all processes start together (a barrier, then a common start time). */
    void (*start_sync)(void *ud);
    /* Once per merged second of the run, in order, on every process (each hands over its
     * seconds 0, 1, 2, ...): this process's series.ndjson line and its latency histograms
     * of that second ({SCENARIO: histograms.json entry}, report/histfile.h). On the
     * reporting process *merged gets the whole run's line for that second (a new
     * reference; NULL elsewhere), which its live judge and /metrics then read.
     * @return 1 when the run must stop everywhere (the reporting process's judge asked:
     * abort_on_fail). NULL: not distributed per second. */
    int (*second)(void *ud, const json_t *line, const json_t *hists, json_t **merged);
    /* The reporting process's live judge asked to stop (abort_on_fail): the others are
     * told at the next second. */
    void (*abort)(void *ud);
    /* After the run (on every process, once): take part in the per-second exchange until
     * every process has handed over its last second. */
    void (*seconds_end)(void *ud);
    /* Scenario i starts after the previous one, which has ended here: may it start? 0
     * keeps it waiting (asked again each second) until every process has got there, so
     * all start it together. NULL: at once. */
    int (*may_start)(void *ud, int scenario);
    void *ud;
};

/* Install h (borrowed: it must outlive the run; NULL removes). */
void dist_set(const struct dist_hooks *h);

/* The installed hooks, or NULL. */
const struct dist_hooks *dist_get(void);

#endif
