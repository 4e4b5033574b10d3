/* seclat.c — sparse per-second latencies: raw values, then a histogram when many. */
#include "stats/seclat.h"

#include <errno.h>
#include <stdlib.h>

/* Move the raw values into a new histogram. */
static int to_dense(struct seclat *s)
{
    hist *h = hist_new_default();
    if (!h)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->n; i++)
        hist_record(h, s->raw[i]);
    s->h = h;
    free(s->raw);
    s->raw = NULL;
    s->n = s->cap = 0;
    return 0;
}

int seclat_record(struct seclat *s, int64_t us)
{
    if (s->h) {
        hist_record(s->h, us);
        return 0;
    }
    if (s->n == s->cap) {
        if (s->cap >= SECLAT_RAW_MAX) {
            if (to_dense(s))
                return -ENOMEM;
            hist_record(s->h, us);
            return 0;
        }
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        uint32_t *r = realloc(s->raw, cap * sizeof *r);
        if (!r)
            return -ENOMEM;
        s->raw = r;
        s->cap = cap;
    }
    s->raw[s->n++] = us < 0 ? 0 : us > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    return 0;
}

int seclat_merge(struct seclat *dst, const struct seclat *src)
{
    if (src->h) {
        if (!dst->h && to_dense(dst))
            return -ENOMEM;
        return hist_merge(dst->h, src->h);
    }
    int rc = 0;
    for (uint32_t i = 0; i < src->n; i++)
        rc |= seclat_record(dst, src->raw[i]);
    return rc ? -ENOMEM : 0;
}

int seclat_to_hist(const struct seclat *s, hist *dst)
{
    if (s->h)
        return hist_merge(dst, s->h);
    for (uint32_t i = 0; i < s->n; i++)
        hist_record(dst, s->raw[i]);
    return 0;
}

int64_t seclat_count(const struct seclat *s)
{
    return s->h ? hist_count(s->h) : (int64_t)s->n;
}

void seclat_reset(struct seclat *s)
{
    if (s->h)
        hist_reset(s->h);
    s->n = 0;
}

void seclat_free(struct seclat *s)
{
    if (!s)
        return;
    hist_free(s->h);
    free(s->raw);
    *s = (struct seclat){0};
}
