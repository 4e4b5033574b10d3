/* test_quick_args.c — quick mode's command line: defaults, every flag, the
 * derived values (threads, connections, timeouts) and each error message. */
#include <stdlib.h>
#include <unistd.h>

#include "cli/quick_args.h"
#include "unit.h"

#define URL "http://127.0.0.1:8080/"
#define MAXARGS 200

static char arg_store[MAXARGS][128];
static char *argv_buf[MAXARGS + 1];
static char err[512];

/* parse("-c", "5", URL, NULL): copies the words (getopt permutes argv), runs the
 * parser; returns its result with err filled on failure. */
static int parse_v(struct quick_args *a, const char *const *words)
{
    int argc = 0;
    snprintf(arg_store[argc], sizeof arg_store[0], "surge");
    argv_buf[argc] = arg_store[argc];
    argc++;
    for (; words[argc - 1] && argc < MAXARGS; argc++) {
        snprintf(arg_store[argc], sizeof arg_store[0], "%s", words[argc - 1]);
        argv_buf[argc] = arg_store[argc];
    }
    argv_buf[argc] = NULL;
    err[0] = '\0';
    return quick_args_parse(argc, argv_buf, a, err, sizeof err);
}
#define PARSE(a, ...) parse_v((a), (const char *const[]){__VA_ARGS__, NULL})

static int ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void defaults(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, URL), 0);
    CHECK_STR(a.url, URL);
    CHECK_INT(a.connections, 10);
    CHECK_INT(a.threads, ncpu() < 10 ? ncpu() : 10);
    CHECK_INT(a.duration_us, 10000000);
    CHECK_INT(a.count, 0);
    CHECK(a.rate == 0);
    CHECK_STR(a.method, "GET");
    CHECK(a.body == NULL);
    CHECK_INT(a.timeout_us, 60000000);
    CHECK_INT(a.connect_timeout_us, 10000000);
    CHECK_INT(a.abort_unreachable_us, 10000000);
    CHECK_INT(a.latency, 0);
    CHECK_INT(a.co_correct, 1);
    CHECK(a.json_path == NULL);
    CHECK_INT(a.insecure, 0);
    CHECK(a.cacert == NULL);
    CHECK_INT(a.quiet, 0);
    CHECK_INT(a.trace, 0);
    CHECK_INT(a.help, 0);
    CHECK_INT(a.version, 0);
    CHECK_INT(a.nheaders, 0);
    quick_args_free(&a);
}

static void short_flags(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "-c", "50", "-t", "3", "-d", "500ms", "-n", "100", "-R", "250.5",
                    "-m", "POST", "-H", "X-A: 1", "-k", "-q", URL),
              0);
    CHECK_STR(err, "");
    CHECK_INT(a.connections, 50);
    CHECK_INT(a.threads, 3);
    CHECK_INT(a.duration_us, 500000);
    CHECK_INT(a.count, 100);
    CHECK_NEAR(a.rate, 250.5, 1e-9);
    CHECK_STR(a.method, "POST");
    CHECK_INT(a.nheaders, 1);
    CHECK_STR(a.headers[0].name, "X-A");
    CHECK_STR(a.headers[0].value, "1");
    CHECK_INT(a.insecure, 1);
    CHECK_INT(a.quiet, 1);
    CHECK_STR(a.url, URL);
    quick_args_free(&a);
}

static void long_flags(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "--connections", "40", "--threads", "2", "--duration", "2m",
                    "--requests", "7000", "--rate", "1000", "--method", "PUT", "--header",
                    "X-B: two", "--insecure", "--quiet", "--latency", "--body", "@data.bin",
                    "--timeout", "5s", "--connect-timeout", "1500ms", "--json", "out.json",
                    "--cacert", "ca.pem", "--no-co-correction", URL),
              0);
    CHECK_STR(err, "");
    CHECK_INT(a.connections, 40);
    CHECK_INT(a.threads, 2);
    CHECK_INT(a.duration_us, 120000000);
    CHECK_INT(a.count, 7000);
    CHECK_NEAR(a.rate, 1000, 1e-9);
    CHECK_STR(a.method, "PUT");
    CHECK_INT(a.nheaders, 1);
    CHECK_STR(a.headers[0].name, "X-B");
    CHECK_STR(a.headers[0].value, "two");
    CHECK_INT(a.insecure, 1);
    CHECK_INT(a.quiet, 1);
    CHECK_INT(a.latency, 1);
    CHECK_STR(a.body, "@data.bin");
    CHECK_INT(a.timeout_us, 5000000);
    CHECK_INT(a.connect_timeout_us, 1500000);
    CHECK_STR(a.json_path, "out.json");
    CHECK_STR(a.cacert, "ca.pem");
    CHECK_INT(a.co_correct, 0);
    quick_args_free(&a);

    CHECK_INT(PARSE(&a, "--connections=6", "--duration=3s", "--body=hello", "--trace=3", URL), 0);
    CHECK_INT(a.trace, 3);
    CHECK_INT(a.connections, 6);
    CHECK_INT(a.duration_us, 3000000);
    CHECK_STR(a.body, "hello");
    quick_args_free(&a);
}

