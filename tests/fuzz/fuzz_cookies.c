/* fuzz_cookies.c — libFuzzer target: the input is split at newlines into Set-Cookie values
 * stored in one jar (the first byte picks the host and path), then Cookie headers are built
 * and checked for what must never appear in a header line; each line is also used as a
 * step's own Cookie header merged with the jar, as a cookie name to look up, and redacted
 * as a Cookie and a Set-Cookie value. */
#include "flow/cookies.h"
#include "util/redact.h"
#include "util/sbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {"example.com", "www.example.com", "127.0.0.1", "a.b.c.d"};
static const char *const paths[] = {"/", "/a/b/c?q=/x", "/docs/", ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned pick = data[0];
    const char *host = hosts[pick % 4], *path = paths[(pick >> 2) % 4];
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    cookiejar *j = cookiejar_new();
    if (!j) {
        free(s);
        return 0;
    }
    int64_t now = 1700000000;
    char *line = s, *end = s + size - 1;
    struct sbuf m = SBUF_INIT;
    while (line <= end) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (nl)
            *nl = '\0';
        int rc = cookiejar_set(j, line, host, path, now);
        if (rc != 0 && rc != -EINVAL)
            abort();
        if (cookiejar_count(j) > COOKIEJAR_MAX)
            abort();
        int64_t t;
        cookiejar_parse_date(line, strlen(line), &t);
        /* the line as explicit pairs: written first, then jar cookies not named there */
        size_t ll = strlen(line);
        sbuf_reset(&m);
        int mn = cookiejar_header_merge(j, host, path, pick & 1, now, line, ll, &m);
        if (mn < 0 || (mn == 0) != (m.len == 0) || (size_t)mn > cookiejar_count(j) + 1)
            abort();
        /* the line as a name: a value found is one the jar would send */
        size_t vl = 0;
        const char *v =
            cookiejar_get(j, host, (pick & 2) ? path : NULL, pick & 1, now, line, &vl);
        if (v && (vl > COOKIEJAR_MAX_COOKIE || memchr(v, '\n', vl) || memchr(v, ';', vl)))
            abort();
        sbuf_reset(&m);
        if (redact_header(&m, (pick & 4) ? "Set-Cookie" : "Cookie", line, ll) ||
            m.len > ll * 20 + 32)
            abort();
        if (!nl)
            break;
        line = nl + 1;
        now += 7;
    }
    struct sbuf out = SBUF_INIT;
    for (int i = 0; i < 8; i++) {
        sbuf_reset(&out);
        int n = cookiejar_header(j, hosts[i % 4], paths[(i / 2) % 4], i & 1, now + i * 1000, &out);
        if (n < 0 || (size_t)n > cookiejar_count(j) || (n == 0) != (out.len == 0))
            abort();
        for (size_t k = 0; k < out.len; k++)
            if (out.buf[k] == '\r' || out.buf[k] == '\n' || out.buf[k] == '\0')
                abort();
    }
    sbuf_free(&out);
    sbuf_free(&m);
    cookiejar_free(j);
    free(s);
    return 0;
}
