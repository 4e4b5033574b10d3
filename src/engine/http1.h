/* http1.h — HTTP/1.1 on the wire: writing request heads and parsing responses
 * (http-parser underneath). No I/O here: conn.c owns the sockets and feeds bytes in. */
#ifndef SURGE_ENGINE_HTTP1_H
#define SURGE_ENGINE_HTTP1_H

#include <stddef.h>
#include <stdint.h>

struct http1_header {
    const char *name;
    const char *value;
};

/* Write a request head (request line, headers, blank line) into buf of size cap:
 *   METHOD SP path SP "HTTP/1.1" CRLF
 *   "Host: " authority CRLF            (unless hdrs has a Host header, any case)
 *   "User-Agent: surge/" VERSION CRLF  (unless hdrs has a User-Agent)
 *   each of hdrs as "Name: value" CRLF, in order
 *   "Content-Length: " body_len CRLF   (when body_len > 0, or == 0 for POST/PUT/PATCH;
 *                                       skipped when hdrs has Content-Length or
 *                                       Transfer-Encoding: the caller then owns framing)
 *   CRLF
 * body_len < 0 means "no body and no Content-Length". The body itself is not written
 * here: the caller sends it after the head (writev), so payloads are never copied.
 * Header names/values containing CR or LF are rejected (request smuggling by typo).
 * The head is not NUL-terminated and nothing is written at or past buf[cap].
 * @return the head's length (> 0); -ENOSPC when cap is too small (nothing
 * meaningful in buf); -EINVAL for a CR/LF in method, path, authority, a name or a
 * value, or a NULL/empty method or path (or NULL authority when no Host is given). */
int http1_write_head(char *buf, size_t cap, const char *method, const char *path,
                     const char *authority, const struct http1_header *hdrs, int nhdrs,
                     int64_t body_len);

/* Parse "Name: value" as typed after -H ("X-A:b", "X-A:  b  "); name must be a
 * token and non-empty; spaces/tabs around the value are trimmed. On success *name
 * and *value point into a malloc'd copy returned in *owned (free it).
 * @return 0, or -1 with a reason in err. */
int http1_parse_header_arg(const char *arg, char **owned, const char **name,
                           const char **value, char *err, int errlen);

/* ---- Response parsing ------------------------------------------------------ */

typedef struct http1_resp http1_resp; /* opaque; one per connection, reused */

enum http1_rc {
    HTTP1_MORE = 0,   /* response not complete yet: feed more bytes */
    HTTP1_DONE = 1,   /* a whole response was parsed */
    HTTP1_ERROR = -1, /* malformed response (class "parse"); see http1_resp_error */
};

http1_resp *http1_resp_new(void); /* NULL when out of memory; ready as after begin(r, 0) */
void http1_resp_free(http1_resp *r); /* NULL is fine */

/* Get ready for the response to a request with this method (a HEAD response has
 * no body whatever its Content-Length says; nor have 1xx, 204 and 304). Clears
 * everything captured. Interim 1xx responses (100 Continue...) are skipped and the
 * final one parsed; a 101 is final and never keep-alive. */
void http1_resp_begin(http1_resp *r, int is_head);

/* Ask for headers and/or up to max_body bytes of the body to be kept for the
 * current response (flows extract from them). Off by default: quick mode keeps
 * nothing and pays nothing. Holds until the next http1_resp_begin resets it. */
void http1_resp_capture(http1_resp *r, int headers, size_t max_body);

/* Feed n bytes read from the socket. Sets *used to how many bytes were consumed
 * (on HTTP1_DONE the rest belongs to whatever follows, which surge never
 * pipelines, so a non-zero rest is itself suspicious and the caller may treat it
 * as a parse error). Bytes after an error are not looked at. Once DONE or ERROR,
 * feed returns that again with *used = 0 until http1_resp_begin; n == 0 is not EOF
 * (returns the current state, *used = 0). */
enum http1_rc http1_resp_feed(http1_resp *r, const char *data, size_t n, size_t *used);

/* The peer closed the connection. @return HTTP1_DONE when that completed a response
 * whose body runs to EOF (no Content-Length, not chunked), HTTP1_MORE when nothing
 * of a response had arrived yet (the caller decides: a kept-alive connection the
 * server closed while idle is reopened, not an error), or HTTP1_ERROR when a
 * response was cut short (the caller counts it as "closed_early"). */
enum http1_rc http1_resp_eof(http1_resp *r);

/* Whether any byte of the current response has arrived. */
int http1_resp_started(const http1_resp *r);

/* After HTTP1_DONE: */
int http1_resp_status(const http1_resp *r);       /* 100..999 */
int http1_resp_keep_alive(const http1_resp *r);   /* 0 when the connection must close */
uint64_t http1_resp_body_len(const http1_resp *r); /* body bytes, after de-chunking */

/* Captured headers (when asked): count, and the i-th name and value (NUL-terminated,
 * valid until the next http1_resp_begin; both NULL when i is out of range).
 * Multi-line/duplicate headers stay separate; chunked trailers follow the headers. */
int http1_resp_header_count(const http1_resp *r);
void http1_resp_header(const http1_resp *r, int i, const char **name, const char **value);
/* First header with this name (case-insensitive), or NULL. */
const char *http1_resp_header_get(const http1_resp *r, const char *name);

/* Captured body (when asked): the first min(body_len, max_body) bytes, NUL-terminated
 * for convenience; *len gets their count. Never NULL ("" when nothing was kept). */
const char *http1_resp_body(const http1_resp *r, size_t *len);

/* After HTTP1_ERROR: a short reason ("invalid HTTP status code", "header overflow");
 * "" when there was no error. */
const char *http1_resp_error(const http1_resp *r);

#endif
