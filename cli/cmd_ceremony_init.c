/*
 * okra ceremony init: a new vault (ceremony/init.h does the ceremony). Here:
 * the options, the checks that need no secret, and the transcript for the
 * witnesses.
 */
#include "cli/ceremony.h"
#include "ceremony/init.h"
#include "common/err.h"
#include "vault/checkpoint.h"

#include <stdlib.h>

struct init_opts {
    struct cer_init    c;
    struct newset_opts set; /* the options init and reshare share */
    const char        *issuers[CER_POLICY_LIST_MAX];
    const char        *serials[CER_POLICY_LIST_MAX]; /* --medium-serial: media mediawatch takes */
    const char        *uuids[CER_POLICY_LIST_MAX];   /* --medium-uuid */
    const char        *pdf, *paper; /* --pdf FILE, --paper: the record, printable */
};

/* Appends value to a list of at most CER_POLICY_LIST_MAX. */
static int
add_to(struct cli *cli, int key, const char *value, const char **list, unsigned *n)
{
    if (*n == CER_POLICY_LIST_MAX)
        return cli_bad_value(cli, key, value, "64 values at most; this one is one too many");
    if (!*value)
        return cli_bad_value(cli, key, value, "a value that is not empty");
    list[(*n)++] = value;
    return 0;
}

static int
init_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct init_opts *o = ctx;

    switch (key) {
    case OPT_HOME_ISSUER: return add_to(cli, key, value, o->issuers, &o->c.n_issuers);
    case OPT_MEDIUM_SERIAL: return add_to(cli, key, value, o->serials, &o->c.n_serials);
    case OPT_MEDIUM_UUID: return add_to(cli, key, value, o->uuids, &o->c.n_uuids);
    case OPT_OPERATOR: o->c.operator_name = value; return 0;
    case OPT_PDF: o->pdf = value; return 0;
    case OPT_PAPER: o->paper = value; return 0;
    case OPT_ALLOW_SIGNING_KEYS: o->c.allow_signing_keys = true; return 0;
    default: return cli_newset_option(cli, key, value, &o->set);
    }
}

/* The options, then the checks that need no secret, before anyone is asked anything. */
static int
prepare(struct cli *cli, int argc, char **argv, struct init_opts *o)
{
    int first, rc;

    cer_init_start(&o->c);
    o->c.set.log_n = AGE_SCRYPT_DEFAULT_LOG_N;
    o->set.ns = &o->c.set;
    if ((rc = cli_parse_options(cli, argc, argv, init_option, o, &first)) != 0)
        return rc;
    if (first < argc)
        return cli_usage(cli, "takes no operand");
    if ((rc = cli_newset_check(cli, &o->c.set)) != 0)
        return rc;
    if (o->pdf && (rc = cli_record_pdf_check(cli, o->pdf, o->paper)) != EXIT_OK)
        return rc;
    o->c.vault_dir = cli->vault_dir;
    o->c.operator_name = cli_operator(o->c.operator_name);
    o->c.issuers = o->issuers;
    o->c.serials = o->serials;
    o->c.uuids = o->uuids;
    if (cer_newset_name(&o->c.set, o->set.names, o->set.n_names) < 0) {
        cli_error_from("--name");
        return EXIT_USAGE;
    }
    if (cer_init_prepare(&o->c) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    return 0;
}

static void
transcript_json(struct cli *cli, const struct cer_init *c)
{
    json_t  *set = cer_sets_json_set(c->set.id, c->set.m, c->set.names, c->set.n);
    json_t  *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:i, s:s}", "vault", c->v->vault_id,
                           "folder", cli->vault_dir, "recipient", c->v->recipient_text,
                           "station_key", c->v->station_keyid, "set", set, "share_dir",
                           c->set.share_dir, "bundle", 0, "sums", c->sums);
    json_t  *files = json_array();
    unsigned i;

    for (i = 0; i < c->set.n; i++)
        json_array_append_new(files, json_string(c->set.files[i]));
    json_object_set_new(j, "share_files", files);
    json_object_set_new(j, "time", json_string(c->time));
    cli_print_json_transcript(c->v, j);
}

static void
transcript(struct cli *cli, const struct cer_init *c)
{
    if (cli->json) {
        transcript_json(cli, c);
        return;
    }
    printf("okra ceremony init: transcript, for the custodians and witnesses to sign\n\n");
    printf("vault:        %s\n", c->v->vault_id);
    printf("folder:       ");
    cli_put_safe(stdout, cli->vault_dir);
    printf("\nrecipient:    %s\n", c->v->recipient_text);
    printf("station key:  %s\n", c->v->station_keyid);
    printf("share set:    %u, threshold %u of %u (SLIP-0039, one group)\n", c->set.id, c->set.m,
           c->set.n);
    printf("custodians and their share files:\n");
    cli_print_set(&c->set, stdout);
    printf("roll call:    every custodian opened their own share file\n");
    printf("time:         %s\n", c->time);
    printf("bundle 0:     ceremony-init, SHA256SUMS sha256 %s\n\n", c->sums);
    printf("signatures:   ______________________  ______________________  ______________________\n\n");
    printf("checkpoint (the auditor keeps a copy):\n");
    cli_print_checkpoint(c->v);
}

int
cmd_ceremony_init(struct cli *cli, int argc, char **argv)
{
    struct init_opts o = { 0 };
    struct cer_ui    ui;
    int              rc;

    if ((rc = prepare(cli, argc, argv, &o)) == 0) {
        cli_ceremony_ui(cli, &ui);
        if (cer_init_run(&ui, &o.c) < 0) {
            rc = EXIT_FAIL;
        } else {
            transcript(cli, &o.c);
            rc = cli_ceremony_pdf(cli, o.c.v, 0, o.pdf, o.paper);
        }
    }
    cer_init_free(&o.c);
    return rc;
}
