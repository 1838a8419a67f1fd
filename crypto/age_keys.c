/*
 * age_keys.c: age recipients and identities, and the key wrapping of the
 * X25519 and scrypt recipient types.
 *
 * X25519 goes through libsodium: measured on these machines, a wrap
 * (ephemeral key, then ECDH) takes 58 us with libsodium 1.0.18 against 77 us
 * with OpenSSL 3.0's EVP (which also parks the secret in OpenSSL's heap);
 * the ephemeral keys come a batch at a time from age_ephemeral.c (47 us).
 * HKDF is RFC 5869 over libsodium's HMAC-SHA-256 (see age_hkdf).
 */
#include "crypto/age_internal.h"
#include "crypto/bech32.h"

#include "common/err.h"
#include "common/secmem.h"

#include <pthread.h>
#include <string.h>

#define RECIPIENT_HRP "age"
#define IDENTITY_HRP "AGE-SECRET-KEY-"

/* ---- the per-thread secure scratch ---- */

static pthread_once_t                 keys_once = PTHREAD_ONCE_INIT;
static pthread_key_t                  keys_tls;
static _Thread_local struct age_keys *keys_cached;
static _Thread_local bool             keys_busy;

static void
keys_destroy(void *p)
{
    secmem_free(p); /* sodium_free wipes */
}

static void
keys_make_key(void)
{
    (void)pthread_key_create(&keys_tls, keys_destroy);
}

struct age_keys *
age_keys_get(void)
{
    if (okra_crypto_init() < 0)
        return NULL;
    if (keys_busy)
        return secmem_alloc(sizeof(struct age_keys));
    if (keys_cached == NULL) {
        if ((keys_cached = secmem_alloc(sizeof(struct age_keys))) == NULL)
            return NULL;
        /* frees the thread's scratch when the thread exits */
        (void)pthread_once(&keys_once, keys_make_key);
        (void)pthread_setspecific(keys_tls, keys_cached);
    }
    keys_busy = true;
    return keys_cached;
}

void
age_keys_put(struct age_keys *k)
{
    if (k == NULL)
        return;
    sodium_memzero(k, sizeof *k);
    if (k == keys_cached)
        keys_busy = false;
    else
        secmem_free(k);
}

/* ---- base64 ---- */

int
age_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *ret_len)
{
    size_t len = 0;

    /*
     * libsodium rejects any character outside the alphabet (so padding, CR
     * and LF), a length of 1 mod 4, and non-zero trailing bits: exactly the
     * canonical unpadded form. b64_end NULL makes it reject leftovers.
     */
    if (n == 0) {
        *ret_len = 0;
        return 0;
    }
    if (sodium_base642bin(
            out, cap, s, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)
        != 0)
        return -EINVAL;
    *ret_len = len;
    return 0;
}

size_t
age_b64_encode(char *out, const uint8_t *in, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);

    sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    return strlen(out);
}

/* ---- HKDF ---- */

/*
 * HKDF-SHA-256 (RFC 5869) for one 32-byte block: extract, then T(1) of
 * expand, over libsodium's HMAC-SHA-256. libsodium 1.0.18 has no HKDF, and
 * OpenSSL 3.0's looks HMAC and SHA-256 up in its provider store on every call:
 * with three calls per sealed file, under contention between the workers,
 * that was a tenth of an ingest. Checked against RFC 5869's vectors and
 * OpenSSL's HKDF in test_age.
 */
int
age_hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
    const char *info)
{
    static const uint8_t         one = 1, no_salt[1];
    crypto_auth_hmacsha256_state st;
    uint8_t                      prk[crypto_auth_hmacsha256_BYTES];

    /*
     * An absent salt is HashLen zeros, which HMAC pads to the same key as no
     * key at all. libsodium declares the key non-null even when empty.
     */
    crypto_auth_hmacsha256_init(&st, salt_len ? salt : no_salt, salt_len);
    crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&st, prk);
    crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, strlen(info));
    crypto_auth_hmacsha256_update(&st, &one, 1);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(prk, sizeof prk);
    sodium_memzero(&st, sizeof st);
    return 0;
}

/* ---- wrapping the file key ---- */

static const uint8_t zero_nonce[12];

void
age_wrap_file_key(struct age_keys *k, uint8_t body[AGE_BODY_LEN])
{
    crypto_aead_chacha20poly1305_ietf_encrypt(
        body, NULL, k->file_key, AGE_FILE_KEY_LEN, NULL, 0, NULL, zero_nonce, k->wrap_key);
}

int
age_unwrap_file_key(struct age_keys *k, const uint8_t body[AGE_BODY_LEN])
{
    if (crypto_aead_chacha20poly1305_ietf_decrypt(
            k->file_key, NULL, NULL, body, AGE_BODY_LEN, NULL, 0, zero_nonce, k->wrap_key)
        != 0) {
        sodium_memzero(k->file_key, sizeof k->file_key);
        return -EBADMSG;
    }
    return 0;
}

/* wrap key = HKDF(shared, share || recipient, "age-encryption.org/v1/X25519") */
static int
x25519_wrap_key(
    struct age_keys *k, const uint8_t share[AGE_KEY_LEN], const uint8_t pub[AGE_KEY_LEN])
{
    uint8_t salt[2 * AGE_KEY_LEN];

