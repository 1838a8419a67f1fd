/*
 * minisign.c: minisign key pairs, their files, key ids and the prehash.
 * Signatures are in minisign_sig.c.
 */
#include "crypto/minisign.h"
#include "crypto/minisign_text.h"
#include "common/err.h"
#include "common/secmem.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SIGALG "Ed"
#define KDFALG "Sc"
#define KDFNONE "\0\0"
#define CHKALG "B2"
#define CHK_LEN 32 /* BLAKE2b-256 */

/* The decoded base64 line of a key file, as minisign lays it out. */
struct pubkey_blob {
    uint8_t sig_alg[2];
    uint8_t keyid[MINI_KEYID_LEN];
    uint8_t pk[MINI_PK_LEN];
};

struct seckey_blob {
    uint8_t sig_alg[2];
    uint8_t kdf_alg[2];
    uint8_t chk_alg[2];
    uint8_t kdf_salt[32];
    uint8_t kdf_opslimit[8];
    uint8_t kdf_memlimit[8];
    uint8_t keyid[MINI_KEYID_LEN];
    uint8_t sk[MINI_SK_LEN];
    uint8_t chk[CHK_LEN];
};

_Static_assert(sizeof(struct pubkey_blob) == 42, "minisign public key layout");
_Static_assert(sizeof(struct seckey_blob) == 158, "minisign secret key layout");
_Static_assert(
    MINI_PK_LEN == crypto_sign_PUBLICKEYBYTES && MINI_SK_LEN == crypto_sign_SECRETKEYBYTES,
    "Ed25519 key sizes");
_Static_assert(MINI_HASH_LEN == crypto_generichash_BYTES_MAX, "BLAKE2b-512 prehash");
_Static_assert(sizeof(crypto_generichash_state) <= sizeof(((struct mini_prehash *)0)->state)
        && _Alignof(crypto_generichash_state) <= 64,
    "struct mini_prehash holds a crypto_generichash_state");

int
mini_keypair(struct mini_seckey *sk, struct mini_pubkey *pk)
{
    int rc;

    if ((rc = okra_crypto_init()) < 0)
        return rc;
    randombytes_buf(sk->keyid, sizeof sk->keyid);
    if (crypto_sign_keypair(pk->pk, sk->sk) != 0)
        return okra_fail(-EIO, "Ed25519 key generation failed");
    memcpy(pk->keyid, sk->keyid, sizeof pk->keyid);
    return 0;
}

void
mini_seckey_public(const struct mini_seckey *sk, struct mini_pubkey *pk)
{
    /* An Ed25519 secret key is seed || public key. */
    memcpy(pk->keyid, sk->keyid, sizeof pk->keyid);
    memcpy(pk->pk, sk->sk + MINI_SK_LEN - MINI_PK_LEN, sizeof pk->pk);
}

void
mini_keyid_hex(const uint8_t keyid[MINI_KEYID_LEN], char out[17])
{
    uint64_t id = 0;
    int      i;

    /* As minisign spells it ("%" PRIX64 of the id read little-endian): upper case, and no
     * leading zeros, so that one key in every sixteen is not spelt two ways. */
    for (i = MINI_KEYID_LEN - 1; i >= 0; i--)
        id = id << 8 | keyid[i];
    snprintf(out, 17, "%" PRIX64, id);
}

int
mini_pubkey_parse(const char *text, size_t len, struct mini_pubkey *ret)
{
    struct mini_text   t = { text, len, "public key" };
    struct pubkey_blob b;
    int                rc;

    if ((rc = mini_read_untrusted(&t)) < 0
        || (rc = mini_read_b64(&t, "key", (uint8_t *)&b, sizeof b)) < 0
        || (rc = mini_text_end(&t)) < 0)
        return rc;
    if (memcmp(b.sig_alg, SIGALG, 2) != 0)
        return okra_fail(-EINVAL, "public key: unsupported signature algorithm");
    memcpy(ret->keyid, b.keyid, sizeof ret->keyid);
    memcpy(ret->pk, b.pk, sizeof ret->pk);
    return 0;
}

char *
mini_pubkey_format(const struct mini_pubkey *pk, const char *untrusted_comment)
{
    struct pubkey_blob b;
    char               comment[64];
    char               hex[17];

    if (untrusted_comment == NULL) {
        mini_keyid_hex(pk->keyid, hex);
        snprintf(comment, sizeof comment, "minisign public key %s", hex);
        untrusted_comment = comment;
    }
    if (mini_check_untrusted(untrusted_comment) < 0)
        return NULL;
    memcpy(b.sig_alg, SIGALG, 2);
    memcpy(b.keyid, pk->keyid, sizeof b.keyid);
    memcpy(b.pk, pk->pk, sizeof b.pk);
    return mini_key_text(untrusted_comment, (const uint8_t *)&b, sizeof b, false);
}

/* BLAKE2b-256(sig_alg || keyid || sk), minisign's check on a secret key. */
static void
seckey_checksum(const struct seckey_blob *b, uint8_t out[CHK_LEN])
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, CHK_LEN);
    crypto_generichash_update(&st, b->sig_alg, sizeof b->sig_alg);
    crypto_generichash_update(&st, b->keyid, sizeof b->keyid);
    crypto_generichash_update(&st, b->sk, sizeof b->sk);
    crypto_generichash_final(&st, out, CHK_LEN);
    sodium_memzero(&st, sizeof st);
}

