/*
 * okra ceremony reshare: a quorum issues a new share set for the same
 * recovery identity and retires every set the vault issued before
 * (ceremony/reshare.h does the ceremony). Here: the options, the vault and
 * its index, and the transcript for the witnesses.
 */
#include "cli/ceremony.h"
#include "cli/vault_access.h"
#include "ceremony/reshare.h"
#include "common/err.h"
#include "vault/checkpoint.h"

#include <stdlib.h>

struct reshare_opts {
    struct cer_reshare r;
    struct newset_opts set;        /* the options init and reshare share */
    const char        *pdf, *paper; /* --pdf FILE, --paper: the record, printable */
};

static int
reshare_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct reshare_opts *o = ctx;

    switch (key) {
    case OPT_SHARE: o->r.shares[o->r.n_shares++] = (char *) value; return 0;
    case OPT_OPERATOR: o->r.operator_name = value; return 0;
    case OPT_PDF: o->pdf = value; return 0;
    case OPT_PAPER: o->paper = value; return 0;
    default: return cli_newset_option(cli, key, value, &o->set);
    }
}

/* The options, then the checks that need no secret. */
static int
prepare(struct cli *cli, int argc, char **argv, struct reshare_opts *o)
{
    int first, rc;

    cer_reshare_start(&o->r);
    o->r.set.log_n = AGE_SCRYPT_DEFAULT_LOG_N;
    o->set.ns = &o->r.set;
    if ((o->r.shares = calloc((size_t) argc + 1, sizeof *o->r.shares)) == NULL) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    if ((rc = cli_parse_options(cli, argc, argv, reshare_option, o, &first)) != 0)
        return rc;
    if (first < argc)
        return cli_usage(cli, "takes no operand");
    if ((rc = cli_newset_check(cli, &o->r.set)) != 0)
        return rc;
    if (o->pdf && (rc = cli_record_pdf_check(cli, o->pdf, o->paper)) != EXIT_OK)
        return rc;
    o->r.operator_name = cli_operator(o->r.operator_name);
    if (cer_newset_name(&o->r.set, o->set.names, o->set.n_names) < 0) {
        cli_error_from("--name");
        return EXIT_USAGE;
    }
    if (cer_newset_check_dir(&o->r.set) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    return 0;
}

static void
transcript_json(const struct cer_reshare *r)
{
    json_t *j = json_pack("{s:s, s:I, s:s, s:o, s:O, s:o}", "vault", r->v->vault_id, "bundle",
                          (json_int_t) r->seq, "sums", r->sums, "set",
                          cer_sets_json_set(r->set.id, r->set.m, r->set.names, r->set.n),
                          "retired", r->retired, "shares",
                          cer_shares_json(&r->sets, r->given, r->n_shares));
    cli_print_json_transcript(r->v, j);
}

static void
transcript(struct cli *cli, const struct cer_reshare *r)
{
    size_t i;

    if (cli->json) {
        transcript_json(r);
        return;
    }
    printf("okra ceremony reshare: transcript, for the custodians and witnesses to sign\n\n");
    printf("vault:        %s\nrecipient:    %s (unchanged)\nstation key:  %s\n", r->v->vault_id,
           r->v->recipient_text, r->v->station_keyid);
    printf("shares used:  set %u%s\n", r->old_set,
           cer_sets_find(&r->sets, r->old_set) ? "" : " (not issued by this vault)");
    cli_print_shares_used(&r->sets, r->given, r->n_shares, false);
    printf("retired sets:");
    for (i = 0; i < json_array_size(r->retired); i++)
        printf(" %lld", (long long) json_integer_value(json_array_get(r->retired, i)));
    printf("\nnew set:      %u, threshold %u of %u\n", r->set.id, r->set.m, r->set.n);
    printf("new custodians and their share files:\n");
    cli_print_set(&r->set, stdout);
    printf("roll call:    every new custodian opened their own share file\n");
    printf("bundle:       %llu (reshare), SHA256SUMS sha256 %s\n\n", (unsigned long long) r->seq,
           r->sums);
    printf("signatures:   ______________________  ______________________  ______________________\n\n");
    printf("checkpoint (the auditor keeps a copy):\n");
    cli_print_checkpoint(r->v);
}

int
cmd_ceremony_reshare(struct cli *cli, int argc, char **argv)
{
    struct reshare_opts o = { 0 };
    struct cer_ui       ui;
    int                 rc;

    if ((rc = prepare(cli, argc, argv, &o)) == 0 &&
        (rc = cli_open_writer(cli, &o.r.v, &o.r.x)) == 0) {
        cli_ceremony_ui(cli, &ui);
        if (cer_reshare_run(&ui, &o.r) < 0) {
            rc = EXIT_FAIL;
        } else {
            transcript(cli, &o.r);
            rc = cli_ceremony_pdf(cli, o.r.v, o.r.seq, o.pdf, o.paper);
        }
    }
    cer_reshare_free(&o.r);
    free(o.r.shares);
    vindex_close(o.r.x);
    vault_close(o.r.v);
    return rc;
}
