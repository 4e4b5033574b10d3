/* multipart.h — multipart/form-data bodies (RFC 7578 / RFC 2046): boundary, parts, fields. */
#ifndef SURGE_TESTBED_MULTIPART_H
#define SURGE_TESTBED_MULTIPART_H

#include <stddef.h>

#define MP_BOUNDARY_MAX 70    /* RFC 2046 limit on a boundary's length */
#define MP_PART_HEAD_MAX 8192 /* header bytes per part; more is malformed */
#define MP_PARTS_MAX 10000    /* parts per body; more is malformed */

/* One part. Every pointer points into the body given to mp_parse (not NUL-terminated, valid
 * as long as the body is); name and filename are the raw parameter values without quotes
 * (backslash escapes left as they are). filename is NULL when the part has none (a plain
 * field, not a file). */
struct mp_part {
    const char *name;
    size_t name_len;
    const char *filename; /* NULL: no filename parameter */
    size_t filename_len;
    const char *ctype; /* Content-Type value, or NULL */
    size_t ctype_len;
    const char *data;
    size_t len;
};

/* Called for each part in order; return 0 to go on, non-zero to stop (mp_parse returns it). */
typedef int (*mp_part_fn)(const struct mp_part *part, void *ud);

/* Copies the boundary parameter of a Content-Type value ("multipart/form-data; boundary=x",
 * quoted or not) into out (NUL-terminated). Returns its length (1..MP_BOUNDARY_MAX), or
 * -EINVAL if the type is not multipart/form-data or the boundary is missing or invalid;
 * *why (may be NULL) then says which, for a 400 message. */
int mp_boundary(const char *content_type, char out[MP_BOUNDARY_MAX + 1], const char **why);

/* Parses body[0..len) with the given boundary and calls fn on each part, after checking the
 * whole body first (so fn never sees the parts of a body that turns out malformed).
 * Returns the number of parts (>= 0), fn's non-zero value if it stopped, or -EINVAL for a
 * malformed body (missing first or closing delimiter, a part without a blank line after its
 * headers, a header line without ':', a part without Content-Disposition: form-data and a
 * name, too many parts or header bytes); *why (may be NULL) then says what. Reads no byte
 * outside body[0..len). */
int mp_parse(const char *body, size_t len, const char *boundary, mp_part_fn fn, void *ud,
             const char **why);

#endif
