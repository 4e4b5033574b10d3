/* fuzz_tmpl.c — libFuzzer target: tmpl_compile on arbitrary strings, then expand with a fixed
 * context and check what comes back. */
#include "plan/tmpl.h"
#include "util/sbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *lookup(void *ud, const char *name, size_t *len)
{
    (void)ud;
    if (name[0] == 'u') /* names starting with u are undefined */
        return NULL;
    *len = strlen(name);
    return name;
}

static const char *cookie(void *ud, const char *name, const char *path, size_t *len)
{
    (void)ud;
    if (name[0] == 'u' || (path && path[1] == 'u')) /* u...: not in the jar */
        return NULL;
    if (path && path[0] != '/')
        abort(); /* the compiler promised a path starting with '/' */
    *len = strlen(name);
    return name;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    tmpl *t = NULL;
    char err[64];
    int col = -1;
    int rc = tmpl_compile(s, &t, err, size % 2 ? (int)sizeof err : 8, &col);
    if (rc == 0) {
        uint64_t rng = size;
        struct tmpl_ctx ctx = {lookup, NULL, 3, 5, &rng, 1700000000000, cookie};
        struct sbuf out = SBUF_INIT;
        sbuf_puts(&out, "pre");
        rc = tmpl_expand(t, &ctx, &out);
        if (rc == 0) {
            if (out.len < 3 || memcmp(out.buf, "pre", 3))
                abort();
            if (tmpl_is_literal(t) && (out.len != 3 + tmpl_literal_len(t) ||
                                       memcmp(out.buf + 3, tmpl_literal(t), out.len - 3)))
                abort();
        } else if (rc == -ENOENT) {
            if (out.len != 3 || !tmpl_first_undefined(t, &ctx))
                abort();
        } else {
            abort();
        }
        for (int i = 0; i < tmpl_var_count(t); i++)
            if (!tmpl_var_name(t, i) || !strchr(s, tmpl_var_name(t, i)[0]))
                abort();
        sbuf_free(&out);
        tmpl_free(t);
    } else if (rc != -EINVAL || col < 1 || (size_t)col > size + 1 || strlen(err) >= sizeof err) {
        abort();
    }
    free(s);
    return 0;
}
