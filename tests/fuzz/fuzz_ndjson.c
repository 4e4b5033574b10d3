/* fuzz_ndjson.c — libFuzzer target: rebuilding a results document from an arbitrary
 * series.ndjson, then rendering the whole report content from it. */
#include "report/content.h"
#include "report/ndjson.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int heading(void *ud, int level, const char *text)
{
    return level < 1 || level > 3 || !text ? (abort(), 0) : 0;
}
static int para(void *ud, const char *strong, const char *text)
{
    return text ? 0 : (abort(), 0);
}
static int list(void *ud, const char *const *items, int n)
{
    for (int i = 0; i < n; i++)
        if (!items[i])
            abort();
    return 0;
}
static int table(void *ud, int ncols, const char *const *head, const int *right,
                 const char *const *cells, int nrows)
{
    for (int i = 0; i < ncols * nrows; i++)
        if (!cells[i])
            abort();
    return 0;
}
static int chart(void *ud, const char *name, const char *title, const char *svg)
{
    return svg && svg[0] == '<' ? 0 : (abort(), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct content_ops ops = {heading, para, list, table, chart};
    if (!size)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    json_t *doc = (json_t *)1;
    char err[256];
    if (ndjson_rebuild_stream(f, "fuzz", &doc, err, sizeof err) == 0) {
        if (content_render(doc, &ops, NULL))
            abort(); /* a rebuilt document always has scenarios */
        json_decref(doc);
    } else if (doc != (json_t *)1) {
        abort(); /* out-parameter set on failure */
    }
    fclose(f);
    return 0;
}
