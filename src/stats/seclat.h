/* seclat.h — one second's latencies of one stats key, kept sparse: the raw values while
 * they are few (at most 64 KiB), a full histogram only once a second holds more. Merging into
 * a histogram is exact either way, so per-second buckets cost little for the many keys
 * (steps, transactions, levels) that see a handful of requests a second, and the
 * whole-run histograms stay exact. */
#ifndef SURGE_STATS_SECLAT_H
#define SURGE_STATS_SECLAT_H

#include <stdint.h>

#include "stats/hist.h"

/* Raw values kept before switching to a histogram (4 bytes each: 64 KiB at most, a
 * third of the histogram; beyond that a key is busy enough to pay for one). */
#define SECLAT_RAW_MAX 16384

/* Zero-initialised is empty and valid; owned by one thread at a time. */
struct seclat {
    uint32_t *raw; /* values (us, clamped to UINT32_MAX) while n <= SECLAT_RAW_MAX */
    uint32_t n, cap;
    hist *h; /* once more than SECLAT_RAW_MAX values: everything is here (raw unused) */
};

/* Record one latency (us). @return 0, or -ENOMEM (the value is lost). */
int seclat_record(struct seclat *s, int64_t us);
/* Add src's values into dst. @return 0, or -ENOMEM (some values lost). */
int seclat_merge(struct seclat *dst, const struct seclat *src);
/* Add s's values into histogram dst (standard layout). @return 0 or -EINVAL. */
int seclat_to_hist(const struct seclat *s, hist *dst);
/* Values recorded. */
int64_t seclat_count(const struct seclat *s);
/* Empty it, keeping its memory for the next second. */
void seclat_reset(struct seclat *s);
/* Free its memory (it is empty and valid again). NULL is fine. */
void seclat_free(struct seclat *s);

#endif
