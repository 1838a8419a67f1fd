/*
 * bundle_read.h: reading bundles member by member, streaming (libarchive,
 * tar only). Bundles are outside bytes when an auditor hands one in: every
 * reader bounds what it keeps.
 *
 * As strict as 'tar -x && sha256sum -c' would be: only regular members
 * (no links, no devices, no hard links), no sparse members (a hole would
 * read as zeros here and differently after 'tar -x'), each member's data
 * contiguous and exactly its size, and the archive ends with its two zero
 * blocks followed by nothing but zero padding (at most one 10240-byte
 * record): data after the end, or a missing end, is tampering.
 */
#ifndef OKRA_BUNDLE_READ_H
#define OKRA_BUNDLE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "vault/vault.h"

struct bundle_reader;

/*
 * Opens a bundle file: dirfd may be AT_FDCWD for a path. In the vault
 * (dirfd not AT_FDCWD) a symbolic link is refused. Reasons say "it" and
 * name members; the caller names the bundle.
 */
OKRA_MUST_CHECK
int bundle_open(int dirfd, const char *path, struct bundle_reader **ret);
/*
 * Reads a bundle from an open descriptor, from its start (the descriptor is
 * the caller's: not closed by bundle_close).
 */
OKRA_MUST_CHECK
OKRA_MUST_CHECK
int bundle_open_fd(int fd, const char *label, struct bundle_reader **ret);
/*
 * Next member: 1 with name and size set, 0 at the end (after the end blocks
 * and the padding were checked), negative on damage.
 */
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
