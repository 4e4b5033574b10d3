/* load.c — plan_load: a YAML plan file read, checked (every problem as FILE:LINE:COL)
 * and turned into struct plan; target, defaults, vars, data, scenarios and the
 * command-line overrides here, flows in load_flow.c. */
#include "engine/srcaddr.h"
#include "engine/url.h"
#include "plan/load_int.h"
#include "plan/payload.h"
#include "util/redact.h"
#include "util/units.h"

#include <errno.h>
#include <glob.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define US_PER_S 1000000ull
#define DEFAULT_TIMEOUT_US (60 * US_PER_S)
#define DEFAULT_CONNECT_TIMEOUT_US (10 * US_PER_S)
#define DEFAULT_TIME_UNIT_US (1 * US_PER_S)
#define DEFAULT_GRACEFUL_STOP_US (30 * US_PER_S)
#define DEFAULT_MAX_DURATION_US (600 * US_PER_S)
#define DEFAULT_MAX_PAYLOAD (1ull << 30) /* bytes one data entry may load or generate */
#define MAX_VUS 1000000
#define SECTION_JSON_BUDGET 1000000

/* THE table of top-level plan keys. A key whose stage is not implemented yet has
 * `todo` set: using it is an error at load time ("criteria: not supported yet"), so a
 * plan never looks checked when it was not. A stage that lands makes its key valid
 * with a one-line change here (todo -> NULL). */
static const struct top_key {
    const char *name;
    const char *todo; /* NULL: implemented; else what is missing, for the error */
} TOP_KEYS[] = {
    {"target", NULL},
    {"defaults", NULL},
    {"vars", NULL},
    {"data", NULL},
    {"flows", NULL},
    {"scenarios", NULL},
    {"watch", NULL},
    {"criteria", NULL},
    {"workload", NULL},
    {"on_saturation", NULL},
    {"report", NULL},
};
#define NTOP_KEYS ((int)(sizeof TOP_KEYS / sizeof TOP_KEYS[0]))
static const char *const DEFAULTS_KEYS[] = {"headers",  "timeout", "connect_timeout",
                                            "insecure", "cacert",  "source_addresses",
                                            "redact",   NULL};
static const char *const DATA_KEYS[] = {"generate", "file", "glob", NULL};
static const char *const GENERATE_KEYS[] = {"type", "count", "size", "seed", NULL};

/* Scenario keys: those every executor takes, then each executor's own. */
static const char *const SCEN_COMMON[] = {"name",       "flow",     "executor", "start", "after",
                                          "graceful_stop", "restart_at", "criteria", NULL};
static const char *const RECOVERY_KEYS[] = {"tolerance", "hold", NULL};
static const char *const K_LADDER[] = {"levels",  "iterations_per_vu", "hold",
                                       "between", "max_duration",      NULL};
static const char *const K_PER_VU[] = {"vus", "iterations", "max_duration", NULL};
static const char *const K_CONST_VUS[] = {"vus", "duration", NULL};
static const char *const K_RAMP_VUS[] = {"start_vus", "stages", "recovery", NULL};
static const char *const K_CONST_RATE[] = {"rate",    "time_unit", "duration", "pre_allocated_vus",
                                           "max_vus", NULL};
static const char *const K_RAMP_RATE[] = {"start_rate", "stages", "recovery", "time_unit",
                                          "pre_allocated_vus", "max_vus", NULL};
static const char *const K_CAPACITY[] = {"start_vus", "step",    "factor",    "max_vus",
                                         "hold",      "between", "precision", NULL};

static const struct exec_def {
    const char *name;
    enum plan_exec exec;
    const char *const *keys;
    const char *required[4];
} EXECS[] = {
    {"ladder", EXEC_LADDER, K_LADDER, {"levels"}},
    {"per-vu-iterations", EXEC_PER_VU_ITERATIONS, K_PER_VU, {"vus", "iterations"}},
    {"shared-iterations", EXEC_SHARED_ITERATIONS, K_PER_VU, {"vus", "iterations"}},
    {"constant-vus", EXEC_CONSTANT_VUS, K_CONST_VUS, {"vus", "duration"}},
    {"ramping-vus", EXEC_RAMPING_VUS, K_RAMP_VUS, {"stages"}},
    {"constant-arrival-rate",
     EXEC_CONSTANT_ARRIVAL_RATE,
     K_CONST_RATE,
     {"rate", "duration", "max_vus"}},
    {"ramping-arrival-rate", EXEC_RAMPING_ARRIVAL_RATE, K_RAMP_RATE, {"stages", "max_vus"}},
    {"capacity", EXEC_CAPACITY, K_CAPACITY, {"hold"}},
};
#define NEXECS ((int)(sizeof EXECS / sizeof EXECS[0]))

const char *plan_exec_name(enum plan_exec e)
{
    for (int i = 0; i < NEXECS; i++)
        if (EXECS[i].exec == e)
            return EXECS[i].name;
    return "unknown";
}

static int in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(s, list[i]))
            return 1;
    return 0;
}

/* A path from the plan, relative to the plan file's directory unless absolute. With
 * `glob`, the directory's own glob characters are escaped. */
static char *plan_path(struct ld *l, const char *s, int glob)
{
    if (s[0] == '/' || !strcmp(l->dir, "."))
        return ld_strdup(l, s);
    size_t dl = strlen(l->dir), sl = strlen(s);
    char *r = malloc(2 * dl + sl + 2);
    if (!r) {
        l->oom = 1;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < dl; i++) {
        if (glob && strchr("*?[\\", l->dir[i]))
            r[o++] = '\\';
        r[o++] = l->dir[i];
    }
    r[o++] = '/';
    memcpy(r + o, s, sl + 1);
    return r;
}

/* ---- target, defaults, vars ---- */

