/* results_json.c — results.json (schema surge.results/2), written with jansson. */
#include "report/results.h"
#include "report/outfile.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* Round to microsecond precision so the file reads well and diffs stay small. */
static json_t *num(double v)
{
    if (!isfinite(v))
        v = 0;
    return json_real(round(v * 1000.0) / 1000.0);
}

static json_t *latency_obj(const hist *h)
{
    struct latency_ms l;
    results_latency(h, &l);
    json_t *o = json_object();
    json_object_set_new(o, "min", num(l.min));
    json_object_set_new(o, "avg", num(l.avg));
    json_object_set_new(o, "stdev", num(l.stdev));
    json_object_set_new(o, "p50", num(l.p50));
    json_object_set_new(o, "p90", num(l.p90));
    json_object_set_new(o, "p95", num(l.p95));
    json_object_set_new(o, "p99", num(l.p99));
    json_object_set_new(o, "p999", num(l.p999));
    json_object_set_new(o, "max", num(l.max));
    return o;
}

static json_t *status_obj(const struct stats_counts *c)
{
    json_t *o = json_object();
    for (int i = 0; i < STATS_STATUS_MAX; i++) {
        if (c->status[i]) {
            char k[16];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(o, k, json_integer((json_int_t)c->status[i]));
        }
    }
    return o;
}

static json_t *errors_obj(const uint64_t *errors)
{
    json_t *o = json_object();
    for (int i = 1; i < ERR__COUNT; i++)
        if (errors[i])
            json_object_set_new(o, errclass_name((enum errclass)i),
                                json_integer((json_int_t)errors[i]));
    return o;
}

json_t *results_json_point(const struct series_point *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "t", json_integer(p->t));
    json_object_set_new(o, "t_run", json_integer(p->t_run));
    if (p->span != 1)
        json_object_set_new(o, "span", json_integer(p->span));
    json_object_set_new(o, "requests", json_integer((json_int_t)p->requests));
    json_object_set_new(o, "failed", json_integer((json_int_t)p->failed));
    json_object_set_new(o, "bytes_in", json_integer((json_int_t)p->bytes_in));
    json_object_set_new(o, "vus", json_integer(p->vus));
    json_object_set_new(o, "dropped", json_integer((json_int_t)p->dropped));
    json_object_set_new(o, "refused", json_integer((json_int_t)p->errors[ERR_CONNECT_REFUSED]));
    json_object_set_new(o, "p50_ms", num(p->p50_ms));
    json_object_set_new(o, "p90_ms", num(p->p90_ms));
    json_object_set_new(o, "p95_ms", num(p->p95_ms));
    json_object_set_new(o, "p99_ms", num(p->p99_ms));
    json_object_set_new(o, "max_ms", num(p->max_ms));
    json_object_set_new(o, "errors", errors_obj(p->errors));
    if (p->has_ws) {
        json_object_set_new(o, "ws_active", json_integer((json_int_t)p->ws_active));
        json_object_set_new(o, "ws_messages_in", json_integer((json_int_t)p->ws_msgs_in));
    }
    return o;
}

/* WebSocket counters of a scenario or a step, or NULL when it had none. */
static json_t *ws_obj(const struct stats_counts *c)
{
    if (!c->ws_opens && !c->ws_msgs_in && !c->ws_msgs_out && !c->ws_reconnects)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "opened", json_integer((json_int_t)c->ws_opens));
    json_object_set_new(o, "closed", json_integer((json_int_t)c->ws_closes));
    json_object_set_new(o, "messages_in", json_integer((json_int_t)c->ws_msgs_in));
    json_object_set_new(o, "messages_out", json_integer((json_int_t)c->ws_msgs_out));
    json_object_set_new(o, "reconnects", json_integer((json_int_t)c->ws_reconnects));
    return o;
}

static json_t *series_arr(const series *s)
{
    json_t *a = json_array();
    struct series_point p;
    for (size_t i = 0; s && i < series_len(s); i++)
        json_array_append_new(a, results_json_point(series_get(s, i, &p)));
    return a;
}

static json_t *sub_obj(const struct sub_result *u, int with_status, int level)
{
    return results_json_sub(u, with_status, level);
}

json_t *results_json_sub(const struct sub_result *u, int with_status, int level)
{
    const struct stats_counts *c = u->counts;
    json_t *o = json_object();
    if (level) {
        json_object_set_new(o, "vus", json_integer(u->vus));
    } else {
        json_object_set_new(o, "name", json_string(u->name));
    }
    json_object_set_new(o, with_status ? "requests" : "count", json_integer((json_int_t)c->requests));
    json_object_set_new(o, "failed", json_integer((json_int_t)c->failed));
    if (level) {
        json_object_set_new(o, "success_rate", num(results_success_rate(c)));
        json_object_set_new(o, "duration_s", num(u->duration_s));
        json_object_set_new(o, "rps", num(u->duration_s > 0 ? (double)c->requests / u->duration_s : 0));
    }
    if (with_status) {
        json_object_set_new(o, "status", status_obj(c));
        json_object_set_new(o, "errors", errors_obj(c->errors));
    }
    json_object_set_new(o, "latency_ms", latency_obj(u->lat));
    json_t *w = ws_obj(c);
    if (w)
        json_object_set_new(o, "ws", w);
    return o;
}

