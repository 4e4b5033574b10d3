/* body.h — request bodies: multipart/form-data as iovecs over shared payloads, urlencoded forms. */
#ifndef SURGE_FLOW_BODY_H
#define SURGE_FLOW_BODY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "plan/payload.h"

/* "surge-" and 32 random characters from [0-9A-Za-z] (about 190 random bits). */
#define BODY_BOUNDARY_LEN 38

struct body_part; /* private to body.c */

/* A reusable multipart/form-data builder: one per virtual user, filled again for each
 * request. The struct is the caller's (embed it in the VU); the fields under
 * "Private" must only be touched through the functions below.
 *
 * Memory and lifetimes:
 *  - The builder owns a small buffer with the boundary lines and part headers (a
 *    few hundred bytes per part) and the iovec array; body_mp_reset() keeps their
 *    capacity, so a VU that sends the same shape of body again allocates nothing.
 *  - Field names and values are copied when added: the caller's strings may be
 *    freed or rewritten right after body_mp_add_field() returns.
 *  - File contents are NOT copied: their iovecs point at payload_item.data. The
 *    payload set must stay alive, unchanged, until the last write of every body
 *    built from it (the plan owns it and frees it after all VUs stopped).
 *  - `iov` and the bytes its header entries point at stay valid until the next
 *    body_mp_reset(), body_mp_add_*(), body_mp_finish() or body_mp_release() on
 *    this builder. Treat them as read-only (iov_base is `void *` only because
 *    struct iovec says so): to resume after a partial writev, keep your own
 *    cursor (an index into iov and an offset into that entry), or copy the rest.
 *  - iovcnt is at most 2 * files + 1, which can pass IOV_MAX (1024) beyond 511
 *    files: write in batches of IOV_MAX then.
 *  - Not thread-safe: one builder is used by one thread at a time. Payload sets
 *    are read-only and shared by all threads. */
struct body_multipart {
    /* Outputs, set by body_mp_finish(): */
    const struct iovec *iov;              /* the body in order: header runs, file contents, ... */
    int iovcnt;                           /* entries in iov; 0 before body_mp_finish() */
    uint64_t content_length;              /* sum of iov[].iov_len: the Content-Length value */
    char content_type[80];                /* "multipart/form-data; boundary=surge-..." */
    char boundary[BODY_BOUNDARY_LEN + 1]; /* the boundary of this body */

    /* Private: */
    uint64_t rng; /* boundary generator state */
    int oom;      /* an add failed for memory since the last reset */
    char *text;   /* copies of field names and values, NUL-separated */
    size_t text_len, text_cap;
    char *out; /* emitted boundary lines and part headers */
    size_t out_len, out_cap;
    struct body_part *parts; /* parts in order */
    size_t nparts, parts_cap;
    struct iovec *iov_buf; /* storage behind iov */
    size_t iov_cap;
    uint64_t files_len; /* sum of the file parts' lengths */
};

/* Prepare an empty builder; allocates nothing. `seed` starts its boundary generator
 * (give each VU its own; 0 is fine). */
void body_mp_init(struct body_multipart *m, uint64_t seed);

/* Forget all parts and outputs, keep the buffers' capacity. */
void body_mp_reset(struct body_multipart *m);

/* Append a text field: Content-Disposition: form-data; name="NAME", then VALUE.
 * Both are copied. In NAME, CR, LF and '"' are sent as %0D, %0A, %22 (as browsers do).
 * @return 0, or -1 (ENOMEM; body_mp_finish() then fails too). */
int body_mp_add_field(struct body_multipart *m, const char *name, const char *value);

/* Append a file part named NAME carrying `it` (filename, content type, data). The
 * data is referenced, not copied; `it` must outlive the body (see above).
 * @return 0, or -1 (ENOMEM). */
int body_mp_add_file(struct body_multipart *m, const char *name, const struct payload_item *it);

/* Append every item of a set as a file part, all named NAME (30 images -> 30 parts
 * "images"), in the set's order. @return 0, or -1 (ENOMEM). */
int body_mp_add_set(struct body_multipart *m, const char *name, const payload *set);

/* Choose a fresh random boundary absent from every field name, value, file name and
 * content type (file contents are not scanned: see body.c), then build the header
 * runs and the iovecs. May be called again after more adds.
 * @return 0 and the outputs; -1 with err ("multipart: out of memory",
 * "multipart: no boundary absent from the fields") and iovcnt 0. */
int body_mp_finish(struct body_multipart *m, char *err, int errlen);

/* Bytes of heap the builder holds (buffer capacities): what one VU's body costs
 * beyond the shared payload. */
size_t body_mp_owned_bytes(const struct body_multipart *m);

/* Free the builder's buffers (not the struct) and leave it as after body_mp_init();
 * NULL is fine. */
void body_mp_release(struct body_multipart *m);

/* One name/value pair of a form; both NUL-terminated UTF-8 (or any bytes). */
struct body_pair {
    const char *name;
    const char *value;
};

/* Serialize pairs as application/x-www-form-urlencoded (WHATWG URL, "urlencoded
 * serializer"): name=value joined by '&'; bytes other than ASCII alphanumerics and
 * "*-._" are percent-encoded with upper-case hex, and space becomes '+'.
 * Writes at most cap - 1 bytes and a NUL to out (when cap > 0), like snprintf.
 * @return the full length (without the NUL): when >= cap, the output was cut; call
 * again with a buffer of return + 1 bytes. */
size_t body_urlencode(const struct body_pair *pairs, size_t n, char *out, size_t cap);

#endif
