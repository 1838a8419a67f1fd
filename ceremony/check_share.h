/*
 * check_share.h: a custodian checks their share file alone ('ceremony
 * check-share'): the passphrase opens it, it belongs to this vault, its set
 * is the vault's current one (issued here, not retired), its mnemonic's
 * checksum holds, and its lines agree with the vault's verified record of the
 * set. One share reveals nothing of the key; nothing is decrypted or written.
 *
 * Secrets: the share (secure memory, cer_quorum_free), the passphrase asked
 * through the ui.
 */
#ifndef OKRA_CER_CHECK_SHARE_H
#define OKRA_CER_CHECK_SHARE_H

#include "ceremony/quorum.h"

struct cer_checked {
    struct cer_share     *share;     /* the share read (free with cer_quorum_free(share, 1)) */
    const struct cer_set *set;       /* its set, as the vault recorded it */
    const char           *custodian; /* the set's name for it */
    unsigned              words;     /* in its mnemonic */
};

/*
 * Reads label (a share file or a paper backup), asks its passphrase, and
 * judges it against sets. 0 with *ret filled, or a negative code after
 * saying why: a retired share is named with the reshare that retired it and
 * what to do with it (destroy the file and the paper: outside okra a
 * retired share still combines with the others of its set).
 */
OKRA_MUST_CHECK
int cer_check_share(const struct cer_ui *ui, struct vault *v, const struct cer_sets *sets,
                    char *label, struct cer_checked *ret);

#endif
