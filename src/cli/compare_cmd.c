/* compare_cmd.c — `surge compare`: flags, reading the two results files, the exit status. */
#include "cli/compare_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "judge/compare.h"

static const char *usage =
    "usage: surge compare BEFORE.json AFTER.json [options]\n"
    "  side by side: each scenario's and ladder level's requests, error %, rps, p50/p95/p99\n"
    "  and the criteria tiers, with the change; regressions beyond the threshold marked\n"
    "      --threshold P        a change worse than P percent is a regression (default 10%)\n"
    "      --fail-on-regression exit 1 when a regression is found\n"
    "exit status: 0 compared, 1 a regression with --fail-on-regression, 2 bad usage or a\n"
    "             file that is unreadable or not a surge results document\n";

static json_t *load(const char *path)
{
    json_error_t je;
    char err[200];
    json_t *d = json_load_file(path, 0, &je);
    if (!d) {
        if (je.line > 0)
            fprintf(stderr, "surge: compare: %s:%d:%d: %s\n", path, je.line, je.column, je.text);
        else
            fprintf(stderr, "surge: compare: cannot read '%s': %s\n", path, je.text);
        return NULL;
    }
    if (compare_check(d, err, sizeof err)) {
        fprintf(stderr, "surge: compare: %s: %s\n", path, err);
        json_decref(d);
        return NULL;
    }
    return d;
}

int compare_cmd(int argc, char **argv)
{
    static const struct option longs[] = {
        {"threshold", required_argument, NULL, 'T'},
        {"fail-on-regression", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double threshold = 0.10;
    int fail_on = 0;
    opterr = 0;
    optind = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", longs, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'T': {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            if (*end == '%')
                end++;
            if (errno || *end || end == optarg || !(v >= 0) || v > 10000) {
                fprintf(stderr, "surge: bad value '%s' for --threshold (a percentage, e.g. 10%%)\n",
                        optarg);
                return 2;
            }
            threshold = v / 100;
            break;
        }
        case 'F':
            fail_on = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case ':':
            fprintf(stderr, "surge: option %s needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "surge: unknown option '%s' (see surge compare --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "surge: compare needs two results files\n%s", usage);
        return 2;
    }
    json_t *a = load(argv[optind]), *b = a ? load(argv[optind + 1]) : NULL;
    if (!a || !b) {
        json_decref(a);
        return 2;
    }
    printf("surge compare: %s -> %s (threshold %g%%)\n", argv[optind], argv[optind + 1],
           threshold * 100);
    int regs = compare_print(stdout, a, b, threshold);
    json_decref(a);
    json_decref(b);
    return fail_on && regs > 0 ? 1 : 0;
}
