/* load_watch.c — the plan's `watch:` section and `target:` as a map (the service surge
 * starts): every value checked with FILE:LINE:COL, into struct plan_watch and
 * struct plan_service. */
#include "engine/url.h"
#include "plan/load_int.h"
#include "util/units.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TARGET_KEYS[] = {"url",   "command",       "cwd",        "env",
                                          "ready", "ready_timeout", "stop_grace", "on_target_exit",
                                          NULL};
static const char *const WATCH_KEYS[] = {"interval", "baseline", "process", "prometheus", "promql",
                                         "health",   "gpu",      "logs",    NULL};
static const char *const PROCESS_KEYS[] = {"pid", "pid_file", "cgroup", NULL};
static const char *const PROM_KEYS[] = {"url", "metrics", "max_series", NULL};
static const char *const PROMQL_KEYS[] = {"url", "queries", "step", NULL};
static const char *const HEALTH_KEYS[] = {"url", "path", "timeout", NULL};
static const char *const LOG_KEYS[] = {"file", "match", NULL};

/* A duration in seconds, not scaled by --time-scale (it is about the real service). */
static int seconds(struct ld *l, const struct ynode *n, const char *what, double min_s,
                   double *out)
{
    uint64_t us;
    if (!n || n->kind != YN_SCALAR || yaml_is_null(n) || units_parse_duration(n->str, 0, &us)) {
        ld_errn(l, n, "%s: expected a duration such as 1s or 500ms, got %s%s%s%s", what,
                yaml_kind_name(n), n && n->kind == YN_SCALAR ? " '" : "",
                n && n->kind == YN_SCALAR ? n->str : "", n && n->kind == YN_SCALAR ? "'" : "");
        return -1;
    }
    if ((double)us / 1e6 < min_s) {
        ld_errn(l, n, "%s: %s is too short (at least %gms)", what, n->str, min_s * 1e3);
        return -1;
    }
    *out = (double)us / 1e6;
    return 0;
}

/* An absolute http(s) URL, or a path ("/health") on the plan's target URL. */
static char *url_or_path(struct ld *l, const struct ynode *n, const char *what, const char *base)
{
    const char *s = ld_str(l, n, what);
    if (!s)
        return NULL;
    char err[200];
    struct url u = {0};
    if (s[0] == '/') {
        if (!base || url_parse(base, &u, err, sizeof err)) {
            ld_errn(l, n, "%s: a path ('%s') needs a valid target URL to go with", what, s);
            return NULL;
        }
        size_t cap = strlen(u.authority) + strlen(s) + 16;
        char *r = malloc(cap);
        if (r)
            snprintf(r, cap, "%s://%s%s", u.tls ? "https" : "http", u.authority, s);
        else
            l->oom = 1;
        url_free(&u);
        return r;
    }
    if (url_parse(s, &u, err, sizeof err)) {
        ld_errn(l, n, "%s: bad URL '%s': %s (or give a path such as /health)", what, s, err);
        return NULL;
    }
    url_free(&u);
    return ld_strdup(l, s);
}

static char **str_list(struct ld *l, const struct ynode *n, const char *what, int *count)
{
    if (ld_want_seq(l, n, what))
        return NULL;
    if (n->n == 0) {
        ld_errn(l, n, "%s: the list is empty", what);
        return NULL;
    }
    char **v = calloc((size_t)n->n + 1, sizeof *v);
    if (!v) {
        l->oom = 1;
        return NULL;
    }
    int k = 0;
    for (int i = 0; i < n->n; i++) {
        const char *s = ld_str(l, n->items[i], what);
        if (s)
            v[k++] = ld_strdup(l, s);
    }
    *count = k;
    return v;
}

static void free_list(char **v, int n)
{
    for (int i = 0; v && (n < 0 ? v[i] != NULL : i < n); i++)
        free(v[i]);
    free(v);
}

/* ---- target: {url, command, ...} ---- */

