/* hlog.c — HdrHistogram V2 encoding and the interval log writer. */
#include "report/hlog.h"
#include "report/outfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <zlib.h>

#define V2_ENCODING_COOKIE 0x1c849313u    /* base 0x1c849303 | word size flag 0x10 */
#define V2_COMPRESSION_COOKIE 0x1c849314u /* base 0x1c849304 | 0x10 */

struct hlog {
    FILE *f;
};

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* HdrHistogram's layout for (lowest, highest, sigfigs): the counts index of a value. */
struct layout {
    int unit_mag, half_mag;
    int64_t half_count;
    uint64_t sub_mask;
};

static void layout_of(const hist *h, struct layout *l)
{
    int64_t largest = 2;
    for (int i = 0; i < hist_sigfigs(h); i++)
        largest *= 10;
    int sub_mag = 0;
    while (((int64_t)1 << sub_mag) < largest)
        sub_mag++;
    l->half_mag = (sub_mag > 1 ? sub_mag : 1) - 1;
    l->unit_mag = 63 - __builtin_clzll((uint64_t)hist_lowest(h));
    l->half_count = (int64_t)1 << l->half_mag;
    l->sub_mask = ((uint64_t)(2 * l->half_count) - 1) << l->unit_mag;
}

static size_t index_of(const struct layout *l, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int pow2ceil = 64 - __builtin_clzll(u | l->sub_mask);
    int bucket = pow2ceil - l->unit_mag - (l->half_mag + 1);
    int64_t sub = (int64_t)(u >> (bucket + l->unit_mag));
    return (size_t)(((int64_t)(bucket + 1) << l->half_mag) + (sub - l->half_count));
}

struct collect_ctx {
    const struct layout *l;
    int64_t *counts;
    size_t n; /* slots filled up to */
    size_t cap;
};

static int take(int64_t value, int64_t count, void *ud)
{
    struct collect_ctx *c = ud;
    size_t i = index_of(c->l, value);
    if (i >= c->cap)
        return 1;
    c->counts[i] += count;
    if (i + 1 > c->n)
        c->n = i + 1;
    return 0;
}

/* LEB128 of the ZigZag of v (at most 9 bytes: the 9th carries 8 bits). */
static size_t put_zigzag(uint8_t *p, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (n < 8 && u >= 0x80) {
        p[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    return n;
}

int hlog_encode(const hist *h, struct sbuf *out)
{
    struct layout l;
    layout_of(h, &l);
    size_t cap = index_of(&l, hist_highest(h)) + 1;
    int rc = -ENOMEM;
    uint8_t *enc = NULL, *cmp = NULL;
    unsigned char *b64 = NULL;
    int64_t *counts = calloc(cap, sizeof *counts);
    if (!counts)
        goto done;
    struct collect_ctx cc = {&l, counts, 0, cap};
    hist_foreach(h, take, &cc);
    enc = malloc(40 + cc.n * 9);
    if (!enc)
        goto done;
    size_t len = 40;
    for (size_t i = 0; i < cc.n;) {
        if (counts[i] == 0) {
            size_t z = i;
            while (z < cc.n && counts[z] == 0)
                z++;
            len += put_zigzag(enc + len, z - i > 1 ? -(int64_t)(z - i) : 0);
            i = z;
        } else {
            len += put_zigzag(enc + len, counts[i++]);
        }
    }
    put_be32(enc, V2_ENCODING_COOKIE);
    put_be32(enc + 4, (uint32_t)(len - 40)); /* payload length */
    put_be32(enc + 8, 0);                    /* normalizing index offset */
    put_be32(enc + 12, (uint32_t)hist_sigfigs(h));
    put_be64(enc + 16, (uint64_t)hist_lowest(h));
    put_be64(enc + 24, (uint64_t)hist_highest(h));
    double ratio = 1.0;
    uint64_t bits;
    memcpy(&bits, &ratio, sizeof bits);
    put_be64(enc + 32, bits);
    uLongf clen = compressBound((uLong)len);
    if (!(cmp = malloc(8 + clen)))
        goto done;
    if (compress(cmp + 8, &clen, enc, (uLong)len) != Z_OK) {
        rc = -EIO;
        goto done;
    }
    put_be32(cmp, V2_COMPRESSION_COOKIE);
    put_be32(cmp + 4, (uint32_t)clen);
    size_t total = 8 + clen;
    if (!(b64 = malloc(4 * ((total + 2) / 3) + 1)))
        goto done;
    int n = EVP_EncodeBlock(b64, cmp, (int)total);
    rc = n < 0 ? -EIO : sbuf_append(out, b64, (size_t)n);
done:
    free(counts);
    free(enc);
    free(cmp);
    free(b64);
    return rc;
}

int hlog_open(const char *path, double start_epoch, hlog **out, char *err, int errlen)
{
    hlog *l = calloc(1, sizeof *l);
    if (!l)
        snprintf(err, (size_t)errlen, "cannot write '%s': out of memory", path);
    if (!l || !(l->f = outfile_create(path, err, errlen))) {
        free(l);
        return -1;
    }
    time_t t = (time_t)start_epoch;
    struct tm tm;
    char date[64];
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &tm);
    fprintf(l->f,
            "#[surge latency log: values in microseconds, one interval per second]\n"
            "#[Histogram log format version 1.3]\n"
            "#[StartTime: %.3f (seconds since epoch), %s]\n"
            "#[BaseTime: %.3f (seconds since epoch)]\n"
            "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
            start_epoch, date, start_epoch);
    if (fflush(l->f)) {
        snprintf(err, (size_t)errlen, "cannot write '%s': %s", path, strerror(errno));
        hlog_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

int hlog_interval(hlog *l, double start_s, double len_s, const hist *h)
{
    struct sbuf b = SBUF_INIT;
    if (!l || hlog_encode(h, &b)) {
        sbuf_free(&b);
        return -1;
    }
    /* Interval_Max in the unit HdrHistogram's writer uses by default for such logs:
     * value / 1000 (here: milliseconds). */
    int rc = fprintf(l->f, "%.3f,%.3f,%.3f,%s\n", start_s, len_s, (double)hist_max(h) / 1000.0,
                     sbuf_str(&b)) < 0 || fflush(l->f) ? -1 : 0;
    sbuf_free(&b);
    return rc;
}

void hlog_close(hlog *l)
{
    if (!l)
        return;
    if (l->f)
        fclose(l->f);
    free(l);
}
