/* faults.c — the fault routes: each breaks HTTP in one precise way, to test client error classes.
 */
#include "faults.h"

#include <stdio.h>
#include <string.h>

#define FAULT_SLOW_DEFAULT_MS 1000.0
#define FAULT_SLOW_MAX_MS 600000.0
#define FAULT_HUGE_DEFAULT_KB 128
#define FAULT_HUGE_MAX_KB 16384
#define FAULT_LINE 1024 /* bytes per huge header line, CRLF included */

/* /fault/reset — read the request, then close with SO_LINGER {1,0}: the client gets RST. */
static void fault_reset(tb_req *r)
{
    req_close_rst(r);
}

/* /fault/close-mid-body — a head promising 1000 bytes, 100 of them, then FIN. */
static void fault_close_mid_body(tb_req *r)
{
    char msg[256 + 100];
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: 1000\r\n\r\n");
    memset(msg + n, 'x', 100);
    req_send_raw(r, msg, (size_t)n + 100);
}

/* /fault/malformed — bytes that are not an HTTP response, then FIN. */
static void fault_malformed(tb_req *r)
{
    static const char junk[] = "HTTP/1.1 abc\r\nnonsense\r\n\r\n";
    req_send_raw(r, junk, sizeof junk - 1);
}

static void fault_slow_send(tb_req *r)
{
    req_reply(r, 200, "text/plain", "slow", 4);
}

/* /fault/slow-headers?ms=M — nothing for M ms (default 1000), then a normal 200 "slow". */
static void fault_slow_headers(tb_req *r)
{
    double ms;
    if (req_query_num(r, "ms", FAULT_SLOW_DEFAULT_MS, 0, FAULT_SLOW_MAX_MS, &ms))
        return;
    req_after(r, ms, fault_slow_send);
}

/* /fault/huge-headers?kb=N — a 200 whose header lines total N KiB (default 128; each line
 * "X-Huge-NNNNN: xxx...\r\n" is 1024 bytes), then the body "huge". */
static void fault_huge_headers(tb_req *r)
{
    long long kb;
    if (req_query_int(r, "kb", FAULT_HUGE_DEFAULT_KB, 1, FAULT_HUGE_MAX_KB, &kb))
        return;
    char value[FAULT_LINE];
    for (long long i = 0; i < kb; i++) {
        char name[32];
        int n = snprintf(name, sizeof name, "X-Huge-%05lld", i);
        size_t vlen = FAULT_LINE - (size_t)n - 4; /* ": " and CRLF */
        memset(value, 'h', vlen);
        value[vlen] = '\0';
        if (req_add_header(r, name, value)) {
            req_error(r, 500, "out of memory building headers");
            return;
        }
    }
    req_reply(r, 200, "text/plain", "huge", 4);
}

/* /fault/bad-chunked — Transfer-Encoding: chunked with an invalid chunk-size line, then FIN. */
static void fault_bad_chunked(tb_req *r)
{
    static const char msg[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "zz\r\nhello\r\n0\r\n\r\n";
    req_send_raw(r, msg, sizeof msg - 1);
}

/* /fault/no-response — read the request and never answer; the connection stays open until
 * the client closes it. */
static void fault_no_response(tb_req *r)
{
    req_defer(r);
}

int fault_routes_register(tb_server *s)
{
    static const struct {
        const char *path;
        req_fn fn;
    } table[] = {
        {"/fault/reset", fault_reset},
        {"/fault/close-mid-body", fault_close_mid_body},
        {"/fault/malformed", fault_malformed},
        {"/fault/slow-headers", fault_slow_headers},
        {"/fault/huge-headers", fault_huge_headers},
        {"/fault/bad-chunked", fault_bad_chunked},
        {"/fault/no-response", fault_no_response},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        int rc = srv_route(s, NULL, table[i].path, 0, table[i].fn);
        if (rc)
            return rc;
    }
    return 0;
}
