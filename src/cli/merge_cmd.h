/* merge_cmd.h — `surge merge DIR1 DIR2 ... --out DIR`: one report from the out dirs of
 * a distributed run's shares (surge run --segment K/N). */
#ifndef SURGE_CLI_MERGE_CMD_H
#define SURGE_CLI_MERGE_CMD_H

/* argv[0] is "merge". @return the exit status: 0 merged and every criterion met target or
 * acceptable (or none), 1 a criterion failed, 2 bad usage or input (an unreadable
 * document, shares of different plans, a segment given twice), 3 a share is missing or
 * did not complete (the merged report still written, marked incomplete), or an output
 * could not be written. */
int merge_cmd(int argc, char **argv);

#endif
