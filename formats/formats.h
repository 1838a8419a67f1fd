/*
 * formats.h: the export files officers bring, recognised by content.
 *
 *   PKCS #12 (.pfx/.p12), every shape Windows and OpenSSL write, legacy
 *   (RC2-40, 3DES, SHA-1 MAC) through OpenSSL 3's legacy provider;
 *   PEM and DER private keys (PKCS #8 plain and encrypted, PKCS #1, SEC1),
 *   with certificates where the file holds them;
 *   Outlook/Entrust .epf and Exchange KMS export files: detected by
 *   structure, never opened (no public specification); sealed as opaque.
 *
 * Nothing here prints. Functions return 0 or a negative code with a reason
 * (common/err.h) that a security officer can act on, naming the algorithm
 * when it is the cause ("uses RC2-40-CBC, which ...") and never OpenSSL's
 * raw error stack. The file name is added by the caller.
 *
 * Secrets: passwords, the opened key and the opened PKCS #12 are secret
 * (sodium_malloc'd memory for okra's buffers; OpenSSL's key objects are
 * freed with their own clear-free). Everything in struct fmt_info is public.
 */
#ifndef OKRA_FORMATS_H
#define OKRA_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/secmem.h"

enum fmt_kind {
    FMT_NONE = 0, /* not an export file */
    FMT_PKCS12,
    FMT_PEM,      /* PEM text with a private key block (and maybe certificates) */
    FMT_DER_KEY,  /* a DER private key: PKCS #8 (plain or encrypted), PKCS #1, SEC1 */
    FMT_EPF,      /* Entrust/Outlook profile */
    FMT_KMS,      /* Exchange KMS export */
    FMT_KEYSTORE, /* Java KeyStore, JKS ("jks") or JCEKS ("jceks"): sealed as it is */
    FMT_OPAQUE,   /* a key file okra names but does not inspect ("openssh",
                     "pgp-secret-key"), sealed as it is only when declared (--as opaque) */
};

/* What detection saw; cheap (no decryption), from the file's first bytes. */
struct fmt_detect {
    enum fmt_kind kind;
    const char   *name;       /* manifest "format": "pkcs12", "pem-pkcs8", "pem-pkcs8-encrypted",
                                 "pem-pkcs1", "pem-sec1", "der-pkcs8", "der-pkcs8-encrypted",
                                 "der-pkcs1", "der-sec1", "epf", "kms" (static); added since:
                                 "pem-pkcs1-encrypted", "pem-sec1-encrypted" (old OpenSSL
                                 Proc-Type PEM), "pem-dsa", "pem-dsa-encrypted", "der-dsa" */
    bool          password;   /* inspection asks a password: every PKCS #12, encrypted PEM/PKCS #8 */
    bool          inspectable;/* false for epf, kms, jks, jceks and opaque keys */
    const char   *opaque_name;/* for FMT_NONE: a key file okra names but does not inspect,
                                 "openssh" or "pgp-secret-key", which --as opaque would seal
                                 (static); NULL otherwise */
    char          why[160];   /* for FMT_NONE: why it is not an export file, e.g.
                                 "holds a certificate but no private key",
                                 "not an export file (no PKCS #12, PEM or DER key structure)" */
};

/*
 * Recognises an export file by content. data is the whole file or, for a
 * large one, its first bytes (at least FMT_DETECT_HEAD when the file is
 * longer); file_size is the whole size. Must stay cheap: a few microseconds
 * for a small file (ingest of thousands of files calls it once each).
 */
#define FMT_DETECT_HEAD 65536
void fmt_detect(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret);

/*
 * fmt_detect, then, when content alone does not tell, the base name: a file
 * called *.epf that has an Entrust profile's shape (or is binary) and is not
 * another program's .epf (1C, Eclipse, Apple feed) is FMT_EPF. Content alone
 * takes an .epf only when it also names Entrust. (Addition to the first API.)
 */
void fmt_detect_named(const uint8_t *data, size_t len, uint64_t file_size, const char *name,
                      struct fmt_detect *ret);

/*
 * An item the operator declares to be an Entrust/Outlook profile (FMT_EPF)
 * or an Exchange KMS export (FMT_KMS): no public description of a KMS export
 * exists to recognise one by. Fills ret as detection would (opaque); -EINVAL
 * for any other kind. (Addition to the first API.)
 */
int fmt_detect_as(enum fmt_kind kind, struct fmt_detect *ret);

/*
 * import --as opaque: fmt_detect_named, then a key file okra names but does
 * not inspect (an OpenSSH or OpenPGP secret key) is taken as FMT_OPAQUE
 * under its name. An export file stays what it is; any other file stays
 * FMT_NONE, its reason saying what --as opaque takes.
 */
