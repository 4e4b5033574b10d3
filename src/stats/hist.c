/* hist.c — the HdrHistogram: log-linear bucket layout, O(1) recording, merging and queries. */
#include "stats/hist.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* Layout. Values are split into buckets by magnitude (powers of two) and each bucket
 * into sub-buckets of equal width. Bucket 0 covers [0, sub_count << unit_mag) in
 * sub_count slots of width 2^unit_mag; bucket b >= 1 covers
 * [sub_count << (b - 1 + unit_mag), sub_count << (b + unit_mag)) in its upper half_count
 * slots of width 2^(b + unit_mag) (its lower half would repeat bucket b-1). So a value
 * v >= sub_count is stored in a slot no wider than v / half_count, which is where the
 * precision comes from: half_count >= 10^sigfigs. The counts array is laid out as
 * bucket 0's sub_count slots followed by each further bucket's half_count slots. */
struct hist {
    int64_t lowest;      /* layout: as given to hist_new */
    int64_t highest;
    int sigfigs;
    int unit_mag;        /* floor(log2(lowest)): bucket 0's slots are 2^unit_mag wide */
    int half_mag;        /* log2(half_count) */
    int64_t half_count;  /* slots per bucket beyond bucket 0 */
    int64_t sub_count;   /* 2 * half_count: slots in bucket 0 */
    uint64_t sub_mask;   /* (sub_count - 1) << unit_mag: forces bucket 0 for small values */
    int bucket_count;    /* buckets needed to cover highest */
    size_t counts_len;   /* (bucket_count + 1) * half_count */
    int64_t total;       /* values recorded (including saturated ones) */
    int64_t saturated;   /* of total, values above highest, recorded as highest */
    int64_t min;         /* smallest recorded (clamped) value; INT64_MAX when empty */
    int64_t max;         /* largest recorded (clamped) value; 0 when empty */
    int64_t counts[];    /* counts_len slots */
};

/* Index of the counts slot holding v (0 <= v <= highest): one count-leading-zeros,
 * two shifts, no branch. */
static inline size_t slot_of(const hist *h, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int pow2ceil = 64 - __builtin_clzll(u | h->sub_mask);
    int bucket = pow2ceil - h->unit_mag - (h->half_mag + 1);
    int64_t sub = (int64_t)(u >> (bucket + h->unit_mag));
    return (size_t)(((int64_t)(bucket + 1) << h->half_mag) + (sub - h->half_count));
}

/* Lowest value of slot i and the slot's width, both as uint64 so the top slots of a
 * layout reaching INT64_MAX do not overflow. */
static void slot_range(const hist *h, size_t i, uint64_t *lo, uint64_t *width)
{
    int bucket = (int)(i >> h->half_mag) - 1;
    uint64_t sub = (uint64_t)(i & (size_t)(h->half_count - 1)) + (uint64_t)h->half_count;
    if (bucket < 0) {
        bucket = 0;
        sub -= (uint64_t)h->half_count;
    }
    *lo = sub << (bucket + h->unit_mag);
    *width = (uint64_t)1 << (bucket + h->unit_mag);
}

/* The highest value that lands in slot i. */
static int64_t slot_highest(const hist *h, size_t i)
{
    uint64_t lo, width;
    slot_range(h, i, &lo, &width);
    uint64_t hi = lo + (width - 1);
    return hi > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)hi;
}

/* The middle of slot i: the value used for mean and stdev. */
static double slot_median(const hist *h, size_t i)
{
    uint64_t lo, width;
    slot_range(h, i, &lo, &width);
    return (double)lo + (double)(width / 2);
}

int hist_new(int64_t lowest, int64_t highest, int sigfigs, hist **out)
{
    if (!out || lowest < 1 || sigfigs < 1 || sigfigs > 5 || highest / 2 < lowest)
        return -EINVAL;

    /* half_count: the smallest power of two >= 10^sigfigs. */
    int64_t single_unit = 1;
    for (int i = 0; i < sigfigs; i++)
        single_unit *= 10;
    int half_mag = 0;
    while (((int64_t)1 << half_mag) < single_unit)
        half_mag++;
    int unit_mag = 63 - __builtin_clzll((uint64_t)lowest);
    /* sub_count << unit_mag must fit in 63 bits. */
    if (unit_mag + half_mag + 1 > 62)
        return -EINVAL;

    int64_t sub_count = (int64_t)1 << (half_mag + 1);
    int buckets = 1;
    int64_t untrackable = sub_count << unit_mag; /* smallest value bucket `buckets` misses */
    while (untrackable <= highest) {
        if (untrackable > INT64_MAX / 2) {
            buckets++;
            break;
        }
        untrackable <<= 1;
        buckets++;
    }

    size_t len = (size_t)(buckets + 1) << half_mag;
    hist *h = calloc(1, sizeof *h + len * sizeof h->counts[0]);
    if (!h)
        return -ENOMEM;
    h->lowest = lowest;
    h->highest = highest;
    h->sigfigs = sigfigs;
    h->unit_mag = unit_mag;
    h->half_mag = half_mag;
    h->half_count = (int64_t)1 << half_mag;
    h->sub_count = sub_count;
    h->sub_mask = (uint64_t)(sub_count - 1) << unit_mag;
    h->bucket_count = buckets;
    h->counts_len = len;
    h->min = INT64_MAX;
    *out = h;
    return 0;
}

