/* test_url.c — URL parsing: hosts, IPv6 literals, ports, paths, and what is rejected. */
#include "unit.h"
#include "engine/url.h"

struct want {
    const char *in;
    int tls;
    const char *host;
    int host_is_ip;
    int port;
    int port_explicit;
    const char *path;
    const char *authority;
};

static void check_ok(const struct want *w)
{
    struct url u = {0};
    char err[128] = "";
    int rc = url_parse(w->in, &u, err, sizeof err);
    if (rc != 0)
        printf("    %s: %s\n", w->in, err);
    CHECK_INT(rc, 0);
    if (rc != 0)
        return;
    CHECK_INT(u.tls, w->tls);
    CHECK_STR(u.host, w->host);
    CHECK_INT(u.host_is_ip, w->host_is_ip);
    CHECK_INT(u.port, w->port);
    CHECK_INT(u.port_explicit, w->port_explicit);
    CHECK_STR(u.path, w->path);
    CHECK_STR(u.authority, w->authority);
    url_free(&u);
    CHECK(u.host == NULL && u.path == NULL && u.authority == NULL);
}

static void good_urls(void)
{
    static const struct want cases[] = {
        {"http://example.com", 0, "example.com", 0, 80, 0, "/", "example.com"},
        {"http://example.com/", 0, "example.com", 0, 80, 0, "/", "example.com"},
        {"https://example.com/a/b?c=d", 1, "example.com", 0, 443, 0, "/a/b?c=d", "example.com"},
        {"HTTP://Example.COM/x", 0, "Example.COM", 0, 80, 0, "/x", "Example.COM"},
        {"http://127.0.0.1:8080/x", 0, "127.0.0.1", 1, 8080, 1, "/x", "127.0.0.1:8080"},
        {"http://10.0.0.1", 0, "10.0.0.1", 1, 80, 0, "/", "10.0.0.1"},
        {"http://[::1]/", 0, "::1", 1, 80, 0, "/", "[::1]"},
        {"http://[::1]:9000/p", 0, "::1", 1, 9000, 1, "/p", "[::1]:9000"},
        {"https://[2001:db8::1]", 1, "2001:db8::1", 1, 443, 0, "/", "[2001:db8::1]"},
        {"https://[::ffff:1.2.3.4]:8443", 1, "::ffff:1.2.3.4", 1, 8443, 1, "/",
         "[::ffff:1.2.3.4]:8443"},
        /* an explicit default port is left out of the authority */
        {"http://h:80/", 0, "h", 0, 80, 1, "/", "h"},
        {"https://h:443/", 1, "h", 0, 443, 1, "/", "h"},
        {"http://[::1]:80", 0, "::1", 1, 80, 1, "/", "[::1]"},
        /* ... but not the other scheme's */
        {"http://h:443/", 0, "h", 0, 443, 1, "/", "h:443"},
        {"https://h:80/", 1, "h", 0, 80, 1, "/", "h:80"},
        {"http://h:1", 0, "h", 0, 1, 1, "/", "h:1"},
        {"http://h:65535", 0, "h", 0, 65535, 1, "/", "h:65535"},
        {"http://h:00080/", 0, "h", 0, 80, 1, "/", "h"},
        /* query without a path; fragments dropped */
        {"http://h?x=1", 0, "h", 0, 80, 0, "/?x=1", "h"},
        {"http://h:81?x", 0, "h", 0, 81, 1, "/?x", "h:81"},
        {"http://h/p#frag", 0, "h", 0, 80, 0, "/p", "h"},
        {"http://h#frag", 0, "h", 0, 80, 0, "/", "h"},
        {"http://h/p?q=1#frag?x", 0, "h", 0, 80, 0, "/p?q=1", "h"},
        {"http://h?q#f", 0, "h", 0, 80, 0, "/?q", "h"},
        {"http://my-host_1.local/%20x", 0, "my-host_1.local", 0, 80, 0, "/%20x", "my-host_1.local"},
        {"http://localhost:3000/api/v1/items?id=7&x=%41", 0, "localhost", 0, 3000, 1,
         "/api/v1/items?id=7&x=%41", "localhost:3000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_ok(&cases[i]);
}

static void check_bad(const char *in, const char *needle)
{
    struct url u = {0};
    u.port = 4242;
    char err[128] = "";
    int rc = url_parse(in, &u, err, sizeof err);
    if (rc != -1)
        printf("    accepted '%s'\n", in ? in : "(null)");
    CHECK_INT(rc, -1);
    CHECK(u.host == NULL && u.path == NULL && u.authority == NULL && u.port == 4242);
    if (!err[0] || (needle && !strstr(err, needle)))
        printf("    '%s': err \"%s\", expected to contain \"%s\"\n", in ? in : "(null)", err,
               needle ? needle : "");
    CHECK(err[0] != '\0');
    CHECK(!needle || strstr(err, needle) != NULL);
    CHECK(strchr(err, '\n') == NULL);
    if (rc == 0)
        url_free(&u);
}

static void bad_urls(void)
{
    check_bad(NULL, "empty");
    check_bad("", "empty");
    check_bad("ftp://h/", "unsupported scheme 'ftp'");
    check_bad("ws://h/", "unsupported scheme 'ws'");
    check_bad("example.com", "not a URL");
    check_bad("http:/h", "not a URL");
    check_bad("http://", "missing host");
    check_bad("http:///path", "missing host");
    check_bad("http://:80/", "missing host");
    check_bad("http://h:0/", "bad port '0'");
    check_bad("http://h:65536/", "bad port '65536'");
    check_bad("http://h:99999/", "bad port '99999'");
    check_bad("http://h:123456/", "bad port");
    check_bad("http://h:abc/", "bad port 'abc'");
    check_bad("http://h:/", "bad port");
    check_bad("http://h:-1/", "bad port");
    check_bad("http://h:8 0/", NULL);
    check_bad("http://user@h/", "credentials");
    check_bad("http://user:pw@h:80/", "credentials");
    check_bad("http://h/a b", "bad character in path");
    check_bad("http://h/a\tb", "bad character in path");
    check_bad("http://h/a\x7f", "bad character in path");
    check_bad("http://h?a b", "bad character in path");
    check_bad("http://[::1/", "unterminated IPv6");
    check_bad("http://[::1", "unterminated IPv6");
    check_bad("http://[]/", "bad IPv6");
    check_bad("http://[nothex]/", "bad IPv6");
    check_bad("http://[::1]x/", "bad host");
    check_bad("http://[::1]:/", "bad port");
    check_bad("http://[::1]:0/", "bad port");
    check_bad("http://h%41/", "bad character in host");
    check_bad("http://ex ample.com/", "bad character in host");
    check_bad("http://a:b:c/", "bad port");
}

static void small_err_buffer(void)
{
    struct url u = {0};
    char err[8];
    CHECK_INT(url_parse("ftp://x", &u, err, sizeof err), -1);
    CHECK_INT(strlen(err), 7);
    CHECK_INT(url_parse("ftp://x", &u, NULL, 0), -1);
    url_free(&u);   /* zeroed struct: fine */
    url_free(NULL); /* and NULL */
}

int main(void)
{
    RUN(good_urls);
    RUN(bad_urls);
    RUN(small_err_buffer);
    UNIT_EXIT();
}
