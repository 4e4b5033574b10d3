/* main.c — surge-testbed's entry point (grows into the testbed server). */
#include <stdio.h>
int main(void)
{
    puts("surge-testbed");
    return 0;
}
