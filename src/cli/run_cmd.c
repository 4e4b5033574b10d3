/* run_cmd.c — `surge run PLAN.yaml [options]` and `surge validate PLAN.yaml`: flags to
 * plan overrides, load and validate the plan, run it, write the summary and the out dir. */
#include "cli/run_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/watch_setup.h"
#include "dist/dist.h"
#include "exec/fdlim.h"
#include "exec/runner.h"
#include "exec/segment.h"
#include "flow/trace.h"
#include "judge/judge.h"
#include "plan/plan.h"
#include "util/units.h"
#include "report/histfile.h"
#include "report/hlog.h"
#include "report/ndjson.h"
#include "report/outfile.h"
#include "report/outputs.h"
#include "report/promexp.h"

#define MAX_MULTI 64

static const char *usage =
    "usage: surge run PLAN.yaml [options]\n"
    "       surge validate PLAN.yaml [options]\n"
    "  -o, --out DIR          write every output into DIR: results.json, report.md (and\n"
    "                         charts/), report.html, series.ndjson (streamed each second)\n"
    "                         (default: surge-out/YYYYmmdd-HHMMSS, a new one per run)\n"
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
    "      --watch-pid PID    watch this process and its children (replaces the plan's\n"
    "                         watch.process)\n"
    "      --watch-prom URL   scrape this Prometheus endpoint (replaces watch.prometheus)\n"
    "      --health URL       probe this URL every interval (replaces watch.health)\n"
    "      --watch-interval D watch sampling period (default: the plan's, else 1s)\n"
    "      --watch-baseline D watch the idle target this long before load (default: the\n"
    "                         plan's, else 5s; 0: none)\n"
    "      --segment K/N      run share K of N of every scenario (VUs, iterations and\n"
    "                         arrival rates split so the N shares add up to the plan;\n"
    "                         merge their out dirs with surge merge; docs/distributed.md)\n"
    "      --prometheus-listen HOST:PORT\n"
    "                         serve surge's live figures at http://HOST:PORT/metrics in\n"
    "                         Prometheus text format while the run goes\n"
    "exit status: 0 ran and every criterion met target or acceptable (or none given; for\n"
    "             validate: the plan is valid), 1 a criterion failed (or abort_on_fail\n"
    "             stopped the run; validate --dry-run: a step failed), 2 bad usage or an\n"
    "             invalid plan, 3 the run could not start or complete (the target was\n"
    "             unreachable, the target surge starts was not ready in time or exited with\n"
    "             on_target_exit: abort, or series.ndjson or results.json could not be\n"
    "             written; an out dir that cannot be written at all: 2), 130/143\n"
    "             interrupted by SIGINT/SIGTERM (criteria judged on the data so far)\n";


#define DRY_RUN_MAX_US (120ull * 1000000) /* a dry run's flow gives up after 2 minutes */

/* The default out dir: surge-out/<UTC timestamp>, with -2, -3, ... when taken. */
static void default_out(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "surge-out/%s", ts);
    for (int i = 2; access(buf, F_OK) == 0 && i < 1000; i++)
        snprintf(buf, len, "surge-out/%s-%d", ts, i);
}

/* What the run streams into the out dir while it goes. */
struct streams {
    const struct plan *p;
    const char *dir;
    ndjson *series;      /* series.ndjson, or NULL when it could not be created */
    hlog **hlogs;        /* per scenario: SCENARIO.hlog, opened at its first second */
    double start_epoch;  /* wall clock at the start, for the logs' StartTime */
    int hlog_failed;     /* reported once */
    promexp *prom;       /* --prometheus-listen, or NULL */
    watch *w;            /* the watched service, or NULL */
    judge *jd;           /* the criteria: abort_on_fail each second, capacity levels */
    histfile *hf;        /* histograms.json: every full histogram, for surge merge */
    const struct dist_hooks *dh; /* surge-mpi's hooks, or NULL */
    json_t *sec_hists;   /* with dh: this second's histograms {SCENARIO: entry} */
    int dist_stop;       /* with dh: the reporting process stopped the whole run */
    int series_failed;   /* a series.ndjson line could not be written: the run stops, exit 3 */
};

/* The capacity executor's per-level verdict. */
static int level_check(void *ud, const char *scenario, const json_t *level)
{
    const struct streams *st = ud;
    return judge_level(st->jd, scenario, level) == 1;
}

/* Each merged second: a flushed series.ndjson line, the live Prometheus figures, and the
 * judge's abort_on_fail check (nonzero: stop the run). */
