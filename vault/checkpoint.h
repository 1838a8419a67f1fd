/*
 * checkpoint.h: VAULT/CHECKPOINT and its signature (doc/FORMAT.md, 9).
 *
 *   okra-checkpoint: 1
 *   vault: <vault_id>
 *   seq: <n>
 *   sums: <hex sha256 of bundle n's SHA256SUMS>
 *   time: <RFC 3339>
 *
 * CHECKPOINT.minisig's trusted comment: "okra vault=<id> checkpoint seq=<n>".
 * 'okra checkpoint' prints the text followed by the signature's lines; the
 * parser below reads either the pair of files or that printed form.
 *
 * The pair is replaced signature first, then text; a crash between the two
 * renames leaves CHECKPOINT.next beside them, which completes the pair (a
 * reader accepts it when it matches the signature; the next writer renames it).
 */
#ifndef OKRA_CHECKPOINT_H
#define OKRA_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "crypto/minisign.h"
#include "vault/vault.h"

struct checkpoint {
    char     vault_id[VAULT_ID_HEX + 1];
    uint64_t seq;
    char     sums[SHA256_HEX];
    char     time[32];
};

/* Writes the signed checkpoint for bundle seq (the writer holds the lock). */
int checkpoint_write(struct vault *v, uint64_t seq, const char *sums_hex);

/*
 * Reads the vault's CHECKPOINT pair and checks its signature with key
 * (the station key, or the auditor's pinned one). -ENOENT when there is none.
 */
OKRA_MUST_CHECK
int checkpoint_read(struct vault *v, const struct mini_pubkey *key, struct checkpoint *ret);

/*
 * Parses 'okra checkpoint' output (text then signature lines) and checks it
 * with key. -EINVAL malformed, -EBADMSG bad signature.
 */
OKRA_MUST_CHECK
int checkpoint_parse_signed(const char *text, size_t len, const struct mini_pubkey *key,
                            struct checkpoint *ret);

/* The printed form: malloc'd text + signature. */
int checkpoint_export(struct vault *v, char **ret_text);

#endif
