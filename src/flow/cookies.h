/* cookies.h — a virtual user's cookie jar (RFC 6265): Set-Cookie in, Cookie header out. */
#ifndef SURGE_FLOW_COOKIES_H
#define SURGE_FLOW_COOKIES_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

/* One VU's cookies. Not thread-safe: owned by the VU's thread. Memory: the jar is a
 * small struct plus one array slot and one allocation per cookie (about 32 bytes + name,
 * value, domain and path). Limits, honestly: no public-suffix list (Domain=com from
 * a.com is accepted), no SameSite, no __Host-/__Secure- prefix rules, and a Secure cookie
 * may be set over http (cookiejar_set does not know the scheme). */
typedef struct cookiejar cookiejar;

/* Cookies kept per jar; storing one more first drops expired ones, then the oldest. */
#define COOKIEJAR_MAX 64
/* Longest name=value kept (bytes); longer cookies are ignored. */
#define COOKIEJAR_MAX_COOKIE 4096

/* A new empty jar, or NULL when out of memory. */
cookiejar *cookiejar_new(void);

/* Store the cookie of one Set-Cookie header value ("sid=abc; Path=/; HttpOnly") received
 * from req_host (a lowercase or mixed-case name or IP literal, no port) for req_path (the
 * request target; a query is ignored; NULL means "/"), at now_s (unix seconds).
 * Attributes: Expires (IMF-fixdate, RFC 850 and asctime dates, parsed per RFC 6265 5.1.1),
 * Max-Age (wins over Expires; <= 0 deletes), Domain (must domain-match req_host; without it
 * the cookie is host-only), Path (default: the request path's directory), Secure, HttpOnly;
 * others (SameSite...) are ignored. A cookie with the same name, domain and path replaces
 * the old one and keeps its place; one already expired deletes it.
 * @return 0 (stored, replaced, deleted, or nothing to delete); -EINVAL for a header that is
 * ignored (no '=', empty name, control bytes, too long, Domain not matching the host, no
 * host); -ENOMEM (the jar is unchanged). */
int cookiejar_set(cookiejar *j, const char *set_cookie, const char *req_host, const char *req_path,
                  int64_t now_s);

/* Append the Cookie header value for a request ("a=1; b=2") to out: cookies whose domain
 * matches host (host-only ones exactly), whose path path-matches path (RFC 6265 5.1.4;
 * a query is ignored), Secure ones only when https, unexpired at now_s; longer paths
 * first, then older first. Nothing is appended when no cookie matches. No allocation
 * beyond growing out.
 * @return the number of cookies written, or -ENOMEM / -E2BIG (out restored). */
int cookiejar_header(const cookiejar *j, const char *host, const char *path, int https,
                     int64_t now_s, struct sbuf *out);

/* Like cookiejar_header, with explicit "a=1; b=2" pairs (a step's own Cookie header, n
 * bytes; blanks and ';' at its ends dropped) written first as given, then the jar's
 * matching cookies whose name is not among the explicit pairs (explicit pairs win by
 * name). @return the count of explicit pairs (1 when any) plus cookies written, or
 * -ENOMEM / -E2BIG (out restored). */
int cookiejar_header_merge(const cookiejar *j, const char *host, const char *path, int https,
                           int64_t now_s, const char *explicit_pairs, size_t n, struct sbuf *out);

/* The value of the cookie called name that the jar would send to host over https (or
 * not) at now_s: for path (RFC 6265 path-match, a query ignored), or, when path is NULL,
 * whatever its path; the first in sending order (longer paths first). Sets *len.
 * @return the value's bytes (not NUL-terminated; valid until the jar next changes), or
 * NULL when there is none. */
const char *cookiejar_get(const cookiejar *j, const char *host, const char *path, int https,
                          int64_t now_s, const char *name, size_t *len);

/* Cookies stored, including any that expired since the last cookiejar_set. */
size_t cookiejar_count(const cookiejar *j);

/* Drop every cookie, keeping the jar (between iterations when a flow says so). */
void cookiejar_clear(cookiejar *j);

/* Free the jar and its cookies. Accepts NULL. */
void cookiejar_free(cookiejar *j);

/* Parse a cookie date (RFC 6265 5.1.1: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
 * RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6 08:49:37 1994", and the
 * looser forms that algorithm admits). Two-digit years: 70-99 -> 19xx, 00-69 -> 20xx.
 * Locale-independent, always UTC. @return 0 and *out (unix seconds), or -EINVAL. */
int cookiejar_parse_date(const char *s, size_t n, int64_t *out);

#endif
