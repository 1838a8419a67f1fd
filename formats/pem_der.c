/*
 * pem_der.c: PEM and DER private keys, and certificates alongside in PEM.
 *
 * Keys: PKCS #8 (plain or encrypted), PKCS #1 RSA, SEC1 EC, and DSA's
 * traditional form; in PEM also the old OpenSSL "Proc-Type: 4,ENCRYPTED"
 * blocks (a DEK-Info cipher keyed by MD5 over the password). Decoded blocks
 * are read into OpenSSL's secure allocator and wiped when freed.
 *
 * A wrong password cannot be told from a damaged file here: these formats
 * carry no MAC, and CBC padding passes by chance one time in 256, so the
 * reason says both.
 */
#include "formats/fmt_internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "common/err.h"

#define WRONG_OR_DAMAGED "wrong password or damaged file"

struct pem_block {
    char          *label;
    char          *header;
    unsigned char *der;
    long           len;
    long           alloc; /* len before decryption shortened it */
};

static void
block_free(struct pem_block *b)
{
    OPENSSL_secure_free(b->label);
    OPENSSL_secure_free(b->header);
    OPENSSL_secure_clear_free(b->der, b->alloc > 0 ? (size_t)b->alloc : 0);
    memset(b, 0, sizeof *b);
}

static int
add_p8(struct fmt_contents *c, const PKCS8_PRIV_KEY_INFO *p8, bool encrypted)
{
    EVP_PKEY *pkey = EVP_PKCS82PKEY_ex(p8, fmt_libctx(), NULL);

    if (pkey == NULL) {
        fmt_clear_openssl_errors();
        return encrypted ? okra_fail(-EBADMSG, WRONG_OR_DAMAGED)
                         : okra_fail(-EINVAL, "damaged: the private key does not parse");
    }
    return fmt_contents_add_key(c, pkey, NULL);
}

static PKCS8_PRIV_KEY_INFO *
decrypt_p8(const X509_SIG *sig, const char *password, struct fmt_kdf_budget *b)
{
    PKCS8_PRIV_KEY_INFO *p8;
    const X509_ALGOR    *alg;
    char                 name[96];

    if (fmt_p8_is_scrypt(sig))
        return fmt_p8_decrypt_scrypt(sig, password ? password : "", password ? strlen(password) : 0);
    if (password != NULL && *password != '\0')
        return PKCS8_decrypt_ex(sig, password, (int)strlen(password), fmt_libctx(), NULL);
    /* The two empty passwords differ only under the PKCS #12 PBEs (BMPString or nothing). */
    p8 = PKCS8_decrypt_ex(sig, "", 0, fmt_libctx(), NULL);
    X509_SIG_get0(sig, &alg, NULL);
    if (p8 == NULL && OBJ_obj2nid(alg->algorithm) != NID_pbes2 &&
        fmt_pbe_check(alg, name, sizeof name, b) == 0) /* the second try costs as much */
        p8 = PKCS8_decrypt_ex(sig, NULL, 0, fmt_libctx(), NULL);
    return p8;
}

static int
encrypted_pkcs8(struct fmt_contents *c, const unsigned char *der, long len, const char *password)
{
    const unsigned char *p = der;
    X509_SIG            *sig = d2i_X509_SIG(NULL, &p, len);
    const X509_ALGOR    *alg;
    PKCS8_PRIV_KEY_INFO *p8;
    char                 name[96];
    int                  rc;

    if (sig == NULL)
        return okra_fail(-EINVAL, "damaged: the encrypted private key does not parse");
    X509_SIG_get0(sig, &alg, NULL);
    if ((rc = fmt_pbe_check(alg, name, sizeof name, &c->kdf)) == 0) {
        fmt_contents_add_alg(c, name);
        if ((p8 = decrypt_p8(sig, password, &c->kdf)) == NULL)
            rc = okra_fail(-EBADMSG, WRONG_OR_DAMAGED);
        else
            rc = add_p8(c, p8, true);
        PKCS8_PRIV_KEY_INFO_free(p8);
    }
    X509_SIG_free(sig);
    return rc;
}

static int
plain_pkcs8(struct fmt_contents *c, const unsigned char *der, long len)
{
    const unsigned char *p = der;
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
    int                  rc;

    if (p8 == NULL)
        return okra_fail(-EINVAL, "damaged: the private key does not parse");
    fmt_contents_add_alg(c, "unencrypted PKCS #8");
    rc = add_p8(c, p8, false);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return rc;
}

/* PKCS #1, SEC1 and DSA keys: OpenSSL's "type-specific" DER. */
static int
traditional(struct fmt_contents *c, int type, const unsigned char *der, long len, bool encrypted)
{
    const unsigned char *p = der;
    EVP_PKEY            *pkey = d2i_PrivateKey_ex(type, NULL, &p, len, fmt_libctx(), NULL);

    if (pkey == NULL) {
        fmt_clear_openssl_errors();
        return encrypted ? okra_fail(-EBADMSG, WRONG_OR_DAMAGED)
                         : okra_fail(-EINVAL, "damaged: the private key does not parse");
    }
    return fmt_contents_add_key(c, pkey, NULL);
}

static int
give_password(char *buf, int size, int rwflag, void *u)
{
    const char *pw = u ? u : "";
    size_t      n = strlen(pw);

    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, pw, n);
    return (int)n;
}

