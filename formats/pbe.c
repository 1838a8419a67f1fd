/*
 * pbe.c: naming the password-based encryption of a bag, and bounding it.
 *
 * Officers are told which algorithm protects their file ("Legacy algorithms
 * are named", SECURITY.md), and an outside file must not be able to make us
 * run a billion KDF rounds: the iteration count is read and capped before
 * OpenSSL is asked to derive anything. When OpenSSL cannot run the cipher
 * (RC2 without the legacy provider), the reason names it.
 */
#include "formats/fmt_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>

#include "common/err.h"

/* The cipher and digest a PKCS #12 or PKCS #5 v1 PBE runs, by OpenSSL name. */
static bool
pbe1_parts(int nid, const char **cipher, const char **digest)
{
    static const struct {
        int         nid;
        const char *cipher, *digest;
    } map[] = {
        { NID_pbe_WithSHA1And128BitRC4, "RC4", "SHA1" },
        { NID_pbe_WithSHA1And40BitRC4, "RC4-40", "SHA1" },
        { NID_pbe_WithSHA1And3_Key_TripleDES_CBC, "DES-EDE3-CBC", "SHA1" },
        { NID_pbe_WithSHA1And2_Key_TripleDES_CBC, "DES-EDE-CBC", "SHA1" },
        { NID_pbe_WithSHA1And128BitRC2_CBC, "RC2-CBC", "SHA1" },
        { NID_pbe_WithSHA1And40BitRC2_CBC, "RC2-40-CBC", "SHA1" },
        { NID_pbeWithMD2AndDES_CBC, "DES-CBC", "MD2" },
        { NID_pbeWithMD5AndDES_CBC, "DES-CBC", "MD5" },
        { NID_pbeWithMD2AndRC2_CBC, "RC2-64-CBC", "MD2" },
        { NID_pbeWithMD5AndRC2_CBC, "RC2-64-CBC", "MD5" },
        { NID_pbeWithSHA1AndDES_CBC, "DES-CBC", "SHA1" },
        { NID_pbeWithSHA1AndRC2_CBC, "RC2-64-CBC", "SHA1" },
    };
    size_t i;

    for (i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].nid == nid) {
            *cipher = map[i].cipher;
            *digest = map[i].digest;
            return true;
        }
    }
    return false;
}

const char *
fmt_hmac_name(int prf_nid)
{
    switch (prf_nid) {
    case NID_hmacWithSHA1:
        return "HMAC-SHA-1";
    case NID_hmacWithSHA224:
        return "HMAC-SHA-224";
    case NID_hmacWithSHA256:
        return "HMAC-SHA-256";
    case NID_hmacWithSHA384:
        return "HMAC-SHA-384";
    case NID_hmacWithSHA512:
        return "HMAC-SHA-512";
    case NID_hmacWithSHA512_224:
        return "HMAC-SHA-512/224";
    case NID_hmacWithSHA512_256:
        return "HMAC-SHA-512/256";
    default:
        return NULL;
    }
}

const char *
fmt_hmac_digest(int prf_nid)
{
    switch (prf_nid) {
    case NID_hmacWithSHA1:
        return "SHA1";
    case NID_hmacWithSHA224:
        return "SHA224";
    case NID_hmacWithSHA256:
        return "SHA256";
    case NID_hmacWithSHA384:
        return "SHA384";
    case NID_hmacWithSHA512:
        return "SHA512";
    case NID_hmacWithSHA512_224:
        return "SHA512-224";
    case NID_hmacWithSHA512_256:
        return "SHA512-256";
    default:
        return NULL;
    }
}

int
fmt_check_iterations(const ASN1_INTEGER *iter, const char *what)
{
    long n = iter ? ASN1_INTEGER_get(iter) : 1;

    if (n <= 0)
        return okra_fail(-EINVAL, "damaged: %s has an iteration count of %ld", what, n);
    if (n > FMT_MAX_ITERATIONS)
        return okra_fail(-EINVAL, "%s asks %ld iterations, over okra's limit of %d", what, n,
            FMT_MAX_ITERATIONS);
    return 0;
}

int
fmt_kdf_charge_rounds(struct fmt_kdf_budget *b, uint64_t iter, const char *what)
{
    if (iter > FMT_MAX_ITERATIONS)
        return okra_fail(-EINVAL, "%s asks %llu iterations, over okra's limit of %u", what,
            (unsigned long long)iter, (unsigned)FMT_MAX_ITERATIONS);
    if (b->rounds + iter > FMT_MAX_ROUNDS_PER_FILE)
        return okra_fail(-EINVAL,
            "%s would bring the key derivation this file asks to more than okra's limit of %u "
            "iterations per file (its bags, its MAC and the password forms tried, together)",
            what, (unsigned)FMT_MAX_ROUNDS_PER_FILE);
    b->rounds += iter;
    return 0;
}

