/*
 * slip39_cipher.c: SLIP-0039's encryption of the master secret, a 4-round
 * Feistel network with PBKDF2-HMAC-SHA256 as the round function:
 *
 *   F(i, R) = PBKDF2(password = i || passphrase, salt = salt_prefix || R,
 *                    iterations = 2500 << e, length = n / 2)
 *   salt_prefix = "" when extendable, else "shamir" || identifier (2 bytes, big endian)
 *
 * The halves, the round outputs, the password and the salt (which holds a
 * half) are secret and live in one sodium_malloc'd block.
 */
#include "ceremony/shamir_hazmat.h"
#include "common/err.h"
#include "common/secmem.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#define ROUNDS 4
#define BASE_ITERS 2500
#define HALF_MAX (SLIP39_MAX_SECRET / 2)
#define PREFIX_LEN 8 /* "shamir" || id */
#define PASS_MAX 256

struct feistel {
    uint8_t l[HALF_MAX], r[HALF_MAX], f[HALF_MAX];
    uint8_t salt[PREFIX_LEN + HALF_MAX];
    uint8_t pass[1 + PASS_MAX];
};

static int
check_args(size_t len, const char *passphrase, uint8_t e)
{
    size_t i;

    if (len < 16 || len > SLIP39_MAX_SECRET || len % 2)
        return okra_fail(-EINVAL, "a master secret of %zu bytes is not possible (16 to %d, even)",
            len, SLIP39_MAX_SECRET);
    if (e > 15)
        return okra_fail(-EINVAL, "iteration exponent %u is out of range (0 to 15)", e);
    for (i = 0; passphrase[i] != '\0'; i++) {
        if (i >= PASS_MAX)
            return okra_fail(
                -EINVAL, "the SLIP-0039 passphrase is longer than %d characters", PASS_MAX);
        if (passphrase[i] < 32 || passphrase[i] > 126)
            return okra_fail(-EINVAL, "the SLIP-0039 passphrase may hold only printable ASCII");
    }
    return 0;
}

/* One round: (L, R) = (R, L xor F(i, R)). */
static int
feistel_round(struct feistel *w, uint8_t i, size_t plen, size_t prefix, size_t half, uint8_t e)
{
    size_t k;

    w->pass[0] = i;
    memcpy(w->salt + prefix, w->r, half);
    if (PKCS5_PBKDF2_HMAC((const char *)w->pass, (int)(1 + plen), w->salt, (int)(prefix + half),
            BASE_ITERS << e, EVP_sha256(), (int)half, w->f)
        != 1)
        return okra_fail(-EIO, "PBKDF2 failed in the SLIP-0039 cipher");
    for (k = 0; k < half; k++) {
        uint8_t t = w->r[k];

        w->r[k] = w->l[k] ^ w->f[k];
        w->l[k] = t;
    }
    return 0;
}

static int
feistel(const uint8_t *in, size_t len, const char *passphrase, uint8_t e, uint16_t id, bool ext,
    bool decrypt, uint8_t *ret)
{
    struct feistel *w;
    size_t          half = len / 2, plen, prefix = ext ? 0 : PREFIX_LEN;
    int             rc, r;

    if (passphrase == NULL)
        passphrase = "";
    if ((rc = check_args(len, passphrase, e)) < 0)
        return rc;
    if ((w = secmem_alloc(sizeof *w)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    plen = strlen(passphrase);
    memcpy(w->pass + 1, passphrase, plen);
    memcpy(w->salt, "shamir", 6);
    w->salt[6] = (uint8_t)(id >> 8), w->salt[7] = (uint8_t)id;
    memcpy(w->l, in, half);
    memcpy(w->r, in + half, half);
    for (r = 0; r < ROUNDS && rc == 0; r++)
        rc = feistel_round(w, (uint8_t)(decrypt ? ROUNDS - 1 - r : r), plen, prefix, half, e);
    if (rc == 0) {
        memcpy(ret, w->r, half); /* output R || L */
        memcpy(ret + half, w->l, half);
    }
    secmem_free(w);
    return rc;
}

int
slip39_encrypt(const uint8_t *ms, size_t len, const char *passphrase, uint8_t iteration_exponent,
    uint16_t identifier, bool extendable, uint8_t *ret_ems)
{
    return feistel(ms, len, passphrase, iteration_exponent, identifier, extendable, false, ret_ems);
}

int
slip39_decrypt(const uint8_t *ems, size_t len, const char *passphrase, uint8_t iteration_exponent,
    uint16_t identifier, bool extendable, uint8_t *ret_ms)
{
    return feistel(ems, len, passphrase, iteration_exponent, identifier, extendable, true, ret_ms);
}
