/* quick_args.c — quick mode's flags: parsing, defaults and checks. */
#include "cli/quick_args.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/srcaddr.h"
#include "judge/expr.h"
#include "util/units.h"

const char *quick_args_usage(void)
{
    return "usage: surge [options] URL\n"
           "       surge run|validate PLAN.yaml [options]   (surge run --help)\n"
           "       surge compare BEFORE.json AFTER.json     (surge compare --help)\n"
           "       surge merge DIR1 DIR2 ... --out DIR      (surge merge --help)\n"
           "  -c, --connections N     connections to keep open (default 10)\n"
           "  -t, --threads N         worker threads (default: one per core, at most N)\n"
           "  -d, --duration D        test duration: 500ms, 10s, 2m, 1h (default 10s)\n"
           "  -n, --requests N        stop after exactly N requests\n"
           "  -R, --rate R            open model: R requests/s in total, latency from\n"
           "                          each request's intended send time\n"
           "      --no-co-correction  with -R, report service time instead\n"
           "  -m, --method M          request method (default GET)\n"
           "  -H, --header 'N: V'     add a request header (repeatable)\n"
           "      --body @FILE|TEXT   request body from a file, or the text itself\n"
           "      --timeout D         whole-request timeout (default 60s)\n"
           "      --connect-timeout D connect timeout (default 10s)\n"
           "      --abort-unreachable D  stop (exit 3) when no connect succeeded and\n"
           "                          every connect failed for D (default 10s; 0: never)\n"
           "      --source-addresses LIST  spread connections over these local\n"
           "                          addresses (127.0.0.2-127.0.0.9, or a comma list)\n"
           "      --on-saturation warn|abort  when surge itself is the bottleneck (a\n"
           "                          thread > 90% busy or its loop > 50 ms late, 3 s in\n"
           "                          a row): say so (warn, default) or stop (abort, exit 3)\n"
           "  -k, --insecure          do not verify TLS certificates\n"
           "      --cacert FILE       trust this CA (PEM) too\n"
           "      --latency           print the latency distribution\n"
           "      --json FILE         write results.json to FILE ('-' for stdout)\n"
           "      --criteria EXPR     a success criterion, e.g. 'error_rate < 1%' or\n"
           "                          'p95(latency) < 200ms' (repeatable; see README)\n"
           "  -q, --quiet             no summary on stdout\n"
           "      --trace N           print the first N requests and responses of the\n"
           "                          first connection in full on stderr (bodies up to\n"
           "                          2 KB, cookie and authorization values redacted),\n"
           "                          then run on normally\n"
           "      --watch-pid PID     watch this process and its children (RSS, CPU,\n"
           "                          threads, fds) on the run's clock\n"
           "      --watch-prom URL    scrape this Prometheus endpoint every interval\n"
           "      --health URL        probe this URL every interval (uptime, outages)\n"
           "      --watch-interval D  watch sampling period (default 1s)\n"
           "      --watch-baseline D  watch the idle target this long before load\n"
           "                          (default 5s with a --watch-*/--health flag; 0: none)\n"
           "  -h, --help              this help;   -v, --version   the version\n"
           "exit status: 0 ran and every criterion met (or none given), 1 a criterion failed,\n"
           "             2 bad usage or input, 3 the run could not start or complete (the\n"
           "             target was unreachable, or --json could not be written), 130/143\n"
           "             interrupted by SIGINT/SIGTERM (results so far are still written and judged)\n";
}

static int bad(char *err, int errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, (size_t)errlen, fmt, a, b);
    return -1;
}

