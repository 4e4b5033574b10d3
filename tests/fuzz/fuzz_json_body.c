/* fuzz_json_body.c — libFuzzer target: a `json:` body template (tmpl_compile_json) expanded
 * with the input as a variable's value must stay valid JSON of the same shape, and give the
 * value back exactly when it is valid UTF-8. */
#include "plan/tmpl.h"
#include "util/sbuf.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct val {
    const uint8_t *p;
    size_t n;
};

static const char *lookup(void *ud, const char *name, size_t *len)
{
    (void)name;
    const struct val *v = ud;
    *len = v->n;
    return (const char *)v->p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tmpl *t;
    if (!t && tmpl_compile_json("{\"a\":\"${v}\",\"b\":[\"<${v}>\",1,true]}", &t, NULL, 0, NULL))
        abort();
    struct val v = {data, size};
    uint64_t rng = 1;
    struct tmpl_ctx ctx = {lookup, &v, 1, 1, &rng, 1, NULL};
    struct sbuf out = SBUF_INIT;
    if (tmpl_expand(t, &ctx, &out)) {
        sbuf_free(&out);
        return 0; /* out of memory / too big */
    }
    json_error_t je;
    json_t *j = json_loadb(out.buf, out.len, JSON_ALLOW_NUL, &je);
    if (!j || json_object_size(j) != 2 || json_array_size(json_object_get(j, "b")) != 3)
        abort(); /* the value broke out of its string */
    json_t *a = json_object_get(j, "a");
    /* valid UTF-8 comes back as it was */
    json_t *probe = json_stringn((const char *)data, size); /* NULL: not valid UTF-8 */
    if (!json_is_string(a) ||
        (probe && (json_string_length(a) != size || memcmp(json_string_value(a), data, size))))
        abort();
    json_decref(probe);
    json_decref(j);
    sbuf_free(&out);
    return 0;
}
