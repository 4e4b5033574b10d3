/* promql.h — reading a Prometheus /api/v1/query_range answer (the `promql` watch source's
 * input) into watch values. */
#ifndef SURGE_WATCH_PROMQL_H
#define SURGE_WATCH_PROMQL_H

#include "watch/source.h"

#include <stddef.h>

/* Parse len bytes of a query_range response (JSON, no NUL needed) and emit each point of
 * each series as `name` (one series) or `name{label="v",...}` (several; labels sorted,
 * __name__ left out) at t = its timestamp - wall_t0. NaN points are skipped.
 * @return the number of points emitted (0: the query matched nothing), or -1 with a reason
 * in err: "Prometheus: <its error text>" for status "error", "bad JSON: ..." and
 * "unexpected answer: ..." for anything else. */
int promql_parse_range(const char *body, size_t len, const char *name, double wall_t0,
                       struct watch_emit *em, char *err, int errlen);

/* Percent-encode s (all but A-Z a-z 0-9 - . _ ~) into buf (n bytes with the NUL).
 * @return the length it needs, like snprintf. */
int promql_urlencode(char *buf, size_t n, const char *s);

#endif
