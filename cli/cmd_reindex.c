/* okra reindex: index.sqlite rebuilt from the bundles. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/vault_access.h"
#include "common/err.h"

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
    int            rc, first;

    if ((rc = cli_parse_options(cli, argc, argv, cli_progress_option, NULL, &first)) != 0)
        return rc;
    if (first != argc)
        return cli_usage(cli, "takes no operand");
    /* the writer's lock: an ingest must not add a bundle halfway through */
    if (vault_open(cli->vault_dir, VAULT_WRITE, &v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    /* made anew: an index found edited is replaced, from the bundles that verify */
    if ((rc = vindex_open_new(v, &x)) == 0) {
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
