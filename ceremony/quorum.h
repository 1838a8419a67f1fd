/*
 * quorum.h: the shares custodians bring to a recovery, a reshare or a
 * check, read, opened with their passphrases and judged (shares.h), then
 * combined into the vault's recovery identity.
 *
 * Every share is read, and every share file's passphrase asked, in the order
 * given, even after a bad one, so that each bad share is named (wrong
 * passphrase, checksum, another vault, a retired set, another set, a
 * duplicate). Too few shares for the verified set's threshold are refused
 * before any passphrase is asked.
 *
 * Secrets: the share files' plaintext, the mnemonics, the share values and
 * the identity, in secure memory; the passphrases, asked through the ui and
 * wiped at once. Failure: 0 or a negative code, after saying why through the
 * ui.
 */
#ifndef OKRA_CER_QUORUM_H
#define OKRA_CER_QUORUM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ceremony/sets.h"
#include "ceremony/shares.h"
#include "ceremony/ui.h"
#include "vault/vault.h"

/* Where shares come from besides files: those read from custodians' media (recover --watch). */
struct cer_share_source {
    /*
     * The bytes of the share labelled label, into secure memory (NUL after
     * them), or -ENOENT when label is none of its shares (a file, then).
     */
    int (*read)(void *ctx, const char *label, char **ret_data, size_t *ret_len);
    void *ctx;
};

/*
 * Reads the n shares (labels: file paths, or src's labels), asks the
 * passphrase of each share file in order (a bare mnemonic asks none) and
 * decodes them; a share that cannot be used is said at once. src may be
 * NULL. Returns the array (n entries) or NULL (said why: out of memory, or
 * nobody answered a prompt).
 */
struct cer_share *cer_quorum_read(const struct cer_ui *ui, const struct cer_share_source *src,
                                  char **labels, size_t n);
void              cer_quorum_free(struct cer_share *s, size_t n);

/*
 * The whole quorum step of recover and reshare: refuses too few shares for
 * the current set's threshold before asking anything, reads the shares,
 * screens them against the vault and its sets, combines, and checks the
 * recipient. On success *ret_shares (n entries), *ret_identity (AGE_KEY_LEN
 * bytes of secure memory) and *ret_set (the set used).
 */
OKRA_MUST_CHECK
int cer_quorum(const struct cer_ui *ui, const struct cer_share_source *src, struct vault *v,
               const struct cer_sets *sets, char **labels, size_t n,
               struct cer_share **ret_shares, uint8_t **ret_identity, uint16_t *ret_set);

/* The custodian of a usable share: the set's record, else the share file's line, else NULL. */
const char *cer_share_custodian(const struct cer_sets *sets, const struct cer_share *s);

/* The record's "shares": [{custodian, index, set}] for the usable shares. */
json_t *cer_shares_json(const struct cer_sets *sets, const struct cer_share *s, size_t n);

#endif