static void target(struct ld *l, const struct ynode *n)
{
    struct plan *p = l->p;
    char err[200];
    struct url u = {0};
    if (n && n->kind == YN_MAP) {
        ld_target_map(l, n); /* target: {url, command, ready, ...} */
    } else if (n) {
        const char *s = ld_str(l, n, "target");
        if (s && url_parse(s, &u, err, sizeof err) != 0)
            ld_errn(l, n, "target: bad URL '%s': %s", s, err);
        else if (s)
            p->target = ld_strdup(l, s);
        url_free(&u);
        p->target_loc = (struct plan_loc){n->line, n->col};
    }
    if (l->ov && l->ov->target) {
        if (url_parse(l->ov->target, &u, err, sizeof err) != 0) {
            ld_err(l, -1, 0, "--target %s: %s", l->ov->target, err);
        } else {
            free(p->target);
            p->target = ld_strdup(l, l->ov->target);
            p->target_loc = (struct plan_loc){0, 0};
        }
        url_free(&u);
    }
}

/* defaults.redact: more header names whose values are secrets (besides the built-in
 * ones), registered process-wide in util/redact (one plan per process). */
static void defaults_redact(struct ld *l, const struct ynode *v)
{
    if (ld_want_seq(l, v, "defaults redact") != 0)
        return;
    for (int i = 0; i < v->n; i++) {
        const char *name = ld_str(l, v->items[i], "defaults redact");
        if (!name)
            continue;
        int rc = name[0] ? redact_add_header(name) : -EINVAL;
        if (rc == -EINVAL)
            ld_errn(l, v->items[i], "defaults redact: '%s' is not a header name", name);
        else if (rc == -ENOSPC)
            ld_errn(l, v->items[i], "defaults redact: at most %d header names",
                    REDACT_MAX_HEADERS);
        else if (rc)
            l->oom = 1;
    }
}

static void defaults(struct ld *l, const struct ynode *n)
{
    struct plan_defaults *d = &l->p->defaults;
    d->timeout_us = ld_net_timeout(l, DEFAULT_TIMEOUT_US, 0);
    d->connect_timeout_us = ld_net_timeout(l, DEFAULT_CONNECT_TIMEOUT_US, 1);
    if (!n || yaml_is_null(n) || ld_want_map(l, n, "defaults") != 0)
        return;
    ld_check_keys(l, n, "defaults", DEFAULTS_KEYS);
    const struct ynode *v;
    if ((v = yaml_map_get(n, "headers")) && !yaml_is_null(v)) {
        l->def_headers = v;
        ld_kv_map(l, v, "defaults headers", 1, &d->headers, &d->nheaders);
    }
    if ((v = yaml_map_get(n, "timeout")) && ld_timeout(l, v, "timeout", &d->timeout_us, 0) == 0 &&
        d->timeout_us == 0)
        ld_errn(l, v, "timeout: must be more than 0s");
    if ((v = yaml_map_get(n, "connect_timeout")) &&
        ld_timeout(l, v, "connect_timeout", &d->connect_timeout_us, 1) == 0 &&
        d->connect_timeout_us == 0)
        ld_errn(l, v, "connect_timeout: must be more than 0s");
    if ((v = yaml_map_get(n, "insecure")))
        ld_bool(l, v, "insecure", &d->insecure);
    if ((v = yaml_map_get(n, "redact")))
        defaults_redact(l, v);
    if ((v = yaml_map_get(n, "cacert"))) {
        const char *s = ld_str(l, v, "cacert");
        char *path = s ? plan_path(l, s, 0) : NULL;
        if (path && access(path, R_OK) != 0) {
            ld_errn(l, v, "cacert: cannot read '%s': %s", path, strerror(errno));
            free(path);
        } else {
            d->cacert = path;
        }
    }
    if ((v = yaml_map_get(n, "source_addresses"))) {
        const char *s = ld_str(l, v, "source_addresses");
        struct srcaddr sa;
        char why[160];
        if (s && srcaddr_parse(s, &sa, why, sizeof why))
            ld_errn(l, v, "source_addresses: %s", why);
        else if (s) {
            srcaddr_free(&sa);
            d->source_addresses = strdup(s);
        }
    }
}

static int add_var(struct ld *l, const char *name, tmpl *t, struct plan_loc loc)
{
    struct plan *p = l->p;
    if (t && tmpl_uses_cookies(t)) { /* vars are expanded once per user, jar still empty */
        ld_err(l, loc.line ? loc.line : -1, loc.col,
               "%s %s: ${cookie.NAME} cannot be used in a var (vars are set before any "
               "response): write it in the step that sends it",
               loc.line ? "vars" : "--var", name);
        tmpl_free(t);
        t = NULL;
    }
    for (int i = 0; i < p->nvars; i++) {
        if (!strcmp(p->vars[i].name, name)) {
            tmpl_free(p->vars[i].value);
            p->vars[i].value = t;
            return 0;
        }
    }
    struct plan_kv *a = realloc(p->vars, (size_t)(p->nvars + 1) * sizeof *a);
    char *nm = ld_strdup(l, name);
    if (!a || !nm) {
        if (a)
            p->vars = a;
        free(nm);
        tmpl_free(t);
        l->oom = 1;
        return -1;
    }
    p->vars = a;
    p->vars[p->nvars++] = (struct plan_kv){nm, t, loc};
    return 0;
}

