/* histfile.c — histograms.json: a run's full latency histograms, encoded, for exact
 * merges of distributed runs. */
#include "report/histfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/hlog.h"
#include "util/sbuf.h"

struct histfile {
    json_t *doc;
};

json_t *histfile_entry(const hist *h)
{
    struct sbuf b = SBUF_INIT;
    if (hlog_encode(h, &b)) {
        sbuf_free(&b);
        return NULL;
    }
    json_t *e = json_pack("{s:I, s:I, s:I, s:s}", "count", (json_int_t)hist_count(h), "min",
                          (json_int_t)hist_min(h), "max", (json_int_t)hist_max(h), "hdr",
                          sbuf_str(&b));
    sbuf_free(&b);
    return e;
}

int histfile_read(const json_t *e, hist **out)
{
    const json_t *hdr = json_object_get(e, "hdr"), *cnt = json_object_get(e, "count");
    const json_t *mn = json_object_get(e, "min"), *mx = json_object_get(e, "max");
    if (!json_is_string(hdr) || !json_is_integer(cnt) || !json_is_integer(mn) ||
        !json_is_integer(mx))
        return -EINVAL;
    json_int_t count = json_integer_value(cnt), lo = json_integer_value(mn),
               hi = json_integer_value(mx);
    if (count < 0 || lo < 0 || hi < lo)
        return -EINVAL;
    hist *h;
    int rc = hlog_decode(json_string_value(hdr), json_string_length(hdr),
                         count ? lo : -1, count ? hi : -1, &h);
    if (rc)
        return rc;
    if (hist_count(h) != count || (count && (hist_min(h) != lo || hist_max(h) != hi))) {
        hist_free(h);
        return -EINVAL;
    }
    *out = h;
    return 0;
}

histfile *histfile_new(void)
{
    histfile *f = calloc(1, sizeof *f);
    if (!f || !(f->doc = json_pack("{s:s, s:s, s:{}}", "schema", "surge.histograms/1", "unit",
                                   "us", "scenarios"))) {
        free(f);
        return NULL;
    }
    return f;
}

void histfile_free(histfile *f)
{
    if (!f)
        return;
    json_decref(f->doc);
    free(f);
}

json_t *histfile_doc(histfile *f)
{
    return f->doc;
}

/* scenarios[name], made when missing. */
static json_t *scenario(histfile *f, const char *name)
{
    json_t *all = json_object_get(f->doc, "scenarios"), *s = json_object_get(all, name);
    if (!s && (s = json_object()) && json_object_set_new(all, name, s))
        return NULL;
    return s;
}

int histfile_second(histfile *f, const char *name, uint32_t t_run, const hist *lat)
{
    json_t *s = scenario(f, name), *secs = json_object_get(s, "seconds");
    if (s && !secs && (secs = json_array()) && json_object_set_new(s, "seconds", secs))
        secs = NULL;
    json_t *e = histfile_entry(lat);
    if (!secs || !e || json_object_set_new(e, "t_run", json_integer(t_run)) ||
        json_array_append_new(secs, e))
        return -ENOMEM;
    return 0;
}

static json_t *subs(const struct sub_result *u, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        if (json_array_append_new(a, histfile_entry(u[i].lat))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

int histfile_results(histfile *f, const struct run_result *r)
{
    if (r->segment[0] && json_object_set_new(f->doc, "segment", json_string(r->segment)))
        return -ENOMEM;
    for (int i = 0; i < r->nscenarios; i++) {
        const struct scenario_result *sc = &r->sc[i];
        json_t *s = scenario(f, sc->name);
        if (!s || json_object_set_new(s, "latency", histfile_entry(sc->lat)))
            return -ENOMEM;
        if (!sc->is_plan)
            continue;
        if (json_object_set_new(s, "iteration", histfile_entry(sc->iter_lat)) ||
            json_object_set_new(s, "steps", subs(sc->steps, sc->nsteps)) ||
            json_object_set_new(s, "transactions", subs(sc->txns, sc->ntxns)) ||
            json_object_set_new(s, "levels", subs(sc->levels, sc->nlevels)))
            return -ENOMEM;
    }
    return 0;
}
