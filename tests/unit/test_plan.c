/* test_plan.c — plan_load: a full plan lands field by field where plan.h says, and each
 * class of mistake comes out as the exact "FILE:LINE:COL: message" line. */
#include "flow/cond.h"
#include "plan/payload.h"
#include "plan/plan.h"
#include "plan/tmpl.h"
#include "unit.h"
#include "util/sbuf.h"

#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char made[32][128]; /* files and folders to remove at the end, in creation order */
static int nmade;

static void note(const char *path)
{
    if (nmade < 32)
        snprintf(made[nmade++], sizeof made[0], "%s", path);
}

/* Write `text` to DIR/name (once per name) and return the path (static buffer per call). */
static const char *wfile(const char *name, const char *text)
{
    static char paths[8][128];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return path;
    fputs(text, f);
    fclose(f);
    int seen = 0;
    for (int i = 0; i < nmade; i++)
        seen |= !strcmp(made[i], path);
    if (!seen)
        note(path);
    return path;
}

/* Load text as DIR/plan.yaml. @return the errors (caller frees) or NULL with *out. */
static char *load(const char *text, const struct plan_overrides *ov, struct plan **out)
{
    const char *path = wfile("plan.yaml", text);
    char *errs = NULL;
    struct plan *p = NULL;
    if (plan_load(path, ov, &p, &errs) == 0) {
        CHECK(errs == NULL);
        if (out)
            *out = p;
        else
            plan_free(p);
        return NULL;
    }
    CHECK(errs != NULL);
    CHECK(p == NULL);
    if (out)
        *out = NULL;
    return errs;
}

/* Does errs hold the whole line "DIR/plan.yaml:" + want (or want alone for "--...")? */
static int has_line(const char *errs, const char *want_)
{
    char line[1024], want[900];
    const char *d = strstr(want_, "DIR"); /* stands for the temp folder */
    if (d)
        snprintf(want, sizeof want, "%.*s%s%s", (int)(d - want_), want_, dir, d + 3);
    else
        snprintf(want, sizeof want, "%s", want_);
    if (want[0] == '-')
        snprintf(line, sizeof line, "%s\n", want);
    else
        snprintf(line, sizeof line, "%s/plan.yaml:%s\n", dir, want);
    for (const char *p = errs; p && (p = strstr(p, line)); p++)
        if (p == errs || p[-1] == '\n')
            return 1;
    return 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* Expect exactly these error lines (NULL-terminated) and nothing else. */
#define EXPECT_ERRS(text, ...) expect_errs(__LINE__, text, NULL, __VA_ARGS__, (const char *)NULL)

static void expect_errs(int at, const char *text, const struct plan_overrides *ov, ...)
{
    char *errs = load(text, ov, NULL);
    va_list ap;
    va_start(ap, ov);
    int n = 0;
    for (const char *w; (w = va_arg(ap, const char *)) != NULL; n++) {
        if (!has_line(errs, w)) {
            printf("    test_plan.c:%d: missing error line: %s\n", at, w);
            unit_case_failed = 1;
        }
    }
    va_end(ap);
    if (count_lines(errs) != n) {
        printf("    test_plan.c:%d: expected %d error line(s), got %d\n", at, n, count_lines(errs));
        unit_case_failed = 1;
    }
    if (unit_case_failed)
        printf("    errors were:\n%s", errs ? errs : "(none)\n");
    free(errs);
}

#define FULL_PLAN                                                                                  \
    "target: http://127.0.0.1:8080\n"                                                              \
    "defaults:\n"                                                                                  \
    "  headers: {Accept: application/json}\n"                                                      \
    "  timeout: 60s\n"                                                                             \
    "  connect_timeout: 10s\n"                                                                     \
    "  insecure: false\n"                                                                          \
    "  cacert: ca.pem\n"                                                                           \
    "vars:\n"                                                                                      \
    "  access_code: ${env.SURGE_TEST_ACCESS}\n"                                                    \
    "  size: large\n"                                                                              \
    "data:\n"                                                                                      \
    "  photos: {generate: {type: jpeg, count: 3, size: 8KB}}\n"                                    \
    "  one: {file: images/cat.png}\n"                                                              \
    "  many: {glob: \"images/*.jpg\"}\n"                                                           \
    "flows:\n"                                                                                     \
    "  upload:\n"                                                                                  \
    "    - name: login\n"                                                                          \
    "      post: /api/login\n"                                                                     \
    "      json: {access_code: \"${access_code}\", n: 3, ok: true}\n"                              \
    "      expect: {status: 200}\n"                                                                \
    "    - name: upload\n"                                                                         \
    "      post: /api/upload\n"                                                                    \
    "      headers: {accept: text/plain, X-Size: \"${size}\"}\n"                                   \
    "      multipart:\n"                                                                           \
    "        - {name: images, files: photos}\n"                                                    \
    "        - {name: note, value: \"vu ${vu}\"}\n"                                                \
    "      expect: {status: [200, 201, 3xx], json: \"uploaded == 30\"}\n"                          \
    "  generate:\n"                                                                                \
    "    - transaction: generation\n"                                                              \
    "      steps:\n"                                                                               \
    "        - name: submit\n"                                                                     \
    "          post: /api/generate\n"                                                              \
    "          multipart: [{name: image, files: one}]\n"                                           \
    "          expect: {status: 202, body: queued}\n"                                              \
    "          extract: {job: job_id, loc: {header: Location}, id: {regex: 'id=(\\d+)'}}\n"        \
    "        - name: wait\n"                                                                       \
    "          get: /api/jobs/${job}\n"                                                            \
    "          query: {verbose: \"1\"}\n"                                                          \
    "          poll: {every: 2s, until: \"status == completed\", timeout: 10m}\n"                  \
    "          timeout: 5s\n"                                                                      \
    "        - get: /api/jobs/${job}/result\n"                                                     \
    "    - think: 30s..90s\n"                                                                      \
    "    - think: 2s\n"                                                                            \
    "    - delete: http://127.0.0.1:8080/x\n"                                                      \
    "      form: {a: \"${id}\"}\n"                                                                 \
    "      body_never: 1\n"

/* The seeds' plan minus the typo on the last line (added above for another test). */
static char *full_plan(void)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%.*s", (int)(strstr(FULL_PLAN, "      body_never") - FULL_PLAN),
             FULL_PLAN);
    strncat(buf,
            "scenarios:\n"
            "  - name: ladder\n"
            "    flow: upload\n"
            "    executor: ladder\n"
            "    levels: [1, 5, 10, 15, 20, 25, 30, 35, 40]\n"
            "    iterations_per_vu: 1\n"
            "    between: 5s\n"
            "  - name: normal\n"
            "    flow: generate\n"
            "    executor: constant-vus\n"
            "    vus: 3\n"
            "    duration: 10m\n"
            "  - name: spike\n"
            "    executor: ramping-vus\n"
            "    flow: generate\n"
            "    start_vus: 2\n"
            "    stages: [{vus: 2, for: 2m}, {vus: 20, for: 10s}, {vus: 20, for: 1m}, {vus: 2, "
            "for: 10s}, {vus: 2, for: 2m}]\n"
            "  - {name: base, flow: generate, executor: per-vu-iterations, vus: 1, iterations: 5}\n"
            "  - {name: shared, flow: generate, executor: shared-iterations, vus: 4, iterations: "
            "100}\n"
            "  - {name: rate, flow: generate, executor: constant-arrival-rate, rate: 50, "
            "time_unit: 1s, duration: 4s, max_vus: 100}\n"
            "  - {name: ramp, flow: generate, executor: ramping-arrival-rate, start_rate: 0, "
            "stages: [{rate: 50, for: 10s}], max_vus: 100, pre_allocated_vus: 10}\n"
            "  - {name: together, flow: generate, executor: constant-vus, vus: 2, duration: 1m, "
            "start: 0s, graceful_stop: 5s}\n"
            "  - {name: held, flow: upload, executor: ladder, levels: [2, 4], hold: 30s}\n"
            "watch: {process: {pid: 1}}\n"
            "criteria: [\"p95(latency) < 2s\"]\n",
            sizeof buf - strlen(buf) - 1);
    return buf;
}

