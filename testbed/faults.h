/* faults.h — the fault routes: each breaks HTTP in one precise way under /fault/. */
#ifndef SURGE_TESTBED_FAULTS_H
#define SURGE_TESTBED_FAULTS_H

#include "server.h"

/* Registers /fault/{reset,close-mid-body,malformed,slow-headers,huge-headers,bad-chunked,
 * no-response} on s. Returns 0, or -ENOMEM. */
int fault_routes_register(tb_server *s);

#endif
