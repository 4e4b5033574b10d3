/* outputs.c — the out dir's derived files, written together from one results document. */
#include "report/outputs.h"

#include <stdio.h>

#include "report/csv.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/markdown.h"

int outputs_write(const json_t *doc, const char *dir, char *err, int errlen)
{
    char e[512];
    int rc = 0;
    int (*const writers[])(const json_t *, const char *, char *, int) = {markdown_write, html_write,
                                                                       junit_write, csv_write};
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        if (writers[i](doc, dir, e, sizeof e) && !rc) {
            snprintf(err, (size_t)errlen, "%s", e);
            rc = -1;
        }
    }
    return rc;
}
