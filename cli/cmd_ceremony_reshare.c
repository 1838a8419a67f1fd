/*
 * okra ceremony reshare: a quorum issues a new share set for the same
 * recovery identity (new custodians, a new threshold, a new SLIP-0039
 * identifier) and retires every set the vault issued before.
 *
 * The old set is never lost: the new share files are written, fsynced and
 * opened by their custodians (the roll call) before the signed 'reshare'
 * record that retires the old set is committed. A crash or a failure before
 * that commit leaves the old set valid (and removes the new files when okra
 * is still running to do it).
 */
#include "cli/ceremony.h"
#include "cli/vault_access.h"
#include "common/err.h"
#include "vault/bundle.h"
#include "vault/checkpoint.h"

#include <stdlib.h>
#include <string.h>

struct reshare {
    struct new_set     ns;
    struct newset_opts set; /* the options init and reshare share */
    char             **shares;
    size_t             n_shares;
    const char        *operator_name;
    const char        *pdf, *paper; /* --pdf FILE, --paper: the record, printable */
    struct vault      *v;
    struct vindex     *x;
    struct cer_sets    sets;
    struct cer_share  *given;
    uint8_t           *identity;
    uint16_t           old_set;
};

static int
reshare_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct reshare *r = ctx;

    switch (key) {
    case OPT_SHARE: r->shares[r->n_shares++] = (char *) value; return 0;
    case OPT_OPERATOR: r->operator_name = value; return 0;
    case OPT_PDF: r->pdf = value; return 0;
    case OPT_PAPER: r->paper = value; return 0;
    default: return cli_newset_option(cli, key, value, &r->set);
    }
}

static int
parse_reshare(struct cli *cli, int argc, char **argv, struct reshare *r)
{
    int first, rc;

    if ((r->shares = calloc((size_t) argc + 1, sizeof *r->shares)) == NULL) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    r->ns.log_n = AGE_SCRYPT_DEFAULT_LOG_N;
    r->set.ns = &r->ns;
    if ((rc = cli_parse_options(cli, argc, argv, reshare_option, r, &first)) != 0)
        return rc;
    if (first < argc)
        return cli_usage(cli, "takes no operand");
    return 0;
}

static int
preflight(struct cli *cli, struct reshare *r)
{
    if (r->ns.m > r->ns.n) {
        cli_error("threshold %u is more than the %u custodian%s; a threshold is 1 to the number "
                  "of custodians", r->ns.m, r->ns.n, r->ns.n == 1 ? "" : "s");
        return EXIT_USAGE;
    }
    if (r->ns.show_mnemonic && !cli_interactive(cli))
        return cli_usage(cli, "--show-mnemonic shows the words on the terminal; it cannot be used "
                              "with --passphrase-file");
    if (!cli_dirs_apart(r->ns.share_dir, cli->vault_dir, -1)) {
        cli_error("--share-dir %s and the vault %s must be apart: share files leave the station "
                  "with their custodians", r->ns.share_dir, cli->vault_dir);
        return EXIT_USAGE;
    }
    if (r->pdf) {
        int rc = cli_record_pdf_check(cli, r->pdf, r->paper);

        if (rc != EXIT_OK)
            return rc;
    }
    return cli_newset_prepare(&r->ns, r->set.names, r->set.n_names);
}

/* Every set this vault issued, and the given shares' set when it was not issued here. */
static json_t *
retired_list(const struct reshare *r)
{
    json_t *list = json_array();
    size_t  i, j;

    for (i = 0; i < r->sets.n; i++) {
        for (j = 0; j < i; j++)
            if (r->sets.sets[j].id == r->sets.sets[i].id)
                break;
        if (j == i)
            json_array_append_new(list, json_integer(r->sets.sets[i].id));
    }
    if (cer_sets_find(&r->sets, r->old_set) == NULL)
        json_array_append_new(list, json_integer(r->old_set));
    return list;
}

static int
commit_record(struct cli *cli, struct reshare *r, uint64_t *seq, char sums[SHA256_HEX])
{
    json_t *extra = json_pack("{s:o, s:s, s:o, s:o, s:b}", "set", cli_newset_record(&r->ns),
                              "station_key", r->v->station_keyid, "retired", retired_list(r),
                              "shares", cli_ceremony_shares_json(&r->sets, r->given, r->n_shares),
                              "set_issued_here", cer_sets_find(&r->sets, r->old_set) != NULL);
    struct bundle_header  h = { "reshare", cli_operator(r->operator_name), NULL, extra };
    struct bundle_writer *bw = NULL;
    int                   rc;

    if (extra == NULL)
        rc = okra_fail(-ENOMEM, "out of memory");
    else if ((rc = bw_begin(r->v, &h, &bw)) == 0)
        rc = bw_commit(bw, sums);
    if (rc >= 0)
        *seq = bw_seq(bw);
    bw_free(bw);
    json_decref(extra);
    if (rc < 0) {
        cli_error("the reshare cannot be recorded: %s; the new share files were removed and the "
                  "old set stays valid", okra_errmsg());
        return -1;
    }
    if (rc == 1)
        cli_warn("CHECKPOINT was not updated (%s); the next commit brings it up to date",
                 okra_errmsg());
    if (vindex_begin(r->x) == 0) {
        if (vindex_add_bundle_file(r->x, r->v, *seq) < 0 || vindex_commit(r->x) < 0)
            vindex_rollback(r->x);
    }
    return 0;
}

