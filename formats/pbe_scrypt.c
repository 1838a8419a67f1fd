/*
 * pbe_scrypt.c: an encrypted PKCS #8 under PBES2 with scrypt, decrypted with
 * okra's own memory limit.
 *
 * OpenSSL's PKCS8_decrypt runs scrypt with its default limit of 32 MiB, so a
 * key that RustCrypto's pkcs8 crate writes (N=2^15, r=8: 32 MiB and a little)
 * reads as a wrong password. The same steps here, with OpenSSL's scrypt and
 * ciphers: the parameters were already checked and charged (pbe.c), the key
 * is derived under FMT_SCRYPT_MAX_MEM, the cipher and IV come from the
 * AlgorithmIdentifier, and the plaintext lives in OpenSSL's secure heap.
 */
#include "formats/fmt_internal.h"

#include <string.h>

#include <openssl/objects.h>

bool
fmt_p8_is_scrypt(const X509_SIG *sig)
{
    const X509_ALGOR *alg;
    PBE2PARAM        *p2;
    bool              yes;

    X509_SIG_get0(sig, &alg, NULL);
    if (OBJ_obj2nid(alg->algorithm) != NID_pbes2)
        return false;
    p2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    yes = p2 != NULL && OBJ_obj2nid(p2->keyfunc->algorithm) == NID_id_scrypt;
    PBE2PARAM_free(p2);
    fmt_clear_openssl_errors();
    return yes;
}

/* The cipher set up with its IV, and the key derived into it. */
static EVP_CIPHER_CTX *
cipher_with_key(const PBE2PARAM *p2, const SCRYPT_PARAMS *sp, const char *pass, size_t passlen)
{
    EVP_CIPHER     *cipher = EVP_CIPHER_fetch(fmt_libctx(),
            OBJ_nid2sn(OBJ_obj2nid(p2->encryption->algorithm)), NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    unsigned char   key[EVP_MAX_KEY_LENGTH];
    uint64_t        n, r, p, keylen_given;
    int             keylen, ok;

    ok = cipher != NULL && ctx != NULL && EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, 0)
        && EVP_CIPHER_asn1_to_param(ctx, p2->encryption->parameter) > 0
        && (keylen = EVP_CIPHER_CTX_get_key_length(ctx)) > 0 && keylen <= (int)sizeof key
        && ASN1_INTEGER_get_uint64(&n, sp->costParameter)
        && ASN1_INTEGER_get_uint64(&r, sp->blockSize)
        && ASN1_INTEGER_get_uint64(&p, sp->parallelizationParameter)
        && (sp->keyLength == NULL
            || (ASN1_INTEGER_get_uint64(&keylen_given, sp->keyLength)
                && keylen_given == (uint64_t)keylen))
        && EVP_PBE_scrypt_ex(pass, passlen, sp->salt->data, (size_t)sp->salt->length, n, r, p,
            FMT_SCRYPT_MAX_MEM + (1u << 20), key, (size_t)keylen, fmt_libctx(), NULL)
        && EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, 0);
    OPENSSL_cleanse(key, sizeof key);
    EVP_CIPHER_free(cipher);
    if (!ok) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

PKCS8_PRIV_KEY_INFO *
fmt_p8_decrypt_scrypt(const X509_SIG *sig, const char *pass, size_t passlen)
{
    const X509_ALGOR        *alg;
    const ASN1_OCTET_STRING *enc;
    PBE2PARAM               *p2;
    SCRYPT_PARAMS           *sp = NULL;
    EVP_CIPHER_CTX          *ctx = NULL;
    PKCS8_PRIV_KEY_INFO     *p8 = NULL;
    unsigned char           *plain = NULL;
    const unsigned char     *q;
    int                      n = 0, fin = 0, cap = 0;

    X509_SIG_get0(sig, &alg, &enc);
    p2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    if (p2 != NULL)
        sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), p2->keyfunc->parameter);
    if (sp != NULL && sp->salt != NULL)
        ctx = cipher_with_key(p2, sp, pass, passlen);
    if (ctx != NULL) {
        cap = ASN1_STRING_length(enc) + EVP_CIPHER_CTX_get_block_size(ctx);
        plain = OPENSSL_secure_malloc((size_t)cap);
    }
    if (plain != NULL
        && EVP_CipherUpdate(ctx, plain, &n, ASN1_STRING_get0_data(enc), ASN1_STRING_length(enc))
        && EVP_CipherFinal_ex(ctx, plain + n, &fin)) {
        q = plain;
        p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, n + fin);
    }
    if (plain != NULL)
        OPENSSL_secure_clear_free(plain, (size_t)cap);
    EVP_CIPHER_CTX_free(ctx);
    SCRYPT_PARAMS_free(sp);
    PBE2PARAM_free(p2);
    fmt_clear_openssl_errors();
    return p8;
}
