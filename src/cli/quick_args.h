/* quick_args.h — the command line of quick mode (`surge [options] URL`), wrk's
 * flags where they exist, parsed and checked without side effects. */
#ifndef SURGE_CLI_QUICK_ARGS_H
#define SURGE_CLI_QUICK_ARGS_H

#include <stdint.h>

#include "engine/http1.h"

#define QUICK_MAX_HEADERS 64
#define QUICK_MAX_CRITERIA 32

struct quick_args {
    const char *url;
    int connections;        /* -c, default 10 */
    int threads;            /* -t, default: one per core, at most -c */
    uint64_t duration_us;   /* -d, default 10s (none when only -n is given) */
    uint64_t count;         /* -n, 0: none */
    double rate;            /* -R, 0: closed model */
    const char *method;     /* -m, default GET */
    const char *body;       /* --body: "@FILE" or the text itself; NULL: none */
    uint64_t timeout_us;    /* --timeout, default 60s */
    uint64_t connect_timeout_us; /* --connect-timeout, default 10s (capped by --timeout) */
    uint64_t abort_unreachable_us; /* --abort-unreachable, default 10s; 0: never */
    int on_saturation_abort; /* --on-saturation abort (default warn) */
    const char *source_addresses; /* --source-addresses (checked), or NULL */
    int latency;            /* --latency: print the percentile distribution */
    int co_correct;         /* 0 with --no-co-correction */
    const char *json_path;  /* --json FILE */
    int insecure;           /* -k/--insecure */
    const char *cacert;     /* --cacert FILE */
    int quiet;              /* -q: no summary */
    long long trace;        /* --trace N: print the first N exchanges; 0: off */
    int watch_pid;          /* --watch-pid PID, 0: none */
    const char *watch_prom; /* --watch-prom URL */
    const char *health_url; /* --health URL */
    double watch_interval_s; /* --watch-interval, 0: default */
    double watch_baseline_s; /* --watch-baseline, < 0: default */
    const char *criteria[QUICK_MAX_CRITERIA]; /* --criteria EXPR (checked), in order */
    int ncriteria;
    int help, version;
    int nheaders;
    struct http1_header headers[QUICK_MAX_HEADERS]; /* -H, pointing into hdr_owned */
    char *hdr_owned[QUICK_MAX_HEADERS];
};

/* Parse argv (argv[0] is the program). On bad input returns -1 with one line in err
 * naming the flag or value ("bad duration '10x' for -d (use 500ms, 10s, 2m, 1h)").
 * @return 0 on success; free with quick_args_free in every case. */
int quick_args_parse(int argc, char **argv, struct quick_args *a, char *err, int errlen);
void quick_args_free(struct quick_args *a);

/* The usage text. */
const char *quick_args_usage(void);

#endif