static const char *lit(const tmpl *t)
{
    return t && tmpl_is_literal(t) ? tmpl_literal(t) : "(not literal)";
}

static const char *lookup_x(void *ud, const char *name, size_t *len)
{
    (void)ud;
    (void)name;
    *len = 1;
    return "X";
}

/* Expand t with every variable "X", vu 7. Returns a static buffer. */
static const char *expand(const tmpl *t)
{
    static char out[512];
    struct sbuf b = SBUF_INIT;
    uint64_t rng = 1;
    struct tmpl_ctx ctx = {.lookup = lookup_x, .vu = 7, .rng = &rng};
    snprintf(out, sizeof out, "%s", tmpl_expand(t, &ctx, &b) == 0 ? sbuf_str(&b) : "(error)");
    sbuf_free(&b);
    return out;
}

static int status_ok(const struct plan_expect *e, int code)
{
    return (e->status[code / 8] >> (code % 8)) & 1;
}

static void setup_files(void)
{
    char img[128];
    snprintf(img, sizeof img, "%s/images", dir);
    mkdir(img, 0700);
    note(img);
    wfile("images/cat.png", "not really a png");
    wfile("images/a.jpg", "aaaa");
    wfile("images/b.jpg", "bbbbbb");
    wfile("ca.pem", "-----BEGIN CERTIFICATE-----\n");
}

