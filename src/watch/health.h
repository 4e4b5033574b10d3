/* health.h — the `health` watch source: probes a URL every interval (http_get); a probe
 * succeeds on a 2xx answer; uptime = successful probes / all probes; consecutive failed
 * probes make one outage (its start, length and first reason). */
#ifndef SURGE_WATCH_HEALTH_H
#define SURGE_WATCH_HEALTH_H

#include "watch/source.h"

struct watch_health_cfg {
    const char *url;   /* http:// or https:// (borrowed) */
    double timeout_s;  /* per probe (0: 2 s) */
    int insecure;      /* https: do not verify the certificate */
};

struct health_outage {
    double start_s;    /* the first failed probe's t (the t the watch passed to sample) */
    double end_s;      /* the next successful probe's t; open: the last failed probe's t */
    int open;          /* still down at the last probe */
    char reason[160];  /* the first failed probe's reason */
};

/* A copy of the probes so far (safe while sampling goes on). */
struct health_stats {
    const char *url;   /* the URL probed (the source's) */
    long probes;       /* probes made */
    long failed;       /* of which failed (no answer, or not 2xx) */
    struct health_outage *outages; /* malloc'd (free it), in time order */
    int noutages;
};

/* Values: health.up (1/0) every probe, health.latency_ms when it answered.
 * @return the source, or NULL with a reason in err (no URL). */
wsrc *wsrc_health_new(const struct watch_health_cfg *c, char *err, int errlen);

/* The probes and outages so far (s must be a health source). @return 0, or -1 (memory). */
int wsrc_health_stats(wsrc *s, struct health_stats *out);

#endif