/* Old OpenSSL PEM encryption: DEK-Info names the cipher, the key is MD5 over the password. */
static int
proc_type_decrypt(struct fmt_contents *c, struct pem_block *b, const char *password)
{
    EVP_CIPHER_INFO ci;
    char            name[96];

    if (!PEM_get_EVP_CIPHER_INFO(b->header, &ci) || ci.cipher == NULL) {
        fmt_clear_openssl_errors();
        return okra_fail(-EINVAL, "uses a PEM encryption (DEK-Info) okra does not support");
    }
    snprintf(name, sizeof name, "PEM %s (MD5 key derivation)", EVP_CIPHER_get0_name(ci.cipher));
    fmt_contents_add_alg(c, name);
    if (!PEM_do_header(&ci, b->der, &b->len, give_password, (void *)password)) {
        fmt_clear_openssl_errors();
        return okra_fail(-EBADMSG, WRONG_OR_DAMAGED);
    }
    return 0;
}

static int
traditional_type(const char *label)
{
    if (strcmp(label, "RSA PRIVATE KEY") == 0)
        return EVP_PKEY_RSA;
    if (strcmp(label, "EC PRIVATE KEY") == 0)
        return EVP_PKEY_EC;
    if (strcmp(label, "DSA PRIVATE KEY") == 0)
        return EVP_PKEY_DSA;
    return EVP_PKEY_NONE;
}

static const char *
traditional_name(int type)
{
    return type == EVP_PKEY_RSA ? "unencrypted PKCS #1"
        : type == EVP_PKEY_EC   ? "unencrypted SEC1"
                                : "unencrypted DSA";
}

/* A PKCS #8 block that old-style PEM encryption wrapped (Proc-Type on "PRIVATE KEY"), opened. */
static int
proc_type_pkcs8(struct fmt_contents *c, const struct pem_block *b)
{
    const unsigned char *p = b->der;
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, b->len);
    int                  rc;

    if (p8 == NULL) {
        fmt_clear_openssl_errors();
        return okra_fail(-EBADMSG, WRONG_OR_DAMAGED);
    }
    rc = add_p8(c, p8, true);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return rc;
}

static int
pem_key(struct fmt_contents *c, struct pem_block *b, const char *password)
{
    int  type = traditional_type(b->label), rc;
    bool pkcs8 = strcmp(b->label, "PRIVATE KEY") == 0;
    bool enc = b->header != NULL && strstr(b->header, "ENCRYPTED") != NULL;

    if (!pkcs8 && strcmp(b->label, "ENCRYPTED PRIVATE KEY") != 0 && type == EVP_PKEY_NONE)
        return 0;
    /* old-style PEM encryption (Proc-Type, DEK-Info) may wrap any key block, PKCS #8 too */
    if (enc && (rc = proc_type_decrypt(c, b, password)) < 0)
        return rc;
    if (pkcs8)
        return enc ? proc_type_pkcs8(c, b) : plain_pkcs8(c, b->der, b->len);
    if (type == EVP_PKEY_NONE)
        return encrypted_pkcs8(c, b->der, b->len, password);
    if (!enc)
        fmt_contents_add_alg(c, traditional_name(type));
    return traditional(c, type, b->der, b->len, enc);
}

static bool
is_cert_label(const char *label)
{
    return strcmp(label, "CERTIFICATE") == 0 || strcmp(label, "X509 CERTIFICATE") == 0
        || strcmp(label, "TRUSTED CERTIFICATE") == 0;
}

static int
pem_cert(struct fmt_contents *c, const struct pem_block *b)
{
    const unsigned char *p = b->der;
    X509                *x = d2i_X509(NULL, &p, b->len);

    if (x == NULL)
        return okra_fail(-EINVAL, "damaged: a certificate in the PEM does not parse");
    return fmt_contents_add_cert(c, x, NULL);
}

/* Reads the next block; 1 read, 0 no more, <0 a block that does not decode. */
static int
next_block(BIO *bio, struct pem_block *b)
{
    unsigned long err;

    memset(b, 0, sizeof *b);
    if (PEM_read_bio_ex(bio, &b->label, &b->header, &b->der, &b->len,
            PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE)) {
        b->alloc = b->len;
        return 1;
    }
    err = ERR_peek_last_error();
    fmt_clear_openssl_errors();
    if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE)
        return 0;
    return okra_fail(-EINVAL, "damaged PEM: a block does not decode");
}

int
fmt_pem_open(const uint8_t *data, size_t len, const char *password, struct fmt_contents *c)
{
    struct pem_block b;
    BIO             *bio;
    int              rc;

    if (len > INT_MAX || (bio = BIO_new_mem_buf(data, (int)len)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    while ((rc = next_block(bio, &b)) == 1) {
        if (is_cert_label(b.label))
            rc = pem_cert(c, &b);
        else
            rc = pem_key(c, &b, password);
        block_free(&b);
        if (rc < 0)
            break;
    }
    BIO_free(bio);
    fmt_clear_openssl_errors();
    return rc;
}

int
fmt_der_open(const uint8_t *data, size_t len, const struct fmt_detect *d, const char *password,
    struct fmt_contents *c)
{
    long n = len > LONG_MAX ? LONG_MAX : (long)len;
    int  rc;

    if (strcmp(d->name, "der-pkcs8") == 0)
        rc = plain_pkcs8(c, data, n);
    else if (strcmp(d->name, "der-pkcs8-encrypted") == 0)
        rc = encrypted_pkcs8(c, data, n, password);
    else {
        int type = strcmp(d->name, "der-pkcs1") == 0 ? EVP_PKEY_RSA
            : strcmp(d->name, "der-sec1") == 0       ? EVP_PKEY_EC
                                                     : EVP_PKEY_DSA;

        fmt_contents_add_alg(c, traditional_name(type));
        rc = traditional(c, type, data, n, false);
    }
    fmt_clear_openssl_errors();
    return rc;
}
