/* compare_cmd.h — `surge compare BEFORE.json AFTER.json [options]`. */
#ifndef SURGE_CLI_COMPARE_CMD_H
#define SURGE_CLI_COMPARE_CMD_H

/* argv[0] is "compare". @return the exit status: 0, 1 (a regression with
 * --fail-on-regression), 2 (bad usage, a file unreadable or not a results document). */
int compare_cmd(int argc, char **argv);

#endif
