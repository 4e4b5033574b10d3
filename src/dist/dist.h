/* dist.h — the hooks a distributed launcher (surge-mpi, src/dist/mpi/) installs into
 * `surge run` without the plain build knowing MPI: the share this process runs and the
 * common start of the load. Unset (the plain build), a run is the whole plan, alone. */
#ifndef SURGE_DIST_DIST_H
#define SURGE_DIST_DIST_H

#include "exec/segment.h"

struct dist_hooks {
    struct segment segment;  /* this process's share (rank r of n: {r, n}) */
    int quiet;               /* 1: not the reporting process: no live view, no summary */
    /* Called on the main thread just before load starts (after the watch's baseline, also
     * when a signal came in it, so every process calls it once): returns at the instant
     * all processes start together (a barrier, then a common start time). */
    void (*start_sync)(void *ud);
    void *ud;
};

/* Install h (borrowed: it must outlive the run; NULL removes). */
void dist_set(const struct dist_hooks *h);

/* The installed hooks, or NULL. */
const struct dist_hooks *dist_get(void);

#endif
