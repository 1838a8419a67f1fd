/*
 * init.h: 'ceremony init', a new vault. The recovery identity (32 random
 * bytes, an age X25519 secret and the SLIP-0039 master secret at once) is
 * made in secure memory, split among the custodians, written into their
 * share files, proven by the roll call, and wiped; only its public key (the
 * recipient) stays in the vault. The vault is built in a staging folder and
 * appears only with its signed 'ceremony-init' bundle: a failure at any step
 * leaves no vault and no share file.
 *
 * Secrets: the identity (never leaves init.c), the new set's mnemonics and
 * passphrases (newset.h).
 */
#ifndef OKRA_CER_INIT_H
#define OKRA_CER_INIT_H

#include <stdbool.h>

#include <jansson.h>

#include "ceremony/newset.h"
#include "ceremony/ui.h"
#include "vault/vault.h"

#define CER_POLICY_LIST_MAX 64 /* home issuers, media serials, media UUIDs: each */

struct cer_init {
    /* given */
    const char        *vault_dir;
    struct cer_newset  set;       /* n, m, share_dir, log_n, show_words */
    const char        *operator_name;
    const char *const *issuers;   /* CA certificate files (PEM or DER): policy.home_issuers */
    unsigned           n_issuers;
    const char *const *serials;   /* policy.media: the media mediawatch takes */
    unsigned           n_serials;
    const char *const *uuids;
    unsigned           n_uuids;
    bool               allow_signing_keys; /* policy.signing_keys: "allow", else "refuse" */
    /* made */
    json_t            *policy;
    struct vault      *v;         /* the new vault, open, once cer_init_run succeeded */
    char               sums[SHA256_HEX]; /* bundle 0's SHA256SUMS hash */
    char               time[32];
};

/* Zeroes c (no folder open, no policy). */
void cer_init_start(struct cer_init *c);

/*
 * The checks that need no secret, before anyone is asked anything (the set's
 * names taken first, cer_newset_name): the vault folder is new or empty, the
 * share folder is new or empty, the CA files are certificates (into
 * c->policy). 0, or a negative code with the reason left (common/err.h).
 */
int cer_init_prepare(struct cer_init *c);

/*
 * The ceremony proper: the identity, the split, the passphrases, the share
 * files and the roll call, bundle 0, the vault moved into place. 0 with
 * c->v, c->sums and c->time; or a negative code after saying why through the
 * ui, and then no vault and no share file is left.
 */
int cer_init_run(const struct cer_ui *ui, struct cer_init *c);

/* Wipes the set, frees the policy, closes the vault. */
void cer_init_free(struct cer_init *c);

#endif
