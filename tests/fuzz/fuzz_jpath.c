/* fuzz_jpath.c — libFuzzer target: the first half of the input is a path compiled and looked
 * up in a fixed document; the second half is parsed as JSON and queried with the same path. */
#include "flow/jpath.h"
#include "util/sbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *fixed;

static void query(const jpath *p, json_t *root)
{
    json_t *v = jpath_get(p, root);
    if (v) {
        struct sbuf out = SBUF_INIT;
        if (jpath_to_string(v, &out))
            abort();
        sbuf_free(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fixed)
        fixed = json_loads("{\"a\": {\"b\": [1, 2.5, [true, null, \"x\"]], \"c d\": {}},"
                           " \"job_id\": \"j\", \"\": [[], {\"k\": -1e300}], \"$oid\": 7}",
                           0, NULL);
    size_t half = size / 2;
    char *s = malloc(half + 1);
    if (!s)
        return 0;
    memcpy(s, data, half);
    s[half] = '\0';
    jpath *p = NULL;
    char err[64];
    int col = -1;
    int rc = jpath_compile(s, &p, err, sizeof err, &col);
    if (rc == 0) {
        if (strcmp(jpath_source(p), s))
            abort();
        query(p, fixed);
        json_t *doc = json_loadb((const char *)data + half, size - half,
                                 JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        query(p, doc);
        json_decref(doc);
        jpath_free(p);
    } else if (rc != -EINVAL || col < 1 || (size_t)col > half + 1 || strlen(err) >= sizeof err) {
        abort();
    }
    size_t used = 0;
    if (jpath_parse(s, &used, &p, NULL, 0, NULL) == 0) {
        if (used == 0 || used > half)
            abort();
        jpath_free(p);
    }
    free(s);
    return 0;
}
