/* redact.h — what surge never prints in full (traces, failure examples): which headers
 * carry secrets and how a secret value is shown. The one place to widen that list. */
#ifndef SURGE_UTIL_REDACT_H
#define SURGE_UTIL_REDACT_H

#include <stddef.h>

struct sbuf;

/* Values longer than this show their first REDACT_KEEP bytes; shorter ones none. */
#define REDACT_KEEP 4

/* How a header's value must be shown. */
enum redact_kind {
    REDACT_NONE,    /* in full */
    REDACT_WHOLE,   /* the whole value is a secret (Authorization, Proxy-Authorization) */
    REDACT_COOKIES, /* "a=1; b=2" (Cookie) or "a=1; Path=/" (Set-Cookie): each cookie's
                       value is a secret, names and attributes are not */
};

/* The kind for a header name (case-insensitive). Cookie and Set-Cookie: REDACT_COOKIES;
 * Authorization, Proxy-Authorization and any name containing "key", "token" or "secret"
 * (X-Api-Key, X-CSRF-Token, X-Client-Secret): REDACT_WHOLE; anything else REDACT_NONE. */
enum redact_kind redact_header_kind(const char *name);

/* Append a secret value of n bytes as its first 4 bytes (only when n > 8) and its
 * length: "abcd...(32 bytes)", "...(5 bytes)", "...(1 byte)". Non-printable bytes of the kept
 * prefix are shown as '?'. @return 0, or -ENOMEM / -E2BIG from out. */
int redact_value(struct sbuf *out, const char *v, size_t n);

/* Append header value v (n bytes) of header `name` as it may be shown: as is, or
 * redacted by redact_header_kind. In a Set-Cookie only the first pair's value is secret
 * (the rest are attributes); in a Cookie every pair's. @return 0 or -ENOMEM / -E2BIG. */
int redact_header(struct sbuf *out, const char *name, const char *v, size_t n);

/* More header names to redact whole (a plan's defaults.redact), case-insensitive, for
 * the rest of the process. @return 0 (also when already there), -EINVAL for an empty
 * name or one with characters a header name cannot have, -ENOSPC past
 * REDACT_MAX_HEADERS, -ENOMEM. Thread-safe. */
#define REDACT_MAX_HEADERS 32
int redact_add_header(const char *name);

/* Secret values: the values of ${env.NAME} a plan reads (registered by tmpl_compile) are
 * replaced by "...(secret)" wherever surge prints what it sent or received (--trace,
 * error examples). Values shorter than REDACT_MIN_SECRET bytes are not registered (they
 * would mangle ordinary text); at most REDACT_MAX_SECRETS distinct values. */
#define REDACT_MIN_SECRET 4
#define REDACT_MAX_SECRETS 64

/* Register a secret value (copied; NULL or short: ignored). Thread-safe.
 * @return 0, -ENOSPC when the registry is full, -ENOMEM. */
int redact_add_secret(const char *v);

/* Append s (n bytes) with every registered secret replaced by "...(secret)". Thread-safe.
 * @return 0 or -ENOMEM / -E2BIG from out (out as on entry). */
int redact_scrub(struct sbuf *out, const char *s, size_t n);

/* Scrub the NUL-terminated string in buf (cap bytes) in place, cut to fit. */
void redact_scrub_str(char *buf, size_t cap);

/* Forget every registered secret (tests). */
void redact_clear_secrets(void);

#endif
