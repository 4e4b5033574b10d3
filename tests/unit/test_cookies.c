/* test_cookies.c — the cookie jar: domain and host-only matching, path matching and default
 * paths, Secure, Expires in the three date formats, Max-Age, replacement and deletion,
 * ordering, limits, malformed headers ignored. */
#include "flow/cookies.h"
#include "unit.h"
#include "util/sbuf.h"

#include <errno.h>
#include <stdlib.h>

#define NOW 1700000000LL /* 2023-11-14 22:13:20 UTC */

static cookiejar *jar;

static const char *hdr(const char *host, const char *path, int https, int64_t now)
{
    static char res[1024];
    struct sbuf b = SBUF_INIT;
    int n = cookiejar_header(jar, host, path, https, now, &b);
    snprintf(res, sizeof res, "%s", sbuf_str(&b));
    if (n < 0 || (n == 0) != (b.len == 0))
        snprintf(res, sizeof res, "<rc %d>", n);
    sbuf_free(&b);
    return res;
}

static int set(const char *sc, const char *host, const char *path)
{
    return cookiejar_set(jar, sc, host, path, NOW);
}

static void fresh(void)
{
    cookiejar_free(jar);
    jar = cookiejar_new();
}

static void basic(void)
{
    fresh();
    CHECK_STR(hdr("example.com", "/", 0, NOW), "");
    CHECK_INT(set("sid=abc", "example.com", "/login"), 0);
    CHECK_INT(cookiejar_count(jar), 1);
    CHECK_STR(hdr("example.com", "/", 0, NOW), "sid=abc");
    CHECK_STR(hdr("EXAMPLE.com", "/x/y?q=1", 1, NOW), "sid=abc");
    CHECK_INT(set("  lang =  en-US  ; Path=/", "example.com", "/"), 0);
    CHECK_INT(set("e=", "example.com", "/"), 0);
    CHECK_INT(set("q=\"quoted value\"", "example.com", "/"), 0);
    CHECK_INT(set("eq=a=b=c", "example.com", "/"), 0);
    CHECK_STR(hdr("example.com", "/", 0, NOW),
              "sid=abc; lang=en-US; e=; q=\"quoted value\"; eq=a=b=c");

    /* The header is appended, and the count returned. */
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "Cookie: ");
    CHECK_INT(cookiejar_header(jar, "example.com", "/", 0, NOW, &b), 5);
    CHECK(!strncmp(sbuf_str(&b), "Cookie: sid=abc; ", 17));
    sbuf_reset(&b);
    CHECK_INT(cookiejar_header(jar, "other.com", "/", 0, NOW, &b), 0);
    CHECK_INT(b.len, 0);
    sbuf_free(&b);

    cookiejar_clear(jar);
    CHECK_INT(cookiejar_count(jar), 0);
    CHECK_STR(hdr("example.com", "/", 0, NOW), "");
    cookiejar_free(NULL);
}