static void vars(struct ld *l, const struct ynode *n)
{
    struct plan *p = l->p;
    l->vars_visible = 0;
    if (n && !yaml_is_null(n) && ld_want_map(l, n, "vars") == 0) {
        for (int i = 0; i < n->n; i++) {
            const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
            if (!ld_is_ident(k->str)) {
                ld_errn(l, k,
                        "vars: '%s' is not a variable name (letters, digits and _, not "
                        "starting with a digit)",
                        k->str);
                continue;
            }
            if (tmpl_is_reserved(k->str)) {
                ld_errn(l, k, "vars: '%s' is a built-in variable; choose another name", k->str);
                continue;
            }
            char w[160];
            snprintf(w, sizeof w, "vars %s", k->str);
            /* a var may use env.*, built-ins and the vars above it */
            l->vars_visible = p->nvars;
            tmpl *t = ld_tmpl(l, v, w);
            /* added even when broken (reported), so its uses do not cascade */
            add_var(l, k->str, t, (struct plan_loc){k->line, k->col});
        }
    }
    /* --var NAME=VALUE sets or adds a var; its value may use the plan's vars */
    for (int i = 0; l->ov && i < l->ov->nvars; i++) {
        const char *arg = l->ov->vars[i];
        const char *eq = strchr(arg, '=');
        char name[128];
        size_t nl = eq ? (size_t)(eq - arg) : 0;
        if (!eq || nl >= sizeof name) {
            ld_err(l, -1, 0, "--var %s: expected NAME=VALUE", arg);
            continue;
        }
        memcpy(name, arg, nl);
        name[nl] = '\0';
        if (!ld_is_ident(name) || tmpl_is_reserved(name)) {
            ld_err(l, -1, 0, "--var %s: '%s' is not a variable name%s", arg, name,
                   tmpl_is_reserved(name) ? " (it is a built-in)" : "");
            continue;
        }
        char err[200], w[200];
        int ecol = 0;
        tmpl *t = NULL;
        snprintf(w, sizeof w, "--var %s", arg);
        if (tmpl_compile(eq + 1, &t, err, sizeof err, &ecol) != 0) {
            ld_err(l, -1, 0, "%s: %s (at byte %d of the value)", w, err, ecol);
            continue;
        }
        l->vars_visible = p->nvars;
        if (ld_tmpl_names(l, t, eq + 1, -1, 0, w) != 0) {
            tmpl_free(t);
            continue;
        }
        add_var(l, name, t, (struct plan_loc){0, 0});
    }
    l->vars_visible = p->nvars;
}

/* ---- data ---- */

static int check_limit(struct ld *l, const struct ynode *at, const char *name, uint64_t bytes)
{
    if (bytes <= l->max_payload)
        return 0;
    char a[32], b[32];
    ld_errn(l, at, "data %s: %s is more than the %s one data entry may hold", name,
            units_fmt_bytes((double)bytes, a, sizeof a),
            units_fmt_bytes((double)l->max_payload, b, sizeof b));
    return -1;
}

static void generate(struct ld *l, const struct ynode *k, const struct ynode *g,
                     struct payload **out)
{
    char w[160];
    snprintf(w, sizeof w, "data %s generate", k->str);
    if (ld_want_map(l, g, w) != 0)
        return;
    ld_check_keys(l, g, "generate", GENERATE_KEYS);
    const struct ynode *type = yaml_map_get(g, "type"), *count = yaml_map_get(g, "count"),
                       *size = yaml_map_get(g, "size"), *seed = yaml_map_get(g, "seed");
    if (!type || !size) {
        ld_errn(l, g, "%s: needs type: (png or jpeg) and size: (e.g. 374KB)", w);
        return;
    }
    const char *ts = ld_str(l, type, "generate type");
    long long c = 1, sd = 1;
    uint64_t bytes = 0;
    int ok = ts != NULL;
    if (count && ld_int(l, count, "generate count", 1, PAYLOAD_GEN_MAX_COUNT, &c) != 0)
        ok = 0;
    if (seed && ld_int(l, seed, "generate seed", 0, LLONG_MAX, &sd) != 0)
        ok = 0;
    const char *ss = ld_str(l, size, "generate size");
    if (ss && units_parse_size(ss, &bytes) != 0) {
        ld_errn(l, size,
                "generate size: bad size '%s': use a number with B, KB, MB, GB, KiB, "
                "MiB or GiB (374KB)",
                ss);
        ok = 0;
    } else if (!ss) {
        ok = 0;
    }
    if (!ok)
        return;
    if (bytes > PAYLOAD_GEN_MAX_SIZE ||
        check_limit(l, k, k->str, (uint64_t)c * (bytes ? bytes : 1)) != 0) {
        if (bytes > PAYLOAD_GEN_MAX_SIZE)
            ld_errn(l, size, "generate size: at most 64MB per image");
        return;
    }
    char err[256];
    if (payload_generate(ts, (size_t)c, bytes, (uint64_t)sd, out, err, sizeof err) != 0)
        ld_errn(l, k, "data %s: %s", k->str, err);
}

static void file(struct ld *l, const struct ynode *k, const struct ynode *v, struct payload **out)
{
    const char *s = ld_str(l, v, "file");
    char *path = s ? plan_path(l, s, 0) : NULL;
    if (!path)
        return;
    struct stat st;
    char err[512];
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        check_limit(l, k, k->str, (uint64_t)st.st_size) != 0) {
        /* reported */
    } else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        ld_errn(l, k, "data %s: '%s' is not a regular file", k->str, path);
    } else if (payload_from_file(path, out, err, sizeof err) != 0) {
        ld_errn(l, k, "data %s: %s", k->str, err);
    }
    free(path);
}

static void globbed(struct ld *l, const struct ynode *k, const struct ynode *v,
                    struct payload **out)
{
    const char *s = ld_str(l, v, "glob");
    char *pat = s ? plan_path(l, s, 1) : NULL;
    if (!pat)
        return;
    /* size it first, so a pattern matching half the disk is refused before reading */
    glob_t g;
    uint64_t total = 0;
    if (glob(pat, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            struct stat st;
            if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode))
                total += (uint64_t)st.st_size;
        }
        globfree(&g);
    }
    char err[512];
    if (check_limit(l, k, k->str, total) == 0 && payload_from_glob(pat, out, err, sizeof err) != 0)
        ld_errn(l, k, "data %s: %s", k->str, err);
    free(pat);
}

