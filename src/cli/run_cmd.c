/* run_cmd.c — `surge run PLAN.yaml [options]` and `surge validate PLAN.yaml`: flags to
 * plan overrides, load and validate the plan, run it, write the summary and the out dir. */
#include "cli/run_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/runner.h"
#include "flow/trace.h"
#include "plan/plan.h"
#include "util/units.h"

#define MAX_MULTI 64

static const char *usage =
    "usage: surge run PLAN.yaml [options]\n"
    "       surge validate PLAN.yaml [options]\n"
    "  -o, --out DIR          write results.json (and later reports) into DIR\n"
    "                         (default: surge-out)\n"
    "      --time-scale F     multiply every duration, think time, poll and timeout by F\n"
    "  -s, --scenario NAME    run only this scenario (repeatable)\n"
    "      --target URL       override the plan's target\n"
    "      --var NAME=VALUE   override or add a plan variable (repeatable)\n"
    "  -t, --threads N        worker threads (default: one per core)\n"
    "  -q, --quiet            no live line and no summary\n"
    "      --abort-unreachable D  stop (exit 3) when no connect succeeded and every\n"
    "                         connect failed for D (default 10s; 0: never)\n"
    "      --trace N          print the first N requests and responses of VU 1 in full\n"
    "                         on stderr (bodies up to 2 KB, cookie and authorization\n"
    "                         values redacted) with the values extracts took, then run\n"
    "                         on normally\n"
    "      --dry-run          validate only: run one iteration of each flow with one VU\n"
    "                         (sends traffic to the target), print its trace; exit 0\n"
    "                         when every step held, 1 when one failed (with --trace N:\n"
    "                         only the first N requests printed)\n"
    "exit status: 0 ran (or the plan is valid), 1 could not start (validate --dry-run: a\n"
    "             step failed), 2 bad usage or an invalid plan, 3 the target was\n"
    "             unreachable (results still written), 130/143 interrupted by SIGINT/SIGTERM\n";

#define DRY_RUN_MAX_US (120ull * 1000000) /* a dry run's flow gives up after 2 minutes */