void ld_target_map(struct ld *l, const struct ynode *n)
{
    struct plan *p = l->p;
    ld_check_keys(l, n, "target", TARGET_KEYS);
    const struct ynode *v = yaml_map_get(n, "url");
    if (!v) {
        ld_errn(l, n, "target: needs url: (the service's base URL) besides command:");
    } else {
        const char *s = ld_str(l, v, "target.url");
        char err[200];
        struct url u = {0};
        if (s && url_parse(s, &u, err, sizeof err) != 0)
            ld_errn(l, v, "target.url: bad URL '%s': %s", s, err);
        else if (s)
            p->target = ld_strdup(l, s);
        url_free(&u);
        p->target_loc = (struct plan_loc){v->line, v->col};
    }
    struct plan_service *sv = calloc(1, sizeof *sv);
    if (!sv) {
        l->oom = 1;
        return;
    }
    p->service = sv;
    sv->loc = (struct plan_loc){n->line, n->col};
    sv->ready_timeout_s = 30;
    sv->stop_grace_s = 10;
    if ((v = yaml_map_get(n, "command"))) {
        if (v->kind == YN_SEQ) {
            int cnt = 0;
            sv->argv = str_list(l, v, "target.command", &cnt);
        } else {
            const char *s = ld_str(l, v, "target.command");
            if (s && !s[strspn(s, " \t\n")])
                ld_errn(l, v, "target.command: the command is empty");
            else if (s)
                sv->command = ld_strdup(l, s);
        }
    } else {
        ld_errn(l, n, "target: as a mapping it needs command: (the service to start); "
                      "for a service surge does not start, give the URL alone");
    }
    if ((v = yaml_map_get(n, "cwd"))) {
        const char *s = ld_str(l, v, "target.cwd");
        if (s && s[0] != '/' && strcmp(l->dir, ".")) {
            size_t cap = strlen(l->dir) + strlen(s) + 2;
            if ((sv->cwd = malloc(cap)))
                snprintf(sv->cwd, cap, "%s/%s", l->dir, s);
            else
                l->oom = 1;
        } else if (s) {
            sv->cwd = ld_strdup(l, s);
        }
    }
    if ((v = yaml_map_get(n, "env")) && !ld_want_map(l, v, "target.env")) {
        sv->env = calloc((size_t)v->n + 1, sizeof *sv->env);
        if (!sv->env)
            l->oom = 1;
        for (int i = 0; sv->env && i < v->n; i++) {
            const struct ynode *k = v->items[2 * i], *x = v->items[2 * i + 1];
            if (!k->str[0] || strchr(k->str, '=')) {
                ld_errn(l, k, "target.env: bad variable name '%s'", k->str);
                continue;
            }
            const char *s = ld_str(l, x, "target.env value");
            if (!s)
                continue;
            size_t cap = strlen(k->str) + strlen(s) + 2;
            char *e = malloc(cap);
            if (!e) {
                l->oom = 1;
                continue;
            }
            snprintf(e, cap, "%s=%s", k->str, s);
            sv->env[sv->nenv++] = e;
        }
    }
    if ((v = yaml_map_get(n, "ready")))
        sv->ready = url_or_path(l, v, "target.ready", p->target);
    if ((v = yaml_map_get(n, "ready_timeout")))
        seconds(l, v, "target.ready_timeout", 0.1, &sv->ready_timeout_s);
    if ((v = yaml_map_get(n, "stop_grace")))
        seconds(l, v, "target.stop_grace", 0, &sv->stop_grace_s);
    if ((v = yaml_map_get(n, "on_target_exit"))) {
        const char *s = ld_str(l, v, "target.on_target_exit");
        if (s && !strcmp(s, "abort"))
            sv->abort_on_exit = 1;
        else if (s && strcmp(s, "continue"))
            ld_errn(l, v, "target.on_target_exit: '%s' is not continue or abort", s);
    }
}

void ld_service_free(struct plan_service *sv)
{
    if (!sv)
        return;
    free(sv->command);
    free_list(sv->argv, -1);
    free(sv->cwd);
    free_list(sv->env, sv->nenv);
    free(sv->ready);
    free(sv);
}

/* ---- watch: ---- */

static void process(struct ld *l, struct plan_watch *w, const struct ynode *n)
{
    if (ld_want_map(l, n, "watch.process"))
        return;
    ld_check_keys(l, n, "watch.process", PROCESS_KEYS);
    if (n->n != 1) {
        ld_errn(l, n, "watch.process: give one of pid:, pid_file: or cgroup:");
        return;
    }
    const struct ynode *v;
    long long pid;
    if ((v = yaml_map_get(n, "pid")) && !ld_int(l, v, "watch.process.pid", 1, 0x7fffffff, &pid))
        w->pid = (int)pid;
    if ((v = yaml_map_get(n, "pid_file"))) {
        const char *s = ld_str(l, v, "watch.process.pid_file");
        if (s && s[0] != '/' && strcmp(l->dir, ".")) {
            size_t cap = strlen(l->dir) + strlen(s) + 2;
            if ((w->pid_file = malloc(cap)))
                snprintf(w->pid_file, cap, "%s/%s", l->dir, s);
        } else if (s) {
            w->pid_file = ld_strdup(l, s);
        }
    }
    if ((v = yaml_map_get(n, "cgroup"))) {
        const char *s = ld_str(l, v, "watch.process.cgroup");
        if (s)
            w->cgroup = ld_strdup(l, s);
    }
}

