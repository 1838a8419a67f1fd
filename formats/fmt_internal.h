/*
 * fmt_internal.h: what the files of formats/ share, not for other modules.
 *
 * The opened contents of any export file (PKCS #12, PEM, DER) become one
 * struct fmt_contents: the private keys and certificates with their
 * friendly names. Inspection, the opened PKCS #12 and re-export all start
 * from it, so every input format gets the same treatment.
 *
 * Secrets: the EVP_PKEYs in fmt_contents are private keys (OpenSSL frees
 * them with its own clear-free); passwords passed around are secret.
 */
#ifndef OKRA_FMT_INTERNAL_H
#define OKRA_FMT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "common/err.h"
#include "formats/formats.h"

/* Limits on what outside files may make us do. */
#define FMT_MAX_KEYS 256
#define FMT_MAX_CERTS 4096
#ifdef OKRA_FUZZING
#define FMT_MAX_ITERATIONS 4096 /* the fuzzer's inputs must stay fast */
#else
#define FMT_MAX_ITERATIONS 10000000 /* KDF rounds; real files use at most about 600000 */
#endif
#define FMT_MAX_NESTING 8 /* safeContents bags inside safeContents bags */
/*
 * Key derivation, which runs before any password can be checked: one file
 * (all its bags, its MAC, every password form tried) may ask at most this
 * much. PBKDF2 and the PKCS #12 KDF count their iterations; scrypt counts
 * N*r*p (its time) and is held to 128*N*r bytes of memory per derivation.
 * High enough for what real tools write: OpenSSL's 2048 rounds, Windows'
 * 2000, 600000 where a tool follows OWASP; scrypt N=2^14..2^18 with r=8,
 * p=1 (OpenSSL, RustCrypto's pkcs8 at N=2^15, age at 2^18).
 */
#ifdef OKRA_FUZZING
#define FMT_MAX_ROUNDS_PER_FILE (4 * FMT_MAX_ITERATIONS)
#define FMT_SCRYPT_MAX_WORK (1u << 12)
#define FMT_SCRYPT_MAX_WORK_PER_FILE (1u << 13)
#define FMT_SCRYPT_MAX_MEM (1u << 20)
#else
#define FMT_MAX_ROUNDS_PER_FILE 20000000u   /* twice the most one derivation may ask */
#define FMT_SCRYPT_MAX_WORK (1u << 22)      /* N*r*p: N=2^18, r=8, p=2 (about 3 s here) */
#define FMT_SCRYPT_MAX_WORK_PER_FILE (1u << 23)
#define FMT_SCRYPT_MAX_MEM (256u << 20)     /* 128*N*r: N=2^18 with r=8 */
#endif

/* What one file has spent so far (see above); kept across fmt_contents_free. */
struct fmt_kdf_budget {
    uint64_t rounds;
    uint64_t scrypt_work;
};

/* ---- provider.c: OpenSSL set-up, shared by all threads ---- */

/* The library context okra uses (NULL: OpenSSL's default, with legacy and default loaded). */
OSSL_LIB_CTX *fmt_libctx(void);

/* Digests fetched once; never freed (they live as long as the process). */
const EVP_MD *fmt_md_sha1(void);
const EVP_MD *fmt_md_sha256(void);

/* Whether OpenSSL's legacy provider could be loaded (RC2, RC4, single DES). */
bool fmt_have_legacy(void);

/* ---- contents.c: what an opened file holds ---- */

struct fmt_key {
    EVP_PKEY *pkey;
    char     *name; /* friendly name (UTF-8, OPENSSL_malloc'd) or NULL */
};

struct fmt_xcert {
    X509 *x;
    char *name;
};

struct fmt_contents {
    struct fmt_key   *keys;
    int               n_keys;
    struct fmt_xcert *certs;
    int               n_certs;
    char              algorithms[160];
    struct fmt_kdf_budget kdf; /* survives fmt_contents_free: a retry costs too */
};

/* keycheck.c: 0 when the private key is consistent (RSA: n = p·q and the rest; others: the
   public key is the private key's), else -EINVAL with the reason. */
int fmt_key_check(EVP_PKEY *pkey);

/* Takes ownership of pkey and name (also on failure); refuses an inconsistent key. */
int  fmt_contents_add_key(struct fmt_contents *c, EVP_PKEY *pkey, char *name);
int  fmt_contents_add_cert(struct fmt_contents *c, X509 *x, char *name);
void fmt_contents_free(struct fmt_contents *c);

/* Appends an algorithm name to c->algorithms unless it is already there. */
void fmt_contents_add_alg(struct fmt_contents *c, const char *name);

/* The index of the certificate whose public key is key's, or -1. */
int fmt_contents_cert_for(const struct fmt_contents *c, const EVP_PKEY *key);

/* Fills info from c (which keeps its objects). 0, or -ENOKEY when c holds no key. */
int fmt_contents_info(const struct fmt_contents *c, struct fmt_info *info);

