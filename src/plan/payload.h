/* payload.h — request payload sets (files, globs, generated noise images), loaded once, shared read-only. */
#ifndef SURGE_PLAN_PAYLOAD_H
#define SURGE_PLAN_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* One file of a payload set. Every pointer is owned by the set and stays valid,
 * unchanged, until payload_free(): request bodies point at `data` directly
 * (src/flow/body.h), so it is never copied per virtual user or per request. */
struct payload_item {
    const char *filename;     /* base name sent in multipart ("img-001.png", "photo.jpg") */
    const char *content_type; /* guessed from the extension ("image/png"), static string */
    const unsigned char *data; /* the bytes; NULL only when len is 0 */
    size_t len;                /* bytes at data */
};

/* A set of payload items. Built once on the main thread at plan load; after that it
 * is immutable, so any number of threads may read it at once without locks. */
typedef struct payload payload;

/* Largest image payload_generate() makes, and the most images in one set. */
#define PAYLOAD_GEN_MAX_SIZE (64u * 1000u * 1000u)
#define PAYLOAD_GEN_MAX_COUNT 10000u

/* Load one file as a one-item set; filename is its base name, content type from
 * its extension (payload_content_type()). The whole file is read into memory now.
 * @return 0 and *out on success; -1 with err set ("cannot read 'x.png': No such
 * file or directory", "cannot read 'dir': Is a directory") and *out untouched. */
int payload_from_file(const char *path, payload **out, char *err, int errlen);

/* Load every regular file matching a glob(7) pattern, in strcmp order of path
 * (directories are skipped). Zero matching files is an error.
 * @return 0 and *out; -1 with err ("no files match 'photos/IMG_*.jpg'",
 * "cannot read 'photos/a.jpg': Permission denied", "bad glob pattern '...'"). */
int payload_from_glob(const char *pattern, payload **out, char *err, int errlen);

/* Generate `count` distinct, valid images of about `size_bytes` each (within
 * +-10%; in practice within ~3%): `type` is "png" (RGB 8-bit) or "jpeg"/"jpg"
 * (quality 90). Pixels are noise from `seed` (image i uses its own stream), so the
 * files do not compress away in deflate or JPEG, like real photos; the same seed
 * gives the same bytes. Names are img-001.png, img-002.png, ... (or .jpg).
 * @return 0 and *out; -1 with err ("generate: unknown type 'gif' (use png or jpeg)",
 * "generate: size must be at least 1KB", "generate: size must be at most 64MB",
 * "generate: count must be between 1 and 10000", "generate: out of memory"). */
int payload_generate(const char *type, size_t count, uint64_t size_bytes, uint64_t seed,
                     payload **out, char *err, int errlen);

/* A one-item set holding a copy of `len` bytes (an inline body, a text part).
 * `name` is the item's filename; its content type comes from its extension, or
 * "text/plain" when it has none that is known.
 * @return 0 and *out; -1 with err ("payload: empty name", "payload: out of memory"). */
int payload_from_text(const char *name, const void *bytes, size_t len, payload **out, char *err,
                      int errlen);

/* Number of items (>= 1 for any set the constructors return). */
size_t payload_count(const payload *p);

/* Item i (0-based), or NULL when i >= payload_count(p). */
const struct payload_item *payload_item(const payload *p, size_t i);

/* Sum of the items' lengths. */
uint64_t payload_total_bytes(const payload *p);

/* Content type for a file name by its extension, case-insensitive: png, jpg/jpeg,
 * gif, webp, json, txt, ... ; "application/octet-stream" when unknown or absent. */
const char *payload_content_type(const char *filename);

/* Free a set and everything it owns; NULL is fine. No body built from it may be
 * in use any more. */
void payload_free(payload *p);

#endif
