/* plan.h — a load plan as loaded from YAML and validated: target, defaults, vars,
 * data (payloads), flows of steps, and scenarios with their executors. Built once on
 * the main thread, then read-only and shared by every worker thread during the run. */
#ifndef SURGE_PLAN_PLAN_H
#define SURGE_PLAN_PLAN_H

#include <stdint.h>

struct tmpl;    /* plan/tmpl.h: a compiled "${...}" template */
struct jpath;   /* flow/jpath.h: a compiled JSON path */
struct cond;    /* flow/cond.h: a compiled condition ("status == completed") */
struct payload; /* plan/payload.h: a set of shared payload items (files, generated images) */

/* Where something was written in the plan file (1-based), for messages at run time. */
struct plan_loc {
    int line, col;
};

/* A name and a templated value: headers, query parameters, form fields, vars. */
struct plan_kv {
    char *name;
    struct tmpl *value;
    struct plan_loc loc;
};

enum plan_body {
    BODY_NONE,
    BODY_TEXT,      /* body: "text with ${vars}" (Content-Type from headers, else text/plain) */
    BODY_JSON,      /* json: {...}: serialised once, templated strings inside expanded */
    BODY_PAYLOAD,   /* body: "@name": the first item of a data payload, sent as is */
    BODY_FORM,      /* form: {k: v}: application/x-www-form-urlencoded */
    BODY_MULTIPART, /* multipart: [parts]: multipart/form-data */
};

/* One entry of `multipart:`. Either a text field (value set) or files (payload set):
 * a payload of N items becomes N parts with the same field name (the seed's 30 images
 * in one request). */
struct plan_part {
    char *name;              /* form field name */
    struct tmpl *value;      /* text field, or NULL */
    int payload;             /* index into plan->payloads, or -1 */
    struct plan_loc loc;
};

/* Where an extracted value comes from. */
enum plan_extract_from {
    EXTRACT_JSON,   /* a JSON path into the body */
    EXTRACT_HEADER, /* a response header (every line of it, in order, when it repeats) */
    EXTRACT_REGEX,  /* the body, through regex */
    EXTRACT_COOKIE, /* the VU's jar after the response: the cookie the target would get */
};

/* With regex set on EXTRACT_JSON, EXTRACT_HEADER or EXTRACT_COOKIE, the regex runs on
 * the value found there (each header line in turn, first match wins) and the value is
 * its capture group. */
struct plan_extract {
    char *var;               /* the variable it sets for later steps */
    enum plan_extract_from from;
    struct jpath *path;      /* EXTRACT_JSON */
    char *header;            /* EXTRACT_HEADER: header name (case-insensitive) */
    char *cookie;            /* EXTRACT_COOKIE: cookie name */
    void *regex;             /* EXTRACT_REGEX, or with another source: a compiled regex_t
                                (POSIX extended), else NULL */
    int group;               /* with regex: capture group (0 = whole match) */
    struct plan_loc loc;
};

/* Expectations of a response. A failed one fails the step with a reason. */
struct plan_expect {
    uint8_t status[125];     /* bitmap of acceptable codes 0..999; all zero: any < 400 */
    int has_status;
    struct tmpl *body_contains; /* or NULL */
    struct cond *json;          /* or NULL: a condition on the JSON body */
};

/* `poll:` repeats the request every `every_us` until `until` holds on the JSON body,
 * failing the step with "poll_timeout" after timeout_us. */
struct plan_poll {
    uint64_t every_us;
    uint64_t timeout_us;
    struct cond *until;
};

enum plan_step_kind {
    STEP_REQUEST,
    STEP_THINK,      /* pause: think_min_us..think_max_us, uniform */
    STEP_TXN_BEGIN,  /* start of `transaction: NAME` (txn = its index) */
    STEP_TXN_END,    /* end of that transaction */
    STEP_WS,         /* ws: PATH: a WebSocket conversation (ws below) */
    STEP_WS_CONNECT, /* follows each STEP_WS: not run; its stats key holds that step's
                        handshakes (named "NAME connect") */
};

