/* procmetrics.h — the process_* series of /metrics, read from /proc/self at each scrape. */
#ifndef SURGE_TESTBED_PROCMETRICS_H
#define SURGE_TESTBED_PROCMETRICS_H

#include "metrics.h"

/* Adds a collector to m that sets process_resident_memory_bytes, process_virtual_memory_bytes
 * (from /proc/self/statm), process_cpu_seconds_total (utime + stime from /proc/self/stat),
 * process_start_time_seconds (Unix time) and process_open_fds. Returns 0, or -ENOMEM / -ENOSPC
 * (no collector slot left). */
int procm_register(tb_metrics *m);

#endif
