/* test_payload.c — payload sets: generated images decode and hit their size, files, globs, errors. */
#include "unit.h"
#include "plan/payload.h"

#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW_BUILD 1
#endif
#endif
#ifndef SLOW_BUILD
#define SLOW_BUILD 0
#endif

static char err[256];

/* Decode a PNG fully; returns 0 and its dimensions. */
static int png_decode(const unsigned char *data, size_t len, unsigned *w, unsigned *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, data, len))
        return -1;
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    if (!px) {
        png_image_free(&img);
        return -1;
    }
    int ok = png_image_finish_read(&img, NULL, px, 0, NULL);
    free(px);
    *w = img.width;
    *h = img.height;
    png_image_free(&img);
    return ok && !PNG_IMAGE_FAILED(img) ? 0 : -1;
}

struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
};

static void jerr_exit(j_common_ptr c)
{
    longjmp(((struct jerr *)c->err)->jb, 1);
}

static void jerr_quiet(j_common_ptr c)
{
    (void)c;
}

/* Decode a JPEG fully; returns 0 and its dimensions, -1 on any error or warning. */
static int jpeg_decode(const unsigned char *data, size_t len, unsigned *w, unsigned *h)
{
    struct jpeg_decompress_struct d;
    struct jerr je;
    unsigned char *volatile row = NULL;
    memset(&d, 0, sizeof d);
    d.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = jerr_exit;
    je.pub.output_message = jerr_quiet;
    if (setjmp(je.jb)) {
        jpeg_destroy_decompress(&d);
        free(row);
        return -1;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, (unsigned long)len);
    if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK)
        longjmp(je.jb, 1);
    jpeg_start_decompress(&d);
    row = malloc((size_t)d.output_width * d.output_components);
    if (!row)
        longjmp(je.jb, 1);
    while (d.output_scanline < d.output_height) {
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&d, rows, 1);
    }
    jpeg_finish_decompress(&d);
    *w = d.image_width;
    *h = d.image_height;
    int warnings = (int)je.pub.num_warnings;
    jpeg_destroy_decompress(&d);
    free(row);
    return warnings ? -1 : 0;
}

static int decode(int is_png, const struct payload_item *it, unsigned *w, unsigned *h)
{
    return is_png ? png_decode(it->data, it->len, w, h) : jpeg_decode(it->data, it->len, w, h);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void generated_images_decode(void)
{
    for (int is_png = 1; is_png >= 0; is_png--) {
        payload *p = NULL;
        CHECK(payload_generate(is_png ? "png" : "jpeg", 3, 32000, 1, &p, err, sizeof err) == 0);
        if (!p)
            continue;
        CHECK_INT(payload_count(p), 3);
        for (size_t i = 0; i < payload_count(p); i++) {
            const struct payload_item *it = payload_item(p, i);
            unsigned w = 0, h = 0;
            CHECK(decode(is_png, it, &w, &h) == 0);
            CHECK(w > 0 && h > 0);
            CHECK_STR(it->content_type, is_png ? "image/png" : "image/jpeg");
        }
        CHECK_STR(payload_item(p, 0)->filename, is_png ? "img-001.png" : "img-001.jpg");
        CHECK_STR(payload_item(p, 2)->filename, is_png ? "img-003.png" : "img-003.jpg");
        CHECK(payload_item(p, 3) == NULL);
        payload_free(p);
    }
}

static void generated_sizes(void)
{
    static const uint64_t sizes[] = {32000, 374000, 1000000};
    for (int is_png = 1; is_png >= 0; is_png--) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            payload *p = NULL;
            double t0 = now_s();
            CHECK(payload_generate(is_png ? "png" : "jpg", 3, sizes[s], 7, &p, err, sizeof err) ==
                  0);
            double dt = now_s() - t0;
            if (!p)
                continue;
            uint64_t total = 0;
            for (size_t i = 0; i < payload_count(p); i++) {
                const struct payload_item *it = payload_item(p, i);
                CHECK_NEAR((double)it->len, (double)sizes[s], 0.10 * (double)sizes[s]);
                total += it->len;
                unsigned w, h;
                CHECK(decode(is_png, it, &w, &h) == 0);
            }
            CHECK_INT(payload_total_bytes(p), total);
            printf("    %s %7llu B: %zu..%zu B, 3 in %.3fs\n", is_png ? "png " : "jpeg",
                   (unsigned long long)sizes[s], payload_item(p, 0)->len,
                   payload_item(p, 2)->len, dt);
            payload_free(p);
        }
    }
}

