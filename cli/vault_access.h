/* vault_access.h: opening a vault and its index for the read commands. */
#ifndef OKRA_VAULT_ACCESS_H
#define OKRA_VAULT_ACCESS_H

#include "cli/cli.h"
#include "common/err.h"
#include "crypto/minisign.h"
#include "vault/index.h"
#include "vault/vault.h"

/* Opens the vault (read) and its index, brought up to date; prints why on failure. */
OKRA_MUST_CHECK
int cli_open_indexed(struct cli *cli, struct vault **ret_v, struct vindex **ret_x);

/*
 * --key FILE: an auditor's pinned station key (minisign public key), read
 * and parsed; prints why on failure.
 */
OKRA_MUST_CHECK
int cli_load_station_key(const char *path, struct mini_pubkey *key);

/* A progress line on stderr when it is a terminal (reindex, verify, sync). */
void cli_progress(void *ctx, uint64_t done, uint64_t total);
void cli_progress_end(void);

/* "OFFICER1 (Kingston DataTraveler, serial 123)" from a manifest's media, or "-". */
char *cli_media_text(json_t *media);

/* policy.media.{serials,uuids}: the vault's media allow-list (malloc'd array; strings borrowed). */
const char **cli_media_allow_list(json_t *policy, const char *key, size_t *ret_n);

#endif