/* A `ws:` step: open a WebSocket on the target (ws:// or wss:// as its scheme is
 * http or https), send, wait for a message on which a condition holds, close. */
struct plan_ws {
    struct tmpl **send;      /* send: messages (text, or JSON with templates), in order,
                                sent after each open */
    int nsend;
    struct cond *until;      /* receive: until: a condition on a JSON message; NULL: no
                                receive: the step closes once it has sent */
    uint64_t receive_timeout_us; /* receive: timeout: from the step's start, reconnects
                                    included (default: the step's timeout x 10, 60s) */
    /* the step's extract/nextract apply to the message on which until held (JSON paths
     * and regex only) */
    char *count_var;         /* each_message: count: VAR: messages received so far */
    struct plan_extract *each; /* each_message: extract: on every message (a path that is
                                  missing in one keeps the previous value) */
    int neach;
    int reconnect_attempts;  /* reconnect: attempts (0: a drop fails the step) */
    uint64_t reconnect_backoff_us; /* reconnect: backoff before each (default 1s) */
    struct plan_step *resume; /* resume_check: a request step run after each reconnect;
                                 when until holds on its JSON body, the step is done */
    uint64_t drop_after_us;  /* drop_after: close from the client side this long after
                                the first open (once per step; 0: never) */
};

struct plan_step {
    enum plan_step_kind kind;
    char *name;              /* labels the step's metrics: requests' and transactions'
                                names are unique within the flow; TXN_BEGIN/END carry
                                the transaction's name, STEP_THINK "think 2s" */
    struct plan_loc loc;
    /* STEP_REQUEST */
    char *method;            /* "GET", "POST", ... */
    struct tmpl *url;        /* path ("/api/x") relative to the target, or an absolute URL */
    int origin;              /* 0: the target's connection; i > 0: an absolute URL on
                                another origin, plan->origins[i - 1] (its own connection) */
    struct plan_kv *headers; /* with the defaults' headers merged in by the loader (a step
                                header of the same name replaces the default) */
    int nheaders;
    struct plan_kv *query;
    int nquery;
    enum plan_body body;
    struct tmpl *body_text;  /* BODY_TEXT and BODY_JSON (JSON text with templates) */
    int body_payload;        /* BODY_PAYLOAD: index into plan->payloads */
    struct plan_kv *form;    /* BODY_FORM */
    int nform;
    struct plan_part *parts; /* BODY_MULTIPART */
    int nparts;
    struct plan_expect expect;
    struct plan_extract *extract;
    int nextract;
    struct plan_poll *poll;  /* or NULL */
    uint64_t timeout_us;     /* whole request; from defaults unless set */
    int cookies_clear;       /* cookies: {clear: true}: empty the jar before the request */
    struct plan_kv *cookies_set; /* cookies: {set: {name: value}}: stored (after any
                                    clear) for the step's host (the target's, or its
                                    other origin's), Path=/, before the request */
    int ncookies_set;
    /* STEP_THINK */
    uint64_t think_min_us, think_max_us;
    /* STEP_TXN_BEGIN / STEP_TXN_END */
    int txn;                 /* index into flow->txns */
    /* STEP_WS: url, headers, query, extract, timeout (the handshake's) as a request */
    struct plan_ws *ws;
};

struct plan_flow {
    char *name;
    struct plan_loc loc;
    struct plan_step *steps;
    int nsteps;
    char **txns;             /* transaction names, indexed by step->txn */
    int ntxns;
};

enum plan_exec {
    EXEC_LADDER,                /* levels of VUs, one after another */
    EXEC_PER_VU_ITERATIONS,     /* vus x iterations */
    EXEC_SHARED_ITERATIONS,     /* iterations shared by vus */
    EXEC_CONSTANT_VUS,          /* vus for duration */
    EXEC_RAMPING_VUS,           /* stages {vus, for} from start_vus, linear */
    EXEC_CONSTANT_ARRIVAL_RATE, /* rate iterations per time_unit for duration, open model */
    EXEC_RAMPING_ARRIVAL_RATE,  /* stages {rate, for} from start_rate, linear, open model */
    EXEC_CAPACITY,              /* capacity search: VUs raised while the criteria hold, then
                                   bisected between the last good and first bad level */
};

