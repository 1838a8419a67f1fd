/* ingest_options.h: the options import, scan, mediawatch and recover --watch share. */
#ifndef OKRA_INGEST_OPTIONS_H
#define OKRA_INGEST_OPTIONS_H

#include "cli/cli.h"
#include "mediawatch/mediawatch.h"
#include "vault/ingest.h"

/*
 * Parses import's and scan's options (--inspect, --foreign, --operator,
 * --max-size, and import's --as) into o. Returns 0 with *ret_first the
 * index of the first operand, or the exit status after a usage error.
 */
int cli_ingest_options(struct cli *cli, int argc, char **argv, struct ingest_opts *o,
                       int *ret_first);
/* The same in parts, for a command with options of its own (scan): one option (ctx is o), */
int cli_ingest_option(struct cli *cli, void *ctx, int key, const char *value);
/* then the checks across options, once all are in (o->max_size preset by the caller). */
int cli_ingest_options_done(struct cli *cli, struct ingest_opts *o);

/* --match PROP=GLOB, repeated: the rules mediawatch and recover --watch take. */
struct cli_matches {
    struct mw_match *match;
    size_t           n;
};
int  cli_match_add(struct cli *cli, struct cli_matches *m, const char *value);
void cli_matches_free(struct cli_matches *m);

#endif
