/* quick_cmd.h — `surge [options] URL`: quick mode from the command line to the summary. */
#ifndef SURGE_CLI_QUICK_CMD_H
#define SURGE_CLI_QUICK_CMD_H

/* Run quick mode; returns the process exit status (0, 1, 2 or 130). */
int quick_cmd(int argc, char **argv);

#endif
