/* hlog_decode.c — test tool: reads an HdrHistogram interval log (.hlog), decodes every
 * interval (base64, zlib, V2 ZigZag LEB128 counts) on its own, without surge's code, adds
 * the intervals up and prints the total's count and percentiles the way results.json
 * gives them (ms, the bucket's highest equivalent value, capped by the largest
 * Interval_Max):
 *     intervals N count N p50 X p90 X p95 X p99 X p999 X max X
 * Exit 1 with a message on anything malformed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

static int64_t *total;
static size_t total_len;
static int unit_mag, half_mag;
static int64_t half_count;
static long lineno;

static void die(const char *why)
{
    fprintf(stderr, "hlog_decode: line %ld: %s\n", lineno, why);
    exit(1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int64_t highest_equivalent(size_t i)
{
    int bucket = (int)(i >> half_mag) - 1;
    int64_t sub = (int64_t)(i & (size_t)(half_count - 1)) + half_count;
    if (bucket < 0) {
        bucket = 0;
        sub -= half_count;
    }
    int64_t lo = sub << (bucket + unit_mag);
    return lo + ((int64_t)1 << (bucket + unit_mag)) - 1;
}

static void decode_interval(const char *b64)
{
    size_t n = strlen(b64);
    uint8_t *raw = malloc(n);
    int rn = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
    if (rn < 8)
        die("bad base64");
    if ((be32(raw) & ~0xf0u) != 0x1c849304u)
        die("not a V2 compressed histogram cookie");
    uint32_t clen = be32(raw + 4);
    if (clen + 8 > (uint32_t)rn)
        die("compressed length past the data");
    uLongf cap = 1 << 20;
    uint8_t *enc = malloc(cap);
    if (uncompress(enc, &cap, raw + 8, clen) != Z_OK)
        die("zlib: cannot inflate");
    if (cap < 40 || (be32(enc) & ~0xf0u) != 0x1c849303u)
        die("not a V2 encoding cookie");
    uint32_t plen = be32(enc + 4);
    int sig = (int)be32(enc + 12);
    int64_t lowest = (int64_t)be64(enc + 16), highest = (int64_t)be64(enc + 24);
    if (40 + plen > cap || sig < 1 || sig > 5 || lowest < 1 || highest < 2 * lowest)
        die("bad header");
    /* layout, from HdrHistogram's definition */
    int64_t largest = 2;
    for (int i = 0; i < sig; i++)
        largest *= 10;
    int sub_mag = (int)ceil(log2((double)largest));
    half_mag = (sub_mag > 1 ? sub_mag : 1) - 1;
    unit_mag = (int)floor(log2((double)lowest));
    half_count = (int64_t)1 << half_mag;
    int64_t smallest_untrackable = (2 * half_count) << unit_mag;
    int buckets = 1;
    while (smallest_untrackable <= highest) {
        if (smallest_untrackable > INT64_MAX / 2) {
            buckets++;
            break;
        }
        smallest_untrackable <<= 1;
        buckets++;
    }
    size_t len = (size_t)(buckets + 1) * (size_t)half_count;
    if (!total) {
        total = calloc(len, sizeof *total);
        total_len = len;
    } else if (len != total_len) {
        die("intervals with different layouts");
    }
    size_t idx = 0;
    const uint8_t *p = enc + 40, *end = enc + 40 + plen;
    while (p < end) {
        uint64_t u = 0;
        int shift = 0;
        for (int k = 0; k < 9; k++) {
            if (p >= end)
                die("truncated varint");
            uint8_t b = *p++;
            if (k == 8) {
                u |= (uint64_t)b << 56;
                break;
            }
            u |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            if (!(b & 0x80))
                break;
        }
        int64_t v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        if (v < 0) {
            idx += (size_t)-v;
        } else {
            if (idx >= total_len)
                die("count index past the layout");
            total[idx++] += v;
        }
    }
    free(raw);
    free(enc);
}

static double pct(double p, int64_t count, int64_t max)
{
    double x = p / 100.0 * (double)count, r = nearbyint(x);
    int64_t rank = fabs(x - r) <= 1e-9 * (r > 1 ? r : 1) ? (int64_t)r : (int64_t)ceil(x);
    if (rank < 1)
        rank = 1;
    int64_t seen = 0;
    for (size_t i = 0; i < total_len; i++) {
        seen += total[i];
        if (seen >= rank) {
            int64_t v = highest_equivalent(i);
            return (double)(v < max ? v : max) / 1e3;
        }
    }
    return (double)max / 1e3;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hlog_decode FILE.hlog\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int intervals = 0, start = 0, base = 0, legend = 0;
    double maxms = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!strncmp(line, "#[StartTime: ", 13))
            start = 1;
        else if (!strncmp(line, "#[BaseTime: ", 12))
            base = 1;
        else if (!strncmp(line, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",", 50))
            legend = 1;
        if (line[0] == '#' || line[0] == '"' || !line[0])
            continue;
        double ts, il, mx;
        int off = 0;
        if (sscanf(line, "%lf,%lf,%lf,%n", &ts, &il, &mx, &off) != 3 || !off)
            die("not an interval line");
        if (mx > maxms)
            maxms = mx;
        decode_interval(line + off);
        intervals++;
    }
    free(line);
    fclose(f);
    if (!start || !base || !legend)
        die("missing the StartTime, BaseTime or legend line");
    int64_t count = 0;
    for (size_t i = 0; i < total_len; i++)
        count += total[i];
    int64_t max = llround(maxms * 1000);
    printf("intervals %d count %lld p50 %.3f p90 %.3f p95 %.3f p99 %.3f p999 %.3f max %.3f\n",
           intervals, (long long)count, pct(50, count, max), pct(90, count, max),
           pct(95, count, max), pct(99, count, max), pct(99.9, count, max), (double)max / 1e3);
    free(total);
    return 0;
}
