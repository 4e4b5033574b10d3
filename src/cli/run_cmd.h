/* run_cmd.h — `surge run PLAN` and `surge validate PLAN`. */
#ifndef SURGE_CLI_RUN_CMD_H
#define SURGE_CLI_RUN_CMD_H

/* argv[0] is "run" or "validate". Returns the exit status: 0 ran (or valid), 1 could not
 * start, 2 bad usage or an invalid plan, 130/143 interrupted. */
int run_cmd(int argc, char **argv);

#endif
