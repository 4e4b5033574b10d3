/* payload.c — payload sets: files and globs read once, PNG/JPEG noise images generated once. */
#include "plan/payload.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

struct payload {
    size_t count;               /* items in use */
    uint64_t total;             /* sum of items[].len */
    struct payload_item *items; /* filename and data of each are owned (malloc) */
};

static int fail(char *err, int errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, int errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, (size_t)errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static payload *set_new(size_t count)
{
    payload *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->items = calloc(count ? count : 1, sizeof *p->items);
    if (!p->items) {
        free(p);
        return NULL;
    }
    return p;
}

void payload_free(payload *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++) {
        free((char *)p->items[i].filename);
        free((unsigned char *)p->items[i].data);
    }
    free(p->items);
    free(p);
}

size_t payload_count(const payload *p)
{
    return p ? p->count : 0;
}

const struct payload_item *payload_item(const payload *p, size_t i)
{
    return p && i < p->count ? &p->items[i] : NULL;
}

uint64_t payload_total_bytes(const payload *p)
{
    return p ? p->total : 0;
}

/* ---- content types ---------------------------------------------------------------------- */

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"jpe", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"heic", "image/heic"},
    {"bmp", "image/bmp"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"svg", "image/svg+xml"},
    {"ico", "image/vnd.microsoft.icon"},
    {"json", "application/json"},
    {"ndjson", "application/x-ndjson"},
    {"xml", "application/xml"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"bin", "application/octet-stream"},
    {"txt", "text/plain"},
    {"csv", "text/csv"},
    {"html", "text/html"},
    {"htm", "text/html"},
    {"css", "text/css"},
    {"js", "text/javascript"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
};

static const char *type_by_ext(const char *filename)
{
    const char *base = filename ? strrchr(filename, '/') : NULL;
    base = base ? base + 1 : filename;
    const char *dot = base ? strrchr(base, '.') : NULL;
    if (!dot || dot == base)
        return NULL; /* no extension, or a dot file like ".env" */
    for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
        if (!strcasecmp(dot + 1, content_types[i].ext))
            return content_types[i].type;
    return NULL;
}

const char *payload_content_type(const char *filename)
{
    const char *t = type_by_ext(filename);
    return t ? t : "application/octet-stream";
}

/* ---- files and globs -------------------------------------------------------------------- */

static char *base_name_dup(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    return strndup(path + start, n - start);
}

/* Read a whole file into a malloc'd buffer. Returns 0, or -1 with errno set. */
static int read_all(const char *path, unsigned char **data, size_t *len)
{
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto fail;
    }
    cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
    buf = malloc(cap);
    if (!buf)
        goto fail;
    for (;;) {
        if (n == cap) {
            unsigned char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                errno = ENOMEM;
                goto fail;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
fail:;
    int e = errno;
    free(buf);
    close(fd);
    errno = e;
    return -1;
}

/* Fill item `it` from the file at path. Returns 0 or -1 with err. */
static int load_item(struct payload_item *it, const char *path, char *err, int errlen)
{
    unsigned char *data = NULL;
    size_t len = 0;
    if (read_all(path, &data, &len) != 0)
        return fail(err, errlen, "cannot read '%s': %s", path, strerror(errno));
    char *name = base_name_dup(path);
    if (!name) {
        free(data);
        return fail(err, errlen, "cannot read '%s': %s", path, strerror(ENOMEM));
    }
    it->filename = name;
    it->content_type = payload_content_type(name);
    it->data = data;
    it->len = len;
    return 0;
}

int payload_from_file(const char *path, payload **out, char *err, int errlen)
{
    if (!path || !*path)
        return fail(err, errlen, "payload: empty file path");
    payload *p = set_new(1);
    if (!p)
        return fail(err, errlen, "cannot read '%s': %s", path, strerror(ENOMEM));
    if (load_item(&p->items[0], path, err, errlen) != 0)
        goto fail;
    p->count = 1;
    p->total = p->items[0].len;
    *out = p;
    return 0;
fail:
    payload_free(p);
    return -1;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int payload_from_glob(const char *pattern, payload **out, char *err, int errlen)
{
    glob_t g;
    payload *p = NULL;
    char **files = NULL;
    if (!pattern || !*pattern)
        return fail(err, errlen, "payload: empty glob pattern");
    memset(&g, 0, sizeof g);
    int rc = glob(pattern, GLOB_NOSORT | GLOB_MARK, NULL, &g);
    if (rc == GLOB_NOMATCH) {
        globfree(&g);
        return fail(err, errlen, "no files match '%s'", pattern);
    }
    if (rc != 0) {
        globfree(&g);
        return fail(err, errlen, "cannot expand '%s': %s", pattern,
                    rc == GLOB_NOSPACE ? strerror(ENOMEM) : "read error");
    }
    /* GLOB_MARK appends '/' to directories: keep files only, then sort bytewise so
     * the order does not depend on the locale. `files` borrows g's strings. */
    files = malloc((g.gl_pathc ? g.gl_pathc : 1) * sizeof *files);
    if (!files) {
        fail(err, errlen, "cannot expand '%s': %s", pattern, strerror(ENOMEM));
        goto fail;
    }
    size_t nfiles = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t n = strlen(g.gl_pathv[i]);
        if (n && g.gl_pathv[i][n - 1] != '/')
            files[nfiles++] = g.gl_pathv[i];
    }
    if (nfiles == 0) {
        fail(err, errlen, "no files match '%s' (only directories)", pattern);
        goto fail;
    }
    qsort(files, nfiles, sizeof files[0], cmp_path);
    p = set_new(nfiles);
    if (!p) {
        fail(err, errlen, "cannot expand '%s': %s", pattern, strerror(ENOMEM));
        goto fail;
    }
    for (size_t i = 0; i < nfiles; i++) {
        if (load_item(&p->items[i], files[i], err, errlen) != 0)
            goto fail;
        p->count++;
        p->total += p->items[i].len;
    }
    free(files);
    globfree(&g);
    *out = p;
    return 0;
fail:
    free(files);
    globfree(&g);
    payload_free(p);
    return -1;
}

/* ---- generated images ------------------------------------------------------------------- */

/* A growable output buffer the encoders write into. */
struct membuf {
    unsigned char *data;
    size_t len, cap;
};

static int membuf_reserve(struct membuf *m, size_t extra)
{
    if (m->cap - m->len >= extra)
        return 0;
    size_t cap = m->cap ? m->cap : 4096;
    while (cap - m->len < extra) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    unsigned char *d = realloc(m->data, cap);
    if (!d)
        return -1;
    m->data = d;
    m->cap = cap;
    return 0;
}

/* splitmix64: a fast, well-mixed stream; one per image so images differ. */
static uint64_t mix_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void noise_fill(uint64_t *s, unsigned char *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = mix_next(s);
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = mix_next(s);
        memcpy(p, &v, n);
    }
}

