/* jobs.h — the `jobs` profile: an asynchronous 2D-to-3D GPU job service (submit an image, poll
 * the job, fetch the model, follow progress over WebSocket) with GPU slots, a FIFO queue,
 * cold/warm durations, real memory per running job, injected failures, OOM and leaks. */
#ifndef SURGE_TESTBED_JOBS_H
#define SURGE_TESTBED_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "server.h"

struct jobs_opts {
    int enabled;           /* --profile jobs was given (until main.c owns --profile) */
    long gpu_slots;        /* --gpu-slots: jobs running at once */
    long queue_limit;      /* --queue-limit: jobs waiting; more submits are answered 503 */
    double job_s;          /* --job-s: warm job duration, seconds, before --time-scale */
    double cold_job_s;     /* --cold-job-s: the first job's duration */
    double jitter;         /* --job-jitter: durations vary uniformly by +- this fraction */
    double time_scale;     /* --time-scale: multiplies every duration */
    uint64_t job_mem;      /* --job-mem: bytes mapped and touched per running job */
    uint64_t leak_per_job; /* --leak-per-job: bytes allocated, touched, never freed per job */
    double fail_rate;      /* --fail-rate: share of jobs failing at a random point */
    double ws_drop_rate;   /* --ws-drop-rate: share of job WebSockets dropped (no close frame)
                              after their second message */
    long oom_above;        /* --oom-above: jobs beyond this many running fail; -1 = never */
    uint64_t result_bytes; /* --result-size: bytes of GET /api/jobs/{id}/result */
    tb_metrics *metrics;   /* registry to write to; NULL: jobs_register makes its own and serves
                            * it at GET /metrics (until the server owns one: srv_metrics) */
};

/* Fills o with the defaults (3 slots, queue 50, 82 s warm, 167 s cold, jitter 0.05, scale 1,
 * 64 MiB per job, no leak, no failures, no OOM, 300 KiB results). */
void jobs_opts_default(struct jobs_opts *o);

/* Offers one command-line flag: name as typed ("--gpu-slots"), value (NULL if none followed
 * it). Returns 1 if it was a jobs flag and is set, 0 if it is not a jobs flag (nothing read,
 * whatever value is), or -1 with a one-line message in err for a missing or bad value. Takes
 * --profile only for the value "jobs" (sets enabled) and --time-scale as well. */
int jobs_flag(struct jobs_opts *o, const char *name, const char *value, char *err, size_t errlen);

/* The jobs flags and routes for --help. */
const char *jobs_usage(void);

/* Registers POST /api/generate, GET /api/jobs/{id}, GET /api/jobs/{id}/result and
 * GET /ws/jobs/{id} (and GET /metrics when o->metrics is NULL) on s. One jobs service per
 * process. Returns 0, -EBUSY (already registered) or -ENOMEM. */
int jobs_register(tb_server *s, const struct jobs_opts *o);

/* Stops every timer and WebSocket and frees the service (memory of running jobs included;
 * leaked blocks stay leaked). Call before srv_free. No-op if not registered. */
void jobs_unregister(void);

#endif
