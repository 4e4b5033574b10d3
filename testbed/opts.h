/* opts.h — surge-testbed's command-line options, filled by main.c and handed to each
 * profile's register function. Durations are milliseconds as given (not yet multiplied by
 * --time-scale: the profiles scale them with srv_time_scale). */
#ifndef SURGE_TESTBED_OPTS_H
#define SURGE_TESTBED_OPTS_H

#include "jobs.h"

struct tb_opts {
    const char *listen;   /* --listen HOST:PORT */
    const char *pid_file; /* --pid-file FILE, or NULL */
    int profile;          /* --profile: PROFILE_* bits */
    double time_scale;    /* --time-scale: multiplies every simulated duration */

    /* ---- profile upload (upload.c) ---- */
    const char *access_code; /* --access-code, else $SURGE_TESTBED_ACCESS_CODE, else "letmein" */
    long long workers;       /* --workers: gunicorn-style worker processes */
    long long threads;       /* --threads per worker: workers*threads requests in service */
    long long backlog;       /* --backlog: uploads waiting for a worker; more get 503 */
    double work_ms;          /* --work-ms: processing time per accepted image */
    long long max_sessions;  /* --max-sessions: logins beyond it get 503 */
    double session_ttl_ms;   /* --session-ttl: session lifetime from login */
    long long keep_uploads;  /* --keep-uploads 1: hold image bytes per session until expiry */
    long long csrf;          /* --csrf: login sets a csrftoken cookie; other POSTs need it
                                echoed in X-CSRF-Token (double-submit), else 403 */

    /* ---- profile jobs (jobs.c): parsed by jobs_flag, durations in seconds ---- */
    struct jobs_opts jobs;
};

#endif