/* The capacity executor tries at most this many levels (raise steps and bisection). */
#define PLAN_CAPACITY_MAX_LEVELS 48

struct plan_stage {
    uint64_t dur_us;
    double target;           /* VUs (ramping-vus) or rate per time_unit (ramping-arrival-rate) */
};

struct plan_scenario {
    char *name;
    struct plan_loc loc;
    int flow;                /* index into plan->flows */
    enum plan_exec exec;
    int vus;                 /* constant-vus, per-vu-iterations, shared-iterations */
    uint64_t iterations;     /* per-vu-iterations (per VU), shared-iterations (total) */
    uint64_t duration_us;    /* constant-vus, constant-arrival-rate; 0 when not applicable */
    int *levels;             /* ladder */
    int nlevels;
    uint64_t iterations_per_vu; /* ladder: each VU of a level does this many (default 1;
                                   0 with hold) */
    uint64_t hold_us;        /* ladder: instead, each level runs for this long (0: unused) */
    uint64_t between_us;     /* ladder: pause between levels */
    struct plan_stage *stages; /* ramping-* */
    int nstages;
    int start_vus;           /* ramping-vus */
    double rate;             /* constant-arrival-rate: iterations per time_unit */
    double start_rate;       /* ramping-arrival-rate */
    uint64_t time_unit_us;   /* arrival rates: default 1s */
    int pre_allocated_vus;   /* arrival rates: VUs made up front (default: max_vus) */
    int max_vus;             /* arrival rates: at most this many VUs (iterations beyond: dropped) */
    uint64_t max_duration_us; /* iteration-count executors: give up after this (default 10m) */
    uint64_t graceful_stop_us; /* time iterations in flight get to finish at the end (default 30s) */
    int start_after_previous; /* 1 (default): starts when the previous scenario ended */
    uint64_t start_us;       /* with start_after_previous 0: offset from the run's start */
    uint64_t restart_at_us;  /* restart_at: restart the target this long after the
                                scenario's start (0: never) */
    struct plan_loc restart_loc;
    void *criteria;          /* the scenario's criteria: as JSON (json_t *), or NULL */
    /* ramping-*: recovery: {tolerance, hold}; 0: the judge's defaults (20 %, 10 s) */
    double recovery_tol_pct;
    uint64_t recovery_hold_us;
    /* capacity: start_vus (default 1), max_vus (default 1000), hold_us (each level),
     * between_us, and: */
    int step_vus;            /* VUs added per raise step; 0: multiply by step_factor */
    double step_factor;      /* VUs multiplied per raise step (default 2) */
    int precision;           /* bisect until first bad - last good <= this (default 1) */
};

/* Everything the plan says about TLS, timeouts and headers for every request. */
struct plan_defaults {
    struct plan_kv *headers;
    int nheaders;
    uint64_t timeout_us;         /* default 60s */
    uint64_t connect_timeout_us; /* default 10s */
    int insecure;
    char *cacert;
    char *source_addresses;      /* local addresses connections spread over (checked:
                                    engine/srcaddr.h), or NULL */
};

struct plan_payload {
    char *name;
    struct plan_loc loc;
    struct payload *data;    /* loaded (or generated) once at plan load */
};

/* An origin (scheme, host, port) other than the target's that request steps go to. */
struct plan_origin {
    char *key;               /* "http://host:port" (engine/origin.h's origin_key) */
    char *url;               /* the first step URL naming it, as written: resolved at run
                                start, its messages at loc */
    struct plan_loc loc;
};

