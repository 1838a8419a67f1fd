/*
 * pkcs12.c: opening a PKCS #12 (RFC 7292) with its password.
 *
 * The file is framed here and its parts handed to OpenSSL: the authSafe
 * ContentInfo to d2i_PKCS7, each safe to OpenSSL's bag and PBE code. The
 * MAC is checked here, once, before any decryption, for two reasons:
 *   - The password has two "empty" forms (a BMPString terminator 00 00, what
 *     OpenSSL calls ""; and a zero-length string, OpenSSL's NULL), and files
 *     use either. Trying them against the MAC costs one KDF each; trying
 *     them by decrypting would cost every bag's KDFs.
 *   - OpenSSL 3.0 cannot check PBMAC1 (RFC 9579) at all, and later versions
 *     accepted PBMAC1 keys of one byte, which lets anyone forge the MAC
 *     (go-pkcs12's test cites CVE-2026-34181). okra checks PBMAC1 itself
 *     with OpenSSL's PBKDF2 and HMAC, refusing keys under 20 bytes.
 * A password with non-ASCII characters is tried as UTF-8 converted to
 * BMPString (RFC 7292, what Windows and OpenSSL >= 1.1 write), then as each
 * byte cast to a BMP character (what OpenSSL 1.0 wrote; `openssl pkcs12`
 * tries the same fallback).
 */
#include "formats/fmt_internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/hmac.h>
#include <openssl/pkcs12.h>

#include "common/err.h"

struct p12_frame {
    PKCS7         *ci; /* the authSafe ContentInfo */
    const uint8_t *mac; /* the MacData SEQUENCE, or NULL */
    size_t         mac_len;
};

/* One way of presenting the password to OpenSSL. */
struct p12_pass {
    const char *p;
    int         len;
};

#define DAMAGED "damaged or truncated PKCS #12: "

static int
frame_mac(const uint8_t *q, const uint8_t *end, bool indef, struct p12_frame *f)
{
    struct der_tlv t;

    if (q == end || (indef && end - q >= 2 && q[0] == 0 && q[1] == 0))
        return 0;
    if (der_header(q, (size_t)(end - q), &t) < 0 || t.tag != 0x30 || t.indef
        || t.len > (size_t)(end - q) - t.hdr)
        return okra_fail(-EINVAL, DAMAGED "its MAC data does not parse");
    f->mac = q;
    f->mac_len = t.hdr + t.len;
    return 0;
}

/* PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData MacData OPTIONAL } */
static int
p12_frame(const uint8_t *data, size_t len, struct p12_frame *f)
{
    struct der_tlv       outer, ver;
    const uint8_t       *p, *end;
    const unsigned char *q;

    memset(f, 0, sizeof f[0]);
    if (der_header(data, len, &outer) < 0 || outer.tag != 0x30)
        return okra_fail(-EINVAL, "not a PKCS #12 file");
    p = data + outer.hdr;
    if (!outer.indef && outer.len > len - outer.hdr)
        return okra_fail(-EINVAL, DAMAGED "%zu bytes of %zu are missing",
            outer.hdr + outer.len - len, outer.hdr + outer.len);
    end = outer.indef ? data + len : p + outer.len;
    if (der_header(p, (size_t)(end - p), &ver) < 0 || ver.tag != 0x02 || ver.len != 1
        || (size_t)(end - p) < 3 || p[2] != 3)
        return okra_fail(-EINVAL, "not a PKCS #12 file (no version 3)");
    p += 3;
    q = p;
    if (end - p > LONG_MAX || (f->ci = d2i_PKCS7(NULL, &q, (long)(end - p))) == NULL)
        return okra_fail(-EINVAL, DAMAGED "its content does not parse");
    if (PKCS7_type_is_signed(f->ci))
        return okra_fail(-EINVAL,
            "uses public-key integrity mode (a signed PKCS #12), "
            "which okra does not support");
    if (!PKCS7_type_is_data(f->ci) || f->ci->d.data == NULL)
        return okra_fail(-EINVAL, DAMAGED "it holds no content");
    return frame_mac(q, end, outer.indef, f);
}

/* The MacData fields: the DigestInfo, the salt and the iteration count. */
struct p12_macdata {
    X509_SIG      *digest_info;
    const uint8_t *salt;
    size_t         salt_len;
    long           iter;
};

