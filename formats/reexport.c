/*
 * reexport.c: writing PKCS #12 files.
 *
 * Two kinds are written. The opened form (what a bundle seals beside the
 * original) has no password, no bag encryption and no MAC: the age layer
 * around it is its protection, and stock `openssl pkcs12 -passin pass:`
 * opens it. It is framed by hand straight into secure memory, and the
 * OpenSSL buffers that held plaintext key bags are wiped before they are
 * freed. A re-export for recovery uses what current software writes and
 * older software reads:
 *   modern: PBES2 AES-256-CBC with PBKDF2-HMAC-SHA-256 on keys and
 *           certificates, a SHA-256 MAC (Windows 10+, OpenSSL 3);
 *   legacy: pbeWithSHA1And3-KeyTripleDES-CBC on both, a SHA-1 MAC (what
 *           Windows XP and 2003 read).
 * Never RC2-40: it protects nothing. OpenSSL's default of 2048 iterations
 * is used for both the KDF and the MAC. Each key and its certificate share
 * a localKeyID (the certificate's SHA-1), as Windows pairs them by it.
 */
#include "formats/fmt_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/pkcs12.h>

#include "common/err.h"

static const uint8_t OID_PKCS7_DATA[]
    = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };

static int
add_keyid(PKCS12_SAFEBAG *bag, X509 *x)
{
    unsigned char id[EVP_MAX_MD_SIZE];
    unsigned int  n;

    return X509_digest(x, fmt_md_sha1(), id, &n) && PKCS12_add_localkeyid(bag, id, (int)n);
}

static bool
name_bag(PKCS12_SAFEBAG *bag, const char *name)
{
    return name == NULL || PKCS12_add_friendlyname_utf8(bag, name, -1);
}

/* key_cert[k]: the certificate of key k or -1; a certificate goes to one key at most. */
static int *
pair_keys(const struct fmt_contents *c, int **ret_cert_key)
{
    int *key_cert = malloc(sizeof(int) * (size_t)(c->n_keys + 1));
    int *cert_key = malloc(sizeof(int) * (size_t)(c->n_certs + 1));
    int  i, ci;

    if (key_cert == NULL || cert_key == NULL) {
        free(key_cert);
        free(cert_key);
        return NULL;
    }
    for (i = 0; i < c->n_certs; i++)
        cert_key[i] = -1;
    for (i = 0; i < c->n_keys; i++) {
        ci = fmt_contents_cert_for(c, c->keys[i].pkey);
        key_cert[i] = ci >= 0 && cert_key[ci] < 0 ? ci : -1;
        if (key_cert[i] >= 0)
            cert_key[ci] = i;
    }
    *ret_cert_key = cert_key;
    return key_cert;
}

static bool
cert_bags(const struct fmt_contents *c, const int *cert_key, STACK_OF(PKCS12_SAFEBAG) * *bags)
{
    PKCS12_SAFEBAG *bag;
    int             i;

    for (i = 0; i < c->n_certs; i++) {
        if ((bag = PKCS12_add_cert(bags, c->certs[i].x)) == NULL || !name_bag(bag, c->certs[i].name)
            || (cert_key[i] >= 0 && !add_keyid(bag, c->certs[i].x)))
            return false;
    }
    return true;
}

static bool
key_bags(const struct fmt_contents *c, const int *key_cert, int key_nid, const char *pass,
    STACK_OF(PKCS12_SAFEBAG) * *bags)
{
    PKCS12_SAFEBAG *bag;
    int             i;

    for (i = 0; i < c->n_keys; i++) {
        bag = PKCS12_add_key_ex(
            bags, c->keys[i].pkey, 0, PKCS12_DEFAULT_ITER, key_nid, pass, fmt_libctx(), NULL);
        if (bag == NULL || !name_bag(bag, c->keys[i].name)
            || (key_cert[i] >= 0 && !add_keyid(bag, c->certs[key_cert[i]].x)))
            return false;
    }
    return true;
}

/* The safes of c: one of certificates (encrypted with nid, or plain for -1), one of keys. */
static STACK_OF(PKCS7) * build_safes(const struct fmt_contents *c, int nid, const char *pass)
{
    STACK_OF(PKCS12_SAFEBAG) *certs = NULL, *keys = NULL;
    STACK_OF(PKCS7) *safes = NULL;
    int *key_cert, *cert_key = NULL;
    bool ok;

    if ((key_cert = pair_keys(c, &cert_key)) == NULL)
        return NULL;
    ok = cert_bags(c, cert_key, &certs) && key_bags(c, key_cert, nid, pass, &keys);
    if (ok && certs != NULL)
        ok = PKCS12_add_safe_ex(&safes, certs, nid, PKCS12_DEFAULT_ITER, pass, fmt_libctx(), NULL);
    if (ok && keys != NULL)
        ok = PKCS12_add_safe_ex(&safes, keys, -1, PKCS12_DEFAULT_ITER, pass, fmt_libctx(), NULL);
    sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
    sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
    free(key_cert);
    free(cert_key);
    if (!ok) {
        sk_PKCS7_pop_free(safes, PKCS7_free);
        return NULL;
    }
    return safes;
}

/*
 * PFX ::= SEQUENCE { INTEGER 3, ContentInfo { data, [0] { OCTET STRING { safes } } } },
 * written into out without a MAC.
 */
