/* cond.h — TEMPORARY SHIM (planload): the prototypes of flowparse's conditions until
 * that branch lands them; deleted at the merge. */
#ifndef SURGE_FLOW_COND_H
#define SURGE_FLOW_COND_H

typedef struct cond cond;

/* Compile a condition ("status == completed"). @return 0 and *out, or -EINVAL with err
 * and the 1-based column in *err_col. */
int cond_compile(const char *s, cond **out, char *err, int errlen, int *err_col);
void cond_free(cond *c);

#endif
