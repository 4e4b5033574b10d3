/* fuzz_cond.c — libFuzzer target: cond_compile on arbitrary strings, then cond_eval and
 * cond_describe against a fixed document, checking that they agree. */
#include "flow/cond.h"
#include "util/sbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!doc)
        doc = json_loads("{\"status\": \"completed\", \"n\": 42, \"r\": 0.5, \"s\": \"17\","
                         " \"t\": true, \"z\": null, \"list\": [1, \"two\", {\"x\": 3}],"
                         " \"job\": {\"id\": \"j-1\", \"a b\": \"\\u00e9\"}}",
                         0, NULL);
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    cond *c = NULL;
    char err[64];
    int col = -1;
    int rc = cond_compile(s, &c, err, sizeof err, &col);
    if (rc == 0) {
        json_t *roots[] = {doc, NULL};
        for (int i = 0; i < 2; i++) {
            int r = cond_eval(c, roots[i]);
            struct sbuf why = SBUF_INIT;
            int d = cond_describe(c, roots[i], &why);
            if ((r != 0 && r != 1) || d != r || (r == 1) != (why.len == 0))
                abort();
            sbuf_free(&why);
        }
        cond_free(c);
    } else if (rc != -EINVAL || col < 1 || (size_t)col > size + 1 || strlen(err) >= sizeof err) {
        abort();
    }
    free(s);
    return 0;
}