static void full(void)
{
    setenv("SURGE_TEST_ACCESS", "sekrit", 1);
    struct plan *p = NULL;
    char *errs = load(full_plan(), NULL, &p);
    if (errs) {
        printf("    unexpected errors:\n%s", errs);
        free(errs);
        CHECK(0);
        return;
    }
    char path[160];
    snprintf(path, sizeof path, "%s/plan.yaml", dir);
    CHECK_STR(p->file, path);
    CHECK_STR(p->target, "http://127.0.0.1:8080");
    CHECK_INT(p->target_loc.line, 1);
    CHECK_INT(p->target_loc.col, 9);

    /* defaults */
    CHECK_INT(p->defaults.nheaders, 1);
    CHECK_STR(p->defaults.headers[0].name, "Accept");
    CHECK_STR(lit(p->defaults.headers[0].value), "application/json");
    CHECK_INT(p->defaults.timeout_us, 60000000);
    CHECK_INT(p->defaults.connect_timeout_us, 10000000);
    CHECK_INT(p->defaults.insecure, 0);
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    CHECK_STR(p->defaults.cacert, path);

    /* vars */
    CHECK_INT(p->nvars, 2);
    CHECK_STR(p->vars[0].name, "access_code");
    CHECK(!tmpl_is_literal(p->vars[0].value));
    CHECK_INT(tmpl_env_count(p->vars[0].value), 1);
    CHECK_STR(tmpl_env_name(p->vars[0].value, 0), "SURGE_TEST_ACCESS");
    CHECK_INT(p->vars[0].loc.line, 9);
    CHECK_INT(p->vars[0].loc.col, 3);
    CHECK_STR(p->vars[1].name, "size");
    CHECK_STR(lit(p->vars[1].value), "large");

    /* data */
    CHECK_INT(p->npayloads, 3);
    CHECK_STR(p->payloads[0].name, "photos");
    CHECK_INT(payload_count(p->payloads[0].data), 3);
    CHECK_STR(payload_item(p->payloads[0].data, 0)->content_type, "image/jpeg");
    CHECK_STR(p->payloads[1].name, "one");
    CHECK_INT(payload_count(p->payloads[1].data), 1);
    CHECK_INT(payload_item(p->payloads[1].data, 0)->len, strlen("not really a png"));
    CHECK_STR(p->payloads[2].name, "many");
    CHECK_INT(payload_count(p->payloads[2].data), 2);
    CHECK_STR(payload_item(p->payloads[2].data, 0)->filename, "a.jpg");
    CHECK_INT(p->payloads[2].loc.line, 14);

    /* flows */
    CHECK_INT(p->nflows, 2);
    struct plan_flow *up = &p->flows[0], *gen = &p->flows[1];
    CHECK_STR(up->name, "upload");
    CHECK_INT(up->nsteps, 2);
    struct plan_step *s = &up->steps[0];
    CHECK_INT(s->kind, STEP_REQUEST);
    CHECK_STR(s->name, "login");
    CHECK_INT(s->loc.line, 17);
    CHECK_INT(s->loc.col, 7);
    CHECK_STR(s->method, "POST");
    CHECK_STR(lit(s->url), "/api/login");
    CHECK_INT(s->body, BODY_JSON);
    CHECK(!tmpl_is_literal(s->body_text));
    CHECK_INT(tmpl_var_count(s->body_text), 1);
    CHECK_STR(tmpl_var_name(s->body_text, 0), "access_code");
    CHECK_STR(expand(s->body_text), "{\"access_code\":\"X\",\"n\":3,\"ok\":true}");
    CHECK_INT(s->nheaders, 1); /* the default Accept */
    CHECK_STR(s->headers[0].name, "Accept");
    CHECK(s->expect.has_status && status_ok(&s->expect, 200) && !status_ok(&s->expect, 201));
    CHECK_INT(s->timeout_us, 60000000);
    CHECK(s->poll == NULL && s->nextract == 0);

    s = &up->steps[1];
    CHECK_STR(s->name, "upload");
    CHECK_INT(s->nheaders, 2); /* accept replaces the default Accept */
    CHECK_STR(s->headers[0].name, "accept");
    CHECK_STR(lit(s->headers[0].value), "text/plain");
    CHECK_STR(s->headers[1].name, "X-Size");
    CHECK_STR(tmpl_var_name(s->headers[1].value, 0), "size");
    CHECK_INT(s->body, BODY_MULTIPART);
    CHECK_INT(s->nparts, 2);
    CHECK_STR(s->parts[0].name, "images");
    CHECK_INT(s->parts[0].payload, 0);
    CHECK(s->parts[0].value == NULL);
    CHECK_STR(s->parts[1].name, "note");
    CHECK_INT(s->parts[1].payload, -1);
    CHECK(s->parts[1].value && !strcmp(expand(s->parts[1].value), "vu 7"));
    CHECK_INT(s->parts[1].loc.line, 26);
    CHECK(status_ok(&s->expect, 200) && status_ok(&s->expect, 201) && status_ok(&s->expect, 300) &&
          status_ok(&s->expect, 399) && !status_ok(&s->expect, 202) && !status_ok(&s->expect, 400));
    CHECK(s->expect.json != NULL);

    /* transaction flattened: BEGIN, submit, wait, GET ..., END, think, think, delete */
    CHECK_INT(gen->nsteps, 8);
    CHECK_INT(gen->ntxns, 1);
    CHECK_STR(gen->txns[0], "generation");
    CHECK_INT(gen->steps[0].kind, STEP_TXN_BEGIN);
    CHECK_INT(gen->steps[0].txn, 0);
    CHECK_STR(gen->steps[0].name, "generation");
    CHECK_INT(gen->steps[4].kind, STEP_TXN_END);
    CHECK_INT(gen->steps[4].txn, 0);
    s = &gen->steps[1];
    CHECK_STR(s->name, "submit");
    CHECK_INT(s->body, BODY_MULTIPART);
    CHECK_INT(s->parts[0].payload, 1);
    CHECK(s->expect.body_contains && !strcmp(lit(s->expect.body_contains), "queued"));
    CHECK_INT(s->nextract, 3);
    CHECK_STR(s->extract[0].var, "job");
    CHECK_INT(s->extract[0].from, EXTRACT_JSON);
    CHECK(s->extract[0].path != NULL);
    CHECK_STR(s->extract[1].var, "loc");
    CHECK_INT(s->extract[1].from, EXTRACT_HEADER);
    CHECK_STR(s->extract[1].header, "Location");
    CHECK_STR(s->extract[2].var, "id");
    CHECK_INT(s->extract[2].from, EXTRACT_REGEX);
    CHECK_INT(s->extract[2].group, 1);
    regmatch_t m[2];
    CHECK(regexec(s->extract[2].regex, "a?id=123&b", 2, m, 0) == 0 && m[1].rm_so == 5 &&
          m[1].rm_eo == 8);
    s = &gen->steps[2];
    CHECK_STR(s->name, "wait");
    CHECK_STR(s->method, "GET");
    CHECK_STR(tmpl_var_name(s->url, 0), "job");
    CHECK_INT(s->nquery, 1);
    CHECK_STR(s->query[0].name, "verbose");
    CHECK(s->poll && s->poll->every_us == 2000000 && s->poll->timeout_us == 600000000ull &&
          s->poll->until);
    CHECK_INT(s->timeout_us, 5000000);
    CHECK_STR(gen->steps[3].name, "GET /api/jobs/${job}/result");
    CHECK_INT(gen->steps[5].kind, STEP_THINK);
    CHECK_INT(gen->steps[5].think_min_us, 30000000);
    CHECK_INT(gen->steps[5].think_max_us, 90000000);
    CHECK_INT(gen->steps[6].think_min_us, 2000000);
    CHECK_INT(gen->steps[6].think_max_us, 2000000);
    s = &gen->steps[7];
    CHECK_STR(s->method, "DELETE");
    CHECK_STR(lit(s->url), "http://127.0.0.1:8080/x"); /* absolute form, the target's origin */
    CHECK_INT(s->body, BODY_FORM);
    CHECK_INT(s->nform, 1);
    CHECK_STR(tmpl_var_name(s->form[0].value, 0), "id");

    /* scenarios */
    CHECK_INT(p->nscenarios, 9);
    struct plan_scenario *c = &p->scenarios[0];
    CHECK_STR(c->name, "ladder");
    CHECK_INT(c->exec, EXEC_LADDER);
    CHECK_INT(c->flow, 0);
    CHECK_INT(c->nlevels, 9);
    CHECK_INT(c->levels[0], 1);
    CHECK_INT(c->levels[8], 40);
    CHECK_INT(c->iterations_per_vu, 1);
    CHECK_INT(c->hold_us, 0);
    CHECK_INT(c->between_us, 5000000);
    CHECK_INT(c->max_duration_us, 600000000ull);
    CHECK_INT(c->graceful_stop_us, 30000000);
    CHECK_INT(c->start_after_previous, 1);
    CHECK_INT(c->loc.line, 47);
    c = &p->scenarios[1];
    CHECK_INT(c->exec, EXEC_CONSTANT_VUS);
    CHECK_INT(c->flow, 1);
    CHECK_INT(c->vus, 3);
    CHECK_INT(c->duration_us, 600000000ull);
    c = &p->scenarios[2];
    CHECK_INT(c->exec, EXEC_RAMPING_VUS);
    CHECK_INT(c->start_vus, 2);
    CHECK_INT(c->nstages, 5);
    CHECK_INT(c->stages[1].dur_us, 10000000);
    CHECK_NEAR(c->stages[1].target, 20, 0);
    CHECK_INT(c->stages[4].dur_us, 120000000);
    c = &p->scenarios[3];
    CHECK_INT(c->exec, EXEC_PER_VU_ITERATIONS);
    CHECK_INT(c->vus, 1);
    CHECK_INT(c->iterations, 5);
    CHECK_INT(c->max_duration_us, 600000000ull);
    c = &p->scenarios[4];
    CHECK_INT(c->exec, EXEC_SHARED_ITERATIONS);
    CHECK_INT(c->vus, 4);
    CHECK_INT(c->iterations, 100);
    c = &p->scenarios[5];
    CHECK_INT(c->exec, EXEC_CONSTANT_ARRIVAL_RATE);
    CHECK_NEAR(c->rate, 50, 0);
    CHECK_INT(c->time_unit_us, 1000000);
    CHECK_INT(c->duration_us, 4000000);
    CHECK_INT(c->max_vus, 100);
    CHECK_INT(c->pre_allocated_vus, 100);
    c = &p->scenarios[6];
    CHECK_INT(c->exec, EXEC_RAMPING_ARRIVAL_RATE);
    CHECK_NEAR(c->start_rate, 0, 0);
    CHECK_INT(c->nstages, 1);
    CHECK_NEAR(c->stages[0].target, 50, 0);
    CHECK_INT(c->pre_allocated_vus, 10);
    CHECK_INT(c->time_unit_us, 1000000);
    c = &p->scenarios[7];
    CHECK_INT(c->start_after_previous, 0);
    CHECK_INT(c->start_us, 0);
    CHECK_INT(c->graceful_stop_us, 5000000);
    c = &p->scenarios[8];
    CHECK_INT(c->hold_us, 30000000);
    CHECK_INT(c->iterations_per_vu, 0);
    CHECK_STR(plan_exec_name(EXEC_RAMPING_ARRIVAL_RATE), "ramping-arrival-rate");
    CHECK_STR(plan_exec_name(EXEC_LADDER), "ladder");
    CHECK(p->watch != NULL && p->criteria != NULL && p->workload == NULL && p->report == NULL);
    plan_free(p);
}

static void time_scale(void)
{
    struct plan_overrides ov = {.time_scale = 0.01};
    struct plan *p = NULL;
    char *errs = load(full_plan(), &ov, &p);
    CHECK(errs == NULL);
    free(errs);
    if (!p)
        return;
    /* network timeouts: scaled, but never below 1 s; connect timeouts not scaled */
    CHECK_INT(p->defaults.timeout_us, 1000000);          /* 60s x 0.01 = 600ms -> 1s */
    CHECK_INT(p->defaults.connect_timeout_us, 10000000); /* 10s, unscaled */
    struct plan_flow *gen = &p->flows[1];
    CHECK_INT(gen->steps[1].timeout_us, 1000000); /* the default */
    CHECK_INT(gen->steps[2].timeout_us, 1000000); /* 5s x 0.01 -> 1s */
    CHECK_INT(gen->steps[2].poll->every_us, 20000);
    CHECK_INT(gen->steps[2].poll->timeout_us, 6000000);
    CHECK_INT(gen->steps[5].think_min_us, 300000);
    CHECK_INT(gen->steps[5].think_max_us, 900000);
    CHECK_INT(p->scenarios[0].between_us, 50000);
    CHECK_INT(p->scenarios[0].max_duration_us, 6000000);
    CHECK_INT(p->scenarios[0].graceful_stop_us, 300000);
    CHECK_INT(p->scenarios[1].duration_us, 6000000);
    CHECK_INT(p->scenarios[2].stages[0].dur_us, 1200000);
    CHECK_INT(p->scenarios[5].time_unit_us, 10000);
    CHECK_INT(p->scenarios[7].graceful_stop_us, 50000);
    CHECK_INT(p->scenarios[8].hold_us, 300000);
    plan_free(p);
    /* a large timeout still shrinks with the scale (300s x 0.01 = 3s), and one already
     * under 1 s is kept as written */
    ov.time_scale = 0.01;
    errs = load("target: http://127.0.0.1:8080\n"
                "defaults: {timeout: 300s}\n"
                "flows: {f: [{get: /a, timeout: 200ms}, {get: /b}]}\n"
                "scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 1s}]\n",
                &ov, &p);
    CHECK(errs == NULL);
    free(errs);
    if (!p)
        return;
    CHECK_INT(p->flows[0].steps[0].timeout_us, 200000);
    CHECK_INT(p->flows[0].steps[1].timeout_us, 3000000);
    plan_free(p);
}

