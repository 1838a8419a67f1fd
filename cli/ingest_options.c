/* ingest_options.c: the options import, scan, mediawatch and recover --watch share. */
#include "cli/ingest_options.h"
#include "cli/progress.h"
#include "cli/values.h"
#include "formats/formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cli_ingest_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct ingest_opts *o = ctx;

    switch (key) {
    case OPT_INSPECT: o->inspect = true; break;
    case OPT_SAME_PASSWORD: o->same_password = true; break;
    case OPT_FOREIGN: o->foreign = true; break;
    case OPT_ALLOW_SIGNING_KEYS: o->allow_signing_keys = true; break;
    case OPT_OPERATOR:
        if (!*value)
            return cli_bad_value(cli, key, value, "a name, not empty");
        o->operator_name = value;
        break;
    case OPT_AS:
        if (strcmp(value, "kms") == 0)
            o->declared = FMT_KMS;
        else if (strcmp(value, "epf") == 0)
            o->declared = FMT_EPF;
        else if (strcmp(value, "opaque") == 0)
            o->declared = FMT_OPAQUE;
        else
            return cli_bad_value(cli, key, value, "kms, epf or opaque");
        break;
    case OPT_MAX_SIZE: return cli_value_size(cli, key, value, &o->max_size);
    default: return cli_progress_option(cli, ctx, key, value);
    }
    return 0;
}

int
cli_ingest_options_done(struct cli *cli, struct ingest_opts *o)
{
    if (o->same_password && !o->inspect)
        return cli_usage(cli, "--same-password goes with --inspect (only inspection asks "
                              "passwords)");
    o->operator_name = cli_operator(o->operator_name);
    return 0;
}

int
cli_ingest_options(struct cli *cli, int argc, char **argv, struct ingest_opts *o, int *ret_first)
{
    int rc;

    o->max_size = INGEST_MAX_SIZE_DEFAULT;
    if ((rc = cli_parse_options(cli, argc, argv, cli_ingest_option, o, ret_first)) != 0)
        return rc;
    return cli_ingest_options_done(cli, o);
}

int
cli_match_add(struct cli *cli, struct cli_matches *m, const char *value)
{
    struct mw_match *grown = realloc(m->match, (m->n + 1) * sizeof *grown);

    if (grown == NULL) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    m->match = grown;
    if (mw_match_parse(value, &m->match[m->n]) < 0)
        return cli_bad_value(cli, OPT_MATCH, value, "a udev property and a pattern, e.g. ID_BUS=usb");
    m->n++;
    return 0;
}

void
cli_matches_free(struct cli_matches *m)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        mw_match_clear(&m->match[i]);
    free(m->match);
    m->match = NULL;
    m->n = 0;
}
