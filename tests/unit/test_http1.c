/* test_http1.c — request head bytes, -H parsing, and the response parser at every split point. */
#include "unit.h"
#include "engine/http1.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- Helpers ----------------------------------------------------------------- */

/* A buffer whose last byte sits just before a PROT_NONE page, so any read past the
 * bytes handed to the parser crashes (picohttpparser's trick). */
struct guard {
    char *map;
    size_t maplen;
    size_t usable; /* bytes before the guard page */
};

static int guard_init(struct guard *g, size_t need)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    g->usable = (need + pg - 1) / pg * pg;
    if (g->usable == 0)
        g->usable = pg;
    g->maplen = g->usable + pg;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED)
        return -1;
    return mprotect(g->map + g->usable, pg, PROT_NONE);
}

static void guard_free(struct guard *g)
{
    munmap(g->map, g->maplen);
}

/* Copy s[0..n) so it ends right at the guard page; return the copy. */
static const char *guard_put(struct guard *g, const char *s, size_t n)
{
    char *p = g->map + g->usable - n;
    memcpy(p, s, n);
    return p;
}

/* What one parse produced, for comparing splits with the one-shot feed. */
struct outcome {
    int rc;          /* last rc: from feed, or from eof when feeding left it at MORE */
    size_t used;     /* total bytes consumed */
    int status;
    int keep_alive;
    unsigned long long body_len;
    char hdrs[4096]; /* "name=value\n"... */
    char body[4096];
    size_t body_n;
    char err[128];
};

/* Feed msg[0..n) cut at the offsets cuts[0..ncuts) (ascending), with capture of
 * headers and up to max_body bytes when capture is set; call eof afterwards when
 * do_eof and the response is still incomplete. */
static void parse_split(http1_resp *r, const char *msg, size_t n, const size_t *cuts, int ncuts,
                        int is_head, int capture, size_t max_body, int do_eof,
                        struct outcome *o)
{
    struct guard g;
    memset(o, 0, sizeof *o);
    if (guard_init(&g, n + 1) < 0) {
        CHECK(!"mmap");
        return;
    }
    http1_resp_begin(r, is_head);
    if (capture)
        http1_resp_capture(r, 1, max_body);
    enum http1_rc rc = HTTP1_MORE;
    size_t at = 0;
    for (int i = 0; i <= ncuts && rc == HTTP1_MORE; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        size_t used = 0;
        const char *piece = guard_put(&g, msg + at, end - at);
        rc = http1_resp_feed(r, piece, end - at, &used);
        CHECK(used <= end - at);
        o->used += used;
        if (rc == HTTP1_MORE)
            CHECK_INT(used, end - at);
        at = end;
    }
    if (rc == HTTP1_MORE && do_eof)
        rc = http1_resp_eof(r);
    o->rc = rc;
    if (rc == HTTP1_DONE) {
        o->status = http1_resp_status(r);
        o->keep_alive = http1_resp_keep_alive(r);
        o->body_len = http1_resp_body_len(r);
        size_t off = 0;
        for (int i = 0; i < http1_resp_header_count(r); i++) {
            const char *hn, *hv;
            http1_resp_header(r, i, &hn, &hv);
            off += (size_t)snprintf(o->hdrs + off, sizeof o->hdrs - off, "%s=%s\n", hn, hv);
            if (off >= sizeof o->hdrs)
                off = sizeof o->hdrs - 1;
        }
        const char *b = http1_resp_body(r, &o->body_n);
        CHECK(b != NULL);
        CHECK_INT(b[o->body_n], 0);
        if (o->body_n < sizeof o->body)
            memcpy(o->body, b, o->body_n);
    } else if (rc == HTTP1_ERROR) {
        snprintf(o->err, sizeof o->err, "%s", http1_resp_error(r));
    }
    guard_free(&g);
}

static void parse_once(http1_resp *r, const char *msg, int is_head, int do_eof,
                       struct outcome *o)
{
    parse_split(r, msg, strlen(msg), NULL, 0, is_head, 1, 1 << 20, do_eof, o);
}

static int same_outcome(const struct outcome *a, const struct outcome *b)
{
    return a->rc == b->rc && a->used == b->used && a->status == b->status &&
           a->keep_alive == b->keep_alive && a->body_len == b->body_len &&
           !strcmp(a->hdrs, b->hdrs) && a->body_n == b->body_n &&
           !memcmp(a->body, b->body, a->body_n) && !strcmp(a->err, b->err);
}