static int
parse_iterations(const uint8_t *p, size_t n, long *iter)
{
    size_t i;
    long   v = 0;

    if (n == 0 || n > 4 || (p[0] & 0x80))
        return -1;
    for (i = 0; i < n; i++)
        v = (v << 8) | p[i];
    *iter = v;
    return 0;
}

/* A MacData that fails after its DigestInfo parsed leaves nothing for the caller to free. */
static int
macdata_fail(struct p12_macdata *m, const char *why)
{
    X509_SIG_free(m->digest_info);
    m->digest_info = NULL;
    return okra_fail(-EINVAL, "%s", why);
}

static int
parse_macdata(const struct p12_frame *f, struct p12_macdata *m)
{
    struct der_tlv       seq, t;
    const uint8_t       *p = f->mac, *end = f->mac + f->mac_len;
    const unsigned char *q;

    memset(m, 0, sizeof *m);
    m->iter = 1;
    der_header(p, f->mac_len, &seq);
    p += seq.hdr;
    q = p;
    if ((m->digest_info = d2i_X509_SIG(NULL, &q, (long)(end - p))) == NULL)
        return okra_fail(-EINVAL, DAMAGED "its MAC does not parse");
    p = q;
    if (der_header(p, (size_t)(end - p), &t) < 0 || t.tag != 0x04 || t.indef
        || t.len > (size_t)(end - p) - t.hdr)
        return macdata_fail(m, DAMAGED "its MAC salt does not parse");
    m->salt = p + t.hdr;
    m->salt_len = t.len;
    p += t.hdr + t.len;
    if (p < end
        && (der_header(p, (size_t)(end - p), &t) < 0 || t.tag != 0x02 || t.indef
            || t.len > (size_t)(end - p) - t.hdr
            || parse_iterations(p + t.hdr, t.len, &m->iter) < 0))
        return macdata_fail(m, DAMAGED "its MAC iteration count does not parse");
    return 0;
}

static int
check_mac_iterations(long iter)
{
    if (iter < 1)
        return okra_fail(-EINVAL, DAMAGED "its MAC has an iteration count of %ld", iter);
    if (iter > FMT_MAX_ITERATIONS)
        return okra_fail(-EINVAL, "its MAC asks %ld iterations, over okra's limit of %d", iter,
            FMT_MAX_ITERATIONS);
    return 0;
}

static int
hmac_equal(const char *mdname, const uint8_t *key, size_t key_len, const ASN1_OCTET_STRING *data,
    const ASN1_OCTET_STRING *expect)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t        n = 0;
    int           ok;

    if (EVP_Q_mac(fmt_libctx(), "HMAC", NULL, mdname, NULL, key, key_len,
            ASN1_STRING_get0_data(data), (size_t)ASN1_STRING_length(data), mac, sizeof mac, &n)
        == NULL)
        return okra_fail(-EINVAL, "its MAC cannot be computed here (HMAC-%s)", mdname);
    ok = n == (size_t)ASN1_STRING_length(expect)
        && CRYPTO_memcmp(mac, ASN1_STRING_get0_data(expect), n) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    return ok;
}

/* The RFC 7292 MAC: a key from the PKCS #12 KDF (ID 3) over the BMPString password. */
static int
legacy_mac(
    const struct p12_frame *f, const struct p12_macdata *m, int md_nid, const struct p12_pass *pw)
{
    unsigned char            key[EVP_MAX_MD_SIZE];
    const ASN1_OCTET_STRING *expect;
    EVP_MD                  *owned = NULL;
    const EVP_MD            *md;
    int                      size, rc;

    md = md_nid == NID_sha1    ? fmt_md_sha1()
        : md_nid == NID_sha256 ? fmt_md_sha256()
                               : (owned = EVP_MD_fetch(fmt_libctx(), OBJ_nid2sn(md_nid), NULL));
    if (md == NULL || (size = EVP_MD_get_size(md)) <= 0) {
        fmt_clear_openssl_errors();
        return okra_fail(
            -EINVAL, "uses MAC digest %s, which okra does not support", OBJ_nid2ln(md_nid));
    }
    X509_SIG_get0(m->digest_info, NULL, &expect);
    if (!PKCS12_key_gen_utf8_ex(pw->p, pw->len, (unsigned char *)m->salt, (int)m->salt_len,
            PKCS12_MAC_ID, (int)m->iter, size, key, md, fmt_libctx(), NULL))
        rc = okra_fail(-EINVAL, "its MAC key cannot be derived (%s)", OBJ_nid2ln(md_nid));
    else
        rc = hmac_equal(EVP_MD_get0_name(md), key, (size_t)size, f->ci->d.data, expect);
    OPENSSL_cleanse(key, sizeof key);
    EVP_MD_free(owned);
    return rc;
}

