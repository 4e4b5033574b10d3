/* main.c — surge's entry point: subcommands, or quick mode for `surge [options] URL`. */
#include <signal.h>
#include <stdio.h>

#include <string.h>

#include "cli/compare_cmd.h"
#include "cli/merge_cmd.h"
#include "cli/quick_cmd.h"
#include "cli/report_cmd.h"
#include "cli/run_cmd.h"
#include "engine/evalloc.h"

int main(int argc, char **argv)
{
    evalloc_install(); /* out of memory in libev: exit 3, not abort() */
    signal(SIGPIPE, SIG_IGN); /* a peer that closes is an error class, not a signal */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "validate")))
        return run_cmd(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "report"))
        return report_cmd(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "compare"))
        return compare_cmd(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "merge"))
        return merge_cmd(argc - 1, argv + 1);
    return quick_cmd(argc, argv);
}
