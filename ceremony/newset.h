/*
 * newset.h: a new share set, as 'ceremony init' and 'ceremony reshare'
 * issue it: the recovery identity split into N SLIP-0039 shares of
 * threshold M, one passphrase per custodian, one share file each (0600,
 * fsynced, in a folder that holds nothing else), and the roll call, in which
 * every custodian opens their own new file before anything is committed.
 *
 * Secrets: the mnemonics and the passphrases, in secure memory, wiped by
 * cer_newset_free; the identity handed to the split (the caller's). Public:
 * names, counts, the set's identifier, file names.
 *
 * Failure: the functions that talk to the custodians (split_and_ask,
 * write_and_roll_call) return 0 or a negative code after saying why through
 * the ui; cer_newset_prepare leaves the reason (common/err.h) for the caller.
 * A failed write or roll call removes the files it wrote.
 */
#ifndef OKRA_CER_NEWSET_H
#define OKRA_CER_NEWSET_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ceremony/sets.h"
#include "ceremony/sharefile.h"
#include "ceremony/slip39.h"
#include "ceremony/ui.h"

#define CER_LOG_N_MIN 10 /* the share files' scrypt work factor, log2 */
#define CER_LOG_N_MAX SHARE_FILE_MAX_LOG_N

struct cer_newset {
    /* given */
    unsigned    n, m;                          /* custodians, threshold */
    const char *names[SLIP39_MAX_SHARES];      /* set by cer_newset_prepare */
    char        defaults[SLIP39_MAX_SHARES][24]; /* "custodian I" */
    const char *share_dir;
    int         log_n;
    bool        show_words; /* each custodian sees their words after the roll call */
    /* made */
    uint16_t    id;
    char        files[SLIP39_MAX_SHARES][SHARE_FILE_NAME_MAX];
    bool        dir_created;
    unsigned    written;
    int         dirfd;
    char      (*mnemonics)[SLIP39_MNEMONIC_MAX]; /* secure; n of them */
    char       *passphrases[SLIP39_MAX_SHARES];  /* secure */
};

/* An empty set (no folder open): call before anything else. */
void cer_newset_init(struct cer_newset *ns);

/*
 * Takes the names (n_names of them, the rest "custodian I"), which must be
 * valid and differ: 0, or -EINVAL with the reason left.
 */
int cer_newset_name(struct cer_newset *ns, const char *const *names, unsigned n_names);
/* Whether the share folder is new or empty: 0, or a negative code with the reason left. */
int cer_newset_check_dir(const struct cer_newset *ns);

/*
 * Splits identity into the set (an identifier none of avoid's sets has, nor
 * avoid_id when >= 0), then asks one passphrase per custodian.
 */
int cer_newset_split_and_ask(const struct cer_ui *ui, struct cer_newset *ns,
                             const uint8_t *identity, const struct cer_sets *avoid, int avoid_id);

/*
 * Writes the share files for vault_id (fsynced, 0600, the folder 0700;
 * refused when the folder as opened lies in the vault's, vault_fd, or holds
 * it), then the roll call: each custodian opens their file (at a terminal
 * three tries, else with the passphrase given). On failure the files are
 * removed.
 */
int cer_newset_write_and_roll_call(const struct cer_ui *ui, struct cer_newset *ns,
                                   const char *vault_id, int vault_fd);

/* Removes the share files written (and the folder when it was made here). */
void cer_newset_remove_files(const struct cer_ui *ui, struct cer_newset *ns);

/* Wipes mnemonics and passphrases, closes the folder. */
void cer_newset_free(struct cer_newset *ns);

#endif
