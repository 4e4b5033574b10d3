/* load_report.c — the plan's `report:` section (title, description, which derived
 * outputs to write): checked here with FILE:LINE:COL errors, kept as JSON for results.json
 * and the report writers. */
#include "plan/load_int.h"

#include <jansson.h>
#include <string.h>

#define REPORT_JSON_BUDGET 100000

static const char *const REPORT_KEYS[] = {"title", "description", "outputs", NULL};
/* The derived outputs a plan may choose (results.json and series.ndjson are always
 * written: they are the run's record). */
static const char *const REPORT_OUTPUTS[] = {"md", "html", "junit", "csv", NULL};

static void text_key(struct ld *l, const struct ynode *n, const char *what, size_t max)
{
    const char *s = ld_str(l, n, what);
    if (s && !*s)
        ld_errn(l, n, "%s: empty (leave the key out for the default)", what);
    else if (s && strlen(s) > max)
        ld_errn(l, n, "%s: longer than %zu characters", what, max);
}

void *ld_report(struct ld *l, const struct ynode *n)
{
    if (!n || yaml_is_null(n))
        return NULL;
    if (ld_want_map(l, n, "report") != 0)
        return NULL;
    ld_check_keys(l, n, "report", REPORT_KEYS);
    const struct ynode *v;
    if ((v = yaml_map_get(n, "title")))
        text_key(l, v, "report.title", 200);
    if ((v = yaml_map_get(n, "description")))
        text_key(l, v, "report.description", 2000);
    if ((v = yaml_map_get(n, "outputs")) && ld_want_seq(l, v, "report.outputs") == 0) {
        for (int i = 0; i < v->n; i++) {
            const struct ynode *o = v->items[i];
            const char *s = ld_str(l, o, "report.outputs");
            int ok = 0;
            for (int k = 0; s && REPORT_OUTPUTS[k]; k++)
                ok |= !strcmp(s, REPORT_OUTPUTS[k]);
            if (s && !ok)
                ld_errn(l, o, "report.outputs: unknown output '%s' (md, html, junit, csv; "
                              "results.json and series.ndjson are always written)", s);
            for (int k = 0; s && ok && k < i; k++)
                if (v->items[k]->kind == YN_SCALAR && !strcmp(v->items[k]->str, s))
                    ld_errn(l, o, "report.outputs: '%s' given twice", s);
        }
    }
    long budget = REPORT_JSON_BUDGET;
    json_t *j = yaml_to_json(n, &budget);
    if (!j)
        ld_errn(l, n, "report: too large or not UTF-8");
    return j;
}
