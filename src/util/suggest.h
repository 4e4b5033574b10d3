/* suggest.h — "did you mean": the closest of a list of valid names to a misspelt one. */
#ifndef SURGE_UTIL_SUGGEST_H
#define SURGE_UTIL_SUGGEST_H

/* The name of valid (n names, or NULL-terminated when n < 0) closest to s within a
 * case-insensitive edit distance of 2 and less than either length (so a one-letter word
 * is not "close" to every short one), or NULL. Names over 40 characters never match. */
const char *suggest_closest(const char *s, const char *const *valid, int n);

#endif
