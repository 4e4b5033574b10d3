/* evalloc.c — libev's allocator with a clean exit on out of memory. */
#include "engine/evalloc.h"

#include <ev.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define EVALLOC_TRIES 5

static void *ev_alloc(void *ptr, long size)
{
    if (!size) {
        free(ptr);
        return NULL;
    }
    for (int i = 0; i < EVALLOC_TRIES; i++) {
        void *p = realloc(ptr, (size_t)size);
        if (p)
            return p;
        struct timespec ts = {0, 1000000L << i}; /* 1, 2, 4, 8, 16 ms */
        nanosleep(&ts, NULL);
    }
    static const char msg[] = "surge: out of memory in the event loop\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(3); /* no atexit handlers: other threads may hold locks */
}

void evalloc_install(void)
{
    ev_set_allocator(ev_alloc);
}
