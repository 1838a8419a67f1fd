/*
 * okra ceremony recover: a quorum of shares decrypts items into a folder
 * (ceremony/recovery.h does the ceremony, through the trust boundary). Here:
 * the options; the items named or chosen by filters (a departed employee's
 * keys, one issuer's: shown, and confirmed at a terminal, before any share is
 * asked); the shares from the custodians' media with --watch; the report.
 */
#include "cli/recover.h"
#include "cli/values.h"
#include "cli/vault_access.h"
#include "ceremony/recovery.h"
#include "common/err.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static int
recover_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct cli_recover *o = ctx;

    switch (key) {
    case OPT_SHARE: o->r.shares[o->r.n_shares++] = (char *) value; break;
    case OPT_OUT: o->r.out_dir = value; break;
    case OPT_REPASSWORD: o->r.repassword = true; break;
    case OPT_LEGACY: o->r.legacy = true; break;
    case OPT_OPERATOR: o->r.operator_name = value; break;
    case OPT_WATCH: o->watch = true; break;
    case OPT_MATCH:
        if (mw_match_parse(value, &o->match[o->media.n_match]) < 0)
            return cli_bad_value(cli, key, value, "a udev property and a pattern, e.g. ID_BUS=usb");
        o->media.n_match++;
        break;
    case OPT_PDF: o->pdf = value; break;
    case OPT_PAPER: o->paper = value; break;
    case OPT_SUBJECT: o->filter.subject = value; break;
    case OPT_PATH: o->filter.path = value; break;
    case OPT_BUNDLE:
        o->by_bundle = true;
        return cli_value_count(cli, key, value, 0, INT64_MAX, &o->bundle);
    }
    return 0;
}

static int
parse_recover(struct cli *cli, int argc, char **argv, struct cli_recover *o)
{
    int first, rc;

    if ((o->r.shares = calloc((size_t) argc + 1, sizeof *o->r.shares)) == NULL ||
        (o->match = calloc((size_t) argc + 1, sizeof *o->match)) == NULL) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    if ((rc = cli_parse_options(cli, argc, argv, recover_option, o, &first)) != 0)
        return rc;
    o->r.queries = argv + first;
    o->r.n_queries = (size_t) (argc - first);
    if (o->r.n_shares == 0 && !o->watch)
        return cli_usage(cli, "give the shares with --share FILE (one per custodian present), or "
                              "--watch to read them from the custodians' media");
    if (!o->watch && o->media.n_match)
        return cli_usage(cli, "--match goes with --watch");
    if (o->r.n_queries == 0 && !cli_recover_filtered(o))
        return cli_usage(cli, "name at least one ITEM to recover, or choose them with --subject, "
                              "--path or --bundle (see 'okra list')");
    if (o->r.legacy && !o->r.repassword)
        return cli_usage(cli, "--legacy goes with --repassword");
    if (o->pdf && (rc = cli_record_pdf_check(cli, o->pdf, o->paper)) != EXIT_OK)
        return rc;
    o->r.operator_name = cli_operator(o->r.operator_name);
    return 0;
}

/* ---- the shares from media ---- */

static volatile sig_atomic_t watch_stop; /* Ctrl-C, or enough shares in */
static volatile sig_atomic_t user_stop;

static void
on_stop(int sig)
{
    (void) sig;
    user_stop = 1;
    watch_stop = 1;
}

/* --watch: the shares still needed for the vault's current set, from media, after --share's. */
static int
watch_media(struct cli *cli, struct cli_recover *o, const struct cer_ui *ui)
{
    struct sigaction sa = { .sa_handler = on_stop }, old_int, old_term;
    const char     **serials, **uuids;
    char           **labels, **all;
    size_t           i;
    int              rc;

    if ((o->media.need = cer_recovery_shares_needed(&o->r)) == 0)
        return 0;
    o->media.match = o->match;
    o->media.stop = &watch_stop;
    serials = cli_media_allow_list(vault_policy(o->r.v), "serials", &o->media.n_allow_serials);
    uuids = cli_media_allow_list(vault_policy(o->r.v), "uuids", &o->media.n_allow_uuids);
    o->media.allow_serials = serials;
    o->media.allow_uuids = uuids;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    user_stop = 0;
    rc = cer_watch_run(ui, &o->media);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(serials);
    free(uuids);
    if (user_stop || rc < 0) {
        if (user_stop || rc == -ECANCELED)
            cli_error("stopped while waiting for media; nothing was recovered");
        return EXIT_FAIL;
    }
    /* the --watch shares go after the given ones */
    all = realloc(o->r.shares, (o->r.n_shares + o->media.n_found + 1) * sizeof *all);
    if (all != NULL)
        o->r.shares = all;
    if ((labels = cer_watch_labels(&o->media)) == NULL || all == NULL) {
        free(labels);
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    for (i = 0; i < o->media.n_found; i++)
        o->r.shares[o->r.n_shares++] = labels[i];
    free(labels);
    o->r.src = &o->media.source;
    return 0;
}

/* ---- the command ---- */

static int
run(struct cli *cli, struct cli_recover *o)
{
    struct cer_ui ui;
    int           rc;

    cli_ceremony_ui(cli, &ui);
    if ((rc = cli_recover_select(cli, o)) != 0)
        return rc;
    if (cer_recovery_prepare(&ui, &o->r) < 0)
        return EXIT_FAIL;
    if ((rc = cli_recover_confirm(cli, o)) != 0)
        return rc;
    if (o->watch && (rc = watch_media(cli, o, &ui)) != 0)
        return rc;
    if (cer_recovery_run(&ui, &o->r) < 0)
        return EXIT_FAIL;
    cli_recover_report(cli, &o->r);
    return cli_ceremony_pdf(cli, o->r.v, o->r.seq, o->pdf, o->paper);
}

int
cmd_ceremony_recover(struct cli *cli, int argc, char **argv)
{
    struct cli_recover o = { 0 };
    char     **named;
    size_t     i;
    int        rc;

    cer_recovery_start(&o.r);
    if ((rc = parse_recover(cli, argc, argv, &o)) == 0 &&
        (rc = cli_open_writer(cli, &o.r.v, &o.r.x)) == 0) {
        named = o.r.queries;
        rc = run(cli, &o);
        if (o.r.queries != named)
            free(o.r.queries);
    }
    cer_recovery_free(&o.r);
    cli_litter_clear();
    cer_watch_free(&o.media);
    for (i = 0; i < o.n_chosen; i++)
        free(o.chosen[i]);
    free(o.chosen);
    free(o.r.shares);
    for (i = 0; i < o.media.n_match; i++)
        mw_match_clear(&o.match[i]);
    free(o.match);
    vindex_close(o.r.x);
    vault_close(o.r.v);
    return rc;
}
