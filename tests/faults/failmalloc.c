/* failmalloc.c — an LD_PRELOAD shim for failing-allocation tests: the FAILMALLOC_N-th call
 * to malloc/calloc/realloc/posix_memalign/aligned_alloc (counted over all threads, from the
 * process's start) returns NULL with ENOMEM; every other call goes to glibc. With
 * FAILMALLOC_COUNT=FILE the number of calls made is written to FILE at exit; with
 * FAILMALLOC_BT=1 the failing call's backtrace goes to stderr. Built by
 * tests/faults/failing_malloc.sh (cc -shared -fPIC); not part of surge. */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t k);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t a, size_t n);

void *malloc(size_t n);
void *calloc(size_t n, size_t k);
void *realloc(void *p, size_t n);
int posix_memalign(void **out, size_t a, size_t n);
void *aligned_alloc(size_t a, size_t n);

static atomic_ulong calls;
static unsigned long fail_at; /* 0: never */
static int ready;

static void setup(void)
{
    const char *s = getenv("FAILMALLOC_N");
    if (s)
        fail_at = strtoul(s, NULL, 10);
    ready = 1;
}

static int should_fail(void)
{
    if (!ready)
        setup();
    unsigned long c = atomic_fetch_add(&calls, 1) + 1;
    if (fail_at && c == fail_at) {
        if (getenv("FAILMALLOC_BT")) { /* where the failing call came from */
            void *bt[16];
            backtrace_symbols_fd(bt, backtrace(bt, 16), STDERR_FILENO);
        }
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    return should_fail() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t k)
{
    return should_fail() ? NULL : __libc_calloc(n, k);
}

void *realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __libc_realloc(p, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
    if (should_fail())
        return ENOMEM;
    void *p = __libc_memalign(a, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t a, size_t n)
{
    return should_fail() ? NULL : __libc_memalign(a, n);
}

__attribute__((destructor)) static void report(void)
{
    const char *f = getenv("FAILMALLOC_COUNT");
    if (!f)
        return;
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%lu\n", (unsigned long)atomic_load(&calls));
    if (len > 0 && write(fd, buf, (size_t)len) < 0)
        len = 0;
    close(fd);
}
