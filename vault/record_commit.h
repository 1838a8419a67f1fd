/*
 * record_commit.h: committing the record of a ceremony (DESIGN: the
 * ceremony-init, reshare and recovery bundles), one function for every kind.
 *
 * A record is a bundle without items: its MANIFEST.json carries the common
 * fields (kind, operator, time, prev, ...) and the kind's own fields
 * (extra), then SHA256SUMS and the station's signature, committed as any
 * bundle is (bundle.h): atomic and durable, under the vault's writer lock.
 * Nothing here is secret.
 */
#ifndef OKRA_VAULT_RECORD_COMMIT_H
#define OKRA_VAULT_RECORD_COMMIT_H

#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "vault/index.h"
#include "vault/vault.h"

/*
 * Commits the next bundle of v (open for writing) as a record of kind, by
 * operator_name, with extra's fields (borrowed). Then, when x is not NULL,
 * adds the bundle to the index (a failure there is left for the next sync to
 * mend: the bundles are the truth). Fills *ret_seq and ret_sums (the new
 * bundle's SHA256SUMS hash, hex). Returns 0; 1 when the bundle is committed
 * but CHECKPOINT could not be updated (the reason is left; the next commit
 * brings it up to date); or a negative code with a reason, and then nothing
 * was committed.
 */
OKRA_MUST_CHECK
int vault_commit_record(struct vault *v, struct vindex *x, const char *kind,
                        const char *operator_name, json_t *extra, uint64_t *ret_seq,
                        char ret_sums[SHA256_HEX]);

#endif
