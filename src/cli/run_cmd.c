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
#include "judge/judge.h"
#include "plan/plan.h"

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
    "exit status: 0 ran and every criterion met target or acceptable (or none given; for\n"
    "             validate: the plan is valid), 1 a criterion failed (or abort_on_fail\n"
    "             stopped the run), 2 bad usage or an invalid plan, 3 the run could not\n"
    "             start or complete (or results.json could not be written), 130/143\n"
    "             interrupted by SIGINT/SIGTERM (criteria judged on the data so far)\n";

/* The runner's once-a-second hook: the judge's abort_on_fail check. */
static int abort_check(void *ud, const json_t *line)
{
    return judge_second(ud, line);
}

/* The capacity executor's per-level verdict. */
static int level_check(void *ud, const char *scenario, const json_t *level)
{
    return judge_level(ud, scenario, level) == 1;
}

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
        {NULL, 0, NULL, 0},
    };
    int validate = !strcmp(argv[0], "validate");
    const char *out_dir = "surge-out", *vars[MAX_MULTI], *scen[MAX_MULTI];
    struct plan_overrides ov = {.vars = vars, .scenarios = scen, .time_scale = 1};
    int threads = 0, quiet = 0;
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
    struct runner_opts ro = {.threads = threads, .live = quiet ? NULL : stderr,
                             .on_second = abort_check, .level_ok = level_check};
    struct run_result r = {0};
    char err[512];
    int status = 1;
    if (!quiet)
        fprintf(stderr, "surge: running %s against %s (%d scenario%s, %d threads)\n", path,
                p->target, p->nscenarios, p->nscenarios == 1 ? "" : "s", threads);
    enum runner_fail why;
    judge *jd = judge_new();
    int rc = jd ? judge_add_list(jd, NULL, p->criteria, err, sizeof err) : -ENOMEM;
    for (int i = 0; rc == 0 && i < p->nscenarios; i++)
        rc = judge_add_list(jd, p->scenarios[i].name, p->scenarios[i].criteria, err, sizeof err);
    if (rc) { /* the loader checked every criterion: only memory can fail here */
        fprintf(stderr, "surge: criteria: %s\n", rc == -ENOMEM ? "out of memory" : err);
        judge_free(jd);
        plan_free(p);
        return rc == -ENOMEM ? 3 : 2;
    }
    ro.on_second_ud = jd;
    judge_set_time_scale(jd, ov.time_scale);
    runner *rn = runner_run(p, &ro, &r, &why, err, sizeof err);
    if (!rn) {
        fprintf(stderr, "surge: %s\n", err);
        judge_free(jd);
        plan_free(p);
        return why == RUNNER_FAIL_INPUT ? 2 : 3;
    }
    /* the run is over (or interrupted): judge what was measured */
    int aborted = judge_abort_reason(jd)[0] != '\0';
    if (aborted)
        fprintf(stderr, "surge: stopped early: %s (abort_on_fail)\n", judge_abort_reason(jd));
    json_t *doc = results_json_build(&r);
    int verdict = -ENOMEM;
    if (doc) {
        if (p->workload)
            json_object_set(doc, "workload", (json_t *)p->workload);
        if (r.interrupted)
            json_object_set_new(doc, "interrupted_by",
                                json_string(r.interrupted == 2 ? "SIGINT" : "SIGTERM"));
        else if (aborted) {
            json_object_set_new(doc, "interrupted", json_true());
            json_object_set_new(doc, "interrupted_by", json_string("abort"));
        }
        verdict = judge_doc(jd, doc);
    }
    if (verdict < 0) {
        fprintf(stderr, "surge: out of memory judging the results\n");
        status = 3;
    } else {
        if (!quiet) {
            results_summary_print(stdout, &r, 0);
            judge_print(stdout, doc);
        }
        status = r.interrupted ? 128 + r.interrupted : verdict == 1 || aborted ? 1 : 0;
        char json_path[4200];
        snprintf(json_path, sizeof json_path, "%s/results.json", out_dir);
        if (results_json_save(doc, json_path, err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            status = 3;
        } else if (!quiet) {
            printf("results: %s\n", json_path);
        }
    }
    json_decref(doc);
    judge_free(jd);
    results_free_parts(&r);
    runner_free(rn);
    plan_free(p);
    return status;
}