static void domains(void)
{
    fresh();
    CHECK_INT(set("host=1", "www.example.com", "/"), 0);
    CHECK_INT(set("dom=2; Domain=example.com", "www.example.com", "/"), 0);
    CHECK_INT(set("dot=3; Domain=.Example.COM", "www.example.com", "/"), 0);
    CHECK_INT(set("self=4; domain=www.example.com", "www.example.com", "/"), 0);
    CHECK_STR(hdr("www.example.com", "/", 0, NOW), "host=1; dom=2; dot=3; self=4");
    CHECK_STR(hdr("example.com", "/", 0, NOW), "dom=2; dot=3");
    CHECK_STR(hdr("a.b.example.com", "/", 0, NOW), "dom=2; dot=3");
    CHECK_STR(hdr("x.www.example.com", "/", 0, NOW), "dom=2; dot=3; self=4");
    CHECK_STR(hdr("badexample.com", "/", 0, NOW), "");
    CHECK_STR(hdr("example.org", "/", 0, NOW), "");
    CHECK_STR(hdr("com", "/", 0, NOW), "");

    /* Domain must domain-match the request host, or the cookie is ignored. */
    CHECK_INT(set("x=1; Domain=other.example.com", "www.example.com", "/"), -EINVAL);
    CHECK_INT(set("x=1; Domain=example.org", "www.example.com", "/"), -EINVAL);
    CHECK_INT(set("x=1; Domain=ww.example.com", "www.example.com", "/"), -EINVAL);
    CHECK_INT(set("x=1; Domain=sub.www.example.com", "www.example.com", "/"), -EINVAL);
    CHECK_INT(cookiejar_count(jar), 4);

    /* An empty Domain is ignored (host-only); "Domain=." too. */
    CHECK_INT(set("e1=1; Domain=", "www.example.com", "/"), 0);
    CHECK_INT(set("e2=1; Domain=.", "www.example.com", "/"), 0);
    CHECK_INT(set("e3=1; Domain=example.com; Domain=", "www.example.com", "/"), 0);
    CHECK_STR(hdr("example.com", "/", 0, NOW), "dom=2; dot=3; e3=1");
    CHECK_STR(hdr("a.www.example.com", "/", 0, NOW), "dom=2; dot=3; self=4; e3=1");

    /* IP hosts: only the exact address. */
    fresh();
    CHECK_INT(set("ip=1; Domain=0.0.1", "127.0.0.1", "/"), -EINVAL);
    CHECK_INT(set("ip=2; Domain=127.0.0.1", "127.0.0.1", "/"), 0);
    CHECK_INT(set("ip6=3", "::1", "/"), 0);
    CHECK_STR(hdr("127.0.0.1", "/", 0, NOW), "ip=2");
    CHECK_STR(hdr("1.127.0.0.1", "/", 0, NOW), ""); /* all digits and dots: no suffix match */
    CHECK_STR(hdr("::1", "/", 0, NOW), "ip6=3");
    CHECK_INT(set("x=1", "", "/"), -EINVAL);
    CHECK_INT(cookiejar_set(jar, "x=1", NULL, "/", NOW), -EINVAL);
}

static void paths(void)
{
    fresh();
    CHECK_INT(set("d=1", "h", "/a/b/c?x=/y/z"), 0); /* default path /a/b */
    CHECK_STR(hdr("h", "/a/b", 0, NOW), "d=1");
    CHECK_STR(hdr("h", "/a/b/", 0, NOW), "d=1");
    CHECK_STR(hdr("h", "/a/b/c/d", 0, NOW), "d=1");
    CHECK_STR(hdr("h", "/a/b?q", 0, NOW), "d=1");
    CHECK_STR(hdr("h", "/a/bc", 0, NOW), "");
    CHECK_STR(hdr("h", "/a", 0, NOW), "");
    CHECK_STR(hdr("h", "/", 0, NOW), "");
    CHECK_STR(hdr("h", "/A/b", 0, NOW), ""); /* paths are case-sensitive */

    fresh();
    CHECK_INT(set("root1=1", "h", "/login"), 0); /* one slash: "/" */
    CHECK_INT(set("root2=1", "h", NULL), 0);
    CHECK_INT(set("root3=1", "h", "login"), 0);
    CHECK_INT(set("root4=1", "h", "/"), 0);
    CHECK_INT(set("root5=1", "h", "?x=/a/b"), 0);
    CHECK_STR(hdr("h", "/anything", 0, NOW), "root1=1; root2=1; root3=1; root4=1; root5=1");
    CHECK_STR(hdr("h", NULL, 0, NOW), "root1=1; root2=1; root3=1; root4=1; root5=1");

    fresh();
    CHECK_INT(set("slash=1; Path=/docs/", "h", "/"), 0);
    CHECK_INT(set("noslash=1; Path=/docs", "h", "/"), 0);
    CHECK_INT(set("rel=1; Path=docs", "h", "/x/y"), 0); /* not absolute: default /x */
    CHECK_INT(set("empty=1; Path=", "h", "/x/y"), 0);
    CHECK_INT(set("last=1; Path=/docs; Path=/x", "h", "/"), 0);
    CHECK_STR(hdr("h", "/docs", 0, NOW), "noslash=1");
    CHECK_STR(hdr("h", "/docs/", 0, NOW), "slash=1; noslash=1");
    CHECK_STR(hdr("h", "/docs/a", 0, NOW), "slash=1; noslash=1");
    CHECK_STR(hdr("h", "/docsx", 0, NOW), "");
    CHECK_STR(hdr("h", "/x/z", 0, NOW), "rel=1; empty=1; last=1");
}

