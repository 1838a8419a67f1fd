/*
 * minisign_sig.c: minisign signature files: signing, parsing, verifying.
 *
 * Verification is the hot path (every bundle of a vault, thousands a
 * second), so it does the two Ed25519 verifications minisign defines and
 * nothing else costly: no allocation, no re-parsing, no re-hashing.
 */
#include "crypto/minisign.h"
#include "crypto/minisign_text.h"
#include "common/err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SIGALG "Ed" /* legacy: Ed25519 over the message itself */
#define SIGALG_HASHED "ED" /* Ed25519 over BLAKE2b-512 of the message */

/* The decoded second line of a signature file. */
struct sig_blob {
    uint8_t alg[2];
    uint8_t keyid[MINI_KEYID_LEN];
    uint8_t sig[MINI_SIG_LEN];
};

_Static_assert(sizeof(struct sig_blob) == 74, "minisign signature layout");
_Static_assert(MINI_SIG_LEN == crypto_sign_BYTES, "Ed25519 signature size");

/* The global signature covers sig || trusted comment; this holds the largest. */
struct signed_comment {
    uint8_t bytes[MINI_SIG_LEN + MINI_COMMENT_MAX];
    size_t  len;
};

static void
signed_comment(
    struct signed_comment *sc, const uint8_t sig[MINI_SIG_LEN], const char *comment, size_t len)
{
    memcpy(sc->bytes, sig, MINI_SIG_LEN);
    memcpy(sc->bytes + MINI_SIG_LEN, comment, len);
    sc->len = MINI_SIG_LEN + len;
}

static char *
sig_text(const struct sig_blob *blob, const uint8_t global_sig[MINI_SIG_LEN],
    const char *trusted_comment, const char *untrusted_comment)
{
    size_t size = strlen(MINI_UNTRUSTED_PREFIX) + strlen(untrusted_comment) + 1
        + MINI_B64_LEN(sizeof *blob) + 1 + strlen(MINI_TRUSTED_PREFIX) + strlen(trusted_comment) + 1
        + MINI_B64_LEN(MINI_SIG_LEN) + 1 + 1;
    char *text = malloc(size);
    char *w = text;

    if (text == NULL) {
        okra_fail(-ENOMEM, "out of memory");
        return NULL;
    }
    w += mini_put_comment(w, MINI_UNTRUSTED_PREFIX, untrusted_comment);
    w += mini_put_b64(w, (const uint8_t *)blob, sizeof *blob);
    w += mini_put_comment(w, MINI_TRUSTED_PREFIX, trusted_comment);
    w += mini_put_b64(w, global_sig, MINI_SIG_LEN);
    *w = '\0';
    return text;
}

char *
mini_sign_prehashed(const struct mini_seckey *sk, const uint8_t hash[MINI_HASH_LEN],
    const char *trusted_comment, const char *untrusted_comment)
{
    struct sig_blob       blob;
    struct signed_comment sc;
    uint8_t               global_sig[MINI_SIG_LEN];

    if (trusted_comment == NULL)
        trusted_comment = "";
    if (untrusted_comment == NULL)
        untrusted_comment = "signature from okra";
    if (mini_check_trusted(trusted_comment) < 0 || mini_check_untrusted(untrusted_comment) < 0)
        return NULL;
    memcpy(blob.alg, SIGALG_HASHED, 2);
    memcpy(blob.keyid, sk->keyid, sizeof blob.keyid);
    if (crypto_sign_detached(blob.sig, NULL, hash, MINI_HASH_LEN, sk->sk) != 0)
        goto fail;
    signed_comment(&sc, blob.sig, trusted_comment, strlen(trusted_comment));
    if (crypto_sign_detached(global_sig, NULL, sc.bytes, sc.len, sk->sk) != 0)
        goto fail;
    return sig_text(&blob, global_sig, trusted_comment, untrusted_comment);
fail:
    okra_fail(-EIO, "Ed25519 signing failed");
    return NULL;
}

char *
mini_sign(const struct mini_seckey *sk, const uint8_t *msg, size_t len, const char *trusted_comment,
    const char *untrusted_comment)
{
    struct mini_prehash h;
    uint8_t             hash[MINI_HASH_LEN];

    mini_prehash_init(&h);
    mini_prehash_update(&h, msg, len);
    mini_prehash_final(&h, hash);
    return mini_sign_prehashed(sk, hash, trusted_comment, untrusted_comment);
}

static bool
alg_is(const uint8_t alg[2], const char *name)
{
    return memcmp(alg, name, 2) == 0;
}

