/* merge_cmd.c — `surge merge DIR1 DIR2 ... --out DIR`: reads each share's results.json and
 * histograms.json, merges them (dist/merge.h), judges the criteria again on the merged
 * document and writes results.json and the reports into the out dir. */
#include "cli/merge_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "dist/merge.h"
#include "judge/judge.h"
#include "report/outfile.h"
#include "report/outputs.h"
#include "report/results.h"

#define MERGE_MAX_DIRS 4096

static const char *usage =
    "usage: surge merge DIR1 DIR2 ... --out DIR [-q]\n"
    "  merge the out dirs of the shares of one plan (surge run PLAN --segment K/N) into one\n"
    "  report in DIR: counters summed, latency percentiles from the shares' full histograms\n"
    "  (histograms.json) merged exactly, per-second series merged by t_run, the plan's\n"
    "  criteria judged again on the merged figures. A share that is missing or did not\n"
    "  complete is listed in results.json shares[] and the report is marked incomplete.\n"
    "  DIR gets the merged histograms.json too, so it can be merged again.\n"
    "  -o, --out DIR   where the merged results.json and reports go (created; not one of\n"
    "                  the inputs)\n"
    "  -q, --quiet     no criteria table\n"
    "exit status: 0 merged and every criterion met target or acceptable (or none given),\n"
    "             1 a criterion failed, 2 bad usage or input (unreadable documents, shares\n"
    "             of different plans, a segment given twice), 3 a share is missing or did\n"
    "             not complete (the merged report is still written, marked incomplete) or\n"
    "             an output could not be written\n";