/* Width and height near 4:3 holding about `pixels` pixels, both >= 1. */
static void dims_for(double pixels, unsigned *w, unsigned *h)
{
    if (pixels < 1)
        pixels = 1;
    double fw = sqrt(pixels * 4.0 / 3.0);
    unsigned ww = fw < 1 ? 1 : (unsigned)(fw + 0.5);
    unsigned hh = (unsigned)(pixels / ww + 0.5);
    *w = ww;
    *h = hh ? hh : 1;
}

/* -- PNG: RGB 8-bit, filter None, deflate level 0 (stored blocks). Noise does not
 * compress at any level, so every level ends in stored blocks of the same size;
 * level 0 skips the wasted match search and makes the size exact:
 * h * (3w + 1) raw bytes plus a small fixed overhead. */

#define PNG_IDAT_CHUNK 65536 /* libpng's buffer = bytes per IDAT chunk */

static void png_on_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_on_write(png_structp png, png_bytep data, size_t len)
{
    struct membuf *m = png_get_io_ptr(png);
    if (membuf_reserve(m, len) != 0)
        png_error(png, "out of memory");
    memcpy(m->data + m->len, data, len);
    m->len += len;
}

static void png_on_flush(png_structp png)
{
    (void)png;
}

/* Bytes of a w x h image as png_encode() writes it. */
static uint64_t png_size(unsigned w, unsigned h)
{
    uint64_t raw = (uint64_t)h * (3ull * w + 1);
    uint64_t blocks = (raw + 65534) / 65535;                        /* stored deflate blocks */
    uint64_t zlen = 2 + raw + 5 * blocks + 4;                       /* zlib stream */
    uint64_t chunks = (zlen + PNG_IDAT_CHUNK - 1) / PNG_IDAT_CHUNK; /* IDAT chunks */
    return 8 + 25 + zlen + 12 * chunks + 12;                        /* sig, IHDR, IDATs, IEND */
}

static int png_encode(unsigned w, unsigned h, uint64_t seed, struct membuf *m)
{
    png_structp png = NULL;
    png_infop info = NULL;
    unsigned char *row = malloc(3ull * w);
    if (!row)
        return -1;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_on_error, png_on_warning);
    if (!png)
        goto fail;
    info = png_create_info_struct(png);
    if (!info)
        goto fail;
    if (setjmp(png_jmpbuf(png)))
        goto fail;
    png_set_write_fn(png, m, png_on_write, png_on_flush);
    png_set_compression_level(png, 0);
    png_set_compression_buffer_size(png, PNG_IDAT_CHUNK);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    uint64_t s = seed;
    for (unsigned y = 0; y < h; y++) {
        noise_fill(&s, row, 3ull * w);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
fail:
    if (png)
        png_destroy_write_struct(&png, info ? &info : NULL);
    free(row);
    return -1;
}

