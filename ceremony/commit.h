/*
 * commit.h: a ceremony's record committed (vault/record_commit.h), and said:
 * a failure names what was undone, a CHECKPOINT left behind is a warning.
 */
#ifndef OKRA_CER_COMMIT_H
#define OKRA_CER_COMMIT_H

#include "ceremony/ui.h"
#include "vault/record_commit.h"

/*
 * vault_commit_record, then: on failure "the KIND cannot be recorded: WHY;
 * UNDONE" (undone: what the caller then undoes); when CHECKPOINT could not
 * be updated, a warning. 0, or the negative code after saying why.
 */
int cer_commit(const struct cer_ui *ui, struct vault *v, struct vindex *x, const char *kind,
               const char *operator_name, json_t *extra, const char *undone, uint64_t *ret_seq,
               char ret_sums[SHA256_HEX]);

#endif
