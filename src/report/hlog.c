/* hlog.c — HdrHistogram V2 encoding and decoding, and the interval log writer. */
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

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* The lowest value of counts slot i (the inverse of index_of). */
static int64_t slot_lowest(const struct layout *l, size_t i)
{
    int64_t bucket = (int64_t)(i >> l->half_mag) - 1;
    int64_t sub = (int64_t)(i & (size_t)(l->half_count - 1)) + l->half_count;
    if (bucket < 0) {
        bucket = 0;
        sub -= l->half_count;
    }
    return sub << (bucket + l->unit_mag);
}

#define DECODE_MAX_BYTES (16u << 20) /* most bytes an encoding may inflate to */

/* base64 -> the compressed bytes -> the V2 encoding (*enc, *enc_len; malloc'd). */
static int unwrap(const char *b64, size_t len, uint8_t **enc, size_t *enc_len)
{
    if (len < 12 || len % 4 || len > 4 * (size_t)DECODE_MAX_BYTES)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) /* EVP_DecodeBlock skips blanks: we do not */
        if (b64[i] == ' ' || b64[i] == '\t' || b64[i] == '\n' || b64[i] == '\r' || !b64[i])
            return -EINVAL;
    uint8_t *raw = malloc(len / 4 * 3 + 1), *out = NULL;
    if (!raw)
        return -ENOMEM;
    int rc = -EINVAL;
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
    if (n < 0)
        goto done;
    n -= (b64[len - 1] == '=') + (b64[len - 2] == '='); /* padding decodes as zeros */
    if (n < 8 || get_be32(raw) != V2_COMPRESSION_COOKIE || get_be32(raw + 4) != (uint32_t)n - 8)
        goto done;
    z_stream z = {0};
    if (inflateInit(&z) != Z_OK) {
        rc = -ENOMEM;
        goto done;
    }
    size_t cap = 4096, have = 0;
    out = malloc(cap);
    z.next_in = raw + 8;
    z.avail_in = (uInt)(n - 8);
    int zr = Z_OK;
    while (out && zr == Z_OK) {
        if (have == cap) {
            uint8_t *bigger = cap < DECODE_MAX_BYTES ? realloc(out, cap * 2) : NULL;
            if (!bigger)
                break;
            out = bigger;
            cap *= 2;
        }
        z.next_out = out + have;
        z.avail_out = (uInt)(cap - have);
        zr = inflate(&z, Z_NO_FLUSH);
        have = cap - z.avail_out;
        if (zr == Z_BUF_ERROR && z.avail_out) /* input ended before the stream */
            break;
        if (zr == Z_BUF_ERROR)
            zr = Z_OK;
    }
    inflateEnd(&z);
    if (!out)
        rc = -ENOMEM;
    else if (zr == Z_STREAM_END && z.avail_in == 0) {
        *enc = out;
        *enc_len = have;
        out = NULL;
        rc = 0;
    }
done:
    free(raw);
    free(out);
    return rc;
}

int hlog_decode(const char *b64, size_t len, int64_t min, int64_t max, hist **out)
{
    uint8_t *enc = NULL;
    size_t n = 0;
    int rc = unwrap(b64, len, &enc, &n);
    if (rc)
        return rc;
    hist *h = NULL;
    int64_t *counts = NULL;
    rc = -EINVAL;
    if (n < 40 || get_be32(enc) != V2_ENCODING_COOKIE || get_be32(enc + 4) != n - 40 ||
        get_be32(enc + 8) != 0)
        goto done;
    uint32_t sig = get_be32(enc + 12);
    uint64_t lo = get_be64(enc + 16), hi = get_be64(enc + 24);
    if (sig < 1 || sig > 3 || lo < 1 || lo > 1000000 || hi < 2 * lo || hi > 10000000000000ull)
        goto done;
    if ((rc = hist_new((int64_t)lo, (int64_t)hi, (int)sig, &h)))
        goto done;
    rc = -EINVAL;
    struct layout l;
    layout_of(h, &l);
    size_t nslots = index_of(&l, (int64_t)hi) + 1, i = 0;
    int64_t total = 0;
    if (!(counts = calloc(nslots, sizeof *counts))) {
        rc = -ENOMEM;
        goto done;
    }
    for (size_t p = 40; p < n;) {
        uint64_t u = 0;
        int k = 0;
        for (;; k++) { /* LEB128: 8 bytes of 7 bits, a 9th of 8 */
            if (p >= n)
                goto done;
            uint8_t b = enc[p++];
            if (k == 8) {
                u |= (uint64_t)b << 56;
                break;
            }
            u |= (uint64_t)(b & 0x7f) << (7 * k);
            if (!(b & 0x80))
                break;
        }
        int64_t v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        if (v == INT64_MIN || v > ((int64_t)1 << 50) ||
            (total += v > 0 ? v : 0) > ((int64_t)1 << 56))
            goto done; /* no overflow in the sums below */
        if (v < 0) { /* a run of -v empty slots */
            if ((uint64_t)-v > nslots - i)
                goto done;
            i += (size_t)-v;
        } else {
            if (i >= nslots)
                goto done;
            counts[i++] = v;
        }
    }
    size_t last = nslots;
    for (size_t j = 0; j < nslots; j++)
        if (counts[j])
            last = j;
    for (size_t j = 0; last < nslots && j <= last; j++) {
        if (!counts[j])
            continue;
        int64_t v = slot_lowest(&l, j);
        if (min >= 0 && v < min)
            v = min; /* the first slot holds min: its samples come back as it */
        if (j == last && max >= 0) {
            hist_record_n(h, v < max ? v : max, counts[j] - 1);
            hist_record(h, max);
        } else {
            hist_record_n(h, v, counts[j]);
        }
    }
    *out = h;
    h = NULL;
    rc = 0;
done:
    hist_free(h);
    free(counts);
    free(enc);
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
