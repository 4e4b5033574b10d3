/* test_redact.c — which headers are secret and how their values are shown: whole values,
 * each cookie's value in Cookie, the first pair's in Set-Cookie, short and odd values. */
#include "unit.h"
#include "util/redact.h"

#include <errno.h>
#include <stdio.h>
#include "util/sbuf.h"

static const char *hdr(const char *name, const char *v)
{
    static char res[512];
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "<");
    int rc = redact_header(&b, name, v, strlen(v));
    if (rc)
        snprintf(res, sizeof res, "<rc %d>", rc);
    else
        snprintf(res, sizeof res, "%s", sbuf_str(&b) + 1);
    sbuf_free(&b);
    return res;
}

static const char *val(const char *v, size_t n)
{
    static char res[256];
    struct sbuf b = SBUF_INIT;
    redact_value(&b, v, n);
    snprintf(res, sizeof res, "%s", sbuf_str(&b));
    sbuf_free(&b);
    return res;
}

static void kinds(void)
{
    CHECK_INT(redact_header_kind("Cookie"), REDACT_COOKIES);
    CHECK_INT(redact_header_kind("set-cookie"), REDACT_COOKIES);
    CHECK_INT(redact_header_kind("AUTHORIZATION"), REDACT_WHOLE);
    CHECK_INT(redact_header_kind("Proxy-Authorization"), REDACT_WHOLE);
    CHECK_INT(redact_header_kind("X-Cookie"), REDACT_NONE);
    CHECK_INT(redact_header_kind("Content-Type"), REDACT_NONE);
    CHECK_INT(redact_header_kind(""), REDACT_NONE);
}

static void values(void)
{
    CHECK_STR(val("", 0), "...(0 bytes)");
    CHECK_STR(val("x", 1), "...(1 byte)");
    CHECK_STR(val("12345678", 8), "...(8 bytes)"); /* 8 or fewer: no prefix */
    CHECK_STR(val("123456789", 9), "1234...(9 bytes)");
    CHECK_STR(val("a\nb\x01\x80xyzw", 9), "a?b?...(9 bytes)");
    CHECK_STR(val("ab\0cdefghij", 11), "ab?c...(11 bytes)");
}

static void headers(void)
{
    CHECK_STR(hdr("Authorization", "Bearer abcdefghijklmnop"), "Bear...(23 bytes)");
    CHECK_STR(hdr("Content-Type", "text/plain; a=b"), "text/plain; a=b");
    CHECK_STR(hdr("Cookie", "sid=0123456789abcdef; t=1"), "sid=0123...(16 bytes); t=...(1 byte)");
    CHECK_STR(hdr("Cookie", "a=; b"), "a=...(0 bytes); ...(1 byte)");
    CHECK_STR(hdr("Cookie", ""), "");
    CHECK_STR(hdr("Cookie", "x=1;"), "x=...(1 byte);");
    CHECK_STR(hdr("Cookie", "x=a=b"), "x=...(3 bytes)"); /* the value holds '=' */
    CHECK_STR(hdr("Set-Cookie", "csrftoken=0123456789abcdef0123456789abcdef; Path=/; Max-Age=60"),
              "csrftoken=0123...(32 bytes); Path=/; Max-Age=60");
    CHECK_STR(hdr("Set-Cookie", "novalue"), "...(7 bytes)");
    CHECK_STR(hdr("set-cookie", "s=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
              "s=...(0 bytes); Expires=Thu, 01 Jan 1970 00:00:00 GMT");
}

static void secret_headers(void)
{
    CHECK_INT(redact_header_kind("X-Api-Key"), REDACT_WHOLE);
    CHECK_INT(redact_header_kind("x-csrf-token"), REDACT_WHOLE);
    CHECK_INT(redact_header_kind("X-CLIENT-SECRET"), REDACT_WHOLE);
    CHECK_INT(redact_header_kind("Keycloak-Id"), REDACT_WHOLE); /* contains key: better safe */
    CHECK_INT(redact_header_kind("X-Request-Id"), REDACT_NONE);
    CHECK_INT(redact_header_kind("Content-Type"), REDACT_NONE);
}

static void extra_headers(void)
{
    CHECK_INT(redact_header_kind("X-Session"), REDACT_NONE);
    CHECK_INT(redact_add_header("X-Session"), 0);
    CHECK_INT(redact_add_header("x-session"), 0); /* once */
    CHECK_INT(redact_header_kind("x-SESSION"), REDACT_WHOLE);
    CHECK_INT(redact_header_kind("X-Session-Id"), REDACT_NONE); /* the name, not a part */
    CHECK_INT(redact_add_header(""), -EINVAL);
    CHECK_INT(redact_add_header("a b"), -EINVAL);
    CHECK_INT(redact_add_header("a:b"), -EINVAL);
    CHECK_INT(redact_add_header("caf\xc3\xa9"), -EINVAL);
}

static void scrub(const char *in, const char *want)
{
    struct sbuf o = SBUF_INIT;
    CHECK_INT(redact_scrub(&o, in, strlen(in)), 0);
    CHECK_STR(sbuf_str(&o), want);
    sbuf_free(&o);
}

static void secret_values(void)
{
    redact_clear_secrets();
    scrub("nothing registered", "nothing registered");
    CHECK_INT(redact_add_secret(NULL), 0);
    CHECK_INT(redact_add_secret("abc"), 0); /* too short: not registered */
    CHECK_INT(redact_add_secret("hunter2"), 0);
    CHECK_INT(redact_add_secret("hunter2"), 0); /* once */
    CHECK_INT(redact_add_secret("hunter2-long"), 0);
    scrub("abc hunter2 x", "abc ...(secret) x");
    scrub("hunter2hunter2", "...(secret)...(secret)");
    scrub("[hunter2-long]", "[...(secret)]"); /* the longest match */
    scrub("hunter", "hunter");
    scrub("", "");
    char buf[16] = "a hunter2 b";
    redact_scrub_str(buf, sizeof buf);
    CHECK_STR(buf, "a ...(secret) b");
    char small[10] = "hunter2!";
    redact_scrub_str(small, sizeof small); /* cut to fit */
    CHECK_STR(small, "...(secre");
    for (int i = 0; i < REDACT_MAX_SECRETS; i++) {
        char v[32];
        snprintf(v, sizeof v, "secret-%d", i);
        redact_add_secret(v);
    }
    CHECK_INT(redact_add_secret("one-too-many"), -ENOSPC);
    redact_clear_secrets();
    scrub("hunter2", "hunter2");
}

int main(void)
{
    RUN(kinds);
    RUN(values);
    RUN(headers);
    RUN(secret_headers);
    RUN(secret_values);
    RUN(extra_headers);
    UNIT_EXIT();
}
