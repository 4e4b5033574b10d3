/* url.c — http(s) URL parsing for targets: scheme, host (IPv6 literals), port, path. */
#include "engine/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int fail(char *err, int errlen, const char *fmt, const char *arg, int arglen)
{
    if (err && errlen > 0)
        snprintf(err, (size_t)errlen, fmt, arglen, arg);
    return -1;
}

int url_parse(const char *s, struct url *out, char *err, int errlen)
{
    struct url u = {0};
    const char *p;
    if (!s || !*s)
        return fail(err, errlen, "empty URL%.*s", "", 0);
    if (!strncasecmp(s, "http://", 7)) {
        p = s + 7;
    } else if (!strncasecmp(s, "https://", 8)) {
        u.tls = 1;
        p = s + 8;
    } else {
        const char *colon = strstr(s, "://");
        if (colon)
            return fail(err, errlen, "unsupported scheme '%.*s' (use http:// or https://)", s,
                        (int)(colon - s));
        return fail(err, errlen, "'%.*s' is not a URL (expected http://HOST[:PORT]/PATH)", s,
                    (int)strlen(s));
    }
    size_t auth_len = strcspn(p, "/?#");
    const char *auth = p, *rest = p + auth_len;
    if (memchr(auth, '@', auth_len))
        return fail(err, errlen, "credentials in the URL are not supported: '%.*s'", auth,
                    (int)auth_len);
    const char *host, *port_s = NULL;
    size_t host_len, port_len = 0;
    if (auth_len && auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (!close)
            return fail(err, errlen, "unterminated IPv6 literal in '%.*s'", auth, (int)auth_len);
        host = auth + 1;
        host_len = (size_t)(close - host);
        const char *after = close + 1;
        if (after < auth + auth_len) {
            if (*after != ':')
                return fail(err, errlen, "bad host '%.*s'", auth, (int)auth_len);
            port_s = after + 1;
            port_len = (size_t)(auth + auth_len - port_s);
        }
        char tmp[64];
        struct in6_addr a6;
        if (host_len == 0 || host_len >= sizeof tmp)
            return fail(err, errlen, "bad IPv6 literal '%.*s'", auth, (int)auth_len);
        memcpy(tmp, host, host_len);
        tmp[host_len] = '\0';
        if (inet_pton(AF_INET6, tmp, &a6) != 1)
            return fail(err, errlen, "bad IPv6 literal '%.*s'", host, (int)host_len);
        u.host_is_ip = 1;
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        host = auth;
        host_len = colon ? (size_t)(colon - auth) : auth_len;
        if (colon) {
            port_s = colon + 1;
            port_len = (size_t)(auth + auth_len - port_s);
        }
        if (host_len == 0)
            return fail(err, errlen, "missing host in '%.*s'", s, (int)strlen(s));
        for (size_t i = 0; i < host_len; i++) {
            unsigned char c = (unsigned char)host[i];
            if (!isalnum(c) && c != '-' && c != '.' && c != '_')
                return fail(err, errlen, "bad character in host '%.*s'", host, (int)host_len);
        }
        char tmp[256];
        struct in_addr a4;
        if (host_len < sizeof tmp) {
            memcpy(tmp, host, host_len);
            tmp[host_len] = '\0';
            u.host_is_ip = inet_pton(AF_INET, tmp, &a4) == 1;
        }
    }
    u.port = u.tls ? 443 : 80;
    if (port_s) {
        if (port_len == 0 || port_len > 5)
            return fail(err, errlen, "bad port '%.*s'", port_s, (int)port_len);
        long v = 0;
        for (size_t i = 0; i < port_len; i++) {
            if (!isdigit((unsigned char)port_s[i]))
                return fail(err, errlen, "bad port '%.*s'", port_s, (int)port_len);
            v = v * 10 + (port_s[i] - '0');
        }
        if (v < 1 || v > 65535)
            return fail(err, errlen, "bad port '%.*s' (1-65535)", port_s, (int)port_len);
        u.port = (uint16_t)v;
        u.port_explicit = 1;
    }
    size_t path_len = strcspn(rest, "#");
    for (size_t i = 0; i < path_len; i++) {
        unsigned char c = (unsigned char)rest[i];
        if (c <= ' ' || c == 0x7f)
            return fail(err, errlen, "bad character in path '%.*s' (encode spaces as %%20)",
                        rest, (int)path_len);
    }
    u.host = dup_n(host, host_len);
    if (path_len == 0)
        u.path = dup_n("/", 1);
    else if (rest[0] == '?') { /* "http://h?x" -> "/?x" */
        u.path = malloc(path_len + 2);
        if (u.path) {
            u.path[0] = '/';
            memcpy(u.path + 1, rest, path_len);
            u.path[path_len + 1] = '\0';
        }
    } else
        u.path = dup_n(rest, path_len);
    int v6 = memchr(host, ':', host_len) != NULL;
    size_t alen = host_len + 16;
    u.authority = malloc(alen);
    if (u.authority) {
        if (u.port_explicit && u.port != (u.tls ? 443 : 80))
            snprintf(u.authority, alen, v6 ? "[%.*s]:%u" : "%.*s:%u", (int)host_len, host,
                     u.port);
        else
            snprintf(u.authority, alen, v6 ? "[%.*s]" : "%.*s", (int)host_len, host);
    }
    if (!u.host || !u.path || !u.authority) {
        url_free(&u);
        return fail(err, errlen, "out of memory%.*s", "", 0);
    }
    *out = u;
    return 0;
}

void url_free(struct url *u)
{
    if (!u)
        return;
    free(u->host);
    free(u->path);
    free(u->authority);
    u->host = u->path = u->authority = NULL;
}