/* Like real photos, the images must not shrink under compression: a test image that
 * compresses away hides the real transfer size (32 KB solid colour vs 374 KB photos). */
static void generated_incompressible(void)
{
    static const uint64_t sizes[] = {32000, 374000};
    for (int is_png = 1; is_png >= 0; is_png--) {
        for (size_t s = 0; s < 2; s++) {
            payload *p = NULL;
            CHECK(payload_generate(is_png ? "png" : "jpeg", 2, sizes[s], 3, &p, err, sizeof err) ==
                  0);
            if (!p)
                continue;
            for (size_t i = 0; i < payload_count(p); i++) {
                const struct payload_item *it = payload_item(p, i);
                uLongf zlen = compressBound(it->len);
                unsigned char *z = malloc(zlen);
                CHECK(z && compress2(z, &zlen, it->data, it->len, 9) == Z_OK);
                CHECK((double)zlen > 0.95 * (double)it->len);
                free(z);
            }
            payload_free(p);
        }
    }
}

static void generated_distinct_and_deterministic(void)
{
    for (int is_png = 1; is_png >= 0; is_png--) {
        const char *type = is_png ? "png" : "jpeg";
        payload *a = NULL, *b = NULL, *c = NULL;
        CHECK(payload_generate(type, 6, 8000, 99, &a, err, sizeof err) == 0);
        CHECK(payload_generate(type, 6, 8000, 99, &b, err, sizeof err) == 0);
        CHECK(payload_generate(type, 6, 8000, 100, &c, err, sizeof err) == 0);
        if (a && b && c) {
            for (size_t i = 0; i < 6; i++) {
                const struct payload_item *x = payload_item(a, i);
                for (size_t j = i + 1; j < 6; j++) {
                    const struct payload_item *y = payload_item(a, j);
                    CHECK(x->len != y->len || memcmp(x->data, y->data, x->len) != 0);
                    CHECK(strcmp(x->filename, y->filename) != 0);
                }
                const struct payload_item *xb = payload_item(b, i), *xc = payload_item(c, i);
                CHECK(x->len == xb->len && memcmp(x->data, xb->data, x->len) == 0);
                CHECK(x->len != xc->len || memcmp(x->data, xc->data, x->len) != 0);
            }
        }
        payload_free(a);
        payload_free(b);
        payload_free(c);
    }
}

/* The seed's upload: 30 images of 374 KB, generated once at plan load. */
static void generated_set_is_fast(void)
{
    for (int is_png = 1; is_png >= 0; is_png--) {
        payload *p = NULL;
        double t0 = now_s();
        CHECK(payload_generate(is_png ? "png" : "jpeg", 30, 374000, 5, &p, err, sizeof err) == 0);
        double dt = now_s() - t0;
        printf("    %s 30 x 374KB: %.3fs, %llu bytes\n", is_png ? "png " : "jpeg", dt,
               (unsigned long long)payload_total_bytes(p));
        CHECK(dt < (SLOW_BUILD ? 20.0 : 2.0));
        CHECK_INT(payload_count(p), 30);
        CHECK_NEAR((double)payload_total_bytes(p), 30 * 374000.0, 30 * 37400.0);
        payload_free(p);
    }
}

