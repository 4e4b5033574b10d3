/* tb_test_query.c — the testbed's query strings: splitting on & and =, %XX and '+' decoding,
 * bad escapes, repeated names, empty values and pieces, very long input, lookups. Every input
 * sits right before a PROT_NONE page (guard.h) and carries no NUL, so an over-read crashes. */
#include "unit.h"
#include "guard.h"
#include "query.h"

#include <errno.h>
#include <stdlib.h>

/* qs_parse on a guarded copy of s (no NUL after it); the pairs land in *out. */
static int parse(const char *s, tbuf *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(s);
    return qs_parse(guard_copy(s, n), n, out);
}

/* Parses s and checks it decodes to exactly the pairs in want ("name", "value", ... NULL). */
static void pairs_are(const char *s, const char *const *want)
{
    tbuf out;
    int rc = parse(s, &out);
    int nwant = 0;
    while (want[2 * nwant])
        nwant++;
    if (rc != nwant)
        printf("    query \"%s\"\n", s);
    CHECK_INT(rc, nwant);
    size_t off = 0;
    for (int k = 0; rc == nwant && k < nwant; k++) {
        const char *name = out.p + off;
        CHECK_STR(name, want[2 * k]);
        off += strlen(name) + 1;
        const char *val = out.p + off;
        CHECK_STR(val, want[2 * k + 1]);
        off += strlen(val) + 1;
    }
    if (rc == nwant)
        CHECK_INT(off, out.len);
    tbuf_free(&out);
}

#define PAIRS(s, ...)                                                                      \
    do {                                                                                   \
        static const char *const want_[] = {__VA_ARGS__, NULL};                            \
        pairs_are(s, want_);                                                               \
    } while (0)

static void bad(const char *s)
{
    tbuf out;
    int rc = parse(s, &out);
    if (rc != -EINVAL)
        printf("    accepted: \"%s\"\n", s);
    CHECK_INT(rc, -EINVAL);
    tbuf_free(&out);
}

static void plain_pairs(void)
{
    PAIRS("a=1&b=2", "a", "1", "b", "2");
    PAIRS("size=1048576", "size", "1048576");
    PAIRS("a=b=c", "a", "b=c"); /* the first '=' splits */
    PAIRS("a=1;b=2", "a", "1;b=2"); /* ';' is not a separator */
    PAIRS("a?b=c", "a?b", "c");
    PAIRS("x=#frag", "x", "#frag"); /* the caller strips fragments */
}

static void percent_and_plus(void)
{
    PAIRS("k=%41%62%7e%7E", "k", "Ab~~");
    PAIRS("%61%3D=%26%3d", "a=", "&="); /* escaped separators are data */
    PAIRS("k=%2B+%20", "k", "+  ");
    PAIRS("a+b=c+d", "a b", "c d");
    PAIRS("k=%ff%80", "k", "\xff\x80"); /* any byte but NUL */
    PAIRS("k=%01", "k", "\x01");
    PAIRS("k=100%25", "k", "100%");
    PAIRS("+=+", " ", " ");
}

static void bad_percent(void)
{
    bad("a=%");
    bad("a=%4");
    bad("a=%G1");
    bad("a=%1G");
    bad("a=%%41");
    bad("a=% 1");
    bad("a=%-1");
    bad("a=%00");   /* decoded NUL */
    bad("%00=a");
    bad("%=a");
    bad("a%4=1");   /* an escape cut by '=' */
    bad("a=%4&b=1"); /* an escape cut by '&' */
    bad("ok=1&a=%");
    bad("a=1&b=%zz&c=3");
    /* a raw NUL is refused like a decoded one (it would split a pair: fuzz_tb_query) */
    static const struct {
        const char *s;
        size_t n;
    } raw[] = {{"a=1\0b\0x", 7}, {"\0", 1}, {"a\0=1", 4}, {"a=1&b=2&a=\0", 11}};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        tbuf out = {0};
        CHECK_INT(qs_parse(guard_copy(raw[i].s, raw[i].n), raw[i].n, &out), -EINVAL);
        tbuf_free(&out);
    }
}

static void repeated_names(void)
{
    PAIRS("a=1&a=2&a=3", "a", "1", "a", "2", "a", "3");
    tbuf out;
    int n = parse("a=1&b=x&a=2", &out);
    CHECK_INT(n, 3);
    CHECK_STR(qs_get(&out, n, "a"), "1"); /* the first one wins */
    CHECK_STR(qs_get(&out, n, "b"), "x");
    CHECK(qs_get(&out, n, "c") == NULL);
    CHECK(qs_get(&out, n, "A") == NULL); /* case matters */
    CHECK(qs_get(&out, 1, "b") == NULL); /* only the first `count` pairs */
    tbuf_free(&out);
    n = parse("%61=1&a=2", &out); /* names compare decoded */
    CHECK_STR(qs_get(&out, n, "a"), "1");
    tbuf_free(&out);
}