static void data(struct ld *l, const struct ynode *n)
{
    struct plan *p = l->p;
    if (!n || yaml_is_null(n) || ld_want_map(l, n, "data") != 0)
        return;
    p->payloads = calloc((size_t)n->n + 1, sizeof *p->payloads);
    if (!p->payloads) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < n->n; i++) {
        const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
        struct plan_payload *pp = &p->payloads[p->npayloads];
        pp->name = ld_strdup(l, k->str);
        if (!pp->name)
            continue;
        pp->loc = (struct plan_loc){k->line, k->col};
        p->npayloads++;
        char w[160];
        snprintf(w, sizeof w, "data %s", k->str);
        if (ld_want_map(l, v, w) != 0)
            continue;
        ld_check_keys(l, v, w, DATA_KEYS);
        const struct ynode *g = yaml_map_get(v, "generate"), *f = yaml_map_get(v, "file"),
                           *gl = yaml_map_get(v, "glob");
        if (!!g + !!f + !!gl != 1) {
            ld_errn(l, v, "%s: give exactly one of generate:, file: or glob:", w);
            continue;
        }
        struct payload *out = NULL;
        if (g)
            generate(l, k, g, &out);
        else if (f)
            file(l, k, f, &out);
        else
            globbed(l, k, gl, &out);
        pp->data = out;
    }
}

/* ---- scenarios ---- */

static void stages(struct ld *l, struct plan_scenario *s, const struct ynode *n, int vus)
{
    if (ld_want_seq(l, n, "stages") != 0)
        return;
    if (!n->n) {
        ld_errn(l, n, "stages: the list is empty");
        return;
    }
    s->stages = calloc((size_t)n->n, sizeof *s->stages);
    if (!s->stages) {
        l->oom = 1;
        return;
    }
    const char *target = vus ? "vus" : "rate";
    const char *const keys[] = {target, "for", NULL};
    for (int i = 0; i < n->n; i++) {
        const struct ynode *m = n->items[i];
        if (ld_want_map(l, m, "stage") != 0)
            continue;
        for (int j = 0; j < m->n; j++) {
            const struct ynode *k = m->items[2 * j];
            if (!in_list(k->str, keys) && (!strcmp(k->str, "vus") || !strcmp(k->str, "rate")))
                ld_errn(l, k, "stage: '%s' does not apply to %s (its stages take %s and for)",
                        k->str, vus ? "ramping-vus" : "ramping-arrival-rate", target);
            else
                ld_check_keys(l, &(struct ynode){.kind = YN_MAP, .items = m->items + 2 * j, .n = 1},
                              "a stage", keys);
        }
        const struct ynode *t = yaml_map_get(m, target), *f = yaml_map_get(m, "for");
        if (!t || !f) {
            ld_errn(l, m, "stage: needs %s: and for: ({%s: 10, for: 1m})", target, target);
            continue;
        }
        struct plan_stage st = {0};
        int ok = ld_duration(l, f, "stage for", &st.dur_us) == 0;
        if (vus) {
            long long v;
            ok &= ld_int(l, t, "stage vus", 0, MAX_VUS, &v) == 0;
            st.target = (double)v;
        } else {
            ok &= ld_number(l, t, "stage rate", 0, 0, &st.target) == 0;
        }
        if (ok)
            s->stages[s->nstages++] = st;
    }
}

static void levels(struct ld *l, struct plan_scenario *s, const struct ynode *n)
{
    if (ld_want_seq(l, n, "levels") != 0)
        return;
    if (!n->n) {
        ld_errn(l, n, "levels: the list is empty");
        return;
    }
    s->levels = calloc((size_t)n->n, sizeof *s->levels);
    if (!s->levels) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < n->n; i++) {
        long long v;
        if (ld_int(l, n->items[i], "levels", 1, MAX_VUS, &v) != 0)
            continue;
        if (s->nlevels && v <= s->levels[s->nlevels - 1]) {
            ld_errn(l, n->items[i], "levels: %lld after %d: levels must go up", v,
                    s->levels[s->nlevels - 1]);
            continue;
        }
        s->levels[s->nlevels++] = (int)v;
    }
}

static int positive_duration(struct ld *l, const struct ynode *n, const char *what, uint64_t *us)
{
    if (ld_duration(l, n, what, us) != 0)
        return -1;
    if (*us == 0) {
        ld_errn(l, n, "%s: must be more than 0s", what);
        return -1;
    }
    return 0;
}

/* recovery: {tolerance: 20%, hold: 10s} of a spiking (ramping-*) scenario. */
static void scenario_recovery(struct ld *l, const struct ynode *v, struct plan_scenario *s)
{
    if (ld_want_map(l, v, "recovery") || ld_check_keys(l, v, "recovery", RECOVERY_KEYS))
        return;
    const struct ynode *t = yaml_map_get(v, "tolerance"), *h = yaml_map_get(v, "hold");
    if (t) {
        const char *txt = ld_str(l, t, "recovery.tolerance");
        char *end = NULL;
        double pct = txt ? strtod(txt, &end) : NAN;
        if (txt && (end == txt || strcmp(end, "%") || !(pct > 0) || pct > 1000))
            ld_errn(l, t, "recovery.tolerance: '%s' is not a percentage above 0 such as 20%%",
                    txt);
        else if (txt)
            s->recovery_tol_pct = pct;
    }
    if (h && ld_duration(l, h, "recovery.hold", &s->recovery_hold_us) == 0 &&
        s->recovery_hold_us == 0)
        ld_errn(l, h, "recovery.hold: must be above 0 (how long p95 and errors stay back)");
}

