/* evalloc.h — libev's allocator: out of memory is a clean exit 3, never libev's abort(). */
#ifndef SURGE_ENGINE_EVALLOC_H
#define SURGE_ENGINE_EVALLOC_H

/* Install surge's allocator in libev (call first thing in main, before any loop exists).
 * libev cannot go on without the memory it asks for: a failed allocation is retried a
 * few times (a transient shortage passes), then surge prints "surge: out of memory in
 * the event loop" and exits 3 instead of libev's abort() (SIGABRT, a core dump). */
void evalloc_install(void);

#endif
