/*
 * station.h: the station's minisign key pair (VAULT/station.pub, station.key).
 * The secret key is unencrypted on disk (mode 0600) because ingest runs
 * unattended; it signs, it cannot decrypt anything.
 */
#ifndef OKRA_STATION_H
#define OKRA_STATION_H

#include "vault/vault.h"

int vault_station_load_public(struct vault *v);
int vault_station_load_secret(struct vault *v); /* into v->station_sk (secure memory) */
int vault_station_generate(struct vault *v);    /* writes both files, fills v */

/* Signs data (prehashed "ED") with the trusted comment; malloc'd signature text. */
char *vault_station_sign(struct vault *v, const uint8_t hash[MINI_HASH_LEN], const char *trusted_comment);

#endif