static void scenario_keys(struct ld *l, const struct ynode *m, const struct exec_def *ed)
{
    const char *valid[32];
    int n = 0;
    for (int i = 0; SCEN_COMMON[i]; i++)
        valid[n++] = SCEN_COMMON[i];
    valid[n] = NULL;
    for (int e = 0; e < NEXECS; e++)
        for (int i = 0; EXECS[e].keys[i]; i++)
            if ((!ed || ed == &EXECS[e]) && !in_list(EXECS[e].keys[i], valid)) {
                valid[n++] = EXECS[e].keys[i];
                valid[n] = NULL;
            }
    for (int i = 0; i < m->n; i++) {
        const struct ynode *k = m->items[2 * i];
        if (in_list(k->str, valid))
            continue;
        int other = 0;
        for (int e = 0; e < NEXECS && !other; e++)
            other = in_list(k->str, EXECS[e].keys);
        if (other && ed) {
            char list[256] = "";
            size_t off = 0;
            for (int j = 0; ed->keys[j] && off < sizeof list; j++)
                off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", j ? ", " : "",
                                        ed->keys[j]);
            ld_errn(l, k, "'%s' does not apply to the %s executor (it takes %s)", k->str, ed->name,
                    list);
        } else {
            ld_check_keys(l, &(struct ynode){.kind = YN_MAP, .items = m->items + 2 * i, .n = 1},
                          "a scenario", valid);
        }
    }
}