static int parse_count(const char *s, long long max, long long *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static const char *flag_name(int c, const struct option *longs, int idx)
{
    static char buf[40];
    if (idx >= 0 && c == longs[idx].val) /* typed as --name */
        snprintf(buf, sizeof buf, "--%s", longs[idx].name);
    else
        snprintf(buf, sizeof buf, "-%c", c);
    return buf;
}

enum { O_LATENCY = 256, O_BODY, O_TIMEOUT, O_CONNECT_TIMEOUT, O_JSON, O_CACERT, O_NO_CO,
       O_ABORT_UNREACHABLE, O_TRACE, O_WATCH_PID, O_WATCH_PROM, O_HEALTH, O_WATCH_INTERVAL,
       O_WATCH_BASELINE, O_CRITERIA, O_ON_SATURATION,
       O_SOURCE_ADDRESSES };

int quick_args_parse(int argc, char **argv, struct quick_args *a, char *err, int errlen)
{
    static const struct option longs[] = {
        {"connections", required_argument, NULL, 'c'},
        {"threads", required_argument, NULL, 't'},
        {"duration", required_argument, NULL, 'd'},
        {"requests", required_argument, NULL, 'n'},
        {"rate", required_argument, NULL, 'R'},
        {"method", required_argument, NULL, 'm'},
        {"header", required_argument, NULL, 'H'},
        {"insecure", no_argument, NULL, 'k'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {"latency", no_argument, NULL, O_LATENCY},
        {"body", required_argument, NULL, O_BODY},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT},
        {"json", required_argument, NULL, O_JSON},
        {"cacert", required_argument, NULL, O_CACERT},
        {"no-co-correction", no_argument, NULL, O_NO_CO},
        {"abort-unreachable", required_argument, NULL, O_ABORT_UNREACHABLE},
        {"on-saturation", required_argument, NULL, O_ON_SATURATION},
        {"source-addresses", required_argument, NULL, O_SOURCE_ADDRESSES},
        {"trace", required_argument, NULL, O_TRACE},
        {"watch-pid", required_argument, NULL, O_WATCH_PID},
        {"watch-prom", required_argument, NULL, O_WATCH_PROM},
        {"health", required_argument, NULL, O_HEALTH},
        {"watch-interval", required_argument, NULL, O_WATCH_INTERVAL},
        {"watch-baseline", required_argument, NULL, O_WATCH_BASELINE},
        {"criteria", required_argument, NULL, O_CRITERIA},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->connections = 10;
    a->method = "GET";
    a->timeout_us = 60000000;
    a->connect_timeout_us = 10000000;
    a->abort_unreachable_us = 10000000;
    a->co_correct = 1;
    a->watch_baseline_s = -1;
    int threads_set = 0, duration_set = 0;
    long long v;
    opterr = 0;
    optind = 0; /* full re-initialisation, so tests can parse twice */
    for (;;) {
        int idx = -1;
        int c = getopt_long(argc, argv, ":c:t:d:n:R:m:H:kqhv", longs, &idx);
        if (c == -1)
            break;
        const char *flag = flag_name(c, longs, idx);
        switch (c) {
        case 'c':
            if (parse_count(optarg, 1000000, &v))
                return bad(err, errlen, "bad value '%s' for %s (a number of connections >= 1)",
                           optarg, flag);
            a->connections = (int)v;
            break;
        case 't':
            if (parse_count(optarg, 1024, &v))
                return bad(err, errlen, "bad value '%s' for %s (1 to 1024 threads)", optarg,
                           flag);
            a->threads = (int)v;
            threads_set = 1;
            break;
        case 'd':
            if (units_parse_duration(optarg, 1000000, &a->duration_us) || !a->duration_us)
                return bad(err, errlen, "bad duration '%s' for %s (use 500ms, 10s, 2m, 1h)",
                           optarg, flag);
            duration_set = 1;
            break;
        case 'n':
            if (parse_count(optarg, (long long)1e15, &v))
                return bad(err, errlen, "bad value '%s' for %s (a request count >= 1)", optarg,
                           flag);
            a->count = (uint64_t)v;
            break;
        case 'R': {
            char *end;
            errno = 0;
            double r = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(r > 0) || r > 1e8)
                return bad(err, errlen, "bad rate '%s' for %s (requests per second > 0)",
                           optarg, flag);
            a->rate = r;
            break;
        }
        case 'm': {
            size_t n = strlen(optarg);
            for (size_t i = 0; i < n; i++)
                if (!isupper((unsigned char)optarg[i]) && optarg[i] != '-' && optarg[i] != '_')
                    n = 0;
            if (!n || n > 20)
                return bad(err, errlen, "bad method '%s' for %s (e.g. GET, POST, PUT)", optarg,
                           flag);
            a->method = optarg;
            break;
        }
        case 'H': {
            if (a->nheaders >= QUICK_MAX_HEADERS)
                return bad(err, errlen, "too many headers (at most %s) at %s", "64", flag);
            char e2[200];
            int i = a->nheaders;
            if (http1_parse_header_arg(optarg, &a->hdr_owned[i], &a->headers[i].name,
                                       &a->headers[i].value, e2, sizeof e2))
                return bad(err, errlen, "%s for %s", e2, flag);
            a->nheaders++;
            break;
        }
        case 'k':
            a->insecure = 1;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'h':
            a->help = 1;
            return 0;
        case 'v':
            a->version = 1;
            return 0;
        case O_LATENCY:
            a->latency = 1;
            break;
        case O_BODY:
            a->body = optarg;
            break;
        case O_TIMEOUT:
            if (units_parse_duration(optarg, 1000000, &a->timeout_us) || !a->timeout_us)
                return bad(err, errlen, "bad duration '%s' for %s (use 500ms, 10s, 2m, 1h)",
                           optarg, flag);
            break;
        case O_CONNECT_TIMEOUT:
            if (units_parse_duration(optarg, 1000000, &a->connect_timeout_us) ||
                !a->connect_timeout_us)
                return bad(err, errlen, "bad duration '%s' for %s (use 500ms, 10s, 2m, 1h)",
                           optarg, flag);
            break;
        case O_ABORT_UNREACHABLE:
            if (units_parse_duration(optarg, 1000000, &a->abort_unreachable_us))
                return bad(err, errlen, "bad duration '%s' for %s (use 500ms, 10s, 2m; 0: never)",
                           optarg, flag);
            break;
        case O_SOURCE_ADDRESSES: {
            struct srcaddr sa;
            char why[160];
            if (srcaddr_parse(optarg, &sa, why, sizeof why)) {
                snprintf(err, (size_t)errlen, "bad value '%s' for %s: %s", optarg, flag, why);
                return -1;
            }
            srcaddr_free(&sa);
            a->source_addresses = optarg;
            break;
        }
        case O_ON_SATURATION:
            if (strcmp(optarg, "warn") && strcmp(optarg, "abort"))
                return bad(err, errlen, "bad value '%s' for %s (use warn or abort)", optarg, flag);
            a->on_saturation_abort = !strcmp(optarg, "abort");
            break;
        case O_JSON:
            a->json_path = optarg;
            break;
        case O_CACERT:
            a->cacert = optarg;
            break;
        case O_NO_CO:
            a->co_correct = 0;
            break;
        case O_TRACE:
            if (parse_count(optarg, 1000000, &v))
                return bad(err, errlen, "bad value '%s' for %s (1 to 1000000 requests)", optarg,
                           flag);
            a->trace = v;
            break;
        case O_WATCH_PID:
            if (parse_count(optarg, 0x7fffffff, &v))
                return bad(err, errlen, "bad value '%s' for %s (a process id)", optarg, flag);
            a->watch_pid = (int)v;
            break;
        case O_WATCH_PROM:
        case O_HEALTH:
            if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
                return bad(err, errlen, "bad URL '%s' for %s (http:// or https://)", optarg, flag);
            if (c == O_HEALTH)
                a->health_url = optarg;
            else
                a->watch_prom = optarg;
            break;
        case O_WATCH_INTERVAL:
        case O_WATCH_BASELINE: {
            uint64_t us;
            if (units_parse_duration(optarg, 1000000, &us) ||
                (c == O_WATCH_INTERVAL && us < 50000))
                return bad(err, errlen, "bad duration '%s' for %s (use 500ms, 1s, 5s)", optarg,
                           flag);
            if (c == O_WATCH_INTERVAL)
                a->watch_interval_s = (double)us / 1e6;
            else
                a->watch_baseline_s = (double)us / 1e6;
            break;
        }
        case O_CRITERIA: {
            char e2[200];
            int col = 0;
            expr *e = NULL;
            if (a->ncriteria >= QUICK_MAX_CRITERIA)
                return bad(err, errlen, "too many criteria (at most %s) at %s", "32", flag);
            int rc = expr_compile(optarg, &e, e2, sizeof e2, &col);
            expr_free(e);
            if (rc) {
                snprintf(err, (size_t)errlen, "bad criterion '%s' for %s: column %d: %s", optarg,
                         flag, col, e2);
                return -1;
            }
            a->criteria[a->ncriteria++] = optarg;
            break;
        }
        case ':': /* argv[optind - 1] is the option as typed, its value missing */
            return bad(err, errlen, "option %s needs a value%s", argv[optind - 1], "");
        default:
            if (optopt && optopt < 256) {
                char opt[3] = {'-', (char)optopt, 0};
                return bad(err, errlen, "unknown option %s%s (see surge --help)", opt, "");
            }
            return bad(err, errlen, "unknown option '%s' (see surge --help)%s",
                       argv[optind - 1], "");
        }
    }
    if (optind >= argc)
        return bad(err, errlen, "no URL given (usage: surge [options] URL)%s%s", "", "");
    if (optind + 1 < argc)
        return bad(err, errlen, "unexpected argument '%s' after the URL '%s'", argv[optind + 1],
                   argv[optind]);
    a->url = argv[optind];
    if (!duration_set)
        a->duration_us = a->count ? 0 : 10000000;
    if (!threads_set) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        a->threads = n > 0 ? (int)n : 1;
    }
    if (a->threads > a->connections) {
        if (threads_set) {
            snprintf(err, (size_t)errlen, "more threads (-t %d) than connections (-c %d)",
                     a->threads, a->connections);
            return -1;
        }
        a->threads = a->connections;
    }
    if (a->count && a->count < (uint64_t)a->connections && !a->rate) {
        /* fewer requests than connections: extra connections would idle */
        a->connections = (int)a->count;
        if (a->threads > a->connections)
            a->threads = a->connections;
    }
    if (a->connect_timeout_us > a->timeout_us)
        a->connect_timeout_us = a->timeout_us;
    if (!a->co_correct && !a->rate)
        return bad(err, errlen, "--no-co-correction only applies with -R RATE%s%s", "", "");
    return 0;
}

void quick_args_free(struct quick_args *a)
{
    for (int i = 0; i < a->nheaders && i < QUICK_MAX_HEADERS; i++)
        free(a->hdr_owned[i]);
    a->nheaders = 0;
}