static int png_generate(uint64_t target, uint64_t seed, struct membuf *m)
{
    uint64_t fixed = png_size(1, 1) - 4; /* overhead beyond one 1x1 row of raw bytes */
    double raw = target > fixed ? (double)(target - fixed) : 4;
    unsigned w, h;
    dims_for(raw / 3.0, &w, &h);
    /* Pick the height that lands closest for this width (rows are ~3w bytes). */
    uint64_t best_h = h;
    for (uint64_t hh = h > 2 ? h - 2 : 1; hh <= (uint64_t)h + 2; hh++) {
        uint64_t a = png_size(w, (unsigned)hh), b = png_size(w, (unsigned)best_h);
        uint64_t da = a > target ? a - target : target - a;
        uint64_t db = b > target ? b - target : target - b;
        if (da < db)
            best_h = hh;
    }
    if (membuf_reserve(m, png_size(w, (unsigned)best_h) + 1024) != 0)
        return -1;
    return png_encode(w, (unsigned)best_h, seed, m);
}

/* -- JPEG: quality 90, 4:2:0, optimized Huffman tables (so the entropy-coded noise
 * leaves nothing for deflate to squeeze). Size is not a closed formula, but noise is
 * statistically the same everywhere, so bytes grow linearly with pixels: encode,
 * measure bytes per pixel, rescale, re-encode (one or two rounds). The measured
 * rate carries over to the next image of the set, which then usually fits at once. */

struct jpeg_sink {
    struct jpeg_destination_mgr pub; /* first: libjpeg casts to it */
    struct membuf *m;
};

struct jpeg_fail {
    struct jpeg_error_mgr pub; /* first: libjpeg casts to it */
    jmp_buf jb;
};

static void jpeg_on_error(j_common_ptr cinfo)
{
    struct jpeg_fail *f = (struct jpeg_fail *)cinfo->err;
    longjmp(f->jb, 1);
}

static void jpeg_on_message(j_common_ptr cinfo)
{
    (void)cinfo;
}

static void sink_init(j_compress_ptr cinfo)
{
    struct jpeg_sink *s = (struct jpeg_sink *)cinfo->dest;
    s->m->len = 0;
    if (membuf_reserve(s->m, 4096) != 0)
        cinfo->err->error_exit((j_common_ptr)cinfo); /* longjmps */
    s->pub.next_output_byte = s->m->data;
    s->pub.free_in_buffer = s->m->cap;
}

static boolean sink_empty(j_compress_ptr cinfo)
{
    struct jpeg_sink *s = (struct jpeg_sink *)cinfo->dest;
    s->m->len = s->m->cap; /* libjpeg filled the whole buffer */
    if (membuf_reserve(s->m, s->m->cap) != 0)
        cinfo->err->error_exit((j_common_ptr)cinfo); /* longjmps */
    s->pub.next_output_byte = s->m->data + s->m->len;
    s->pub.free_in_buffer = s->m->cap - s->m->len;
    return TRUE;
}

static void sink_term(j_compress_ptr cinfo)
{
    struct jpeg_sink *s = (struct jpeg_sink *)cinfo->dest;
    s->m->len = s->m->cap - s->pub.free_in_buffer;
}

static int jpeg_encode(unsigned w, unsigned h, uint64_t seed, struct membuf *m)
{
    struct jpeg_compress_struct cinfo;
    struct jpeg_fail jf;
    struct jpeg_sink sink;
    unsigned char *row = malloc(3ull * w);
    if (!row)
        return -1;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&jf.pub);
    jf.pub.error_exit = jpeg_on_error;
    jf.pub.output_message = jpeg_on_message;
    if (setjmp(jf.jb)) {
        jpeg_destroy_compress(&cinfo);
        free(row);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    memset(&sink, 0, sizeof sink);
    sink.pub.init_destination = sink_init;
    sink.pub.empty_output_buffer = sink_empty;
    sink.pub.term_destination = sink_term;
    sink.m = m;
    cinfo.dest = &sink.pub;
    cinfo.image_width = w;
    cinfo.image_height = h;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 90, TRUE);
    cinfo.optimize_coding = TRUE;
    jpeg_start_compress(&cinfo, TRUE);
    uint64_t s = seed;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = {row};
        noise_fill(&s, row, 3ull * w);
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(row);
    return 0;
}

#define JPEG_HEADER_BYTES 600.0 /* about: markers, quant and Huffman tables */
#define JPEG_FIRST_BPP 1.6      /* bytes per pixel of q90 4:2:0 noise, first guess */