static void scenario(struct ld *l, const struct ynode *m, struct plan_scenario *s)
{
    struct plan *p = l->p;
    s->loc = (struct plan_loc){m->line, m->col};
    s->flow = -1;
    s->start_after_previous = 1;
    s->graceful_stop_us = ld_scaled(l, DEFAULT_GRACEFUL_STOP_US);

    const struct ynode *v;
    const struct exec_def *ed = NULL;
    if (!(v = yaml_map_get(m, "executor"))) {
        ld_errn(l, m,
                "scenario: executor: is required (ladder, constant-vus, ramping-vus, "
                "per-vu-iterations, shared-iterations, constant-arrival-rate, "
                "ramping-arrival-rate, capacity)");
    } else {
        const char *es = ld_str(l, v, "executor");
        const char *names[NEXECS + 1];
        for (int i = 0; i < NEXECS; i++) {
            names[i] = EXECS[i].name;
            if (es && !strcmp(es, EXECS[i].name))
                ed = &EXECS[i];
        }
        names[NEXECS] = NULL;
        if (es && !ed) {
            const char *sug = ld_suggest(es, names);
            ld_errn(l, v,
                    "executor: unknown executor '%s'%s%s%s; executors: ladder, "
                    "constant-vus, ramping-vus, per-vu-iterations, shared-iterations, "
                    "constant-arrival-rate, ramping-arrival-rate, capacity",
                    es, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        }
    }
    scenario_keys(l, m, ed);
    s->criteria = ld_criteria(l, yaml_map_get(m, "criteria"), "scenario: criteria");

    if (!(v = yaml_map_get(m, "name"))) {
        ld_errn(l, m, "scenario: name: is required");
    } else {
        const char *ns = ld_str(l, v, "name");
        for (int i = 0; ns && i < p->nscenarios; i++)
            if (p->scenarios[i].name && !strcmp(p->scenarios[i].name, ns))
                ld_errn(l, v, "duplicate scenario name '%s' (first at line %d)", ns,
                        p->scenarios[i].loc.line);
        s->name = ns ? ld_strdup(l, ns) : NULL;
    }

    if (!(v = yaml_map_get(m, "flow"))) {
        ld_errn(l, m, "scenario%s%s%s: flow: is required", s->name ? " '" : "",
                s->name ? s->name : "", s->name ? "'" : "");
    } else {
        const char *fs = ld_str(l, v, "flow");
        const char *names[64];
        int nn = 0;
        for (int i = 0; fs && i < p->nflows; i++) {
            if (!p->flows[i].name) /* out of memory (l->oom): the load fails */
                continue;
            if (!strcmp(p->flows[i].name, fs))
                s->flow = i;
            if (nn < 63)
                names[nn++] = p->flows[i].name;
        }
        names[nn] = NULL;
        if (fs && s->flow < 0) {
            const char *sug = ld_suggest(fs, names);
            char list[256] = "";
            size_t off = 0;
            for (int i = 0; names[i] && off < sizeof list; i++)
                off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                        names[i]);
            if (sug)
                ld_errn(l, v, "flow: unknown flow '%s' (did you mean '%s'?)", fs, sug);
            else
                ld_errn(l, v, "flow: unknown flow '%s'; flows: %s", fs, nn ? list : "(none)");
        }
    }

    if ((v = yaml_map_get(m, "start")) && ld_duration(l, v, "start", &s->start_us) == 0)
        s->start_after_previous = 0;
    /* after: previous is the default, written out; with start it would contradict it */
    const struct ynode *after = yaml_map_get(m, "after");
    if (after) {
        const char *a = ld_str(l, after, "after");
        if (a && strcmp(a, "previous"))
            ld_errn(l, after, "after: '%s' is not supported (use 'previous', the default, or "
                              "'start: DURATION' to run alongside)", a);
        else if (a && v)
            ld_errn(l, after, "after: previous contradicts 'start' (choose one)");
    }
    if ((v = yaml_map_get(m, "graceful_stop")))
        ld_duration(l, v, "graceful_stop", &s->graceful_stop_us);
    if ((v = yaml_map_get(m, "restart_at"))) {
        s->restart_loc = (struct plan_loc){v->line, v->col};
        if (!ld_duration(l, v, "restart_at", &s->restart_at_us) && !l->p->service)
            ld_errn(l, v, "restart_at: needs a target surge starts (target: {url, command})");
    }
    if (!ed)
        return;
    s->exec = ed->exec;
    if ((v = yaml_map_get(m, "recovery")) && in_list("recovery", ed->keys))
        scenario_recovery(l, v, s);
    for (int i = 0; ed->required[i]; i++)
        if (!yaml_map_get(m, ed->required[i]))
            ld_errn(l, m, "scenario '%s': the %s executor needs %s:", s->name ? s->name : "?",
                    ed->name, ed->required[i]);

    long long n;
    if (in_list("max_duration", ed->keys)) {
        s->max_duration_us = ld_scaled(l, DEFAULT_MAX_DURATION_US);
        if ((v = yaml_map_get(m, "max_duration")))
            positive_duration(l, v, "max_duration", &s->max_duration_us);
    }
    if ((v = yaml_map_get(m, "vus")) && in_list("vus", ed->keys) &&
        ld_int(l, v, "vus", 1, MAX_VUS, &n) == 0)
        s->vus = (int)n;
    if ((v = yaml_map_get(m, "iterations")) && in_list("iterations", ed->keys) &&
        ld_int(l, v, "iterations", 1, LLONG_MAX, &n) == 0)
        s->iterations = (uint64_t)n;
    if ((v = yaml_map_get(m, "duration")) && in_list("duration", ed->keys))
        positive_duration(l, v, "duration", &s->duration_us);

    switch (ed->exec) {
    case EXEC_LADDER: {
        const struct ynode *ipv = yaml_map_get(m, "iterations_per_vu"),
                           *hold = yaml_map_get(m, "hold");
        if ((v = yaml_map_get(m, "levels")))
            levels(l, s, v);
        s->iterations_per_vu = 1;
        if (ipv && hold) {
            ld_errn(l, hold,
                    "hold: a ladder level either runs iterations_per_vu: or holds for "
                    "a time, not both");
        } else if (hold) {
            s->iterations_per_vu = 0;
            positive_duration(l, hold, "hold", &s->hold_us);
        } else if (ipv && ld_int(l, ipv, "iterations_per_vu", 1, LLONG_MAX, &n) == 0) {
            s->iterations_per_vu = (uint64_t)n;
        }
        if ((v = yaml_map_get(m, "between")))
            ld_duration(l, v, "between", &s->between_us);
        break;
    }
    case EXEC_RAMPING_VUS:
        s->start_vus = 1;
        if ((v = yaml_map_get(m, "start_vus")) && ld_int(l, v, "start_vus", 0, MAX_VUS, &n) == 0)
            s->start_vus = (int)n;
        if ((v = yaml_map_get(m, "stages")))
            stages(l, s, v, 1);
        break;
    case EXEC_CONSTANT_ARRIVAL_RATE:
    case EXEC_RAMPING_ARRIVAL_RATE: {
        s->time_unit_us = ld_scaled(l, DEFAULT_TIME_UNIT_US);
        if ((v = yaml_map_get(m, "time_unit")))
            positive_duration(l, v, "time_unit", &s->time_unit_us);
        if (ed->exec == EXEC_CONSTANT_ARRIVAL_RATE) {
            if ((v = yaml_map_get(m, "rate")))
                ld_number(l, v, "rate", 0, 1, &s->rate);
        } else {
            if ((v = yaml_map_get(m, "start_rate")))
                ld_number(l, v, "start_rate", 0, 0, &s->start_rate);
            if ((v = yaml_map_get(m, "stages")))
                stages(l, s, v, 0);
        }
        if ((v = yaml_map_get(m, "max_vus")) && ld_int(l, v, "max_vus", 1, MAX_VUS, &n) == 0)
            s->max_vus = (int)n;
        s->pre_allocated_vus = s->max_vus;
        if ((v = yaml_map_get(m, "pre_allocated_vus")) &&
            ld_int(l, v, "pre_allocated_vus", 1, MAX_VUS, &n) == 0) {
            if (s->max_vus && n > s->max_vus)
                ld_errn(l, v, "pre_allocated_vus: %lld is more than max_vus (%d)", n, s->max_vus);
            else
                s->pre_allocated_vus = (int)n;
        }
        break;
    }
    case EXEC_CAPACITY: {
        s->start_vus = 1;
        s->max_vus = 1000;
        s->step_factor = 2;
        s->precision = 1;
        const struct ynode *step = yaml_map_get(m, "step"), *factor = yaml_map_get(m, "factor");
        if ((v = yaml_map_get(m, "start_vus")) && ld_int(l, v, "start_vus", 1, MAX_VUS, &n) == 0)
            s->start_vus = (int)n;
        if ((v = yaml_map_get(m, "max_vus")) && ld_int(l, v, "max_vus", 1, MAX_VUS, &n) == 0) {
            if (n < s->start_vus)
                ld_errn(l, v, "max_vus: %lld is less than start_vus (%d)", n, s->start_vus);
            else
                s->max_vus = (int)n;
        }
        if (step && factor)
            ld_errn(l, factor, "factor: a capacity search raises VUs by step: or by factor:, "
                               "not both");
        else if (step && ld_int(l, step, "step", 1, MAX_VUS, &n) == 0)
            s->step_vus = (int)n;
        else if (factor && ld_number(l, factor, "factor", 1, 1, &s->step_factor) == 0 &&
                 s->step_factor > 100)
            ld_errn(l, factor, "factor: %g is too large (at most 100)", s->step_factor);
        if ((v = yaml_map_get(m, "precision")) && ld_int(l, v, "precision", 1, MAX_VUS, &n) == 0)
            s->precision = (int)n;
        if ((v = yaml_map_get(m, "hold")))
            positive_duration(l, v, "hold", &s->hold_us);
        if ((v = yaml_map_get(m, "between")))
            ld_duration(l, v, "between", &s->between_us);
        break;
    }
    default:
        break;
    }
}

static void scenario_free(struct plan_scenario *s)
{
    json_decref(s->criteria);
    free(s->name);
    free(s->levels);
    free(s->stages);
}