static void
transcript(struct cli *cli, struct reshare *r, uint64_t seq, const char *sums)
{
    json_t *retired = retired_list(r);
    size_t  i;

    if (cli->json) {
        json_t *j = json_pack("{s:s, s:I, s:s, s:o, s:O, s:o}", "vault", r->v->vault_id,
                              "bundle", (json_int_t) seq, "sums", sums, "set",
                              cli_newset_record(&r->ns), "retired", retired, "shares",
                              cli_ceremony_shares_json(&r->sets, r->given, r->n_shares));
        char *cp = NULL;

        if (checkpoint_export(r->v, &cp) == 0)
            json_object_set_new(j, "checkpoint", json_string(cp));
        free(cp);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        json_decref(retired);
        return;
    }
    printf("okra ceremony reshare: transcript, for the custodians and witnesses to sign\n\n");
    printf("vault:        %s\nrecipient:    %s (unchanged)\nstation key:  %s\n", r->v->vault_id,
           r->v->recipient_text, r->v->station_keyid);
    printf("shares used:  set %u%s\n", r->old_set,
           cer_sets_find(&r->sets, r->old_set) ? "" : " (not issued by this vault)");
    for (i = 0; i < r->n_shares; i++) {
        const char *c;

        if (!r->given[i].usable)
            continue;
        c = cli_ceremony_custodian(&r->sets, &r->given[i]);
        printf("  share %u  ", r->given[i].share->member_index + 1u);
        cli_put_safe(stdout, c ? c : "(a paper share)");
        putchar('\n');
    }
    printf("retired sets:");
    for (i = 0; i < json_array_size(retired); i++)
        printf(" %lld", (long long) json_integer_value(json_array_get(retired, i)));
    printf("\nnew set:      %u, threshold %u of %u\n", r->ns.id, r->ns.m, r->ns.n);
    printf("new custodians and their share files:\n");
    cli_newset_print(&r->ns, stdout);
    printf("roll call:    every new custodian opened their own share file\n");
    printf("bundle:       %llu (reshare), SHA256SUMS sha256 %s\n\n", (unsigned long long) seq, sums);
    printf("signatures:   ______________________  ______________________  ______________________\n\n");
    printf("checkpoint (the auditor keeps a copy):\n");
    cli_print_checkpoint(r->v);
    json_decref(retired);
}

static int
run(struct cli *cli, struct reshare *r)
{
    char     sums[SHA256_HEX];
    uint64_t seq = 0;

    if (cer_sets_load(r->v, r->x, &r->sets) < 0) {
        cli_error_from("the vault's ceremony records");
        return EXIT_FAIL;
    }
    if (cli_ceremony_quorum(cli, r->v, &r->sets, r->shares, r->n_shares, &r->given, &r->identity,
                        &r->old_set) < 0)
        return EXIT_FAIL;
    if (cli_newset_split_and_ask(cli, &r->ns, r->identity, &r->sets, r->old_set) < 0)
        return EXIT_FAIL;
    secmem_free(r->identity);
    r->identity = NULL;
    if (cli_newset_write_and_roll_call(cli, &r->ns, r->v->vault_id, r->v->dirfd) < 0) {
        cli_error("nothing was committed; the old share set stays valid");
        return EXIT_FAIL;
    }
    if (commit_record(cli, r, &seq, sums) < 0) {
        cli_newset_remove_files(&r->ns);
        return EXIT_FAIL;
    }
    cli_litter_clear(); /* the share files are recorded now */
    cli_newset_free(&r->ns);
    transcript(cli, r, seq, sums);
    return cli_ceremony_pdf(cli, r->v, seq, r->pdf, r->paper);
}

int
cmd_ceremony_reshare(struct cli *cli, int argc, char **argv)
{
    struct reshare    r = { 0 };
    int               rc;

    r.ns.dirfd = -1;
    if ((rc = parse_reshare(cli, argc, argv, &r)) != 0 || (rc = preflight(cli, &r)) != 0) {
        free(r.shares);
        return rc;
    }
    if (vault_open(cli->vault_dir, VAULT_WRITE, &r.v) < 0) {
        cli_error_from(NULL);
        free(r.shares);
        return EXIT_FAIL;
    }
    if (vindex_open(r.v, &r.x) < 0 || vindex_sync(r.x, r.v, cli_progress, "indexing") < 0) {
        cli_progress_end();
        cli_error_from("index.sqlite");
        rc = EXIT_FAIL;
    } else {
        cli_progress_end();
        rc = run(cli, &r);
    }
    secmem_free(r.identity);
    cli_newset_free(&r.ns);
    cli_ceremony_free_shares(r.given, r.n_shares);
    cer_sets_free(&r.sets);
    free(r.shares);
    vindex_close(r.x);
    vault_close(r.v);
    return rc;
}