static void order(void)
{
    fresh();
    CHECK_INT(set("a=1; Path=/", "h", "/"), 0);
    CHECK_INT(set("b=1; Path=/x/y", "h", "/"), 0);
    CHECK_INT(set("c=1; Path=/x", "h", "/"), 0);
    CHECK_INT(set("d=1; Path=/", "h", "/"), 0);
    CHECK_INT(set("e=1; Path=/x/y", "h", "/"), 0);
    CHECK_STR(hdr("h", "/x/y/z", 0, NOW), "b=1; e=1; c=1; a=1; d=1");
    /* A replacement keeps its creation time, so its place. */
    CHECK_INT(set("b=2; Path=/x/y", "h", "/"), 0);
    CHECK_INT(set("a=2; Path=/", "h", "/"), 0);
    CHECK_STR(hdr("h", "/x/y/z", 0, NOW), "b=2; e=1; c=1; a=2; d=1");
    CHECK_INT(cookiejar_count(jar), 5);
}

static void secure(void)
{
    fresh();
    CHECK_INT(set("s=1; Secure", "h", "/"), 0);
    CHECK_INT(set("p=1; secure=ignored-value", "h", "/"), 0);
    CHECK_INT(set("h=1; HttpOnly", "h", "/"), 0);
    CHECK_STR(hdr("h", "/", 0, NOW), "h=1");
    CHECK_STR(hdr("h", "/", 1, NOW), "s=1; p=1; h=1");
}

static void replace_and_delete(void)
{
    fresh();
    CHECK_INT(set("a=1", "h", "/"), 0);
    CHECK_INT(set("a=2", "h", "/"), 0);
    CHECK_INT(cookiejar_count(jar), 1);
    CHECK_STR(hdr("h", "/", 0, NOW), "a=2");
    CHECK_INT(set("a=3; Path=/p", "h", "/"), 0);  /* another path: another cookie */
    CHECK_INT(set("a=4; Domain=h", "h", "/"), 0); /* same name, domain, path: replaces */
    CHECK_INT(cookiejar_count(jar), 2);
    CHECK_STR(hdr("h", "/p", 0, NOW), "a=3; a=4");
    CHECK_STR(hdr("sub.h", "/", 0, NOW), "a=4"); /* now a domain cookie */
    CHECK_INT(set("a=; Max-Age=0", "h", "/"), 0);
    CHECK_STR(hdr("h", "/p", 0, NOW), "a=3");
    CHECK_INT(set("a=; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h", "/"), 0);
    CHECK_INT(cookiejar_count(jar), 0);
    CHECK_INT(set("gone=1; Max-Age=-5", "h", "/"), 0); /* nothing to delete */
    CHECK_INT(cookiejar_count(jar), 0);
    /* Case matters in names. */
    CHECK_INT(set("A=1", "h", "/"), 0);
    CHECK_INT(set("a=1", "h", "/"), 0);
    CHECK_INT(cookiejar_count(jar), 2);
}

