/* fuzz_srcaddr.c — libFuzzer target: srcaddr_parse on arbitrary strings, checking what it
 * returns (a non-empty list of one family within the limit, or a terminated reason). */
#include "engine/srcaddr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct srcaddr a;
    char err[96];
    if (srcaddr_parse(s, &a, err, (int)(size % 2 ? sizeof err : 8)) == 0) {
        if (a.n < 1 || a.n > SRCADDR_MAX || (a.family != AF_INET && a.family != AF_INET6))
            abort();
        socklen_t len;
        for (int i = 0; i < a.n + 1; i++) {
            const struct sockaddr_storage *ss = srcaddr_next(&a, &len);
            if (!ss || ss->ss_family != a.family)
                abort();
        }
        srcaddr_free(&a);
    } else if (strlen(err) >= sizeof err) {
        abort();
    }
    free(s);
    return 0;
}
