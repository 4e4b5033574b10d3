/* tls.c — OpenSSL client context and per-connection setup; I/O is in conn.c. */
#include "engine/tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

SSL_CTX *tls_ctx_new(const struct tls_opts *opts, char *err, int errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, (size_t)errlen, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
    if (opts && opts->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            snprintf(err, (size_t)errlen, "cannot load the system's CA certificates");
            goto fail;
        }
    }
    if (opts && opts->cacert) {
        FILE *f = fopen(opts->cacert, "r");
        if (!f) {
            snprintf(err, (size_t)errlen, "cannot read CA file '%s': %s", opts->cacert,
                     strerror(errno));
            goto fail;
        }
        fclose(f);
        if (SSL_CTX_load_verify_locations(ctx, opts->cacert, NULL) != 1) {
            snprintf(err, (size_t)errlen, "CA file '%s' holds no PEM certificate", opts->cacert);
            goto fail;
        }
    }
    return ctx;
fail:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

void tls_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

SSL *tls_new_conn(SSL_CTX *ctx, int fd, const char *host, int host_is_ip)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return NULL;
    SSL_set_fd(ssl, fd);
    SSL_set_connect_state(ssl);
    if (!host_is_ip)
        SSL_set_tlsext_host_name(ssl, host);
    if (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        if (host_is_ip)
            X509_VERIFY_PARAM_set1_ip_asc(param, host);
        else {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            X509_VERIFY_PARAM_set1_host(param, host, 0);
        }
    }
    return ssl;
}

const char *tls_error_reason(SSL *ssl, char *buf, int len)
{
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    unsigned long e = ERR_peek_last_error();
    if (v != X509_V_OK)
        snprintf(buf, (size_t)len, "certificate verify failed: %s",
                 X509_verify_cert_error_string(v));
    else if (e)
        ERR_error_string_n(e, buf, (size_t)len);
    else
        snprintf(buf, (size_t)len, "handshake failed");
    return buf;
}