static void expiry(void)
{
    fresh();
    CHECK_INT(set("m=1; Max-Age=10", "h", "/"), 0);
    CHECK_INT(set("x=1; Expires=Wed, 15 Nov 2023 00:00:00 GMT", "h", "/"), 0); /* NOW + 6400 */
    CHECK_INT(set("s=1", "h", "/"), 0);
    CHECK_STR(hdr("h", "/", 0, NOW + 9), "m=1; x=1; s=1");
    CHECK_STR(hdr("h", "/", 0, NOW + 10), "x=1; s=1");
    CHECK_STR(hdr("h", "/", 0, NOW + 6399), "x=1; s=1");
    CHECK_STR(hdr("h", "/", 0, NOW + 6400), "s=1");
    CHECK_INT(cookiejar_count(jar), 3); /* expired ones linger until the next set */
    CHECK_INT(cookiejar_set(jar, "n=1", "h", "/", NOW + 7000), 0);
    CHECK_INT(cookiejar_count(jar), 2);

    /* Max-Age wins over Expires, whatever the order. */
    fresh();
    CHECK_INT(set("a=1; Max-Age=100; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h", "/"), 0);
    CHECK_INT(set("b=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=100", "h", "/"), 0);
    CHECK_INT(set("c=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=0", "h", "/"), 0);
    CHECK_STR(hdr("h", "/", 0, NOW + 99), "a=1; b=1");
    CHECK_STR(hdr("h", "/", 0, NOW + 100), "");
    /* Malformed Max-Age / Expires are ignored: the cookie stays a session cookie. */
    fresh();
    CHECK_INT(set("a=1; Max-Age=abc", "h", "/"), 0);
    CHECK_INT(set("b=1; Max-Age=1x", "h", "/"), 0);
    CHECK_INT(set("c=1; Max-Age=", "h", "/"), 0);
    CHECK_INT(set("d=1; Max-Age=+5", "h", "/"), 0);
    CHECK_INT(set("e=1; Expires=yesterday", "h", "/"), 0);
    CHECK_INT(set("f=1; Max-Age=99999999999999999999999", "h", "/"), 0);
    CHECK_INT(set("g=1; Max-Age=5; Max-Age=50", "h", "/"), 0); /* the last one wins */
    CHECK_STR(hdr("h", "/", 0, NOW + 40), "a=1; b=1; c=1; d=1; e=1; f=1; g=1");
    CHECK_STR(hdr("h", "/", 0, NOW + 100000000000LL), "a=1; b=1; c=1; d=1; e=1; f=1");
    CHECK_STR(hdr("h", "/", 0, INT64_MAX - 1), "a=1; b=1; c=1; d=1; e=1");
    CHECK_INT(set("z=1; Max-Age=-0", "h", "/"), 0);
    CHECK_INT(cookiejar_count(jar), 7);
}

static int64_t date(const char *s)
{
    int64_t t = -1;
    return cookiejar_parse_date(s, strlen(s), &t) ? -1 : t;
}

static void dates(void)
{
    CHECK_INT(date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);  /* IMF-fixdate */
    CHECK_INT(date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777); /* RFC 850 */
    CHECK_INT(date("Sun Nov  6 08:49:37 1994"), 784111777);       /* asctime */
    CHECK_INT(date("sun, 6 nov 1994 8:49:37 gmt"), 784111777);
    CHECK_INT(date("06 Nov 1994 08:49:37"), 784111777);
    CHECK_INT(date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    CHECK_INT(date("Tue, 19-Jan-2038 03:14:08 GMT"), 2147483648LL);
    CHECK_INT(date("Thu, 29 Feb 2024 12:00:00 GMT"), 1709208000);
    CHECK_INT(date("Fri, 31 Dec 9999 23:59:59 GMT"), 253402300799LL);
    CHECK_INT(date("Mon, 01 Jan 1601 00:00:00 GMT"), -11644473600LL);
    CHECK_INT(date("Wed, 01-Jan-69 00:00:00 GMT"), 3124224000LL); /* 2069 */
    CHECK_INT(date("Thu, 01-Jan-70 00:00:00 GMT"), 0);            /* 1970 */
    CHECK_INT(date("Sat, 01-Jan-00 00:00:00 GMT"), 946684800);    /* 2000 */
    CHECK_INT(date("Sun, 06 November 1994 08:49:37 GMT"), 784111777);
    CHECK_INT(date("Sun, 06 Nov 1994 08:49:37 GMT+0200"), 784111777); /* zones ignored */

    const char *bad[] = {
        "",
        "garbage",
        "Sun, 06 Nov 1994",           /* no time */
        "Sun, Nov 1994 08:49:37 GMT", /* no day */
        "Sun, 06 1994 08:49:37 GMT",  /* no month */
        "Sun, 06 Nov 08:49:37 GMT",   /* no year */
        "Sun, 30 Feb 1994 08:49:37 GMT",
        "Wed, 29 Feb 2023 00:00:00 GMT",
        "Sun, 32 Jan 1994 08:49:37 GMT",
        "Sun, 00 Jan 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT",
        "Sun, 06 Nov 1600 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 008:49:37 GMT",
        "Sun, 06 No 1994 08:49:37 GMT",
        "Sun, 06 Nov 5 08:49:37 GMT",
        "Sun, 06 Nov 19944 08:49:37 GMT",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (date(bad[i]) != -1)
            printf("    \"%s\" parsed as %lld\n", bad[i], (long long)date(bad[i]));
        CHECK(date(bad[i]) == -1);
    }
    /* Length-bounded: no reading past n. */
    int64_t t;
    CHECK_INT(cookiejar_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 16, &t), -EINVAL);
}

