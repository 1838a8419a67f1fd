/*
 * certinfo.c: what the manifest records of a certificate and a key.
 *
 * Everything here is public. Names are printed in RFC 2253 order (most
 * specific first, as Windows shows them) with ", " between RDNs and UTF-8
 * kept as UTF-8; control characters are escaped by OpenSSL, and a name that
 * is not valid UTF-8 falls back to escaped bytes, so what reaches a manifest
 * or a terminal is always printable text.
 */
#include "formats/fmt_internal.h"
#include "common/hex.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/err.h"

#define NAME_MAX_BYTES 2048 /* a longer DN is cut, with "..." */

static void
ec_describe(const EVP_PKEY *pkey, char type[32])
{
    char        enc[32], group[64];
    size_t      n;
    const char *nist;

    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof enc, &n)
        && strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0) {
        snprintf(type, 32, "EC explicit");
        return;
    }
    if (!EVP_PKEY_get_group_name(pkey, group, sizeof group, &n)) {
        snprintf(type, 32, "EC explicit");
        return;
    }
    nist = EC_curve_nid2nist(OBJ_sn2nid(group));
    snprintf(type, 32, "EC %.28s", nist ? nist : group);
}

void
fmt_key_describe(const EVP_PKEY *pkey, char type[32], int *bits)
{
    const char *name;

    *bits = EVP_PKEY_get_bits(pkey);
    if (EVP_PKEY_is_a(pkey, "RSA"))
        snprintf(type, 32, "RSA");
    else if (EVP_PKEY_is_a(pkey, "RSA-PSS"))
        snprintf(type, 32, "RSA-PSS");
    else if (EVP_PKEY_is_a(pkey, "EC"))
        ec_describe(pkey, type);
    else if (EVP_PKEY_is_a(pkey, "DSA"))
        snprintf(type, 32, "DSA");
    else if (EVP_PKEY_is_a(pkey, "ED25519")) {
        /* OpenSSL says 253 (the group order's size); the key itself is 256 bits. */
        snprintf(type, 32, "Ed25519");
        *bits = 256;
    } else if (EVP_PKEY_is_a(pkey, "ED448")) {
        snprintf(type, 32, "Ed448");
        *bits = 456;
    } else {
        name = EVP_PKEY_get0_type_name(pkey);
        snprintf(type, 32, "%s", name ? name : "unknown");
    }
    if (*bits < 0)
        *bits = 0;
}

