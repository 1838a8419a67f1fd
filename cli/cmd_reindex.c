/* okra reindex: index.sqlite rebuilt from the bundles. */
#include "cli/cli.h"
#include "cli/vault_access.h"
#include "common/err.h"

static const struct cmd reindex_cmd = { "reindex", NULL, 0, "reindex", NULL };

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
    struct vault  *v;
    struct vindex *x;
    uint64_t       n[2] = { 0, 0 };
    int            rc;

    (void) argv;
    if (argc != 1)
        return cli_usage(&reindex_cmd, "reindex takes no operand");
    /* the writer's lock: an ingest must not add a bundle halfway through */
    if (vault_open(cli->vault_dir, VAULT_WRITE, &v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if ((rc = vindex_open(v, &x)) == 0) {
        rc = vindex_rebuild(x, v, cli_progress, "reindexing");
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
