/* dist.c — where the distributed launcher's hooks are kept for `surge run`. */
#include "dist/dist.h"

#include <stddef.h>

static const struct dist_hooks *installed;

void dist_set(const struct dist_hooks *h)
{
    installed = h;
}

const struct dist_hooks *dist_get(void)
{
    return installed;
}
