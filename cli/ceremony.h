/*
 * ceremony.h: what the 'okra ceremony' subcommands share. The ceremonies'
 * logic lives in ceremony/ (init.h, reshare.h, quorum.h, check_share.h,
 * newset.h); the files here parse, call and print:
 *
 *   ceremony_common.c           paths, numbers, the set's options, transcripts' pieces
 *   ceremony_ui.c               struct cer_ui for the terminal and --passphrase-file
 *   cmd_ceremony_init.c         a new vault, its recovery key split among custodians
 *   cmd_ceremony_recover.c      a quorum decrypts items into a folder (recover.h)
 *   recover_items.c             items chosen in bulk, listed and confirmed; the report
 *   cmd_ceremony_check_share.c  a custodian checks one share file
 *   cmd_ceremony_reshare.c      a quorum issues a new set; the old one is retired
 *
 * Secrets pass through here only in sodium_malloc'd memory: passphrases
 * (cli_ask_secret), mnemonics shown for a paper backup.
 */
#ifndef OKRA_CLI_CEREMONY_H
#define OKRA_CLI_CEREMONY_H

#include <stdbool.h>
#include <stdint.h>

#include "ceremony/newset.h"
#include "ceremony/paths.h"
#include "ceremony/quorum.h"
#include "ceremony/sets.h"
#include "ceremony/ui.h"
#include "mediawatch/mediawatch.h"
#include "cli/cli.h"

/* ceremony_ui.c: the ceremonies' callbacks on this terminal, or --passphrase-file. */
void cli_ceremony_ui(struct cli *cli, struct cer_ui *ret);


/* Parses a whole decimal number in [lo, hi]; -1 when it is not one. */
int cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *ret);

/*
 * The options init and reshare share: --custodians, --threshold,
 * --share-dir, --name, --show-mnemonic, --work-factor (into the set, whose
 * log_n the caller presets). Returns 0 (other keys are left alone), or
 * EXIT_USAGE after a usage line.
 */
struct newset_opts {
    struct cer_newset *ns;
    const char        *names[SLIP39_MAX_SHARES];
    unsigned           n_names;
};
int cli_newset_option(struct cli *cli, int key, const char *value, struct newset_opts *o);

/*
 * The checks of init's and reshare's options that need no vault: the
 * threshold, --show-mnemonic at a terminal, the share folder apart from the
 * vault. 0, or the exit status after saying why.
 */
int cli_newset_check(struct cli *cli, const struct cer_newset *ns);

/* The transcript's lines for the set: custodians and their files. */
void cli_print_set(const struct cer_newset *ns, FILE *f);

/* The checkpoint text printed at the end of every ceremony transcript. */
void cli_print_checkpoint(struct vault *v);

/* "  share I  CUSTODIAN[  FILE]" for each usable share: the transcripts' shares used. */
void cli_print_shares_used(const struct cer_sets *sets, const struct cer_share *given, size_t n,
                           bool with_files);

/*
 * The vault open for writing (its writer's lock held to the end) and its
 * index brought up to date, for recover and reshare: 0, or the exit status
 * after saying why. *ret_v and *ret_x are the caller's to close, also after
 * a failure.
 */
int cli_open_writer(struct cli *cli, struct vault **ret_v, struct vindex **ret_x);

/* A ceremony's --json transcript: j (taken) with "checkpoint" added, on stdout. */
void cli_print_json_transcript(struct vault *v, json_t *j);

#endif