static void help_and_version(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "-h"), 0);
    CHECK_INT(a.help, 1);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "--help"), 0);
    CHECK_INT(a.help, 1);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-v"), 0);
    CHECK_INT(a.version, 1);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "--version"), 0);
    CHECK_INT(a.version, 1);
    quick_args_free(&a);
    const char *u = quick_args_usage();
    CHECK(u && strstr(u, "usage: surge") && strstr(u, "--connect-timeout") &&
          strstr(u, "--no-co-correction"));
}

static void flags_after_url(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, URL, "-c", "3", "-d", "1s"), 0);
    CHECK_STR(a.url, URL);
    CHECK_INT(a.connections, 3);
    CHECK_INT(a.duration_us, 1000000);
    quick_args_free(&a);
}

static void count_and_duration(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "-n", "1000", URL), 0); /* -n alone: no duration */
    CHECK_INT(a.count, 1000);
    CHECK_INT(a.duration_us, 0);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-n", "1000", "-d", "5s", URL), 0); /* both: whichever first */
    CHECK_INT(a.count, 1000);
    CHECK_INT(a.duration_us, 5000000);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-d", "1s", URL), 0);
    CHECK_INT(a.count, 0);
    CHECK_INT(a.duration_us, 1000000);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-d", "7", URL), 0); /* a bare number is seconds */
    CHECK_INT(a.duration_us, 7000000);
    quick_args_free(&a);
}

static void derived_connections_threads(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "-c", "1", URL), 0); /* threads clamped to connections */
    CHECK_INT(a.threads, 1);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-c", "1000", URL), 0); /* not given: one per core */
    CHECK_INT(a.threads, ncpu());
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-c", "4", "-t", "4", URL), 0); /* equal is fine */
    CHECK_INT(a.threads, 4);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-n", "7", "-c", "10", URL), 0); /* fewer requests than conns */
    CHECK_INT(a.connections, 7);
    CHECK(a.threads <= 7);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-n", "1", URL), 0);
    CHECK_INT(a.connections, 1);
    CHECK_INT(a.threads, 1);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-n", "5", "-c", "10", "-R", "100", URL), 0); /* open model keeps them */
    CHECK_INT(a.connections, 10);
    quick_args_free(&a);
}

static void timeouts(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "--timeout", "2s", URL), 0); /* connect timeout capped */
    CHECK_INT(a.timeout_us, 2000000);
    CHECK_INT(a.connect_timeout_us, 2000000);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "--timeout", "2s", "--connect-timeout", "300ms", URL), 0);
    CHECK_INT(a.connect_timeout_us, 300000);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "--connect-timeout", "30s", URL), 0);
    CHECK_INT(a.connect_timeout_us, 30000000);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "--abort-unreachable", "2s", URL), 0);
    CHECK_INT(a.abort_unreachable_us, 2000000);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "--abort-unreachable=0", URL), 0); /* 0: never */
    CHECK_INT(a.abort_unreachable_us, 0);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "--abort-unreachable", "1m", URL), 0);
    CHECK_INT(a.abort_unreachable_us, 60000000);
    quick_args_free(&a);
}

static void repeated_headers(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "-H", "X-One: 1", "-H", "X-Two:  two words  ", "--header",
                    "Authorization: Bearer abc", "-H", "X-Empty:", URL),
              0);
    CHECK_INT(a.nheaders, 4);
    CHECK_STR(a.headers[0].name, "X-One");
    CHECK_STR(a.headers[0].value, "1");
    CHECK_STR(a.headers[1].name, "X-Two");
    CHECK_STR(a.headers[1].value, "two words");
    CHECK_STR(a.headers[2].name, "Authorization");
    CHECK_STR(a.headers[2].value, "Bearer abc");
    CHECK_STR(a.headers[3].name, "X-Empty");
    CHECK_STR(a.headers[3].value, "");
    quick_args_free(&a);
    CHECK_INT(a.nheaders, 0);
}