#define MIN_PLAN(steps)                                                                            \
    "target: http://127.0.0.1:8080\n"                                                              \
    "flows:\n"                                                                                     \
    "  f:\n" steps "scenarios:\n"                                                                  \
    "  - {name: s, flow: f, executor: constant-vus, vus: 1, duration: 1s}\n"

/* after: previous is the default written out; anything else, or with start:, is an error */
static void scenario_after(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: t, flow: f, executor: constant-vus, vus: 1, "
                                            "duration: 1s, after: s}\n",
                "7:77: after: 's' is not supported (use 'previous', the default, or 'start: "
                "DURATION' to run alongside)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: t, flow: f, executor: constant-vus, vus: 1, "
                                            "duration: 1s, start: 0s, after: previous}\n",
                "7:88: after: previous contradicts 'start' (choose one)");
}

static void yaml_syntax(void)
{
    EXPECT_ERRS("target: http://x\nflows: [1, 2\nscenarios: []\n",
                "4:1: flow sequence without a closing bracket");
    EXPECT_ERRS("a: \"open\n", "1:5: double-quoted scalar without closing quote");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n    - get: /b\n") "flows: {}\n",
                "8:1: duplicate key 'flows' (first at line 2)");
    EXPECT_ERRS("target: http://x\n---\ntarget: http://y\n",
                "2:1: a plan is one YAML document; a second one starts here");
    EXPECT_ERRS("", "1:1: the plan is empty: it needs at least flows: and scenarios:");
    EXPECT_ERRS("- a\n", "1:1: a plan is a mapping (target:, flows:, scenarios:, ...), not a list");
    /* invalid UTF-8 in a directive made libfyaml 0.7.12 loop forever (found by fuzz_plan) */
    EXPECT_ERRS("%target\xda\x17:\n", "1:8: not valid UTF-8 (a plan is UTF-8 text)");
    EXPECT_ERRS("a: b\nc: \xc3\xa9\xc0\x80\n", "2:5: not valid UTF-8 (a plan is UTF-8 text)");

    char path[160], *errs = NULL, want[300];
    struct plan *p = NULL;
    snprintf(path, sizeof path, "%s/missing.yaml", dir);
    CHECK(plan_load(path, NULL, &p, &errs) == -1 && p == NULL);
    snprintf(want, sizeof want, "%s: cannot read: No such file or directory\n", path);
    CHECK_STR(errs, want);
    free(errs);
    CHECK(plan_load(dir, NULL, &p, &errs) == -1);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory\n", dir);
    CHECK_STR(errs, want);
    free(errs);
}

static void unknown_keys(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "flow: {}\n",
                "7:1: unknown key 'flow' in the plan (did you mean 'flows'?); valid keys: "
                "target, defaults, vars, data, flows, scenarios, watch, criteria, workload, on_saturation, report");
    /* report: checked like every section */
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "report: {title: \"\", outputs: [md, pdf, md], "
                                            "colour: red}\n",
                "7:45: unknown key 'colour' in report; valid keys: title, description, outputs",
                "7:18: report.title: empty (leave the key out for the default)",
                "7:35: report.outputs: unknown output 'pdf' (md, html, junit, csv; results.json "
                "and series.ndjson are always written)",
                "7:40: report.outputs: 'md' given twice");
    /* on_saturation: warn | abort */
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "on_saturation: later\n",
                "7:16: on_saturation: 'later' is not warn or abort");
    /* a typo of one is suggested all the same */
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "critera: []\n",
                "7:1: unknown key 'critera' in the plan (did you mean 'criteria'?); valid keys: "
                "target, defaults, vars, data, flows, scenarios, watch, criteria, workload, on_saturation, report");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      heders: {a: b}\n"),
                "5:7: unknown key 'heders' in a request step (did you mean 'headers'?); valid "
                "keys: get, post, put, patch, delete, head, options, name, headers, query, body, "
                "json, form, multipart, expect, extract, poll, timeout, cookies");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      expect: {staus: 200}\n"),
                "5:16: unknown key 'staus' in expect (did you mean 'status'?); valid keys: "
                "status, body, json");
    EXPECT_ERRS(MIN_PLAN("    - pst: /a\n"),
                "4:7: unknown key 'pst' in a step (did you mean 'post'?); a step needs one of "
                "get, post, put, patch, delete, head, options, ws, think or transaction");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "defaults: {timeout: 1s, zzz_top: 1}\n",
                "7:25: unknown key 'zzz_top' in defaults; valid keys: headers, timeout, "
                "connect_timeout, insecure, cacert, source_addresses, redact");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "defaults: {source_addresses: 127.0.0.9-127.0.0.2}\n",
                "7:30: source_addresses: '127.0.0.9-127.0.0.2': the range runs backwards");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "defaults: {source_addresses: 'x, 127.0.0.1'}\n",
                "7:31: source_addresses: 'x' is not an IP address or an IPv4 range (A-B)");
}

static void wrong_types(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      headers: [a, b]\n"),
                "5:16: headers: expected a mapping, got a list");
    EXPECT_ERRS(MIN_PLAN("    - get: {a: 1}\n"), "4:12: get: expected a string, got a mapping");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "defaults: {insecure: maybe}\n",
                "7:22: insecure: expected true or false, got a string");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: t, flow: f, executor: constant-vus, vus: "
                                            "many, duration: 1s}\n",
                "7:53: vus: expected a whole number, got a string 'many'");
    EXPECT_ERRS("target: http://x\nflows: {f: {get: /}}\nscenarios: []\n",
                "2:12: flow 'f': expected a list, got a mapping",
                "3:12: scenarios: the list is empty");
}

static void durations_sizes(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      timeout: 10\n"),
                "5:16: timeout: bad duration '10': use a number with a unit: us, ms, s, m or h "
                "(250ms, 30s, 1m30s)");
    EXPECT_ERRS(MIN_PLAN("    - think: 5s..2s\n"),
                "4:14: think: the range '5s..2s' goes down: write the shorter time first");
    EXPECT_ERRS(MIN_PLAN("    - think: soon\n"),
                "4:14: think: bad duration 'soon': use a duration (2s) or a range (30s..90s), "
                "each a number with a unit: us, ms, s, m or h");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "data:\n  img: {generate: {type: png, size: 3 "
                                            "parsecs}}\n",
                "8:37: generate size: bad size '3 parsecs': use a number with B, KB, MB, GB, "
                "KiB, MiB or GiB (374KB)");
}

static void variables(void)
{
    unsetenv("SURGE_TEST_UNSET");
    EXPECT_ERRS(MIN_PLAN("    - get: /a/${nope}\n"),
                "4:17: get: undefined variable 'nope' (define it in vars:, with --var, or "
                "extract it in an earlier step)");
    EXPECT_ERRS(MIN_PLAN("    - get: \"/a?k=${env.SURGE_TEST_UNSET}\"\n"),
                "4:20: get: environment variable SURGE_TEST_UNSET is not set");
    /* used before the step that extracts it: an error; after: fine */
    EXPECT_ERRS(MIN_PLAN("    - get: /a/${job}\n"
                         "    - get: /b\n      extract: {job: id}\n"
                         "    - get: /c/${job}\n"),
                "4:17: get: undefined variable 'job' (define it in vars:, with --var, or extract "
                "it in an earlier step)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      json: {k: [1, \"x${oops}\"]}\n"),
                "5:25: json: undefined variable 'oops' (define it in vars:, with --var, or "
                "extract it in an earlier step)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a/${vu\n"), "4:15: get: unterminated ${");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {vu: id}\n"),
                "5:17: extract: 'vu' is a built-in variable; choose another name");
}

