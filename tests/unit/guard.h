/* guard.h — inputs placed right before a PROT_NONE page, so a parser that reads one byte past
 * what it was given crashes at once (picohttpparser's trick). For the unit tests only. */
#ifndef SURGE_TESTS_GUARD_H
#define SURGE_TESTS_GUARD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* One mapping, grown as needed: [map, map + usable) read-write, then one PROT_NONE page. */
static char *guard_map_;
static size_t guard_usable_; /* read-write bytes before the guard page */

/* Copies s[0..n) so that its last byte is the last byte before the guard page and returns
 * the copy (writable; valid until the next guard_copy). n == 0 returns the guard page's
 * address itself: any read through it crashes. Exits on mmap failure. */
static inline char *guard_copy(const void *s, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    if (!guard_map_ || guard_usable_ < n) {
        if (guard_map_)
            munmap(guard_map_, guard_usable_ + pg);
        guard_usable_ = (n + pg - 1) / pg * pg;
        if (guard_usable_ == 0)
            guard_usable_ = pg;
        guard_map_ = mmap(NULL, guard_usable_ + pg, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (guard_map_ == MAP_FAILED ||
            mprotect(guard_map_ + guard_usable_, pg, PROT_NONE) != 0) {
            perror("guard: mmap/mprotect");
            exit(2);
        }
    }
    char *p = guard_map_ + guard_usable_ - n;
    if (n)
        memcpy(p, s, n);
    return p;
}

/* The same for a NUL-terminated string: the NUL is the last byte before the guard page. */
static inline const char *guard_str(const char *s)
{
    return guard_copy(s, strlen(s) + 1);
}

/* Unmaps the guard mapping (for leak checkers; guard_copy maps it again when needed). */
static inline void guard_release(void)
{
    if (guard_map_)
        munmap(guard_map_, guard_usable_ + (size_t)sysconf(_SC_PAGESIZE));
    guard_map_ = NULL;
    guard_usable_ = 0;
}

#endif
