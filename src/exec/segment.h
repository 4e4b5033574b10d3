/* segment.h — execution segments: share K of N of a plan's work, so that N processes
 * (surge run --segment K/N, or N MPI ranks) together run exactly what one would.
 *
 * Work items are numbered 0, 1, 2, ... (VUs, iterations of a shared count, arrival-rate
 * iterations in start order) and striped: item g belongs to share g % N. So 40 VUs over
 * 3 shares are 14 + 13 + 13, 1,000 iterations/s over 3 are three interleaved streams of
 * start times (share 1 starts iterations 0, 3, 6, ... at the times the whole schedule
 * gives them, not a burst of its own), and a ramping executor's wanted VU count v(t) is
 * split the same way at every instant, so the shares' VUs add up to v(t) at any time.
 * Pure functions, no I/O. Equal shares only (k6's segments also allow unequal ones). */
#ifndef SURGE_EXEC_SEGMENT_H
#define SURGE_EXEC_SEGMENT_H

#include <stdint.h>

/* Share k (0-based) of n; {0, 1} (and {0, 0}, the zero value) is the whole plan. */
struct segment {
    int k, n;
};

#define SEGMENT_MAX_N 100000 /* most shares one plan may be split into */

/* Parse "K/N" (1 <= K <= N <= SEGMENT_MAX_N, decimal, nothing else) into *out (k = K-1).
 * @return 0, or -EINVAL (*out unchanged). */
int segment_parse(const char *s, struct segment *out);

/* Write "K/N" (1-based K) into buf; "1/1" for the whole plan. Returns buf. */
char *segment_format(struct segment s, char *buf, int len);

/* 1 when s is the whole plan (n <= 1). */
int segment_whole(struct segment s);

/* How many of the items 0..total-1 belong to s (those g with g % n == k): the shares
 * of one total add up to it exactly, and differ by at most one (the first get more). */
uint64_t segment_count(struct segment s, uint64_t total);

/* segment_count for an int total (VUs); negative totals count as 0. */
int segment_count_int(struct segment s, int total);

/* Whether item g belongs to s. */
int segment_owns(struct segment s, uint64_t g);

/* The number of s's j-th item (0-based) in the whole numbering: k + j * n. */
uint64_t segment_item(struct segment s, uint64_t j);

/* Split s again into `parts` equal shares and return share `part` (0-based) of it, as a
 * share of the whole numbering: item g belongs to it when g belongs to s and g's index
 * within s (g / n) % parts == part. So a worker thread's share of a segment is itself a
 * segment: {k + n * part, n * parts}. parts < 1 counts as 1. */
struct segment segment_split(struct segment s, int part, int parts);

/* The fraction of the work s has on average: 1 / n. */
double segment_fraction(struct segment s);

#endif
