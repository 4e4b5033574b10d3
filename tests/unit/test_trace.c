/* test_trace.c — the trace's shape: the count of exchanges, head lines with secrets
 * redacted, bodies cut at 2 KB, binary runs as a length, notes only after a traced
 * request, requests not sent. */
#include "flow/trace.h"
#include "unit.h"

#include <stdlib.h>

static char *buf;
static size_t len;

static trace *fresh(long n, FILE **f)
{
    free(buf);
    buf = NULL;
    *f = open_memstream(&buf, &len);
    return trace_new(*f, n);
}

static const char *done(trace *t, FILE *f)
{
    trace_free(t);
    fclose(f);
    return buf;
}

static void heads_and_count(void)
{
    FILE *f;
    trace *t = fresh(1, &f);
    const char head[] = "POST /a HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcjpwYXNz\r\n"
                        "Cookie: a=123456789\r\nX-Empty:\r\n\r\n";
    struct iovec iov[3] = {{(void *)head, sizeof head - 1}, {"ab\r\ncd", 6}, {"\n", 1}};
    CHECK(trace_want(t));
    trace_request(t, "step 'x'", iov, 3);
    CHECK(!trace_want(t));
    CHECK(trace_open(t));
    trace_note(t, "extract %s", "v");
    trace_value(t, "v", "secretvalue", 11, NULL, 1);
    trace_value(t, "w", "a=123456789; Path=/", 19, "Set-Cookie", 1);
    trace_value(t, "p", "plain", 5, NULL, 0);
    trace_request(t, "step 'y'", iov, 1); /* over the count: nothing, and closes */
    CHECK(!trace_open(t));
    trace_note(t, "not printed");
    trace_skip(t, "step 'z'", "template", "no");
    CHECK_STR(done(t, f), "--- trace 1: step 'x' ---\n"
                          "> POST /a HTTP/1.1\n"
                          "> Host: h\n"
                          "> Authorization: Basi...(18 bytes)\n"
                          "> Cookie: a=1234...(9 bytes)\n"
                          "> X-Empty: \n"
                          ">\n"
                          "> ab\n"
                          "> cd\n"
                          "= extract v\n"
                          "= extract v = secr...(11 bytes)\n"
                          "= extract w = a=1234...(9 bytes); Path=/\n"
                          "= extract p = plain\n");
}

static void bodies(void)
{
    FILE *f;
    trace *t = fresh(3, &f);
    static char big[5000];
    memset(big, 'x', sizeof big);
    big[100] = '\n';
    const char head[] = "GET / HTTP/1.1\r\n\r\n";
    struct iovec iov[2] = {{(void *)head, sizeof head - 1}, {big, sizeof big}};
    trace_request(t, "big", iov, 2);
    const char *out = done(t, f);
    CHECK(strstr(out, "> ... (2952 more bytes)\n") != NULL);
    CHECK_INT(strlen(out), strlen("--- trace 1: big ---\n> GET / HTTP/1.1\n>\n") + 2 + 100 + 1 + 2 +
                               (2048 - 101) + 1 + strlen("> ... (2952 more bytes)\n"));

    t = fresh(3, &f);
    static const char bin[] = "--b\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\x00\x01\x02"
                              "\x03\n\x90\x91\r\n--b--\r\n";
    struct iovec iov2[3] = {
        {(void *)head, sizeof head - 1}, {(void *)bin, 20}, {(void *)(bin + 20), sizeof bin - 21}};
    trace_request(t, "mp", iov2, 3);
    CHECK_STR(done(t, f), "--- trace 1: mp ---\n"
                          "> GET / HTTP/1.1\n"
                          ">\n"
                          "> --b\n"
                          "> Content-Type: image/png\n"
                          "> \n"
                          "> [17 bytes of binary]\n"
                          "> --b--\n");

    t = fresh(3, &f);
    trace_request(t, "tab",
                  (struct iovec[]){{(void *)head, sizeof head - 1},
                                   {"a\tb\x7f"
                                    "cdefgh",
                                    10}},
                  2);
    trace_skip(t, "step 'z'", "template", "${cookie.x}: none");
    trace_response(t, 200, NULL, "unused");
    CHECK_STR(done(t, f), "--- trace 1: tab ---\n"
                          "> GET / HTTP/1.1\n"
                          ">\n"
                          "> a\tb\\x7fcdefgh\n"
                          "--- trace 2: step 'z' ---\n"
                          "= not sent: FAILED (template): ${cookie.x}: none\n");
}

int main(void)
{
    RUN(heads_and_count);
    RUN(bodies);
    free(buf);
    UNIT_EXIT();
}
