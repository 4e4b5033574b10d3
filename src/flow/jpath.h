/* jpath.h — JSON paths (`data.items[0].id`) compiled once and looked up in jansson documents. */
#ifndef SURGE_FLOW_JPATH_H
#define SURGE_FLOW_JPATH_H

#include <jansson.h>
#include <stddef.h>

struct sbuf;

/* A compiled path; immutable, shareable between threads. */
typedef struct jpath jpath;

/* Compile a whole path. Grammar:
 *   path  := [ '$' ] ( name | '.' name | '[' index ']' | '[' quoted ']' )*
 * where the first step may be a bare name (`job_id`, `$.job_id`, `$["a b"]`); `$` alone is
 * the root. A name is 1+ bytes other than blanks, controls and . [ ] ' " = ! < > ( ) & | ,
 * (UTF-8 is fine); index is a decimal integer, negative counts from the end ([-1] = last);
 * quoted is '...' or "..." with backslash escaping the next byte, for keys with dots etc.
 * @return 0 and *out; -EINVAL with a reason in err (may be NULL) and the 1-based column in
 * *err_col (may be NULL); -ENOMEM (column 0). *out is set only on success. */
int jpath_compile(const char *s, jpath **out, char *err, int errlen, int *err_col);

/* Compile the longest path at the start of s, stopping before the first byte that cannot
 * continue it (a blank, an operator...); *used gets the bytes consumed. For parsers that
 * embed paths (cond). Errors as jpath_compile, columns relative to s. */
int jpath_parse(const char *s, size_t *used, jpath **out, char *err, int errlen, int *err_col);

/* The value at the path: a borrowed reference into root, or NULL when a step is missing,
 * an index is out of range, or a step meets the wrong type (a key on an array...). No
 * allocation. root may be NULL (gives NULL). */
json_t *jpath_get(const jpath *p, json_t *root);

/* The source text the path was compiled from (owned by p). */
const char *jpath_source(const jpath *p);

/* Number of steps (0 for the root path `$`). */
int jpath_depth(const jpath *p);

/* Free a path. Accepts NULL. */
void jpath_free(jpath *p);

/* Append v the way an extracted variable holds it: a string's bytes without quotes,
 * integers in decimal, reals in the shortest form that reads back the same (3.0 -> "3",
 * 0.1 -> "0.1"), true/false/null as words, objects and arrays as compact JSON.
 * @return 0; -EINVAL for v NULL; -ENOMEM / -E2BIG (out restored to its entry length). */
int jpath_to_string(json_t *v, struct sbuf *out);

#endif