static void references(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: t, flow: g, executor: constant-vus, "
                                            "vus: 1, duration: 1s}\n",
                "7:21: flow: unknown flow 'g'; flows: f");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: t, flow: other, executor: constant-vus, "
                                            "vus: 1, duration: 1s}\n",
                "7:21: flow: unknown flow 'other'; flows: f");
    EXPECT_ERRS(MIN_PLAN("    - post: /a\n      body: \"@pics\"\n"),
                "5:14: body: unknown data payload 'pics' (the plan has no data: section)");
    EXPECT_ERRS(
        MIN_PLAN("    - post: /a\n      multipart: [{name: f, files: photo}]\n") "data:\n"
                                                                                 "  photos: "
                                                                                 "{file: "
                                                                                 "images/"
                                                                                 "a.jpg}\n",
        "5:36: multipart files: unknown data payload 'photo' (did you mean 'photos'?)");
    EXPECT_ERRS(MIN_PLAN("    - name: x\n      get: /a\n    - name: x\n      get: /b\n"),
                "6:13: duplicate step name 'x' in flow 'f' (first at line 4); names must be "
                "unique within a flow");
}

static void executors(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: l, flow: f, executor: ladder}\n",
                "7:5: scenario 'l': the ladder executor needs levels:");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: c, flow: f, executor: constant-vus, "
                                            "vus: 2}\n",
                "7:5: scenario 'c': the constant-vus executor needs duration:");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: r, flow: f, executor: "
                                            "constant-arrival-rate, duration: 1s}\n",
                "7:5: scenario 'r': the constant-arrival-rate executor needs rate:",
                "7:5: scenario 'r': the constant-arrival-rate executor needs max_vus:");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: c, flow: f, executor: constant-vus, "
                                            "vus: 2, duration: 1s, levels: [1]}\n",
                "7:70: 'levels' does not apply to the constant-vus executor (it takes vus, "
                "duration)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: c, flow: f, executor: constant-vus, "
                                            "vus: 2, duraton: 1s}\n",
                "7:5: scenario 'c': the constant-vus executor needs duration:",
                "7:56: unknown key 'duraton' in a scenario (did you mean 'duration'?); valid "
                "keys: name, flow, executor, start, after, graceful_stop, restart_at, criteria, vus, duration");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: c, flow: f, executor: constant-vu}\n",
                "7:34: executor: unknown executor 'constant-vu' (did you mean 'constant-vus'?); "
                "executors: ladder, constant-vus, ramping-vus, per-vu-iterations, "
                "shared-iterations, constant-arrival-rate, ramping-arrival-rate, capacity");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: c, flow: f, executor: ramping-vus, "
                                            "stages: [{rate: 2, for: 1s}]}\n",
                "7:57: stage: 'rate' does not apply to ramping-vus (its stages take vus and for)",
                "7:56: stage: needs vus: and for: ({vus: 10, for: 1m})");
}

static void numbers(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: c, flow: f, executor: constant-vus, "
                                            "vus: 0, duration: 1s}\n",
                "7:53: vus: 0 is out of range: must be 1 to 1000000");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: l, flow: f, executor: ladder, levels: "
                                            "[1, 5, 5, 3, -1]}\n",
                "7:57: levels: 5 after 5: levels must go up",
                "7:60: levels: 3 after 5: levels must go up",
                "7:63: levels: -1 is out of range: must be 1 to 1000000");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: r, flow: f, executor: "
                                            "constant-arrival-rate, rate: 0, duration: 1s, "
                                            "max_vus: 2}\n",
                "7:63: rate: 0 must be greater than 0");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: r, flow: f, executor: "
                                            "ramping-arrival-rate, stages: [{rate: 1, for: "
                                            "1s}], max_vus: 2, pre_allocated_vus: 3}\n",
                "7:117: pre_allocated_vus: 3 is more than max_vus (2)");
}

static void payload_errors(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "data:\n  gone: {file: images/nope.png}\n"
                                            "  none: {glob: \"images/*.gif\"}\n",
                "8:3: data gone: cannot read 'DIR/images/nope.png': No such file or directory",
                "9:3: data none: no files match 'DIR/images/*.gif'");
}

static void status_regex_paths(void)
{
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      expect: {status: [200, 6xx, 99, ok]}\n"),
                "5:30: expect status: bad status '6xx': use a code (200), a class (\"2xx\", 1xx "
                "to 5xx) or a list of them",
                "5:35: expect status: 99 is not an HTTP status (100 to 599)",
                "5:39: expect status: bad status 'ok': use a code (200), a class (\"2xx\", 1xx "
                "to 5xx) or a list of them");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {id: {regex: \"id=(\", group: 1}}\n"),
                "5:30: extract id: bad regex 'id=(': Unmatched ( or \\(");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {id: {regex: \"id=([0-9]+)\", group: "
                         "2}}\n"),
                "5:51: extract group: 2 is out of range: must be 0 to 1");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {id: \"a..b\"}\n"),
                "5:24: extract id: bad JSON path 'a..b': expected a name, got '.'");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      expect: {json: \"status\"}\n"),
                "5:29: expect json: bad condition: expected an operator (== != < <= > >= exists "
                "!exists), got end of text");
}

