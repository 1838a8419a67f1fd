/* scan_medium.h: 'scan --device DEV' and 'scan --image FILE' (cmd_scan_medium.c). */
#ifndef OKRA_SCAN_MEDIUM_H
#define OKRA_SCAN_MEDIUM_H

#include "cli/cli.h"
#include "vault/ingest.h"

struct cli_scan_medium {
    const char *device; /* --device: a block device */
    const char *image;  /* --image: a disk image file */
};

/* Reads the medium with the sandboxed reader and seals what it holds; the exit status. */
int cli_scan_medium(struct cli *cli, const struct cli_scan_medium *s, struct ingest_opts *o);

#endif