struct plan {
    char *file;              /* path as given, for messages */
    char *target;            /* base URL (after --target) */
    struct plan_loc target_loc;
    struct plan_defaults defaults;
    struct plan_kv *vars;    /* after --var overrides; values are templates (${env.X}) */
    int nvars;
    struct plan_payload *payloads;
    int npayloads;
    struct plan_flow *flows;
    int nflows;
    struct plan_origin *origins; /* other origins of request steps (step->origin - 1) */
    int norigins;
    struct plan_scenario *scenarios;
    int nscenarios;
    /* Sections accepted now and read by later stages (watch, criteria, workload,
     * report): kept as JSON (jansson json_t *, NULL when absent). */
    void *watch, *criteria, *workload, *report;
    struct plan_watch *watch_cfg;  /* the `watch:` section checked, or NULL when absent */
    struct plan_service *service;  /* `target: {command: ...}`, or NULL */
    int on_saturation_abort;       /* `on_saturation: abort`: stop the run (exit 3) when surge
                                      itself is saturated; 0: warn (the default) */
};

/* `target:` as a map with a command: the service surge starts, watches and stops. */
struct plan_service {
    char *command;           /* run by /bin/sh -c, or NULL when argv is given */
    char **argv;             /* command: [list]: NULL-terminated, or NULL */
    char *cwd;               /* relative: to the plan file's directory; NULL: surge's */
    char **env;              /* "NAME=VALUE", nenv of them */
    int nenv;
    char *ready;             /* a URL answering 2xx when ready (a path given in the plan is
                                made absolute on the target URL); NULL: none */
    double ready_timeout_s;  /* default 30 */
    double stop_grace_s;     /* default 10 */
    int abort_on_exit;       /* on_target_exit: abort (default continue) */
    struct plan_loc loc;
};

struct plan_watch_log {
    char *file;
    char **names, **regexes; /* match: {name: regex}, checked to compile */
    int n;
    struct plan_loc loc;
};

/* The `watch:` section, checked (the sources are made from it at run time). */
struct plan_watch {
    double interval_s;       /* default 1 */
    double baseline_s;       /* default 5 */
    int has_baseline;
    int pid;                 /* process: {pid} (0: none) */
    char *pid_file;          /* process: {pid_file} */
    char *cgroup;            /* process: {cgroup} */
    char *prom_url;          /* prometheus: {url} (a path: on the target URL) */
    char **prom_metrics;     /* prometheus: {metrics: [...]} */
    int nprom_metrics;
    int prom_max_series;     /* 0: the source's default */
    struct plan_loc prom_loc;
    char *promql_url;        /* promql: {url, queries: {name: expr}, step} */
    char **promql_names, **promql_queries;
    int npromql;
    double promql_step_s;    /* 0: the interval */
    struct plan_loc promql_loc;
    char *health_url;        /* health: {url | path} (a path: on the target URL) */
    double health_timeout_s; /* 0: 2 s */
    int gpu;                 /* gpu: true */
    struct plan_watch_log *logs;
    int nlogs;
};

/* Options that override or filter the file (surge run flags). */
struct plan_overrides {
    const char *target;          /* --target URL, or NULL */
    const char *const *vars;     /* --var NAME=VALUE, nvars of them */
    int nvars;
    const char *const *scenarios; /* --scenario NAME: keep only these (in plan order) */
    int nscenarios;
    double time_scale;           /* --time-scale F (1 when 0): multiplies every duration,
                                    think time, poll interval and timeout */
    uint64_t max_payload_bytes;  /* most bytes one data: entry may read or generate
                                    (0: 1 GiB); the fuzz target sets it small */
};

/* Load and validate a plan. Every problem found is reported as "FILE:LINE:COL: message"
 * (one per line, all of them, not only the first) into a malloc'd string *errors; the
 * caller frees it. Payloads are loaded (generated) here, relative paths taken from the
 * plan file's directory. @return 0 and *out, or -1 (with *errors set) on any error. */
int plan_load(const char *path, const struct plan_overrides *ov, struct plan **out,
              char **errors);

/* `surge validate --dry-run`: replace the plan's scenarios by one per flow, named after
 * it, in flow order, one after another: per-vu-iterations with 1 VU and 1 iteration, given up after
 * max_duration_us, no graceful stop. @return 0, or -ENOMEM (the plan unchanged). */
int plan_dry_run(struct plan *p, uint64_t max_duration_us);

/* Free a plan; NULL is fine. */
void plan_free(struct plan *p);

/* Names, for results and messages ("ramping-vus"). */
const char *plan_exec_name(enum plan_exec e);

#endif
