/* test_promexp.c — --prometheus-listen's address parsing, and listening on port 0. */
#include <string.h>

#include <ev.h>

#include "report/promexp.h"
#include "unit.h"

static void test_parse_addr(void)
{
    static const char *const good[] = {"127.0.0.1:9090", "localhost:0", "[::1]:80", "0.0.0.0:65535"};
    static const struct {
        const char *addr, *msg;
    } bad[] = {
        {"nope", "(HOST:PORT)"},          {":80", "(HOST:PORT)"},
        {"1.2.3.4:", "bad port"},         {"1.2.3.4:70000", "bad port"},
        {"1.2.3.4:-1", "bad port"},       {"1.2.3.4:80x", "bad port"},
        {"example.com:80", "bad address"}, {"[::1:80", "bad address"},
        {"[zz]:80", "bad address"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (promexp_parse_addr(good[i], err, sizeof err)) {
            printf("    '%s' rejected: %s\n", good[i], err);
            CHECK(0);
        }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (!promexp_parse_addr(bad[i].addr, err, sizeof err) || !strstr(err, bad[i].msg) ||
            !strstr(err, bad[i].addr)) {
            printf("    '%s': \"%s\" (want \"%s\" naming it)\n", bad[i].addr, err, bad[i].msg);
            CHECK(0);
        }
    }
}

static void test_listen_port0(void)
{
    struct ev_loop *loop = ev_loop_new(0);
    promexp *p = NULL;
    char err[256];
    CHECK_INT(promexp_new(loop, "127.0.0.1:0", "plan.yaml", "http://x", &p, err, sizeof err), 0);
    CHECK(promexp_port(p) > 0);
    /* the same port again: taken */
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", promexp_port(p));
    promexp *q = (promexp *)&err;
    CHECK_INT(promexp_new(loop, addr, NULL, NULL, &q, err, sizeof err), -1);
    CHECK(q == (promexp *)&err && strstr(err, "cannot listen on 127.0.0.1:"));
    json_t *line = json_pack("{s:i, s:{s:{s:i}}}", "t_run", 0, "scenarios", "a", "requests", 3);
    promexp_second(p, line);
    promexp_second(NULL, line);
    json_decref(line);
    promexp_free(p);
    promexp_free(NULL);
    ev_loop_destroy(loop);
}

int main(void)
{
    RUN(test_parse_addr);
    RUN(test_listen_port0);
    UNIT_EXIT();
}