static void too_many_headers(void)
{
    static const char *w[2 * QUICK_MAX_HEADERS + 4];
    static char names[QUICK_MAX_HEADERS + 1][32];
    int n = 0;
    for (int i = 0; i <= QUICK_MAX_HEADERS; i++) {
        snprintf(names[i], sizeof names[i], "X-H%d: %d", i, i);
        w[n++] = "-H";
        w[n++] = names[i];
    }
    w[n++] = URL;
    w[n] = NULL;
    struct quick_args a;
    CHECK(parse_v(&a, w) < 0);
    CHECK(strstr(err, "-H") && strstr(err, "64"));
    quick_args_free(&a);
    w[2 * QUICK_MAX_HEADERS] = URL; /* exactly 64 is fine */
    w[2 * QUICK_MAX_HEADERS + 1] = NULL;
    CHECK_INT(parse_v(&a, w), 0);
    CHECK_INT(a.nheaders, QUICK_MAX_HEADERS);
    CHECK_STR(a.headers[63].value, "63");
    quick_args_free(&a);
}

/* expect_error: parsing fails and err names every needle. */
static void expect_error(const char *const *words, const char *n1, const char *n2)
{
    struct quick_args a;
    int rc = parse_v(&a, words);
    if (rc != -1 || !strstr(err, n1) || (n2 && !strstr(err, n2)) || strchr(err, '\n')) {
        printf("    args:");
        for (int i = 0; words[i]; i++)
            printf(" '%s'", words[i]);
        printf(" => rc %d, err \"%s\"; want -1 naming '%s'%s%s%s\n", rc, err, n1,
               n2 ? " and '" : "", n2 ? n2 : "", n2 ? "'" : "");
        unit_case_failed = 1;
    }
    quick_args_free(&a);
}
#define EXPECT_ERR(n1, n2, ...) expect_error((const char *const[]){__VA_ARGS__, NULL}, n1, n2)

static void errors_name_the_problem(void)
{
    EXPECT_ERR("-c", "0", "-c", "0", URL);
    EXPECT_ERR("-c", "abc", "-c", "abc", URL);
    EXPECT_ERR("-c", "-5", "-c", "-5", URL);
    /* a long flag's error names its short form (-c for --connections) */
    EXPECT_ERR("-c", "12x", "--connections", "12x", URL);
    EXPECT_ERR("-t", "0", "-t", "0", URL);
    EXPECT_ERR("-t", "5000", "-c", "10000", "-t", "5000", URL);
    EXPECT_ERR("-t 5", "-c 2", "-t", "5", "-c", "2", URL);
    EXPECT_ERR("-d", "10x", "-d", "10x", URL);
    EXPECT_ERR("-d", "'0'", "-d", "0", URL);
    EXPECT_ERR("-d", "soon", "--duration", "soon", URL);
    EXPECT_ERR("--abort-unreachable", "soon", "--abort-unreachable", "soon", URL);
    EXPECT_ERR("--abort-unreachable", "-1s", "--abort-unreachable", "-1s", URL);
    EXPECT_ERR("-n", "0", "-n", "0", URL);
    EXPECT_ERR("-n", "1.5", "-n", "1.5", URL);
    EXPECT_ERR("-R", "0", "-R", "0", URL);
    EXPECT_ERR("-R", "fast", "-R", "fast", URL);
    EXPECT_ERR("-R", "-3", "-R", "-3", URL);
    EXPECT_ERR("--rate", "nan", "--rate", "nan", URL);
    EXPECT_ERR("-m", "get", "-m", "get", URL);
    EXPECT_ERR("-m", "G ET", "-m", "G ET", URL);
    EXPECT_ERR("-H", "nocolon", "-H", "nocolon", URL);
    EXPECT_ERR("-H", ": v", "-H", ": v", URL);
    EXPECT_ERR("-H", "Bad Name", "-H", "Bad Name: v", URL);
    EXPECT_ERR("--header", "X-A", "--header", "X-A", URL);
    EXPECT_ERR("--timeout", "5parsecs", "--timeout", "5parsecs", URL);
    EXPECT_ERR("--timeout", "'0'", "--timeout", "0", URL);
    EXPECT_ERR("--connect-timeout", "abc", "--connect-timeout", "abc", URL);
    EXPECT_ERR("--no-co-correction", NULL, "--no-co-correction", URL);
    EXPECT_ERR("--bogus", NULL, "--bogus", URL);
    EXPECT_ERR("--trace", "'0'", "--trace", "0", URL);
    EXPECT_ERR("--trace", "'x'", "--trace", "x", URL);
    EXPECT_ERR("--trace", "1000001", "--trace", "1000001", URL);
    EXPECT_ERR("-x", NULL, "-x", URL);
    EXPECT_ERR("URL", NULL, "-c", "5");
    EXPECT_ERR("http://b/", NULL, URL, "http://b/");
    EXPECT_ERR("--criteria", "column 16: p95(latency) is a time", "--criteria",
               "p95(latency) < 5%", URL);
    EXPECT_ERR("--criteria", "did you mean 'error_rate'", "--criteria", "eror_rate < 1%", URL);
}