static int on_second(void *ud, const json_t *line)
{
    struct streams *st = ud;
    if (st->series && !st->series_failed && ndjson_write(st->series, line)) {
        /* disk full, quota, a file system gone read-only: measuring on without recording
         * would lose the run; stop it cleanly (results.json says interrupted) */
        st->series_failed = errno ? errno : EIO;
        fprintf(stderr, "surge: cannot write '%s/series.ndjson': %s; stopping the run\n",
                st->dir, strerror(st->series_failed));
    }
    if (!st->dh || !st->dh->second) {
        promexp_second(st->prom, line);
        return judge_second(st->jd, line) || st->series_failed;
    }
    /* distributed: the reporting process judges the whole run's second, the others none */
    json_t *merged = NULL;
    int stop = st->dh->second(st->dh->ud, line, st->sec_hists, &merged);
    json_object_clear(st->sec_hists);
    if (stop)
        st->dist_stop = 1;
    promexp_second(st->prom, merged ? merged : line);
    if (merged && judge_second(st->jd, merged) && st->dh->abort)
        st->dh->abort(st->dh->ud);
    if (watch_target_aborted(st->w) && st->dh->abort)
        st->dh->abort(st->dh->ud); /* the target exited (on_target_exit: abort): all stop */
    json_decref(merged);
    return stop || st->series_failed || judge_abort_reason(st->jd)[0] != '\0';
}

/* A second signal: the workers are still stopping, so write what series.ndjson already
 * holds (every merged second), as `surge report` would for a killed run. */
static void on_hard_stop(void *ud, int signum)
{
    struct streams *st = ud;
    char path[4200], err[512];
    json_t *doc = NULL;
    watch_stop(st->w); /* a service surge started is not left running */
    ndjson_close(st->series);
    st->series = NULL;
    snprintf(path, sizeof path, "%s/series.ndjson", st->dir);
    if (ndjson_rebuild(path, &doc, err, sizeof err)) {
        fprintf(stderr, "surge: %s\n", err);
        return;
    }
    json_object_set_new(doc, "interrupted_by", json_string(signum == SIGINT ? "SIGINT" : "SIGTERM"));
    snprintf(path, sizeof path, "%s/results.json", st->dir);
    if (results_json_save(doc, path, err, sizeof err) ||
        outputs_write(doc, st->dir, err, sizeof err))
        fprintf(stderr, "surge: %s\n", err);
    else
        fprintf(stderr, "surge: wrote what was there to %s (from series.ndjson)\n", st->dir);
    json_decref(doc);
}

/* SCENARIO.hlog: each second's latency histogram as one interval. */
static void on_second_hist(void *ud, int sc, uint32_t t_run, const hist *lat)
{
    struct streams *st = ud;
    if (!st->hlogs[sc] && !st->hlog_failed) {
        char path[4400], name[128], err[512];
        snprintf(name, sizeof name, "%s", st->p->scenarios[sc].name);
        for (char *c = name; *c; c++)
            if (*c == '/' || *c == ' ')
                *c = '_';
        snprintf(path, sizeof path, "%s/%s.hlog", st->dir, name);
        if (hlog_open(path, st->start_epoch, &st->hlogs[sc], err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            st->hlog_failed = 1;
        }
    }
    if (st->hlogs[sc])
        hlog_interval(st->hlogs[sc], t_run, 1.0, lat);
    if (st->sec_hists)
        json_object_set_new(st->sec_hists, st->p->scenarios[sc].name, histfile_entry(lat));
    if (st->hf && histfile_second(st->hf, st->p->scenarios[sc].name, t_run, lat)) {
        histfile_free(st->hf); /* no memory: no histograms.json rather than a partial one */
        st->hf = NULL;
    }
}

/* histograms.json: the run's full histograms, for an exact surge merge. 0 or -1. */
static int save_histograms(struct streams *st, const struct run_result *r)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/histograms.json", st->dir);
    if (!st->hf || histfile_results(st->hf, r)) {
        fprintf(stderr, "surge: out of memory for %s\n", path);
        return -1;
    }
    if (results_json_save(histfile_doc(st->hf), path, err, sizeof err)) {
        fprintf(stderr, "surge: %s\n", err);
        return -1;
    }
    return 0;
}

