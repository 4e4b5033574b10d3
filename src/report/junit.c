/* junit.c — junit.xml: the common JUnit shape (testsuites > testsuite > testcase >
 * failure) that CI systems read. */
#include "report/junit.h"

#include <stdio.h>
#include <string.h>

#include "report/outfile.h"
#include "util/sbuf.h"


static const char *str(const json_t *o, const char *k, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : dflt;
}

/* "1.7 %" / "16.5 ms": a criterion's number with its unit. */
static void with_unit(char *b, size_t n, const json_t *v, const char *unit)
{
    if (!json_is_number(v))
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.6g%s%s", json_number_value(v), *unit && strcmp(unit, "%") ? " " : "",
                 unit);
}

int junit_write(const json_t *doc, const char *dir, char *err, int errlen)
{
    struct sbuf o = SBUF_INIT;
    const json_t *cr = json_object_get(doc, "criteria"), *sc = json_object_get(doc, "scenarios");
    int interrupted = json_is_true(json_object_get(doc, "interrupted"));
    size_t i, n = json_array_size(cr) ? json_array_size(cr) : json_array_size(sc);
    size_t failures = 0;
    const json_t *e;
    json_array_foreach(cr, i, e)
        failures += !strcmp(str(e, "tier", ""), "failure");
    if (!json_array_size(cr) && interrupted)
        failures = n;
    double dur = json_number_value(json_object_get(doc, "duration_s"));
    const char *name = str(doc, "plan", str(doc, "target", "surge"));
    sbuf_puts(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"surge\">\n");
    sbuf_puts(&o, "<testsuite name=\"");
    sbuf_put_xml(&o, name);
    sbuf_printf(&o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\"", n, failures, dur);
    if (json_is_string(json_object_get(doc, "started"))) {
        sbuf_puts(&o, " timestamp=\"");
        sbuf_put_xml(&o, str(doc, "started", ""));
        sbuf_putc(&o, '"');
    }
    sbuf_puts(&o, ">\n");
    if (json_array_size(cr)) {
        json_array_foreach(cr, i, e)
        {
            const char *tier = str(e, "tier", "?"), *unit = str(e, "unit", "");
            char val[64], mar[64];
            with_unit(val, sizeof val, json_object_get(e, "value"), unit);
            with_unit(mar, sizeof mar, json_object_get(e, "margin"), unit);
            sbuf_puts(&o, "  <testcase classname=\"surge.");
            sbuf_put_xml(&o, str(e, "scenario", "run"));
            sbuf_puts(&o, "\" name=\"");
            sbuf_put_xml(&o, str(e, "name", str(e, "expr", "criterion")));
            sbuf_puts(&o, "\"");
            if (!strcmp(tier, "failure")) {
                sbuf_puts(&o, ">\n    <failure type=\"criterion\" message=\"");
                struct sbuf m = SBUF_INIT;
                sbuf_printf(&m, "%s = %s, missed %s by %s (target %s)", str(e, "expr", "value"),
                            val, str(e, "acceptable", str(e, "target", "?")), mar,
                            str(e, "target", "-"));
                if (json_is_true(json_object_get(e, "interrupted")))
                    sbuf_puts(&m, "; the run was interrupted");
                sbuf_put_xml(&o, sbuf_str(&m));
                sbuf_puts(&o, "\">");
                sbuf_put_xml(&o, sbuf_str(&m));
                sbuf_free(&m);
                sbuf_puts(&o, "</failure>\n  </testcase>\n");
            } else {
                sbuf_puts(&o, ">\n    <system-out>");
                struct sbuf m = SBUF_INIT;
                sbuf_printf(&m, "%s = %s: %s (target %s, acceptable %s)", str(e, "expr", "value"),
                            val, tier, str(e, "target", "-"), str(e, "acceptable", "-"));
                sbuf_put_xml(&o, sbuf_str(&m));
                sbuf_free(&m);
                sbuf_puts(&o, "</system-out>\n  </testcase>\n");
            }
        }
    } else {
        json_array_foreach(sc, i, e)
        {
            sbuf_puts(&o, "  <testcase classname=\"surge.");
            sbuf_put_xml(&o, str(e, "name", "scenario"));
            sbuf_printf(&o, "\" name=\"completed\" time=\"%.3f\"",
                        json_number_value(json_object_get(e, "duration_s")));
            if (interrupted) {
                sbuf_puts(&o, ">\n    <failure type=\"interrupted\" message=\"the run was interrupted");
                if (json_is_string(json_object_get(doc, "interrupted_by"))) {
                    sbuf_puts(&o, " by ");
                    sbuf_put_xml(&o, str(doc, "interrupted_by", ""));
                }
                sbuf_puts(&o, "\"/>\n  </testcase>\n");
            } else {
                sbuf_puts(&o, "/>\n");
            }
        }
    }
    sbuf_puts(&o, "</testsuite>\n</testsuites>\n");
    char path[4200];
    snprintf(path, sizeof path, "%s/junit.xml", dir);
    int rc = outfile_write(path, sbuf_str(&o), o.len, err, errlen);
    sbuf_free(&o);
    return rc;
}
