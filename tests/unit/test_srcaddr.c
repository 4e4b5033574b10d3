/* test_srcaddr.c — --source-addresses lists: ranges, comma lists, IPv6, every error, and
 * the round-robin hand-out. */
#include "engine/srcaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "unit.h"

static const char *ip4(const struct sockaddr_storage *ss, char *buf)
{
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, 64);
    return buf;
}

static void ranges_and_lists(void)
{
    struct srcaddr a;
    char err[160], b[64];
    CHECK_INT(srcaddr_parse("127.0.0.2-127.0.0.9", &a, err, sizeof err), 0);
    CHECK_INT(a.n, 8);
    CHECK_INT(a.family, AF_INET);
    CHECK_STR(ip4(&a.addr[0], b), "127.0.0.2");
    CHECK_STR(ip4(&a.addr[7], b), "127.0.0.9");
    CHECK_INT(((struct sockaddr_in *)&a.addr[3])->sin_port, 0);
    /* round robin, wrapping */
    socklen_t len = 0;
    for (int i = 0; i < 17; i++) {
        const struct sockaddr_storage *s = srcaddr_next(&a, &len);
        CHECK(s == &a.addr[i % 8]);
    }
    CHECK_INT(len, (int)sizeof(struct sockaddr_in));
    srcaddr_free(&a);
    CHECK_INT(a.n, 0);
    CHECK(srcaddr_next(&a, &len) == NULL);
    CHECK(srcaddr_next(NULL, &len) == NULL);
    srcaddr_free(NULL);

    /* a comma list, blanks around items, a range crossing an octet, a one-address range */
    CHECK_INT(
        srcaddr_parse(" 10.0.0.1 , 10.0.0.255-10.0.1.1,10.0.2.2-10.0.2.2", &a, err, sizeof err), 0);
    CHECK_INT(a.n, 5);
    CHECK_STR(ip4(&a.addr[1], b), "10.0.0.255");
    CHECK_STR(ip4(&a.addr[2], b), "10.0.1.0");
    CHECK_STR(ip4(&a.addr[4], b), "10.0.2.2");
    srcaddr_free(&a);

    CHECK_INT(srcaddr_parse("::1,fe80::2", &a, err, sizeof err), 0);
    CHECK_INT(a.n, 2);
    CHECK_INT(a.family, AF_INET6);
    srcaddr_next(&a, &len);
    CHECK_INT(len, (int)sizeof(struct sockaddr_in6));
    srcaddr_free(&a);
}

#define BAD(s, want)                                                                               \
    do {                                                                                           \
        struct srcaddr x_ = {0};                                                                   \
        char e_[160] = "";                                                                         \
        CHECK_INT(srcaddr_parse(s, &x_, e_, sizeof e_), -1);                                       \
        CHECK_STR(e_, want);                                                                       \
        CHECK(x_.addr == NULL);                                                                    \
    } while (0)

static void errors(void)
{
    BAD("", "an empty item in the address list");
    BAD("127.0.0.1,", "an empty item in the address list");
    BAD("127.0.0.1,,127.0.0.2", "an empty item in the address list");
    BAD("localhost", "'localhost' is not an IP address or an IPv4 range (A-B)");
    BAD("127.0.0.1/24", "'127.0.0.1/24' is not an IP address or an IPv4 range (A-B)");
    BAD("127.0.0.9-127.0.0.2", "'127.0.0.9-127.0.0.2': the range runs backwards");
    BAD("127.0.0.1-", "'127.0.0.1-' is not an IP address or an IPv4 range (A-B)");
    BAD("::1-::2", "'::1-::2' is not an IP address or an IPv4 range (A-B)");
    BAD("10.0.0.0-10.1.0.0", "'10.0.0.0-10.1.0.0': more than 4096 addresses");
    BAD("127.0.0.1,::1", "'::1': IPv4 and IPv6 addresses mixed in one list");
    BAD("::1,127.0.0.1-127.0.0.2",
        "'127.0.0.1-127.0.0.2': IPv4 and IPv6 addresses mixed in one list");
    BAD("10.0.0.0-10.0.15.255,10.0.16.0", "more than 4096 addresses (or out of memory)");
    char longer[300];
    memset(longer, '1', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    BAD(longer, "'11111111111111111111...': too long for an address or range");
    /* a short err buffer still gets a terminated message */
    struct srcaddr x = {0};
    char e[8];
    CHECK_INT(srcaddr_parse("nope", &x, e, sizeof e), -1);
    CHECK_INT((int)strlen(e), 7);
}

int main(void)
{
    RUN(ranges_and_lists);
    RUN(errors);
    UNIT_EXIT();
}
