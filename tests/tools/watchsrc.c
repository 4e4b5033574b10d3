/* watchsrc.c — a test driver for the watch sources (build/tools/watchsrc): one blocking GET,
 * or a source sampled N times, its values printed as lines, for tests/integration/watch_*.sh. */
#include "watch/httpget.h"
#include "watch/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(void)
{
    fprintf(stderr, "usage: watchsrc get URL [TIMEOUT_S [MAX_BODY [insecure|CACERT]]]\n"
                    "       watchsrc prom URL SAMPLES INTERVAL_S MAX_SERIES [SELECTOR...]\n"
                    "       watchsrc promql URL STEP_S FROM TO NAME QUERY [NAME QUERY...]\n");
    return 2;
}

/* get: prints "status N len N" then the body on stdout; the error on stderr, exit 1. */
static int cmd_get(int argc, char **argv)
{
    if (argc < 1)
        return usage();
    struct http_get_opts o = {0};
    if (argc > 1)
        o.timeout_s = strtod(argv[1], NULL);
    if (argc > 2)
        o.max_body = (size_t)strtoull(argv[2], NULL, 10);
    if (argc > 3) {
        if (strcmp(argv[3], "insecure") == 0)
            o.insecure = 1;
        else
            o.cacert = argv[3];
    }
    struct http_get_result r = {0};
    char err[256];
    if (http_get(argv[0], &o, &r, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("status %d len %zu ms %.1f\n", r.status, r.body_len, r.elapsed_ms);
    fwrite(r.body, 1, r.body_len, stdout);
    http_get_result_free(&r);
    return 0;
}

/* Values print as "t NAME UNIT VALUE" lines ("-" for an empty unit). */
static void print_value(struct watch_emit *e, const char *name, const char *unit, double t,
                        double v)
{
    (void)e;
    printf("%g %s %s %.17g\n", t, name, *unit ? unit : "-", v);
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Samples a source n times, interval apart, at t = 0, interval, ...: values as above, a
 * failed sample as "t unavailable REASON", then "end t". */
static int drive(wsrc *s, int n, double interval)
{
    struct watch_emit em = {.value = print_value};
    for (int i = 0; i < n; i++) {
        double t = i * interval;
        if (s->ops->sample(s, t, &em) != 0)
            printf("%g unavailable %s\n", t, s->reason);
        printf("end %g\n", t);
        fflush(stdout);
        if (i + 1 < n)
            sleep_s(interval);
    }
    return 0;
}

static int cmd_prom(int argc, char **argv)
{
    if (argc < 4)
        return usage();
    struct watch_prom_cfg c = {.url = argv[0], .max_series = (int)strtol(argv[3], NULL, 10),
                               .metrics = (const char *const *)argv + 4, .nmetrics = argc - 4,
                               .timeout_s = 2};
    char err[256];
    wsrc *s = wsrc_prometheus_new(&c, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    drive(s, (int)strtol(argv[1], NULL, 10), strtod(argv[2], NULL));
    wsrc_free(s);
    return 0;
}

/* promql: finish() over [FROM, TO] with t = 0 at FROM (Unix seconds); values as above, a
 * failure as "unavailable REASON". */
static int cmd_promql(int argc, char **argv)
{
    if (argc < 6 || (argc - 4) % 2)
        return usage();
    int n = (argc - 4) / 2;
    const char *names[16], *queries[16];
    if (n > 16)
        return usage();
    for (int i = 0; i < n; i++) {
        names[i] = argv[4 + 2 * i];
        queries[i] = argv[5 + 2 * i];
    }
    struct watch_promql_cfg c = {.url = argv[0], .names = names, .queries = queries,
                                 .nqueries = n, .step_s = strtod(argv[1], NULL),
                                 .timeout_s = 10};
    char err[256];
    wsrc *s = wsrc_promql_new(&c, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    struct watch_emit em = {.value = print_value};
    if (s->ops->finish(s, strtod(argv[2], NULL), strtod(argv[3], NULL), strtod(argv[2], NULL),
                       &em) != 0)
        printf("unavailable %s\n", s->reason);
    wsrc_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "get") == 0)
        return cmd_get(argc - 2, argv + 2);
    if (strcmp(argv[1], "promql") == 0)
        return cmd_promql(argc - 2, argv + 2);
    if (strcmp(argv[1], "prom") == 0)
        return cmd_prom(argc - 2, argv + 2);
    return usage();
}
