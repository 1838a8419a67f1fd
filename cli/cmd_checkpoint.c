/* okra checkpoint: the signed checkpoint, for an auditor to keep. */
#include "cli/cli.h"
#include "common/err.h"
#include "vault/checkpoint.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd checkpoint_cmd = { "checkpoint", NULL, 0, "checkpoint", NULL };

int
cmd_checkpoint(struct cli *cli, int argc, char **argv)
{
    struct vault     *v;
    struct checkpoint cp;
    char             *text;

    (void) argv;
    if (argc != 1)
        return cli_usage(&checkpoint_cmd, "checkpoint takes no operand");
    if (vault_open(cli->vault_dir, VAULT_READ, &v) < 0 ||
        checkpoint_export(v, &text) < 0) {
        cli_error_from(NULL);
        vault_close(v);
        return EXIT_FAIL;
    }
    if (cli->json && checkpoint_read(v, &v->station_pub, &cp) == 0) {
        json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:s}", "vault", cp.vault_id, "seq",
                              (json_int_t) cp.seq, "sums", cp.sums, "time", cp.time, "signed",
                              text);

        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
    } else {
        fputs(text, stdout);
    }
    free(text);
    vault_close(v);
    return EXIT_OK;
}
