/* origin.h — origins (scheme, host, port) of absolute URLs: the normalised key that
 * tells two URLs' servers apart, and a resolved origin that connections go to (its own
 * address, Host header, SNI, certificate name and TLS context). */
#ifndef SURGE_ENGINE_ORIGIN_H
#define SURGE_ENGINE_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/conn.h"
#include "engine/url.h"

/* Longest key origin_key writes, its NUL included. */
#define ORIGIN_KEY_MAX 300

/* The origin of the absolute http(s) URL s as a key: "http://host:port", the scheme
 * and host lower-cased, the port always written (80/443 when the URL names none), an
 * IPv6 literal in brackets. Two URLs reach the same server exactly when their keys are
 * equal. *prefix (may be NULL) gets the length of the origin part of s as written
 * (scheme://authority, before the path, query or fragment).
 * @return 0, or -1 with a one-line reason in err (not a URL, bad port, userinfo, a key
 * over ORIGIN_KEY_MAX). */
int origin_key(const char *s, char *key, size_t keylen, size_t *prefix, char *err, int errlen);

/* An origin connections can go to: resolved once, with its own TLS context for https. */
struct origin {
    struct url url;           /* host, port, tls, authority (the Host header) */
    struct conn_target target;/* what conn_new takes: address, TLS, SNI and name */
    SSL_CTX *tls;             /* owned; NULL for http */
};

/* Resolve the origin of absolute URL s (getaddrinfo, the first address) and make its
 * TLS context when https (insecure/cacert as for the target). connect_timeout_us goes
 * into its target; no reach tracking, no source addresses.
 * @return 0, or -1 with a one-line reason in err ("cannot resolve host 'x': Name or
 * service not known"); o is then zeroed. */
int origin_open(struct origin *o, const char *s, int insecure, const char *cacert,
                uint64_t connect_timeout_us, char *err, int errlen);

/* Free what origin_open made; safe on a zeroed struct. */
void origin_close(struct origin *o);

#endif
