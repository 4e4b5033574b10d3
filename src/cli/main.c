/* main.c — surge's entry point (grows into the CLI). */
#include <stdio.h>
int main(void)
{
    puts("surge " SURGE_VERSION);
    return 0;
}
