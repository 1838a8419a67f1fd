/*
 * okra ceremony check-share FILE: a custodian checks their share alone: the
 * passphrase opens the file, the file belongs to this vault, its set is the
 * vault's current one (issued here, not retired), its mnemonic's checksum
 * holds, and its lines agree with the vault's record of the set. One share
 * reveals nothing of the key, and nothing is decrypted or written.
 */
#include "cli/ceremony.h"
#include "cli/vault_access.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

/* The share against the vault's records; 0, or -1 after saying why. */
static int
judge(struct vault *v, const struct cer_sets *sets, struct cer_share *s)
{
    const struct share_text *t = s->text;
    const struct cer_set    *set;
    uint64_t                 in;
    unsigned                 idx = s->share->member_index;

    if (!t->bare && strcmp(t->vault_id, v->vault_id) != 0) {
        cli_error("%s: is a share of another vault (%s), not of %s (%s)", s->label, t->vault_id,
                  v->dir, v->vault_id);
        return -1;
    }
    if (cer_sets_is_retired(sets, s->share->identifier, &in)) {
        cli_error("%s: share set %u was retired by the reshare in bundle %llu; this share "
                  "recovers nothing any more (the custodian's new share file replaces it)",
                  s->label, s->share->identifier, (unsigned long long) in);
        return -1;
    }
    if ((set = cer_sets_find(sets, s->share->identifier)) == NULL) {
        cli_error("%s: its share set %u was not issued by this vault", s->label,
                  s->share->identifier);
        return -1;
    }
    if (set->threshold != s->share->member_threshold || idx >= set->n_custodians ||
        (!t->bare && (t->count != set->n_custodians ||
                      strcmp(t->custodian, set->custodians[idx]) != 0))) {
        cli_error("%s: its lines disagree with the vault's record of set %u (bundle %llu)",
                  s->label, set->id, (unsigned long long) set->issued_in);
        return -1;
    }
    return 0;
}

static void
print_ok(struct cli *cli, struct vault *v, const struct cer_sets *sets, const struct cer_share *s)
{
    const struct cer_set *set = cer_sets_find(sets, s->share->identifier);
    const char           *custodian = set->custodians[s->share->member_index];
    unsigned              words = 1;
    const char           *p;

    for (p = s->text->mnemonic; *p; p++)
        words += *p == ' ';
    if (cli->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:b}", "file", s->label,
                              "vault", v->vault_id, "custodian", custodian, "index",
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
    cli_put_safe(stdout, custodian);
    printf("\nshare:      %u of %zu, threshold %u\n", s->share->member_index + 1u,
           set->n_custodians, set->threshold);
    printf("set:        %u, issued in bundle %llu, current\n", set->id,
           (unsigned long long) set->issued_in);
    printf("mnemonic:   %u words, checksum holds\n", words);
    printf("ok: this share belongs to the vault's current share set\n");
}

int
cmd_ceremony_check_share(struct cli *cli, int argc, char **argv)
{
    struct cer_sets   sets = { 0 };
    struct cer_share *s = NULL;
    struct vault     *v;
    struct vindex    *x;
    int               rc, first;

    if ((rc = cli_parse_no_options(cli, argc, argv, &first)) != 0)
        return rc;
    if (argc - first != 1)
        return cli_usage(cli, "name the one share FILE to check");
    argv += first - 1;
    rc = EXIT_FAIL;
    if (cli_open_indexed(cli, &v, &x) < 0)
        return EXIT_FAIL;
    if (cer_sets_load(v, x, &sets) < 0)
        cli_error_from("the vault's ceremony records");
    else if ((s = cli_ceremony_read_shares(cli, argv + 1, 1)) != NULL && s->usable &&
             judge(v, &sets, s) == 0) {
        print_ok(cli, v, &sets, s);
        rc = EXIT_OK;
    }
    cli_ceremony_free_shares(s, 1);
    cer_sets_free(&sets);
    vindex_close(x);
    vault_close(v);
    return rc;
}