static void prometheus(struct ld *l, struct plan_watch *w, const struct ynode *n)
{
    if (ld_want_map(l, n, "watch.prometheus"))
        return;
    ld_check_keys(l, n, "watch.prometheus", PROM_KEYS);
    w->prom_loc = (struct plan_loc){n->line, n->col};
    const struct ynode *v = yaml_map_get(n, "url");
    if (!v)
        ld_errn(l, n, "watch.prometheus: needs url: (the /metrics endpoint, or a path on the "
                      "target)");
    else
        w->prom_url = url_or_path(l, v, "watch.prometheus.url", l->p->target);
    if ((v = yaml_map_get(n, "metrics")))
        w->prom_metrics = str_list(l, v, "watch.prometheus.metrics", &w->nprom_metrics);
    long long ms;
    if ((v = yaml_map_get(n, "max_series")) &&
        !ld_int(l, v, "watch.prometheus.max_series", 1, 100000, &ms))
        w->prom_max_series = (int)ms;
}

static void promql(struct ld *l, struct plan_watch *w, const struct ynode *n)
{
    if (ld_want_map(l, n, "watch.promql"))
        return;
    ld_check_keys(l, n, "watch.promql", PROMQL_KEYS);
    w->promql_loc = (struct plan_loc){n->line, n->col};
    const struct ynode *v = yaml_map_get(n, "url");
    if (!v)
        ld_errn(l, n, "watch.promql: needs url: (the Prometheus server, http://host:9090)");
    else
        w->promql_url = url_or_path(l, v, "watch.promql.url", NULL);
    v = yaml_map_get(n, "queries");
    if (!v) {
        ld_errn(l, n, "watch.promql: needs queries: {name: expression}");
    } else if (!ld_want_map(l, v, "watch.promql.queries")) {
        if (!v->n)
            ld_errn(l, v, "watch.promql.queries: no queries");
        w->promql_names = calloc((size_t)v->n + 1, sizeof *w->promql_names);
        w->promql_queries = calloc((size_t)v->n + 1, sizeof *w->promql_queries);
        if (!w->promql_names || !w->promql_queries)
            l->oom = 1;
        for (int i = 0; !l->oom && i < v->n; i++) {
            const char *q = ld_str(l, v->items[2 * i + 1], "watch.promql query");
            if (!q)
                continue;
            w->promql_names[w->npromql] = ld_strdup(l, v->items[2 * i]->str);
            w->promql_queries[w->npromql++] = ld_strdup(l, q);
        }
    }
    if ((v = yaml_map_get(n, "step")))
        seconds(l, v, "watch.promql.step", 0.001, &w->promql_step_s);
}

static void health(struct ld *l, struct plan_watch *w, const struct ynode *n)
{
    const struct ynode *v;
    if (n->kind == YN_SCALAR) { /* health: URL-or-path */
        w->health_url = url_or_path(l, n, "watch.health", l->p->target);
        return;
    }
    if (ld_want_map(l, n, "watch.health"))
        return;
    ld_check_keys(l, n, "watch.health", HEALTH_KEYS);
    const struct ynode *u = yaml_map_get(n, "url"), *p = yaml_map_get(n, "path");
    if ((u != NULL) == (p != NULL))
        ld_errn(l, n, "watch.health: give one of url: or path:");
    else
        w->health_url = url_or_path(l, u ? u : p, u ? "watch.health.url" : "watch.health.path",
                                    l->p->target);
    if ((v = yaml_map_get(n, "timeout")))
        seconds(l, v, "watch.health.timeout", 0.001, &w->health_timeout_s);
}

