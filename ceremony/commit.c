/* commit.c: a ceremony's record committed, and said (commit.h). */
#include "ceremony/commit.h"

int
cer_commit(const struct cer_ui *ui, struct vault *v, struct vindex *x, const char *kind,
           const char *operator_name, json_t *extra, const char *undone, uint64_t *ret_seq,
           char ret_sums[SHA256_HEX])
{
    int rc = vault_commit_record(v, x, kind, operator_name, extra, ret_seq, ret_sums);

    if (rc < 0) {
        cer_say(ui, CER_SAY_ERROR, "the %s cannot be recorded: %s; %s", kind, okra_errmsg(),
                undone);
        return rc;
    }
    if (rc == 1)
        cer_say(ui, CER_SAY_WARN, "CHECKPOINT was not updated (%s); the next commit brings it up "
                                  "to date", okra_errmsg());
    return 0;
}