static void empty_values_and_pieces(void)
{
    PAIRS("a=&b=", "a", "", "b", "");
    PAIRS("=x", "", "x");
    PAIRS("=", "", "");
    PAIRS("flag", "flag", "");
    PAIRS("a&b=2&c", "a", "", "b", "2", "c", "");
    PAIRS("&&a=1&&&b=2&", "a", "1", "b", "2");
    tbuf out;
    CHECK_INT(parse("", &out), 0);
    CHECK(qs_get(&out, 0, "a") == NULL);
    tbuf_free(&out);
    CHECK_INT(parse("&", &out), 0);
    tbuf_free(&out);
    CHECK_INT(parse("&&&", &out), 0);
    tbuf_free(&out);
    CHECK_INT(qs_parse(NULL, 0, &out), 0);
    int n = parse("a=&flag&=v", &out);
    CHECK_INT(n, 3);
    CHECK_STR(qs_get(&out, n, "a"), "");
    CHECK_STR(qs_get(&out, n, "flag"), "");
    CHECK_STR(qs_get(&out, n, ""), "v");
    tbuf_free(&out);
}

static void length_is_respected(void)
{
    /* only s[0..n) counts, wherever the string ends */
    const char *s = "a=1&b=2";
    tbuf out = {0};
    CHECK_INT(qs_parse(guard_copy(s, 3), 3, &out), 1);
    CHECK_STR(qs_get(&out, 1, "a"), "1");
    tbuf_free(&out);
    CHECK_INT(qs_parse(guard_copy(s, 2), 2, &out), 1);
    CHECK_STR(qs_get(&out, 1, "a"), "");
    tbuf_free(&out);
    CHECK_INT(qs_parse(guard_copy("a=%41", 4), 4, &out), -EINVAL); /* "a=%4" */
    tbuf_free(&out);
    /* every prefix of a query with escapes: never reads past n */
    const char *q = "n%61me=v%41l+x&x&=&k=%7e%7E&last=1";
    size_t qn = strlen(q);
    for (size_t k = 0; k <= qn; k++) {
        memset(&out, 0, sizeof out);
        int rc = qs_parse(guard_copy(q, k), k, &out);
        CHECK(rc >= 0 || rc == -EINVAL);
        tbuf_free(&out);
    }
}

static void very_long(void)
{
    /* a 300000-byte value of %41 escapes, a 70000-byte name, 20000 pairs */
    size_t n = 300000;
    char *s = malloc(n + 100);
    CHECK(s != NULL);
    if (!s)
        return;
    memcpy(s, "v=", 2);
    for (size_t i = 0; i < n / 3; i++)
        memcpy(s + 2 + 3 * i, "%41", 3);
    size_t len = 2 + n / 3 * 3;
    tbuf out = {0};
    int rc = qs_parse(guard_copy(s, len), len, &out);
    CHECK_INT(rc, 1);
    const char *v = qs_get(&out, rc, "v");
    CHECK(v != NULL && strlen(v) == n / 3 && v[0] == 'A' && v[n / 3 - 1] == 'A');
    tbuf_free(&out);

    memset(s, 'k', 70000);
    memcpy(s + 70000, "=1", 2);
    rc = qs_parse(guard_copy(s, 70002), 70002, &out);
    CHECK_INT(rc, 1);
    CHECK_INT(strlen(out.p), 70000);
    tbuf_free(&out);

    len = 0;
    for (int k = 0; k < 20000; k++) {
        s[len++] = 'p';
        s[len++] = '=';
        s[len++] = (char)('a' + k % 26);
        s[len++] = '&';
    }
    rc = qs_parse(guard_copy(s, len), len, &out);
    CHECK_INT(rc, 20000);
    CHECK_STR(qs_get(&out, rc, "p"), "a");
    tbuf_free(&out);
    free(s);
}

int main(void)
{
    RUN(plain_pairs);
    RUN(percent_and_plus);
    RUN(bad_percent);
    RUN(repeated_names);
    RUN(empty_values_and_pieces);
    RUN(length_is_respected);
    RUN(very_long);
    guard_release();
    UNIT_EXIT();
}