static int mkdir_p(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

/* validate --dry-run: every flow once with one VU on one thread, its first trace_n
 * requests traced; frees p.
 * 0 when every request step of every flow held, 1 when one failed, 2/1 when the run
 * could not start, 128+signal when interrupted. */
static int dry_run_plan(const char *path, struct plan *p, long trace_n, uint64_t abort_us)
{
    trace *tr = NULL;
    if (plan_dry_run(p, DRY_RUN_MAX_US) || !(tr = trace_new(stderr, trace_n))) {
        fprintf(stderr, "surge: out of memory\n");
        plan_free(p);
        return 1;
    }
    fprintf(stderr, "surge: dry run of %s against %s: %d flow%s, one iteration each\n", path,
            p->target, p->nflows, p->nflows == 1 ? "" : "s");
    struct runner_opts ro = {.threads = 1, .trace = tr, .abort_unreachable_us = abort_us};
    struct run_result r = {0};
    char err[512];
    enum runner_fail why;
    runner *rn = runner_run(p, &ro, &r, &why, err, sizeof err);
    if (!rn) {
        fprintf(stderr, "surge: %s\n", err);
        trace_free(tr);
        plan_free(p);
        return (int)why;
    }
    int status = 0;
    for (int i = 0; i < r.nscenarios; i++) {
        const struct scenario_result *s = &r.sc[i];
        uint64_t it = s->iter_counts ? s->iter_counts->requests : 0;
        uint64_t bad = s->iter_counts ? s->iter_counts->failed : 1;
        int ok = it == 1 && !bad && !s->counts.failed && !s->aborted;
        printf("%s: flow %s: %s (%llu request%s, %llu failed)\n", path, p->flows[i].name,
               ok ? "ok" : "FAILED", (unsigned long long)s->counts.requests,
               s->counts.requests == 1 ? "" : "s", (unsigned long long)s->counts.failed);
        if (!ok)
            status = 1;
    }
    if (r.unreachable) {
        fprintf(stderr, "surge: stopped: target %s unreachable for %gs (%s)\n", p->target,
                r.unreachable_s, r.unreachable_detail);
        status = 3;
    }
    if (r.interrupted)
        status = 128 + r.interrupted;
    results_free_parts(&r);
    runner_free(rn);
    trace_free(tr);
    plan_free(p);
    return status;
}

int run_cmd(int argc, char **argv)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},      {"time-scale", required_argument, NULL, 'T'},
        {"scenario", required_argument, NULL, 's'}, {"target", required_argument, NULL, 'g'},
        {"var", required_argument, NULL, 'V'},      {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"abort-unreachable", required_argument, NULL, 'U'},
        {"trace", required_argument, NULL, 'R'},    {"dry-run", no_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    int validate = !strcmp(argv[0], "validate");
    const char *out_dir = "surge-out", *vars[MAX_MULTI], *scen[MAX_MULTI];
    struct plan_overrides ov = {.vars = vars, .scenarios = scen, .time_scale = 1};
    uint64_t abort_us = 10000000;
    int threads = 0, quiet = 0, dry_run = 0;
    long trace_n = 0;
    opterr = 0;
    optind = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":o:s:t:qh", longs, NULL);
        if (c == -1)
            break;
        char *end;
        switch (c) {
        case 'o':
            out_dir = optarg;
            break;
        case 'T':
            errno = 0;
            ov.time_scale = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(ov.time_scale > 0) || ov.time_scale > 1e6) {
                fprintf(stderr, "surge: bad value '%s' for --time-scale (a factor > 0, e.g. 0.01)\n",
                        optarg);
                return 2;
            }
            break;
        case 's':
            if (ov.nscenarios >= MAX_MULTI) {
                fprintf(stderr, "surge: too many --scenario flags (at most %d)\n", MAX_MULTI);
                return 2;
            }
            scen[ov.nscenarios++] = optarg;
            break;
        case 'g':
            ov.target = optarg;
            break;
        case 'V':
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                fprintf(stderr, "surge: bad value '%s' for --var (NAME=VALUE)\n", optarg);
                return 2;
            }
            if (ov.nvars >= MAX_MULTI) {
                fprintf(stderr, "surge: too many --var flags (at most %d)\n", MAX_MULTI);
                return 2;
            }
            vars[ov.nvars++] = optarg;
            break;
        case 't': {
            errno = 0;
            long n = strtol(optarg, &end, 10);
            threads = errno || *end || end == optarg || n < 1 || n > 1024 ? -1 : (int)n;
            if (threads < 0) {
                fprintf(stderr, "surge: bad value '%s' for -t (1 to 1024 threads)\n", optarg);
                return 2;
            }
            break;
        }
        case 'q':
            quiet = 1;
            break;
        case 'U':
            if (units_parse_duration(optarg, 1000000, &abort_us)) {
                fprintf(stderr,
                        "surge: bad duration '%s' for --abort-unreachable (use 500ms, 10s, 2m; "
                        "0: never)\n",
                        optarg);
                return 2;
            }
            break;
        case 'R':
            errno = 0;
            trace_n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || trace_n < 1 || trace_n > 1000000) {
                fprintf(stderr, "surge: bad value '%s' for --trace (1 to 1000000 requests)\n",
                        optarg);
                return 2;
            }
            break;
        case 'D':
            dry_run = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case ':':
            fprintf(stderr, "surge: option %s needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "surge: unknown option '%s' (see surge %s --help)\n", argv[optind - 1],
                    argv[0]);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "surge: no plan file given\n%s", usage);
        return 2;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "surge: unexpected argument '%s' after the plan '%s'\n", argv[optind + 1],
                argv[optind]);
        return 2;
    }
    const char *path = argv[optind];
    struct plan *p = NULL;
    char *errors = NULL;
    if (plan_load(path, &ov, &p, &errors)) {
        fputs(errors ? errors : "surge: cannot load the plan\n", stderr);
        if (errors && errors[0] && errors[strlen(errors) - 1] != '\n')
            fputc('\n', stderr);
        free(errors);
        return 2;
    }
    free(errors);
    if (dry_run && !validate) {
        fprintf(stderr, "surge: --dry-run goes with surge validate (surge validate PLAN --dry-run)\n");
        plan_free(p);
        return 2;
    }
    if (validate && trace_n && !dry_run) {
        fprintf(stderr, "surge: --trace goes with surge run or surge validate --dry-run\n");
        plan_free(p);
        return 2;
    }
    if (dry_run)
        return dry_run_plan(path, p, trace_n ? trace_n : 1000000, abort_us);
    if (validate) {
        printf("%s: valid: %d scenario%s, %d flow%s\n", path, p->nscenarios,
               p->nscenarios == 1 ? "" : "s", p->nflows, p->nflows == 1 ? "" : "s");
        plan_free(p);
        return 0;
    }
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (mkdir_p(out_dir)) {
        fprintf(stderr, "surge: --out: cannot create '%s': %s\n", out_dir, strerror(errno));
        plan_free(p);
        return 2;
    }
    trace *tr = NULL;
    if (trace_n && !(tr = trace_new(stderr, trace_n))) {
        fprintf(stderr, "surge: out of memory\n");
        plan_free(p);
        return 1;
    }
    struct runner_opts ro = {.threads = threads, .live = quiet ? NULL : stderr,
                             .abort_unreachable_us = abort_us, .trace = tr};
    struct run_result r = {0};
    char err[512];
    int status = 1;
    if (!quiet)
        fprintf(stderr, "surge: running %s against %s (%d scenario%s, %d threads)\n", path,
                p->target, p->nscenarios, p->nscenarios == 1 ? "" : "s", threads);
    enum runner_fail why;
    runner *rn = runner_run(p, &ro, &r, &why, err, sizeof err);
    if (!rn) {
        fprintf(stderr, "surge: %s\n", err);
        trace_free(tr);
        plan_free(p);
        return (int)why;
    }
    if (!quiet)
        results_summary_print(stdout, &r, 0);
    status = r.interrupted ? 128 + r.interrupted : 0;
    if (r.unreachable) {
        fprintf(stderr,
                "surge: stopped: target %s unreachable: no connect succeeded and every connect "
                "failed for %gs (%s); exit 3\n",
                p->target, r.unreachable_s, r.unreachable_detail);
        status = 3;
    }
    char json_path[4200];
    snprintf(json_path, sizeof json_path, "%s/results.json", out_dir);
    if (results_json_write(&r, json_path, err, sizeof err)) {
        fprintf(stderr, "surge: %s\n", err);
        status = 1;
    } else if (!quiet) {
        printf("results: %s\n", json_path);
    }
    results_free_parts(&r);
    runner_free(rn);
    trace_free(tr);
    plan_free(p);
    return status;
}
