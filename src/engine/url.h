/* url.h — parsing of the http:// and https:// URLs surge is pointed at. */
#ifndef SURGE_ENGINE_URL_H
#define SURGE_ENGINE_URL_H

#include <stdint.h>

struct url {
    int tls;           /* 1 for https */
    char *host;        /* host name or IP literal, without IPv6 brackets */
    int host_is_ip;    /* host is an IPv4 or IPv6 literal (no SNI, verify the IP) */
    uint16_t port;     /* explicit or the scheme's default */
    int port_explicit; /* the URL named the port */
    char *path;        /* path and query, starting with '/' ("/" when absent) */
    char *authority;   /* the Host header value: host[:port], IPv6 in brackets */
};

/* Parse an absolute http(s) URL. On error returns -1 and writes a one-line reason
 * ("unsupported scheme 'ftp'", "bad port '99999'") into err; `out` is then untouched.
 * Userinfo (user@) and fragments (#...) are rejected / stripped respectively. */
int url_parse(const char *s, struct url *out, char *err, int errlen);

/* Free the strings of a parsed URL (not the struct); safe on a zeroed struct. */
void url_free(struct url *u);

#endif