/* extract sources combined with regex:, cookie:, and the cookies: step option */
static void extracts_and_cookies(void)
{
    struct plan *p = NULL;
    char *errs = load(MIN_PLAN("    - get: /a\n"
                               "      headers: {X-T: \"${cookie.csrftoken}\", Cookie: \"a=${cookie.b@/x}\"}\n"
                               "      extract:\n"
                               "        h: {header: Set-Cookie, regex: 'csrftoken=([^;]+)'}\n"
                               "        j: {json: data.token, regex: '^Bearer (.*)$'}\n"
                               "        c: {cookie: sid}\n"
                               "        cr: {cookie: sid, regex: 'x(.)', group: 0}\n"
                               "        w: {header: X-Id, regex: '[0-9]+'}\n"
                               "      cookies: {clear: true, set: {lang: en, who: \"v${vu}\"}}\n"
                               "    - get: \"/b/${cookie.sid}/${c}\"\n"
                               "      cookies: {clear: false}\n"),
                      NULL, &p);
    CHECK(errs == NULL);
    if (errs)
        printf("    errors were:\n%s", errs);
    free(errs);
    if (!p)
        return;
    const struct plan_step *s = &p->flows[0].steps[0];
    CHECK_INT(s->nextract, 5);
    CHECK_INT(s->extract[0].from, EXTRACT_HEADER);
    CHECK_STR(s->extract[0].header, "Set-Cookie");
    CHECK(s->extract[0].regex != NULL && s->extract[0].group == 1);
    CHECK_INT(s->extract[1].from, EXTRACT_JSON);
    CHECK(s->extract[1].path != NULL && s->extract[1].regex != NULL);
    CHECK_INT(s->extract[2].from, EXTRACT_COOKIE);
    CHECK_STR(s->extract[2].cookie, "sid");
    CHECK(s->extract[2].regex == NULL);
    CHECK_INT(s->extract[3].from, EXTRACT_COOKIE);
    CHECK(s->extract[3].regex != NULL && s->extract[3].group == 0);
    CHECK_INT(s->extract[4].group, 0); /* no capture group: the whole match */
    CHECK_INT(s->cookies_clear, 1);
    CHECK_INT(s->ncookies_set, 2);
    CHECK_STR(s->cookies_set[0].name, "lang");
    CHECK_STR(s->cookies_set[1].name, "who");
    CHECK(!tmpl_is_literal(s->cookies_set[1].value));
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {h: {cookie: a}}\n"
                         "      cookies: {set: {b: \"${h}\"}}\n"),
                "6:29: cookies set b: undefined variable 'h' (define it in vars:, with --var, or "
                "extract it in an earlier step)"); /* set before the request: not yet extracted */
    CHECK_INT(p->flows[0].steps[1].cookies_clear, 0);
    CHECK_INT(p->flows[0].steps[1].ncookies_set, 0);
    plan_free(p);

    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {header: A, cookie: b}}\n"),
                "5:20: extract x: give one of json:, header: or cookie: (each may take a regex:), "
                "or regex: alone for the body");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {group: 1}}\n"),
                "5:20: extract x: give one of json:, header: or cookie: (each may take a regex:), "
                "or regex: alone for the body");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {cookie: b, group: 1}}\n"),
                "5:39: extract x: group: goes with regex:");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {cookie: \"a b\"}}\n"),
                "5:30: extract x: 'a b' is not a valid cookie name");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {cookie: \"\"}}\n"),
                "5:30: extract x: '' is not a valid cookie name");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {header: A, regex: \"(\"}}\n"),
                "5:40: extract x: bad regex '(': Unmatched ( or \\(");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {json: \"a..b\", regex: \"x\"}}\n"),
                "5:30: extract x: bad JSON path 'a..b': expected a name, got '.'");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {cookie: a, regex: \"(.)\", group: 2}}\n"),
                "5:53: extract group: 2 is out of range: must be 0 to 1");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      extract: {x: {cookie: a, reggex: b}}\n"),
                "5:32: unknown key 'reggex' in extract x (did you mean 'regex'?); valid keys: json, "
                "header, cookie, regex, group");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      cookies: {clear: yes please}\n"),
                "5:24: cookies clear: expected true or false, got a string");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      cookies: {sett: {a: b}}\n"),
                "5:17: unknown key 'sett' in cookies (did you mean 'set'?); valid keys: clear, set");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      cookies: {set: {\"a b\": c, d: \"${nope}\"}}\n"),
                "5:24: cookies set: 'a b' is not a valid cookie name",
                "5:39: cookies set d: undefined variable 'nope' (define it in vars:, with --var, "
                "or extract it in an earlier step)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n      cookies: [clear]\n"),
                "5:16: cookies: expected a mapping, got a list");
    EXPECT_ERRS("vars: {a: \"x${cookie.sid}\"}\n" MIN_PLAN("    - get: /a\n"),
                "1:8: vars a: ${cookie.NAME} cannot be used in a var (vars are set before any "
                "response): write it in the step that sends it");
    EXPECT_ERRS(MIN_PLAN("    - get: \"/a/${cookie.}\"\n"),
                "4:25: get: expected a cookie name after 'cookie.', got '}'");
    EXPECT_ERRS(MIN_PLAN("    - get: \"/a/${cookie.x@y}\"\n"),
                "4:27: get: a cookie's path starts with '/': ${cookie.x@/path}");
}

static void many_errors(void)
{
    char *errs = load("target: http://127.0.0.1\n"
                      "flows:\n"
                      "  f:\n"
                      "    - get: /a/${x}\n"
                      "      timeout: 3\n"
                      "    - think: x\n"
                      "scenarios:\n"
                      "  - {name: s, flow: g, executor: ladder, levels: [2, 1]}\n"
                      "tagret: 1\n",
                      NULL, NULL);
    CHECK_INT(count_lines(errs), 6);
    CHECK(has_line(errs, "4:17: get: undefined variable 'x' (define it in vars:, with --var, or "
                         "extract it in an earlier step)"));
    CHECK(has_line(errs, "5:16: timeout: bad duration '3': use a number with a unit: us, ms, s, "
                         "m or h (250ms, 30s, 1m30s)"));
    CHECK(strstr(errs, "plan.yaml:6:14: think: bad duration 'x'") != NULL);
    CHECK(has_line(errs, "8:21: flow: unknown flow 'g'; flows: f"));
    CHECK(has_line(errs, "8:54: levels: 1 after 2: levels must go up"));
    CHECK(strstr(errs, "plan.yaml:9:1: unknown key 'tagret' in the plan (did you mean "
                       "'target'?)") != NULL);
    /* in file order */
    CHECK(strstr(errs, ":4:17:") < strstr(errs, ":5:16:") &&
          strstr(errs, ":8:54:") < strstr(errs, ":9:1:"));
    free(errs);
}

static void overrides(void)
{
    const char *vars[] = {"user=bob", "extra=${user}-2", "size=9"};
    struct plan_overrides ov = {.vars = vars, .nvars = 3, .target = "https://example.com:8443"};
    struct plan *p = NULL;
    char *errs = load("target: http://127.0.0.1\nvars: {size: 1}\nflows:\n  f:\n"
                      "    - get: /a/${user}/${extra}/${size}\n"
                      "scenarios:\n"
                      "  - {name: a, flow: f, executor: constant-vus, vus: 1, duration: 1s}\n"
                      "  - {name: b, flow: f, executor: constant-vus, vus: 1, duration: 1s}\n"
                      "  - {name: c, flow: f, executor: constant-vus, vus: 1, duration: 1s}\n",
                      &ov, &p);
    CHECK(errs == NULL);
    free(errs);
    if (p) {
        CHECK_STR(p->target, "https://example.com:8443");
        CHECK_INT(p->nvars, 3);
        CHECK_STR(p->vars[0].name, "size");
        CHECK_STR(lit(p->vars[0].value), "9");
        CHECK_STR(p->vars[1].name, "user");
        CHECK_STR(lit(p->vars[1].value), "bob");
        CHECK_STR(p->vars[2].name, "extra");
        CHECK_INT(p->nscenarios, 3);
        plan_free(p);
    }

    const char *keep[] = {"c", "a"};
    struct plan_overrides ov2 = {.scenarios = keep, .nscenarios = 2};
    const char *text = "target: http://127.0.0.1\nflows:\n  f:\n    - get: /\n"
                       "scenarios:\n"
                       "  - {name: a, flow: f, executor: constant-vus, vus: 1, duration: 1s}\n"
                       "  - {name: b, flow: f, executor: constant-vus, vus: 2, duration: 1s}\n"
                       "  - {name: c, flow: f, executor: constant-vus, vus: 3, duration: 1s}\n";
    errs = load(text, &ov2, &p);
    CHECK(errs == NULL);
    free(errs);
    if (p) {
        CHECK_INT(p->nscenarios, 2);
        CHECK_STR(p->scenarios[0].name, "a");
        CHECK_STR(p->scenarios[1].name, "c");
        CHECK_INT(p->scenarios[1].vus, 3);
        plan_free(p);
    }

    const char *unknown[] = {"d"};
    struct plan_overrides ov3 = {.scenarios = unknown, .nscenarios = 1, .target = "ftp://x"};
    errs = load(text, &ov3, NULL);
    CHECK(has_line(errs, "--scenario d: no such scenario; plan has a, b, c"));
    CHECK(has_line(errs, "--target ftp://x: unsupported scheme 'ftp' (use http:// or https://)"));
    CHECK_INT(count_lines(errs), 2);
    free(errs);

    const char *badvar[] = {"novalue", "x=${nope}"};
    struct plan_overrides ov4 = {.vars = badvar, .nvars = 2, .time_scale = -1};
    errs = load(text, &ov4, NULL);
    CHECK(has_line(errs, "--var novalue: expected NAME=VALUE"));
    CHECK(has_line(errs, "--var x=${nope}: undefined variable 'nope' (define it in vars:, with "
                         "--var, or extract it in an earlier step)"));
    CHECK(has_line(errs, "--time-scale -1: must be a number more than 0"));
    CHECK_INT(count_lines(errs), 3);
    free(errs);

    /* a path with no target anywhere */
    EXPECT_ERRS("flows: {f: [{get: /a}, {get: \"http://h/b\"}]}\nscenarios: [{name: s, flow: f, "
                "executor: per-vu-iterations, vus: 1, iterations: 1}]\n",
                "1:19: get: the path '/a' needs a target: set target: in the plan or pass "
                "--target");
    /* absolute URLs: the target's origin stays on the target's connection; other origins
     * are collected once each (keyed: default port, case), in order of first use */
    p = NULL;
    errs = load("target: http://a:1/p\nflows: {f: [{get: \"http://A:1/ok\"}, {get: \"http://a:2/b\"},"
                " {post: \"HTTP://a:2/c?x=${vu}\"}, {get: \"https://b/\"}, {get: \"https://B:443/z\"}]}\n"
                "scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}]\n",
                NULL, &p);
    CHECK(errs == NULL);
    free(errs);
    if (p) {
        CHECK_INT(p->norigins, 2);
        CHECK_STR(p->origins[0].key, "http://a:2");
        CHECK_STR(p->origins[0].url, "http://a:2/b");
        CHECK_INT(p->origins[0].loc.line, 2);
        CHECK_STR(p->origins[1].key, "https://b:443");
        const int want[] = {0, 1, 1, 2, 2};
        for (int i = 0; i < 5; i++)
            CHECK_INT(p->flows[0].steps[i].origin, want[i]);
        plan_free(p);
    }
    /* the origin must be written out: it is resolved before the run */
    EXPECT_ERRS("target: http://a:1/p\nvars: {h: x}\nflows: {f: [{get: \"http://${h}:2/b\"}]}\n"
                "scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}]\n",
                "3:20: get: 'http://${h}:2/b': write the scheme, host and port of an absolute URL "
                "out (${} only after them)");
}

