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

#include "cli/watch_setup.h"
#include "exec/runner.h"
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
    "      --watch-pid PID    watch this process and its children (replaces the plan's\n"
    "                         watch.process)\n"
    "      --watch-prom URL   scrape this Prometheus endpoint (replaces watch.prometheus)\n"
    "      --health URL       probe this URL every interval (replaces watch.health)\n"
    "      --watch-interval D watch sampling period (default: the plan's, else 1s)\n"
    "      --watch-baseline D watch the idle target this long before load (default: the\n"
    "                         plan's, else 5s; 0: none)\n"
    "exit status: 0 ran (or the plan is valid), 1 could not start, 2 bad usage or an\n"
    "             invalid plan, 3 the run could not complete (the target surge starts\n"
    "             was not ready in time, or exited with on_target_exit: abort),\n"
    "             130/143 interrupted by SIGINT/SIGTERM\n";

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

int run_cmd(int argc, char **argv)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},      {"time-scale", required_argument, NULL, 'T'},
        {"scenario", required_argument, NULL, 's'}, {"target", required_argument, NULL, 'g'},
        {"var", required_argument, NULL, 'V'},      {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"watch-pid", required_argument, NULL, 'P'}, {"watch-prom", required_argument, NULL, 'M'},
        {"health", required_argument, NULL, 'H'},    {"watch-interval", required_argument, NULL, 'I'},
        {"watch-baseline", required_argument, NULL, 'B'},
        {NULL, 0, NULL, 0},
    };
    int validate = !strcmp(argv[0], "validate");
    const char *out_dir = "surge-out", *vars[MAX_MULTI], *scen[MAX_MULTI];
    struct plan_overrides ov = {.vars = vars, .scenarios = scen, .time_scale = 1};
    int threads = 0, quiet = 0;
    struct watch_quick wf = {.baseline_s = -1};
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
        case 'P': {
            errno = 0;
            long n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || n < 1 || n > 0x7fffffff) {
                fprintf(stderr, "surge: bad value '%s' for --watch-pid (a process id)\n", optarg);
                return 2;
            }
            wf.pid = (int)n;
            break;
        }
        case 'M':
        case 'H':
            if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
                fprintf(stderr, "surge: bad URL '%s' for %s (http:// or https://)\n", optarg,
                        c == 'M' ? "--watch-prom" : "--health");
                return 2;
            }
            if (c == 'M')
                wf.prom_url = optarg;
            else
                wf.health_url = optarg;
            break;
        case 'I':
        case 'B': {
            uint64_t us;
            if (units_parse_duration(optarg, 1000000, &us) || (c == 'I' && us < 50000)) {
                fprintf(stderr, "surge: bad duration '%s' for %s (use 500ms, 1s, 5s)\n", optarg,
                        c == 'I' ? "--watch-interval" : "--watch-baseline");
                return 2;
            }
            if (c == 'I')
                wf.interval_s = (double)us / 1e6;
            else
                wf.baseline_s = (double)us / 1e6;
            break;
        }
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
    if (validate) {
        /* the watch sources are made (and dropped) too: a bad selector is a plan error */
        watch *vw = NULL;
        char verr[2048];
        if (watch_setup_plan(p, ".", &wf, &vw, verr, sizeof verr)) {
            fprintf(stderr, "%s\n", verr);
            plan_free(p);
            return 2;
        }
        watch_free(vw);
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
    watch *w = NULL;
    char err[2048];
    if (watch_setup_plan(p, out_dir, &wf, &w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        plan_free(p);
        return 2;
    }
    struct runner_opts ro = {.threads = threads, .live = quiet ? NULL : stderr, .watch = w};
    struct run_result r = {0};
    int status = 1;
    if (!quiet)
        fprintf(stderr, "surge: running %s against %s (%d scenario%s, %d threads)\n", path,
                p->target, p->nscenarios, p->nscenarios == 1 ? "" : "s", threads);
    enum runner_fail why;
    runner *rn = runner_run(p, &ro, &r, &why, err, sizeof err);
    watch_stop(w);
    if (!rn) {
        fprintf(stderr, "surge: %s\n", err);
        watch_free(w);
        plan_free(p);
        return (int)why;
    }
    struct watch_window *win = calloc((size_t)p->nscenarios + 1, sizeof *win);
    for (int i = 0; win && i < p->nscenarios; i++) {
        win[i].name = p->scenarios[i].name;
        runner_window(rn, i, &win[i].from_s, &win[i].to_s);
    }
    if (!quiet) {
        results_summary_print(stdout, &r, 0);
        if (win)
            watch_summary_print(w, stdout, win, p->nscenarios);
    }
    status = r.interrupted ? 128 + r.interrupted : 0;
    int aborted = watch_target_aborted(w);
    if (aborted)
        status = 3;
    char json_path[4200];
    snprintf(json_path, sizeof json_path, "%s/results.json", out_dir);
    json_t *doc = win ? results_json_build(&r) : NULL;
    if (doc && aborted) {
        json_object_set_new(doc, "interrupted", json_true());
        json_object_set_new(doc, "interrupted_by", json_string("abort"));
    }
    if (!doc || watch_json_add(w, doc, win, p->nscenarios)) {
        fprintf(stderr, "surge: out of memory building results.json\n");
        status = 1;
    } else if (results_json_save(doc, json_path, err, sizeof err)) {
        fprintf(stderr, "surge: %s\n", err);
        status = 1;
    } else if (!quiet) {
        printf("results: %s\n", json_path);
    }
    json_decref(doc);
    free(win);
    watch_free(w);
    results_free_parts(&r);
    runner_free(rn);
    plan_free(p);
    return status;
}
