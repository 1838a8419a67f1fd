/*
 * trusted.h: the trust boundary (SECURITY.md, "Trust boundary").
 *
 * The facts okra acts on (what to decrypt, where an item's payload is, what
 * a ceremony record says: share sets, retirements, custodians) come from
 * here and nowhere else. A bundle is opened once, by descriptor, and
 * verified whole (vault/verify_bundle.h: members, SHA256SUMS, signature by
 * the station key, trusted comment); it must be the bundle its name says,
 * of this vault, and the one the vault's chain holds at its place, linked
 * through every later bundle to the newest, which vindex_sync checked
 * against CHECKPOINT (vault/index.h). The index only says where to look.
 *
 * A payload is then read again from the same descriptor and its bytes
 * hashed as they are decrypted into secure memory; the plaintext is handed
 * back only when that hash is the one the verified SHA256SUMS gives, so a
 * payload swapped on disk after the check yields nothing.
 *
 * Secrets: the identity (caller's secure memory) and the plaintext (a
 * secbuf, secure memory, the caller's to free). A failure leaves nothing
 * decrypted.
 */
#ifndef OKRA_TRUSTED_H
#define OKRA_TRUSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "common/secmem.h"
#include "crypto/age.h"
#include "vault/index.h"
#include "vault/vault.h"
#include "vault/verify_bundle.h"

struct trusted_bundle;

/*
 * Opens and verifies bundle seq (see above). want: the ids of items whose
 * manifest entries and payload hashes are kept (n_want may be 0). hooks,
 * when not NULL, see the bundle's fields and items as it streams (before it
 * is known to verify: they stage, and the caller acts only on success).
 * Returns 0, or -EBADMSG with a reason naming the bundle and 'okra verify'.
 */
OKRA_MUST_CHECK
int trusted_open(struct vault *v, struct vindex *x, uint64_t seq, char *const *want,
                 size_t n_want, const struct bundle_hooks *hooks, struct trusted_bundle **ret);

/* The verified manifest entry of a wanted item (borrowed), or NULL when the bundle has none. */
json_t *trusted_item(const struct trusted_bundle *tb, const char *id);

/* The bundle's seq and the hash of its SHA256SUMS. */
uint64_t    trusted_seq(const struct trusted_bundle *tb);
const char *trusted_sums(const struct trusted_bundle *tb);

/*
 * Decrypts member (a wanted item's "payload" or "opened") with identity into
 * out (secure memory, appended). 0, or a negative code with nothing in out.
 */
OKRA_MUST_CHECK
int trusted_decrypt(struct trusted_bundle *tb, const char *member,
                    const uint8_t identity[AGE_KEY_LEN], struct secbuf *out);

void trusted_close(struct trusted_bundle *tb);

/*
 * What ingest seals to and follows, okra.json's recipient and policy, are
 * the ones bundle 0 (the ceremony's, verified as above) recorded: an edited
 * okra.json never has a key sealed to someone else's recipient, or let in
 * under a policy the ceremony did not set. 0, or -EBADMSG saying which.
 */
OKRA_MUST_CHECK
int trusted_check_config(struct vault *v, struct vindex *x);

#endif
