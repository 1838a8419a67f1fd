/*
 * ceremony.h: what the 'okra ceremony' subcommands share (cmd_ceremony*.c).
 *
 *   ceremony_common.c       paths, numbers, the checkpoint line
 *   cmd_ceremony_init.c     a new vault, its recovery key split among custodians
 *   cmd_ceremony_recover.c  a quorum decrypts items into a folder
 *   cmd_ceremony_check_share.c  a custodian checks one share file
 *   cmd_ceremony_reshare.c  a quorum issues a new set; the old one is retired
 *   cmd_ceremony_shares.c   reading --share files and asking their passphrases
 *   cmd_ceremony_newset.c   writing a new set's share files, the roll call
 *
 * Secrets pass through here only in sodium_malloc'd memory: passphrases
 * (cli_ask_secret), mnemonics, the identity.
 */
#ifndef OKRA_CLI_CEREMONY_H
#define OKRA_CLI_CEREMONY_H

#include <stdbool.h>
#include <stdint.h>

#include "ceremony/sets.h"
#include "ceremony/sharefile.h"
#include "ceremony/shares.h"
#include "mediawatch/mediawatch.h"
#include "cli/cli.h"

#define CEREMONY_LOG_N_MIN 10
#define CEREMONY_LOG_N_MAX SHARE_FILE_MAX_LOG_N

/* Whether path is dir or lies beneath it (lexically, after making both absolute). */
bool cli_path_inside(const char *path, const char *dir);
/*
 * Whether folders a and b are apart (neither is the other nor lies in it),
 * decided lexically and on the folders that exist (device and inode, so a
 * link or a bind mount into the vault is caught). b_fd: b opened, or -1.
 */
bool cli_dirs_apart(const char *a, const char *b, int b_fd);

/* Parses a whole decimal number in [lo, hi]; -1 when it is not one. */
int cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *ret);

/* ---- shares brought on media: recover --watch (cmd_ceremony_watch.c) ---- */

struct ceremony_watch {
    struct mw_match *match; /* NULL/0: mediawatch's default (ID_BUS=usb) */
    size_t           n_match;
    /* the vault policy's media allow-list, as for mediawatch */
    const char     **allow_serials;
    size_t           n_allow_serials;
    const char     **allow_uuids;
    size_t           n_allow_uuids;
};

/*
 * Waits for media until need share files are in; each is copied into
 * secure memory and named "LABEL:path". ret_labels (malloc'd array, the
 * strings the module's) go where --share paths go. -1 after saying why.
 */
int cli_ceremony_watch_shares(struct cli *cli, const struct ceremony_watch *w, unsigned need,
                          char ***ret_labels, size_t *ret_n);
/* The bytes of a share read from a medium (secure memory), or -ENOENT when label is not one. */
int cli_ceremony_watch_read(const char *label, char **ret_data, size_t *ret_len);
void        cli_ceremony_watch_free(void);

/* ---- shares given with --share (cmd_ceremony_shares.c) ---- */

/*
 * Reads each file, asks the passphrase of each share file in order (a bare
 * mnemonic asks none), decodes, and prints a line for each share that cannot
 * be used. Returns the array (n entries) or NULL after printing why (no
 * memory, no answer to a prompt).
 */
struct cer_share *cli_ceremony_read_shares(struct cli *cli, char **paths, size_t n);
/* Prints a line per share left out that was not named yet (after screen/combine). */
void cli_ceremony_name_left_out(struct cer_share *s, size_t n);
void cli_ceremony_free_shares(struct cer_share *s, size_t n);

/*
 * The whole quorum step of recover and reshare: reads the shares, screens
 * them against the vault and its sets, combines, checks the recipient.
 * On success *ret_identity is AGE_KEY_LEN bytes of secure memory and
 * *ret_set the set used. Prints every problem; returns 0 or -1.
 */
int cli_ceremony_quorum(struct cli *cli, struct vault *v, const struct cer_sets *sets, char **paths,
                    size_t n, struct cer_share **ret_shares, uint8_t **ret_identity,
                    uint16_t *ret_set);

/* The custodian of a used share: the set's record, else the share file's line, else NULL. */
const char *cli_ceremony_custodian(const struct cer_sets *sets, const struct cer_share *s);

/* JSON list of the usable shares: [{custodian, index, set}] */
json_t *cli_ceremony_shares_json(const struct cer_sets *sets, const struct cer_share *s, size_t n);

/* ---- a new set of share files (cmd_ceremony_newset.c) ---- */

/*
 * The options init and reshare share: --custodians, --threshold,
 * --share-dir, --name, --show-mnemonic, --work-factor (into ns->log_n, which
 * the caller presets to the default). Returns 0 (other keys are left alone),
 * or EXIT_USAGE after a usage line.
 */
struct new_set;
struct newset_opts {
    struct new_set *ns;
    const char     *names[SLIP39_MAX_SHARES];
    unsigned        n_names;
};
int cli_newset_option(struct cli *cli, int key, const char *value, struct newset_opts *o);

struct new_set {
    /* given */
    unsigned    n, m;
    const char *names[SLIP39_MAX_SHARES];
    char        defaults[SLIP39_MAX_SHARES][24]; /* "custodian I" */
    const char *share_dir;
    int         log_n;
    bool        show_mnemonic;
    /* made */
    uint16_t    id;
    char        files[SLIP39_MAX_SHARES][SHARE_FILE_NAME_MAX];
    bool        dir_created;
    unsigned    written;
    int         dirfd;
    char      (*mnemonics)[SLIP39_MNEMONIC_MAX]; /* secure; n of them */
    char       *passphrases[SLIP39_MAX_SHARES];  /* secure */
};

/*
 * Checks names (fills defaults for those not given; names must differ) and
 * that the share folder is new or empty. Prints why; returns 0, or the exit
 * status (EXIT_USAGE or EXIT_FAIL).
 */
int cli_newset_prepare(struct new_set *ns, const char **names, unsigned n_names);

/*
 * Splits identity into the set (an identifier none of avoid's sets has, nor
 * avoid_id when >= 0), then asks one passphrase per custodian. Returns 0 or -1
 * (printed).
 */
int cli_newset_split_and_ask(struct cli *cli, struct new_set *ns, const uint8_t *identity,
                         const struct cer_sets *avoid, int avoid_id);

/*
 * Writes the share files for vault_id (fsynced, 0600, the folder 0700; refused
 * when the opened folder lies in the vault's, vault_fd, or holds it), then
 * the roll call: each custodian opens their file (terminal: three tries;
 * --passphrase-file: the passphrase given). On failure removes the files
 * and returns -1 (printed).
 */
int cli_newset_write_and_roll_call(struct cli *cli, struct new_set *ns, const char *vault_id,
                               int vault_fd);

/* JSON {"id", "threshold", "custodians": [...]} for the ceremony record. */
json_t *cli_newset_record(const struct new_set *ns);

/* Removes the share files written (and the folder when it was made here). */
void cli_newset_remove_files(struct new_set *ns);

/* Wipes mnemonics and passphrases, closes the folder. */
void cli_newset_free(struct new_set *ns);

/* The transcript's lines for the set (custodians and their files). */
void cli_newset_print(const struct new_set *ns, FILE *f);

/* The checkpoint text printed at the end of every ceremony transcript. */
void cli_print_checkpoint(struct vault *v);

#endif