static void date_formats_in_headers(void)
{
    fresh();
    CHECK_INT(set("a=1; Expires=Sun, 06 Nov 2050 08:49:37 GMT", "h", "/"), 0);
    CHECK_INT(set("b=1; expires=Sunday, 06-Nov-50 08:49:37 GMT", "h", "/"), 0);
    CHECK_INT(set("c=1; EXPIRES=Sun Nov  6 08:49:37 2050", "h", "/"), 0);
    CHECK_INT(set("d=1; Expires=Sunday, 06-Nov-94 08:49:37 GMT", "h", "/"), 0); /* past */
    CHECK_INT(cookiejar_count(jar), 3);
    int64_t t2050 = date("Sun, 06 Nov 2050 08:49:37 GMT");
    CHECK_STR(hdr("h", "/", 0, t2050 - 1), "a=1; b=1; c=1");
    CHECK_STR(hdr("h", "/", 0, t2050), "");
}

static void malformed_ignored(void)
{
    fresh();
    const char *bad[] = {
        "",       "novalue", "=abc",    "  =abc", "; a=b", "a\r\nb=c", "a=b\r\nSet-Cookie: evil=1",
        "a=b\nc", "a=\x01",  "a\x7f=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(set(bad[i], "h", "/"), -EINVAL);
    CHECK_INT(cookiejar_count(jar), 0);
    CHECK_INT(cookiejar_set(jar, NULL, "h", "/", NOW), -EINVAL);

    /* Size limit on name=value. */
    char big[COOKIEJAR_MAX_COOKIE + 8];
    memset(big, 'v', sizeof big);
    big[0] = 'n';
    big[1] = '=';
    big[COOKIEJAR_MAX_COOKIE] = '\0'; /* name=value of exactly the limit */
    CHECK_INT(set(big, "h", "/"), 0);
    big[COOKIEJAR_MAX_COOKIE] = 'v';
    big[COOKIEJAR_MAX_COOKIE + 1] = '\0';
    CHECK_INT(set(big, "h", "/"), -EINVAL);
    CHECK_INT(cookiejar_count(jar), 1);

    /* Odd but valid: tabs trimmed, empty attributes, unknown ones, SameSite ignored. */
    fresh();
    CHECK_INT(set("\ta\t=\tb\t;;; ; =x; Foo=bar; SameSite=Strict; Partitioned", "h", "/"), 0);
    CHECK_INT(set("sp ace=1", "h", "/"), 0);
    CHECK_STR(hdr("h", "/", 1, NOW), "a=b; sp ace=1");
}

static const char *merged(const char *explicit_pairs, const char *path)
{
    static char res[1024];
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "["); /* appended, not reset */
    int n = cookiejar_header_merge(jar, "a.com", path, 0, NOW, explicit_pairs,
                                   strlen(explicit_pairs), &b);
    snprintf(res, sizeof res, "%s|%d", sbuf_str(&b) + 1, n);
    sbuf_free(&b);
    return res;
}

static void merge(void)
{
    fresh();
    CHECK_STR(merged("", "/"), "|0");
    CHECK_STR(merged("x=1", "/"), "x=1|1");
    CHECK_INT(set("sid=jar; Path=/", "a.com", "/"), 0);
    CHECK_INT(set("deep=2; Path=/api", "a.com", "/"), 0);
    CHECK_INT(set("other=3", "b.com", "/"), 0);
    CHECK_STR(merged("", "/"), "sid=jar|1");
    CHECK_STR(merged("", "/api/x"), "deep=2; sid=jar|2");
    /* explicit pairs first, as given; the jar's of the same name dropped */
    CHECK_STR(merged("sid=mine; extra=1", "/api"), "sid=mine; extra=1; deep=2|2");
    CHECK_STR(merged("  ;extra=1; sid=mine;; ", "/api"), "extra=1; sid=mine; deep=2|2");
    CHECK_STR(merged("deep=x", "/api"), "deep=x; sid=jar|2");
    CHECK_STR(merged("SID=case", "/"), "SID=case; sid=jar|2"); /* names are case-sensitive */
    CHECK_STR(merged("sid", "/"), "sid|1"); /* a bare word names its cookie too */
    CHECK_STR(merged(" sid =v", "/"), "sid =v|1");              /* blanks around a name */
    CHECK_STR(merged(";", "/"), "sid=jar|1");
}

