/*
 * recovery.h: 'ceremony recover': a quorum of shares decrypts items into a
 * folder, and a signed 'recovery' bundle records it.
 *
 * Order: the items are looked up in the index, which only says where to
 * look; each bundle they are in is then opened once and verified whole
 * through the trust boundary (vault/trusted.h), and every fact the recovery
 * acts on (the item's id, its payloads, its name, its format) is taken from
 * that verified manifest. A bundle that does not verify is named and
 * nothing is asked, decrypted or recorded. Then the output folder is checked
 * (apart from the vault, decided on the opened folders; none of the output
 * names taken) before any share is asked for; then the shares (quorum.h),
 * combined and checked against the vault's recipient before anything is
 * decrypted; then, item by item, the payload is read again from the same
 * descriptor, re-hashed against the verified SHA256SUMS as it is decrypted
 * into secure memory, and only then staged in the folder (with repassword:
 * an old export password when the item was not inspected, a new one, and a
 * fresh PKCS #12). The identity is wiped as soon as the last payload is
 * decrypted.
 *
 * Fail closed: the staged files get their names only after the signed
 * record is committed. If anything fails before (a wrong old password, a
 * damaged payload, a full disk, the commit itself), every staged file is
 * removed and nothing is recorded, so no key leaves the vault without its
 * record.
 *
 * Secrets: the identity, the plaintexts, the passwords (asked through the
 * ui); all in secure memory and wiped. Failure: 0 or a negative code, after
 * saying why through the ui.
 */
#ifndef OKRA_CER_RECOVERY_H
#define OKRA_CER_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ceremony/quorum.h"
#include "ceremony/recover.h"
#include "vault/index.h"
#include "vault/trusted.h"

struct cer_recovery_item {
    json_t                *item;     /* the index's candidate, with "bundle": where to look */
    const char            *id;       /* from here on, from the verified manifest: */
    uint64_t               bundle;
    struct trusted_bundle *tb;       /* the verified bundle (the recovery's) */
    json_t                *verified; /* its manifest entry (the bundle's) */
    const char            *payload;
    const char            *opened;   /* NULL when not inspected */
    const char            *source;   /* source.path */
    const char            *format;
    char                   out[CER_OUT_NAME_MAX];
};

struct cer_recovery {
    /* given */
    struct vault                  *v; /* open for writing */
    struct vindex                 *x; /* its index, up to date */
    char                         **queries; /* ids, id prefixes, serials or thumbprints */
    size_t                         n_queries;
    const char                    *out_dir;
    bool                           repassword, legacy;
    const char                    *operator_name;
    char                         **shares; /* labels: files, or src's */
    size_t                         n_shares;
    const struct cer_share_source *src;    /* shares read from media; may be NULL */
    /* made */
    struct cer_recovery_item      *items;
    size_t                         n_items;
    struct trusted_bundle        **bundles; /* each bundle the items are in, verified once */
    size_t                         n_bundles;
    struct cer_sets                sets;
    struct cer_share              *given;
    uint16_t                       set;
    struct cer_out                 out;
    uint64_t                       seq; /* the recovery bundle */
    char                           sums[SHA256_HEX];
};

/* Zeroes r (no output folder open). */
void cer_recovery_start(struct cer_recovery *r);

/*
 * Before any share is asked: each query to one item (every unknown one
 * named; duplicates count once), each item from its verified bundle, the
 * output folder and names, and the vault's share sets (from verified
 * records too).
 */
int cer_recovery_prepare(const struct cer_ui *ui, struct cer_recovery *r);

/* How many more shares the current set needs beyond those given (for --watch). */
unsigned cer_recovery_shares_needed(const struct cer_recovery *r);

/* The quorum, the items decrypted and staged, the record committed, the files named. */
int cer_recovery_run(const struct cer_ui *ui, struct cer_recovery *r);

/* "original", "pfx" or "pfx-legacy": how the items were written. */
const char *cer_recovery_as(const struct cer_recovery *r);

/* Removes what is still staged, wipes, frees (not v, x, queries nor shares). */
void cer_recovery_free(struct cer_recovery *r);

#endif
