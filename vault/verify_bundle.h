/*
 * verify_bundle.h: checking one bundle on its own, in one pass over its
 * bytes: the first half of the trust boundary (SECURITY.md, "Trust
 * boundary"; vault/trusted.h is the rest).
 *
 * Members exactly MANIFEST.json, the payloads its items name in order,
 * SHA256SUMS, SHA256SUMS.minisig; every member's sha256 as SHA256SUMS says
 * (read line by line, never held whole), and SHA256SUMS lists exactly
 * those; the signature by key, its trusted comment naming the manifest's
 * vault, seq and kind; each item's id the lowercase hex start of its
 * source.sha256; the tar itself as strict as bundle_read.h says.
 *
 * The hooks see the manifest's fields and items, and each member's hash, as
 * the bytes stream by: BEFORE the bundle is known to verify. A hook may
 * stage what it sees; it acts on it only when c->ok is true at the end.
 */
#ifndef OKRA_VERIFY_BUNDLE_H
#define OKRA_VERIFY_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "crypto/minisign.h"
#include "vault/manifest.h"
#include "vault/vault.h"

/* At most this many items in one bundle (a scan reads at most 100,000 files). */
#define BUNDLE_ITEMS_MAX 1000000u

struct bundle_hooks {
    int (*on_field)(void *ctx, const char *key, json_t *value);   /* every top-level field */
    /* each item, in order, with its text exactly as the manifest holds it */
    int (*on_item)(void *ctx, json_t *item, const char *text, size_t len, uint32_t pos);
    int (*on_member)(void *ctx, const char *name, const uint8_t sha256[32]);
    void *ctx;
};

struct bundle_check {
    /* in */
    int                        dirfd;
    char                       path[4096];
    char                       display[4200]; /* how messages name it */
    bool                       by_fd;         /* read fd (from its start) instead of path */
    int                        fd;            /* the caller's; left open */
    const struct mini_pubkey  *key;
    const struct bundle_hooks *hooks;         /* NULL: none */
    /*
     * Optional, as hooks (a manifest reader's callbacks): handed every field
     * and item as the check reads them; kept only if the check ends ok.
     */
    const struct manifest_cb  *observe;
    /* out */
    bool                       ok;
    char                       why[768];
    struct manifest_head       head;
    char                       sums[SHA256_HEX]; /* hash of SHA256SUMS */
    uint32_t                   n_items;
    char                       recipient[AGE_RECIPIENT_MAX]; /* a ceremony-init's, else "" */
    char                       station_key[24];              /* likewise */
    json_t                    *policy;                       /* likewise (a reference) */
};

/* Fills c->ok/why and the rest; never fails otherwise. The caller json_decref's c->policy. */
void vault_verify_one_bundle(struct bundle_check *c);

/*
 * Whether an item (a manifest's, or the index's copy of one) is shaped as
 * doc/FORMAT.md (6.4) says: id 16 to 64 lowercase hex digits, the start of
 * source.sha256 (64 lowercase hex digits). 0, or -EINVAL with the reason.
 */
OKRA_MUST_CHECK
int vault_verify_item_id(json_t *item);

#endif
