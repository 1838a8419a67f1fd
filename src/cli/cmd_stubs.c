/* Commands not written yet; each moves to its own cmd_NAME.c when it is. */
#include "cli/cli.h"

#define STUB(fn, name)                                                                             \
    int fn(struct cli *cli, int argc, char **argv)                                                 \
    {                                                                                              \
        (void) cli, (void) argc, (void) argv;                                                      \
        cli_error("%s is not built yet", name);                                                    \
        return EXIT_FAIL;                                                                          \
    }

STUB(cmd_ceremony, "ceremony")
STUB(cmd_import, "import")
STUB(cmd_scan, "scan")
STUB(cmd_mediawatch, "mediawatch")
STUB(cmd_list, "list")
STUB(cmd_show, "show")
STUB(cmd_inspect, "inspect")
STUB(cmd_log, "log")
STUB(cmd_reindex, "reindex")
STUB(cmd_verify, "verify")
STUB(cmd_checkpoint, "checkpoint")