/* Encode one image near `target` bytes, refining *bpp (bytes per pixel of the
 * entropy-coded data) as it measures. Accepts within 3%; keeps the closest try. */
static int jpeg_generate(uint64_t target, uint64_t seed, double *bpp, struct membuf *m)
{
    struct membuf best = {0};
    uint64_t best_diff = UINT64_MAX;
    for (int attempt = 0; attempt < 6; attempt++) {
        double data = (double)target - JPEG_HEADER_BYTES;
        if (data < 64)
            data = 64;
        unsigned w, h;
        dims_for(data / *bpp, &w, &h);
        if (jpeg_encode(w, h, seed, m) != 0)
            goto fail;
        uint64_t diff = m->len > target ? m->len - target : target - m->len;
        double got = (double)m->len - JPEG_HEADER_BYTES;
        if (got > 16)
            *bpp = got / ((double)w * h);
        if (diff < best_diff) {
            struct membuf t = best;
            best = *m;
            *m = t;
            m->len = 0;
            best_diff = diff;
        }
        if ((double)best_diff <= 0.03 * (double)target)
            break;
    }
    free(m->data);
    *m = best;
    return 0;
fail:
    free(best.data);
    return -1;
}

static uint64_t image_seed(uint64_t seed, size_t i)
{
    uint64_t s = seed ^ 0x5eed5eed5eed5eedULL;
    s += (uint64_t)(i + 1) * 0xd1b54a32d192ed03ULL;
    return mix_next(&s);
}

int payload_generate(const char *type, size_t count, uint64_t size_bytes, uint64_t seed,
                     payload **out, char *err, int errlen)
{
    int is_png;
    if (type && !strcasecmp(type, "png"))
        is_png = 1;
    else if (type && (!strcasecmp(type, "jpeg") || !strcasecmp(type, "jpg")))
        is_png = 0;
    else
        return fail(err, errlen, "generate: unknown type '%s' (use png or jpeg)", type ? type : "");
    if (count < 1 || count > PAYLOAD_GEN_MAX_COUNT)
        return fail(err, errlen, "generate: count must be between 1 and %u (got %zu)",
                    PAYLOAD_GEN_MAX_COUNT, count);
    if (size_bytes < 1000)
        return fail(err, errlen, "generate: size must be at least 1KB (got %llu bytes)",
                    (unsigned long long)size_bytes);
    if (size_bytes > PAYLOAD_GEN_MAX_SIZE)
        return fail(err, errlen, "generate: size must be at most %uMB (got %llu bytes)",
                    PAYLOAD_GEN_MAX_SIZE / 1000000u, (unsigned long long)size_bytes);
    struct membuf m = {0};
    double bpp = JPEG_FIRST_BPP;
    payload *p = set_new(count);
    if (!p)
        goto oom;
    for (size_t i = 0; i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "img-%03zu.%s", i + 1, is_png ? "png" : "jpg");
        memset(&m, 0, sizeof m);
        uint64_t s = image_seed(seed, i);
        int rc = is_png ? png_generate(size_bytes, s, &m) : jpeg_generate(size_bytes, s, &bpp, &m);
        if (rc != 0)
            goto oom;
        struct payload_item *it = &p->items[i];
        it->filename = strdup(name);
        if (!it->filename)
            goto oom;
        /* Give back the slack of the growth doubling: this memory lives all run. */
        unsigned char *fit = realloc(m.data, m.len);
        it->data = fit ? fit : m.data;
        it->len = m.len;
        memset(&m, 0, sizeof m);
        it->content_type = is_png ? "image/png" : "image/jpeg";
        p->count++;
        p->total += it->len;
    }
    *out = p;
    return 0;
oom:
    free(m.data);
    payload_free(p);
    return fail(err, errlen, "generate: out of memory");
}

int payload_from_text(const char *name, const void *bytes, size_t len, payload **out, char *err,
                      int errlen)
{
    if (!name || !*name)
        return fail(err, errlen, "payload: empty name");
    if (len && !bytes)
        return fail(err, errlen, "payload '%s': no bytes", name);
    payload *p = set_new(1);
    unsigned char *copy = NULL;
    char *nm = NULL;
    if (!p)
        goto oom;
    copy = malloc(len ? len : 1);
    nm = strdup(name);
    if (!copy || !nm)
        goto oom;
    if (len)
        memcpy(copy, bytes, len);
    const char *t = type_by_ext(nm);
    p->items[0] = (struct payload_item){nm, t ? t : "text/plain", copy, len};
    p->count = 1;
    p->total = len;
    *out = p;
    return 0;
oom:
    free(copy);
    free(nm);
    payload_free(p);
    return fail(err, errlen, "payload: out of memory");
}