/* Cuts s (of n bytes) to at most max bytes at a UTF-8 boundary, marking the cut. */
static char *
bounded_copy(const char *s, size_t n, size_t max)
{
    bool  cut = n > max;
    char *out;

    if (cut) {
        n = max - 3;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    if ((out = malloc(n + 4)) == NULL)
        return NULL;
    memcpy(out, s, n);
    memcpy(out + n, cut ? "..." : "", cut ? 4 : 1);
    return out;
}

static bool
print_name(BIO *b, const X509_NAME *nm, unsigned long str_flags)
{
    unsigned long flags = str_flags | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_DN_REV | XN_FLAG_FN_SN
        | XN_FLAG_DUMP_UNKNOWN_FIELDS;

    return X509_NAME_print_ex(b, nm, 0, flags) >= 0;
}

static char *
name_string(const X509_NAME *nm)
{
    BIO  *b = BIO_new(BIO_s_mem());
    char *p = NULL, *out = NULL;
    long  n;

    if (b == NULL)
        return NULL;
    /* UTF-8 as UTF-8; if some string is not valid UTF-8, escape every high byte instead. */
    if (!print_name(b, nm, ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)) {
        (void)BIO_reset(b);
        if (!print_name(b, nm, ASN1_STRFLGS_RFC2253))
            (void)BIO_reset(b);
    }
    n = BIO_get_mem_data(b, &p);
    out = bounded_copy(n > 0 ? p : "", n > 0 ? (size_t)n : 0, NAME_MAX_BYTES);
    BIO_free(b);
    return out;
}

static int
serial_hex(const X509 *x, char *out, size_t size)
{
    BIGNUM     *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char       *hex = bn ? BN_bn2hex(bn) : NULL;
    const char *digits;
    size_t      o = 0, i;

    BN_free(bn);
    if (hex == NULL)
        return -1;
    digits = hex;
    if (*digits == '-')
        out[o++] = *digits++;
    while (digits[0] == '0' && digits[1] != '\0')
        digits++;
    for (i = 0; digits[i] != '\0' && o + 1 < size; i++)
        out[o++] = (char)tolower((unsigned char)digits[i]);
    out[o] = '\0';
    OPENSSL_free(hex);
    return 0;
}

static void
rfc3339(const ASN1_TIME *t, char out[32])
{
    struct tm tm;

    out[0] = '\0';
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return;
    if (strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

static int
cert_digests(const X509 *x, struct fmt_cert *ret)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int  n;

    if (!X509_digest(x, fmt_md_sha1(), d, &n) || n != 20)
        return -1;
    hex_encode(ret->sha1, d, n);
    if (!X509_digest(x, fmt_md_sha256(), d, &n) || n != 32)
        return -1;
    hex_encode(ret->sha256, d, n);
    return 0;
}

static int
cert_der(X509 *x, struct fmt_cert *ret)
{
    int            n = i2d_X509(x, NULL);
    unsigned char *p;

    if (n <= 0 || (ret->der = malloc((size_t)n)) == NULL)
        return -1;
    p = ret->der;
    i2d_X509(x, &p);
    ret->der_len = (size_t)n;
    return 0;
}

/* keyUsage as names, and whether it allows signing and nothing that keeps data secret. */
static void
key_usage(X509 *x, struct fmt_cert *ret)
{
    static const struct {
        uint32_t    bit;
        const char *name;
    } bits[] = {
        { KU_DIGITAL_SIGNATURE, "digitalSignature" }, { KU_NON_REPUDIATION, "nonRepudiation" },
        { KU_KEY_ENCIPHERMENT, "keyEncipherment" },   { KU_DATA_ENCIPHERMENT, "dataEncipherment" },
        { KU_KEY_AGREEMENT, "keyAgreement" },         { KU_KEY_CERT_SIGN, "keyCertSign" },
        { KU_CRL_SIGN, "cRLSign" },                   { KU_ENCIPHER_ONLY, "encipherOnly" },
        { KU_DECIPHER_ONLY, "decipherOnly" },
    };
    const uint32_t secrecy = KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT | KU_KEY_AGREEMENT;
    const uint32_t signing =
        KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION | KU_KEY_CERT_SIGN | KU_CRL_SIGN;
    uint32_t       ku;
    size_t         i, n = 0;

    /* X509_get_key_usage caches the extensions; UINT32_MAX means there is no keyUsage */
    if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) == 0)
        return;
    ku = X509_get_key_usage(x);
    for (i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (ku & bits[i].bit)
            n += (size_t) snprintf(ret->key_usage + n, sizeof ret->key_usage - n, "%s%s",
                                   n ? ", " : "", bits[i].name);
    ret->signing_only = (ku & signing) != 0 && (ku & secrecy) == 0;
}

int
fmt_cert_fill(X509 *x, struct fmt_cert *ret)
{
    EVP_PKEY *pub;

    memset(ret, 0, sizeof *ret);
    ret->subject = name_string(X509_get_subject_name(x));
    ret->issuer = name_string(X509_get_issuer_name(x));
    if (ret->subject == NULL || ret->issuer == NULL || cert_der(x, ret) < 0) {
        fmt_cert_free(ret);
        return okra_fail(-ENOMEM, "out of memory describing a certificate");
    }
    if (serial_hex(x, ret->serial, sizeof ret->serial) < 0 || cert_digests(x, ret) < 0) {
        fmt_cert_free(ret);
        fmt_clear_openssl_errors();
        return okra_fail(-EINVAL, "damaged: a certificate cannot be re-encoded");
    }
    rfc3339(X509_get0_notBefore(x), ret->not_before);
    rfc3339(X509_get0_notAfter(x), ret->not_after);
    key_usage(x, ret);
    /* A public key of an algorithm OpenSSL does not know still leaves a usable record. */
    if ((pub = X509_get0_pubkey(x)) != NULL)
        fmt_key_describe(pub, ret->key_type, &ret->key_bits);
    else
        snprintf(ret->key_type, sizeof ret->key_type, "unknown");
    fmt_clear_openssl_errors();
    return 0;
}

void
fmt_cert_free(struct fmt_cert *c)
{
    if (c == NULL)
        return;
    free(c->subject);
    free(c->issuer);
    free(c->der);
    memset(c, 0, sizeof *c);
}

void
fmt_info_free(struct fmt_info *info)
{
    if (info == NULL)
        return;
    free(info->friendly_name);
    fmt_cert_free(&info->cert);
    memset(info, 0, sizeof *info);
}

static X509 *
der_cert(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509                *x;

    if (der == NULL || len == 0 || len > LONG_MAX)
        return NULL;
    x = d2i_X509(NULL, &p, (long)len);
    /* Trailing bytes mean this is not exactly one certificate. */
    if (x != NULL && p != der + len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int
fmt_cert_issued_by(const uint8_t *cert, size_t cert_len, const uint8_t *ca, size_t ca_len)
{
    X509     *c = der_cert(cert, cert_len), *a = der_cert(ca, ca_len);
    EVP_PKEY *capub;
    int       rc;

    if (c == NULL || a == NULL) {
        rc = okra_fail(-EINVAL, "not a DER certificate");
    } else if (X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(a)) != 0) {
        rc = 0;
    } else {
        capub = X509_get0_pubkey(a);
        rc = capub != NULL && X509_verify(c, capub) == 1;
    }
    X509_free(c);
    X509_free(a);
    fmt_clear_openssl_errors();
    return rc;
}

static int
no_password(char *buf, int size, int rwflag, void *u)
{
    return 0;
}

int
fmt_load_ca_cert(const uint8_t *data, size_t len, struct fmt_cert *ret)
{
    X509 *x = NULL;
    BIO  *b;
    int   rc;

    if (fmt_init() < 0)
        return -EIO;
    if (len > 0 && data[0] == 0x30) {
        x = der_cert(data, len);
    } else if (len > 0 && len <= INT_MAX && (b = BIO_new_mem_buf(data, (int)len)) != NULL) {
        x = PEM_read_bio_X509(b, NULL, no_password, NULL);
        BIO_free(b);
    }
    fmt_clear_openssl_errors();
    if (x == NULL)
        return okra_fail(-EINVAL, "holds no PEM or DER certificate");
    rc = fmt_cert_fill(x, ret);
    X509_free(x);
    return rc;
}
