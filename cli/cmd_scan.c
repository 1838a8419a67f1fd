/* okra scan: a folder walked safely, export files found by content, one bundle. */
#include "cli/cli.h"
#include "cli/ingest_options.h"
#include "cli/ingest_report.h"
#include "cli/scan_medium.h"
#include "common/err.h"
#include "vault/vault.h"

#include <fcntl.h>
#include <unistd.h>

static const struct cmd scan_cmd = {
    "scan", NULL, 0,
    "scan [--inspect [--same-password]] [--foreign] [--allow-signing-keys] [--operator NAME]\n"
    "            [--max-size BYTES] [--quiet|--progress] DIR | --device DEV | --image FILE",
    NULL
};

int
cmd_scan(struct cli *cli, int argc, char **argv)
{
    struct ingest_opts   o = { .kind = "import" };
    struct ingest_report rep;
    struct ingest_result r = { 0 };
    struct vault        *v;
    struct scan_medium   medium;
    int                  first, rc, fd;

    if (scan_medium_options(&argc, argv, &medium) < 0)
        return cli_usage(&scan_cmd, "--device and --image take a path, once");
    if ((first = ingest_parse_options(&scan_cmd, argc, argv, &o, true)) < 0)
        return EXIT_USAGE;
    if (medium.device || medium.image) {
        if (argc - first != 0 || (medium.device && medium.image))
            return cli_usage(&scan_cmd, "name one of DIR, --device DEV and --image FILE");
        return scan_medium(cli, &medium, &o);
    }
    if (argc - first != 1)
        return cli_usage(&scan_cmd, "name one DIR to scan");
    fd = open(argv[first], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: %s", argv[first],
                  errno == ENOTDIR ? "is not a folder (use 'okra import' for files)"
                  : errno == ENOENT ? "does not exist" : "cannot be opened");
        return EXIT_FAIL;
    }
    if (vault_open(cli->vault_dir, VAULT_WRITE, &v) < 0) {
        cli_error_from(NULL);
        close(fd);
        return EXIT_FAIL;
    }
    ingest_report_init(&rep, cli, v, &o, "scan");
    ingest_report_count_tree(&rep, &o, fd);
    rc = ingest_tree(v, fd, &o, &r);
    rc = ingest_report_finish(&rep, rc, &r, false);
    close(fd);
    vault_close(v);
    if (ingest_report_interrupted())
        cli_die_of_signal(ingest_report_interrupted());
    return rc;
}