static void generate_errors(void)
{
    payload *p = (payload *)&err; /* must stay untouched */
    payload *const sentinel = p;
    CHECK(payload_generate("png", 1, 0, 1, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "generate: size must be at least 1KB") == err);
    CHECK(payload_generate("jpeg", 1, 999, 1, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "size must be at least 1KB") != NULL);
    CHECK(payload_generate("png", 1, 65000000, 1, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "generate: size must be at most 64MB") == err);
    CHECK(payload_generate("png", 0, 32000, 1, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "generate: count must be between 1 and 10000") == err);
    CHECK(payload_generate("png", 10001, 32000, 1, &p, err, sizeof err) == -1);
    CHECK(payload_generate("gif", 1, 32000, 1, &p, err, sizeof err) == -1);
    CHECK_STR(err, "generate: unknown type 'gif' (use png or jpeg)");
    CHECK(payload_generate(NULL, 1, 32000, 1, &p, err, sizeof err) == -1);
    CHECK(payload_generate("png", 1, 0, 1, &p, NULL, 0) == -1);
    CHECK(p == sentinel);
}

static void content_types(void)
{
    CHECK_STR(payload_content_type("a.png"), "image/png");
    CHECK_STR(payload_content_type("A.JPG"), "image/jpeg");
    CHECK_STR(payload_content_type("x.jpeg"), "image/jpeg");
    CHECK_STR(payload_content_type("x.gif"), "image/gif");
    CHECK_STR(payload_content_type("x.webp"), "image/webp");
    CHECK_STR(payload_content_type("data.json"), "application/json");
    CHECK_STR(payload_content_type("notes.txt"), "text/plain");
    CHECK_STR(payload_content_type("blob.bin"), "application/octet-stream");
    CHECK_STR(payload_content_type("archive.tar.gz"), "application/gzip");
    CHECK_STR(payload_content_type("x.unknownext"), "application/octet-stream");
    CHECK_STR(payload_content_type("Makefile"), "application/octet-stream");
    CHECK_STR(payload_content_type(".png"), "application/octet-stream");
    CHECK_STR(payload_content_type("dir.png/file"), "application/octet-stream");
    CHECK_STR(payload_content_type("dir/x.png"), "image/png");
    CHECK_STR(payload_content_type(NULL), "application/octet-stream");
}

static char tmpdir[64];

static void write_file(const char *name, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(content, 1, strlen(content), f);
        fclose(f);
    }
}

