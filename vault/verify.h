/*
 * verify.h: what an auditor's 'okra verify' checks, in one read of each byte.
 *
 * Per bundle: members exactly MANIFEST.json, the payloads its items name in
 * order, SHA256SUMS, SHA256SUMS.minisig; every member's sha256 as SHA256SUMS
 * says, and SHA256SUMS lists exactly those; the signature (prehashed
 * Ed25519) by the station key or the pinned one, its trusted comment naming
 * this vault, seq and kind. Across bundles: seqs from 0 without gaps, each
 * file's name its seq, each prev the SHA256SUMS hash of the one before, one
 * vault id. Then CHECKPOINT, the auditor's checkpoint, and the index.
 */
#ifndef OKRA_VERIFY_H
#define OKRA_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "crypto/minisign.h"
#include "vault/vault.h"

struct verify_opts {
    const struct mini_pubkey *key;        /* pinned; NULL: the vault's station.pub */
    const char               *checkpoint; /* the auditor's saved 'okra checkpoint' output, or NULL */
    size_t                    checkpoint_len;
    char *const              *named;      /* bundles by seq ("42") or as files; NULL/0: all */
    size_t                    n_named;
    /* one line per problem found (bundle or file named in it) */
    void (*problem)(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *ctx;
};

struct verify_result {
    uint64_t bundles;        /* bundles checked */
    uint64_t items;
    uint64_t problems;
    bool     have_checkpoint;
    uint64_t checkpoint_seq; /* the vault's CHECKPOINT */
    bool     have_auditor_checkpoint;
    uint64_t auditor_seq;
    bool     index_checked;
    bool     index_behind;
    /* bundles named: which links between them were checked, and which could not be */
    uint64_t links_checked;
    uint64_t links_unchecked;
    char     unchecked[512]; /* "1 to 3 (bundle 2 not given)", ... */
};

/*
 * v may be NULL when only bundle files are named (then opts->key is needed).
 * Returns 0 when everything holds, 1 when something does not (each reported
 * through problem), negative when verification could not run.
 */
OKRA_MUST_CHECK
int vault_verify(struct vault *v, const struct verify_opts *o, struct verify_result *ret);

#endif
