/* query.h — URL query strings: split on & and =, percent-decode, look up by name. */
#ifndef SURGE_TESTBED_QUERY_H
#define SURGE_TESTBED_QUERY_H

#include <stddef.h>

#include "tbuf.h"

/* Parses the query string s[0..n) (without the '?') into `out` as decoded
 * "name\0value\0" pairs; a name without '=' gets the empty value; empty pieces
 * ("a=1&&b=2") are skipped. '+' decodes to a space.
 * Returns the number of pairs (>= 0), -EINVAL on a bad %-escape or a NUL (raw or decoded),
 * or -ENOMEM. On error `out` holds a partial parse: do not look things up in it. */
int qs_parse(const char *s, size_t n, tbuf *out);

/* Value of the first pair named `name` in a qs_parse result of `count` pairs, or NULL. */
const char *qs_get(const tbuf *pairs, int count, const char *name);

#endif
