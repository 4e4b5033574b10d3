/* rbuf.c — owns the per-thread read buffer (see rbuf.h): lazy allocation, free at thread exit. */
#include "engine/rbuf.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_ok;

static void key_init(void)
{
    key_ok = pthread_key_create(&key, free) == 0;
}

char *rbuf_get(void)
{
    static _Thread_local char *buf;
    if (buf)
        return buf;
    pthread_once(&once, key_init);
    if (!key_ok || !(buf = malloc(RBUF_SIZE)))
        return NULL;
    if (pthread_setspecific(key, buf) != 0) {
        free(buf);
        return buf = NULL;
    }
    return buf;
}
