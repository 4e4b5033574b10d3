/* test_seclat.c — sparse per-second latencies: exact against a plain histogram below,
 * at and above the raw limit, through merges of every kind, resets and reuse. */
#include "stats/seclat.h"

#include <stdlib.h>

#include "unit.h"

/* Same counts in every bucket: the percentiles, min, max and count agree. */
static void same_as(const struct seclat *s, const hist *want)
{
    hist *got = hist_new_default();
    CHECK(got);
    CHECK_INT(seclat_to_hist(s, got), 0);
    CHECK_INT(hist_count(got), hist_count(want));
    CHECK_INT(seclat_count(s), hist_count(want));
    CHECK_INT(hist_min(got), hist_min(want));
    CHECK_INT(hist_max(got), hist_max(want));
    static const double ps[] = {0, 50, 90, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        CHECK_INT(hist_percentile(got, ps[i]), hist_percentile(want, ps[i]));
    hist_free(got);
}

/* n values, a spread from 0 us to past an hour, into s and a plain histogram. */
static void fill(struct seclat *s, hist *h, int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        int64_t v = i == 0 ? 0 : i == 1 ? 5000000000LL : (int64_t)(seed % 2000000u);
        CHECK_INT(seclat_record(s, v), 0);
        hist_record(h, v);
    }
}

static void raw_and_dense(void)
{
    static const int sizes[] = {0, 1, 17, SECLAT_RAW_MAX, SECLAT_RAW_MAX + 1, 2 * SECLAT_RAW_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct seclat s = {0};
        hist *h = hist_new_default();
        fill(&s, h, sizes[i], 7u + (unsigned)i);
        CHECK(sizes[i] > SECLAT_RAW_MAX ? s.h != NULL : s.h == NULL); /* sparse while few */
        same_as(&s, h);
        /* reset keeps it usable; the next second is exact again */
        seclat_reset(&s);
        CHECK_INT(seclat_count(&s), 0);
        hist_reset(h);
        fill(&s, h, 100, 99u);
        same_as(&s, h);
        seclat_free(&s);
        seclat_free(&s); /* twice is fine: it is empty */
        hist_free(h);
    }
    seclat_free(NULL);
}

static void merges(void)
{
    /* raw into raw, raw into dense, dense into raw, dense into dense, overflowing raw */
    static const int pairs[][2] = {{10, 20},
                                   {SECLAT_RAW_MAX + 2, 30},
                                   {30, SECLAT_RAW_MAX + 2},
                                   {SECLAT_RAW_MAX + 1, SECLAT_RAW_MAX + 1},
                                   {SECLAT_RAW_MAX - 5, 10}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct seclat a = {0}, b = {0};
        hist *h = hist_new_default();
        fill(&a, h, pairs[i][0], 3u);
        fill(&b, h, pairs[i][1], 11u);
        CHECK_INT(seclat_merge(&a, &b), 0);
        same_as(&a, h);
        seclat_free(&a);
        seclat_free(&b);
        hist_free(h);
    }
}

int main(void)
{
    RUN(raw_and_dense);
    RUN(merges);
    UNIT_EXIT();
}
