/*
 * vault.h: the vault on disk (doc/FORMAT.md, 2 and 3).
 *
 *   VAULT/okra.json        format, vault_id, recipient, station key id, created, policy
 *   VAULT/station.pub/.key minisign key pair of this station (key 0600, unencrypted)
 *   VAULT/bundles/N.tar    one bundle per ingest or ceremony, never rewritten
 *   VAULT/CHECKPOINT(.minisig)  last seq and the sha256 of its SHA256SUMS, signed
 *   VAULT/index.sqlite     a cache, rebuildable from bundles/
 *   VAULT/lock             flock(2): one writer at a time
 *   VAULT/tmp/             staging for the bundle being written (same filesystem,
 *                          so rename is atomic); emptied by the next writer
 *
 * Secrets: the station's signing key (loaded only by writers, in secure
 * memory). The recovery identity never comes here; sealing needs only the
 * recipient.
 */
#ifndef OKRA_VAULT_H
#define OKRA_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "crypto/age.h"
#include "crypto/minisign.h"

#define VAULT_FORMAT "okra-vault/1"
#define BUNDLE_FORMAT "okra-bundle/1"
#define VAULT_ID_HEX 32
#define SHA256_HEX 65

struct vault {
    char               *dir;
    int                 dirfd;
    int                 lockfd;  /* >= 0 while this process is the writer */
    json_t             *config;  /* okra.json */
    char                vault_id[VAULT_ID_HEX + 1];
    uint8_t             recipient[AGE_KEY_LEN];
    char                recipient_text[AGE_RECIPIENT_MAX];
    bool                has_recipient;
    struct mini_pubkey  station_pub;
    char                station_keyid[17];
    struct mini_seckey *station_sk; /* secure memory; writers only */
};

enum vault_open_flags {
    VAULT_READ = 0,
    VAULT_WRITE = 1, /* take the lock, load the signing key, clear stale staging */
};

/*
 * Opens an existing vault. Errors name the folder and the fix:
 * -ENOENT "no vault at DIR (create one with 'okra ceremony init')",
 * -EAGAIN "DIR is in use by another okra process; wait for it to finish".
 */
OKRA_MUST_CHECK
int vault_open(const char *dir, int flags, struct vault **ret);
void vault_close(struct vault *v);

/*
 * Parameters of a new vault. recipient: the recovery identity's public key.
 * policy: a JSON object (borrowed) or NULL for the defaults.
 */
struct vault_init {
    uint8_t recipient[AGE_KEY_LEN];
    json_t *policy;
};

/*
 * Prepares a new vault in a staging folder beside dir (dir must not exist,
 * or be an empty folder): okra.json, a new station key pair, bundles/, tmp/.
 * The returned vault is opened for writing at the staging path; commit the
 * first bundle into it, then vault_create_publish moves it into place
 * (rename over the empty folder). vault_create_abandon removes the staging
 * folder and everything in it.
 */
int vault_create_begin(const char *dir, const struct vault_init *init, struct vault **ret);
int vault_create_publish(struct vault *v, const char *dir);
void vault_create_abandon(struct vault *v);

/* Parses okra.json's text into v (config, vault_id, recipient); outside bytes. */
int vault_parse_config(struct vault *v, const char *text, size_t len);

/* flock(2) on VAULT/lock, not waiting: -EAGAIN when another writer holds it. */
int vault_take_lock(struct vault *v);

/* Refuses an existing vault or a non-empty folder that is not one. */
int vault_check_new_dir(const char *dir);

/* The policy object of okra.json (never NULL; borrowed). */
json_t *vault_policy(struct vault *v);

/* The bundles that exist, as seq numbers in order; names that are not
   bundles are ignored. Caller frees *ret. */
int vault_list_bundles(struct vault *v, uint64_t **ret, size_t *ret_n);

/* "bundles/00000042.tar" for seq 42 (out holds 64). */
void vault_bundle_name(uint64_t seq, char *out, size_t cap);

/* Current UTC time as RFC 3339 ("2026-11-25T15:44:09Z"); out holds 32. */
void vault_now(char out[32]);

#endif