/* PBMAC1's parameters: PBKDF2 (salt, iterations, key length, PRF) and the HMAC. */
struct pbmac1 {
    PBKDF2PARAM *kdf;
    const char  *prf_md;
    const char  *mac_md;
    int          mac_nid;
    long         key_len;
};

static int
pbmac1_params(const X509_ALGOR *alg, struct pbmac1 *pb)
{
    STACK_OF(X509_ALGOR) *parts
        = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGORS), alg->parameter);
    const X509_ALGOR *kdf, *mac;
    int               rc = 0;

    memset(pb, 0, sizeof *pb);
    if (parts == NULL || sk_X509_ALGOR_num(parts) != 2) {
        sk_X509_ALGOR_pop_free(parts, X509_ALGOR_free);
        return okra_fail(-EINVAL, DAMAGED "its PBMAC1 parameters do not parse");
    }
    kdf = sk_X509_ALGOR_value(parts, 0);
    mac = sk_X509_ALGOR_value(parts, 1);
    pb->mac_nid = OBJ_obj2nid(mac->algorithm);
    pb->mac_md = fmt_hmac_digest(pb->mac_nid);
    if (OBJ_obj2nid(kdf->algorithm) != NID_id_pbkdf2)
        rc = okra_fail(-EINVAL,
            "uses PBMAC1 with a key derivation other than PBKDF2, which "
            "okra does not support");
    else if ((pb->kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), kdf->parameter))
        == NULL)
        rc = okra_fail(-EINVAL, DAMAGED "its PBMAC1 key derivation does not parse");
    else if (pb->mac_md == NULL)
        rc = okra_fail(-EINVAL, "uses PBMAC1 with MAC %s, which okra does not support",
            OBJ_nid2sn(OBJ_obj2nid(mac->algorithm)));
    sk_X509_ALGOR_pop_free(parts, X509_ALGOR_free);
    return rc;
}

/* RFC 9579 wants the key length stated, and a key too short makes the MAC forgeable. */
static int
pbmac1_check(struct pbmac1 *pb)
{
    const PBKDF2PARAM *k = pb->kdf;
    int                rc;

    if (k->keylength == NULL)
        return okra_fail(-EINVAL,
            "uses PBMAC1 without a PBKDF2 key length, refused "
            "(RFC 9579 requires one)");
    pb->key_len = ASN1_INTEGER_get(k->keylength);
    if (pb->key_len < 20)
        return okra_fail(-EINVAL,
            "uses PBMAC1 with a %ld-byte key, refused (RFC 9579 requires "
            "at least 20)",
            pb->key_len);
    if (pb->key_len > 512)
        return okra_fail(
            -EINVAL, "uses PBMAC1 with a %ld-byte key, over okra's limit of 512", pb->key_len);
    pb->prf_md = fmt_hmac_digest(k->prf ? OBJ_obj2nid(k->prf->algorithm) : NID_hmacWithSHA1);
    if (pb->prf_md == NULL)
        return okra_fail(-EINVAL, "uses PBMAC1 with a PBKDF2 PRF okra does not support");
    if (k->salt == NULL || k->salt->type != V_ASN1_OCTET_STRING)
        return okra_fail(-EINVAL, DAMAGED "its PBMAC1 salt is not an OCTET STRING");
    if ((rc = fmt_check_iterations(k->iter, "its PBMAC1")) < 0)
        return rc;
    return 0;
}

