/*
 * detect.c: recognising an export file by its first bytes, without OpenSSL.
 *
 * Ingest calls this once for every file on a medium, so it reads headers
 * only: no allocation, no decoding, no decryption. A DER file must have the
 * shape of what it claims to be, child by child, so that a certificate, a
 * CRL or random bytes that happen to start with 0x30 are never taken for a
 * key. The outer length must account for the whole file: fewer bytes is a
 * truncated file; more is accepted only when every extra byte is zero and
 * in view (some copying tools pad to a block), never for bytes we cannot see.
 */
#include "formats/fmt_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Sets the reason a file is not an export file (vsnprintf: a reason may be cut, never overrun). */
static void __attribute__((format(printf, 2, 3)))
set_why(struct fmt_detect *ret, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ret->why, sizeof ret->why, fmt, ap);
    va_end(ap);
}

/* The children of one constructed element, as far as the bytes in view go. */
struct der_iter {
    const uint8_t *p;
    const uint8_t *end;
    bool           stuck; /* an indefinite or cut-off child: no further children in view */
};

struct der_child {
    struct der_tlv t;
    const uint8_t *content;
    size_t         avail; /* content bytes in view */
};

static int
der_next(struct der_iter *it, struct der_child *c)
{
    size_t room;

    if (it->stuck)
        return -1;
    if (it->p >= it->end)
        return 0;
    if (der_header(it->p, (size_t)(it->end - it->p), &c->t) < 0)
        return -1;
    c->content = it->p + c->t.hdr;
    room = (size_t)(it->end - c->content);
    if (c->t.indef || c->t.len > room) {
        c->avail = room;
        it->stuck = true;
    } else {
        c->avail = c->t.len;
        it->p = c->content + c->t.len;
    }
    return 1;
}

static void
der_enter(const struct der_child *c, struct der_iter *it)
{
    it->p = c->content;
    it->end = c->content + c->avail;
    it->stuck = false;
}

static bool
is_small_int(const struct der_child *c, unsigned value)
{
    return c->t.tag == 0x02 && c->t.len == 1 && c->avail == 1 && c->content[0] == value;
}

static const uint8_t OID_PKCS7_PREFIX[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07 };
static const uint8_t OID_PKCS5_PREFIX[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05 };
static const uint8_t OID_PKCS12_PBE_PREFIX[]
    = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01 };

/* The last arc of a 1.2.840.113549.1.7.x (PKCS #7 content type) OID, else -1. */
static int
pkcs7_type(const struct der_child *c)
{
    if (c->t.tag != 0x06 || c->t.len != sizeof OID_PKCS7_PREFIX + 1 || c->avail != c->t.len)
        return -1;
    if (memcmp(c->content, OID_PKCS7_PREFIX, sizeof OID_PKCS7_PREFIX) != 0)
        return -1;
    return c->content[sizeof OID_PKCS7_PREFIX];
}

/* PKCS #5 v1/v2 and PKCS #12 password-based encryption OIDs. */
static bool
is_pbe_oid(const struct der_child *c)
{
    uint8_t last;

    if (c->t.tag != 0x06 || c->avail != c->t.len)
        return false;
    if (c->t.len == sizeof OID_PKCS5_PREFIX + 1
        && memcmp(c->content, OID_PKCS5_PREFIX, sizeof OID_PKCS5_PREFIX) == 0) {
        last = c->content[sizeof OID_PKCS5_PREFIX];
        return last == 1 || last == 3 || last == 4 || last == 6 || last == 10 || last == 11
            || last == 13;
    }
    if (c->t.len == sizeof OID_PKCS12_PBE_PREFIX + 1
        && memcmp(c->content, OID_PKCS12_PBE_PREFIX, sizeof OID_PKCS12_PBE_PREFIX) == 0) {
        last = c->content[sizeof OID_PKCS12_PBE_PREFIX];
        return last >= 1 && last <= 6;
    }
    return false;
}

