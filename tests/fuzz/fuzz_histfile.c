/* fuzz_histfile.c — libFuzzer target: histograms.json entries and the HdrHistogram V2
 * decoder (hlog_decode) on arbitrary input, as surge merge reads them from out dirs. */
#include "report/histfile.h"
#include "report/hlog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hist *h = NULL;
    /* raw: the base64 text itself */
    if (hlog_decode((const char *)data, size, -1, -1, &h) == 0) {
        if (hist_count(h) < 0)
            abort();
        json_t *e = histfile_entry(h); /* what was read encodes and reads back the same */
        hist *back = NULL;
        if (!e || histfile_read(e, &back) || hist_count(back) != hist_count(h) ||
            hist_percentile(back, 95) != hist_percentile(h, 95))
            abort();
        hist_free(back);
        json_decref(e);
        hist_free(h);
    }
    /* as JSON: an entry {"count", "min", "max", "hdr"} */
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (j) {
        h = NULL;
        if (histfile_read(j, &h) == 0) {
            if (hist_count(h) != json_integer_value(json_object_get(j, "count")))
                abort();
            hist_free(h);
        }
        json_decref(j);
    }
    return 0;
}
