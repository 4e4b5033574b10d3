/* report_cmd.h — `surge report DIR`: rebuild the reports of a run from its out dir. */
#ifndef SURGE_CLI_REPORT_CMD_H
#define SURGE_CLI_REPORT_CMD_H

/* argv[0] is "report". Returns the exit status: 0 written, 2 bad usage or an out dir
 * with neither a readable results.json nor series.ndjson, 3 an output cannot be written. */
int report_cmd(int argc, char **argv);

#endif