static bool
first_child_is(const struct der_child *c, uint8_t tag, struct der_child *first)
{
    struct der_iter it;

    der_enter(c, &it);
    return der_next(&it, first) == 1 && first->t.tag == tag;
}

/* PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (data or signedData), ... } */
static bool
shape_pkcs12(struct der_iter it)
{
    struct der_child ver, ci, oid;
    int              type;

    if (der_next(&it, &ver) != 1 || !is_small_int(&ver, 3))
        return false;
    if (der_next(&it, &ci) != 1 || ci.t.tag != 0x30 || !first_child_is(&ci, 0x06, &oid))
        return false;
    type = pkcs7_type(&oid);
    return type == 1 || type == 2;
}

/* PrivateKeyInfo / OneAsymmetricKey: { INTEGER 0|1, AlgorithmIdentifier, OCTET STRING, ... } */
static bool
shape_pkcs8(struct der_iter it)
{
    struct der_child ver, alg, oid, key;

    if (der_next(&it, &ver) != 1 || !(is_small_int(&ver, 0) || is_small_int(&ver, 1)))
        return false;
    if (der_next(&it, &alg) != 1 || alg.t.tag != 0x30 || !first_child_is(&alg, 0x06, &oid))
        return false;
    if (der_next(&it, &key) != 1 || key.t.tag != 0x04 || key.avail == 0)
        return false;
    /* The key inside: a SEQUENCE (RSA, EC), an OCTET STRING (EdDSA, X25519), an INTEGER (DSA). */
    return key.content[0] == 0x30 || key.content[0] == 0x04 || key.content[0] == 0x02;
}

/* EncryptedPrivateKeyInfo: { AlgorithmIdentifier (a PBE), OCTET STRING }, nothing more. */
static bool
shape_pkcs8_encrypted(struct der_iter it)
{
    struct der_child alg, oid, data, extra;

    if (der_next(&it, &alg) != 1 || alg.t.tag != 0x30 || !first_child_is(&alg, 0x06, &oid))
        return false;
    if (!is_pbe_oid(&oid))
        return false;
    if (der_next(&it, &data) != 1 || data.t.tag != 0x04)
        return false;
    return der_next(&it, &extra) == 0;
}

/* n INTEGERs exactly, the first being version (0); PKCS #1 has 9, DSA's traditional form 6. */
static bool
shape_integers(struct der_iter it, int n)
{
    struct der_child c;
    int              i, rc;

    for (i = 0; (rc = der_next(&it, &c)) == 1; i++) {
        if (c.t.tag != 0x02 || (i == 0 && !is_small_int(&c, 0)))
            return false;
    }
    return rc == 0 && i == n;
}

/* ECPrivateKey: { INTEGER 1, OCTET STRING, [0] parameters OPTIONAL, [1] publicKey OPTIONAL } */
static bool
shape_sec1(struct der_iter it)
{
    struct der_child ver, key, c;
    uint8_t          next = 0xa0;
    int              rc;

    if (der_next(&it, &ver) != 1 || !is_small_int(&ver, 1))
        return false;
    if (der_next(&it, &key) != 1 || key.t.tag != 0x04 || key.t.len == 0 || key.t.len > 72)
        return false;
    while ((rc = der_next(&it, &c)) == 1) {
        if (c.t.tag < next || c.t.tag > 0xa1)
            return false;
        next = (uint8_t)(c.t.tag + 1);
    }
    return rc == 0;
}

/* Certificate, CRL or PKCS #10 request: { SEQUENCE, AlgorithmIdentifier, BIT STRING }. */
static bool
shape_signed(struct der_iter it, bool *is_cert)
{
    struct der_child tbs, alg, sig, first, extra;

    if (der_next(&it, &tbs) != 1 || tbs.t.tag != 0x30)
        return false;
    if (der_next(&it, &alg) != 1 || alg.t.tag != 0x30)
        return false;
    if (der_next(&it, &sig) != 1 || sig.t.tag != 0x03 || der_next(&it, &extra) != 0)
        return false;
    /* A v3 certificate opens its TBS with [0] version. */
    *is_cert = first_child_is(&tbs, 0xa0, &first);
    return true;
}

