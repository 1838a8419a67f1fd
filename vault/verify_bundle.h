/* verify_bundle.h: checking one bundle on its own (no chain); used by verify.c. */
#ifndef OKRA_VERIFY_BUNDLE_H
#define OKRA_VERIFY_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/minisign.h"
#include "vault/manifest.h"
#include "vault/vault.h"

struct bundle_check {
    /* in */
    int                       dirfd;
    char                      path[4096];
    char                      display[4200]; /* how messages name it */
    const struct mini_pubkey *key;
    /*
     * Optional: handed every manifest field and item as the check reads them,
     * so that a caller learns a bundle's content in the same pass. What it
     * keeps may be trusted only once the check ends with ok (a field or item
     * seen before a failure is not verified).
     */
    const struct manifest_cb *observe;
    /* out */
    bool                      ok;
    char                      why[768];
    struct manifest_head      head;
    char                      sums[SHA256_HEX]; /* hash of SHA256SUMS */
    uint32_t                  n_items;
    char                      recipient[AGE_RECIPIENT_MAX]; /* a ceremony-init's, else "" */
    char                      station_key[24];              /* likewise */
    json_t                   *policy;                       /* likewise (a reference) */
};

/* Fills c->ok/why and the rest; never fails otherwise. The caller json_decref's c->policy. */
void verify_one_bundle(struct bundle_check *c);

#endif