hist *hist_new_default(void)
{
    hist *h = NULL;
    return hist_new(HIST_LOWEST, HIST_HIGHEST, HIST_SIGFIGS, &h) == 0 ? h : NULL;
}

void hist_free(hist *h)
{
    free(h);
}

void hist_record_n(hist *h, int64_t value, int64_t count)
{
    if (count <= 0)
        return;
    if (value < 0)
        value = 0;
    if (value > h->highest) {
        value = h->highest;
        h->saturated += count;
    }
    h->counts[slot_of(h, value)] += count;
    h->total += count;
    if (value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
}

void hist_record(hist *h, int64_t value)
{
    hist_record_n(h, value, 1);
}

int hist_merge(hist *dst, const hist *src)
{
    if (!dst || !src || dst->lowest != src->lowest || dst->highest != src->highest ||
        dst->sigfigs != src->sigfigs)
        return -EINVAL;
    if (src->total == 0)
        return 0;
    for (size_t i = 0; i < src->counts_len; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->saturated += src->saturated;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    return 0;
}

void hist_reset(hist *h)
{
    for (size_t i = 0; i < h->counts_len; i++)
        h->counts[i] = 0;
    h->total = 0;
    h->saturated = 0;
    h->min = INT64_MAX;
    h->max = 0;
}

int64_t hist_count(const hist *h)
{
    return h->total;
}

int64_t hist_saturated(const hist *h)
{
    return h->saturated;
}

int64_t hist_min(const hist *h)
{
    return h->total ? h->min : 0;
}

int64_t hist_max(const hist *h)
{
    return h->total ? h->max : 0;
}

double hist_mean(const hist *h)
{
    if (!h->total)
        return 0;
    double sum = 0;
    for (size_t i = 0; i < h->counts_len; i++)
        if (h->counts[i])
            sum += slot_median(h, i) * (double)h->counts[i];
    return sum / (double)h->total;
}

double hist_stdev(const hist *h)
{
    if (!h->total)
        return 0;
    double mean = hist_mean(h), sq = 0;
    for (size_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i]) {
            double d = slot_median(h, i) - mean;
            sq += d * d * (double)h->counts[i];
        }
    }
    return sqrt(sq / (double)h->total);
}

/* How many values must be <= the answer for percentile p: ceil(p% of total), at least
 * 1. A product within 1e-9 of an integer counts as that integer, so 99.9% of 100000
 * is 99900 although 99.9 / 100 * 100000 computes as 99900.00000000001. */
static int64_t rank_of(double p, int64_t total)
{
    double x = p / 100.0 * (double)total;
    double r = nearbyint(x);
    int64_t rank = fabs(x - r) <= 1e-9 * (r > 1 ? r : 1) ? (int64_t)r : (int64_t)ceil(x);
    if (rank < 1)
        rank = 1;
    return rank > total ? total : rank;
}

int64_t hist_percentile(const hist *h, double p)
{
    if (!h->total)
        return 0;
    if (!(p > 0)) /* p <= 0 or NaN */
        return h->min;
    if (p >= 100)
        return h->max;
    int64_t rank = rank_of(p, h->total), seen = 0;
    for (size_t i = 0; i < h->counts_len; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            /* The slot's top, but never above the exact max (which is in this slot
             * when the top exceeds it): closer to the truth and monotonic up to p=100. */
            int64_t v = slot_highest(h, i);
            return v < h->max ? v : h->max;
        }
    }
    return h->max; /* not reached: counts sum to total */
}

void hist_foreach(const hist *h, hist_visit_fn fn, void *ud)
{
    for (size_t i = 0; i < h->counts_len; i++)
        if (h->counts[i] && fn(slot_highest(h, i), h->counts[i], ud))
            return;
}

int64_t hist_lowest(const hist *h)
{
    return h->lowest;
}

int64_t hist_highest(const hist *h)
{
    return h->highest;
}

int hist_sigfigs(const hist *h)
{
    return h->sigfigs;
}