/* dir/name as JSON into *out; NULL with *why when the file is absent. -1: unreadable. */
static int load(const char *dir, const char *name, json_t **out, const char **why)
{
    char path[PATH_MAX + 64];
    json_error_t je;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = NULL;
    if (access(path, F_OK) != 0) {
        *why = !strcmp(name, "results.json")
                   ? "no results.json: the share did not finish (surge report DIR rebuilds what "
                     "it streamed, without exact histograms)"
                   : "no histograms.json: written by surge run since --segment came";
        return 0;
    }
    if (!(*out = json_load_file(path, 0, &je))) {
        fprintf(stderr, "surge: merge: %s:%d:%d: %s\n", path, je.line, je.column, je.text);
        return -1;
    }
    const char *schema = json_string_value(json_object_get(*out, "schema"));
    const char *want = !strcmp(name, "results.json") ? "surge.results/" : "surge.histograms/";
    if (!schema || strncmp(schema, want, strlen(want)) || !json_is_object(*out)) {
        fprintf(stderr, "surge: merge: %s: not a %s document\n", path, want);
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* The criteria the shares were judged by, from the first that has them: judged again. */
static int add_criteria(judge *jd, const struct merge_share *sh, int n, char *err, int errlen)
{
    for (int i = 0; i < n; i++) {
        const json_t *list = json_object_get(sh[i].results, "criteria"), *c;
        size_t k;
        if (!json_array_size(list))
            continue;
        json_array_foreach(list, k, c) {
            json_t *spec = json_pack("{s:O?, s:O?, s:O?, s:O?}", "name", json_object_get(c, "name"),
                                     "expr", json_object_get(c, "expr"), "target",
                                     json_object_get(c, "target"), "acceptable",
                                     json_object_get(c, "acceptable"));
            const char *sc = json_string_value(json_object_get(c, "scenario"));
            int rc = spec ? judge_add(jd, sc, spec, err, errlen) : -ENOMEM;
            json_decref(spec);
            if (rc)
                return rc;
            double ts = json_number_value(json_object_get(c, "time_scale"));
            if (ts > 0)
                judge_set_time_scale(jd, ts);
        }
        return 0;
    }
    return 0;
}

int merge_cmd(int argc, char **argv)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_dir = NULL;
    int quiet = 0;
    opterr = 0;
    optind = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":o:qh", longs, NULL);
        if (c == -1)
            break;
        if (c == 'o') {
            out_dir = optarg;
        } else if (c == 'q') {
            quiet = 1;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else if (c == ':') {
            fprintf(stderr, "surge: option %s needs a value\n", argv[optind - 1]);
            return 2;
        } else {
            fprintf(stderr, "surge: unknown option '%s' (see surge merge --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    int n = argc - optind;
    if (!out_dir || n < 1) {
        fprintf(stderr, "surge: merge needs out dirs to merge and --out DIR\n%s", usage);
        return 2;
    }
    if (n > MERGE_MAX_DIRS) {
        fprintf(stderr, "surge: merge: too many out dirs (at most %d)\n", MERGE_MAX_DIRS);
        return 2;
    }
    char real_out[PATH_MAX], real_in[PATH_MAX];
    int out_exists = realpath(out_dir, real_out) != NULL;
    struct merge_share *sh = calloc((size_t)n, sizeof *sh);
    json_t *doc = NULL, *hdoc = NULL;
    judge *jd = NULL;
    int status = 2;
    char err[1024];
    if (!sh) {
        fprintf(stderr, "surge: out of memory\n");
        return 3;
    }
    for (int i = 0; i < n; i++) {
        const char *dir = argv[optind + i];
        sh[i].source = dir;
        if (!realpath(dir, real_in)) {
            fprintf(stderr, "surge: merge: '%s': %s\n", dir, strerror(errno));
            goto done;
        }
        if (out_exists && !strcmp(real_in, real_out)) {
            fprintf(stderr, "surge: merge: --out '%s' is one of the inputs\n", out_dir);
            goto done;
        }
        const char *why_r = NULL, *why_h = NULL;
        if (load(dir, "results.json", &sh[i].results, &why_r) ||
            load(dir, "histograms.json", &sh[i].hists, &why_h))
            goto done;
        sh[i].missing = why_r ? why_r : why_h;
    }
    int rc = merge_results(sh, n, &doc, &hdoc, err, sizeof err);
    if (rc) {
        fprintf(stderr, "surge: merge: %s\n", err);
        status = rc == -ENOMEM ? 3 : 2;
        goto done;
    }
    if (!(jd = judge_new()) || (rc = add_criteria(jd, sh, n, err, sizeof err))) {
        fprintf(stderr, "surge: merge: criteria: %s\n", jd && rc != -ENOMEM ? err : "out of memory");
        status = jd && rc != -ENOMEM ? 2 : 3;
        goto done;
    }
    int verdict = judge_doc(jd, doc);
    if (verdict < 0) {
        fprintf(stderr, "surge: out of memory judging the results\n");
        status = 3;
        goto done;
    }
    int incomplete = json_is_true(json_object_get(doc, "incomplete"));
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(doc, "shares"), k, e)
        if (!json_is_true(json_object_get(e, "complete")) ||
            json_is_string(json_object_get(e, "reason")))
            fprintf(stderr, "surge: merge: share %s%s%s: %s%s\n",
                    json_string_value(json_object_get(e, "segment")) ?: "",
                    json_is_string(json_object_get(e, "source")) ? " in " : "",
                    json_string_value(json_object_get(e, "source")) ?: "",
                    json_is_true(json_object_get(e, "complete")) ? "" : "incomplete: ",
                    json_string_value(json_object_get(e, "reason")) ?: "?");
    const char *by = json_string_value(json_object_get(doc, "interrupted_by"));
    status = incomplete ? 3 : verdict == 1 || (by && !strcmp(by, "abort")) ? 1 : 0;
    if (!quiet) {
        json_t *sc;
        json_array_foreach(json_object_get(doc, "scenarios"), k, sc) {
            const json_t *l = json_object_get(sc, "latency_ms");
            printf("scenario %s: %lld requests (%lld failed), up to %lld VUs, p50 %.2fms "
                   "p95 %.2fms p99 %.2fms max %.2fms\n",
                   json_string_value(json_object_get(sc, "name")) ?: "?",
                   (long long)json_integer_value(json_object_get(sc, "requests")),
                   (long long)json_integer_value(json_object_get(sc, "failed")),
                   (long long)json_integer_value(json_object_get(sc, "vus_max")),
                   json_number_value(json_object_get(l, "p50")),
                   json_number_value(json_object_get(l, "p95")),
                   json_number_value(json_object_get(l, "p99")),
                   json_number_value(json_object_get(l, "max")));
        }
        judge_print(stdout, doc);
    }
    if (outfile_mkdir_p(out_dir)) {
        fprintf(stderr, "surge: --out: cannot create '%s': %s\n", out_dir, strerror(errno));
        status = 2;
        goto done;
    }
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/results.json", out_dir);
    char hpath[PATH_MAX + 64];
    snprintf(hpath, sizeof hpath, "%s/histograms.json", out_dir);
    if (results_json_save(doc, path, err, sizeof err) ||
        results_json_save(hdoc, hpath, err, sizeof err) ||
        outputs_write(doc, out_dir, err, sizeof err)) {
        fprintf(stderr, "surge: %s\n", err);
        status = 3;
        goto done;
    }
    if (!quiet)
        printf("merged %d out dir%s: %s\nreport: %s/report.md\nreport: %s/report.html\n", n,
               n == 1 ? "" : "s", path, out_dir, out_dir);
done:
    for (int i = 0; i < n; i++) {
        json_decref(sh[i].results);
        json_decref(sh[i].hists);
    }
    free(sh);
    json_decref(doc);
    json_decref(hdoc);
    judge_free(jd);
    return status;
}
