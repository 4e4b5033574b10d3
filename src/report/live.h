/* live.h — the live terminal view of a run: on a TTY one status line rewritten in place
 * each second (scenario, elapsed/total with a progress bar, VUs, rps, p95, errors, watched
 * memory); elsewhere one plain line per running scenario each second. */
#ifndef SURGE_REPORT_LIVE_H
#define SURGE_REPORT_LIVE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

typedef struct live live; /* opaque */

/* One running scenario's figures for the second just merged. */
struct live_row {
    const char *scenario;
    double elapsed_s;
    double total_s;     /* planned length, 0 when it depends on the responses */
    double done;        /* progress 0..1, or < 0 when unknown */
    const char *detail; /* "level 2/5 (20 VUs)", "it 30/100", or NULL */
    int vus;
    double rps, p95_ms;
    uint64_t failed;    /* of the second's requests */
    uint64_t errors;    /* of those, transport/flow error classes */
    int arrival;        /* an arrival-rate executor: dropped is shown, even when 0 */
    uint64_t dropped;   /* arrival rates: iterations due this second but not started */
    uint64_t refused;   /* connect attempts refused this second (shown when any) */
    int has_ws;         /* the flow has opened a WebSocket: ws is shown */
    uint64_t ws;        /* WebSockets open at the second's end */
};

/* A view writing to f. tty: 1 status line in place, 0 plain lines, -1 decide by isatty(f).
 * NULL f or out of memory: NULL (and every live_ call on NULL does nothing). */
live *live_new(FILE *f, int tty);

/* The watched figures of the last second (a series.ndjson line's "watch" object): the
 * status shows the first *_bytes metric (memory). NULL or {}: none shown. */
void live_watch(live *l, const json_t *watch);

/* Show second t of the run (seconds since load began) for the running scenarios. */
void live_update(live *l, uint32_t t, const struct live_row *rows, int n);

/* On a TTY: end the status line (kept on screen) so what follows starts on its own line. */
void live_end(live *l);

/* A message on its own line (e.g. the self-check's "surge was saturated from 00:41"), the
 * status line cleared first on a TTY. NULL l: nothing. */
void live_note(live *l, const char *msg);

void live_free(live *l); /* NULL is fine */

#endif
