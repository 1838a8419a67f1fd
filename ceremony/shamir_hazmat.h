/*
 * shamir_hazmat.h: the raw layers under slip39.h.
 *
 * WARNING: these functions are sharp. They work on bare share values and
 * the encrypted master secret: nothing here checks identifiers, group
 * structure or word lists, and a mistake in the inputs gives a wrong secret
 * or leaks one. Use slip39.h unless you are slip39.c, a test or a fuzzer.
 *
 * Field: GF(256) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11b), as
 * SLIP-0039 specifies. Multiply and inverse run in constant time and use no
 * tables: field elements are secret.
 *
 * Secret: every y value, secret, share, master secret (MS), encrypted master
 * secret (EMS) and passphrase. Public: x values (share indices), thresholds,
 * counts, lengths, identifier, iteration exponent, extendable flag.
 *
 * Failure: 0 or a negative code with a reason (common/err.h). On failure
 * ret_ outputs are left untouched unless said otherwise; the module wipes
 * its own temporaries on every path.
 */
#ifndef OKRA_SHAMIR_HAZMAT_H
#define OKRA_SHAMIR_HAZMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ceremony/slip39.h"
#include "common/err.h"

#define SHAMIR_DIGEST_INDEX 254
#define SHAMIR_SECRET_INDEX 255
#define SHAMIR_DIGEST_LEN 4

/* GF(256): a * b, and a^-1 computed as a^254 (so 0 maps to 0). */
uint8_t gf256_mul(uint8_t a, uint8_t b);
uint8_t gf256_inv(uint8_t a);

/*
 * Lagrange interpolation at x through m points (xs[i], ys[i]), each y a
 * vector of len bytes: ret[k] = f_k(x). xs must be pairwise distinct
 * (-EINVAL otherwise). ret may not overlap any ys[i]. 1 <= m <= 256.
 */
int shamir_interpolate(
    uint8_t x, size_t m, const uint8_t *xs, const uint8_t *const *ys, size_t len, uint8_t *ret);

/*
 * SLIP-0039 SplitSecret: count shares (x = 0..count-1) of secret (len bytes,
 * even, 16..32) with the digest at x = 254 and the secret at x = 255 when
 * threshold >= 2; count copies when threshold is 1. 1 <= threshold <= count
 * <= 16. ret_shares holds count * len bytes of caller's secure memory; on
 * failure it is wiped.
 */
int shamir_split_secret(
    uint8_t threshold, uint8_t count, const uint8_t *secret, size_t len, uint8_t *ret_shares);

/*
 * SLIP-0039 RecoverSecret from m >= threshold points (distinct xs). With
 * threshold >= 2 interpolates at 255 and checks the digest at 254 (in
 * constant time): more points than the threshold are all used, so one that
 * does not lie on the same polynomial fails the digest. With threshold 1 all
 * values must be equal. ret: len bytes of caller's secure memory.
 */
int shamir_recover_secret(uint8_t threshold, size_t m, const uint8_t *xs, const uint8_t *const *ys,
    size_t len, uint8_t *ret);

/*
 * The Feistel cipher over the master secret (4 rounds of
 * PBKDF2-HMAC-SHA256, 2500 << iteration_exponent iterations each; the salt
 * is "shamir" || identifier unless extendable). len is even, 16..32;
 * passphrase is printable ASCII ("" for none). in and out may be the same.
 */
int slip39_encrypt(const uint8_t *ms, size_t len, const char *passphrase,
    uint8_t iteration_exponent, uint16_t identifier, bool extendable, uint8_t *ret_ems);
OKRA_MUST_CHECK
int slip39_decrypt(const uint8_t *ems, size_t len, const char *passphrase,
    uint8_t iteration_exponent, uint16_t identifier, bool extendable, uint8_t *ret_ms);

/*
 * slip39_combine without the decryption: every check of slip39_combine, then
 * the encrypted master secret (caller's secure memory of SLIP39_MAX_SECRET).
 * Costs no key derivation, so fuzzers and share checks can call it freely.
 */
OKRA_MUST_CHECK
int slip39_combine_ems(
    const struct slip39_share *shares, size_t n, uint8_t *ret_ems, size_t *ret_len);

#endif