static ndjson *open_series(const struct plan *p, const char *out_dir, double *epoch)
{
    char path[4200], err[512], started[40];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *epoch = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    time_t now = ts.tv_sec;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *h = json_pack("{s:s, s:s?, s:s?, s:[]}", "started", started, "target", p->target,
                          "plan", p->file, "scenarios");
    for (int i = 0; h && i < p->nscenarios; i++)
        json_array_append_new(json_object_get(h, "scenarios"),
                              json_pack("{s:s, s:s}", "name", p->scenarios[i].name, "executor",
                                        plan_exec_name(p->scenarios[i].exec)));
    snprintf(path, sizeof path, "%s/series.ndjson", out_dir);
    ndjson *w = NULL;
    if (!h || ndjson_open(path, h, &w, err, sizeof err))
        fprintf(stderr, "surge: --out: %s\n", h ? err : "out of memory");
    json_decref(h);
    return w;
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

/* A spiking scenario's recovery: settings go into its results.json object, where the
 * judge's recovery analysis reads them (docs/model.md: the document is the model). */
static void recovery_settings(const struct plan *p, json_t *doc)
{
    json_t *scs = json_object_get(doc, "scenarios"), *sc;
    size_t i;
    json_array_foreach(scs, i, sc) {
        const char *name = json_string_value(json_object_get(sc, "name"));
        for (int k = 0; name && k < p->nscenarios; k++) {
            const struct plan_scenario *ps = &p->scenarios[k];
            if (strcmp(ps->name, name) || (!ps->recovery_tol_pct && !ps->recovery_hold_us))
                continue;
            json_t *o = json_object();
            if (ps->recovery_tol_pct)
                json_object_set_new(o, "tolerance_pct", json_real(ps->recovery_tol_pct));
            if (ps->recovery_hold_us) /* whole seconds of the series, at least one */
                json_object_set_new(o, "hold_s",
                                    json_integer((json_int_t)((ps->recovery_hold_us + 999999) /
                                                              1000000)));
            json_object_set_new(sc, "recovery_settings", o);
        }
    }
}

/* The plan's biggest scenario must fit in RLIMIT_NOFILE (raised up to the hard limit,
 * toward what all scenarios together could hold): else a clear error before starting. */
static int check_fds(const char *path, const struct plan *p)
{
    uint64_t peak, sum;
    int at;
    fdlim_plan_vus(p, &peak, &at, &sum);
    if (at < 0)
        return 0;
    char what[512], err[1024];
    int per = fdlim_conns_per_vu(p, at);
    if (per == 1)
        snprintf(what, sizeof what, "%s: scenario '%s' (%llu VUs, one connection each)", path,
                 p->scenarios[at].name, (unsigned long long)peak);
    else
        snprintf(what, sizeof what,
                 "%s: scenario '%s' (%llu VUs, %d connections each: the target and %d other "
                 "origin%s)",
                 path, p->scenarios[at].name, (unsigned long long)peak / (unsigned)per, per,
                 per - 1, per == 2 ? "" : "s");
    if (fdlim_ensure(peak, sum, what, "lower its VUs", err, sizeof err) != -EMFILE)
        return 0;
    fprintf(stderr, "surge: %s\n", err);
    return -1;
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
        {"prometheus-listen", required_argument, NULL, 'P'},
        {"watch-pid", required_argument, NULL, 'W'}, {"watch-prom", required_argument, NULL, 'M'},
        {"health", required_argument, NULL, 'H'},    {"watch-interval", required_argument, NULL, 'I'},
        {"watch-baseline", required_argument, NULL, 'B'},
        {"segment", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0},
    };
    int validate = !strcmp(argv[0], "validate");
    const char *out_dir = NULL, *vars[MAX_MULTI], *scen[MAX_MULTI];
    char def_out[64];
    struct plan_overrides ov = {.vars = vars, .scenarios = scen, .time_scale = 1};
    uint64_t abort_us = 10000000;
    int threads = 0, dry_run = 0;
    const char *prom_addr = NULL;
    long trace_n = 0;
    struct watch_quick wf = {.baseline_s = -1};
    const struct dist_hooks *dh = dist_get(); /* surge-mpi: this rank's share */
    struct segment seg = dh ? dh->segment : (struct segment){0, 0};
    int quiet = dh ? dh->quiet : 0;
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
        case 'P': {
            char perr[256];
            if (promexp_parse_addr(optarg, perr, sizeof perr)) {
                fprintf(stderr, "surge: %s\n", perr);
                return 2;
            }
            prom_addr = optarg;
            break;
        }
        case 'W': {
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
        case 'K':
            if (dh) {
                fprintf(stderr, "surge: --segment: surge-mpi gives each rank its share\n");
                return 2;
            }
            if (segment_parse(optarg, &seg)) {
                fprintf(stderr, "surge: bad value '%s' for --segment (K/N: share K of N, "
                        "1 <= K <= N <= %d, e.g. 2/3)\n", optarg, SEGMENT_MAX_N);
                return 2;
            }
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
    for (int k = 0; !segment_whole(seg) && k < p->nscenarios; k++) {
        if (p->scenarios[k].exec != EXEC_CAPACITY)
            continue;
        fprintf(stderr, "surge: --segment: scenario '%s' (%s:%d:%d) uses the capacity executor, "
                "whose levels follow its own verdicts: it cannot be split into shares\n",
                p->scenarios[k].name, p->file, p->scenarios[k].loc.line, p->scenarios[k].loc.col);
        plan_free(p);
        return 2;
    }
    if (!segment_whole(seg) && (validate || dry_run)) {
        fprintf(stderr, "surge: --segment goes with surge run\n");
        plan_free(p);
        return 2;
    }
    if (dry_run)
        return dry_run_plan(path, p, trace_n ? trace_n : 1000000, abort_us);
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
    if (check_fds(path, p)) {
        plan_free(p);
        return 2;
    }
    if (!out_dir) {
        default_out(def_out, sizeof def_out);
        out_dir = def_out;
    }
    if (outfile_mkdir_p(out_dir)) {
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
    char err[2048];
    watch *w = NULL;
    if (watch_setup_plan(p, out_dir, &wf, &w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        trace_free(tr);
        plan_free(p);
        return 2;
    }
    if (dh && !dh->watch) { /* distributed: one process watches (and starts) the target */
        watch_free(w);    /* and serves /metrics (the whole run's figures) */
        w = NULL;
        prom_addr = NULL;
    }
    judge *jd = judge_new();
    int rc = jd ? judge_add_list(jd, NULL, p->criteria, err, sizeof err) : -ENOMEM;
    for (int k = 0; rc == 0 && k < p->nscenarios; k++)
        rc = judge_add_list(jd, p->scenarios[k].name, p->scenarios[k].criteria, err, sizeof err);
    if (rc) { /* the loader checked every criterion: only memory can fail here */
        fprintf(stderr, "surge: criteria: %s\n", rc == -ENOMEM ? "out of memory" : err);
        judge_free(jd);
        watch_free(w);
        trace_free(tr);
        plan_free(p);
        return rc == -ENOMEM ? 3 : 2;
    }
    judge_set_time_scale(jd, ov.time_scale);
    struct streams st = {.p = p, .dir = out_dir, .w = w, .jd = jd, .hf = histfile_new(),
                         .dh = dh, .sec_hists = dh && dh->second ? json_object() : NULL};
    st.series = open_series(p, out_dir, &st.start_epoch);
    if (!st.series) { /* the out dir is not writable: say so before any load */
        histfile_free(st.hf);
        json_decref(st.sec_hists);
        judge_free(jd);
        watch_free(w);
        trace_free(tr);
        plan_free(p);
        return 2;
    }
    if (!(st.hlogs = calloc((size_t)p->nscenarios + 1, sizeof *st.hlogs))) {
        fprintf(stderr, "surge: out of memory\n");
        ndjson_close(st.series);
        judge_free(jd);
        watch_free(w);
        trace_free(tr);
        plan_free(p);
        histfile_free(st.hf);
        json_decref(st.sec_hists);
        return 3;
    }
    if (prom_addr) {
        if (promexp_new(EV_DEFAULT, prom_addr, p->file, p->target, &st.prom, err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            ndjson_close(st.series);
            free(st.hlogs);
            judge_free(jd);
            watch_free(w);
            trace_free(tr);
            plan_free(p);
            histfile_free(st.hf);
            json_decref(st.sec_hists);
            return 2;
        }
        if (!quiet)
            fprintf(stderr, "surge: live figures at http://%s/metrics (port %d)\n", prom_addr,
                    promexp_port(st.prom));
    }
    struct runner_opts ro = {.threads = threads, .live = quiet ? NULL : stderr, .live_tty = -1,
                             .on_second = on_second, .on_second_ud = &st,
                             .on_second_hist = on_second_hist, .on_hard_stop = on_hard_stop,
                             .abort_unreachable_us = abort_us, .trace = tr, .watch = w,
                             .level_ok = level_check, .segment = seg,
                             .start_sync = dh ? dh->start_sync : NULL,
                             .start_sync_ud = dh ? dh->ud : NULL,
                             .may_start = dh ? dh->may_start : NULL};
    struct run_result r = {0};
    int status = 1;
    char segtxt[48] = "";
    if (!segment_whole(seg))
        snprintf(segtxt, sizeof segtxt, ", share %d of %d", seg.k + 1, seg.n);
    if (!quiet)
        fprintf(stderr, "surge: running %s against %s (%d scenario%s, %d threads%s)\n", path,
                p->target, p->nscenarios, p->nscenarios == 1 ? "" : "s", threads, segtxt);
    enum runner_fail why;
    runner *rn = runner_run(p, &ro, &r, &why, err, sizeof err);
    if (dh && dh->seconds_end)
        dh->seconds_end(dh->ud); /* the other processes' last seconds */
    json_decref(st.sec_hists);
    ndjson_close(st.series);
    promexp_free(st.prom);
    for (int i = 0; i < p->nscenarios; i++)
        hlog_close(st.hlogs[i]);
    free(st.hlogs);
    watch_stop(w);
    if (!rn) {
        fprintf(stderr, "surge: %s\n", err);
        watch_free(w);
        trace_free(tr);
        judge_free(jd);
        plan_free(p);
        histfile_free(st.hf);
        return why == RUNNER_FAIL_INPUT ? 2 : 3;
    }
    struct watch_window *win = calloc((size_t)p->nscenarios + 1, sizeof *win);
    for (int i = 0; win && i < p->nscenarios; i++) {
        win[i].name = p->scenarios[i].name;
        runner_window(rn, i, &win[i].from_s, &win[i].to_s);
    }
    /* the run is over (or interrupted): judge what was measured, watch figures included */
    int aborted = judge_abort_reason(jd)[0] != '\0' || st.dist_stop;
    if (aborted)
        fprintf(stderr, "surge: stopped early: %s (abort_on_fail)\n",
                judge_abort_reason(jd)[0] ? judge_abort_reason(jd)
                                          : "the whole run's criteria, judged by rank 0");
    int target_exit = watch_target_aborted(w);
    json_t *doc = win ? results_json_build(&r) : NULL;
    int verdict = -ENOMEM;
    if (doc && !watch_json_add(w, doc, win, p->nscenarios)) {
        if (p->workload)
            json_object_set(doc, "workload", (json_t *)p->workload);
        if (p->report)
            json_object_set(doc, "report", (json_t *)p->report);
        if (ov.time_scale != 1) /* a rehearsal: the report says how to read its times */
            json_object_set_new(doc, "time_scale", json_real(ov.time_scale));
        recovery_settings(p, doc);
        if (!r.interrupted && !r.unreachable && (aborted || target_exit || st.series_failed)) {
            json_object_set_new(doc, "interrupted", json_true());
            json_object_set_new(doc, "interrupted_by",
                                json_string(st.series_failed ? "output_error"
                                            : target_exit    ? "target_exit"
                                                             : "abort"));
        }
        verdict = judge_doc(jd, doc);
    }
    char json_path[4200];
    snprintf(json_path, sizeof json_path, "%s/results.json", out_dir);
    if (verdict < 0) {
        fprintf(stderr, "surge: out of memory judging the results\n");
        status = 3;
    } else {
        if (!quiet) {
            results_summary_print(stdout, &r, 0);
            watch_summary_print(w, stdout, win, p->nscenarios);
            judge_print(stdout, doc);
        }
        status = r.interrupted ? 128 + r.interrupted : verdict == 1 || aborted ? 1 : 0;
        if (r.unreachable && !r.interrupted) {
            fprintf(stderr,
                    "surge: stopped: target %s unreachable: no connect succeeded and every "
                    "connect failed for %gs (%s); exit 3\n",
                    p->target, r.unreachable_s, r.unreachable_detail);
            status = 3;
        }
        if ((target_exit || st.series_failed) && !r.interrupted)
            status = 3;
        if (r.saturated_abort && !r.interrupted && !r.unreachable) {
            fprintf(stderr, "surge: stopped: surge itself was saturated (on_saturation: abort); "
                            "exit 3\n");
            status = 3;
        }
        if (results_json_save(doc, json_path, err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            status = 3;
        } else if (!quiet) {
            printf("results: %s\n", json_path);
        }
        if (save_histograms(&st, &r))
            status = 3;
        if (outputs_write(doc, out_dir, err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            status = 3;
        } else if (!quiet) {
            outputs_print(stdout, doc, out_dir);
        }
    }
    json_decref(doc);
    histfile_free(st.hf);
    free(win);
    watch_free(w);
    judge_free(jd);
    results_free_parts(&r);
    runner_free(rn);
    trace_free(tr);
    plan_free(p);
    return status;
}