static void
set_kind(struct fmt_detect *ret, enum fmt_kind kind, const char *name, bool password)
{
    ret->kind = kind;
    ret->name = name;
    ret->password = password;
    ret->inspectable = true;
    ret->why[0] = '\0';
}

static bool
classify_der_key(struct der_iter it, struct fmt_detect *ret)
{
    if (shape_pkcs8(it))
        set_kind(ret, FMT_DER_KEY, "der-pkcs8", false);
    else if (shape_pkcs8_encrypted(it))
        set_kind(ret, FMT_DER_KEY, "der-pkcs8-encrypted", true);
    else if (shape_integers(it, 9))
        set_kind(ret, FMT_DER_KEY, "der-pkcs1", false);
    else if (shape_sec1(it))
        set_kind(ret, FMT_DER_KEY, "der-sec1", false);
    else if (shape_integers(it, 6))
        set_kind(ret, FMT_DER_KEY, "der-dsa", false);
    else
        return false;
    return true;
}

/* Says why a DER file that is no key export is not one, when we can tell. */
static void
explain_der(struct der_iter it, struct fmt_detect *ret)
{
    struct der_child oid;
    bool             cert;
    int              type;

    if (shape_signed(it, &cert)) {
        set_why(ret, "%s",
            cert ? "holds a certificate but no private key"
                 : "holds a certificate, CRL or certificate request, but no private key");
        return;
    }
    if (der_next(&it, &oid) == 1 && (type = pkcs7_type(&oid)) > 0) {
        if (type == 2)
            set_why(ret,
                "holds PKCS #7 signed data or certificates, "
                "but no private key");
        else if (type == 3)
            set_why(ret,
                "a PKCS #7 enveloped (encrypted) file, which is not a key export okra "
                "recognises");
    }
}

/*
 * Checks the outer SEQUENCE against the file size; on success sets the
 * iterator over its children. Returns false with ret->why set when the file
 * is cut short or carries bytes after the structure.
 */
static bool
der_outer(const uint8_t *data, size_t len, uint64_t file_size, struct der_iter *it,
    struct der_tlv *outer, struct fmt_detect *ret)
{
    uint64_t total;
    size_t   i;

    if (der_header(data, len, outer) < 0)
        return false;
    it->p = data + outer->hdr;
    it->stuck = false;
    if (outer->indef) {
        /* Only PKCS #12 comes in BER; when all of it is here it ends in end-of-contents. */
        it->end = data + len;
        if (len < file_size || (len >= 4 && data[len - 1] == 0 && data[len - 2] == 0))
            return true;
        set_why(ret, "truncated or damaged: its BER encoding does not close with end-of-contents");
        return false;
    }
    total = (uint64_t)outer->hdr + outer->len;
    if (total > file_size) {
        set_why(ret, "truncated or damaged: its DER header announces %llu bytes, the file has %llu",
            (unsigned long long)total, (unsigned long long)file_size);
        return false;
    }
    if (total < file_size) {
        if (file_size > len) {
            set_why(ret, "has %llu bytes after its DER structure",
                (unsigned long long)(file_size - total));
            return false;
        }
        for (i = (size_t)total; i < len; i++) {
            if (data[i] != 0) {
                set_why(ret, "has %llu bytes after its DER structure",
                    (unsigned long long)(file_size - total));
                return false;
            }
        }
    }
    it->end = data + (total < len ? (size_t)total : len);
    return true;
}