static int
seckey_check_algs(const struct seckey_blob *b)
{
    if (memcmp(b->sig_alg, SIGALG, 2) != 0)
        return okra_fail(-EINVAL, "secret key: unsupported signature algorithm");
    if (memcmp(b->chk_alg, CHKALG, 2) != 0)
        return okra_fail(-EINVAL, "secret key: unsupported checksum algorithm");
    if (memcmp(b->kdf_alg, KDFALG, 2) == 0)
        return okra_fail(
            -EINVAL, "station.key is encrypted; okra needs an unencrypted key (minisign -G -W)");
    if (memcmp(b->kdf_alg, KDFNONE, 2) != 0)
        return okra_fail(-EINVAL, "secret key: unsupported key derivation function");
    return 0;
}

/*
 * Stock `minisign -G -W` leaves the checksum all zero (it only computes one
 * when it encrypts), while a key whose password was removed with `-C -W`
 * keeps the real one. Accept both; refuse any other value.
 */
static int
seckey_check_sum(const struct seckey_blob *b)
{
    static const uint8_t zero[CHK_LEN];
    uint8_t              chk[CHK_LEN];
    int                  bad;

    if (sodium_memcmp(b->chk, zero, CHK_LEN) == 0)
        return 0;
    seckey_checksum(b, chk);
    bad = sodium_memcmp(chk, b->chk, CHK_LEN);
    sodium_memzero(chk, sizeof chk);
    if (bad != 0)
        return okra_fail(-EINVAL, "secret key: checksum mismatch (the key file is damaged)");
    return 0;
}

/*
 * The public half stored in sk must be the one its seed gives: signing with
 * a mismatched public key yields bad signatures and, for the same message
 * signed under two public keys, leaks the secret scalar. This also covers
 * keys with the zero checksum of `minisign -W`.
 */
static int
seckey_check_pair(const struct seckey_blob *b)
{
    uint8_t pk[MINI_PK_LEN];
    uint8_t sk[MINI_SK_LEN];
    int     bad;

    crypto_sign_seed_keypair(pk, sk, b->sk);
    bad = sodium_memcmp(pk, b->sk + MINI_SK_LEN - MINI_PK_LEN, MINI_PK_LEN);
    sodium_memzero(sk, sizeof sk);
    if (bad != 0)
        return okra_fail(-EINVAL,
            "secret key: its public half does not match its seed "
            "(the key file is damaged)");
    return 0;
}

int
mini_seckey_parse(const char *text, size_t len, struct mini_seckey *ret)
{
    struct mini_text    t = { text, len, "secret key" };
    struct seckey_blob *b = secmem_alloc(sizeof *b);
    int                 rc;

    if (b == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if ((rc = mini_read_untrusted(&t)) == 0
        && (rc = mini_read_b64(&t, "key", (uint8_t *)b, sizeof *b)) == 0
        && (rc = mini_text_end(&t)) == 0 && (rc = seckey_check_algs(b)) == 0
        && (rc = seckey_check_sum(b)) == 0 && (rc = seckey_check_pair(b)) == 0) {
        memcpy(ret->keyid, b->keyid, sizeof ret->keyid);
        memcpy(ret->sk, b->sk, sizeof ret->sk);
    }
    secmem_free(b);
    return rc;
}

char *
mini_seckey_format(const struct mini_seckey *sk, const char *untrusted_comment)
{
    struct seckey_blob *b;
    char               *text;

    if (untrusted_comment == NULL)
        untrusted_comment = "minisign secret key (unencrypted)";
    if (mini_check_untrusted(untrusted_comment) < 0)
        return NULL;
    if ((b = secmem_alloc(sizeof *b)) == NULL) {
        okra_fail(-ENOMEM, "out of secure memory");
        return NULL;
    }
    /* Salt and KDF limits stay zero, as `minisign -G -W` writes them. */
    memset(b, 0, sizeof *b);
    memcpy(b->sig_alg, SIGALG, 2);
    memcpy(b->kdf_alg, KDFNONE, 2);
    memcpy(b->chk_alg, CHKALG, 2);
    memcpy(b->keyid, sk->keyid, sizeof b->keyid);
    memcpy(b->sk, sk->sk, sizeof b->sk);
    /* The real checksum, not minisign -W's zeros: okra's own reads then catch damage. */
    seckey_checksum(b, b->chk);
    text = mini_key_text(untrusted_comment, (const uint8_t *)b, sizeof *b, true);
    secmem_free(b);
    return text;
}

/*
 * The header keeps the state as bytes so that it need not include sodium.h;
 * only libsodium, compiled apart, looks inside.
 */
static crypto_generichash_state *
prehash_state(struct mini_prehash *h)
{
    return (crypto_generichash_state *)(void *)h->state;
}

void
mini_prehash_init(struct mini_prehash *h)
{
    crypto_generichash_init(prehash_state(h), NULL, 0, MINI_HASH_LEN);
}

void
mini_prehash_update(struct mini_prehash *h, const uint8_t *p, size_t n)
{
    if (n > 0)
        crypto_generichash_update(prehash_state(h), p, n);
}

void
mini_prehash_final(struct mini_prehash *h, uint8_t out[MINI_HASH_LEN])
{
    crypto_generichash_final(prehash_state(h), out, MINI_HASH_LEN);
    sodium_memzero(h, sizeof *h);
}
