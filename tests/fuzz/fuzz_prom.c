/* fuzz_prom.c — libFuzzer target: the Prometheus exposition parser on arbitrary bytes (no
 * NUL: it must stay within len), checking what it returns; the first line also goes
 * through the selector parser, and each sample through prom_series_name. */
#include "watch/prom.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    prom_doc *d = NULL;
    char err[96];
    int line = 0, col = 0;
    int rc = prom_parse(s, size, &d, err, (int)(size % 3 ? sizeof err : 10), &line, &col);
    if (rc == 0) {
        for (int i = 0; i < d->nsamples; i++) {
            const struct prom_sample *x = &d->samples[i];
            if (!x->name || !x->family || (x->nlabels && !x->labels))
                abort();
            char buf[64];
            int n = prom_series_name(buf, sizeof buf, x->name, x->labels, x->nlabels, "le");
            if (n < (int)strlen(x->name) || strlen(buf) >= sizeof buf)
                abort();
        }
        prom_doc_free(d);
    } else if (rc != -EINVAL && rc != -ENOMEM) {
        abort();
    } else if (rc == -EINVAL && (line < 1 || col < 1)) {
        abort();
    }
    /* the first line as a selector */
    size_t n = 0;
    while (n < size && s[n] != '\n' && s[n] != '\0')
        n++;
    char *line1 = malloc(n + 1);
    if (line1) {
        memcpy(line1, s, n);
        line1[n] = '\0';
        prom_sel *sel = NULL;
        if (prom_sel_parse(line1, &sel, err, sizeof err, &col) == 0) {
            struct prom_label l[] = {{"a", "1"}, {"le", "0.5"}};
            prom_sel_match(sel, prom_sel_name(sel), l, 2);
            prom_sel_free(sel);
        }
        free(line1);
    }
    free(s);
    return 0;
}
