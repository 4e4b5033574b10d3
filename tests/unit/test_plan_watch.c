/* test_plan_watch.c — the plan's watch: section and target: as a map, loaded into
 * struct plan_watch / plan_service, with the defaults, paths made absolute on the target
 * URL, and the errors at their FILE:LINE:COL. */
#include "unit.h"
#include "plan/plan.h"

#include <stdlib.h>
#include <unistd.h>

static char path[64];

static struct plan *load(const char *text, char **errs)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    struct plan *p = NULL;
    *errs = NULL;
    if (plan_load(path, NULL, &p, errs))
        return NULL;
    return p;
}

#define TAIL "flows: {f: [{get: /}]}\n" \
             "scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 2s"

static void test_full(void)
{
    char *errs;
    struct plan *p = load("target:\n"
                          "  url: http://127.0.0.1:8080/api\n"
                          "  command: [./srv, --port, \"8080\"]\n"
                          "  env: {A: '1', B: two}\n"
                          "  ready: /health\n"
                          "  ready_timeout: 2s\n"
                          "  on_target_exit: abort\n"
                          "watch:\n"
                          "  interval: 250ms\n"
                          "  process: {pid: 77}\n"
                          "  prometheus: {url: /metrics, metrics: [a, 'b{x=\"y\"}']}\n"
                          "  health: {path: /health}\n"
                          "  logs: [{file: /var/log/x.log, match: {rej: 'rejected ([0-9]+)'}}]\n"
                          TAIL ", restart_at: 1s}]\n",
                          &errs);
    CHECK(p != NULL);
    if (!p) {
        printf("    %s", errs);
        free(errs);
        return;
    }
    CHECK_STR(p->target, "http://127.0.0.1:8080/api");
    CHECK(p->service != NULL);
    CHECK_STR(p->service->argv[0], "./srv");
    CHECK_STR(p->service->argv[2], "8080");
    CHECK(p->service->argv[3] == NULL);
    CHECK(p->service->command == NULL);
    CHECK_INT(p->service->nenv, 2);
    CHECK_STR(p->service->env[1], "B=two");
    CHECK_STR(p->service->ready, "http://127.0.0.1:8080/health");
    CHECK_NEAR(p->service->ready_timeout_s, 2, 1e-9);
    CHECK_NEAR(p->service->stop_grace_s, 10, 1e-9);
    CHECK_INT(p->service->abort_on_exit, 1);
    const struct plan_watch *w = p->watch_cfg;
    CHECK(w != NULL);
    CHECK_NEAR(w->interval_s, 0.25, 1e-9);
    CHECK_NEAR(w->baseline_s, 5, 1e-9);
    CHECK_INT(w->has_baseline, 0);
    CHECK_INT(w->pid, 77);
    CHECK_STR(w->prom_url, "http://127.0.0.1:8080/metrics");
    CHECK_INT(w->nprom_metrics, 2);
    CHECK_STR(w->prom_metrics[1], "b{x=\"y\"}");
    CHECK_STR(w->health_url, "http://127.0.0.1:8080/health");
    CHECK_INT(w->nlogs, 1);
    CHECK_STR(w->logs[0].names[0], "rej");
    CHECK_INT((long long)p->scenarios[0].restart_at_us, 1000000);
    plan_free(p);
}

static void test_plain_target(void)
{
    char *errs;
    struct plan *p = load("target: http://127.0.0.1:1\n" TAIL "}]\n", &errs);
    CHECK(p != NULL);
    if (p) {
        CHECK(p->service == NULL);
        CHECK(p->watch_cfg == NULL);
        plan_free(p);
    }
    free(errs);
    p = load("target: http://127.0.0.1:1\nwatch: {health: 'http://h:1/x', baseline: 0s}\n"
             TAIL "}]\n", &errs);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->watch_cfg->health_url, "http://h:1/x");
        CHECK_INT(p->watch_cfg->has_baseline, 1);
        CHECK_NEAR(p->watch_cfg->baseline_s, 0, 0);
        plan_free(p);
    }
    free(errs);
}

static void expect_err(const char *text, const char *want)
{
    char *errs;
    struct plan *p = load(text, &errs);
    CHECK(p == NULL);
    plan_free(p);
    if (!errs || !strstr(errs, want)) {
        printf("    want '%s' in: %s\n", want, errs ? errs : "(none)");
        unit_case_failed = 1;
    }
    free(errs);
}

static void test_errors(void)
{
    expect_err("target: {url: http://127.0.0.1:1}\n" TAIL "}]\n", ":1:9: target: as a mapping it needs command:");
    expect_err("target: {command: x}\n" TAIL "}]\n", ":1:9: target: needs url:");
    expect_err("target: {url: http://a:1, command: '  '}\n" TAIL "}]\n", ":1:37: target.command: the command is empty");
    expect_err("target: {url: http://a:1, command: x, ready: 'ftp://x'}\n" TAIL "}]\n", "target.ready: bad URL 'ftp://x'");
    expect_err("target: {url: http://a:1, command: x, stop_grace: 1}\n" TAIL "}]\n", "target.stop_grace: expected a duration");
    expect_err("target: {url: http://a:1, command: x, env: {'A=B': c}}\n" TAIL "}]\n", "target.env: bad variable name 'A=B'");
    expect_err("target: http://a:1\nwatch: {interval: 1ms}\n" TAIL "}]\n", ":2:19: watch.interval: 1ms is too short");
    expect_err("target: http://a:1\nwatch: {process: {pid: 1, pid_file: x}}\n" TAIL "}]\n", ":2:18: watch.process: give one of pid:");
    expect_err("target: http://a:1\nwatch: {process: {pid: 0}}\n" TAIL "}]\n", "watch.process.pid");
    expect_err("target: http://a:1\nwatch: {prometheus: {metrics: [a]}}\n" TAIL "}]\n", "watch.prometheus: needs url:");
    expect_err("target: http://a:1\nwatch: {promql: {url: 'http://p:9090'}}\n" TAIL "}]\n", "watch.promql: needs queries:");
    expect_err("target: http://a:1\nwatch: {logs: [{file: x, match: {'a b': x}}]}\n" TAIL "}]\n", "watch.logs.match: bad name 'a b'");
    expect_err("target: http://a:1\nwatch: [1]\n" TAIL "}]\n", ":2:8: watch: expected a mapping");
    expect_err("target: http://a:1\n" TAIL ", restart_at: 1s}]\n", "restart_at: needs a target surge starts");
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/surge-plan-watch.%d.yaml", (int)getpid());
    RUN(test_full);
    RUN(test_plain_target);
    RUN(test_errors);
    unlink(path);
    return unit_failures != 0;
}
