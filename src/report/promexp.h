/* promexp.h — `--prometheus-listen ADDR:PORT`: surge's own live figures served in the
 * Prometheus text exposition format (version 0.0.4) at /metrics from the main loop, so an
 * existing Prometheus/Grafana watches the test while it runs. */
#ifndef SURGE_REPORT_PROMEXP_H
#define SURGE_REPORT_PROMEXP_H

#include <ev.h>
#include <jansson.h>

typedef struct promexp promexp; /* opaque */

/* Parse "HOST:PORT" (an IPv4 address, "localhost", or "[IPv6]"; port 0 picks a free one).
 * @return 0, or -1 with a reason naming the value in err. */
int promexp_parse_addr(const char *addr, char *err, int errlen);

/* Listen on addr and serve from loop (started here; stopped by promexp_free). plan and
 * target label surge_run_info. @return 0 and *out, or -1 with a reason in err. */
int promexp_new(struct ev_loop *loop, const char *addr, const char *plan, const char *target,
                promexp **out, char *err, int errlen);

/* The port actually listened on (for port 0). */
int promexp_port(const promexp *p);

/* Take one merged second (a series.ndjson line: {"t_run", "scenarios": {NAME: point},
 * "watch": {NAME: value}}): counters add up, gauges take this second's values. */
void promexp_second(promexp *p, const json_t *line);

/* Stop serving and free; NULL is fine. */
void promexp_free(promexp *p);

#endif
