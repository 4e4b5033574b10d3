/* fuzz_merge.c — libFuzzer target: surge merge's document merging on arbitrary JSON, as
 * read from out dirs: {"shares": [{"results": DOC, "hists": DOC}, ...]} through
 * merge_results, and {"lines": [...], "hists": [...]} through merge_second. */
#include "dist/merge.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL), *out = NULL;
    char err[256];
    if (!in)
        return 0;
    const json_t *shares = json_object_get(in, "shares"), *e;
    size_t n = json_array_size(shares), i;
    if (n > 0 && n <= 16) {
        struct merge_share sh[16];
        json_array_foreach(shares, i, e) {
            sh[i] = (struct merge_share){.source = "fuzz",
                                         .results = json_object_get(e, "results"),
                                         .hists = json_object_get(e, "hists")};
            if (!sh[i].results || !sh[i].hists)
                sh[i].missing = "absent";
        }
        json_t *hout = NULL;
        if (merge_results(sh, (int)n, &out, &hout, err, sizeof err) == 0) {
            if (!json_is_object(out) || !json_is_object(hout))
                abort();
            json_decref(out);
            json_decref(hout);
        }
    }
    const json_t *lines = json_object_get(in, "lines"), *hists = json_object_get(in, "hists");
    n = json_array_size(lines);
    if (n > 0 && n <= 16) {
        json_t *l[16], *h[16];
        for (i = 0; i < n; i++) {
            l[i] = json_array_get(lines, i);
            h[i] = json_array_get(hists, i);
        }
        out = NULL;
        if (merge_second(l, h, (int)n, &out, err, sizeof err) == 0)
            json_decref(out);
    }
    json_decref(in);
    return 0;
}
