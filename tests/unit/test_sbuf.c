/* test_sbuf.c — the growable buffer: appends, growth, printf, integers, reset, detach,
 * XML escaping. */
#include "unit.h"
#include "util/sbuf.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void empty(void)
{
    struct sbuf b = SBUF_INIT;
    CHECK_STR(sbuf_str(&b), "");
    CHECK_INT(b.len, 0);
    sbuf_reset(&b);
    sbuf_truncate(&b, 5);
    CHECK_STR(sbuf_str(&b), "");
    sbuf_free(&b);
    sbuf_free(NULL);
    char *s = sbuf_detach(&b);
    CHECK(s && s[0] == '\0');
    free(s);
}

static void appends(void)
{
    struct sbuf b = SBUF_INIT;
    CHECK_INT(sbuf_puts(&b, "ab"), 0);
    CHECK_INT(sbuf_putc(&b, 'c'), 0);
    CHECK_INT(sbuf_append(&b, "d\0e", 3), 0);
    CHECK_INT(b.len, 6);
    CHECK(memcmp(b.buf, "abcd\0e", 7) == 0);
    CHECK_INT(sbuf_append(&b, NULL, 0), 0);
    CHECK_INT(b.len, 6);
    sbuf_truncate(&b, 2);
    CHECK_STR(sbuf_str(&b), "ab");
    sbuf_free(&b);
}

static void growth_keeps_bytes(void)
{
    struct sbuf b = SBUF_INIT;
    for (int i = 0; i < 10000; i++)
        CHECK_INT(sbuf_putc(&b, (char)('a' + i % 26)), 0);
    CHECK_INT(b.len, 10000);
    CHECK(b.cap > b.len);
    int ok = 1;
    for (int i = 0; i < 10000; i++)
        ok &= b.buf[i] == (char)('a' + i % 26);
    CHECK(ok);
    CHECK(b.buf[10000] == '\0');
    size_t cap = b.cap;
    sbuf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_INT(b.cap, cap);
    CHECK_STR(sbuf_str(&b), "");
    sbuf_free(&b);
    CHECK(b.buf == NULL && b.cap == 0);
}

static void printf_small_and_large(void)
{
    struct sbuf b = SBUF_INIT;
    CHECK_INT(sbuf_printf(&b, "%d-%s", 42, "x"), 0);
    CHECK_STR(sbuf_str(&b), "42-x");
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(sbuf_printf(&b, "[%s]", big), 0);
    CHECK_INT(b.len, 4 + 2 + 999);
    CHECK(b.buf[4] == '[' && b.buf[b.len - 1] == ']' && b.buf[b.len] == '\0');
    sbuf_free(&b);
}

static void integers(void)
{
    struct sbuf b = SBUF_INIT;
    sbuf_put_i64(&b, 0);
    sbuf_putc(&b, ' ');
    sbuf_put_i64(&b, -17);
    sbuf_putc(&b, ' ');
    sbuf_put_i64(&b, LLONG_MIN);
    sbuf_putc(&b, ' ');
    sbuf_put_i64(&b, LLONG_MAX);
    sbuf_putc(&b, ' ');
    sbuf_put_u64(&b, ULLONG_MAX);
    CHECK_STR(sbuf_str(&b), "0 -17 -9223372036854775808 9223372036854775807 18446744073709551615");
    sbuf_free(&b);
}

static void too_big(void)
{
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "keep");
    CHECK_INT(sbuf_reserve(&b, SBUF_MAX), -E2BIG);
    CHECK_INT(sbuf_reserve(&b, (size_t)-1), -E2BIG);
    CHECK_INT(sbuf_append(&b, "x", (size_t)-1), -E2BIG);
    CHECK_STR(sbuf_str(&b), "keep");
    sbuf_free(&b);
}

static void detach(void)
{
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "hello");
    char *s = sbuf_detach(&b);
    CHECK_STR(s, "hello");
    CHECK(b.buf == NULL && b.len == 0 && b.cap == 0);
    free(s);
}

static void xml(void)
{
    struct sbuf b = SBUF_INIT;
    CHECK_INT(sbuf_put_xml(&b, "a<b>&\"c\" 'd'\te\nf\x01g\x1f\x7f\xc3\xa9"), 0);
    CHECK_STR(sbuf_str(&b), "a&lt;b&gt;&amp;&quot;c&quot; 'd'\te\nf g \x7f\xc3\xa9");
    CHECK_INT(sbuf_put_xml(&b, NULL), 0);
    CHECK_INT(sbuf_put_xml(&b, ""), 0);
    CHECK_INT(b.len, strlen("a&lt;b&gt;&amp;&quot;c&quot; 'd'\te\nf g \x7f\xc3\xa9"));
    sbuf_free(&b);
}

static void json_chars(void)
{
    struct sbuf b = SBUF_INIT;
    static const char in[] = "q\"b\\/\n\r\t\b\f\x01\x1f\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    CHECK_INT(sbuf_put_json_chars(&b, in, sizeof in - 1), 0);
    CHECK_STR(sbuf_str(&b), "q\\\"b\\\\/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    sbuf_reset(&b);
    /* invalid: lone continuation, overlong 2- and 3-byte, surrogate, > U+10FFFF, F5, cut */
    static const char bad[] = "\x80|\xc0\xaf|\xe0\x80\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xf5|\xe2\x82";
    CHECK_INT(sbuf_put_json_chars(&b, bad, sizeof bad - 1), 0);
    CHECK_STR(sbuf_str(&b), "\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
                            "\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd|\\ufffd\\ufffd");
    sbuf_reset(&b);
    CHECK_INT(sbuf_put_json_chars(&b, "a\0b", 3), 0); /* NUL is a control character */
    CHECK_STR(sbuf_str(&b), "a\\u0000b");
    CHECK_INT(sbuf_put_json_chars(&b, "", 0), 0);
    CHECK_INT(b.len, 8);
    sbuf_free(&b);
}

int main(void)
{
    RUN(empty);
    RUN(appends);
    RUN(growth_keeps_bytes);
    RUN(printf_small_and_large);
    RUN(integers);
    RUN(too_big);
    RUN(detach);
    RUN(xml);
    RUN(json_chars);
    UNIT_EXIT();
}
