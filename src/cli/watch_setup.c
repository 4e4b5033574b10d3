/* watch_setup.c — plan sections and quick-mode flags turned into a watch with its
 * sources and target. */
#include "cli/watch_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch/health.h"
#include "watch/proc.h"

/* Strings the watch's configurations point at, kept with the plan's life: the target's
 * log path lives here (one watch per process). */
static char log_path[4200];

static int add(watch *w, wsrc *s, const char *file, struct plan_loc loc, const char *what,
               const char *why, char *err, int errlen)
{
    if (s)
        return watch_add(w, s);
    if (loc.line > 0)
        snprintf(err, (size_t)errlen, "%s:%d:%d: %s: %s", file, loc.line, loc.col, what, why);
    else
        snprintf(err, (size_t)errlen, "%s: %s: %s", file, what, why);
    return -1;
}

static int add_flags(watch *w, const struct watch_quick *q, double interval, char *err,
                     int errlen);

int watch_setup_plan(const struct plan *p, const char *out_dir, const struct watch_quick *fl,
                     watch **out, char *err, int errlen)
{
    const struct plan_watch *pw = p->watch_cfg;
    const struct plan_service *sv = p->service;
    static const struct watch_quick no_flags = {.baseline_s = -1};
    if (!fl)
        fl = &no_flags;
    *out = NULL;
    if (!pw && !sv && !fl->pid && !fl->prom_url && !fl->health_url)
        return 0;
    struct watch_opts o = {.interval_s = pw ? pw->interval_s : 1,
                           .baseline_s = pw ? pw->baseline_s : 5,
                           .has_baseline = pw ? pw->has_baseline : 0,
                           .warn = stderr};
    if (fl->interval_s > 0)
        o.interval_s = fl->interval_s;
    if (fl->baseline_s >= 0) {
        o.baseline_s = fl->baseline_s;
        o.has_baseline = 1;
    }
    watch *w = watch_new(&o);
    if (!w) {
        snprintf(err, (size_t)errlen, "out of memory");
        return -1;
    }
    char why[300];
    struct plan_loc none = {0, 0};
    if (add_flags(w, fl, o.interval_s, err, errlen))
        goto fail;
    if (pw) {
        if ((pw->pid || pw->pid_file) && !fl->pid) {
            struct watch_proc_cfg c = {.pid = pw->pid, .pid_file = pw->pid_file};
            if (add(w, wsrc_process_new(&c, why, sizeof why), p->file, none, "watch.process",
                    why, err, errlen))
                goto fail;
        }
        if (pw->cgroup) {
            struct watch_cgroup_cfg c = {.path = pw->cgroup};
            if (add(w, wsrc_cgroup_new(&c, why, sizeof why), p->file, none, "watch.process",
                    why, err, errlen))
                goto fail;
        }
        if (pw->prom_url && !fl->prom_url) {
            struct watch_prom_cfg c = {.url = pw->prom_url,
                                       .metrics = (const char *const *)pw->prom_metrics,
                                       .nmetrics = pw->nprom_metrics,
                                       .max_series = pw->prom_max_series ? pw->prom_max_series
                                                                         : 200,
                                       .timeout_s = pw->interval_s};
            if (add(w, wsrc_prometheus_new(&c, why, sizeof why), p->file, pw->prom_loc,
                    "watch.prometheus", why, err, errlen))
                goto fail;
        }
        if (pw->promql_url) {
            struct watch_promql_cfg c = {.url = pw->promql_url,
                                         .names = (const char *const *)pw->promql_names,
                                         .queries = (const char *const *)pw->promql_queries,
                                         .nqueries = pw->npromql,
                                         .step_s = pw->promql_step_s > 0 ? pw->promql_step_s
                                                                         : pw->interval_s,
                                         .timeout_s = 10};
            if (add(w, wsrc_promql_new(&c, why, sizeof why), p->file, pw->promql_loc,
                    "watch.promql", why, err, errlen))
                goto fail;
        }
        if (pw->health_url && !fl->health_url) {
            struct watch_health_cfg c = {.url = pw->health_url,
                                         .timeout_s = pw->health_timeout_s > 0
                                                          ? pw->health_timeout_s
                                                          : pw->interval_s,
                                         .insecure = p->defaults.insecure};
            if (add(w, wsrc_health_new(&c, why, sizeof why), p->file, none, "watch.health",
                    why, err, errlen))
                goto fail;
        }
        if (pw->gpu) {
            struct watch_gpu_cfg c = {0};
            if (add(w, wsrc_gpu_new(&c, why, sizeof why), p->file, none, "watch.gpu", why, err,
                    errlen))
                goto fail;
        }
        for (int i = 0; i < pw->nlogs; i++) {
            const struct plan_watch_log *lg = &pw->logs[i];
            struct watch_log_cfg c = {.path = lg->file,
                                      .names = (const char *const *)lg->names,
                                      .regexes = (const char *const *)lg->regexes,
                                      .npatterns = lg->n};
            if (add(w, wsrc_log_new(&c, why, sizeof why), p->file, lg->loc, "watch.logs", why,
                    err, errlen))
                goto fail;
        }
    }
    if (sv) {
        snprintf(log_path, sizeof log_path, "%s/target.log", out_dir);
        struct target_cfg c = {.command = sv->command,
                               .argv = (const char *const *)sv->argv,
                               .cwd = sv->cwd,
                               .env = (const char *const *)sv->env,
                               .nenv = sv->nenv,
                               .ready_url = sv->ready,
                               .ready_timeout_s = sv->ready_timeout_s,
                               .stop_grace_s = sv->stop_grace_s,
                               .log_path = log_path};
        if (watch_set_target(w, &c, sv->abort_on_exit)) {
            snprintf(err, (size_t)errlen, "out of memory");
            goto fail;
        }
    }
    *out = w;
    return 0;
fail:
    watch_free(w);
    return -1;
}