/* The opened PKCS #12 of c (no password, no encryption, no MAC) into out (replaced). */
OKRA_MUST_CHECK
int fmt_contents_opened(const struct fmt_contents *c, struct secbuf *out);

/* ---- opaque.c: Entrust/Outlook .epf and Exchange KMS exports ---- */

/* fmt_detect's reason when nothing about the file is recognised. */
/* keystore.c: a JKS or JCEKS by its magic and version (sets ret); a binary OpenPGP secret key. */
bool fmt_detect_keystore(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret);
bool fmt_looks_pgp_secret(const uint8_t *data, size_t len, uint64_t file_size);

#define FMT_WHY_UNKNOWN "not an export file (no PKCS #12, PEM or DER key structure)"

/* Recognises an .epf profile by content alone (strict); sets ret and returns true. */
bool fmt_detect_opaque(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret);

/* ---- pkcs12.c ---- */

/* Opens a PKCS #12 with password (NULL or "" tries both empty forms) into c. */
OKRA_MUST_CHECK
int fmt_p12_open(const uint8_t *data, size_t len, const char *password, struct fmt_contents *c);

/* A fresh PKCS #12 of c under password; see fmt_reexport for the algorithms. */
int fmt_p12_build(
    const struct fmt_contents *c, const char *password, bool legacy, struct secbuf *out);

/* Frees a PKCS #7 safe, first wiping the plaintext bags OpenSSL keeps in a data safe. */
void fmt_p7_clear_free(PKCS7 *p7);

/* okra_fail(code, "what: <the reason already set>"). */
int fmt_fail_within(int code, const char *what);

/* ---- pem_der.c ---- */

OKRA_MUST_CHECK
int fmt_pem_open(const uint8_t *data, size_t len, const char *password, struct fmt_contents *c);
OKRA_MUST_CHECK
int fmt_der_open(const uint8_t *data, size_t len, const struct fmt_detect *d, const char *password,
    struct fmt_contents *c);

/* ---- pbe.c: naming password-based encryption, bounding its cost ---- */

/*
 * Describes an encryption AlgorithmIdentifier ("pbeWithSHA1And40BitRC2-CBC",
 * "PBES2 AES-256-CBC PBKDF2-HMAC-SHA-256") into name and returns 0; or
 * returns -EINVAL with a reason when okra will not run it (too many
 * iterations, a cipher OpenSSL here cannot run).
 */
int fmt_pbe_check(const X509_ALGOR *alg, char *name, size_t name_size, struct fmt_kdf_budget *b);

/*
 * Charges a derivation of iter rounds (PBKDF2, the PKCS #12 KDF) or of
 * scrypt's N, r, p to the file's budget, before it runs; -EINVAL naming the
 * parameter and okra's limit when it would go past a limit.
 */
int fmt_kdf_charge_rounds(struct fmt_kdf_budget *b, uint64_t iter, const char *what);
int fmt_kdf_charge_scrypt(struct fmt_kdf_budget *b, uint64_t n, uint64_t r, uint64_t p,
    const char *what);

/*
 * Whether an encrypted PKCS #8 uses PBES2 with scrypt; then fmt_p8_decrypt_scrypt
 * decrypts it under okra's own memory limit (OpenSSL's PKCS8_decrypt holds
 * scrypt to 32 MiB, less than a real N=2^15, r=8 needs). NULL: wrong password or damaged.
 */
bool fmt_p8_is_scrypt(const X509_SIG *sig);
PKCS8_PRIV_KEY_INFO *fmt_p8_decrypt_scrypt(const X509_SIG *sig, const char *pass, size_t passlen);

/* Refuses a non-positive or excessive iteration count, naming what asked it. */
int fmt_check_iterations(const ASN1_INTEGER *iter, const char *what);

/* For an hmacWithSHA* PRF: "HMAC-SHA-256" and the digest "SHA256"; NULL for others. */
const char *fmt_hmac_name(int prf_nid);
const char *fmt_hmac_digest(int prf_nid);

/* ---- certinfo.c ---- */

/* "RSA", "EC P-256", "EC explicit", "Ed25519", ... and the size in bits. */
void fmt_key_describe(const EVP_PKEY *pkey, char type[32], int *bits);

/* Fills ret from x (allocates subject, issuer, der). */
int fmt_cert_fill(X509 *x, struct fmt_cert *ret);

/* ---- der.c: a small BER/DER reader for detection and framing ---- */

struct der_tlv {
    uint8_t tag; /* the identifier octet (low tag numbers only) */
    bool    indef; /* BER indefinite length */
    size_t  hdr; /* header bytes */
    size_t  len; /* content bytes (0 when indef) */
};

/* Reads one header at p (avail bytes there). 0, or -1 when it is not a usable header. */
int der_header(const uint8_t *p, size_t avail, struct der_tlv *t);

/* Writes a DER header for (tag, len) into out (at least 6 bytes); returns its size. */
size_t der_put_header(uint8_t *out, uint8_t tag, size_t len);

/* Drops OpenSSL's error queue: reasons go through okra_fail only. */
void fmt_clear_openssl_errors(void);

#endif
