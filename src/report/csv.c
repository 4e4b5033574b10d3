/* csv.c — series.csv (RFC 4180 quoting) from the results document's series. */
#include "report/csv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/outfile.h"
#include "util/sbuf.h"

static void field(struct sbuf *o, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        sbuf_puts(o, s);
        return;
    }
    sbuf_putc(o, '"');
    for (; *s; s++) {
        if (*s == '"')
            sbuf_putc(o, '"');
        sbuf_putc(o, *s);
    }
    sbuf_putc(o, '"');
}

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* The metric's sample at t (series pairs [t_run, value]), or NAN. */
static double sample_at(const json_t *ser, double t)
{
    size_t i;
    const json_t *p;
    json_array_foreach(ser, i, p)
        if (json_number_value(json_array_get(p, 0)) == t && json_is_number(json_array_get(p, 1)))
            return json_number_value(json_array_get(p, 1));
    return NAN;
}

int csv_write(const json_t *doc, const char *dir, char *err, int errlen)
{
    struct sbuf o = SBUF_INIT;
    const json_t *ms = json_object_get(json_object_get(doc, "watch"), "metrics");
    sbuf_puts(&o, "scenario,t_run,t,span,requests,failed,rps,vus,bytes_in,p50_ms,p90_ms,p95_ms,"
                  "p99_ms,max_ms,errors");
    size_t i, j, k;
    const json_t *m, *s, *p;
    json_array_foreach(ms, i, m)
    {
        sbuf_putc(&o, ',');
        field(&o, json_string_value(json_object_get(m, "name")) ? json_string_value(json_object_get(m, "name")) : "");
    }
    sbuf_puts(&o, "\r\n");
    json_array_foreach(json_object_get(doc, "scenarios"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "name"));
        double start = num(s, "start_s");
        json_array_foreach(json_object_get(s, "series"), j, p)
        {
            double span = json_is_number(json_object_get(p, "span")) ? num(p, "span") : 1;
            double t = num(p, "t");
            double tr = json_is_number(json_object_get(p, "t_run")) ? num(p, "t_run") : start + t;
            double errs = 0;
            const char *key;
            const json_t *v;
            json_object_foreach(json_object_get(p, "errors"), key, v)
                errs += json_number_value(v);
            field(&o, name ? name : "");
            sbuf_printf(&o, ",%g,%g,%g,%.0f,%.0f,%.3f,%.0f,%.0f,%.3f,%.3f,%.3f,%.3f,%.3f,%.0f", tr,
                        t, span, num(p, "requests"), num(p, "failed"), num(p, "requests") / span,
                        num(p, "vus"), num(p, "bytes_in"), num(p, "p50_ms"), num(p, "p90_ms"),
                        num(p, "p95_ms"), num(p, "p99_ms"), num(p, "max_ms"), errs);
            json_array_foreach(ms, k, m)
            {
                double x = sample_at(json_object_get(m, "series"), tr);
                if (isfinite(x))
                    sbuf_printf(&o, ",%.15g", x);
                else
                    sbuf_putc(&o, ',');
            }
            sbuf_puts(&o, "\r\n");
        }
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/series.csv", dir);
    int rc = outfile_write(path, sbuf_str(&o), o.len, err, errlen);
    sbuf_free(&o);
    return rc;
}
