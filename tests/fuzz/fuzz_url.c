/* fuzz_url.c — libFuzzer target: url_parse and origin_key on arbitrary strings, checking
 * what they return. */
#include "engine/origin.h"
#include "engine/url.h"

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
    struct url u = {0};
    char err[64];
    if (url_parse(s, &u, err, (int)(size % 2 ? sizeof err : 8)) == 0) {
        if (!u.host || !u.path || !u.authority || u.path[0] != '/' || u.port == 0)
            abort();
        if (strchr(u.path, '#') || strpbrk(u.authority, " \r\n/@") || strpbrk(u.path, " \r\n"))
            abort();
        url_free(&u);
    } else if (strlen(err) >= sizeof err) {
        abort();
    }
    /* an origin key is lower-case scheme://host:port, its prefix inside the input */
    char key[ORIGIN_KEY_MAX];
    size_t n = 0;
    if (origin_key(s, key, size % 3 ? sizeof key : 12, &n, err, sizeof err) == 0) {
        if ((strncmp(key, "http://", 7) && strncmp(key, "https://", 8)) || n > size ||
            !strrchr(key, ':') || strpbrk(key, "/?# \r\n@") != key + 5 + (key[4] == 's'))
            abort();
        for (const char *c = key; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                abort();
    }
    free(s);
    return 0;
}
