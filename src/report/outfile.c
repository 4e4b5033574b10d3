/* outfile.c — whole-file atomic writes and mkdir -p for the out dir. */
#include "report/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_write(const char *path, const void *data, size_t len, char *err, int errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        goto fail;
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
    snprintf(err, (size_t)errlen, "cannot write '%s': %s", path, strerror(errno));
    unlink(tmp);
    return -1;
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
