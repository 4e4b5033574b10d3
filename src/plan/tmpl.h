/* tmpl.h — plan string templates: `${...}` substitution compiled once, expanded per request. */
#ifndef SURGE_PLAN_TMPL_H
#define SURGE_PLAN_TMPL_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

/* A compiled template; immutable after tmpl_compile, so one template may be expanded
 * by any number of threads at once. */
typedef struct tmpl tmpl;

/* What an expansion reads. Built by the caller (one per VU, reused every iteration). */
struct tmpl_ctx {
    /* Value of a plan or extracted variable: returns the bytes (not necessarily
     * NUL-terminated) and sets *len, or returns NULL when `name` is undefined.
     * The bytes must stay valid until tmpl_expand returns. May be NULL when the
     * template has no variables (tmpl_var_count == 0). */
    const char *(*lookup)(void *ud, const char *name, size_t *len);
    void *ud;           /* passed to lookup */
    uint64_t vu;        /* ${vu}: the virtual user number */
    uint64_t iteration; /* ${iteration}: the VU's iteration number */
    uint64_t *rng;      /* state for ${random(A,B)} and ${uuid} (splitmix64; any seed,
                         * 0 included, is fine); advanced by each use. Owned by one
                         * thread: no global state. Required when tmpl_uses_rng. */
    int64_t now_ms;     /* ${timestamp} in unix ms; 0 = read CLOCK_REALTIME */
    /* ${cookie.NAME} / ${cookie.NAME@/path}: the cookie's value (bytes and *len) as the
     * VU's jar would send it to the target, path NULL when none was written (any path);
     * NULL when there is no such cookie. Same lifetime rule as lookup. May be NULL: every
     * cookie is then missing. */
    const char *(*cookie)(void *ud, const char *name, const char *path, size_t *len);
};

/* Compile `s`. Grammar: literal text with `${expr}`; `$$` is a literal '$'; a '$'
 * followed by anything but '{' or '$' is literal. Blanks around expr and around
 * random's arguments are allowed. expr is one of:
 *   NAME            a variable, NAME = [A-Za-z_][A-Za-z0-9_]* (not a built-in's name)
 *   env.NAME        the process environment (getenv at expansion)
 *   cookie.NAME     the VU's cookie jar (ctx->cookie); NAME is an RFC 7230 token
 *                   (a plain ${cookie} stays a variable)
 *   cookie.NAME@/p  the same, for the path /p (visible ASCII up to '}' or a blank)
 *   vu  iteration  uuid  timestamp
 *   random(A,B)     uniform integer in [A,B]; A, B decimal int64, A <= B
 * @return 0 and *out, or -EINVAL with a one-line reason in err (may be NULL) and the
 * 1-based byte column of the problem in *err_col (may be NULL), or -ENOMEM (column 0).
 * *out is set only on success. */
int tmpl_compile(const char *s, tmpl **out, char *err, int errlen, int *err_col);

/* Like tmpl_compile, for a JSON text whose every `${}` stands inside a JSON string (a
 * `json:` body: YAML strings, keys included, serialised by jansson): the values of
 * variables, env.NAME and cookies are escaped as JSON string contents when expanded
 * (sbuf_put_json_chars: quotes, backslashes, control characters; invalid UTF-8 as
 * U+FFFD), so a hostile value can neither break the document nor change its shape.
 * The built-ins (vu, iteration, uuid, timestamp, random) need no escaping. */
int tmpl_compile_json(const char *s, tmpl **out, char *err, int errlen, int *err_col);

/* Free a template. Accepts NULL. */
void tmpl_free(tmpl *t);

/* 1 when the template has no `${}` at all: tmpl_literal then gives its text (with `$$`
 * already turned into `$`) and the caller can skip expansion. */
int tmpl_is_literal(const tmpl *t);

/* The text of a literal template (NUL-terminated, owned by t), or NULL when the
 * template is not literal. tmpl_literal_len gives its length. */
const char *tmpl_literal(const tmpl *t);
size_t tmpl_literal_len(const tmpl *t);

/* The distinct variable names the template reads, in order of first use, so the
 * loader can check each is defined. Built-ins and env.NAME are not listed.
 * tmpl_var_name returns NULL for i out of range. */
int tmpl_var_count(const tmpl *t);
const char *tmpl_var_name(const tmpl *t, int i);

/* The distinct environment names (the NAME of env.NAME), in order of first use. */
int tmpl_env_count(const tmpl *t);
const char *tmpl_env_name(const tmpl *t, int i);

/* 1 when the template uses random() or uuid (ctx->rng must then be set). */
int tmpl_uses_rng(const tmpl *t);

/* 1 when the template reads a cookie (${cookie.NAME}): it can only be expanded where a
 * jar exists (a request), not in plan vars. */
int tmpl_uses_cookies(const tmpl *t);

/* 1 when `name` is a built-in (vu, iteration, uuid, timestamp, random, env): the
 * loader should refuse plan variables or extract targets with these names. */
int tmpl_is_reserved(const char *name);

/* Append the expansion to out (out is not reset first: callers can build a line from
 * several templates). Cost: one pass over precompiled parts, memcpy of literal runs,
 * no allocation beyond growing out.
 * @return 0; -ENOENT when a variable or env name is undefined (tmpl_first_undefined
 * names it); -EINVAL when the template needs ctx->rng and it is NULL; -ENOMEM or
 * -E2BIG from out. On error out is truncated back to its length on entry. */
int tmpl_expand(const tmpl *t, const struct tmpl_ctx *ctx, struct sbuf *out);

/* After tmpl_expand returned -ENOENT: the first name (as written: "user_id",
 * "env.HOME" or "cookie.sid", without any @path) whose lookup fails with this ctx, or NULL if all resolve. Points into
 * t. Runs the lookups again: meant for the error path only. */
const char *tmpl_first_undefined(const tmpl *t, const struct tmpl_ctx *ctx);

#endif
