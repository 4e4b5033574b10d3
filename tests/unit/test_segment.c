/* test_segment.c — execution segments: parsing, exact shares, striping, nesting. */
#include "exec/segment.h"

#include <errno.h>
#include <math.h>

#include "unit.h"

static void parse_good(void)
{
    struct segment s = {9, 9};
    CHECK_INT(segment_parse("1/3", &s), 0);
    CHECK_INT(s.k, 0);
    CHECK_INT(s.n, 3);
    CHECK_INT(segment_parse("3/3", &s), 0);
    CHECK_INT(s.k, 2);
    CHECK_INT(segment_parse("1/1", &s), 0);
    CHECK(segment_whole(s));
    CHECK_INT(segment_parse("100000/100000", &s), 0);
    char buf[32];
    CHECK_STR(segment_format((struct segment){1, 3}, buf, sizeof buf), "2/3");
    CHECK_STR(segment_format((struct segment){0, 0}, buf, sizeof buf), "1/1");
}

static void parse_bad(void)
{
    const char *bad[] = {"", "/", "1", "1/", "/3", "0/3", "4/3", "1/0", "-1/3", "1/-3", "1/3 ",
                         " 1/3", "1//3", "1/3/3", "a/3", "1/b", "1.5/3", "+1/3", "100001/100001",
                         "1/100001", "99999999999999999999/1", NULL};
    for (int i = 0; bad[i]; i++) {
        struct segment s = {7, 7};
        int rc = segment_parse(bad[i], &s);
        if (rc != -EINVAL || s.k != 7 || s.n != 7) {
            printf("    accepted or changed out on '%s'\n", bad[i]);
            unit_case_failed = 1;
        }
    }
    CHECK_INT(segment_parse(NULL, &(struct segment){0, 0}), -EINVAL);
}

/* 40 VUs over 3: 14 + 13 + 13; 1,000 over 3: 334 + 333 + 333. */
static void counts_exact(void)
{
    CHECK_INT(segment_count((struct segment){0, 3}, 40), 14);
    CHECK_INT(segment_count((struct segment){1, 3}, 40), 13);
    CHECK_INT(segment_count((struct segment){2, 3}, 40), 13);
    CHECK_INT(segment_count((struct segment){0, 3}, 1000), 334);
    CHECK_INT(segment_count((struct segment){2, 3}, 1000), 333);
    CHECK_INT(segment_count((struct segment){2, 3}, 2), 0);
    CHECK_INT(segment_count((struct segment){0, 0}, 17), 17);
    CHECK_INT(segment_count_int((struct segment){1, 3}, -5), 0);
    /* every total over every split adds up, and shares differ by at most one */
    for (int n = 1; n <= 17; n++)
        for (uint64_t total = 0; total <= 200; total++) {
            uint64_t sum = 0, lo = UINT64_MAX, hi = 0;
            for (int k = 0; k < n; k++) {
                uint64_t c = segment_count((struct segment){k, n}, total);
                sum += c;
                lo = c < lo ? c : lo;
                hi = c > hi ? c : hi;
            }
            if (sum != total || hi - lo > 1) {
                printf("    n=%d total=%llu: sum %llu, spread %llu\n", n,
                       (unsigned long long)total, (unsigned long long)sum,
                       (unsigned long long)(hi - lo));
                unit_case_failed = 1;
            }
        }
}

/* Each item belongs to exactly one share; a share's j-th item is where it says. */
static void owns_and_items(void)
{
    for (int n = 1; n <= 7; n++)
        for (uint64_t g = 0; g < 100; g++) {
            int owners = 0;
            for (int k = 0; k < n; k++)
                owners += segment_owns((struct segment){k, n}, g);
            CHECK_INT(owners, 1);
        }
    struct segment s = {1, 3};
    for (uint64_t j = 0; j < 50; j++) {
        CHECK(segment_owns(s, segment_item(s, j)));
        CHECK_INT(segment_count(s, segment_item(s, j) + 1), j + 1);
    }
}

/* A worker's share of a segment is a segment: together the workers of all shares own
 * every item exactly once, and each worker's count is its split of the share's count. */
static void split_nested(void)
{
    for (int n = 1; n <= 5; n++)
        for (int T = 1; T <= 4; T++)
            for (int total = 0; total <= 60; total++) {
                int sum = 0;
                for (int k = 0; k < n; k++) {
                    int in_share = 0;
                    for (int w = 0; w < T; w++) {
                        struct segment ws = segment_split((struct segment){k, n}, w, T);
                        in_share += segment_count_int(ws, total);
                        for (int g = 0; g < total; g++)
                            if (segment_owns(ws, (uint64_t)g) &&
                                !segment_owns((struct segment){k, n}, (uint64_t)g))
                                unit_case_failed = 1;
                    }
                    CHECK_INT(in_share, segment_count_int((struct segment){k, n}, total));
                    sum += in_share;
                }
                CHECK_INT(sum, total);
            }
    struct segment w = segment_split((struct segment){0, 0}, 2, 4); /* whole plan, worker 3 */
    CHECK_INT(w.k, 2);
    CHECK_INT(w.n, 4);
    w = segment_split((struct segment){1, 3}, 0, 0);
    CHECK_INT(w.k, 1);
    CHECK_INT(w.n, 3);
}

/* 1,000 iterations/s over 3: iteration i starts at i ms; share k starts k, k+3, ... —
 * the shares' start times interleave (a gap of 3 ms each, offset by 1 ms), and their
 * union is the whole schedule. */
static void arrival_interleaved(void)
{
    int seen[1000] = {0};
    for (int k = 0; k < 3; k++) {
        struct segment s = {k, 3};
        uint64_t prev = 0;
        for (uint64_t j = 0; j < segment_count(s, 1000); j++) {
            uint64_t i = segment_item(s, j), t_ms = i; /* rate 1000/s: t(i) = i ms */
            if (j == 0)
                CHECK_INT(t_ms, (uint64_t)k);
            else
                CHECK_INT(t_ms - prev, 3);
            prev = t_ms;
            seen[i]++;
        }
    }
    for (int i = 0; i < 1000; i++)
        if (seen[i] != 1)
            unit_case_failed = 1;
    CHECK_NEAR(segment_fraction((struct segment){0, 4}), 0.25, 1e-12);
}

/* Ramping: v(t) VUs wanted at each instant split into shares that add up to it at
 * every t, so the shares' peaks add up to the plan's peak. */
static void ramping_consistent(void)
{
    int peak[3] = {0};
    for (int t = 0; t <= 100; t++) {
        int want = (int)floor(40.0 * t / 100 + 1e-9), sum = 0;
        for (int k = 0; k < 3; k++) {
            int c = segment_count_int((struct segment){k, 3}, want);
            sum += c;
            peak[k] = c > peak[k] ? c : peak[k];
        }
        CHECK_INT(sum, want);
    }
    CHECK_INT(peak[0] + peak[1] + peak[2], 40);
}

int main(void)
{
    RUN(parse_good);
    RUN(parse_bad);
    RUN(counts_exact);
    RUN(owns_and_items);
    RUN(split_nested);
    RUN(arrival_interleaved);
    RUN(ramping_consistent);
    return unit_failures ? 1 : 0;
}
