/* Commands not written yet; each moves to its own cmd_NAME.c when it is. */
#include "cli/cli.h"

#define STUB(fn, name)                                                                             \
    int fn(struct cli *cli, int argc, char **argv)                                                 \
    {                                                                                              \
        (void) cli, (void) argc, (void) argv;                                                      \
        cli_error("%s is not built yet", name);                                                    \
        return EXIT_FAIL;                                                                          \
    }

STUB(cmd_inspect, "inspect")
