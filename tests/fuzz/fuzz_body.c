/* fuzz_body.c — libFuzzer target: multipart and urlencoded bodies from arbitrary field bytes. */
#include "flow/body.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_of(const char *hay, size_t len, const char *needle, size_t nl)
{
    size_t c = 0;
    for (const char *p = hay; (p = memmem(p, len - (size_t)(p - hay), needle, nl)); p += nl)
        c++;
    return c;
}

/* Input: NUL-separated strings taken as name, value, name, value, ...; a name that
 * starts with '@' becomes a file part whose filename and bytes are the value. Field
 * values may come from server responses (templates), so they are outside input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 2);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = s[size + 1] = '\0';
    const char *strs[64];
    size_t n = 0;
    for (size_t at = 0; at <= size && n < 64; at += strlen(s + at) + 1)
        strs[n++] = s + at;
    n &= ~(size_t)1;

    struct payload_item items[32];
    struct body_pair pairs[32];
    struct body_multipart m;
    body_mp_init(&m, size);
    uint64_t files = 0;
    for (size_t i = 0; i < n; i += 2) {
        pairs[i / 2] = (struct body_pair){strs[i], strs[i + 1]};
        if (strs[i][0] == '@') {
            struct payload_item *it = &items[i / 2];
            *it = (struct payload_item){strs[i + 1], "application/octet-stream",
                                        (const unsigned char *)strs[i + 1], strlen(strs[i + 1])};
            if (body_mp_add_file(&m, strs[i] + 1, it) != 0)
                abort();
            files += it->len;
        } else if (body_mp_add_field(&m, strs[i], strs[i + 1]) != 0) {
            abort();
        }
    }
    char err[128];
    if (body_mp_finish(&m, err, sizeof err) == 0) {
        /* Content-Length matches the iovecs; the body starts with "--B" and every
         * other delimiter is one of ours (file bytes could contain it only by a 2^-190 chance,
         * and the fuzzer cannot know the boundary beforehand). */
        size_t len = 0;
        for (int i = 0; i < m.iovcnt; i++)
            len += m.iov[i].iov_len;
        if (len != m.content_length || len < files)
            abort();
        char *body = malloc(len + 1);
        if (!body)
            abort();
        size_t at = 0;
        for (int i = 0; i < m.iovcnt; i++) {
            memcpy(body + at, m.iov[i].iov_base, m.iov[i].iov_len);
            at += m.iov[i].iov_len;
        }
        char delim[BODY_BOUNDARY_LEN + 5];
        memcpy(delim, "\r\n--", 4);
        memcpy(delim + 4, m.boundary, BODY_BOUNDARY_LEN);
        size_t found = count_of(body, len, delim, BODY_BOUNDARY_LEN + 4);
        if (found != n / 2) /* one "\r\n--B" before each part but the first, one to close */
            abort();
        if (memcmp(body, delim + 2, BODY_BOUNDARY_LEN + 2) != 0)
            abort();
        free(body);
    }
    body_mp_release(&m);

    /* urlencoded: only unreserved characters, '%XX', '+', '=' and '&'; length as told. */
    size_t need = body_urlencode(pairs, n / 2, NULL, 0);
    char *out = malloc(need + 1);
    if (!out)
        abort();
    if (body_urlencode(pairs, n / 2, out, need + 1) != need || strlen(out) != need)
        abort();
    for (size_t i = 0; i < need; i++) {
        char c = out[i];
        if (!(c == '%' || c == '+' || c == '=' || c == '&' || c == '*' || c == '-' || c == '.' ||
              c == '_' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
              (c >= 'a' && c <= 'z')))
            abort();
    }
    free(out);
    free(s);
    return 0;
}