static void aliases_and_limits(void)
{
    /* anchors work; a billion-laughs of steps is refused, not expanded forever */
    struct plan *p = NULL;
    char *errs = load("target: http://h\n"
                      "flows:\n"
                      "  f:\n"
                      "    - &s {get: /a, headers: &h {X-A: \"1\"}}\n"
                      "    - {get: /b, headers: *h}\n"
                      "scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, "
                      "iterations: 1}]\n",
                      NULL, &p);
    CHECK(errs == NULL);
    free(errs);
    if (p) {
        CHECK_INT(p->flows[0].nsteps, 2);
        CHECK_STR(p->flows[0].steps[1].headers[0].name, "X-A");
        plan_free(p);
    }
    /* 12 x 10 x 10 x 10 steps through aliases: refused at the limit, quickly */
    errs = load("target: http://h\n"
                "flows:\n"
                "  a: &a [{think: 1s}, {think: 1s}, {think: 1s}, {think: 1s}, {think: 1s},\n"
                "         {think: 1s}, {think: 1s}, {think: 1s}, {think: 1s}, {think: 1s}]\n"
                "  b: &b [&t {transaction: t, steps: *a}, *t, *t, *t, *t, *t, *t, *t, *t, *t]\n"
                "  c: &c [&u {transaction: u, steps: *b}, *u, *u, *u, *u, *u, *u, *u, *u, *u]\n"
                "  d: [&v {transaction: v, steps: *c}, *v, *v, *v, *v, *v, *v, *v, *v, *v]\n"
                "scenarios: [{name: s, flow: a, executor: per-vu-iterations, vus: 1, "
                "iterations: 1}]\n",
                NULL, NULL);
    CHECK(errs && strstr(errs, "too many steps: a plan may have at most 10000 in all its flows"));
    free(errs);
}

/* criteria: and workload: (issue 9): plain and tiered criteria, per scenario, errors at the
 * column inside the expression */
/* recovery: {tolerance, hold} on a spiking scenario; elsewhere or malformed: errors */
static void recovery_settings(void)
{
    struct plan *p = NULL;
    char *errs = load(MIN_PLAN("    - get: /a\n")
                      "  - {name: r, flow: f, executor: ramping-vus, stages: [{vus: 4, for: 2s}],"
                      " recovery: {tolerance: 50%, hold: 2500ms}}\n",
                      NULL, &p);
    CHECK(errs == NULL);
    free(errs);
    if (p) {
        CHECK_NEAR(p->scenarios[1].recovery_tol_pct, 50, 0);
        CHECK_INT((long long)p->scenarios[1].recovery_hold_us, 2500000);
        CHECK_NEAR(p->scenarios[0].recovery_tol_pct, 0, 0);
        plan_free(p);
    }
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: r, flow: f, executor: ramping-vus, "
                                            "stages: [{vus: 4, for: 2s}], recovery: "
                                            "{tolerance: 0.2, hold: 0s}}\n",
                "7:98: recovery.tolerance: '0.2' is not a percentage above 0 such as 20%",
                "7:109: recovery.hold: must be above 0 (how long p95 and errors stay back)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: r, flow: f, executor: ramping-vus, "
                                            "stages: [{vus: 4, for: 2s}], recovery: "
                                            "{tolerance: 20%, for: 1s}}\n",
                "7:103: unknown key 'for' in recovery; valid keys: tolerance, hold");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "  - {name: c, flow: f, executor: constant-vus, "
                                            "vus: 2, duration: 1s, recovery: {hold: 1s}}\n",
                "7:70: 'recovery' does not apply to the constant-vus executor (it takes vus, "
                "duration)");
}

