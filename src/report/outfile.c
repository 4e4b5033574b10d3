/* outfile.c — whole-file atomic writes and mkdir -p for the out dir. */
#include "report/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_MODE 0644

static void why(const char *path, int e, char *err, int errlen)
{
    snprintf(err, (size_t)errlen, "cannot write '%s': %s", path,
             e == ELOOP ? "is a symbolic link, not followed" : strerror(e));
}

int outfile_write(const char *path, const void *data, size_t len, char *err, int errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(tmp, flags, OUT_MODE);
    if (fd < 0 && errno == EEXIST && !unlink(tmp)) /* left by a killed run of this pid */
        fd = open(tmp, flags, OUT_MODE);
    if (fd < 0) {
        why(path, errno, err, errlen);
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
        goto fail;
    }
    if (fwrite(data, 1, len, f) != len) {
        int e = errno;
        fclose(f);
        errno = e;
        goto fail;
    }
    if (fclose(f))
        goto fail;
    if (rename(tmp, path))
        goto fail;
    return 0;
fail:
    why(path, errno, err, errlen);
    unlink(tmp);
    return -1;
}

FILE *outfile_create(const char *path, char *err, int errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, OUT_MODE);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        why(path, errno, err, errlen);
        if (fd >= 0)
            close(fd);
    }
    return f;
}

int outfile_mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}