/* --criteria: repeatable, kept in order, checked when parsed */
static void criteria_flags(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "--criteria", "error_rate < 1%", URL, "--criteria",
                    "p95(latency) in 1ms..2s"), 0);
    CHECK_INT(a.ncriteria, 2);
    CHECK_STR(a.criteria[0], "error_rate < 1%");
    CHECK_STR(a.criteria[1], "p95(latency) in 1ms..2s");
    quick_args_free(&a);
    CHECK(strstr(quick_args_usage(), "--criteria EXPR") != NULL);
}

/* A flag given last without its value ("surge URL -c", "surge URL --json"): the
 * message names the flag as typed. */
static void missing_value_names_flag(void)
{
    EXPECT_ERR("-c", NULL, URL, "-c");
    EXPECT_ERR("-d", NULL, URL, "-d");
    EXPECT_ERR("--json", NULL, URL, "--json");
    EXPECT_ERR("--timeout", NULL, URL, "--timeout");
}

static void parse_twice(void)
{
    struct quick_args a;
    CHECK_INT(PARSE(&a, "-c", "20", "-t", "2", "-H", "X-A: 1", "-k", "--latency", "-n", "9",
                    "-m", "DELETE", "--json", "a.json", URL),
              0);
    CHECK_INT(a.connections, 9);
    CHECK_INT(a.nheaders, 1);
    quick_args_free(&a);
    /* a second parse starts from the defaults again */
    CHECK_INT(PARSE(&a, "-d", "2s", "http://other/"), 0);
    CHECK_STR(a.url, "http://other/");
    CHECK_INT(a.connections, 10);
    CHECK_INT(a.threads, ncpu() < 10 ? ncpu() : 10);
    CHECK_INT(a.count, 0);
    CHECK_INT(a.duration_us, 2000000);
    CHECK_INT(a.nheaders, 0);
    CHECK_INT(a.insecure, 0);
    CHECK_INT(a.latency, 0);
    CHECK_STR(a.method, "GET");
    CHECK(a.json_path == NULL);
    quick_args_free(&a);
    /* after a failure part-way through argv, the next parse still works */
    CHECK(PARSE(&a, "-c", "5", "-d", "bad", "-t", "1", URL) < 0);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-t", "1", "-c", "3", URL), 0);
    CHECK_INT(a.threads, 1);
    CHECK_INT(a.connections, 3);
    CHECK_INT(a.duration_us, 10000000);
    quick_args_free(&a);
    /* and after -h, which returns early */
    CHECK_INT(PARSE(&a, "-h", "-c", "3", URL), 0);
    quick_args_free(&a);
    CHECK_INT(PARSE(&a, "-c", "4", URL), 0);
    CHECK_INT(a.help, 0);
    CHECK_INT(a.connections, 4);
    quick_args_free(&a);
}

int main(void)
{
    RUN(defaults);
    RUN(short_flags);
    RUN(long_flags);
    RUN(help_and_version);
    RUN(flags_after_url);
    RUN(count_and_duration);
    RUN(derived_connections_threads);
    RUN(timeouts);
    RUN(repeated_headers);
    RUN(too_many_headers);
    RUN(errors_name_the_problem);
    RUN(missing_value_names_flag);
    RUN(parse_twice);
    RUN(criteria_flags);
    UNIT_EXIT();
}