static void criteria_workload(void)
{
    struct plan *p = NULL;
    char *errs = load(MIN_PLAN("    - get: /a\n")
                      "  - {name: t, flow: f, executor: constant-vus, vus: 1, duration: 1s, "
                      "criteria: [\"p95(latency) < 2s\"]}\n"
                      "criteria:\n"
                      "  - error_rate < 1%\n"
                      "  - {name: gen, expr: p95(generation), target: \"< 120s\", "
                      "acceptable: \"< 150s\"}\n"
                      "  - {expr: error_rate < 5%, abort_on_fail: true, window: 10s}\n"
                      "workload: {users: 30, rate: 2/min, memory_limit: 2GB}\n",
                      NULL, &p);
    CHECK(errs == NULL);
    if (errs)
        printf("    %s", errs);
    free(errs);
    if (p) {
        CHECK_INT(json_array_size(p->criteria), 3);
        CHECK_STR(json_string_value(json_array_get(p->criteria, 0)), "error_rate < 1%");
        CHECK(p->scenarios[0].criteria == NULL);
        CHECK_INT(json_array_size(p->scenarios[1].criteria), 1);
        CHECK_INT(json_integer_value(json_object_get(p->workload, "users")), 30);
        plan_free(p);
    }
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "criteria:\n  - p95(latency) < 5%\n",
                "8:20: criteria: p95(latency) is a time (ms, s, m, h), not a percent figure "
                "('%')");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "criteria:\n  - \"eror_rate < 1%\"\n",
                "8:6: criteria: unknown quantity 'eror_rate' (did you mean 'error_rate'?)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n")
                    "criteria:\n  - {expr: p95(x), target: < 1s, acceptable: < 2}\n",
                "8:48: criterion: acceptable: p95(x) is a time (ms, s, m, h): '2' needs a unit");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "criteria:\n  - {expr: p95(x), acceptable: < 2s, "
                                            "windw: 1s}\n",
                "8:38: unknown key 'windw' in a criterion (did you mean 'window'?); valid keys: "
                "name, expr, target, acceptable, abort_on_fail, window",
                "8:32: criterion: acceptable: needs a target: too");
    /* the capacity executor: its keys, and criteria to steer by */
    errs = load(MIN_PLAN("    - get: /a\n")
                "  - {name: c, flow: f, executor: capacity, start_vus: 2, step: 3, max_vus: 50, "
                "hold: 2s, precision: 2, criteria: [error_rate < 1%]}\n",
                NULL, &p);
    CHECK(errs == NULL);
    free(errs);
    if (p) {
        const struct plan_scenario *c = &p->scenarios[1];
        CHECK_INT(c->exec, EXEC_CAPACITY);
        CHECK_INT(c->start_vus, 2);
        CHECK_INT(c->step_vus, 3);
        CHECK_INT(c->max_vus, 50);
        CHECK_INT(c->precision, 2);
        CHECK_INT(c->hold_us, 2000000);
        CHECK_NEAR(c->step_factor, 2, 0);
        CHECK_STR(plan_exec_name(c->exec), "capacity");
        plan_free(p);
    }
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n")
                    "  - {name: c, flow: f, executor: capacity, hold: 1s, step: 2, factor: 3, "
                    "start_vus: 5, max_vus: 4}\n",
                "7:5: scenario 'c': the capacity executor needs criteria: (its own or the plan's) "
                "to know when a level is too much",
                "7:71: factor: a capacity search raises VUs by step: or by factor:, not both",
                "7:97: max_vus: 4 is less than start_vus (5)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n")
                    "criteria:\n  - {expr: recovery < 1m, abort_on_fail: true}\n",
                "8:42: criterion: abort_on_fail: recovery cannot be followed second by second "
                "(live: error_rate, success_rate, failed, requests, rps, dropped, "
                "p50/p90/p95/p99/max(latency), watch.NAME)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "criteria: {a: 1}\n",
                "7:11: criteria: expected a list, got a mapping");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "criteria:\n  - {name: x}\n",
                "8:5: criteria: expr: is required (the quantity, with its bounds in target: and "
                "acceptable:, or a whole expression)");
    EXPECT_ERRS(MIN_PLAN("    - get: /a\n") "workload: {users: 0, rate: 2/min/s, "
                                            "memory_limit: lots, ram: 1}\n",
                "7:19: workload: users: 0 is out of range: must be 1 to 100000000",
                "7:28: workload: rate: expected a rate such as 2/min, 10/s or 100/h, got "
                "'2/min/s'",
                "7:51: workload: memory_limit: expected a size such as 2GB or 512MiB, got 'lots'",
                "7:57: unknown key 'ram' in workload (did you mean 'rate'?); valid keys: users, rate, memory_limit");
}

/* ws: steps: the loaded shape, defaults, the connect key's step, and the errors */
static void ws_steps(void)
{
    struct plan *p = NULL;
    char *errs = load(MIN_PLAN("    - ws: /ws/${vu}\n"
                               "      name: progress\n"
                               "      send: ['a ${vu}', {k: \"${vu}\"}]\n"
                               "      receive: {until: \"s == done\", timeout: 5s, extract: {r: $.r}}\n"
                               "      each_message: {count: n, extract: {pct: p, t: {regex: 't=(.)'}}}\n"
                               "      reconnect: {attempts: 2}\n"
                               "      resume_check: {get: \"/j/${n}\", extract: {q: x}}\n"
                               "      drop_after: 2s\n"
                               "    - {get: \"/next/${r}/${pct}/${t}/${q}\"}\n"
                               "    - {ws: /plain, send: hi}\n"),
                      NULL, &p);
    if (errs)
        printf("    errors were:\n%s", errs);
    CHECK(errs == NULL);
    free(errs);
    if (!p)
        return;
    const struct plan_flow *f = &p->flows[0];
    CHECK_INT(f->nsteps, 5); /* ws, its connect key, get, ws, its connect key */
    const struct plan_step *s = &f->steps[0];
    CHECK_INT(s->kind, STEP_WS);
    CHECK_STR(s->name, "progress");
    CHECK_INT(f->steps[1].kind, STEP_WS_CONNECT);
    CHECK_STR(f->steps[1].name, "progress connect");
    CHECK_INT(s->ws->nsend, 2);
    CHECK(s->ws->until != NULL);
    CHECK_INT(s->ws->receive_timeout_us, 5000000);
    CHECK_INT(s->nextract, 1);
    CHECK_STR(s->ws->count_var, "n");
    CHECK_INT(s->ws->neach, 2);
    CHECK_INT(s->ws->each[1].from, EXTRACT_REGEX);
    CHECK_INT(s->ws->reconnect_attempts, 2);
    CHECK_INT(s->ws->reconnect_backoff_us, 1000000); /* default 1s */
    CHECK(s->ws->resume != NULL && s->ws->resume->kind == STEP_REQUEST);
    CHECK_STR(s->ws->resume->method, "GET");
    CHECK_INT(s->ws->drop_after_us, 2000000);
    const struct plan_step *w2 = &f->steps[3];
    CHECK_STR(w2->name, "WS /plain");
    CHECK(w2->ws->until == NULL && w2->ws->nsend == 1 && w2->ws->reconnect_attempts == 0);
    CHECK_INT(w2->ws->receive_timeout_us, 60000000); /* the step's timeout */
    plan_free(p);

    EXPECT_ERRS(MIN_PLAN("    - {ws: /a, get: /b}\n"),
                "4:7: a step is one of a request (get:, post:, ...), ws:, think: or "
                "transaction:, not several");
    EXPECT_ERRS(MIN_PLAN("    - {ws: /a, name: x}\n    - {ws: /b, name: x}\n"),
                "5:22: duplicate step name 'x' in flow 'f' (first at line 4); names must be "
                "unique within a flow");
    EXPECT_ERRS(MIN_PLAN("    - {ws: /a, resume_check: {get: /b}}\n"),
                "4:30: resume_check: goes with receive: until: (it is checked on the check's "
                "JSON body)");
    EXPECT_ERRS(MIN_PLAN("    - {ws: /a, receive: {until: \"x == 1\"}, resume_check: {x: 1}}\n"),
                "4:58: resume_check: a request step (get:, post:, ...)");
    EXPECT_ERRS(MIN_PLAN("    - {ws: /a, each_message: {count: vu}}\n"),
                "4:38: each_message count: 'vu' is not a variable name of your own");
    EXPECT_ERRS(MIN_PLAN("    - {ws: \"/a/${nope}\"}\n"),
                "4:18: ws: undefined variable 'nope' (define it in vars:, with --var, or extract "
                "it in an earlier step)");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/surge-test-plan-XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL test_plan: mkdtemp\n");
        return 1;
    }
    setup_files();
    RUN(full);
    RUN(time_scale);
    RUN(yaml_syntax);
    RUN(scenario_after);
    RUN(unknown_keys);
    RUN(wrong_types);
    RUN(durations_sizes);
    RUN(variables);
    RUN(references);
    RUN(executors);
    RUN(numbers);
    RUN(payload_errors);
    RUN(status_regex_paths);
    RUN(many_errors);
    RUN(extracts_and_cookies);
    RUN(overrides);
    RUN(aliases_and_limits);
    RUN(recovery_settings);
    RUN(criteria_workload);
    RUN(ws_steps);
    for (int i = nmade - 1; i >= 0; i--)
        remove(made[i]);
    rmdir(dir);
    UNIT_EXIT();
}
