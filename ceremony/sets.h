/*
 * sets.h: the share sets a vault issued and retired, read from the signed
 * records of its ceremonies (doc/FORMAT.md, 6.2):
 * `ceremony-init` and `reshare` bundles carry `set` (id, threshold,
 * custodians); `reshare` bundles also `retired` (set ids). Read in bundle
 * order. Nothing here is secret.
 */
#ifndef OKRA_CER_SETS_H
#define OKRA_CER_SETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vault/index.h"
#include "vault/vault.h"

struct cer_set {
    uint16_t id;           /* the SLIP-0039 identifier */
    uint64_t issued_in;    /* seq of its ceremony-init or reshare bundle */
    unsigned threshold;
    size_t   n_custodians;
    char   **custodians;   /* names in share order */
    bool     retired;
    uint64_t retired_in;   /* seq of the reshare that retired it */
};

struct cer_retired {
    uint16_t id;
    uint64_t in; /* seq of the reshare */
};

struct cer_sets {
    struct cer_set     *sets;      /* issued here, in order */
    size_t              n;
    struct cer_retired *retired;   /* every retirement, of sets issued here or not */
    size_t              n_retired;
};

/*
 * Reads the sets from the ceremony bundles the index lists (the index
 * brought up to date first by the caller), each read through the trust
 * boundary (vault/trusted.h): a record counts only from a bundle that
 * verifies and holds its place in the chain; -EBADMSG otherwise, -EINVAL
 * when a ceremony record is malformed (the reason names the bundle).
 */
int cer_sets_load(struct vault *v, struct vindex *x, struct cer_sets *ret);
void cer_sets_free(struct cer_sets *s);

/* The set issued here with this identifier, or NULL. */
const struct cer_set *cer_sets_find(const struct cer_sets *s, uint16_t id);
/* Whether a set (issued here or not) was retired; *ret_in is the reshare's seq. */
bool cer_sets_is_retired(const struct cer_sets *s, uint16_t id, uint64_t *ret_in);
/* The newest set issued here and not retired, or NULL. */
const struct cer_set *cer_sets_current(const struct cer_sets *s);
/* Whether an identifier was ever used in this vault (issued or retired). */
bool cer_sets_known(const struct cer_sets *s, uint16_t id);

/*
 * The records' fields as the ceremonies write them, beside the reader above
 * (FORMAT: ceremony records). Each returns a new JSON value, or NULL when
 * out of memory; json_t arguments are borrowed.
 */
/* "set": {id, threshold, custodians: [names in share order]} */
json_t *cer_sets_json_set(uint16_t id, unsigned threshold, const char *const *names, unsigned n);
/* "retired": every set this vault issued, and old_set when it was not issued here */
json_t *cer_sets_json_retired(const struct cer_sets *s, uint16_t old_set);
/* A ceremony-init record: set, station_key, recipient, policy. */
json_t *cer_sets_json_init(json_t *set, const char *station_key, const char *recipient,
                           json_t *policy);
/* A reshare record: set, station_key, retired, shares (see shares.h), set_issued_here. */
json_t *cer_sets_json_reshare(json_t *set, const char *station_key, json_t *retired,
                              json_t *shares, bool set_issued_here);
/*
 * A recovery record: recovered ([{id, bundle, as}]), shares, set_issued_here.
 * Takes shares' reference (it is usually made for the call).
 */
json_t *cer_sets_json_recovery(json_t *recovered, json_t *shares, bool set_issued_here);

#endif