/* RFC 9579: HMAC under a PBKDF2 key from the password's UTF-8 bytes (no BMPString). */
static int
pbmac1_verify(const struct p12_frame *f, const struct p12_macdata *m, const struct p12_pass *pw,
    char *name, size_t name_size, struct fmt_kdf_budget *b)
{
    const ASN1_OCTET_STRING *expect, *salt;
    const X509_ALGOR        *alg;
    struct pbmac1            pb;
    unsigned char            key[512];
    EVP_MD                  *prf = NULL;
    int                      rc;

    X509_SIG_get0(m->digest_info, &alg, &expect);
    if ((rc = pbmac1_params(alg, &pb)) == 0 && (rc = pbmac1_check(&pb)) == 0 &&
        (rc = fmt_kdf_charge_rounds(b, (uint64_t)ASN1_INTEGER_get(pb.kdf->iter), "its PBMAC1")) == 0) {
        snprintf(name, name_size, "MAC PBMAC1 %s", fmt_hmac_name(pb.mac_nid));
        salt = pb.kdf->salt->value.octet_string;
        prf = EVP_MD_fetch(fmt_libctx(), pb.prf_md, NULL);
        if (prf == NULL
            || !PKCS5_PBKDF2_HMAC(pw->p ? pw->p : "", pw->len, ASN1_STRING_get0_data(salt),
                ASN1_STRING_length(salt), (int)ASN1_INTEGER_get(pb.kdf->iter), prf, (int)pb.key_len,
                key))
            rc = okra_fail(-EINVAL, "its PBMAC1 key cannot be derived here");
        else
            rc = hmac_equal(pb.mac_md, key, (size_t)pb.key_len, f->ci->d.data, expect);
        OPENSSL_cleanse(key, sizeof key);
    }
    EVP_MD_free(prf);
    PBKDF2PARAM_free(pb.kdf);
    return rc;
}

/* Checks the MAC under pw: 1 verifies, 0 does not, <0 cannot be checked (reason set). */
static int
mac_verify(const struct p12_frame *f, const struct p12_macdata *m, const struct p12_pass *pw,
    char *name, size_t name_size, struct fmt_kdf_budget *b)
{
    const X509_ALGOR *alg;
    int               nid;

    X509_SIG_get0(m->digest_info, &alg, NULL);
    nid = OBJ_obj2nid(alg->algorithm);
    if (nid == NID_pbmac1) {
        snprintf(name, name_size, "MAC PBMAC1");
        return pbmac1_verify(f, m, pw, name, name_size, b);
    }
    snprintf(name, name_size, "MAC %s",
        nid == NID_sha1         ? "SHA-1"
            : nid == NID_sha256 ? "SHA-256"
                                : OBJ_nid2sn(nid));
    if (check_mac_iterations(m->iter) < 0 || fmt_kdf_charge_rounds(b, (uint64_t)m->iter, "its MAC") < 0)
        return -EINVAL;
    return legacy_mac(f, m, nid, pw);
}

static bool
non_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80)
            return true;
    }
    return false;
}

/*
 * The password forms to try, in order: for the empty password both empty
 * forms; otherwise UTF-8, then (non-ASCII only) OpenSSL 1.0's byte cast.
 * *owned receives an allocation the caller clear-frees.
 */
static int
password_forms(const char *password, struct p12_pass forms[2], char **owned)
{
    unsigned char *uni;
    int            unilen;

    *owned = NULL;
    if (password == NULL || *password == '\0') {
        forms[0] = (struct p12_pass) { NULL, 0 };
        forms[1] = (struct p12_pass) { "", 0 };
        return 2;
    }
    forms[0] = (struct p12_pass) { password, (int)strlen(password) };
    if (!non_ascii(password))
        return 1;
    uni = OPENSSL_asc2uni(password, -1, NULL, &unilen);
    *owned = uni ? OPENSSL_uni2utf8(uni, unilen) : NULL;
    OPENSSL_clear_free(uni, (size_t)unilen);
    if (*owned == NULL)
        return 1;
    forms[1] = (struct p12_pass) { *owned, (int)strlen(*owned) };
    return 2;
}

/* Picks the form the MAC verifies under; *which is its index, name the MAC's. */
static int
mac_pick(const struct p12_frame *f, const struct p12_pass *forms, int n, int *which, char *name,
    size_t name_size, struct fmt_kdf_budget *b)
{
    struct p12_macdata m;
    int                i, rc = 0;

    if ((rc = parse_macdata(f, &m)) == 0) {
        for (i = 0; i < n; i++) {
            /* PBMAC1 reads the password as UTF-8 bytes: both empty forms are one. */
            if ((rc = mac_verify(f, &m, &forms[i], name, name_size, b)) != 0)
                break;
        }
        if (rc == 1)
            *which = i;
        else if (rc == 0)
            rc = okra_fail(-EBADMSG, "wrong password (the MAC does not verify)");
    }
    X509_SIG_free(m.digest_info);
    return rc < 0 ? rc : 0;
}

