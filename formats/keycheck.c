/*
 * keycheck.c: a private key is checked for consistency when it is opened,
 * as `openssl pkey -check` would refuse a forged or damaged one, but at a
 * cost an ingest of thousands of keys can pay.
 *
 * RSA: n = p·q, e·d ≡ 1 mod p−1 and mod q−1, and the CRT values (d mod p−1,
 * d mod q−1, q⁻¹ mod p) as stored: a few bignum products, microseconds.
 * OpenSSL's own full check also tests p and q for primality (about 170 ms
 * for a 2048-bit key, a second for 4096), which is left out: a key whose
 * factors are not prime still decrypts what it encrypted and cannot be told
 * apart by its owner. Other keys (EC, Ed25519, Ed448, DSA): the public key
 * must be the private key's (OpenSSL's pairwise check, tens of
 * microseconds).
 */
#include "formats/fmt_internal.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "common/err.h"

enum { RSA_N, RSA_E, RSA_D, RSA_P, RSA_Q, RSA_DP, RSA_DQ, RSA_QINV, RSA_N_PARAMS };

static const char *const rsa_params[RSA_N_PARAMS] = {
    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* The first thing about the key that does not hold, or NULL. */
static const char *
rsa_inconsistency(BIGNUM *const v[RSA_N_PARAMS], BN_CTX *ctx)
{
    BIGNUM *t = BN_CTX_get(ctx), *pm1 = BN_CTX_get(ctx), *qm1 = BN_CTX_get(ctx);

    if (qm1 == NULL)
        return "cannot be checked (out of memory)";
    if (!BN_mul(t, v[RSA_P], v[RSA_Q], ctx) || BN_cmp(t, v[RSA_N]) != 0)
        return "its modulus n is not the product of its primes p and q";
    if (!BN_sub(pm1, v[RSA_P], BN_value_one()) || !BN_sub(qm1, v[RSA_Q], BN_value_one()) ||
        !BN_mod_mul(t, v[RSA_E], v[RSA_D], pm1, ctx) || !BN_is_one(t) ||
        !BN_mod_mul(t, v[RSA_E], v[RSA_D], qm1, ctx) || !BN_is_one(t))
        return "its private exponent d does not invert its public exponent e";
    if ((v[RSA_DP] && (!BN_mod(t, v[RSA_D], pm1, ctx) || BN_cmp(t, v[RSA_DP]) != 0)) ||
        (v[RSA_DQ] && (!BN_mod(t, v[RSA_D], qm1, ctx) || BN_cmp(t, v[RSA_DQ]) != 0)) ||
        (v[RSA_QINV] && (!BN_mod_mul(t, v[RSA_QINV], v[RSA_Q], v[RSA_P], ctx) || !BN_is_one(t))))
        return "its CRT values (d mod p-1, d mod q-1, q^-1 mod p) do not match its primes";
    return NULL;
}

static int
rsa_check(const EVP_PKEY *pkey)
{
    BIGNUM     *v[RSA_N_PARAMS] = { NULL }, *third = NULL;
    BN_CTX     *ctx = BN_CTX_new();
    const char *why = NULL;
    int         i;

    for (i = 0; i < RSA_N_PARAMS; i++)
        EVP_PKEY_get_bn_param(pkey, rsa_params[i], &v[i]);
    fmt_clear_openssl_errors();
    /* a key stored as (n, d) alone, or with more than two primes, has no p and q to check */
    if (ctx != NULL && v[RSA_N] && v[RSA_E] && v[RSA_D] && v[RSA_P] && v[RSA_Q] &&
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3, &third) == 0) {
        BN_CTX_start(ctx);
        why = rsa_inconsistency(v, ctx);
        BN_CTX_end(ctx);
    }
    fmt_clear_openssl_errors();
    for (i = 0; i < RSA_N_PARAMS; i++)
        BN_clear_free(v[i]);
    BN_clear_free(third);
    BN_CTX_free(ctx);
    if (why != NULL)
        return okra_fail(-EINVAL, "its RSA private key is inconsistent: %s (openssl pkey -check "
                                  "refuses it too); the file is damaged or forged", why);
    return 0;
}

int
fmt_key_check(EVP_PKEY *pkey)
{
    EVP_PKEY_CTX *ctx;
    int           rc;

    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS"))
        return rsa_check(pkey);
    if ((ctx = EVP_PKEY_CTX_new_from_pkey(fmt_libctx(), pkey, NULL)) == NULL) {
        fmt_clear_openssl_errors();
        return okra_fail(-ENOMEM, "out of memory checking a key");
    }
    rc = EVP_PKEY_pairwise_check(ctx);
    EVP_PKEY_CTX_free(ctx);
    fmt_clear_openssl_errors();
    /* 1 holds; -2: OpenSSL has no such check for this kind of key */
    if (rc == 0) {
        const char *type = EVP_PKEY_get0_type_name(pkey);

        return okra_fail(-EINVAL, "its %s private key is inconsistent: its public key is not "
                                  "the one its private key gives (openssl pkey -check refuses "
                                  "it too); the file is damaged or forged", type ? type : "");
    }
    return 0;
}
