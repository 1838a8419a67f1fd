/*
 * bundle_read.h: reading bundles member by member, streaming (libarchive,
 * tar only). Bundles are outside bytes when an auditor hands one in: every
 * reader bounds what it keeps.
 */
#ifndef OKRA_BUNDLE_READ_H
#define OKRA_BUNDLE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "vault/vault.h"

struct bundle_reader;

/* dirfd may be AT_FDCWD for a path. */
OKRA_MUST_CHECK
int bundle_open(int dirfd, const char *path, struct bundle_reader **ret);
/* Next member: 1 with name and size set, 0 at the end, negative on damage. */
int bundle_next(struct bundle_reader *r, const char **ret_name, uint64_t *ret_size);
/* Next block of the current member: 1 with data, 0 at its end, negative on damage. */
int bundle_data(struct bundle_reader *r, const uint8_t **ret_p, size_t *ret_n);
void bundle_close(struct bundle_reader *r);

/* The sha256 (hex) of a bundle's SHA256SUMS member. */
int bundle_read_sums_hash(int dirfd, const char *path, char out[SHA256_HEX]);

/* Streams one member's bytes to sink; -ENOENT when the bundle has no such member. */
int bundle_stream_member(int dirfd, const char *path, const char *member,
                         int (*sink)(void *ctx, const uint8_t *p, size_t n), void *ctx);

#endif