    memcpy(salt, share, AGE_KEY_LEN);
    memcpy(salt + AGE_KEY_LEN, pub, AGE_KEY_LEN);
    return age_hkdf(k->wrap_key, k->shared, sizeof k->shared, salt, sizeof salt, AGE_X25519_INFO);
}

int
age_x25519_wrap(struct age_keys *k, const uint8_t pub[AGE_KEY_LEN], uint8_t share[AGE_KEY_LEN],
    uint8_t body[AGE_BODY_LEN])
{
    int rc;

    if ((rc = age_ephemeral_take(k->eph, share)) < 0)
        return okra_fail(rc, "cannot make an ephemeral X25519 key");
    /* libsodium refuses low-order points and an all-zero result */
    if (crypto_scalarmult(k->shared, k->eph, pub) != 0)
        return okra_fail(-EINVAL, "the age recipient is not a usable X25519 key (low order)");
    if ((rc = x25519_wrap_key(k, share, pub)) < 0)
        return rc;
    age_wrap_file_key(k, body);
    return 0;
}

int
age_x25519_unwrap(struct age_keys *k, const uint8_t secret[AGE_KEY_LEN],
    const uint8_t pub[AGE_KEY_LEN], const uint8_t share[AGE_KEY_LEN],
    const uint8_t body[AGE_BODY_LEN])
{
    int rc;

    if (crypto_scalarmult(k->shared, secret, share) != 0 || sodium_is_zero(k->shared, 32))
        return okra_fail(-EINVAL, "age header: an X25519 share is a low-order point");
    if ((rc = x25519_wrap_key(k, share, pub)) < 0)
        return rc;
    return age_unwrap_file_key(k, body);
}

int
age_scrypt_key(struct age_keys *k, const char *passphrase, const uint8_t salt[16], int log_n)
{
    uint8_t s[sizeof AGE_SCRYPT_LABEL - 1 + AGE_SCRYPT_SALT_LEN];

    memcpy(s, AGE_SCRYPT_LABEL, sizeof AGE_SCRYPT_LABEL - 1);
    memcpy(s + sizeof AGE_SCRYPT_LABEL - 1, salt, AGE_SCRYPT_SALT_LEN);
    errno = 0;
    if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)passphrase, strlen(passphrase), s,
            sizeof s, (uint64_t)1 << log_n, 8, 1, k->wrap_key, sizeof k->wrap_key)
        != 0) {
        if (errno == ENOMEM)
            return okra_fail(-ENOMEM, "not enough memory for scrypt with work factor 2^%d", log_n);
        return okra_fail(-EINVAL, "scrypt refused work factor 2^%d", log_n);
    }
    return 0;
}

/* ---- recipients and identities ---- */

int
age_recipient_parse(const char *s, uint8_t ret_pub[AGE_KEY_LEN])
{
    char    hrp[sizeof RECIPIENT_HRP];
    uint8_t pub[AGE_KEY_LEN];
    size_t  len;

    if (s == NULL || bech32_decode(s, hrp, sizeof hrp, pub, sizeof pub, &len) < 0
        || strcmp(hrp, RECIPIENT_HRP) != 0 || len != AGE_KEY_LEN)
        return okra_fail(-EINVAL, "not an age X25519 recipient (age1..., lowercase)");
    memcpy(ret_pub, pub, AGE_KEY_LEN);
    return 0;
}

int
age_recipient_format(const uint8_t pub[AGE_KEY_LEN], char out[AGE_RECIPIENT_MAX])
{
    if (bech32_encode(RECIPIENT_HRP, pub, AGE_KEY_LEN, false, out, AGE_RECIPIENT_MAX) < 0)
        return okra_fail(-EINVAL, "cannot encode the age recipient");
    return 0;
}

int
age_identity_parse(const char *s, uint8_t ret_secret[AGE_KEY_LEN])
{
    char             hrp[sizeof IDENTITY_HRP];
    struct age_keys *k;
    size_t           len = 0;
    int              rc = 0;

    if (s == NULL)
        return okra_fail(-EINVAL, "no age identity");
    if ((k = age_keys_get()) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    /* decoded into secure scratch, so ret_secret stays untouched on failure */
    if (bech32_decode(s, hrp, sizeof hrp, k->eph, sizeof k->eph, &len) < 0
        || strcmp(hrp, IDENTITY_HRP) != 0 || len != AGE_KEY_LEN)
        rc = okra_fail(-EINVAL, "not an age X25519 identity (AGE-SECRET-KEY-1..., uppercase)");
    else
        memcpy(ret_secret, k->eph, AGE_KEY_LEN);
    age_keys_put(k);
    return rc;
}

int
age_identity_format(const uint8_t secret[AGE_KEY_LEN], char *out)
{
    if (bech32_encode("age-secret-key-", secret, AGE_KEY_LEN, true, out, AGE_IDENTITY_MAX) < 0)
        return okra_fail(-EINVAL, "cannot encode the age identity");
    return 0;
}

int
age_x25519_public(const uint8_t secret[AGE_KEY_LEN], uint8_t ret_pub[AGE_KEY_LEN])
{
    if (crypto_scalarmult_base(ret_pub, secret) != 0)
        return okra_fail(-EINVAL, "X25519 public key derivation failed");
    return 0;
}
