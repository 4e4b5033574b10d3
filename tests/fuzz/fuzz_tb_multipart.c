/* fuzz_tb_multipart.c — libFuzzer target: the testbed's multipart parser. The input is a
 * Content-Type value up to the first '\n', then the body; the body is parsed with the
 * boundary that Content-Type gives (when it gives one) and with the fixed boundary "b".
 * Checks: boundaries are 1..70 printable characters, every span a part hands out lies in the
 * body, the callback runs once per counted part and never on a malformed body. */
#include "multipart.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
    const char *body;
    size_t len;
    int calls;
};

static void in_body(const struct walk *w, const char *p, size_t n)
{
    if (p < w->body || p > w->body + w->len || n > (size_t)(w->body + w->len - p))
        abort();
}

static int on_part(const struct mp_part *p, void *ud)
{
    struct walk *w = ud;
    w->calls++;
    if (!p->name)
        abort();
    in_body(w, p->name, p->name_len);
    in_body(w, p->data, p->len);
    if (p->filename)
        in_body(w, p->filename, p->filename_len);
    if (p->ctype)
        in_body(w, p->ctype, p->ctype_len);
    return 0;
}

static void parse(const char *body, size_t len, const char *boundary)
{
    struct walk w = {body, len, 0};
    const char *why = NULL;
    int rc = mp_parse(body, len, boundary, on_part, &w, &why);
    if (rc < 0 && (rc != -EINVAL || !why || w.calls != 0))
        abort();
    if (rc >= 0 && (rc != w.calls || rc > MP_PARTS_MAX))
        abort();
    if (mp_parse(body, len, boundary, NULL, NULL, NULL) != rc) /* no callback: same count */
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ctlen = nl ? (size_t)(nl - data) : size;
    char *ct = malloc(ctlen + 1);
    if (!ct)
        return 0;
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0'; /* a NUL inside just ends it early */
    const char *body = nl ? (const char *)nl + 1 : (const char *)data + size;
    size_t len = nl ? size - ctlen - 1 : 0; /* the body ends where the input does */

    char b[MP_BOUNDARY_MAX + 1];
    const char *why = NULL;
    int rc = mp_boundary(ct, b, &why);
    if (rc >= 0) {
        if (rc < 1 || rc > MP_BOUNDARY_MAX || strlen(b) != (size_t)rc || why)
            abort();
        for (int i = 0; i < rc; i++)
            if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] > 0x7e)
                abort();
        parse(body, len, b);
    } else if (rc != -EINVAL || !why) {
        abort();
    }
    parse(body, len, "b");
    free(ct);
    return 0;
}