/* ---- the contents ---- */

/*
 * A friendly name as UTF-8. Not OPENSSL_uni2utf8: OpenSSL 3.0 gives the last
 * character only the bytes left in the input, so a name ending in a
 * character of three UTF-8 bytes ("\u263a", pyca's vector) comes back NULL.
 */
static char *
friendly_name(const PKCS12_SAFEBAG *bag)
{
    const ASN1_TYPE     *t = PKCS12_SAFEBAG_get0_attr(bag, NID_friendlyName);
    const unsigned char *p;
    char                *out, *o;
    unsigned long        cp, lo;
    int                  n, i;

    if (t == NULL || t->type != V_ASN1_BMPSTRING)
        return t && t->type == V_ASN1_UTF8STRING ? OPENSSL_strndup(
                   (const char *)t->value.utf8string->data, (size_t)t->value.utf8string->length)
                                                 : NULL;
    p = t->value.bmpstring->data;
    n = t->value.bmpstring->length & ~1;
    if ((out = o = OPENSSL_malloc((size_t)n * 2 + 1)) == NULL)
        return NULL;
    for (i = 0; i < n; i += 2) {
        cp = (unsigned long)p[i] << 8 | p[i + 1];
        if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < n
            && (lo = (unsigned long)p[i + 2] << 8 | p[i + 3]) >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        } else if (cp >= 0xd800 && cp < 0xe000) {
            cp = 0xfffd;
        }
        if (cp == 0) /* some producers store the BMPString's terminator */
            break;
        o += UTF8_putc((unsigned char *)o, 4, cp);
    }
    *o = '\0';
    return out;
}

struct p12_read {
    const struct p12_pass *pw;
    bool                   mac_ok;
    struct fmt_contents   *c;
    bool                  *decrypted; /* set once a part decrypted with this password */
};

static int
decrypt_failed(const struct p12_read *r, const char *what)
{
    fmt_clear_openssl_errors();
    if (r->mac_ok)
        return okra_fail(-EBADMSG,
            "the MAC verifies but %s does not decrypt with this password "
            "(was it exported with a second password?)",
            what);
    /* no MAC to say which password is right, but part of the file opened with this one */
    if (*r->decrypted)
        return okra_fail(-EBADMSG,
            "%s does not decrypt with the password that decrypted the rest of the file "
            "(a second password, or a damaged file; it has no MAC to tell)",
            what);
    return okra_fail(-EBADMSG, "wrong password or damaged file");
}

static int
add_pkey(const struct p12_read *r, const PKCS8_PRIV_KEY_INFO *p8, const PKCS12_SAFEBAG *bag)
{
    EVP_PKEY          *pkey = EVP_PKCS82PKEY_ex(p8, fmt_libctx(), NULL);
    const ASN1_OBJECT *obj;
    char               oid[80];

    if (pkey == NULL) {
        fmt_clear_openssl_errors();
        if (!PKCS8_pkey_get0(&obj, NULL, NULL, NULL, p8))
            return okra_fail(-EINVAL, DAMAGED "a private key does not parse");
        OBJ_obj2txt(oid, sizeof oid, obj, 0);
        return okra_fail(-EINVAL, "holds a private key of type %s, which OpenSSL cannot read", oid);
    }
    return fmt_contents_add_key(r->c, pkey, friendly_name(bag));
}

static int
shrouded_key(const struct p12_read *r, const PKCS12_SAFEBAG *bag)
{
    const X509_ALGOR    *alg;
    PKCS8_PRIV_KEY_INFO *p8;
    char                 name[96];
    int                  rc;

    X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
    if ((rc = fmt_pbe_check(alg, name, sizeof name, &r->c->kdf)) < 0)
        return rc;
    fmt_contents_add_alg(r->c, name);
    p8 = PKCS12_decrypt_skey_ex(bag, r->pw->p, r->pw->len, fmt_libctx(), NULL);
    if (p8 == NULL)
        return decrypt_failed(r, "the private key");
    *r->decrypted = true;
    rc = add_pkey(r, p8, bag);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return rc;
}

