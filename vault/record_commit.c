/* record_commit.c: a ceremony's record, committed as a bundle without items. */
#include "vault/record_commit.h"
#include "vault/bundle.h"

#include <stdio.h>

int
vault_commit_record(struct vault *v, struct vindex *x, const char *kind,
                    const char *operator_name, json_t *extra, uint64_t *ret_seq,
                    char ret_sums[SHA256_HEX])
{
    struct bundle_header  h = { kind, operator_name, NULL, extra };
    struct bundle_writer *bw = NULL;
    char                  why[512];
    int                   rc;

    if (extra == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    if ((rc = bw_begin(v, &h, &bw)) == 0)
        rc = bw_commit(bw, ret_sums);
    if (rc >= 0)
        *ret_seq = bw_seq(bw);
    bw_free(bw);
    if (rc < 0 || x == NULL)
        return rc;
    snprintf(why, sizeof why, "%s", okra_errmsg()); /* CHECKPOINT's, when rc is 1 */
    /* the index is a cache: a failure here is mended by the next sync */
    if (vindex_begin(x) == 0) {
        if (vindex_add_bundle_file(x, v, *ret_seq) < 0 || vindex_commit(x) < 0)
            vindex_rollback(x);
    }
    if (rc == 1)
        okra_fail(rc, "%s", why);
    return rc;
}
