/* test_origin.c — origin keys of absolute URLs (default ports, case, IPv6 literals,
 * where the origin ends) and resolving an origin (address, Host header, TLS context). */
#include "unit.h"
#include "engine/origin.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static void key_is(const char *url, const char *want, size_t want_prefix)
{
    char key[ORIGIN_KEY_MAX], err[128] = "";
    size_t n = 999;
    int rc = origin_key(url, key, sizeof key, &n, err, sizeof err);
    if (rc)
        printf("    %s: %s\n", url, err);
    CHECK_INT(rc, 0);
    if (rc)
        return;
    CHECK_STR(key, want);
    CHECK_INT(n, want_prefix);
}

static int same(const char *a, const char *b)
{
    char ka[ORIGIN_KEY_MAX], kb[ORIGIN_KEY_MAX], err[128];
    if (origin_key(a, ka, sizeof ka, NULL, err, sizeof err) ||
        origin_key(b, kb, sizeof kb, NULL, err, sizeof err))
        return -1;
    return !strcmp(ka, kb);
}

static void keys(void)
{
    key_is("http://example.com/x", "http://example.com:80", 18);
    key_is("https://example.com", "https://example.com:443", 19);
    key_is("HTTP://Example.COM:8080/a/B?q=1", "http://example.com:8080", 23);
    key_is("http://auth.example?x=1", "http://auth.example:80", 19);
    key_is("http://h#frag", "http://h:80", 8);
    key_is("http://127.0.0.2:9/token", "http://127.0.0.2:9", 18);
    key_is("http://[::1]:8443/x", "http://[::1]:8443", 17);
    key_is("https://[FE80::1]/", "https://[fe80::1]:443", 17);
    /* the path may hold template text: only the origin is parsed */
    key_is("http://h:81/${id} x", "http://h:81", 11);
}

static void equality(void)
{
    CHECK_INT(same("http://a.example/x", "http://a.example:80/y"), 1);   /* default port */
    CHECK_INT(same("https://a.example/", "https://a.example:443"), 1);
    CHECK_INT(same("http://A.Example/", "http://a.example/"), 1);        /* host case */
    CHECK_INT(same("HTTPS://a.example/", "https://a.example/"), 1);      /* scheme case */
    CHECK_INT(same("http://[::1]/", "http://[0:0::1]:80/"), 0);          /* as written: no
                                                                           canonical IPv6 */
    CHECK_INT(same("http://a.example/", "https://a.example/"), 0);       /* scheme */
    CHECK_INT(same("http://a.example:80/", "http://a.example:8080/"), 0); /* port */
    CHECK_INT(same("http://a.example/", "http://b.example/"), 0);        /* host */
    CHECK_INT(same("http://127.0.0.1:80/", "http://127.0.0.2:80/"), 0);
    CHECK_INT(same("http://[::1]:80/", "http://[::2]:80/"), 0);
}

static void bad(void)
{
    char key[ORIGIN_KEY_MAX], err[128];
    const char *cases[] = {"ftp://x/", "/just/a/path", "http://u@h/", "http://h:0/",
                           "http://h:99999/", "http://[::1/", "http:///x", "http://${h}/"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        err[0] = '\0';
        int rc = origin_key(cases[i], key, sizeof key, NULL, err, sizeof err);
        if (rc != -1)
            printf("    %s: accepted as %s\n", cases[i], key);
        CHECK_INT(rc, -1);
        CHECK(err[0] != '\0');
    }
    char small[8];
    CHECK_INT(origin_key("http://long.example/", small, sizeof small, NULL, err, sizeof err), -1);
    CHECK_INT(origin_key(NULL, key, sizeof key, NULL, err, sizeof err), -1);
}

static void open_close(void)
{
    struct origin o;
    char err[256] = "";
    int rc = origin_open(&o, "http://127.0.0.2:8081/token", 0, NULL, 1000, err, sizeof err);
    if (rc)
        printf("    %s\n", err);
    CHECK_INT(rc, 0);
    if (!rc) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&o.target.addr;
        CHECK_INT(a->sin_family, AF_INET);
        CHECK_INT(ntohs(a->sin_port), 8081);
        CHECK_INT(ntohl(a->sin_addr.s_addr), 0x7f000002);
        CHECK_STR(o.url.authority, "127.0.0.2:8081");
        CHECK_STR(o.target.host, "127.0.0.2");
        CHECK_INT(o.target.host_is_ip, 1);
        CHECK(o.target.tls == NULL && o.tls == NULL);
        CHECK_INT((int)o.target.connect_timeout_us, 1000);
        CHECK(o.target.reach == NULL && o.target.src == NULL);
    }
    origin_close(&o);
    CHECK(o.url.host == NULL && o.tls == NULL);
    rc = origin_open(&o, "https://[::1]/x", 1, NULL, 0, err, sizeof err);
    if (rc)
        printf("    %s\n", err);
    CHECK_INT(rc, 0);
    if (!rc) {
        CHECK_INT(o.target.addr.ss_family, AF_INET6);
        CHECK(o.tls != NULL && o.target.tls == o.tls);
        CHECK_STR(o.url.authority, "[::1]");
    }
    origin_close(&o);
    CHECK_INT(origin_open(&o, "http://surge-test.invalid/", 0, NULL, 0, err, sizeof err), -1);
    CHECK(strstr(err, "cannot resolve host 'surge-test.invalid'") != NULL);
    CHECK(o.url.host == NULL);
    CHECK_INT(origin_open(&o, "https://127.0.0.1/", 0, "/nonexistent/ca.pem", 0, err, sizeof err),
              -1);
    CHECK(!strncmp(err, "TLS: ", 5));
    origin_close(&o); /* zeroed after a failure: fine */
    origin_close(NULL);
}

int main(void)
{
    RUN(keys);
    RUN(equality);
    RUN(bad);
    RUN(open_close);
    UNIT_EXIT();
}
