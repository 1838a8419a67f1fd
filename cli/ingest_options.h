/* ingest_options.h: the options import, scan and mediawatch share. */
#ifndef OKRA_INGEST_OPTIONS_H
#define OKRA_INGEST_OPTIONS_H

#include "cli/cli.h"
#include "vault/ingest.h"

/*
 * Parses --inspect, --foreign, --operator NAME, --max-size BYTES (and, with
 * extra, the caller's long options) from argv; returns the index of the first
 * operand, or -1 after printing a usage error.
 */
int ingest_parse_options(const struct cmd *c, int argc, char **argv, struct ingest_opts *o,
                         bool allow_max_size);

#endif
