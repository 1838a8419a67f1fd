/*
 * bech32.h: BIP-173 Bech32 (the original checksum, not Bech32m), as age uses
 * it: no 90-character limit, all lowercase or all uppercase, the checksum
 * computed over the lowercase form.
 *
 * Secrets: the data may be secret (age identities). Neither function keeps a
 * copy; both wipe their own scratch state. Failure leaves ret_ outputs
 * untouched except that the data buffer may hold partial (secret) bytes.
 */
#ifndef OKRA_BECH32_H
#define OKRA_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BECH32_MAX_LEN 4096 /* bounds the work on untrusted input */

/*
 * Encodes data under hrp (which must be lowercase printable ASCII) into out,
 * NUL-terminated; upper turns the whole string uppercase. Returns 0, or
 * -EINVAL for a bad hrp, -ENOSPC when out (cap bytes) is too small.
 */
int bech32_encode(
    const char *hrp, const uint8_t *data, size_t len, bool upper, char *out, size_t cap);

/*
 * Decodes s (NUL-terminated). The human-readable part is copied into hrp
 * (hrp_cap bytes, NUL-terminated) in the case it has in s; the data into data
 * (data_cap bytes) with its length in *ret_len. Returns 0, or -EINVAL for a
 * malformed string or a bad checksum, -ENOSPC when a buffer is too small.
 */
int bech32_decode(
    const char *s, char *hrp, size_t hrp_cap, uint8_t *data, size_t data_cap, size_t *ret_len);

#endif
