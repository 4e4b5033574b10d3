/* rbuf.h — the per-thread read buffer that responses are parsed from as they are read. */
#ifndef SURGE_ENGINE_RBUF_H
#define SURGE_ENGINE_RBUF_H

#define RBUF_SIZE (64 * 1024)

/* This thread's RBUF_SIZE-byte read buffer, allocated at its first call and freed when the
 * thread exits. A thread that never reads (the main thread of a run, the collector) never
 * pays for it: as a static _Thread_local array it was zeroed at every thread's start
 * (16 page faults each, a noticeable part of start-up). @return NULL when out of memory. */
char *rbuf_get(void);

#endif
