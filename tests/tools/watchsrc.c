/* watchsrc.c — a test driver for the watch sources (build/tools/watchsrc): one blocking GET,
 * or a source sampled N times, its values printed as lines, for tests/integration/watch_*.sh. */
#include "watch/httpget.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: watchsrc get URL [TIMEOUT_S [MAX_BODY [insecure|CACERT]]]\n");
    return 2;
}

/* get: prints "status N len N" then the body on stdout; the error on stderr, exit 1. */
static int cmd_get(int argc, char **argv)
{
    if (argc < 1)
        return usage();
    struct http_get_opts o = {0};
    if (argc > 1)
        o.timeout_s = strtod(argv[1], NULL);
    if (argc > 2)
        o.max_body = (size_t)strtoull(argv[2], NULL, 10);
    if (argc > 3) {
        if (strcmp(argv[3], "insecure") == 0)
            o.insecure = 1;
        else
            o.cacert = argv[3];
    }
    struct http_get_result r = {0};
    char err[256];
    if (http_get(argv[0], &o, &r, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("status %d len %zu ms %.1f\n", r.status, r.body_len, r.elapsed_ms);
    fwrite(r.body, 1, r.body_len, stdout);
    http_get_result_free(&r);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "get") == 0)
        return cmd_get(argc - 2, argv + 2);
    return usage();
}