int
mini_sig_parse(const char *text, size_t len, struct mini_sig *ret)
{
    struct mini_text t = { text, len, "signature file" };
    struct sig_blob  blob;
    uint8_t          global_sig[MINI_SIG_LEN];
    const char      *comment;
    size_t           comment_len;
    int              rc;

    if ((rc = mini_read_untrusted(&t)) < 0
        || (rc = mini_read_b64(&t, "signature", (uint8_t *)&blob, sizeof blob)) < 0)
        return rc;
    if (!alg_is(blob.alg, SIGALG_HASHED) && !alg_is(blob.alg, SIGALG))
        return okra_fail(-EINVAL, "signature file: unsupported signature algorithm");
    if ((rc = mini_read_trusted(&t, &comment, &comment_len)) < 0
        || (rc = mini_read_b64(&t, "trusted comment signature", global_sig, sizeof global_sig)) < 0
        || (rc = mini_text_end(&t)) < 0)
        return rc;
    memcpy(ret->alg, blob.alg, sizeof ret->alg);
    memcpy(ret->keyid, blob.keyid, sizeof ret->keyid);
    memcpy(ret->sig, blob.sig, sizeof ret->sig);
    memcpy(ret->global_sig, global_sig, sizeof ret->global_sig);
    memcpy(ret->trusted_comment, comment, comment_len);
    ret->trusted_comment[comment_len] = '\0';
    return 0;
}

/* The checks before any curve arithmetic: key id and comment length; sets *ret_len. */
static int
check_sig(const struct mini_pubkey *pk, const struct mini_sig *sig, size_t *ret_len)
{
    char got[17], want[17];

    if (memcmp(sig->keyid, pk->keyid, MINI_KEYID_LEN) != 0) {
        mini_keyid_hex(sig->keyid, got);
        mini_keyid_hex(pk->keyid, want);
        return okra_fail(-EBADMSG, "signed by another key (key id %s, expected %s)", got, want);
    }
    /* A struct filled by hand may lack its NUL. */
    *ret_len = strnlen(sig->trusted_comment, sizeof sig->trusted_comment);
    if (*ret_len > MINI_COMMENT_MAX)
        return okra_fail(-EINVAL, "trusted comment is not terminated");
    return 0;
}

static int
verify_global(const struct mini_pubkey *pk, const struct mini_sig *sig, size_t comment_len)
{
    struct signed_comment sc;

    signed_comment(&sc, sig->sig, sig->trusted_comment, comment_len);
    if (crypto_sign_verify_detached(sig->global_sig, sc.bytes, sc.len, pk->pk) != 0)
        return okra_fail(-EBADMSG,
            "bad trusted comment signature: the trusted comment was "
            "altered");
    return 0;
}

static int
refuse_alg(const struct mini_sig *sig)
{
    if (alg_is(sig->alg, SIGALG))
        return okra_fail(-EINVAL,
            "legacy signature (not prehashed); okra accepts only "
            "prehashed ones: sign without minisign -l");
    return okra_fail(-EINVAL, "unsupported signature algorithm");
}

int
mini_verify_prehashed(
    const struct mini_pubkey *pk, const struct mini_sig *sig, const uint8_t hash[MINI_HASH_LEN])
{
    size_t comment_len;
    int    rc;

    if (!alg_is(sig->alg, SIGALG_HASHED))
        return refuse_alg(sig);
    if ((rc = check_sig(pk, sig, &comment_len)) < 0)
        return rc;
    if (crypto_sign_verify_detached(sig->sig, hash, MINI_HASH_LEN, pk->pk) != 0)
        return okra_fail(-EBADMSG, "bad signature: the file does not match it");
    return verify_global(pk, sig, comment_len);
}

static int
verify_legacy(
    const struct mini_pubkey *pk, const struct mini_sig *sig, const uint8_t *msg, size_t len)
{
    static const uint8_t empty[1];
    size_t               comment_len;
    int                  rc;

    if ((rc = check_sig(pk, sig, &comment_len)) < 0)
        return rc;
    if (crypto_sign_verify_detached(sig->sig, len ? msg : empty, len, pk->pk) != 0)
        return okra_fail(-EBADMSG, "bad signature: the file does not match it");
    return verify_global(pk, sig, comment_len);
}

int
mini_verify(const struct mini_pubkey *pk, const struct mini_sig *sig, const uint8_t *msg,
    size_t len, bool allow_legacy)
{
    struct mini_prehash h;
    uint8_t             hash[MINI_HASH_LEN];

    if (alg_is(sig->alg, SIGALG) && allow_legacy)
        return verify_legacy(pk, sig, msg, len);
    if (!alg_is(sig->alg, SIGALG_HASHED))
        return refuse_alg(sig);
    mini_prehash_init(&h);
    mini_prehash_update(&h, msg, len);
    mini_prehash_final(&h, hash);
    return mini_verify_prehashed(pk, sig, hash);
}
