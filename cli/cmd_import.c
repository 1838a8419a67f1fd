/* okra import: the files named, as one bundle, all or nothing. */
#include "cli/cli.h"
#include "cli/ingest_options.h"
#include "cli/ingest_report.h"
#include "common/err.h"
#include "vault/vault.h"

int
cmd_import(struct cli *cli, int argc, char **argv)
{
    struct ingest_opts   o = { .kind = "import", .all_or_nothing = true, .absolute_paths = true };
    struct cli_ingest_report rep;
    struct ingest_result r = { 0 };
    struct vault        *v;
    int                  first, rc;

    if ((rc = cli_ingest_options(cli, argc, argv, &o, &first)) != 0)
        return rc;
    if (first >= argc)
        return cli_usage(cli, "name at least one FILE to seal");
    if (vault_open(cli->vault_dir, VAULT_WRITE, &v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    cli_ingest_report_init(&rep, cli, v, &o, "import");
    cli_progress_total(&rep.progress, (uint64_t) (argc - first));
    cli_ingest_report_count_files(&rep, &o, argv + first, (size_t) (argc - first));
    rc = ingest_files(v, argv + first, (size_t) (argc - first), &o, &r);
    rc = cli_ingest_report_finish(&rep, rc, &r, true);
    vault_close(v);
    if (cli_ingest_report_interrupted())
        cli_die_of_signal(cli_ingest_report_interrupted());
    return rc;
}