int
fmt_kdf_charge_scrypt(struct fmt_kdf_budget *b, uint64_t n, uint64_t r, uint64_t p, const char *what)
{
    if (n < 2 || (n & (n - 1)) || r == 0 || p == 0 || n > (1ull << 40) || r > (1u << 20)
        || p > (1u << 30))
        return okra_fail(-EINVAL, "damaged: %s has scrypt parameters N=%llu, r=%llu, p=%llu", what,
            (unsigned long long)n, (unsigned long long)r, (unsigned long long)p);
    if (128 * n * r > FMT_SCRYPT_MAX_MEM)
        return okra_fail(-EINVAL,
            "%s asks scrypt N=%llu, r=%llu: %llu MiB of memory (128*N*r), over okra's limit of "
            "%u MiB", what, (unsigned long long)n, (unsigned long long)r,
            (unsigned long long)(128 * n * r >> 20), (unsigned)(FMT_SCRYPT_MAX_MEM >> 20));
    if (n * r > FMT_SCRYPT_MAX_WORK / p)
        return okra_fail(-EINVAL,
            "%s asks scrypt N=%llu, r=%llu, p=%llu: N*r*p is over okra's limit of %u", what,
            (unsigned long long)n, (unsigned long long)r, (unsigned long long)p,
            (unsigned)FMT_SCRYPT_MAX_WORK);
    if (b->scrypt_work + n * r * p > FMT_SCRYPT_MAX_WORK_PER_FILE)
        return okra_fail(-EINVAL,
            "%s would bring the scrypt work this file asks to more than okra's limit of %u "
            "(N*r*p over all its parts and password forms)", what,
            (unsigned)FMT_SCRYPT_MAX_WORK_PER_FILE);
    b->scrypt_work += n * r * p;
    return 0;
}

static int
charge_asn1_rounds(struct fmt_kdf_budget *b, const ASN1_INTEGER *iter, const char *what)
{
    int rc = fmt_check_iterations(iter, what);

    return rc < 0 ? rc : fmt_kdf_charge_rounds(b, (uint64_t)(iter ? ASN1_INTEGER_get(iter) : 1), what);
}

/* scrypt's parameters, read and charged before anything is derived. */
static int
scrypt_check(const X509_ALGOR *keyfunc, struct fmt_kdf_budget *b, char *kdf, size_t kdf_size)
{
    SCRYPT_PARAMS *sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), keyfunc->parameter);
    uint64_t       n, r, p;
    int            rc;

    if (sp == NULL || !ASN1_INTEGER_get_uint64(&n, sp->costParameter)
        || !ASN1_INTEGER_get_uint64(&r, sp->blockSize)
        || !ASN1_INTEGER_get_uint64(&p, sp->parallelizationParameter)) {
        SCRYPT_PARAMS_free(sp);
        fmt_clear_openssl_errors();
        return okra_fail(-EINVAL, "damaged: the scrypt parameters do not parse");
    }
    SCRYPT_PARAMS_free(sp);
    snprintf(kdf, kdf_size, "scrypt (N=%llu, r=%llu, p=%llu)", (unsigned long long)n,
        (unsigned long long)r, (unsigned long long)p);
    rc = fmt_kdf_charge_scrypt(b, n, r, p, "its PBES2");
    return rc;
}

/* Whether OpenSSL here can run cipher and digest; if not, says which and why. */
static int
check_runnable(const char *alg_name, const char *cipher, const char *digest)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(fmt_libctx(), cipher, NULL);
    EVP_MD     *m = digest ? EVP_MD_fetch(fmt_libctx(), digest, NULL) : NULL;
    bool        ok = c != NULL && (digest == NULL || m != NULL);

    EVP_CIPHER_free(c);
    EVP_MD_free(m);
    fmt_clear_openssl_errors();
    if (ok)
        return 0;
    if (!fmt_have_legacy())
        return okra_fail(-EINVAL,
            "uses %s, which needs OpenSSL's legacy provider (not installed here)", alg_name);
    return okra_fail(-EINVAL, "uses %s, which this OpenSSL cannot decrypt", alg_name);
}

static int
pbe1_check(const X509_ALGOR *alg, int nid, const char *cipher, const char *digest, char *name,
    size_t name_size, struct fmt_kdf_budget *b)
{
    PBEPARAM *pbe;
    int       rc;

    snprintf(name, name_size, "%s", OBJ_nid2ln(nid));
    pbe = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter);
    if (pbe == NULL)
        return okra_fail(-EINVAL, "damaged: the parameters of %s do not parse", name);
    rc = charge_asn1_rounds(b, pbe->iter, name);
    PBEPARAM_free(pbe);
    if (rc < 0)
        return rc;
    return check_runnable(name, cipher, digest);
}