void fmt_detect_opaque_key(const uint8_t *data, size_t len, uint64_t file_size, const char *name,
                           struct fmt_detect *ret);

/*
 * For a file sealed as it is (not inspectable): what it is and what to do
 * about it, for the line the officer reads, e.g. for a JKS the keytool
 * command that makes a PKCS #12 okra can inspect. file: as shown. "" when
 * there is nothing to add.
 */
void fmt_opaque_note(const struct fmt_detect *d, const char *file, char *buf, size_t size);

/* One certificate, as the manifest's "cert" records it (all public). */
struct fmt_cert {
    char *subject;      /* RFC 2253 order, as Windows shows it (UTF-8): a certificate made
                           with -subj "/O=Example Corp/CN=Alice" reads "CN=Alice, O=Example Corp" */
    char *issuer;
    char  serial[130];  /* lowercase hex, no separators, as stored (leading zeros dropped) */
    char  sha1[41];     /* SHA-1 of the DER: the thumbprint Windows shows, lowercase hex */
    char  sha256[65];
    char  not_before[32]; /* RFC 3339 UTC: "2026-11-25T15:44:09Z" */
    char  not_after[32];
    char  key_type[32];   /* "RSA", "EC P-256", "EC explicit", "Ed25519", "Ed448", "DSA" */
    int   key_bits;
    char  key_usage[128]; /* the keyUsage extension's bits, "digitalSignature, nonRepudiation";
                             "" when the certificate has none (any use) */
    bool  signing_only;   /* keyUsage allows signing (digitalSignature, nonRepudiation,
                             keyCertSign, cRLSign) and neither key nor data encipherment nor
                             key agreement: a signature key (NIST SP 800-57 advises against
                             archiving those) */
    uint8_t *der;         /* the certificate's DER (malloc'd), for issuer checks */
    size_t   der_len;
};

struct fmt_info {
    bool            has_key;
    bool            key_matches;   /* the key is the certificate's (when both) */
    char            key_type[32];  /* of the key itself */
    int             key_bits;
    char           *friendly_name; /* PKCS #12 friendly name of the key (UTF-8), or NULL */
    int             n_keys;
    int             n_certs;
    bool            has_cert;      /* cert below is filled */
    struct fmt_cert cert;          /* the certificate that matches the key, else the first */
    char            algorithms[160]; /* e.g. "pbeWithSHA1And40BitRC2-CBC, pbeWithSHA1And3-KeyTripleDES-CBC, MAC SHA-1" */
};

/*
 * Opens an export file with its password (NULL or "" both mean the empty
 * password; for PKCS #12 both producer forms of the empty password are tried).
 * Fills ret_info and, when ret_opened is not NULL, the key and all
 * certificates as opened: a PKCS #12 with no password, no bag encryption and
 * no MAC, the key's friendly name kept (secret; caller's secbuf).
 * Errors: -EBADMSG wrong password; -EINVAL damaged, truncated or unsupported
 * (naming the algorithm); -ENOKEY opened but holds no private key (info is
 * still filled, for `okra inspect`).
 * ret_info is zeroed first and again on any other failure, so fmt_info_free
 * is always safe; ret_opened's contents are replaced, and left alone on
 * failure. d may be NULL (detection is then done here). Thread-safe.
 */
OKRA_MUST_CHECK
int fmt_inspect(const uint8_t *data, size_t len, const struct fmt_detect *d, const char *password,
                struct fmt_info *ret_info, struct secbuf *ret_opened);

void fmt_info_free(struct fmt_info *info);

/*
 * A fresh PKCS #12 from an opened one (fmt_inspect's ret_opened), under a new
 * password: AES-256-CBC, PBKDF2-HMAC-SHA-256, SHA-256 MAC (what Windows 10
 * and OpenSSL 3 write); with legacy, 3DES and a SHA-1 MAC (what Windows XP
 * and 2003 read); never RC2-40. The friendly name and the whole chain go in.
 * ret_out: the caller's secbuf.
 */
int fmt_reexport(const uint8_t *opened, size_t len, const char *new_password, bool legacy,
                 struct secbuf *ret_out);

/* Whether cert (DER) carries a signature that ca (DER) made: 1 yes, 0 no, <0 error. */
int fmt_cert_issued_by(const uint8_t *cert, size_t cert_len, const uint8_t *ca, size_t ca_len);

/* Parses a PEM or DER CA certificate file for the vault's home-issuer policy. */
int fmt_load_ca_cert(const uint8_t *data, size_t len, struct fmt_cert *ret);
void fmt_cert_free(struct fmt_cert *c);

/* Loads OpenSSL's default and legacy providers once (thread-safe). */
int fmt_init(void);

#endif
