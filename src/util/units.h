/* units.h — parsing of the human units users type: durations and byte sizes. */
#ifndef SURGE_UTIL_UNITS_H
#define SURGE_UTIL_UNITS_H

#include <stdint.h>

/* Parse a duration: a non-negative decimal number followed by one of
 * "us", "ms", "s", "m", "h" ("1.5s", "250ms", "2m", "1h"). A bare number is
 * taken in `bare_unit_us` microseconds (1000000 for seconds), or rejected when
 * bare_unit_us is 0. Compound forms ("1m30s") are accepted.
 * @return 0 and *out_us on success, -1 (EINVAL) on anything else. */
int units_parse_duration(const char *s, uint64_t bare_unit_us, uint64_t *out_us);

/* Parse a byte size: a number with an optional unit B, KB, MB, GB (powers of 1000)
 * or KiB, MiB, GiB (powers of 1024), case-insensitive ("374KB", "1.5MiB", "512").
 * @return 0 and *out on success, -1 otherwise. */
int units_parse_size(const char *s, uint64_t *out);

/* Format a duration given in microseconds into buf as the shortest readable form
 * ("850us", "20.31ms", "1.20s", "2m05s"). Returns buf. */
char *units_fmt_us(double us, char *buf, int len);

/* Format a byte count with a binary unit ("1.50 MiB"). Returns buf. */
char *units_fmt_bytes(double bytes, char *buf, int len);

#endif