/* ---- Response parsing -------------------------------------------------------- */

static void content_length(void)
{
    http1_resp *r = http1_resp_new();
    struct outcome o;
    const char *m = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                    "X-Empty:\r\n\r\nhello";
    parse_once(r, m, 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.used, strlen(m));
    CHECK_INT(o.status, 200);
    CHECK_INT(o.keep_alive, 1);
    CHECK_INT(o.body_len, 5);
    CHECK_STR(o.body, "hello");
    CHECK_STR(o.hdrs, "Content-Type=text/plain\nContent-Length=5\nX-Empty=\n");
    CHECK_STR(http1_resp_header_get(r, "content-type"), "text/plain");
    CHECK_STR(http1_resp_header_get(r, "x-empty"), "");
    CHECK(http1_resp_header_get(r, "X-Missing") == NULL);
    CHECK_STR(http1_resp_error(r), "");
    const char *hn = "x", *hv = "x";
    http1_resp_header(r, 3, &hn, &hv);
    CHECK(hn == NULL && hv == NULL);
    http1_resp_header(r, -1, &hn, &hv);
    CHECK(hn == NULL && hv == NULL);
    http1_resp_free(r);
}

static void used_stops_at_end(void)
{
    http1_resp *r = http1_resp_new();
    const char *m = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n";
    size_t used = 0;
    CHECK_INT(http1_resp_feed(r, m, strlen(m), &used), HTTP1_DONE);
    CHECK_INT(used, strlen("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
    /* after DONE: same answer, nothing consumed, until begin */
    CHECK_INT(http1_resp_feed(r, m + used, strlen(m) - used, &used), HTTP1_DONE);
    CHECK_INT(used, 0);
    CHECK_INT(http1_resp_eof(r), HTTP1_DONE);
    CHECK_INT(http1_resp_status(r), 200);
    /* chunked: stops after the last CRLF */
    http1_resp_begin(r, 0);
    const char *c = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\nX";
    CHECK_INT(http1_resp_feed(r, c, strlen(c), &used), HTTP1_DONE);
    CHECK_INT(used, strlen(c) - 1);
    /* no body (204): stops after the blank line */
    http1_resp_begin(r, 0);
    const char *z = "HTTP/1.1 204 No Content\r\n\r\nZZ";
    CHECK_INT(http1_resp_feed(r, z, strlen(z), &used), HTTP1_DONE);
    CHECK_INT(used, strlen(z) - 2);
    /* n == 0 is not EOF */
    http1_resp_begin(r, 0);
    CHECK_INT(http1_resp_feed(r, "", 0, &used), HTTP1_MORE);
    CHECK_INT(used, 0);
    CHECK(!http1_resp_started(r));
    http1_resp_free(r);
}

static void chunked(void)
{
    http1_resp *r = http1_resp_new();
    struct outcome o;
    const char *m = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5;name=value\r\nhello\r\n"
                    "7;a=1;b=\"two\"\r\n, world\r\n"
                    "0\r\nX-Trailer: t1\r\nX-Sum: 42\r\n\r\n";
    parse_once(r, m, 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.used, strlen(m));
    CHECK_INT(o.status, 200);
    CHECK_INT(o.body_len, 12);
    CHECK_STR(o.body, "hello, world");
    CHECK_INT(o.keep_alive, 1);
    CHECK_STR(o.hdrs, "Transfer-Encoding=chunked\nX-Trailer=t1\nX-Sum=42\n");
    /* no capture: body_len still counted, nothing kept */
    http1_resp_begin(r, 0);
    size_t used, n;
    CHECK_INT(http1_resp_feed(r, m, strlen(m), &used), HTTP1_DONE);
    CHECK_INT(http1_resp_body_len(r), 12);
    CHECK_INT(http1_resp_header_count(r), 0);
    CHECK_STR(http1_resp_body(r, &n), "");
    CHECK_INT(n, 0);
    http1_resp_free(r);
}

static void body_capture_limit(void)
{
    http1_resp *r = http1_resp_new();
    const char *m = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    size_t cuts[] = {50, 52};
    struct outcome o;
    parse_split(r, m, strlen(m), cuts, 2, 0, 1, 5, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.body_len, 7);
    CHECK_INT(o.body_n, 5);
    CHECK_STR(o.body, "abcde");
    /* headers only */
    http1_resp_begin(r, 0);
    http1_resp_capture(r, 1, 0);
    size_t used, n;
    CHECK_INT(http1_resp_feed(r, m, strlen(m), &used), HTTP1_DONE);
    CHECK_INT(http1_resp_header_count(r), 1);
    CHECK_STR(http1_resp_body(r, &n), "");
    CHECK_INT(n, 0);
    /* body only */
    http1_resp_begin(r, 0);
    http1_resp_capture(r, 0, 100);
    CHECK_INT(http1_resp_feed(r, m, strlen(m), &used), HTTP1_DONE);
    CHECK_INT(http1_resp_header_count(r), 0);
    CHECK_STR(http1_resp_body(r, &n), "abcdefg");
    CHECK_INT(n, 7);
    /* begin switches capture off again */
    http1_resp_begin(r, 0);
    CHECK_INT(http1_resp_feed(r, m, strlen(m), &used), HTTP1_DONE);
    CHECK_STR(http1_resp_body(r, &n), "");
    http1_resp_free(r);
}

static void head_response(void)
{
    http1_resp *r = http1_resp_new();
    struct outcome o;
    const char *m = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
    parse_once(r, m, 1, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.used, strlen(m));
    CHECK_INT(o.body_len, 0);
    CHECK_INT(o.keep_alive, 1);
    CHECK_STR(o.hdrs, "Content-Length=1234\n");
    /* the same bytes for a GET wait for the body */
    parse_once(r, m, 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_MORE);
    const char *c = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    parse_once(r, c, 1, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.body_len, 0);
    http1_resp_free(r);
}

static void no_body_statuses(void)
{
    http1_resp *r = http1_resp_new();
    struct outcome o;
    parse_once(r, "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.status, 204);
    CHECK_INT(o.body_len, 0);
    CHECK_INT(o.keep_alive, 1);
    parse_once(r, "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.status, 304);
    CHECK_INT(o.body_len, 0);
    /* 304 may carry the Content-Length of the representation it stands for */
    parse_once(r, "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.body_len, 0);
    CHECK_INT(o.keep_alive, 1);
    parse_once(r, "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.body_len, 0);
    http1_resp_free(r);
}

static void continue_then_final(void)
{
    http1_resp *r = http1_resp_new();
    struct outcome o;
    const char *m = "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
                    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    parse_once(r, m, 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.used, strlen(m));
    CHECK_INT(o.status, 201);
    CHECK_INT(o.body_len, 2);
    CHECK_STR(o.body, "ok");
    CHECK_STR(o.hdrs, "Content-Length=2\n"); /* interim headers dropped */
    /* only the interim arrived, then the peer closed */
    http1_resp_begin(r, 0);
    size_t used;
    const char *c = "HTTP/1.1 100 Continue\r\n\r\n";
    CHECK_INT(http1_resp_feed(r, c, strlen(c), &used), HTTP1_MORE);
    CHECK_INT(used, strlen(c));
    CHECK(http1_resp_started(r));
    CHECK_INT(http1_resp_eof(r), HTTP1_ERROR);
    CHECK(http1_resp_error(r)[0] != '\0');
    /* 101 is final, and the connection is not HTTP any more */
    parse_once(r, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
               0, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.status, 101);
    CHECK_INT(o.keep_alive, 0);
    http1_resp_free(r);
}

static void body_to_eof(void)
{
    http1_resp *r = http1_resp_new();
    struct outcome o;
    const char *m = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of this";
    parse_once(r, m, 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_MORE);
    CHECK_INT(o.used, strlen(m));
    parse_once(r, m, 0, 1, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.status, 200);
    CHECK_INT(o.keep_alive, 0);
    CHECK_INT(o.body_len, 11);
    CHECK_STR(o.body, "all of this");
    /* HTTP/1.0, no length, empty body */
    parse_once(r, "HTTP/1.0 200 OK\r\n\r\n", 0, 1, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_INT(o.body_len, 0);
    CHECK_INT(o.keep_alive, 0);
    http1_resp_free(r);
}

static void eof_cases(void)
{
    http1_resp *r = http1_resp_new();
    size_t used;
    /* before any byte: the caller decides */
    CHECK_INT(http1_resp_eof(r), HTTP1_MORE);
    CHECK(!http1_resp_started(r));
    /* mid status line */
    http1_resp_begin(r, 0);
    CHECK_INT(http1_resp_feed(r, "HTTP/1.1 2", 10, &used), HTTP1_MORE);
    CHECK(http1_resp_started(r));
    CHECK_INT(http1_resp_eof(r), HTTP1_ERROR);
    CHECK(http1_resp_error(r)[0] != '\0');
    /* feed after an error: nothing looked at */
    CHECK_INT(http1_resp_feed(r, "00 OK\r\n", 7, &used), HTTP1_ERROR);
    CHECK_INT(used, 0);
    CHECK_INT(http1_resp_eof(r), HTTP1_ERROR);
    /* mid headers */
    http1_resp_begin(r, 0);
    const char *h = "HTTP/1.1 200 OK\r\nContent-Len";
    CHECK_INT(http1_resp_feed(r, h, strlen(h), &used), HTTP1_MORE);
    CHECK_INT(http1_resp_eof(r), HTTP1_ERROR);
    /* mid Content-Length body */
    http1_resp_begin(r, 0);
    const char *b = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
    CHECK_INT(http1_resp_feed(r, b, strlen(b), &used), HTTP1_MORE);
    CHECK_INT(http1_resp_eof(r), HTTP1_ERROR);
    /* mid chunked body */
    http1_resp_begin(r, 0);
    const char *c = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
    CHECK_INT(http1_resp_feed(r, c, strlen(c), &used), HTTP1_MORE);
    CHECK_INT(http1_resp_eof(r), HTTP1_ERROR);
    /* just before the last chunk's final CRLF */
    http1_resp_begin(r, 0);
    const char *c2 = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
    CHECK_INT(http1_resp_feed(r, c2, strlen(c2), &used), HTTP1_MORE);
    CHECK_INT(http1_resp_eof(r), HTTP1_ERROR);
    http1_resp_free(r);
}

static void malformed(void)
{
    http1_resp *r = http1_resp_new();
    struct outcome o;
    parse_once(r, "HTTP/1.1 OK\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    CHECK(o.err[0] != '\0');
    parse_once(r, "HTTX/1.1 200 OK\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    parse_once(r, "HTTP/1.1 200 OK\r\n\r\n", 0, 0, &o); /* the same, valid: body to EOF */
    CHECK_INT(o.rc, HTTP1_MORE);
    parse_once(r, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nXTTP", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_MORE); /* body to EOF: XTTP is body */
    parse_once(r, "HTTP/1.1 100 Continue\r\n\r\nXTTP/1.1 200 OK\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    parse_once(r, "HTTP/1.1 2000 OK\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    parse_once(r, "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    CHECK_STR(o.err, "invalid HTTP status code");
    parse_once(r, "GET / HTTP/1.1\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    parse_once(r, "<html>hello</html>", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    /* bad chunk size */
    parse_once(r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 0,
               0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    CHECK(o.err[0] != '\0');
    parse_once(r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "ffffffffffffffffff\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    /* bad Content-Length */
    parse_once(r, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    parse_once(r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    /* bad header name */
    parse_once(r, "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", 0, 0, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    http1_resp_free(r);
}

static void header_overflow(void)
{
    http1_resp *r = http1_resp_new();
    size_t n = 90 * 1024;
    char *m = malloc(n + 64);
    CHECK(m != NULL);
    if (!m)
        return;
    size_t len = (size_t)snprintf(m, n, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(m + len, 'a', n - len);
    len = n;
    memcpy(m + len, "\r\nContent-Length: 0\r\n\r\n", 24);
    len += 23;
    for (int cap = 0; cap < 2; cap++) {
        http1_resp_begin(r, 0);
        http1_resp_capture(r, cap, 0);
        size_t used;
        CHECK_INT(http1_resp_feed(r, m, len, &used), HTTP1_ERROR);
        CHECK(strstr(http1_resp_error(r), "overflow") != NULL);
    }
    /* fed in small reads, too */
    http1_resp_begin(r, 0);
    enum http1_rc rc = HTTP1_MORE;
    for (size_t at = 0; at < len && rc == HTTP1_MORE; at += 1000) {
        size_t used;
        rc = http1_resp_feed(r, m + at, len - at < 1000 ? len - at : 1000, &used);
    }
    CHECK_INT(rc, HTTP1_ERROR);
    /* under the limit is fine: 60 KB of headers */
    len = (size_t)snprintf(m, n, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(m + len, 'b', 60 * 1024);
    len += 60 * 1024;
    memcpy(m + len, "\r\nContent-Length: 0\r\n\r\n", 24);
    len += 23;
    http1_resp_begin(r, 0);
    http1_resp_capture(r, 1, 0);
    size_t used;
    CHECK_INT(http1_resp_feed(r, m, len, &used), HTTP1_DONE);
    CHECK_INT(strlen(http1_resp_header_get(r, "X-Big")), 60 * 1024);
    free(m);
    http1_resp_free(r);
}

static void keep_alive_rules(void)
{
    static const struct {
        const char *msg;
        int keep;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1},
        {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 1},
        {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nab", 1},
        {"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", 0},
    };
    http1_resp *r = http1_resp_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct outcome o;
        parse_once(r, cases[i].msg, 0, 0, &o);
        CHECK_INT(o.rc, HTTP1_DONE);
        if (o.keep_alive != cases[i].keep)
            printf("    case %zu: %s", i, cases[i].msg);
        CHECK_INT(o.keep_alive, cases[i].keep);
    }
    http1_resp_free(r);
}

static void reuse(void)
{
    http1_resp *r = http1_resp_new();
    const char *msgs[] = {
        "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n",
        "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 3\r\n\r\nabc",
    };
    int statuses[] = {200, 404, 500, 200};
    int counts[] = {3, 1, 1, 3};
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 4; i++) {
            http1_resp_begin(r, 0);
            if (round != 1)
                http1_resp_capture(r, 1, 64);
            size_t used;
            CHECK_INT(http1_resp_feed(r, msgs[i], strlen(msgs[i]), &used), HTTP1_DONE);
            CHECK_INT(used, strlen(msgs[i]));
            CHECK_INT(http1_resp_status(r), statuses[i]);
            CHECK_INT(http1_resp_header_count(r), round == 1 ? 0 : counts[i]);
            size_t n;
            const char *b = http1_resp_body(r, &n);
            if (round != 1 && i == 1)
                CHECK_STR(b, "no");
            if (round != 1 && i == 2)
                CHECK_STR(b, "");
        }
    }
    /* an error then a good response */
    http1_resp_begin(r, 0);
    size_t used;
    CHECK_INT(http1_resp_feed(r, "XTTP", 4, &used), HTTP1_ERROR);
    http1_resp_begin(r, 0);
    CHECK_STR(http1_resp_error(r), "");
    CHECK_INT(http1_resp_feed(r, msgs[2], strlen(msgs[2]), &used), HTTP1_DONE);
    http1_resp_free(r);
    http1_resp_free(NULL);
}

/* Every split point: byte by byte, and all 2-part and many 3-part splits, must give
 * exactly what the one-shot feed gives. */
static const struct {
    const char *msg;
    int is_head;
    int do_eof;
} canned[] = {
    {"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n"
     "X-Empty:\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello world", 0, 0},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n"
     "5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer-A: x\r\n\r\n", 0, 0},
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 0, 0},
    {"HTTP/1.1 200 OK\r\nContent-Length: 500\r\nETag: \"x\"\r\n\r\n", 1, 0},
    {"HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\n", 0, 0},
    {"HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until the end", 0, 1},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", 0, 1}, /* cut short */
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabEXTRA", 0, 0},
    {"HTTP/1.1 abc\r\n\r\n", 0, 1},
    {"HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 1},
    {"\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 0},
};

static void split_points(void)
{
    http1_resp *r = http1_resp_new();
    for (size_t k = 0; k < sizeof canned / sizeof canned[0]; k++) {
        const char *m = canned[k].msg;
        size_t n = strlen(m);
        struct outcome one, o;
        parse_split(r, m, n, NULL, 0, canned[k].is_head, 1, 1 << 16, canned[k].do_eof, &one);
        /* small body capture too, so a split inside the kept prefix is exercised */
        struct outcome small;
        parse_split(r, m, n, NULL, 0, canned[k].is_head, 1, 4, canned[k].do_eof, &small);
        int bad = 0;
        size_t cuts[4096];
        for (size_t i = 1; i < n; i++)
            cuts[i - 1] = i;
        parse_split(r, m, n, cuts, (int)n - 1, canned[k].is_head, 1, 1 << 16, canned[k].do_eof,
                    &o);
        if (!same_outcome(&one, &o)) {
            printf("    canned %zu: byte-by-byte differs\n", k);
            bad = 1;
        }
        for (size_t i = 1; i < n && !bad; i++) {
            cuts[0] = i;
            parse_split(r, m, n, cuts, 1, canned[k].is_head, 1, 1 << 16, canned[k].do_eof, &o);
            if (!same_outcome(&one, &o)) {
                printf("    canned %zu: split at %zu differs\n", k, i);
                bad = 1;
            }
            parse_split(r, m, n, cuts, 1, canned[k].is_head, 1, 4, canned[k].do_eof, &o);
            if (!same_outcome(&small, &o)) {
                printf("    canned %zu: split at %zu differs (max_body 4)\n", k, i);
                bad = 1;
            }
            for (size_t j = i + 1; j < n && !bad; j += 3) {
                cuts[1] = j;
                parse_split(r, m, n, cuts, 2, canned[k].is_head, 1, 1 << 16, canned[k].do_eof,
                            &o);
                if (!same_outcome(&one, &o)) {
                    printf("    canned %zu: split at %zu,%zu differs\n", k, i, j);
                    bad = 1;
                }
            }
        }
        CHECK(!bad);
    }
    /* sanity on what the one-shot feeds gave */
    struct outcome o;
    parse_split(r, canned[0].msg, strlen(canned[0].msg), NULL, 0, 0, 1, 100, 0, &o);
    CHECK_STR(o.hdrs, "Content-Type=text/html; charset=utf-8\nContent-Length=11\nX-Empty=\n"
                      "Set-Cookie=a=1\nSet-Cookie=b=2\n");
    parse_split(r, canned[1].msg, strlen(canned[1].msg), NULL, 0, 0, 1, 100, 0, &o);
    CHECK_STR(o.body, "Wikipedia in\r\n\r\nchunks.");
    CHECK_INT(o.body_len, 23);
    parse_split(r, canned[2].msg, strlen(canned[2].msg), NULL, 0, 0, 1, 100, 0, &o);
    CHECK_INT(o.status, 200);
    CHECK_STR(o.body, "abc");
    parse_split(r, canned[5].msg, strlen(canned[5].msg), NULL, 0, 0, 1, 100, 1, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_STR(o.body, "body until the end");
    parse_split(r, canned[6].msg, strlen(canned[6].msg), NULL, 0, 0, 1, 100, 1, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    parse_split(r, canned[7].msg, strlen(canned[7].msg), NULL, 0, 0, 1, 100, 0, &o);
    CHECK_INT(o.used, strlen(canned[7].msg) - 5);
    parse_split(r, canned[9].msg, strlen(canned[9].msg), NULL, 0, 0, 1, 100, 1, &o);
    CHECK_INT(o.rc, HTTP1_ERROR);
    parse_split(r, canned[10].msg, strlen(canned[10].msg), NULL, 0, 0, 1, 100, 0, &o);
    CHECK_INT(o.rc, HTTP1_DONE);
    CHECK_STR(o.body, "x");
    http1_resp_free(r);
}

/* ---- Request heads ------------------------------------------------------------ */

#define UA "User-Agent: surge/" SURGE_VERSION "\r\n"

static void head_get(void)
{
    char buf[512];
    int n = http1_write_head(buf, sizeof buf, "GET", "/index.html?q=1", "example.com:8080",
                             NULL, 0, -1);
    const char *want = "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n" UA "\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n > 0 && !memcmp(buf, want, (size_t)n));
    /* GET with body_len 0: no Content-Length */
    n = http1_write_head(buf, sizeof buf, "GET", "/", "h", NULL, 0, 0);
    want = "GET / HTTP/1.1\r\nHost: h\r\n" UA "\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n > 0 && !memcmp(buf, want, (size_t)n));
    /* HEAD and DELETE: same */
    n = http1_write_head(buf, sizeof buf, "DELETE", "/x", "h", NULL, 0, 0);
    want = "DELETE /x HTTP/1.1\r\nHost: h\r\n" UA "\r\n";
    CHECK(n > 0 && (size_t)n == strlen(want) && !memcmp(buf, want, (size_t)n));
    /* user headers in order */
    struct http1_header h[] = {{"Accept", "*/*"}, {"X-Trace", "abc def"}};
    n = http1_write_head(buf, sizeof buf, "GET", "/", "[::1]:81", h, 2, -1);
    want = "GET / HTTP/1.1\r\nHost: [::1]:81\r\n" UA "Accept: */*\r\nX-Trace: abc def\r\n\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n > 0 && !memcmp(buf, want, (size_t)n));
}

static void head_post(void)
{
    char buf[512];
    struct http1_header h[] = {{"Content-Type", "application/json"}};
    int n = http1_write_head(buf, sizeof buf, "POST", "/api", "h", h, 1, 13);
    const char *want = "POST /api HTTP/1.1\r\nHost: h\r\n" UA
                       "Content-Type: application/json\r\nContent-Length: 13\r\n\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n > 0 && !memcmp(buf, want, (size_t)n));
    /* empty POST/PUT/PATCH bodies still say Content-Length: 0 */
    const char *ms[] = {"POST", "PUT", "PATCH"};
    for (int i = 0; i < 3; i++) {
        n = http1_write_head(buf, sizeof buf, ms[i], "/", "h", NULL, 0, 0);
        CHECK(n > 0 && strstr(buf, "Content-Length: 0\r\n\r\n") != NULL);
        buf[0] = '\0';
    }
    /* ... but not with -1 */
    memset(buf, 0, sizeof buf);
    n = http1_write_head(buf, sizeof buf, "POST", "/", "h", NULL, 0, -1);
    CHECK(n > 0 && strstr(buf, "Content-Length") == NULL);
    /* large lengths */
    memset(buf, 0, sizeof buf);
    n = http1_write_head(buf, sizeof buf, "PUT", "/", "h", NULL, 0, 10000000000LL);
    CHECK(n > 0 && strstr(buf, "Content-Length: 10000000000\r\n") != NULL);
    /* any method with a body gets a length */
    memset(buf, 0, sizeof buf);
    n = http1_write_head(buf, sizeof buf, "GET", "/", "h", NULL, 0, 4);
    CHECK(n > 0 && strstr(buf, "Content-Length: 4\r\n") != NULL);
}

static void head_overrides(void)
{
    char buf[512];
    struct http1_header h[] = {{"host", "other.example"}, {"USER-AGENT", "curl/8"}};
    int n = http1_write_head(buf, sizeof buf, "GET", "/", "h:1", h, 2, -1);
    const char *want = "GET / HTTP/1.1\r\nhost: other.example\r\nUSER-AGENT: curl/8\r\n\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n > 0 && !memcmp(buf, want, (size_t)n));
    /* Host given: authority may be NULL */
    n = http1_write_head(buf, sizeof buf, "GET", "/", NULL, h, 1, -1);
    CHECK(n > 0);
    /* the caller owns framing with Content-Length or Transfer-Encoding */
    struct http1_header cl[] = {{"content-length", "7"}};
    memset(buf, 0, sizeof buf);
    n = http1_write_head(buf, sizeof buf, "POST", "/", "h", cl, 1, 7);
    want = "POST / HTTP/1.1\r\nHost: h\r\n" UA "content-length: 7\r\n\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n > 0 && !memcmp(buf, want, (size_t)n));
    struct http1_header te[] = {{"Transfer-encoding", "chunked"}};
    memset(buf, 0, sizeof buf);
    n = http1_write_head(buf, sizeof buf, "POST", "/", "h", te, 1, 0);
    want = "POST / HTTP/1.1\r\nHost: h\r\n" UA "Transfer-encoding: chunked\r\n\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n > 0 && !memcmp(buf, want, (size_t)n));
    /* a header that merely starts like Host is not Host */
    struct http1_header hx[] = {{"Hostname", "x"}};
    memset(buf, 0, sizeof buf);
    n = http1_write_head(buf, sizeof buf, "GET", "/", "h", hx, 1, -1);
    CHECK(n > 0 && strstr(buf, "\r\nHost: h\r\n") != NULL);
}

static void head_nospace(void)
{
    struct http1_header h[] = {{"Accept", "*/*"}, {"X-A", "b"}};
    char full[512];
    int want = http1_write_head(full, sizeof full, "POST", "/p?q", "host:8", h, 2, 12345);
    CHECK(want > 0);
    char buf[600];
    for (int cap = 0; cap <= want; cap++) {
        memset(buf, 0x5a, sizeof buf);
        int n = http1_write_head(buf, (size_t)cap, "POST", "/p?q", "host:8", h, 2, 12345);
        if (cap < want)
            CHECK_INT(n, -ENOSPC);
        else
            CHECK_INT(n, want);
        for (size_t i = (size_t)cap; i < sizeof buf; i++) {
            if (buf[i] != 0x5a) {
                printf("    cap %d: wrote at %zu\n", cap, i);
                CHECK(!"wrote past cap");
                break;
            }
        }
    }
    CHECK(!memcmp(buf, full, (size_t)want));
    CHECK_INT(http1_write_head(NULL, 0, "GET", "/", "h", NULL, 0, -1), -ENOSPC);
}

static void head_einval(void)
{
    char buf[512];
    struct http1_header bad_name[] = {{"X-A\r\nX-Evil", "1"}};
    struct http1_header bad_value[] = {{"X-A", "1\r\nX-Evil: 2"}};
    struct http1_header lf_value[] = {{"X-A", "1\nX"}};
    struct http1_header cr_value[] = {{"X-A", "1\rX"}};
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/", "h", bad_name, 1, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/", "h", bad_value, 1, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/", "h", lf_value, 1, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/", "h", cr_value, 1, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET\r\n", "/", "h", NULL, 0, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/a\nb", "h", NULL, 0, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/", "h\r\nX: y", NULL, 0, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/", NULL, NULL, 0, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "", "/", "h", NULL, 0, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "", "h", NULL, 0, -1), -EINVAL);
    CHECK_INT(http1_write_head(buf, sizeof buf, "GET", "/", "h", NULL, 1, -1), -EINVAL);
    /* EINVAL wins over ENOSPC */
    CHECK_INT(http1_write_head(buf, 1, "GET", "/", "h", bad_value, 1, -1), -EINVAL);
}

/* ---- -H arguments ---------------------------------------------------------------- */

static void header_args(void)
{
    static const struct {
        const char *arg, *name, *value;
    } ok[] = {
        {"X-A:b", "X-A", "b"},
        {"X-A:  b  ", "X-A", "b"},
        {"X-A: \tb c\t ", "X-A", "b c"},
        {"Accept: */*", "Accept", "*/*"},
        {"X-Empty:", "X-Empty", ""},
        {"X-Empty:   ", "X-Empty", ""},
        {"X-Colon: a:b:c", "X-Colon", "a:b:c"},
        {"!#$%&'*+-.^_`|~09az: v", "!#$%&'*+-.^_`|~09az", "v"},
        {"Host: example.com:8080", "Host", "example.com:8080"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *owned = NULL;
        const char *n = NULL, *v = NULL;
        char err[128] = "";
        CHECK_INT(http1_parse_header_arg(ok[i].arg, &owned, &n, &v, err, sizeof err), 0);
        CHECK_STR(n, ok[i].name);
        CHECK_STR(v, ok[i].value);
        CHECK_STR(err, "");
        free(owned);
    }
    static const char *bad[] = {
        "Foo", "", ":value", " X-A: b", "X-A : b", "X A: b", "X-A\r\n: b", "X-A: b\r\nX-B: c",
        "X-A: b\n", "X(A): b", "X@A: b", "X/A: b", "X-A: a\x01z", "X-\xc3\xa9: b", "X-A: b\x7f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *owned = (char *)"untouched";
        const char *n = "untouched", *v = "untouched";
        char err[128] = "";
        int rc = http1_parse_header_arg(bad[i], &owned, &n, &v, err, sizeof err);
        if (rc != -1)
            printf("    accepted '%s'\n", bad[i]);
        CHECK_INT(rc, -1);
        CHECK(!strncmp(err, "bad header '", 12));
        CHECK(strchr(err, '\r') == NULL && strchr(err, '\n') == NULL);
        CHECK_STR(owned, "untouched");
        CHECK_STR(n, "untouched");
    }
    char err[128];
    char *owned;
    const char *n, *v;
    http1_parse_header_arg("Foo", &owned, &n, &v, err, sizeof err);
    CHECK_STR(err, "bad header 'Foo' (expected 'Name: value')");
    http1_parse_header_arg(":x", &owned, &n, &v, err, sizeof err);
    CHECK(strstr(err, "':x'") != NULL && strstr(err, "empty name") != NULL);
    /* a tiny or absent err buffer is fine */
    CHECK_INT(http1_parse_header_arg("Foo", &owned, &n, &v, err, 4), -1);
    CHECK_INT(strlen(err), 3);
    CHECK_INT(http1_parse_header_arg("Foo", &owned, &n, &v, NULL, 0), -1);
}

int main(void)
{
    RUN(content_length);
    RUN(used_stops_at_end);
    RUN(chunked);
    RUN(body_capture_limit);
    RUN(head_response);
    RUN(no_body_statuses);
    RUN(continue_then_final);
    RUN(body_to_eof);
    RUN(eof_cases);
    RUN(malformed);
    RUN(header_overflow);
    RUN(keep_alive_rules);
    RUN(reuse);
    RUN(split_points);
    RUN(head_get);
    RUN(head_post);
    RUN(head_overrides);
    RUN(head_nospace);
    RUN(head_einval);
    RUN(header_args);
    UNIT_EXIT();
}
