/* cond.h — the conditions of `expect` and poll's `until` (`status == completed && n > 0`),
 * compiled once and evaluated against a JSON response. */
#ifndef SURGE_FLOW_COND_H
#define SURGE_FLOW_COND_H

#include <jansson.h>

struct sbuf;

/* A compiled condition; immutable, shareable between threads. */
typedef struct cond cond;

/* Compile a condition. Grammar (blanks anywhere between tokens, or none):
 *   or    := and ( '||' and )*          && binds tighter than ||
 *   and   := prim ( '&&' prim )*
 *   prim  := '(' or ')' | PATH 'exists' | PATH '!exists' | PATH OP VALUE
 *   OP    := == != < <= > >=
 *   VALUE := number | 'str' | "str" (backslash escapes the next byte) | true | false | null
 *          | a bare word (a string: `status == completed`; it ends at a blank or one of
 *            ( ) & | = < > !)
 * PATH is a jpath (see jpath.h). Ordering operators take numbers and strings only.
 * Parentheses nest at most 32 deep.
 * @return 0 and *out; -EINVAL with a reason in err (may be NULL) and the 1-based column in
 * *err_col (may be NULL); -ENOMEM (column 0). *out is set only on success. */
int cond_compile(const char *s, cond **out, char *err, int errlen, int *err_col);

/* Evaluate against root (may be NULL: every path is then missing). No allocation.
 * Semantics: a number literal compares numerically with a JSON number or with a JSON string
 * that holds a whole number literal ("42", "-1.5e3"); a string literal compares bytewise
 * with a JSON string, and numerically with a JSON number when the literal is numeric;
 * true/false/null equal only their JSON counterparts. Any other pairing is a type mismatch:
 * `!=` is then true and the other operators false. A missing path makes every comparison
 * false (`!=` included); `exists` is true for any present value, null included.
 * @return 1 or 0. */
int cond_eval(const cond *c, json_t *root);

/* Evaluate like cond_eval and, when the result is 0, append a short reason to why:
 * `status is "running", wanted == completed`, `job.id is missing, wanted exists`; for a
 * failed || every branch's reason joined by "; ", for a failed && the first failing one.
 * Values longer than 64 bytes are cut with "...".
 * @return 1 (nothing written), 0 (reason appended), or -ENOMEM / -E2BIG (why restored). */
int cond_describe(const cond *c, json_t *root, struct sbuf *why);

/* The source text the condition was compiled from (owned by c). */
const char *cond_source(const cond *c);

/* Free a condition. Accepts NULL. */
void cond_free(cond *c);

#endif
