/*
 * okra ceremony check-share FILE: a custodian checks their share alone
 * (ceremony/check_share.h judges it). Nothing is decrypted or written.
 */
#include "cli/ceremony.h"
#include "cli/vault_access.h"
#include "ceremony/check_share.h"
#include "common/err.h"

static void
print_ok(struct cli *cli, struct vault *v, const struct cer_checked *c)
{
    const struct cer_share *s = c->share;
    const struct cer_set   *set = c->set;

    if (cli->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:b}", "file", s->label,
                              "vault", v->vault_id, "custodian", c->custodian, "index",
                              s->share->member_index + 1, "of", (int) set->n_custodians,
                              "threshold", (int) set->threshold, "set", (int) set->id,
                              "issued_in", (json_int_t) set->issued_in, "ok", 1);

        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return;
    }
    fputs("share file: ", stdout);
    cli_put_safe(stdout, s->label);
    printf("%s\nvault:      %s\ncustodian:  ", s->text->bare ? " (a bare mnemonic)" : "",
           v->vault_id);
    cli_put_safe(stdout, c->custodian);
    printf("\nshare:      %u of %zu, threshold %u\n", s->share->member_index + 1u,
           set->n_custodians, set->threshold);
    printf("set:        %u, issued in bundle %llu, current\n", set->id,
           (unsigned long long) set->issued_in);
    printf("mnemonic:   %u words, checksum holds\n", c->words);
    printf("ok: this share belongs to the vault's current share set\n");
}

int
cmd_ceremony_check_share(struct cli *cli, int argc, char **argv)
{
    struct cer_sets    sets = { 0 };
    struct cer_checked c = { 0 };
    struct cer_ui      ui;
    struct vault      *v;
    struct vindex     *x;
    int                rc, first;

    if ((rc = cli_parse_no_options(cli, argc, argv, &first)) != 0)
        return rc;
    if (argc - first != 1)
        return cli_usage(cli, "name the one share FILE to check");
    if (cli_open_indexed(cli, &v, &x) < 0)
        return EXIT_FAIL;
    cli_ceremony_ui(cli, &ui);
    rc = EXIT_FAIL;
    if (cer_sets_load(v, x, &sets) < 0) {
        cli_error_from("the vault's ceremony records");
    } else if (cer_check_share(&ui, v, &sets, argv[first], &c) == 0) {
        print_ok(cli, v, &c);
        rc = EXIT_OK;
    }
    cer_quorum_free(c.share, 1);
    cer_sets_free(&sets);
    vindex_close(x);
    vault_close(v);
    return rc;
}