static int
frame_unmacced(STACK_OF(PKCS7) * safes, struct secbuf *out)
{
    const ASN1_ITEM *it = ASN1_ITEM_rptr(PKCS12_AUTHSAFES);
    uint8_t          h_oct[8], h_exp[8], h_ci[8], h_pfx[8], *p;
    size_t           n_oct, n_exp, n_ci, n_pfx, total;
    int              n = ASN1_item_i2d((const ASN1_VALUE *)safes, NULL, it);
    int              rc;

    if (n <= 0)
        return okra_fail(-ENOMEM, "cannot encode the opened PKCS #12");
    n_oct = der_put_header(h_oct, 0x04, (size_t)n);
    n_exp = der_put_header(h_exp, 0xa0, n_oct + (size_t)n);
    n_ci = der_put_header(h_ci, 0x30, sizeof OID_PKCS7_DATA + n_exp + n_oct + (size_t)n);
    total = 3 + n_ci + sizeof OID_PKCS7_DATA + n_exp + n_oct + (size_t)n;
    n_pfx = der_put_header(h_pfx, 0x30, total);
    out->len = 0;
    if ((rc = secbuf_reserve(out, n_pfx + total)) < 0)
        return rc;
    p = out->p;
    memcpy(p, h_pfx, n_pfx), p += n_pfx;
    memcpy(p, "\x02\x01\x03", 3), p += 3;
    memcpy(p, h_ci, n_ci), p += n_ci;
    memcpy(p, OID_PKCS7_DATA, sizeof OID_PKCS7_DATA), p += sizeof OID_PKCS7_DATA;
    memcpy(p, h_exp, n_exp), p += n_exp;
    memcpy(p, h_oct, n_oct), p += n_oct;
    if (ASN1_item_i2d((const ASN1_VALUE *)safes, &p, it) != n)
        return okra_fail(-ENOMEM, "cannot encode the opened PKCS #12");
    out->len = n_pfx + total;
    return 0;
}

int
fmt_contents_opened(const struct fmt_contents *c, struct secbuf *out)
{
    STACK_OF(PKCS7) *safes = build_safes(c, -1, NULL);
    int rc;

    if (safes == NULL) {
        fmt_clear_openssl_errors();
        return okra_fail(-ENOMEM, "cannot build the opened PKCS #12");
    }
    rc = frame_unmacced(safes, out);
    sk_PKCS7_pop_free(safes, fmt_p7_clear_free);
    fmt_clear_openssl_errors();
    return rc;
}

static int
encode_p12(PKCS12 *p12, struct secbuf *out)
{
    int      n = i2d_PKCS12(p12, NULL), rc;
    uint8_t *p;

    if (n <= 0)
        return okra_fail(-ENOMEM, "cannot encode the new PKCS #12");
    out->len = 0;
    if ((rc = secbuf_reserve(out, (size_t)n)) < 0)
        return rc;
    p = out->p;
    i2d_PKCS12(p12, &p);
    out->len = (size_t)n;
    return 0;
}

int
fmt_p12_build(const struct fmt_contents *c, const char *password, bool legacy, struct secbuf *out)
{
    int           nid = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
    const EVP_MD *md = legacy ? fmt_md_sha1() : fmt_md_sha256();
    STACK_OF(PKCS7) *safes = build_safes(c, nid, password);
    PKCS12 *p12 = safes ? PKCS12_add_safes_ex(safes, NID_pkcs7_data, fmt_libctx(), NULL) : NULL;
    int     rc;

    if (p12 == NULL || !PKCS12_set_mac(p12, password, -1, NULL, 0, PKCS12_DEFAULT_ITER, md))
        rc = okra_fail(-ENOMEM, "cannot build the new PKCS #12");
    else
        rc = encode_p12(p12, out);
    PKCS12_free(p12);
    sk_PKCS7_pop_free(safes, fmt_p7_clear_free);
    fmt_clear_openssl_errors();
    return rc;
}

/* Opens what was written, as a recipient would, before anyone relies on it. */
static int
check_written(const struct secbuf *out, const char *password, const struct fmt_contents *src)
{
    struct fmt_contents back;
    int                 rc;

    memset(&back, 0, sizeof back);
    rc = fmt_p12_open(out->p, out->len, password, &back);
    if (rc == 0 && (back.n_keys != src->n_keys || back.n_certs != src->n_certs))
        rc = okra_fail(-EIO, "the new PKCS #12 does not read back as written");
    else if (rc < 0)
        rc = fmt_fail_within(-EIO, "the new PKCS #12 does not read back");
    fmt_contents_free(&back);
    return rc;
}

int
fmt_reexport(const uint8_t *opened, size_t len, const char *new_password, bool legacy,
    struct secbuf *ret_out)
{
    struct fmt_contents c;
    struct secbuf       out = { NULL, 0, 0 };
    const char         *pw = new_password ? new_password : "";
    int                 rc;

    if ((rc = fmt_init()) < 0)
        return rc;
    memset(&c, 0, sizeof c);
    if ((rc = fmt_p12_open(opened, len, NULL, &c)) < 0) {
        fmt_contents_free(&c);
        return fmt_fail_within(rc, "the opened key does not read");
    }
    if (c.n_keys == 0)
        rc = okra_fail(-ENOKEY, "holds no private key (certificates only)");
    if (rc == 0 && (rc = fmt_p12_build(&c, pw, legacy, &out)) == 0
        && (rc = check_written(&out, pw, &c)) == 0) {
        ret_out->len = 0;
        rc = secbuf_append(ret_out, out.p, out.len);
    }
    secbuf_free(&out);
    fmt_contents_free(&c);
    return rc;
}
