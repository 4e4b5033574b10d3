/* tls.h — the TLS client context (OpenSSL): verification policy, CA files, SNI. */
#ifndef SURGE_ENGINE_TLS_H
#define SURGE_ENGINE_TLS_H

#include <openssl/ssl.h>

struct tls_opts {
    int insecure;       /* 1: no certificate or host name verification (--insecure) */
    const char *cacert; /* extra CA file (PEM), or NULL (--cacert FILE) */
};

/* Build the one client context every connection of a run shares (SSL_CTX is safe
 * to share across threads for creating connections). Verification against the
 * system's trust store is on unless opts->insecure. ALPN offers http/1.1.
 * @return the context, or NULL with a one-line reason in err ("cannot read CA
 * file 'x.pem': No such file or directory"). */
SSL_CTX *tls_ctx_new(const struct tls_opts *opts, char *err, int errlen);
void tls_ctx_free(SSL_CTX *ctx); /* NULL is fine */

/* A new client SSL on fd for host: SNI set (unless host is an IP literal) and the
 * host name (or IP) checked against the certificate when the context verifies.
 * @return NULL when out of memory. */
SSL *tls_new_conn(SSL_CTX *ctx, int fd, const char *host, int host_is_ip);

/* The reason the last handshake on ssl failed, for logs ("certificate verify
 * failed: self-signed certificate"), written into buf. Returns buf. */
const char *tls_error_reason(SSL *ssl, char *buf, int len);

#endif