/* The PBKDF2 or scrypt half of PBES2, described into kdf. */
static int
pbes2_kdf(const X509_ALGOR *keyfunc, char *kdf, size_t kdf_size, struct fmt_kdf_budget *b)
{
    int          nid = OBJ_obj2nid(keyfunc->algorithm);
    PBKDF2PARAM *p;
    const char  *prf;
    int          rc, prf_nid;

    if (nid == NID_id_scrypt)
        return scrypt_check(keyfunc, b, kdf, kdf_size);
    if (nid != NID_id_pbkdf2)
        return okra_fail(-EINVAL, "uses PBES2 with key derivation %s, which okra does not support",
            OBJ_nid2sn(nid));
    p = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), keyfunc->parameter);
    if (p == NULL)
        return okra_fail(-EINVAL, "damaged: the PBKDF2 parameters do not parse");
    prf_nid = p->prf ? OBJ_obj2nid(p->prf->algorithm) : NID_hmacWithSHA1;
    prf = fmt_hmac_name(prf_nid);
    rc = charge_asn1_rounds(b, p->iter, "its PBKDF2");
    PBKDF2PARAM_free(p);
    if (rc < 0)
        return rc;
    if (prf == NULL)
        return okra_fail(
            -EINVAL, "uses PBKDF2 with %s, which okra does not support", OBJ_nid2sn(prf_nid));
    snprintf(kdf, kdf_size, "PBKDF2-%s", prf);
    return 0;
}

/*
 * An AEAD cipher (AES-GCM, AES-CCM, ChaCha20-Poly1305...) in PBES2: some tools
 * write it, OpenSSL's PKCS #5 reader cannot decrypt it (it takes no tag), and
 * a failed decryption would otherwise read as a wrong password.
 */
static int
pbes2_aead(const char *cipher, char *name, size_t name_size, const char *kdf)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(fmt_libctx(), cipher, NULL);
    int         mode, bits, aead;

    if (c == NULL) {
        fmt_clear_openssl_errors();
        return 0;
    }
    mode = EVP_CIPHER_get_mode(c);
    bits = EVP_CIPHER_get_key_length(c) * 8;
    aead = (EVP_CIPHER_get_flags(c) & EVP_CIPH_FLAG_AEAD_CIPHER) != 0 || mode == EVP_CIPH_GCM_MODE ||
           mode == EVP_CIPH_CCM_MODE || mode == EVP_CIPH_OCB_MODE;
    EVP_CIPHER_free(c);
    if (!aead)
        return 0;
    if (mode == EVP_CIPH_GCM_MODE || mode == EVP_CIPH_CCM_MODE || mode == EVP_CIPH_OCB_MODE) {
        const char *m = mode == EVP_CIPH_GCM_MODE ? "GCM" : mode == EVP_CIPH_CCM_MODE ? "CCM" : "OCB";

        snprintf(name, name_size, "PBES2 AES-%d-%s %s", bits, m, kdf);
        return okra_fail(-EINVAL, "uses PBES2 with AES-%d-%s: AES-%s is not supported for "
                                  "password-based encryption (OpenSSL cannot decrypt an "
                                  "authenticated cipher there); re-export it with AES-256-CBC",
                         bits, m, m);
    }
    return okra_fail(-EINVAL, "uses PBES2 with %s, an authenticated cipher, which is not supported "
                              "in password-based encryption; re-export it with AES-256-CBC", cipher);
}

static int
pbes2_check(const X509_ALGOR *alg, char *name, size_t name_size, struct fmt_kdf_budget *b)
{
    PBE2PARAM  *p2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    char        kdf[80];
    const char *cipher;
    int         rc;

    if (p2 == NULL)
        return okra_fail(-EINVAL, "damaged: the PBES2 parameters do not parse");
    cipher = OBJ_nid2sn(OBJ_obj2nid(p2->encryption->algorithm));
    rc = pbes2_kdf(p2->keyfunc, kdf, sizeof kdf, b);
    if (rc == 0) {
        snprintf(name, name_size, "PBES2 %s %s", cipher ? cipher : "(unknown cipher)", kdf);
        rc = cipher == NULL ? okra_fail(-EINVAL, "uses PBES2 with a cipher okra does not know")
             : pbes2_aead(cipher, name, name_size, kdf) < 0 ? -EINVAL
                                                            : check_runnable(name, cipher, NULL);
    }
    PBE2PARAM_free(p2);
    return rc;
}

int
fmt_pbe_check(const X509_ALGOR *alg, char *name, size_t name_size, struct fmt_kdf_budget *b)
{
    int         nid = OBJ_obj2nid(alg->algorithm);
    const char *cipher, *digest;
    char        oid[80];

    if (nid == NID_pbes2)
        return pbes2_check(alg, name, name_size, b);
    if (nid != NID_undef && pbe1_parts(nid, &cipher, &digest))
        return pbe1_check(alg, nid, cipher, digest, name, name_size, b);
    OBJ_obj2txt(oid, sizeof oid, alg->algorithm, 1);
    snprintf(name, name_size, "%s", nid != NID_undef ? OBJ_nid2ln(nid) : oid);
    return okra_fail(-EINVAL, "uses encryption %s, which okra does not support", name);
}
