/* trace.h — `--trace N` and `validate --dry-run`: the first N requests and responses of
 * one virtual user printed in full (secrets redacted), with the values its extracts took. */
#ifndef SURGE_FLOW_TRACE_H
#define SURGE_FLOW_TRACE_H

#include <stdio.h>
#include <sys/uio.h>

#include "engine/http1.h"

/* Bodies are shown up to this many bytes, then "... (N more bytes)". */
#define TRACE_BODY_MAX 2048

/* One trace. Used by one thread at a time (the first worker's VU 1, or quick mode's
 * first connection); not thread-safe. */
typedef struct trace trace;

/* A trace that prints up to n request/response pairs on f. NULL when out of memory. */
trace *trace_new(FILE *f, long n);

/* Free it. NULL is fine. */
void trace_free(trace *t);

/* 1 while more requests are to be printed (callers capture the response then). The
 * only call on the hot path, behind a NULL check of the trace pointer. */
int trace_want(const trace *t);

/* Print one request: a "--- NAME ---" line (what: "scenario s, VU 1, step 'login'"),
 * then the head in iov[0] line by line ("> " prefixed, secret headers redacted) and
 * the body (the other iovecs) up to TRACE_BODY_MAX bytes, non-printable bytes as \xNN.
 * Counts one of the n. Nothing when !trace_want. */
void trace_request(trace *t, const char *what, const struct iovec *iov, int iovcnt);

/* A request that could not be built: "--- NAME ---" and "= not sent: FAILED (CLS):
 * REASON". Counts one of the n. Nothing when !trace_want. */
void trace_skip(trace *t, const char *what, const char *cls, const char *reason);

/* Print the response to the last traced request: "< STATUS", each captured header
 * ("< " prefixed, redacted), the captured body up to TRACE_BODY_MAX bytes (body_len:
 * the whole body's length). Or, when status is 0, "< (no response: REASON)". */
void trace_response(trace *t, int status, const http1_resp *r, const char *reason);

/* Print "= NOTE" after the last traced response (a value an extract took, "expect:
 * ok"). Only when the last request was traced. printf-style. */
void trace_note(trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print an extracted value: "= extract VAR = VALUE" (VALUE up to TRACE_BODY_MAX bytes).
 * Taken whole from header `header` (else NULL): redacted as that header's value would be
 * (redact_header); else with secret (a cookie's value, or a regex's part of a secret
 * header): redacted whole (redact_value). */
void trace_value(trace *t, const char *var, const char *v, size_t n, const char *header,
                 int secret);

/* Whether the last request went into the trace (notes and responses go with it). */
int trace_open(const trace *t);

#endif
