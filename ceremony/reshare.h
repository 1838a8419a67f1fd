/*
 * reshare.h: 'ceremony reshare': a quorum issues a new share set for the
 * same recovery identity (new custodians, a new threshold, a new SLIP-0039
 * identifier) and retires every set the vault issued before.
 *
 * The old set is never lost: the new share files are written, fsynced and
 * opened by their custodians (the roll call) before the signed 'reshare'
 * record that retires the old set is committed. A failure before that
 * commit leaves the old set valid and removes the new files.
 *
 * Secrets: the given shares and the identity they combine to (wiped as soon
 * as the new set is split), the new set's mnemonics and passphrases.
 */
#ifndef OKRA_CER_RESHARE_H
#define OKRA_CER_RESHARE_H

#include "ceremony/newset.h"
#include "ceremony/quorum.h"
#include "vault/index.h"

struct cer_reshare {
    /* given */
    struct vault      *v;        /* open for writing */
    struct vindex     *x;        /* its index, up to date */
    char             **shares;   /* the quorum's share files or paper backups */
    size_t             n_shares;
    struct cer_newset  set;      /* n, m, share_dir, log_n, show_words */
    const char        *operator_name;
    /* made */
    struct cer_sets    sets;     /* as the verified records had them before the reshare */
    struct cer_share  *given;    /* n_shares of them */
    uint16_t           old_set;  /* the set the quorum's shares belong to */
    json_t            *retired;  /* the set ids the record retires */
    uint64_t           seq;      /* the reshare bundle */
    char               sums[SHA256_HEX];
};

/* Zeroes r (no folder open). */
void cer_reshare_start(struct cer_reshare *r);


/* The ceremony: quorum, new set, roll call, record. 0, or a negative code after saying why. */
int cer_reshare_run(const struct cer_ui *ui, struct cer_reshare *r);

/* Wipes and frees what r holds (not v, x nor shares). */
void cer_reshare_free(struct cer_reshare *r);

#endif