static const char *get(const char *name, const char *path, int https)
{
    size_t n = 0;
    const char *v = cookiejar_get(jar, "www.a.com", path, https, NOW, name, &n);
    static char res[256];
    if (!v)
        return "<none>";
    snprintf(res, sizeof res, "%.*s", (int)n, v);
    return res;
}

static void get_values(void)
{
    fresh();
    CHECK_STR(get("sid", NULL, 0), "<none>");
    CHECK_INT(set("sid=root; Path=/", "www.a.com", "/"), 0);
    CHECK_INT(set("sid=api; Path=/api", "www.a.com", "/"), 0);
    CHECK_INT(set("dom=d; Domain=a.com", "x.a.com", "/"), 0);
    CHECK_INT(set("host=h", "x.a.com", "/"), 0);
    CHECK_INT(set("sec=s; Secure", "www.a.com", "/"), 0);
    CHECK_INT(set("old=o; Max-Age=0", "www.a.com", "/"), 0);
    CHECK_INT(set("empty=", "www.a.com", "/"), 0);
    CHECK_STR(get("sid", NULL, 0), "api"); /* any path: the first in sending order */
    CHECK_STR(get("sid", "/", 0), "root");
    CHECK_STR(get("sid", "/api/v1?q=/x", 0), "api");
    CHECK_STR(get("sid", "/apix", 0), "root");
    CHECK_STR(get("dom", NULL, 0), "d");   /* Domain=a.com reaches www.a.com */
    CHECK_STR(get("host", NULL, 0), "<none>"); /* host-only at x.a.com */
    CHECK_STR(get("sec", NULL, 0), "<none>");
    CHECK_STR(get("sec", NULL, 1), "s");
    CHECK_STR(get("old", NULL, 0), "<none>");
    CHECK_STR(get("empty", NULL, 0), "");
    CHECK_STR(get("SID", NULL, 0), "<none>");
    CHECK_STR(get("si", NULL, 0), "<none>");
    size_t n = 7;
    CHECK(cookiejar_get(jar, "www.a.com", NULL, 0, NOW + 1000000000LL, "sid", &n) != NULL);
    n = 7;
    CHECK(cookiejar_get(jar, "www.a.com", NULL, 0, NOW, "nope", &n) == NULL && n == 7);
}

static void limits(void)
{
    fresh();
    char sc[32];
    for (int i = 0; i < COOKIEJAR_MAX + 6; i++) {
        snprintf(sc, sizeof sc, "c%d=%d", i, i);
        CHECK_INT(set(sc, "h", "/"), 0);
    }
    CHECK_INT(cookiejar_count(jar), COOKIEJAR_MAX);
    const char *h = hdr("h", "/", 0, NOW);
    CHECK(!strncmp(h, "c6=6; c7=7;", 11)); /* the six oldest went */
    CHECK(strstr(h, "c69=69") != NULL);
    /* Expired ones go first when room is needed. */
    fresh();
    for (int i = 0; i < COOKIEJAR_MAX; i++) {
        snprintf(sc, sizeof sc, "c%d=%d%s", i, i, i == 10 ? "; Max-Age=1" : "");
        CHECK_INT(set(sc, "h", "/"), 0);
    }
    CHECK_INT(cookiejar_set(jar, "new=1", "h", "/", NOW + 5), 0);
    h = hdr("h", "/", 0, NOW + 5);
    CHECK(!strncmp(h, "c0=0; c1=1;", 11));
    CHECK(strstr(h, "c10=") == NULL);
    CHECK(strstr(h, "new=1") != NULL);
}

int main(void)
{
    RUN(basic);
    RUN(domains);
    RUN(paths);
    RUN(order);
    RUN(secure);
    RUN(replace_and_delete);
    RUN(expiry);
    RUN(dates);
    RUN(date_formats_in_headers);
    RUN(malformed_ignored);
    RUN(limits);
    RUN(merge);
    RUN(get_values);
    cookiejar_free(jar);
    UNIT_EXIT();
}
