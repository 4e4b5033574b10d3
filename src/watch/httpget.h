/* httpget.h — a small blocking HTTP/1.1 GET for the watch thread (Prometheus scrapes,
 * PromQL queries, health probes, readiness checks): http:// and https://, one request
 * per connection, bounded in time and size. Never used on the load path. */
#ifndef SURGE_WATCH_HTTPGET_H
#define SURGE_WATCH_HTTPGET_H

#include <stddef.h>

struct http_get_opts {
    double timeout_s;       /* connect + request + response, in all (0: 5 s) */
    size_t max_body;        /* larger bodies fail with "body over N bytes" (0: 16 MiB) */
    int insecure;           /* https: do not verify the certificate */
    const char *cacert;     /* https: also trust this PEM file (NULL: none) */
    const char *accept;     /* Accept header value (NULL: none sent) */
};

struct http_get_result {
    int status;             /* the response's status code */
    char *body;             /* NUL-terminated (owned; http_get_result_free) */
    size_t body_len;
    double elapsed_ms;      /* from the call (name lookup included) to the last byte */
};

/* GET url. Any complete response fills res (whatever its status) and returns 0;
 * otherwise -1 with a short reason in err naming the URL ("http://127.0.0.1:9/metrics:
 * connection refused", "...: timed out after 2 s", "...: bad URL: ..."). Thread-safe; a
 * SIGPIPE it causes (a TLS peer that closed) is blocked in the calling thread and dropped. */
int http_get(const char *url, const struct http_get_opts *o, struct http_get_result *res,
             char *err, int errlen);
void http_get_result_free(struct http_get_result *r); /* NULL is fine */

#endif
