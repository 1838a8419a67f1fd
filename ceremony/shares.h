/*
 * shares.h: the shares custodians bring to a recovery or a reshare, checked
 * one by one, then combined into the vault's recovery identity.
 *
 * Each share is an opened share file or a bare mnemonic (a paper backup);
 * cli/ reads the files and asks the passphrases, this module judges them:
 * another vault, a retired set, a duplicate, another set than the others,
 * and finally whether the quorum opens the vault's recipient (checked
 * before anything is decrypted). A share left out keeps a one-line reason
 * in why; the caller names it with its file.
 *
 * Secrets: share_text (the mnemonic), slip39_share (the share value) and the
 * combined identity, all in the caller's secure memory. Public: labels,
 * reasons, identifiers, indices, thresholds.
 */
#ifndef OKRA_CER_SHARES_H
#define OKRA_CER_SHARES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ceremony/sets.h"
#include "ceremony/sharefile.h"
#include "ceremony/slip39.h"
#include "common/err.h"

#define CER_WHY_MAX 320

/*
 * What a share may make okra spend on SLIP-0039's PBKDF2 (10000 * 2^e rounds
 * per combination, e its iteration exponent): okra writes e = 1, Trezor and
 * python-shamir-mnemonic write 0 or 1; a share asking more than e = 6 is left
 * out with the reason. The search for a threshold among more shares than
 * agree stops after 256 tries or CER_COMBINE_ROUNDS_MAX rounds in all.
 */
#define CER_MAX_ITERATION_EXPONENT 6
#define CER_COMBINE_ROUNDS_MAX (256u * 20000u)

struct cer_share {
    const char          *label;  /* the file as given (public) */
    struct share_text   *text;   /* secure; NULL when the file could not be read or opened */
    struct slip39_share *share;  /* secure; decoded from text->mnemonic */
    bool                 usable; /* still in the running */
    char                 why[CER_WHY_MAX]; /* why it was left out */
    bool                 reported; /* for the caller: why was shown */
};

/*
 * Decodes s->text's mnemonic into s->share (allocated here) and, for a share
 * file, checks that its 'share:' line agrees with the mnemonic. Sets usable,
 * or why.
 */
void cer_share_decode(struct cer_share *s);

/*
 * Leaves out, with a reason each: shares of another vault (by their
 * 'vault:' line), of a retired set, of another set than the one chosen,
 * and repeats of a member index. The set chosen is the vault's current set
 * when one of its shares is given, else the set most shares belong to.
 * Returns the chosen identifier in *ret_set (-1 when no share is usable).
 */
void cer_shares_screen(struct cer_share *s, size_t n, const char *vault_id,
                       const struct cer_sets *sets, int *ret_set);

/*
 * Combines the usable shares and checks the result against the vault's
 * recipient. ret_identity: the caller's secure memory of AGE_KEY_LEN bytes,
 * written only on success. Errors: -ENODATA no usable share at all; -ENOENT
 * too few ("set 1234 needs 2 shares; 1 valid share given (1 more needed)"); -EBADMSG the
 * shares combine to another key; -EINVAL they do not combine. When more than
 * the threshold are given and not all agree, any threshold of them that
 * opens the recipient is taken, and those left out get a reason.
 */
OKRA_MUST_CHECK
int cer_shares_combine(struct cer_share *s, size_t n, const uint8_t recipient[AGE_KEY_LEN],
                       uint8_t *ret_identity);

/* Wipes and frees the secrets of n shares (not the array). */
void cer_shares_clear(struct cer_share *s, size_t n);

#endif
