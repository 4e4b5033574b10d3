/* routes_core.h — the core routes: /echo, /health, /metrics, /admin/pause. */
#ifndef SURGE_TESTBED_ROUTES_CORE_H
#define SURGE_TESTBED_ROUTES_CORE_H

#include "server.h"

/* Registers the core routes on s. Returns 0, or -ENOMEM. */
int core_routes_register(tb_server *s);

#endif