static void scenarios(struct ld *l, const struct ynode *n)
{
    struct plan *p = l->p;
    if (!n || yaml_is_null(n)) {
        ld_err(l, 1, 1,
               "the plan has no scenarios: add scenarios: (a list of {name, flow, "
               "executor, ...})");
        return;
    }
    if (ld_want_seq(l, n, "scenarios") != 0)
        return;
    if (!n->n) {
        ld_errn(l, n, "scenarios: the list is empty");
        return;
    }
    p->scenarios = calloc((size_t)n->n, sizeof *p->scenarios);
    if (!p->scenarios) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < n->n; i++) {
        const struct ynode *m = n->items[i];
        if (ld_want_map(l, m, "scenario") != 0)
            continue;
        scenario(l, m, &p->scenarios[p->nscenarios]);
        p->nscenarios++;
    }
}

/* --scenario: keep only those named, in plan order. */
static void select_scenarios(struct ld *l)
{
    struct plan *p = l->p;
    const struct plan_overrides *ov = l->ov;
    if (!ov || !ov->nscenarios)
        return;
    int bad = 0;
    for (int i = 0; i < ov->nscenarios; i++) {
        int found = 0;
        for (int j = 0; j < p->nscenarios && !found; j++)
            found = p->scenarios[j].name && !strcmp(p->scenarios[j].name, ov->scenarios[i]);
        if (found)
            continue;
        char list[512] = "";
        size_t off = 0;
        for (int j = 0; j < p->nscenarios && off < sizeof list; j++)
            if (p->scenarios[j].name)
                off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", off ? ", " : "",
                                        p->scenarios[j].name);
        ld_err(l, -1, 0, "--scenario %s: no such scenario; plan has %s", ov->scenarios[i],
               off ? list : "none");
        bad = 1;
    }
    if (bad)
        return;
    int kept = 0;
    for (int j = 0; j < p->nscenarios; j++) {
        int keep = 0;
        for (int i = 0; i < ov->nscenarios && !keep; i++)
            keep = p->scenarios[j].name && !strcmp(p->scenarios[j].name, ov->scenarios[i]);
        if (keep)
            p->scenarios[kept++] = p->scenarios[j];
        else
            scenario_free(&p->scenarios[j]);
    }
    p->nscenarios = kept;
}

/* on_saturation: warn | abort (what the run does when the self-check finds surge itself
 * the bottleneck). */
static void on_saturation(struct ld *l, const struct ynode *n)
{
    if (!n || yaml_is_null(n))
        return;
    const char *s = ld_str(l, n, "on_saturation");
    if (!s)
        return;
    if (!strcmp(s, "abort"))
        l->p->on_saturation_abort = 1;
    else if (strcmp(s, "warn"))
        ld_errn(l, n, "on_saturation: '%s' is not warn or abort", s);
}

/* Every top-level key is in TOP_KEYS, and implemented: an unknown one is reported with
 * the closest valid key, one not implemented yet says so. */
static void top_keys(struct ld *l, const struct ynode *root)
{
    const char *valid[NTOP_KEYS + 1], *all[NTOP_KEYS + 1];
    int nv = 0;
    for (int i = 0; i < NTOP_KEYS; i++) {
        all[i] = TOP_KEYS[i].name;
        if (!TOP_KEYS[i].todo)
            valid[nv++] = TOP_KEYS[i].name;
    }
    valid[nv] = NULL;
    all[NTOP_KEYS] = NULL;
    for (int i = 0; i < root->n; i++) {
        const struct ynode *k = root->items[2 * i];
        int j = 0;
        while (j < NTOP_KEYS && strcmp(k->str, TOP_KEYS[j].name))
            j++;
        if (j < NTOP_KEYS && !TOP_KEYS[j].todo)
            continue;
        if (j < NTOP_KEYS) {
            ld_errn(l, k, "%s: not supported yet; %s, so nothing would check or use it: "
                          "remove it from the plan", k->str, TOP_KEYS[j].todo);
            continue;
        }
        char list[256] = "";
        for (int v = 0; valid[v]; v++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", v ? ", " : "",
                     valid[v]);
        const char *sug = ld_suggest(k->str, all);
        if (sug)
            ld_errn(l, k, "unknown key '%s' in the plan (did you mean '%s'?); valid keys: %s",
                    k->str, sug, list);
        else
            ld_errn(l, k, "unknown key '%s' in the plan; valid keys: %s", k->str, list);
    }
}

/* watch, criteria, workload, report: kept as JSON for the stages that read them
 * (only once TOP_KEYS says they are implemented). */
static void *section(struct ld *l, const struct ynode *n, const char *what)
{
    if (!n || yaml_is_null(n))
        return NULL;
    long budget = SECTION_JSON_BUDGET;
    void *j = yaml_to_json(n, &budget);
    if (!j)
        ld_errn(l, n,
                "%s: cannot convert to JSON (too large, nested deeper than 256, or text "
                "that is not UTF-8)",
                what);
    return j;
}

/* ---- errors out ---- */

static void yaml_err(void *ud, int line, int col, const char *msg)
{
    ld_err(ud, line, col, "%s", msg);
}

static int err_order(const void *a, const void *b)
{
    const struct ld_err *x = a, *y = b;
    /* whole-file problems, then positions in the file, then command-line options */
    int rx = x->line < 0 ? 2 : x->line == 0 ? 0 : 1, ry = y->line < 0 ? 2 : y->line == 0 ? 0 : 1;
    if (rx != ry)
        return rx - ry;
    if (rx == 1 && x->line != y->line)
        return x->line - y->line;
    if (rx == 1 && x->col != y->col)
        return x->col - y->col;
    return x->seq - y->seq;
}

