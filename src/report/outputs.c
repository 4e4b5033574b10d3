/* outputs.c — the out dir's derived files, written together from one results document. */
#include "report/outputs.h"

#include <stdio.h>
#include <string.h>

#include "report/csv.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/markdown.h"

int outputs_chosen(const json_t *doc, const char *name)
{
    const json_t *outs = json_object_get(json_object_get(doc, "report"), "outputs"), *o;
    size_t i;
    if (!json_is_array(outs))
        return 1;
    json_array_foreach(outs, i, o)
        if (json_is_string(o) && !strcmp(json_string_value(o), name))
            return 1;
    return 0;
}

int outputs_write(const json_t *doc, const char *dir, char *err, int errlen)
{
    char e[512];
    int rc = 0;
    static const struct {
        const char *name;
        int (*write)(const json_t *, const char *, char *, int);
    } writers[] = {{"md", markdown_write},
                   {"html", html_write},
                   {"junit", junit_write},
                   {"csv", csv_write}};
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        if (!outputs_chosen(doc, writers[i].name))
            continue;
        if (writers[i].write(doc, dir, e, sizeof e) && !rc) {
            snprintf(err, (size_t)errlen, "%s", e);
            rc = -1;
        }
    }
    return rc;
}

void outputs_print(FILE *f, const json_t *doc, const char *dir)
{
    if (outputs_chosen(doc, "md"))
        fprintf(f, "report: %s/report.md\n", dir);
    if (outputs_chosen(doc, "html"))
        fprintf(f, "report: %s/report.html\n", dir);
}
