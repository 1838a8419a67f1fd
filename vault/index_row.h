/*
 * index_row.h: the rows of index.sqlite as the bundles say they should be,
 * and the seal that binds each row to this vault's station key.
 *
 * An item row is derived from one verified manifest item (its bundle, its
 * place, the fields lookups search, and the item's JSON as the manifest
 * holds it). Its canonical form (every column, length-prefixed, NULL apart
 * from "") is what the seal covers and what 'okra verify' compares with
 * the manifests. The seal is BLAKE2b keyed with a key derived from the
 * station's secret key and the vault id: nobody without the station key
 * can make a row, a bundle row or the summary okra will believe, and
 * whoever holds the station key can forge bundles anyway.
 *
 * Secrets: the seal key (struct index_key, secure memory). Rows are public.
 */
#ifndef OKRA_INDEX_ROW_H
#define OKRA_INDEX_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sodium.h>

#include "common/err.h"
#include "vault/vault.h"

#define INDEX_SEAL_LEN 16

struct index_key {
    uint8_t k[32];
};

/* The key for a vault: from the station's secret key (a writer's, or read for the purpose). */
void index_key_derive(const struct mini_seckey *sk, const char *vault_id, struct index_key *ret);
/* A key of this process only (an index built in a private file and thrown away). */
void index_key_random(struct index_key *ret);

struct index_item_row {
    uint64_t    seq;
    uint32_t    pos;
    const char *id, *sha256, *format, *serial, *sha1, *subject, *issuer, *not_after, *medium;
    const char *json;
    /* owned */
    char        serial_buf[160], sha1_buf[64];
    char       *own_json;
};

/*
 * The row of one item: item_text (text_len bytes) is its JSON as the manifest
 * holds it (NULL: dumped here); medium is vindex_medium_text() of its bundle's media. The
 * strings point into item (borrowed) and the row. -EINVAL when it has no id
 * or sha256.
 */
int  index_item_row_from(struct index_item_row *r, uint64_t seq, uint32_t pos, json_t *item,
                         const char *item_text, size_t text_len, const char *medium);
void index_item_row_clear(struct index_item_row *r);

struct index_bundle_row {
    uint64_t    seq;
    const char *sums, *prev, *kind, *time, *operator_name, *media; /* media: compact JSON or NULL */
    uint32_t    n_items;
    const char *summary; /* compact JSON or NULL (struct vindex_bundle) */
};

struct index_state {
    uint64_t n_bundles; /* bundles 0 .. n_bundles-1 are in */
    uint64_t n_items;
    char     last_sums[SHA256_HEX]; /* of bundle n_bundles-1; "" when none */
};

/* The canonical forms, fed to a BLAKE2b state (keyed for a seal, plain for a digest). */
void index_item_row_feed(const struct index_item_row *r, crypto_generichash_state *st);
void index_bundle_row_feed(const struct index_bundle_row *r, crypto_generichash_state *st);

void index_seal_item(const struct index_key *k, const struct index_item_row *r,
                     uint8_t out[INDEX_SEAL_LEN]);
void index_seal_bundle(const struct index_key *k, const struct index_bundle_row *r,
                       uint8_t out[INDEX_SEAL_LEN]);
void index_seal_state(const struct index_key *k, const char *vault_id,
                      const struct index_state *s, uint8_t out[INDEX_SEAL_LEN]);

/* Constant-time check of a stored seal (NULL or short: false). */
OKRA_MUST_CHECK
bool index_seal_ok(const uint8_t want[INDEX_SEAL_LEN], const void *got, size_t got_len);

#endif
