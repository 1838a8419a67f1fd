/* okra log: the vault's history, one line per bundle. */
#include "cli/cli.h"
#include "cli/vault_access.h"
#include "common/err.h"

#include <stdlib.h>

static const struct cmd log_cmd = { "log", NULL, 0, "log", NULL };

struct log_ctx {
    bool     json;
    uint64_t n;
};

static int
print_bundle(void *ctx, const struct vindex_bundle_row *r)
{
    struct log_ctx *l = ctx;
    json_t         *media = r->media_json ? json_loads(r->media_json, 0, NULL) : NULL;

    if (l->json) {
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:O, s:I}", "seq", (json_int_t) r->seq, "time",
                              r->time ? r->time : "", "kind", r->kind ? r->kind : "", "operator",
                              r->operator_name ? r->operator_name : "", "media",
                              media ? media : json_null(), "items", (json_int_t) r->n_items);
        char *t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

        printf("%s  %s", l->n ? ",\n" : "[\n", t);
        free(t);
        json_decref(j);
    } else {
        char *m = cli_media_text(media);

        char *time = cli_safe_dup(r->time ? r->time : ""), *kind = cli_safe_dup(r->kind ? r->kind : "");

        printf("%8llu  %s  %-13s  ", (unsigned long long) r->seq, time ? time : "?",
               kind ? kind : "?");
        free(time);
        free(kind);
        cli_put_safe(stdout, r->operator_name ? r->operator_name : "-");
        fputs("  ", stdout);
        cli_put_safe(stdout, m ? m : "-");
        printf("  %u item%s\n", r->n_items, r->n_items == 1 ? "" : "s");
        free(m);
    }
    json_decref(media);
    l->n++;
    return 0;
}

int
cmd_log(struct cli *cli, int argc, char **argv)
{
    struct log_ctx l = { cli->json, 0 };
    struct vault  *v;
    struct vindex *x;
    int            rc;

    (void) argv;
    if (argc != 1)
        return cli_usage(&log_cmd, "log takes no operand");
    if (cli_open_indexed(cli, &v, &x) < 0)
        return EXIT_FAIL;
    if (!cli->json)
        printf("%8s  %-20s  %-13s  %s\n", "seq", "time", "kind", "operator  medium  items");
    rc = vindex_bundles(x, print_bundle, &l);
    if (cli->json)
        fputs(l.n ? "\n]\n" : "[]\n", stdout);
    vindex_close(x);
    vault_close(v);
    if (rc < 0) {
        cli_error_from("log");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
