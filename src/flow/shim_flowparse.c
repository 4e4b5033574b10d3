/* shim_flowparse.c — TEMPORARY SHIM (planload): just enough jpath/cond for the plan
 * loader to build and be tested before flowparse lands them; deleted at the merge. */
#include "flow/cond.h"
#include "flow/jpath.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jpath {
    char *s;
};
struct cond {
    char *s;
};

int jpath_compile(const char *s, jpath **out, char *err, int errlen, int *err_col)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ' || (s[i] == '.' && (i == 0 || s[i + 1] == '.' || !s[i + 1]))) {
            if (err)
                snprintf(err, (size_t)errlen, "unexpected '%c'", s[i]);
            if (err_col)
                *err_col = (int)i + 1;
            return -EINVAL;
        }
    }
    if (!n) {
        if (err)
            snprintf(err, (size_t)errlen, "empty path");
        if (err_col)
            *err_col = 1;
        return -EINVAL;
    }
    jpath *p = calloc(1, sizeof *p);
    if (!p || !(p->s = strdup(s))) {
        free(p);
        return -ENOMEM;
    }
    *out = p;
    return 0;
}

void jpath_free(jpath *p)
{
    if (p) {
        free(p->s);
        free(p);
    }
}

int cond_compile(const char *s, cond **out, char *err, int errlen, int *err_col)
{
    const char *op = strstr(s, "==");
    if (!op)
        op = strstr(s, "!=");
    if (!op)
        op = strpbrk(s, "<>");
    if (!op || op == s || !op[1] || !op[2]) {
        if (err)
            snprintf(err, (size_t)errlen, "expected a comparison (==, !=, <, >)");
        if (err_col)
            *err_col = op ? (int)(op - s) + 1 : 1;
        return -EINVAL;
    }
    cond *c = calloc(1, sizeof *c);
    if (!c || !(c->s = strdup(s))) {
        free(c);
        return -ENOMEM;
    }
    *out = c;
    return 0;
}

void cond_free(cond *c)
{
    if (c) {
        free(c->s);
        free(c);
    }
}
