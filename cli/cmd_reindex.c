/* okra reindex: index.sqlite rebuilt from the bundles. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/vault_access.h"
#include "common/err.h"

#include <getopt.h>

static const struct cmd reindex_cmd = { "reindex", NULL, 0, "reindex [--quiet|--progress]", NULL };

static int
count(void *ctx, const struct vindex_bundle_row *r)
{
    uint64_t *n = ctx;

    n[0]++;
    n[1] += r->n_items;
    return 0;
}

int
cmd_reindex(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "quiet", no_argument, NULL, 'q' },
        { "progress", no_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    struct vault  *v;
    struct vindex *x;
    uint64_t       n[2] = { 0, 0 };
    int            rc, ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (ch != 'q' && ch != 'p')
            return cli_usage(&reindex_cmd, "unknown option");
        cli_progress_mode(ch == 'q' ? CLI_PROGRESS_OFF : CLI_PROGRESS_ON);
    }
    if (optind != argc)
        return cli_usage(&reindex_cmd, "reindex takes no operand");
    /* the writer's lock: an ingest must not add a bundle halfway through */
    if (vault_open(cli->vault_dir, VAULT_WRITE, &v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if ((rc = vindex_open(v, &x)) == 0) {
        rc = vindex_rebuild(x, v, cli_progress, "reindex");
        cli_progress_end();
        if (rc == 0)
            vindex_bundles(x, count, n);
        vindex_close(x);
    }
    vault_close(v);
    if (rc < 0) {
        cli_error_from("reindex");
        return EXIT_FAIL;
    }
    if (cli->json)
        printf("{\"bundles\": %llu, \"items\": %llu}\n", (unsigned long long) n[0],
               (unsigned long long) n[1]);
    else
        printf("index rebuilt from %llu bundles: %llu items\n", (unsigned long long) n[0],
               (unsigned long long) n[1]);
    return EXIT_OK;
}
