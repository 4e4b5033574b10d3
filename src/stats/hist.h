/* hist.h — HdrHistogram: latency values recorded with bounded relative error in
 * fixed memory, merged across threads, queried for percentiles.
 *
 * Values are integers (surge records microseconds). A histogram tracks values in
 * [lowest, highest] with `sigfigs` significant decimal digits: any recorded value v
 * is reported back as a value within v * 10^-sigfigs of it. A value above `highest`
 * is recorded as `highest` and counted in hist_saturated(). Not thread-safe: each
 * thread owns its histograms and the main thread merges them (hist_merge). */
#ifndef SURGE_STATS_HIST_H
#define SURGE_STATS_HIST_H

#include <stdint.h>

typedef struct hist hist; /* opaque */

/* surge's standard range: 1 us to 1 hour, 3 significant digits (~180 KiB). */
#define HIST_LOWEST   1
#define HIST_HIGHEST  3600000000LL
#define HIST_SIGFIGS  3

/* Create a histogram. lowest >= 1, highest >= 2 * lowest, sigfigs in 1..5 (and
 * lowest * 2^(1 + ceil(log2(10^sigfigs))) must fit in 62 bits). Values below lowest
 * are still recordable, at a resolution of the largest power of two <= lowest.
 * @return 0 and *out on success, -EINVAL for bad bounds, -ENOMEM. */
int hist_new(int64_t lowest, int64_t highest, int sigfigs, hist **out);

/* hist_new with surge's standard range; NULL only when out of memory. */
hist *hist_new_default(void);

/* Free; NULL is fine. */
void hist_free(hist *h);

/* Record one value (count times; count <= 0 records nothing). Negative values are
 * recorded as 0. O(1), no allocation. */
void hist_record(hist *h, int64_t value);
void hist_record_n(hist *h, int64_t value, int64_t count);

/* Add every count of src into dst. Both must have the same lowest, highest and
 * sigfigs. @return 0, or -EINVAL when the layouts differ (dst is unchanged). */
int hist_merge(hist *dst, const hist *src);

/* Forget everything recorded (keeps the layout). */
void hist_reset(hist *h);

/* Queries; on an empty histogram all return 0. */
int64_t hist_count(const hist *h);     /* values recorded */
int64_t hist_saturated(const hist *h); /* of those, values above highest (clamped) */
int64_t hist_min(const hist *h);
int64_t hist_max(const hist *h);
double hist_mean(const hist *h);
double hist_stdev(const hist *h); /* population standard deviation */

/* The value at percentile p (0..100): the smallest recorded value (at the
 * histogram's precision, reported as the highest value equivalent to its bucket)
 * such that at least p% of values are <= it, but never above max (so the result
 * is non-decreasing in p). p=0 gives min, p=100 gives max. */
int64_t hist_percentile(const hist *h, double p);

/* Walk the non-empty buckets in increasing order: fn(value, count, ud) where value
 * is the highest value equivalent to the bucket. Stops early if fn returns non-zero. */
typedef int (*hist_visit_fn)(int64_t value, int64_t count, void *ud);
void hist_foreach(const hist *h, hist_visit_fn fn, void *ud);

/* Layout, for serialisation (HdrHistogram logs). */
int64_t hist_lowest(const hist *h);
int64_t hist_highest(const hist *h);
int hist_sigfigs(const hist *h);

#endif
