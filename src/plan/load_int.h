/* load_int.h — what the plan loader's files share (load.c, load_flow.c, load_util.c):
 * the loading context, error collection and the checked getters. Not for other modules:
 * their interface is plan.h. */
#ifndef SURGE_PLAN_LOAD_INT_H
#define SURGE_PLAN_LOAD_INT_H

#include "plan/plan.h"
#include "plan/tmpl.h"
#include "plan/yaml_util.h"

#include <stdint.h>

/* One collected problem. line > 0: "FILE:LINE:COL: msg"; line 0: "FILE: msg";
 * line -1: "msg" alone (about a command-line option). */
struct ld_err {
    int line, col;
    int seq; /* order of discovery, to keep sorting stable */
    char *msg;
};

/* Most problems kept for the report; more are counted and summarised. */
#define LD_MAX_ERRORS 100
/* Most steps in all flows together, after aliases and transactions are expanded. */
#define LD_MAX_STEPS 10000
/* Deepest nesting of transactions. */
#define LD_MAX_TXN_DEPTH 16

struct ld {
    const char *file; /* plan path as given, for messages */
    char *dir;        /* its directory ("." when none), for relative data paths */
    const struct plan_overrides *ov;
    struct plan *p;       /* being filled */
    double scale;         /* --time-scale (1 when unset) */
    uint64_t max_payload; /* largest total bytes one data entry may load or generate */
    int oom;              /* an allocation failed somewhere */
    struct ld_err *errs;
    int nerrs, caperrs, dropped;
    /* Names a template may read besides built-ins and env.*: the first vars_visible of
     * p->vars, then what earlier steps of the current flow extract. */
    int vars_visible;
    char **extracted;
    int nextracted, capextracted;
    /* defaults.headers as written: compiled again into each request step */
    const struct ynode *def_headers;
    long steps_left; /* LD_MAX_STEPS budget */
};

/* Record a problem at a 1-based position (see struct ld_err for line 0 and -1). */
void ld_err(struct ld *l, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Record a problem at a node. */
void ld_errn(struct ld *l, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The closest of `valid` (NULL-terminated) to s within edit distance 2, or NULL. */
const char *ld_suggest(const char *s, const char *const *valid);

/* Report every key of `map` that is not in `valid` (NULL-terminated), at the key:
 * "unknown key 'x' in WHERE (did you mean 'y'?); valid keys: a, b". @return how many. */
int ld_check_keys(struct ld *l, const struct ynode *map, const char *where,
                  const char *const *valid);

/* Type checks that report "WHAT: expected a mapping, got a list". @return 0 or -1. */
int ld_want_map(struct ld *l, const struct ynode *n, const char *what);
int ld_want_seq(struct ld *l, const struct ynode *n, const char *what);

/* A scalar's text (numbers and booleans as written); null, mappings and lists are
 * reported. @return the text (owned by the node) or NULL. */
const char *ld_str(struct ld *l, const struct ynode *n, const char *what);

/* strdup that notes an allocation failure in l->oom (returns NULL then). */
char *ld_strdup(struct ld *l, const char *s);

/* A duration with a unit ("30s", "1m30s"), multiplied by the time scale.
 * @return 0 and *us, or -1 (reported). */
int ld_duration(struct ld *l, const struct ynode *n, const char *what, uint64_t *us);
/* The time scale applied to a duration already in microseconds. */
uint64_t ld_scaled(const struct ld *l, uint64_t us);

/* Network timeouts under --time-scale: the time scale compresses the simulated timeline
 * (durations, think times, polls), not the network, so a request timeout is scaled but
 * never below 1 s (or its own value when smaller), and a connect timeout not at all. */
uint64_t ld_net_timeout(const struct ld *l, uint64_t us, int connect);
/* ld_duration for a timeout: parsed, then ld_net_timeout. */
int ld_timeout(struct ld *l, const struct ynode *n, const char *what, uint64_t *us, int connect);

/* An integer in [min, max]. @return 0 and *out, or -1 (reported). */
int ld_int(struct ld *l, const struct ynode *n, const char *what, long long min, long long max,
           long long *out);
/* A finite number >= min (> min when strict). @return 0 and *out, or -1 (reported). */
int ld_number(struct ld *l, const struct ynode *n, const char *what, double min, int strict,
              double *out);
/* true/false. @return 0 and *out, or -1 (reported). */
int ld_bool(struct ld *l, const struct ynode *n, const char *what, int *out);

/* Compile a template from a node's text, reporting syntax errors at their column and
 * every variable that is not defined here, and every env.NAME that is not set.
 * @return the template, or NULL (reported). */
tmpl *ld_tmpl(struct ld *l, const struct ynode *n, const char *what);
/* The same for text not taken from a node as is (line/col: where its first byte is). */
tmpl *ld_tmpl_text(struct ld *l, const char *s, int line, int col, const char *what);
/* Check a compiled template's names are defined (used by ld_tmpl). @return 0 or -1. */
int ld_tmpl_names(struct ld *l, const tmpl *t, const char *s, int line, int col, const char *what);

/* Is `name` a plan variable visible now, or extracted by an earlier step? */
int ld_var_known(const struct ld *l, const char *name);

/* An identifier: [A-Za-z_][A-Za-z0-9_]*. */
int ld_is_ident(const char *s);

/* The column of byte `off` of a scalar's text on its first line (off 0-based; a quoted
 * scalar's position is its first character's, inside the quotes). */
int ld_text_col(const struct ynode *n, int off);

/* Append a mapping of templated values (headers, query, form, cookies set) to a kv
 * array; with `headers` (1: header names, 2: cookie names), names are checked to be
 * HTTP tokens. */
void ld_kv_map(struct ld *l, const struct ynode *m, const char *what, int headers,
               struct plan_kv **kv, int *nkv);

/* criteria: (top level, or a scenario's) and workload: (load_criteria.c): checked, every
 * expression compiled once for its errors; @return the section as JSON (a json_t *), or
 * NULL when absent or invalid (reported). */
void *ld_criteria(struct ld *l, const struct ynode *n, const char *where);
void *ld_workload(struct ld *l, const struct ynode *n);
/* report: (load_report.c): title, description, outputs; as JSON, or NULL. */
void *ld_report(struct ld *l, const struct ynode *n);

/* Flows (load_flow.c): read the `flows:` mapping into l->p->flows. */
void ld_flows(struct ld *l, const struct ynode *flows);
/* Free one flow's contents (not the struct). */
void ld_flow_free(struct plan_flow *f);

/* The watch section and target-as-a-map (load_watch.c). */
void ld_target_map(struct ld *l, const struct ynode *n);
void ld_watch(struct ld *l, const struct ynode *n);
void ld_service_free(struct plan_service *sv); /* NULL is fine */
void ld_watch_free(struct plan_watch *w);      /* NULL is fine */

#endif