static int
cert_bag(const struct p12_read *r, const PKCS12_SAFEBAG *bag)
{
    X509 *x;

    /* SDSI certificates (the other certBag type) are not X.509: nothing to record. */
    if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate)
        return 0;
    if ((x = PKCS12_SAFEBAG_get1_cert(bag)) == NULL) {
        fmt_clear_openssl_errors();
        return okra_fail(-EINVAL, DAMAGED "a certificate does not parse");
    }
    return fmt_contents_add_cert(r->c, x, friendly_name(bag));
}

static int
read_bags(const struct p12_read *r, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth)
{
    const PKCS12_SAFEBAG *bag;
    int                   i, rc = 0;

    if (depth > FMT_MAX_NESTING)
        return okra_fail(-EINVAL, DAMAGED "its bags nest more than %d deep", FMT_MAX_NESTING);
    for (i = 0; rc == 0 && i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        bag = sk_PKCS12_SAFEBAG_value(bags, i);
        switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_keyBag:
            fmt_contents_add_alg(r->c, "unencrypted key");
            rc = add_pkey(r, PKCS12_SAFEBAG_get0_p8inf(bag), bag);
            break;
        case NID_pkcs8ShroudedKeyBag:
            rc = shrouded_key(r, bag);
            break;
        case NID_certBag:
            rc = cert_bag(r, bag);
            break;
        case NID_safeContentsBag:
            rc = read_bags(r, PKCS12_SAFEBAG_get0_safes(bag), depth + 1);
            break;
        default: /* CRLs and secrets are kept in the sealed original only */
            break;
        }
    }
    return rc;
}

void
fmt_p7_clear_free(PKCS7 *p7)
{
    ASN1_OCTET_STRING *d = PKCS7_type_is_data(p7) ? p7->d.data : NULL;

    if (d != NULL)
        OPENSSL_cleanse((void *)ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
    PKCS7_free(p7);
}

static STACK_OF(PKCS12_SAFEBAG) * open_safe(const struct p12_read *r, PKCS7 *p7, int *rc)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    char name[96];

    *rc = 0;
    if (PKCS7_type_is_data(p7)) {
        if (p7->d.data == NULL || (bags = PKCS12_unpack_p7data(p7)) == NULL)
            *rc = okra_fail(-EINVAL, DAMAGED "a part of it does not parse");
    } else if (PKCS7_type_is_encrypted(p7)) {
        if (p7->d.encrypted == NULL || p7->d.encrypted->enc_data == NULL
            || p7->d.encrypted->enc_data->enc_data == NULL)
            *rc = okra_fail(-EINVAL, DAMAGED "an encrypted part has no content");
        else if ((*rc = fmt_pbe_check(p7->d.encrypted->enc_data->algorithm, name, sizeof name,
                      &r->c->kdf))
            == 0) {
            fmt_contents_add_alg(r->c, name);
            if ((bags = PKCS12_unpack_p7encdata(p7, r->pw->p, r->pw->len)) == NULL)
                *rc = decrypt_failed(r, "the certificates");
            else
                *r->decrypted = true;
        }
    } else if (PKCS7_type_is_enveloped(p7)) {
        *rc = okra_fail(-EINVAL,
            "uses public-key privacy mode (an enveloped safe), which okra "
            "does not support");
    } else {
        *rc = okra_fail(-EINVAL, DAMAGED "a part of unknown type");
    }
    return bags;
}

