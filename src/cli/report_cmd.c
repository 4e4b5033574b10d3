/* report_cmd.c — `surge report DIR`: reads DIR/results.json (or, when it is missing,
 * rebuilds it from DIR/series.ndjson, marked interrupted) and writes report.md, the
 * charts, report.html and the other derived outputs again. */
#include "cli/report_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "report/ndjson.h"
#include "report/outputs.h"
#include "report/results.h"

static const char *usage =
    "usage: surge report DIR\n"
    "  rebuild DIR/report.md (with DIR/charts/), report.html, junit.xml and series.csv from\n"
    "  DIR/results.json; when results.json is missing (a killed run), rebuild it first from\n"
    "  DIR/series.ndjson, marked interrupted.\n"
    "exit status: 0 written, 2 bad usage or nothing readable in DIR, 3 cannot write an output\n";

int report_cmd(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "surge: report needs exactly one out dir\n%s", usage);
        return 2;
    }
    const char *dir = argv[1];
    char path[4200], err[512];
    json_t *doc = NULL;
    snprintf(path, sizeof path, "%s/results.json", dir);
    if (access(path, F_OK) == 0) {
        json_error_t je;
        if (!(doc = json_load_file(path, 0, &je))) {
            fprintf(stderr, "surge: %s:%d:%d: %s\n", path, je.line, je.column, je.text);
            return 2;
        }
        if (!json_is_array(json_object_get(doc, "scenarios"))) {
            fprintf(stderr, "surge: %s: not a surge results document (no scenarios)\n", path);
            json_decref(doc);
            return 2;
        }
    } else {
        char nd[4200];
        snprintf(nd, sizeof nd, "%s/series.ndjson", dir);
        if (access(nd, F_OK) != 0) {
            fprintf(stderr, "surge: report: '%s' has neither results.json nor series.ndjson\n",
                    dir);
            return 2;
        }
        if (ndjson_rebuild(nd, &doc, err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            return 2;
        }
        if (results_json_save(doc, path, err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            json_decref(doc);
            return 3;
        }
        printf("rebuilt %s from %s (marked interrupted)\n", path, nd);
    }
    int rc = outputs_write(doc, dir, err, sizeof err);
    json_decref(doc);
    if (rc) {
        fprintf(stderr, "surge: %s\n", err);
        return 3;
    }
    outputs_print(stdout, doc, dir);
    return 0;
}