static void files_and_globs(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/surge-payload-XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    write_file("b.png", "PNGDATA-b");
    write_file("a.png", "PNGDATA-a!");
    write_file("c.json", "{\"k\":1}");
    write_file("empty.bin", "");
    char path[256], pat[256];
    snprintf(path, sizeof path, "%s/sub.png", tmpdir);
    CHECK(mkdir(path, 0700) == 0); /* a directory that matches *.png */

    payload *p = NULL;
    snprintf(path, sizeof path, "%s/c.json", tmpdir);
    CHECK(payload_from_file(path, &p, err, sizeof err) == 0);
    CHECK_INT(payload_count(p), 1);
    CHECK_STR(payload_item(p, 0)->filename, "c.json");
    CHECK_STR(payload_item(p, 0)->content_type, "application/json");
    CHECK_INT(payload_item(p, 0)->len, 7);
    CHECK(memcmp(payload_item(p, 0)->data, "{\"k\":1}", 7) == 0);
    CHECK_INT(payload_total_bytes(p), 7);
    payload_free(p);

    p = NULL;
    snprintf(path, sizeof path, "%s/empty.bin", tmpdir);
    CHECK(payload_from_file(path, &p, err, sizeof err) == 0);
    CHECK_INT(payload_item(p, 0)->len, 0);
    CHECK_STR(payload_item(p, 0)->content_type, "application/octet-stream");
    payload_free(p);

    p = NULL;
    snprintf(pat, sizeof pat, "%s/*.png", tmpdir);
    CHECK(payload_from_glob(pat, &p, err, sizeof err) == 0);
    CHECK_INT(payload_count(p), 2); /* sub.png/ is a directory: skipped */
    CHECK_STR(payload_item(p, 0)->filename, "a.png");
    CHECK_STR(payload_item(p, 1)->filename, "b.png");
    CHECK_INT(payload_item(p, 0)->len, 10);
    CHECK(memcmp(payload_item(p, 1)->data, "PNGDATA-b", 9) == 0);
    CHECK_STR(payload_item(p, 1)->content_type, "image/png");
    CHECK_INT(payload_total_bytes(p), 19);
    payload_free(p);

    p = NULL;
    snprintf(pat, sizeof pat, "%s/*", tmpdir);
    CHECK(payload_from_glob(pat, &p, err, sizeof err) == 0);
    CHECK_INT(payload_count(p), 4);
    CHECK_STR(payload_item(p, 0)->filename, "a.png");
    CHECK_STR(payload_item(p, 2)->filename, "c.json");
    CHECK_STR(payload_item(p, 3)->filename, "empty.bin");
    payload_free(p);

    /* Errors name the path or pattern; *out stays untouched. */
    payload *const sentinel = (payload *)&tmpdir;
    p = sentinel;
    char want[512];
    snprintf(path, sizeof path, "%s/x.png", tmpdir);
    CHECK(payload_from_file(path, &p, err, sizeof err) == -1);
    snprintf(want, sizeof want, "cannot read '%s': No such file or directory", path);
    CHECK_STR(err, want);
    snprintf(path, sizeof path, "%s/sub.png", tmpdir);
    CHECK(payload_from_file(path, &p, err, sizeof err) == -1);
    snprintf(want, sizeof want, "cannot read '%s': Is a directory", path);
    CHECK_STR(err, want);
    snprintf(pat, sizeof pat, "%s/*.gif", tmpdir);
    CHECK(payload_from_glob(pat, &p, err, sizeof err) == -1);
    snprintf(want, sizeof want, "no files match '%s'", pat);
    CHECK_STR(err, want);
    snprintf(pat, sizeof pat, "%s/sub*", tmpdir);
    CHECK(payload_from_glob(pat, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "no files match") == err);
    CHECK(payload_from_file("", &p, err, sizeof err) == -1);
    CHECK(payload_from_glob("", &p, err, sizeof err) == -1);
    CHECK(p == sentinel);

    /* A file the glob found but cannot read fails the whole set, naming the file. */
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "%s/b.png", tmpdir);
        CHECK(chmod(path, 0) == 0);
        snprintf(pat, sizeof pat, "%s/*.png", tmpdir);
        CHECK(payload_from_glob(pat, &p, err, sizeof err) == -1);
        snprintf(want, sizeof want, "cannot read '%s': Permission denied", path);
        CHECK_STR(err, want);
        CHECK(p == sentinel);
    }

    static const char *names[] = {"a.png", "b.png", "c.json", "empty.bin"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/sub.png", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
}

static void text_payloads(void)
{
    static const char body[] = "{\"user\":\"x\"}";
    payload *p = NULL;
    CHECK(payload_from_text("body.json", body, sizeof body - 1, &p, err, sizeof err) == 0);
    const struct payload_item *it = payload_item(p, 0);
    CHECK(it->data != (const unsigned char *)body); /* owned copy */
    CHECK_INT(it->len, sizeof body - 1);
    CHECK(memcmp(it->data, body, it->len) == 0);
    CHECK_STR(it->content_type, "application/json");
    CHECK_STR(it->filename, "body.json");
    payload_free(p);
    p = NULL;
    CHECK(payload_from_text("greeting", "hi", 2, &p, err, sizeof err) == 0);
    CHECK_STR(payload_item(p, 0)->content_type, "text/plain");
    payload_free(p);
    p = NULL;
    CHECK(payload_from_text("empty", NULL, 0, &p, err, sizeof err) == 0);
    CHECK_INT(payload_total_bytes(p), 0);
    payload_free(p);
    p = NULL;
    CHECK(payload_from_text("", "x", 1, &p, err, sizeof err) == -1);
    CHECK_STR(err, "payload: empty name");
    CHECK(p == NULL);
    payload_free(NULL);
    CHECK_INT(payload_count(NULL), 0);
    CHECK(payload_item(NULL, 0) == NULL);
}

int main(void)
{
    RUN(generated_images_decode);
    RUN(generated_sizes);
    RUN(generated_incompressible);
    RUN(generated_distinct_and_deterministic);
    RUN(generated_set_is_fast);
    RUN(generate_errors);
    RUN(content_types);
    RUN(files_and_globs);
    RUN(text_payloads);
    UNIT_EXIT();
}
