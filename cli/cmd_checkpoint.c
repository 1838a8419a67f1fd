/* okra checkpoint: the signed checkpoint, for an auditor to keep; --qr draws it as a QR code. */
#include "cli/cli.h"
#include "common/err.h"
#include "common/qr.h"
#include "vault/checkpoint.h"

#include <stdlib.h>
#include <string.h>

/*
 * The code in UTF-8 half blocks, two rows of modules a line, black on a white
 * background whatever the terminal's colours, with the quiet zone a reader
 * needs. The printed record (ceremony/record_pdf.c) draws the same code.
 */
static int
print_qr(const char *text)
{
    static const char *const glyph[4] = { " ", "\u2584", "\u2580", "\u2588" };
    struct qr                q;
    int                      x, y, edge;

    if (qr_encode(text, strlen(text), &q) < 0) {
        cli_error_from("--qr");
        return EXIT_FAIL;
    }
    edge = q.width + QR_QUIET;
    for (y = -QR_QUIET; y < edge; y += 2) {
        fputs("\033[30;47m", stdout);
        for (x = -QR_QUIET; x < edge; x++)
            fputs(glyph[qr_dark(&q, x, y) * 2 + qr_dark(&q, x, y + 1)], stdout);
        fputs("\033[0m\n", stdout);
    }
    qr_free(&q);
    return EXIT_OK;
}

static int
checkpoint_option(struct cli *cli, void *ctx, int key, const char *value)
{
    (void) cli, (void) value;
    if (key == OPT_QR)
        *(bool *) ctx = true;
    return 0;
}

int
cmd_checkpoint(struct cli *cli, int argc, char **argv)
{
    struct vault     *v;
    struct checkpoint cp;
    char             *text;
    bool              qr = false;
    int               first, rc;

    if ((rc = cli_parse_options(cli, argc, argv, checkpoint_option, &qr, &first)) != 0)
        return rc;
    if (first != argc)
        return cli_usage(cli, "takes no operand");
    if (qr && cli->json)
        return cli_usage(cli, "--qr draws on a terminal; it does not go with --json");
    rc = EXIT_OK;
    if (vault_open(cli->vault_dir, VAULT_READ, &v) < 0 || checkpoint_export(v, &text) < 0) {
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
        if (qr)
            rc = print_qr(text);
        fputs(text, stdout);
    }
    free(text);
    vault_close(v);
    return rc;
}