/* A length problem is worth a reason only when the file has the shape of one of ours. */
static void
explain_bad_length(
    const uint8_t *data, size_t len, const struct der_tlv *outer, struct fmt_detect *ret)
{
    struct der_iter   it = { data + outer->hdr, data + len, false };
    struct fmt_detect probe;
    const char       *what;
    char              why[sizeof ret->why];

    memset(&probe, 0, sizeof probe);
    if (shape_pkcs12(it))
        what = "a PKCS #12 file";
    else if (classify_der_key(it, &probe))
        what = "a DER private key";
    else {
        ret->why[0] = '\0';
        return;
    }
    memcpy(why, ret->why, sizeof why);
    set_why(ret, "%s %s", what, why);
}

static bool
detect_der(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret)
{
    struct der_iter it;
    struct der_tlv  outer;

    ret->why[0] = '\0';
    if (!der_outer(data, len, file_size, &it, &outer, ret)) {
        if (ret->why[0] != '\0')
            explain_bad_length(data, len, &outer, ret);
        return false;
    }
    if (shape_pkcs12(it)) {
        set_kind(ret, FMT_PKCS12, "pkcs12", true);
        return true;
    }
    if (outer.indef)
        return false;
    if (classify_der_key(it, ret))
        return true;
    explain_der(it, ret);
    return false;
}

/* ---- PEM ---- */

struct pem_scan {
    const char *key_name; /* manifest name of the first private key block */
    bool        encrypted; /* some key block needs a password */
    bool        cert, req, pub, ssh, pgp, truncated;
};

static const char *
find_bytes(const char *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle));
}

/* Whether the block whose label line ends at p carries an old OpenSSL "Proc-Type: 4,ENCRYPTED". */
static bool
pem_proc_encrypted(const char *p, const char *end)
{
    const char *eol;

    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    if ((size_t)(end - p) < 10 || memcmp(p, "Proc-Type:", 10) != 0)
        return false;
    eol = memchr(p, '\n', (size_t)(end - p));
    return find_bytes(p, (size_t)((eol ? eol : end) - p), "ENCRYPTED") != NULL;
}

static const char *
pem_key_name(const char *label, size_t n, bool encrypted)
{
    static const struct {
        const char *label, *plain, *enc;
    } keys[] = {
        { "PRIVATE KEY", "pem-pkcs8", "pem-pkcs8-encrypted" }, /* Proc-Type on PKCS #8 */
        { "ENCRYPTED PRIVATE KEY", "pem-pkcs8-encrypted", "pem-pkcs8-encrypted" },
        { "RSA PRIVATE KEY", "pem-pkcs1", "pem-pkcs1-encrypted" },
        { "EC PRIVATE KEY", "pem-sec1", "pem-sec1-encrypted" },
        { "DSA PRIVATE KEY", "pem-dsa", "pem-dsa-encrypted" },
    };
    size_t i;

    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strlen(keys[i].label) == n && memcmp(label, keys[i].label, n) == 0)
            return encrypted ? keys[i].enc : keys[i].plain;
    }
    return NULL;
}

static bool
label_is(const char *label, size_t n, const char *what)
{
    return strlen(what) == n && memcmp(label, what, n) == 0;
}

static void
pem_note_other(struct pem_scan *s, const char *label, size_t n)
{
    if (label_is(label, n, "CERTIFICATE") || label_is(label, n, "X509 CERTIFICATE")
        || label_is(label, n, "TRUSTED CERTIFICATE") || label_is(label, n, "PKCS7"))
        s->cert = true;
    else if (label_is(label, n, "CERTIFICATE REQUEST")
        || label_is(label, n, "NEW CERTIFICATE REQUEST"))
        s->req = true;
    else if (label_is(label, n, "PUBLIC KEY") || label_is(label, n, "RSA PUBLIC KEY"))
        s->pub = true;
    else if (label_is(label, n, "OPENSSH PRIVATE KEY"))
        s->ssh = true;
    else if (label_is(label, n, "PGP PRIVATE KEY BLOCK"))
        s->pgp = true;
}

