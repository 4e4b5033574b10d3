/* jpath.h — TEMPORARY SHIM (planload): the prototypes of flowparse's JSON paths until
 * that branch lands them; deleted at the merge. */
#ifndef SURGE_FLOW_JPATH_H
#define SURGE_FLOW_JPATH_H

typedef struct jpath jpath;

/* Compile a JSON path ("job_id", "data.items[0].id"). @return 0 and *out, or -EINVAL with
 * err and the 1-based column in *err_col. */
int jpath_compile(const char *s, jpath **out, char *err, int errlen, int *err_col);
void jpath_free(jpath *p);

#endif
