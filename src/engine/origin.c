/* origin.c — origin keys of absolute URLs, and resolved origins (address, TLS context)
 * for steps that go to a server other than the target. */
#include "engine/origin.h"

#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "engine/tls.h"

/* Length of scheme://authority at the start of s (0 when s has no "://"). */
static size_t prefix_len(const char *s)
{
    const char *h = strstr(s, "://");
    if (!h)
        return 0;
    h += 3;
    return (size_t)(h + strcspn(h, "/?#") - s);
}

/* Parse only the origin part of s (the path may hold template text url_parse refuses). */
static int parse_origin(const char *s, struct url *u, size_t *plen, char *err, int errlen)
{
    size_t n = prefix_len(s);
    char buf[ORIGIN_KEY_MAX];
    if (n == 0) /* url_parse says why */
        return url_parse(s, u, err, errlen);
    if (n >= sizeof buf) {
        snprintf(err, (size_t)errlen, "origin too long in '%.60s...'", s);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (url_parse(buf, u, err, errlen))
        return -1;
    *plen = n;
    return 0;
}

int origin_key(const char *s, char *key, size_t keylen, size_t *prefix, char *err, int errlen)
{
    struct url u;
    size_t n = 0;
    if (!s || !key || parse_origin(s, &u, &n, err, errlen))
        return -1;
    int v6 = strchr(u.host, ':') != NULL;
    int w = snprintf(key, keylen, v6 ? "%s://[%s]:%u" : "%s://%s:%u", u.tls ? "https" : "http",
                     u.host, u.port);
    url_free(&u);
    if (w < 0 || (size_t)w >= keylen) {
        snprintf(err, (size_t)errlen, "origin too long in '%.60s...'", s);
        return -1;
    }
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (prefix)
        *prefix = n;
    return 0;
}

int origin_open(struct origin *o, const char *s, int insecure, const char *cacert,
                uint64_t connect_timeout_us, char *err, int errlen)
{
    size_t n;
    char e2[256];
    memset(o, 0, sizeof *o);
    if (parse_origin(s, &o->url, &n, err, errlen))
        return -1;
    if (!o->url.host || !o->url.authority) {
        snprintf(err, (size_t)errlen, "out of memory");
        goto fail;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    char port[8];
    snprintf(port, sizeof port, "%u", o->url.port);
    int rc = getaddrinfo(o->url.host, port, &hints, &res);
    if (rc) {
        snprintf(err, (size_t)errlen, "cannot resolve host '%s': %s", o->url.host,
                 gai_strerror(rc));
        goto fail;
    }
    memcpy(&o->target.addr, res->ai_addr, res->ai_addrlen);
    o->target.addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    o->target.host = o->url.host;
    o->target.host_is_ip = o->url.host_is_ip;
    o->target.connect_timeout_us = connect_timeout_us;
    if (o->url.tls) {
        struct tls_opts to = {.insecure = insecure, .cacert = cacert};
        if (!(o->tls = tls_ctx_new(&to, e2, sizeof e2))) {
            snprintf(err, (size_t)errlen, "TLS: %s", e2);
            goto fail;
        }
        o->target.tls = o->tls;
    }
    return 0;
fail:
    origin_close(o);
    return -1;
}

void origin_close(struct origin *o)
{
    if (!o)
        return;
    tls_ctx_free(o->tls);
    url_free(&o->url);
    memset(o, 0, sizeof *o);
}
