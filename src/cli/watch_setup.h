/* watch_setup.h — the watch made from a plan's `watch:`/`target:` sections or quick
 * mode's flags: sources constructed (a source that cannot be, e.g. a bad selector, is
 * bad input), the target's lifecycle configured with its log in the out dir. */
#ifndef SURGE_CLI_WATCH_SETUP_H
#define SURGE_CLI_WATCH_SETUP_H

#include "plan/plan.h"
#include "watch/watch.h"

/* The watch flags of quick mode and `surge run` (NULL / 0 when not given). */
struct watch_quick {
    int pid;                 /* --watch-pid */
    const char *prom_url;    /* --watch-prom URL */
    const char *health_url;  /* --health URL */
    double interval_s;       /* --watch-interval (0: 1 s) */
    double baseline_s;       /* --watch-baseline (< 0: default 5 s) */
};
/* The watch for a plan, or NULL with *w unset when the plan watches nothing (no
 * watch: section, no target command). out_dir: where target.log goes. The plan must
 * outlive the watch. @return 0 (and *w, NULL when nothing to watch), or -1 with
 * "FILE:LINE:COL: ..." in err (exit 2). */
/* flags (or NULL): `surge run`'s --watch-pid/--watch-prom/--health/--watch-interval/
 * --watch-baseline; a flag's source replaces the plan's of the same kind, the interval
 * and baseline flags the plan's. */
int watch_setup_plan(const struct plan *p, const char *out_dir, const struct watch_quick *flags,
                     watch **w, char *err, int errlen);

/* Quick mode. @return 0 and *w (NULL when no flag asks for a watch), or -1 with a
 * message naming the flag in err (exit 2). */
int watch_setup_quick(const struct watch_quick *q, watch **w, char *err, int errlen);

#endif
