/* fdlim.c — connections vs RLIMIT_NOFILE, checked and raised before a run starts. */
#include "exec/fdlim.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

#include "plan/plan.h"

static uint64_t scenario_vus(const struct plan_scenario *sc)
{
    uint64_t n = 0;
    switch (sc->exec) {
    case EXEC_LADDER:
        for (int i = 0; i < sc->nlevels; i++)
            if ((uint64_t)sc->levels[i] > n)
                n = (uint64_t)sc->levels[i];
        break;
    case EXEC_RAMPING_VUS:
        n = sc->start_vus > 0 ? (uint64_t)sc->start_vus : 0;
        for (int i = 0; i < sc->nstages; i++)
            if (sc->stages[i].target > (double)n)
                n = (uint64_t)(sc->stages[i].target + 0.999);
        break;
    case EXEC_CONSTANT_ARRIVAL_RATE:
    case EXEC_RAMPING_ARRIVAL_RATE:
    case EXEC_CAPACITY:
        n = sc->max_vus > 0 ? (uint64_t)sc->max_vus : 0;
        break;
    default:
        n = sc->vus > 0 ? (uint64_t)sc->vus : 0;
    }
    return n;
}

int fdlim_conns_per_vu(const struct plan *p, int scenario)
{
    const struct plan_scenario *sc = &p->scenarios[scenario];
    if (sc->flow < 0 || sc->flow >= p->nflows)
        return 1;
    const struct plan_flow *f = &p->flows[sc->flow];
    int n = 1;
    for (int o = 1; o <= p->norigins; o++) {
        for (int i = 0; i < f->nsteps; i++) {
            if (f->steps[i].kind == STEP_REQUEST && f->steps[i].origin == o) {
                n++;
                break;
            }
        }
    }
    return n;
}

void fdlim_plan_vus(const struct plan *p, uint64_t *peak_one, int *peak_scenario,
                    uint64_t *sum_all)
{
    uint64_t peak = 0, sum = 0;
    int at = -1;
    for (int i = 0; i < p->nscenarios; i++) {
        uint64_t n = scenario_vus(&p->scenarios[i]) * (uint64_t)fdlim_conns_per_vu(p, i);
        if (at < 0 || n > peak)
            peak = n, at = i;
        sum += n;
    }
    *peak_one = peak;
    *peak_scenario = at;
    *sum_all = sum;
}

int fdlim_ensure(uint64_t conns, uint64_t hope, const char *what, const char *fix, char *err,
                 int errlen)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return -errno;
    uint64_t need = conns + FDLIM_RESERVE;
    uint64_t want = (hope > conns ? hope : conns) + FDLIM_RESERVE;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        struct rlimit nl = rl;
        nl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        if (!setrlimit(RLIMIT_NOFILE, &nl))
            rl = nl;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return 0;
    snprintf(err, (size_t)errlen,
             "%s needs about %llu file descriptors (%llu connections + %d), but ulimit -n is "
             "%llu (hard limit %llu): %s or raise the limit (ulimit -n %llu)",
             what, (unsigned long long)need, (unsigned long long)conns, FDLIM_RESERVE,
             (unsigned long long)rl.rlim_cur,
             (unsigned long long)(rl.rlim_max == RLIM_INFINITY ? rl.rlim_cur : rl.rlim_max), fix,
             (unsigned long long)need);
    return -EMFILE;
}