static json_t *plan_parts(json_t *o, const struct scenario_result *s)
{
    json_object_set_new(o, "iterations", json_integer((json_int_t)s->iter_counts->requests));
    json_object_set_new(o, "iterations_failed", json_integer((json_int_t)s->iter_counts->failed));
    json_object_set_new(o, "dropped", json_integer((json_int_t)s->dropped));
    json_object_set_new(o, "aborted", json_integer((json_int_t)s->aborted));
    json_object_set_new(o, "iteration_ms", latency_obj(s->iter_lat));
    json_t *a = json_array();
    for (int i = 0; i < s->nsteps; i++)
        json_array_append_new(a, sub_obj(&s->steps[i], 1, 0));
    json_object_set_new(o, "steps", a);
    a = json_array();
    for (int i = 0; i < s->ntxns; i++)
        json_array_append_new(a, sub_obj(&s->txns[i], 0, 0));
    json_object_set_new(o, "transactions", a);
    if (s->nlevels) {
        a = json_array();
        for (int i = 0; i < s->nlevels; i++)
            json_array_append_new(a, sub_obj(&s->levels[i], 1, 1));
        json_object_set_new(o, "levels", a);
    }
    return o;
}

static json_t *scenario_obj(const struct scenario_result *s)
{
    const struct stats_counts *c = &s->counts;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "executor", json_string(s->executor));
    json_object_set_new(o, "duration_s", num(s->duration_s));
    json_object_set_new(o, "start_s", s->start_s >= 0 ? num(s->start_s) : json_null());
    json_object_set_new(o, "vus_max", json_integer(s->vus_max));
    json_object_set_new(o, "vus_allocated", json_integer(s->vus_allocated));
    if (s->rate > 0)
        json_object_set_new(o, "rate", num(s->rate));
    json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
    json_object_set_new(o, "failed", json_integer((json_int_t)c->failed));
    json_object_set_new(o, "success_rate", num(results_success_rate(c)));
    json_object_set_new(o, "rps",
                        num(s->duration_s > 0 ? (double)c->requests / s->duration_s : 0));
    json_object_set_new(o, "bytes_in", json_integer((json_int_t)c->bytes_in));
    json_object_set_new(o, "bytes_out", json_integer((json_int_t)c->bytes_out));
    json_object_set_new(o, "connects", json_integer((json_int_t)c->connects));
    json_object_set_new(o, "status", status_obj(c));
    json_object_set_new(o, "errors", errors_obj(c->errors));
    json_t *det = json_object();
    for (int i = 1; i < ERR__COUNT; i++)
        if (s->error_detail[i][0])
            json_object_set_new(det, errclass_name((enum errclass)i),
                                json_string(s->error_detail[i]));
    json_object_set_new(o, "error_examples", det);
    json_object_set_new(o, "latency_ms", latency_obj(s->lat));
    json_object_set_new(o, "series", series_arr(s->ser));
    json_t *w = ws_obj(c);
    if (w)
        json_object_set_new(o, "ws", w);
    if (s->is_plan)
        plan_parts(o, s);
    return o;
}

json_t *results_json_build(const struct run_result *r)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("surge.results/2"));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("surge"));
    json_object_set_new(tool, "version", json_string(SURGE_VERSION));
    json_object_set_new(root, "tool", tool);
    json_object_set_new(root, "started", json_string(r->started));
    json_object_set_new(root, "duration_s", num(r->duration_s));
    if (r->url)
        json_object_set_new(root, "target", json_string(r->url));
    json_object_set_new(root, "interrupted",
                        json_boolean(r->interrupted || r->unreachable || r->saturated_abort));
    if (r->saturated_abort && !r->interrupted && !r->unreachable)
        json_object_set_new(root, "interrupted_by", json_string("saturated"));
    else if (r->unreachable)
        json_object_set_new(root, "interrupted_by", json_string("unreachable"));
    else if (r->interrupted)
        json_object_set_new(root, "interrupted_by",
                            json_string(r->interrupted == SIGINT    ? "SIGINT"
                                        : r->interrupted == SIGTERM ? "SIGTERM"
                                                                    : "abort"));
    if (r->generator)
        json_object_set_new(root, "generator", json_deep_copy(r->generator));
    if (r->target) {
        json_t *q = json_object();
        json_object_set_new(q, "url", json_string(r->target));
        json_object_set_new(q, "threads", json_integer(r->threads));
        json_object_set_new(q, "connections", json_integer(r->connections));
        json_object_set_new(q, "co_corrected", json_boolean(r->co_corrected));
        json_object_set_new(root, "quick", q);
    }
    if (r->plan_file)
        json_object_set_new(root, "plan", json_string(r->plan_file));
    if (r->segment[0])
        json_object_set_new(root, "segment", json_string(r->segment));
    json_t *sc = json_array();
    for (int i = 0; i < r->nscenarios; i++)
        json_array_append_new(sc, scenario_obj(&r->sc[i]));
    json_object_set_new(root, "scenarios", sc);
    return root;
}

int results_json_save(const json_t *root, const char *path, char *err, int errlen)
{
    int rc = 0;
    size_t flags = JSON_INDENT(1) | JSON_REAL_PRECISION(12);
    if (!strcmp(path, "-")) {
        rc = json_dumpf(root, stdout, flags);
        fputc('\n', stdout);
        fflush(stdout);
    } else {
        /* atomically, 0644, never through a planted symlink (outfile_write) */
        char *text = json_dumps(root, flags);
        if (!text) {
            snprintf(err, (size_t)errlen, "cannot write '%s': out of memory", path);
            return -1;
        }
        rc = outfile_write(path, text, strlen(text), err, errlen);
        free(text);
    }
    return rc ? -1 : 0;
}

int results_json_write(const struct run_result *r, const char *path, char *err, int errlen)
{
    json_t *root = results_json_build(r);
    if (!root) {
        snprintf(err, (size_t)errlen, "cannot write '%s': out of memory", path);
        return -1;
    }
    int rc = results_json_save(root, path, err, errlen);
    json_decref(root);
    return rc;
}
