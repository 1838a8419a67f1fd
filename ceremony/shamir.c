/*
 * shamir.c: SLIP-0039's SplitSecret and RecoverSecret over GF(256).
 *
 * Share indices (x values) are public, so the Lagrange basis is computed
 * from them directly; only the products with share bytes touch secrets,
 * and those go through the constant-time gf256_mul.
 */
#include "ceremony/shamir_hazmat.h"
#include "common/err.h"
#include "common/secmem.h"

#include <sodium.h>
#include <string.h>

_Static_assert(SLIP39_MAX_SECRET == 32, "work buffers below are sized for 32-byte secrets");
_Static_assert(crypto_auth_hmacsha256_BYTES >= SHAMIR_DIGEST_LEN, "digest is a prefix of HMAC");

static bool
distinct(size_t m, const uint8_t *xs)
{
    uint8_t seen[32] = { 0 };
    size_t  i;

    for (i = 0; i < m; i++) {
        if (seen[xs[i] >> 3] & (1u << (xs[i] & 7)))
            return false;
        seen[xs[i] >> 3] |= (uint8_t)(1u << (xs[i] & 7));
    }
    return true;
}

/* l_i(x) = prod_{j != i} (x - x_j) / (x_i - x_j); subtraction is xor. Public. */
static uint8_t
lagrange_basis(uint8_t x, size_t m, const uint8_t *xs, size_t i)
{
    uint8_t num = 1, den = 1;
    size_t  j;

    for (j = 0; j < m; j++) {
        if (j == i)
            continue;
        num = gf256_mul(num, x ^ xs[j]);
        den = gf256_mul(den, xs[i] ^ xs[j]);
    }
    return gf256_mul(num, gf256_inv(den));
}

int
shamir_interpolate(
    uint8_t x, size_t m, const uint8_t *xs, const uint8_t *const *ys, size_t len, uint8_t *ret)
{
    uint8_t basis[256];
    size_t  i, k;

    if (m == 0 || m > 256)
        return okra_fail(-EINVAL, "interpolation needs 1 to 256 points, not %zu", m);
    if (!distinct(m, xs))
        return okra_fail(-EINVAL, "interpolation points must have distinct indices");
    for (i = 0; i < m; i++)
        basis[i] = lagrange_basis(x, m, xs, i);
    for (k = 0; k < len; k++) {
        uint8_t acc = 0;

        for (i = 0; i < m; i++)
            acc ^= gf256_mul(ys[i][k], basis[i]);
        ret[k] = acc;
    }
    return 0;
}

/* The first 4 bytes of HMAC-SHA256(key = r, msg = s). */
static void
share_digest(
    const uint8_t *r, size_t rlen, const uint8_t *s, size_t slen, uint8_t out[SHAMIR_DIGEST_LEN])
{
    crypto_auth_hmacsha256_state st;
    uint8_t                      mac[crypto_auth_hmacsha256_BYTES];

    crypto_auth_hmacsha256_init(&st, r, rlen);
    crypto_auth_hmacsha256_update(&st, s, slen);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, mac, SHAMIR_DIGEST_LEN);
    sodium_memzero(&st, sizeof st);
    sodium_memzero(mac, sizeof mac);
}

static int
check_split_args(uint8_t threshold, uint8_t count, size_t len)
{
    if (threshold < 1 || threshold > count || count > SLIP39_MAX_SHARES)
        return okra_fail(-EINVAL,
            "threshold %u of %u shares is not possible (1 <= threshold <= shares <= %d)", threshold,
            count, SLIP39_MAX_SHARES);
    if (len < 16 || len > SLIP39_MAX_SECRET || len % 2)
        return okra_fail(-EINVAL, "a secret of %zu bytes cannot be shared (16 to %d, even)", len,
            SLIP39_MAX_SECRET);
    return 0;
}

int
shamir_split_secret(
    uint8_t threshold, uint8_t count, const uint8_t *secret, size_t len, uint8_t *ret_shares)
{
    const uint8_t *ys[SLIP39_MAX_SHARES];
    uint8_t        xs[SLIP39_MAX_SHARES];
    uint8_t       *d;
    size_t         i, nrand;
    int            rc;

    if ((rc = check_split_args(threshold, count, len)) < 0)
        return rc;
    if (threshold == 1) {
        for (i = 0; i < count; i++)
            memcpy(ret_shares + i * len, secret, len);
        return 0;
    }
    if ((d = secmem_alloc(SLIP39_MAX_SECRET)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    /* D = digest || R at x = 254; the first threshold - 2 shares are random */
    randombytes_buf(d + SHAMIR_DIGEST_LEN, len - SHAMIR_DIGEST_LEN);
    share_digest(d + SHAMIR_DIGEST_LEN, len - SHAMIR_DIGEST_LEN, secret, len, d);
    nrand = (size_t)threshold - 2;
    randombytes_buf(ret_shares, nrand * len);
    for (i = 0; i < nrand; i++) {
        xs[i] = (uint8_t)i;
        ys[i] = ret_shares + i * len;
    }
    xs[nrand] = SHAMIR_DIGEST_INDEX, ys[nrand] = d;
    xs[nrand + 1] = SHAMIR_SECRET_INDEX, ys[nrand + 1] = secret;
    rc = 0;
    for (i = nrand; i < count && rc == 0; i++)
        rc = shamir_interpolate((uint8_t)i, threshold, xs, ys, len, ret_shares + i * len);
    secmem_free(d);
    if (rc < 0)
        sodium_memzero(ret_shares, (size_t)count * len);
    return rc;
}

/* Threshold 1: the shares are copies; any that differs is refused. */
static int
recover_copies(size_t m, const uint8_t *const *ys, size_t len, uint8_t *ret)
{
    size_t i;

    for (i = 1; i < m; i++)
        if (sodium_memcmp(ys[0], ys[i], len) != 0)
            return okra_fail(-EBADMSG,
                "shares that must be copies (threshold 1) differ (wrong or corrupted shares)");
    memcpy(ret, ys[0], len);
    return 0;
}

int
shamir_recover_secret(uint8_t threshold, size_t m, const uint8_t *xs, const uint8_t *const *ys,
    size_t len, uint8_t *ret)
{
    uint8_t *w, *s, *d, *dig;
    int      rc;

    if (threshold < 1 || m < threshold)
        return okra_fail(-EINVAL, "%u shares needed, %zu given", threshold, m);
    if (len < SHAMIR_DIGEST_LEN || len > SLIP39_MAX_SECRET)
        return okra_fail(-EINVAL, "a share of %zu bytes is not possible", len);
    if (threshold == 1)
        return recover_copies(m, ys, len, ret);
    if ((w = secmem_alloc(2 * SLIP39_MAX_SECRET + SHAMIR_DIGEST_LEN)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    s = w, d = w + SLIP39_MAX_SECRET, dig = d + SLIP39_MAX_SECRET;
    if ((rc = shamir_interpolate(SHAMIR_SECRET_INDEX, m, xs, ys, len, s)) < 0
        || (rc = shamir_interpolate(SHAMIR_DIGEST_INDEX, m, xs, ys, len, d)) < 0)
        goto out;
    share_digest(d + SHAMIR_DIGEST_LEN, len - SHAMIR_DIGEST_LEN, s, len, dig);
    if (sodium_memcmp(dig, d, SHAMIR_DIGEST_LEN) != 0) {
        rc = okra_fail(-EBADMSG, "digest does not match (wrong or corrupted shares)");
        goto out;
    }
    memcpy(ret, s, len);
out:
    secmem_free(w);
    return rc;
}
