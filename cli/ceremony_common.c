/*
 * ceremony_common.c: what the ceremony subcommands share: paths, numbers,
 * the new set's options and lines, the checkpoint, the quorum for recover.
 */
#include "cli/ceremony.h"
#include "cli/vault_access.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "vault/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *ret)
{
    char         *end;
    unsigned long n;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    n = strtoul(s, &end, 10);
    if (errno || *end || n < lo || n > hi)
        return -1;
    *ret = (unsigned) n;
    return 0;
}

void
cli_print_checkpoint(struct vault *v)
{
    char *text = NULL;

    if (checkpoint_export(v, &text) < 0) {
        cli_warn("cannot print the checkpoint: %s (run 'okra checkpoint')", okra_errmsg());
        return;
    }
    fputs(text, stdout);
    free(text);
}

int
cli_newset_option(struct cli *cli, int key, const char *value, struct newset_opts *o)
{
    unsigned wf;

    switch (key) {
    case OPT_CUSTODIANS:
        if (cli_parse_uint(value, 1, SLIP39_MAX_SHARES, &o->ns->n) < 0)
            return cli_bad_value(cli, key, value, "a number from 1 to 16");
        return 0;
    case OPT_THRESHOLD:
        if (cli_parse_uint(value, 1, SLIP39_MAX_SHARES, &o->ns->m) < 0)
            return cli_bad_value(cli, key, value, "a number from 1 to 16");
        return 0;
    case OPT_SHARE_DIR:
        o->ns->share_dir = value;
        return 0;
    case OPT_NAME:
        if (o->n_names == SLIP39_MAX_SHARES)
            return cli_usage(cli, "--name may be given 16 times at most");
        o->names[o->n_names++] = value;
        return 0;
    case OPT_SHOW_MNEMONIC:
        o->ns->show_words = true;
        return 0;
    case OPT_WORK_FACTOR:
        if (cli_parse_uint(value, CER_LOG_N_MIN, CER_LOG_N_MAX, &wf) < 0)
            return cli_bad_value(cli, key, value, "a number from 10 to 20 (log2 of scrypt's N)");
        o->ns->log_n = (int) wf;
        return 0;
    default:
        return 0;
    }
}

int
cli_newset_check(struct cli *cli, const struct cer_newset *ns)
{
    if (ns->m > ns->n) {
        cli_error("threshold %u is more than the %u custodian%s; a threshold is 1 to the number "
                  "of custodians", ns->m, ns->n, ns->n == 1 ? "" : "s");
        return EXIT_USAGE;
    }
    if (ns->show_words && !cli_interactive(cli))
        return cli_usage(cli, "--show-mnemonic shows the words on the terminal; it cannot be used "
                              "with --passphrase-file");
    if (!cer_dirs_apart(ns->share_dir, cli->vault_dir, -1)) {
        cli_error("--share-dir %s and the vault %s must be apart: share files leave the station "
                  "with their custodians", ns->share_dir, cli->vault_dir);
        return EXIT_USAGE;
    }
    return 0;
}

void
cli_print_set(const struct cer_newset *ns, FILE *f)
{
    unsigned i;
    size_t   width = 0;

    for (i = 0; i < ns->n; i++)
        if (strlen(ns->names[i]) > width)
            width = strlen(ns->names[i]);
    for (i = 0; i < ns->n; i++) {
        char *safe = cli_safe_dup(ns->names[i]);

        fprintf(f, "  %2u  %-*s  %s/%s\n", i + 1, (int) width, safe ? safe : "?", ns->share_dir,
                ns->files[i]);
        free(safe);
    }
}

void
cli_print_shares_used(const struct cer_sets *sets, const struct cer_share *given, size_t n,
                      bool with_files)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *c;

        if (!given[i].usable)
            continue;
        c = cer_share_custodian(sets, &given[i]);
        printf("  share %u  ", given[i].share->member_index + 1u);
        cli_put_safe(stdout, c ? c : "(a paper share)");
        if (with_files) {
            fputs("  ", stdout);
            cli_put_safe(stdout, given[i].label);
        }
        putchar('\n');
    }
}

void
cli_print_json_transcript(struct vault *v, json_t *j)
{
    char *cp = NULL;

    if (checkpoint_export(v, &cp) == 0)
        json_object_set_new(j, "checkpoint", json_string(cp));
    free(cp);
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(j);
}

int
cli_open_writer(struct cli *cli, struct vault **ret_v, struct vindex **ret_x)
{
    if (vault_open(cli->vault_dir, VAULT_WRITE, ret_v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if (vindex_open(*ret_v, ret_x) < 0 ||
        vindex_sync(*ret_x, *ret_v, cli_progress, "indexing") < 0) {
        cli_progress_end();
        cli_error_from("index.sqlite");
        return EXIT_FAIL;
    }
    cli_progress_end();
    return 0;
}