static void logs(struct ld *l, struct plan_watch *w, const struct ynode *n)
{
    if (ld_want_seq(l, n, "watch.logs"))
        return;
    if (!(w->logs = calloc((size_t)n->n + 1, sizeof *w->logs))) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < n->n; i++) {
        const struct ynode *m = n->items[i], *f, *mt;
        if (ld_want_map(l, m, "watch.logs entry"))
            continue;
        ld_check_keys(l, m, "watch.logs entry", LOG_KEYS);
        struct plan_watch_log *lg = &w->logs[w->nlogs++];
        lg->loc = (struct plan_loc){m->line, m->col};
        if (!(f = yaml_map_get(m, "file"))) {
            ld_errn(l, m, "watch.logs entry: needs file:");
        } else {
            const char *s = ld_str(l, f, "watch.logs.file");
            if (s && s[0] != '/' && strcmp(l->dir, ".")) {
                size_t cap = strlen(l->dir) + strlen(s) + 2;
                if ((lg->file = malloc(cap)))
                    snprintf(lg->file, cap, "%s/%s", l->dir, s);
            } else if (s) {
                lg->file = ld_strdup(l, s);
            }
        }
        if (!(mt = yaml_map_get(m, "match"))) {
            ld_errn(l, m, "watch.logs entry: needs match: {name: regex}");
            continue;
        }
        if (ld_want_map(l, mt, "watch.logs.match"))
            continue;
        lg->names = calloc((size_t)mt->n + 1, sizeof *lg->names);
        lg->regexes = calloc((size_t)mt->n + 1, sizeof *lg->regexes);
        if (!lg->names || !lg->regexes) {
            l->oom = 1;
            continue;
        }
        for (int k = 0; k < mt->n; k++) {
            const struct ynode *key = mt->items[2 * k], *re = mt->items[2 * k + 1];
            if (!ld_is_ident(key->str)) {
                ld_errn(l, key, "watch.logs.match: bad name '%s' (letters, digits, _)", key->str);
                continue;
            }
            const char *s = ld_str(l, re, "watch.logs.match regex");
            if (!s)
                continue;
            regex_t rx;
            int rc = regcomp(&rx, s, REG_EXTENDED);
            if (rc) {
                char msg[160];
                regerror(rc, &rx, msg, sizeof msg);
                ld_errn(l, re, "watch.logs.match.%s: bad regex '%s': %s", key->str, s, msg);
                continue;
            }
            regfree(&rx);
            lg->names[lg->n] = ld_strdup(l, key->str);
            lg->regexes[lg->n++] = ld_strdup(l, s);
        }
    }
}

void ld_watch(struct ld *l, const struct ynode *n)
{
    if (!n || yaml_is_null(n) || ld_want_map(l, n, "watch"))
        return;
    ld_check_keys(l, n, "watch", WATCH_KEYS);
    struct plan_watch *w = calloc(1, sizeof *w);
    if (!w) {
        l->oom = 1;
        return;
    }
    l->p->watch_cfg = w;
    w->interval_s = 1;
    w->baseline_s = 5;
    const struct ynode *v;
    if ((v = yaml_map_get(n, "interval")))
        seconds(l, v, "watch.interval", 0.05, &w->interval_s);
    if ((v = yaml_map_get(n, "baseline"))) {
        w->has_baseline = 1;
        seconds(l, v, "watch.baseline", 0, &w->baseline_s);
    }
    if ((v = yaml_map_get(n, "process")))
        process(l, w, v);
    if ((v = yaml_map_get(n, "prometheus")))
        prometheus(l, w, v);
    if ((v = yaml_map_get(n, "promql")))
        promql(l, w, v);
    if ((v = yaml_map_get(n, "health")))
        health(l, w, v);
    if ((v = yaml_map_get(n, "gpu")))
        ld_bool(l, v, "watch.gpu", &w->gpu);
    if ((v = yaml_map_get(n, "logs")))
        logs(l, w, v);
}

void ld_watch_free(struct plan_watch *w)
{
    if (!w)
        return;
    free(w->pid_file);
    free(w->cgroup);
    free(w->prom_url);
    free_list(w->prom_metrics, w->nprom_metrics);
    free(w->promql_url);
    free_list(w->promql_names, w->npromql);
    free_list(w->promql_queries, w->npromql);
    free(w->health_url);
    for (int i = 0; w->logs && i < w->nlogs; i++) {
        free(w->logs[i].file);
        free_list(w->logs[i].names, w->logs[i].n);
        free_list(w->logs[i].regexes, w->logs[i].n);
    }
    free(w->logs);
    free(w);
}