static int add_flags(watch *w, const struct watch_quick *q, double interval, char *err,
                     int errlen)
{
    char why[300];
    wsrc *s;
    if (q->pid) {
        struct watch_proc_cfg c = {.pid = q->pid};
        if (!(s = wsrc_process_new(&c, why, sizeof why)) || watch_add(w, s)) {
            snprintf(err, (size_t)errlen, "--watch-pid: %s", why);
            return -1;
        }
    }
    if (q->prom_url) {
        struct watch_prom_cfg c = {.url = q->prom_url, .max_series = 200, .timeout_s = interval};
        if (!(s = wsrc_prometheus_new(&c, why, sizeof why)) || watch_add(w, s)) {
            snprintf(err, (size_t)errlen, "--watch-prom %s: %s", q->prom_url, why);
            return -1;
        }
    }
    if (q->health_url) {
        struct watch_health_cfg c = {.url = q->health_url, .timeout_s = interval};
        if (!(s = wsrc_health_new(&c, why, sizeof why)) || watch_add(w, s)) {
            snprintf(err, (size_t)errlen, "--health %s: %s", q->health_url, why);
            return -1;
        }
    }
    return 0;
}

int watch_setup_quick(const struct watch_quick *q, watch **out, char *err, int errlen)
{
    *out = NULL;
    if (!q->pid && !q->prom_url && !q->health_url)
        return 0;
    struct watch_opts o = {.interval_s = q->interval_s > 0 ? q->interval_s : 1,
                           .baseline_s = q->baseline_s >= 0 ? q->baseline_s : 5,
                           .has_baseline = q->baseline_s >= 0,
                           .warn = stderr};
    watch *w = watch_new(&o);
    if (!w) {
        snprintf(err, (size_t)errlen, "out of memory");
        return -1;
    }
    if (add_flags(w, q, o.interval_s, err, errlen)) {
        watch_free(w);
        return -1;
    }
    *out = w;
    return 0;
}
