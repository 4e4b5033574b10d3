/* fdlim.h — file descriptors a run needs vs RLIMIT_NOFILE: raise the soft limit, or say so. */
#ifndef SURGE_EXEC_FDLIM_H
#define SURGE_EXEC_FDLIM_H

#include <stdint.h>

struct plan;

/* Descriptors surge keeps for itself besides one per connection: stdio, the loops'
 * event fds and timers, output files, the watch's sockets. */
#define FDLIM_RESERVE 64

/* Connections one VU of scenario i of p may hold: 1 (the target's), plus one per other
 * origin its flow's request steps go to (plan.md: Other origins). */
int fdlim_conns_per_vu(const struct plan *p, int scenario);

/* The most connections one scenario of p holds at once (its VUs times
 * fdlim_conns_per_vu), that scenario's index (-1 when there are none), and the sum over
 * all scenarios (what overlapping scenarios could hold together). */
void fdlim_plan_vus(const struct plan *p, uint64_t *peak_one, int *peak_scenario,
                    uint64_t *sum_all);

/* Make room for `conns` connections (+ FDLIM_RESERVE) in RLIMIT_NOFILE: when the soft
 * limit is lower than hope + FDLIM_RESERVE (hope: what the run may use at most, >= conns;
 * 0: conns) it is raised toward that, up to the hard limit.
 * @return 0 when conns fit (the limit may have been raised); -EMFILE when even the hard
 * limit is too low, with a one-line reason in err: "WHAT needs about 5064 file
 * descriptors (5000 connections + 64), but ulimit -n is 1024 (hard limit 1024): FIX or
 * raise the limit (ulimit -n 5064)" (what: "-c 5000"; fix: "lower -c"); -errno when
 * getrlimit fails. */
int fdlim_ensure(uint64_t conns, uint64_t hope, const char *what, const char *fix, char *err,
                 int errlen);

#endif