/* Looks at one "-----BEGIN " line at p; returns where scanning goes on. */
static const char *
pem_block(struct pem_scan *s, const char *p, const char *end, bool whole)
{
    const char *label = p + 11, *close, *name;
    char        endline[96];
    size_t      n;
    bool        enc;

    close = find_bytes(label, (size_t)(end - label) < 80 ? (size_t)(end - label) : 80, "-----");
    if (close == NULL)
        return label;
    n = (size_t)(close - label);
    enc = pem_proc_encrypted(close + 5, end);
    name = pem_key_name(label, n, enc);
    if (name == NULL) {
        pem_note_other(s, label, n);
        return close + 5;
    }
    if (s->key_name == NULL)
        s->key_name = name;
    s->encrypted |= enc || strcmp(name, "pem-pkcs8-encrypted") == 0;
    snprintf(endline, sizeof endline, "-----END %.*s-----", (int)n, label);
    if (whole && find_bytes(close, (size_t)(end - close), endline) == NULL)
        s->truncated = true;
    return close + 5;
}

static void
pem_scan_text(const char *text, size_t len, bool whole, struct pem_scan *s)
{
    const char *p = text, *end = text + len, *hit;

    while (p < end && (hit = find_bytes(p, (size_t)(end - p), "-----BEGIN ")) != NULL) {
        /* Only at the start of a line: text that merely quotes a header is no PEM. */
        if (hit != text && hit[-1] != '\n' && hit[-1] != '\r') {
            p = hit + 11;
            continue;
        }
        p = pem_block(s, hit, end, whole);
    }
}

static bool
detect_pem(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret)
{
    struct pem_scan s;

    memset(&s, 0, sizeof s);
    pem_scan_text((const char *)data, len, len >= file_size, &s);
    if (s.key_name != NULL && !s.truncated) {
        set_kind(ret, FMT_PEM, s.key_name, s.encrypted);
        return true;
    }
    if (s.key_name != NULL)
        set_why(ret, "truncated PEM: a private key block has no END line");
    else if (s.ssh) {
        set_why(ret, "holds an OpenSSH private key, which okra does not inspect; 'okra import "
                     "--as opaque' seals it as it is");
        ret->opaque_name = "openssh";
    } else if (s.pgp) {
        set_why(ret, "holds an OpenPGP secret key, which okra does not inspect; 'okra import "
                     "--as opaque' seals it as it is");
        ret->opaque_name = "pgp-secret-key";
    }
    else if (s.cert)
        set_why(ret, "holds a certificate but no private key");
    else if (s.req)
        set_why(ret, "holds a certificate request, not a private key");
    else if (s.pub)
        set_why(ret, "holds a public key, not a private key");
    return false;
}

void
fmt_detect(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret)
{
    memset(ret, 0, sizeof *ret);
    ret->kind = FMT_NONE;
    if (len > file_size)
        len = (size_t)file_size;
    if (data == NULL || len == 0) {
        set_why(ret, "empty file");
        return;
    }
    if (data[0] == 0x30 && detect_der(data, len, file_size, ret))
        return;
    if (ret->why[0] == '\0' && fmt_detect_keystore(data, len, file_size, ret))
        return;
    if (ret->why[0] == '\0' && fmt_looks_pgp_secret(data, len, file_size)) {
        set_why(ret, "holds an OpenPGP secret key (binary), which okra does not inspect; 'okra "
                     "import --as opaque' seals it as it is");
        ret->opaque_name = "pgp-secret-key";
        return;
    }
    if (ret->why[0] == '\0' && detect_pem(data, len, file_size, ret))
        return;
    if (ret->why[0] == '\0' && fmt_detect_opaque(data, len, file_size, ret))
        return;
    if (ret->why[0] == '\0')
        set_why(ret, "%s", FMT_WHY_UNKNOWN);
}