static int
read_safes(STACK_OF(PKCS7) * safes, const struct p12_read *r)
{
    STACK_OF(PKCS12_SAFEBAG) * bags;
    int i, rc = 0;

    for (i = 0; rc == 0 && i < sk_PKCS7_num(safes); i++) {
        bags = open_safe(r, sk_PKCS7_value(safes, i), &rc);
        if (rc == 0)
            rc = read_bags(r, bags, 0);
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    return rc;
}

/* Without a MAC, the password form is the one the encrypted parts decrypt under. */
static int
read_unmacced(STACK_OF(PKCS7) * safes, const struct p12_pass *forms, int n, struct fmt_contents *c)
{
    bool            decrypted = false;
    struct p12_read r = { NULL, false, c, &decrypted };
    int             i, rc = -EBADMSG;

    for (i = 0; i < n && rc == -EBADMSG; i++) {
        fmt_contents_free(c);
        r.pw = &forms[i];
        decrypted = false;
        rc = read_safes(safes, &r);
    }
    fmt_contents_add_alg(c, "no MAC");
    return rc;
}

/*
 * The safes, parsed before the MAC is checked: it costs no cryptography, and
 * a file whose structure is broken is then called damaged, not a wrong password.
 */
static STACK_OF(PKCS7) * unpack_safes(const struct p12_frame *f, int *rc)
{
    STACK_OF(PKCS7) *safes = ASN1_item_unpack(f->ci->d.data, ASN1_ITEM_rptr(PKCS12_AUTHSAFES));

    *rc = 0;
    if (safes == NULL)
        *rc = okra_fail(-EINVAL, DAMAGED "its contents do not parse");
    else if (sk_PKCS7_num(safes) == 0)
        *rc = okra_fail(-EINVAL, DAMAGED "it holds no content");
    return safes;
}

/*
 * What the file will ask before any of it is derived: its MAC, each encrypted
 * part, each shrouded key in a plain part, charged to a scratch copy of the
 * budget. A file whose visible parts together ask too much is refused at
 * once, not after minutes of rounds; the real charges come as each runs.
 */
static int
estimate_cost(const struct p12_frame *f, STACK_OF(PKCS7) * safes, const struct fmt_contents *c)
{
    struct fmt_kdf_budget scratch = c->kdf;
    struct p12_macdata    m;
    char                  name[96];
    int                   i, j, rc = 0;

    if (f->mac != NULL && parse_macdata(f, &m) == 0) {
        const X509_ALGOR *alg;

        X509_SIG_get0(m.digest_info, &alg, NULL);
        if (OBJ_obj2nid(alg->algorithm) != NID_pbmac1)
            rc = fmt_kdf_charge_rounds(&scratch, (uint64_t)(m.iter > 0 ? m.iter : 1), "its MAC");
        X509_SIG_free(m.digest_info);
    }
    for (i = 0; rc == 0 && i < sk_PKCS7_num(safes); i++) {
        PKCS7                    *p7 = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags;

        if (PKCS7_type_is_encrypted(p7) && p7->d.encrypted && p7->d.encrypted->enc_data)
            rc = fmt_pbe_check(p7->d.encrypted->enc_data->algorithm, name, sizeof name, &scratch);
        else if (PKCS7_type_is_data(p7) && p7->d.data && (bags = PKCS12_unpack_p7data(p7))) {
            for (j = 0; rc == 0 && j < sk_PKCS12_SAFEBAG_num(bags); j++) {
                const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, j);
                const X509_ALGOR     *alg;

                if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag)
                    continue;
                X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
                rc = fmt_pbe_check(alg, name, sizeof name, &scratch);
            }
            sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        }
    }
    fmt_clear_openssl_errors();
    return rc;
}

static int
open_framed(const struct p12_frame *f, const struct p12_pass *forms, int n, struct fmt_contents *c)
{
    STACK_OF(PKCS7) * safes;
    struct p12_read r;
    bool            decrypted = false;
    char            mac[64];
    int             which = 0, rc;

    safes = unpack_safes(f, &rc);
    if (rc == 0)
        rc = estimate_cost(f, safes, c);
    if (rc == 0 && f->mac == NULL)
        rc = read_unmacced(safes, forms, n, c);
    else if (rc == 0 && (rc = mac_pick(f, forms, n, &which, mac, sizeof mac, &c->kdf)) == 0) {
        r = (struct p12_read) { &forms[which], true, c, &decrypted };
        rc = read_safes(safes, &r);
        fmt_contents_add_alg(c, mac);
    }
    sk_PKCS7_pop_free(safes, fmt_p7_clear_free);
    return rc;
}

int
fmt_p12_open(const uint8_t *data, size_t len, const char *password, struct fmt_contents *c)
{
    struct p12_frame f;
    struct p12_pass  forms[2];
    char            *owned;
    int              n, rc;

    n = password_forms(password, forms, &owned);
    if ((rc = p12_frame(data, len, &f)) == 0)
        rc = open_framed(&f, forms, n, c);
    if (f.ci != NULL)
        fmt_p7_clear_free(f.ci);
    if (owned != NULL)
        OPENSSL_clear_free(owned, strlen(owned));
    fmt_clear_openssl_errors();
    return rc;
}