static char *format_errors(struct ld *l)
{
    qsort(l->errs, (size_t)l->nerrs, sizeof *l->errs, err_order);
    size_t cap = 256;
    for (int i = 0; i < l->nerrs; i++)
        cap += strlen(l->errs[i].msg) + strlen(l->file) + 32;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t off = 0;
    for (int i = 0; i < l->nerrs; i++) {
        const struct ld_err *e = &l->errs[i];
        int n;
        if (e->line > 0)
            n = snprintf(s + off, cap - off, "%s:%d:%d: %s\n", l->file, e->line, e->col, e->msg);
        else if (e->line == 0)
            n = snprintf(s + off, cap - off, "%s: %s\n", l->file, e->msg);
        else
            n = snprintf(s + off, cap - off, "%s\n", e->msg);
        if (n > 0)
            off += (size_t)n;
    }
    if (l->dropped)
        snprintf(s + off, cap - off, "%s: %d more errors not shown\n", l->file, l->dropped);
    return s;
}

/* ---- plan_load ---- */

int plan_load(const char *path, const struct plan_overrides *ov, struct plan **out, char **errors)
{
    struct ld l = {.file = path ? path : "(null)",
                   .ov = ov,
                   .scale = 1,
                   .max_payload = DEFAULT_MAX_PAYLOAD,
                   .steps_left = LD_MAX_STEPS};
    struct yaml_doc *doc = NULL;
    if (errors)
        *errors = NULL;
    if (ov && ov->time_scale != 0) {
        if (!(ov->time_scale > 0) || !isfinite(ov->time_scale))
            ld_err(&l, -1, 0, "--time-scale %g: must be a number more than 0", ov->time_scale);
        else
            l.scale = ov->time_scale;
    }
    if (ov && ov->max_payload_bytes)
        l.max_payload = ov->max_payload_bytes;
    l.p = calloc(1, sizeof *l.p);
    const char *slash = path ? strrchr(path, '/') : NULL;
    l.dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!l.p || !l.dir || !path) {
        if (path)
            l.oom = 1;
        else
            ld_err(&l, -1, 0, "no plan file given");
        goto done;
    }
    l.p->file = ld_strdup(&l, path);

    if (yaml_doc_load(path, yaml_err, &l, &doc) != 0) {
        /* the file's own errors are all there is to say; the options may add theirs */
        target(&l, NULL);
        goto done;
    }
    const struct ynode *root = doc->root;
    if (!root || yaml_is_null(root)) {
        ld_err(&l, 1, 1, "the plan is empty: it needs at least flows: and scenarios:");
        goto done;
    }
    if (root->kind != YN_MAP) {
        ld_errn(&l, root, "a plan is a mapping (target:, flows:, scenarios:, ...), not %s",
                yaml_kind_name(root));
        goto done;
    }
    top_keys(&l, root);

    target(&l, yaml_map_get(root, "target"));
    vars(&l, yaml_map_get(root, "vars"));
    defaults(&l, yaml_map_get(root, "defaults"));
    data(&l, yaml_map_get(root, "data"));
    const struct ynode *flows = yaml_map_get(root, "flows");
    if (flows && !yaml_is_null(flows))
        ld_flows(&l, flows);
    else
        ld_err(&l, 1, 1, "the plan has no flows: add flows: (name: [steps])");
    scenarios(&l, yaml_map_get(root, "scenarios"));
    select_scenarios(&l);
    l.p->watch = section(&l, yaml_map_get(root, "watch"), "watch");
    ld_watch(&l, yaml_map_get(root, "watch"));
    l.p->criteria = ld_criteria(&l, yaml_map_get(root, "criteria"), "criteria");
    l.p->workload = ld_workload(&l, yaml_map_get(root, "workload"));
    on_saturation(&l, yaml_map_get(root, "on_saturation"));
    for (int i = 0; i < l.p->nscenarios; i++) /* a capacity search is steered by criteria */
        if (l.p->scenarios[i].exec == EXEC_CAPACITY && !l.p->scenarios[i].criteria &&
            !l.p->criteria)
            ld_err(&l, l.p->scenarios[i].loc.line, l.p->scenarios[i].loc.col,
                   "scenario '%s': the capacity executor needs criteria: (its own or the "
                   "plan's) to know when a level is too much",
                   l.p->scenarios[i].name ? l.p->scenarios[i].name : "?");
    l.p->report = ld_report(&l, yaml_map_get(root, "report"));

done:
    if (l.oom)
        ld_err(&l, 0, 0, "out of memory loading the plan");
    yaml_doc_free(doc);
    free(l.extracted);
    free(l.dir);
    int rc = 0;
    if (l.nerrs) {
        char *msg = format_errors(&l);
        if (errors)
            *errors = msg;
        else
            free(msg);
        plan_free(l.p);
        rc = -1;
    } else {
        *out = l.p;
    }
    for (int i = 0; i < l.nerrs; i++)
        free(l.errs[i].msg);
    free(l.errs);
    return rc;
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    free(p->file);
    free(p->target);
    for (int i = 0; i < p->defaults.nheaders; i++) {
        free(p->defaults.headers[i].name);
        tmpl_free(p->defaults.headers[i].value);
    }
    free(p->defaults.headers);
    free(p->defaults.cacert);
    free(p->defaults.source_addresses);
    for (int i = 0; i < p->nvars; i++) {
        free(p->vars[i].name);
        tmpl_free(p->vars[i].value);
    }
    free(p->vars);
    for (int i = 0; i < p->npayloads; i++) {
        free(p->payloads[i].name);
        payload_free(p->payloads[i].data);
    }
    free(p->payloads);
    for (int i = 0; i < p->nflows; i++)
        ld_flow_free(&p->flows[i]);
    free(p->flows);
    for (int i = 0; i < p->norigins; i++) {
        free(p->origins[i].key);
        free(p->origins[i].url);
    }
    free(p->origins);
    for (int i = 0; i < p->nscenarios; i++)
        scenario_free(&p->scenarios[i]);
    free(p->scenarios);
    json_decref(p->watch);
    ld_watch_free(p->watch_cfg);
    ld_service_free(p->service);
    json_decref(p->criteria);
    json_decref(p->workload);
    json_decref(p->report);
    free(p);
}
