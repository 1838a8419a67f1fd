/*
 * minisign.h: minisign keys and signatures (Ed25519), compatible with the
 * stock minisign tool in both directions.
 *
 * okra signs only with the prehashed algorithm "ED" (BLAKE2b-512 of the
 * message, then Ed25519), with a trusted comment covered by the global
 * signature. Verification accepts "ED" and, when allow_legacy, "Ed".
 *
 * Files, as minisign writes them:
 *   public key:  "untrusted comment: ...\n" base64("Ed" keyid[8] pk[32]) "\n"
 *   secret key:  "untrusted comment: ...\n" base64("Ed" kdf[2] "B2" salt[32]
 *                opslimit[8] memlimit[8] keyid[8] sk[64] checksum[32]) "\n"
 *                okra writes and reads the unencrypted form (kdf = 0,0: the
 *                station signs unattended); an encrypted key is refused with
 *                a reason that says so.
 *   signature:   "untrusted comment: ...\n" base64(alg[2] keyid[8] sig[64]) "\n"
 *                "trusted comment: ...\n" base64(global_sig[64]) "\n"
 *                where global_sig = Ed25519(sig || trusted_comment).
 *
 * Secrets: struct mini_seckey (allocate it with secmem_alloc). Public:
 * everything else.
 */
#ifndef OKRA_MINISIGN_H
#define OKRA_MINISIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define MINI_KEYID_LEN 8
#define MINI_PK_LEN 32
#define MINI_SK_LEN 64
#define MINI_SIG_LEN 64
#define MINI_HASH_LEN 64 /* BLAKE2b-512, the prehash */
#define MINI_COMMENT_MAX 1024

struct mini_pubkey {
    uint8_t keyid[MINI_KEYID_LEN];
    uint8_t pk[MINI_PK_LEN];
};

struct mini_seckey {
    uint8_t keyid[MINI_KEYID_LEN];
    uint8_t sk[MINI_SK_LEN];
};

/* A new key pair; sk is the caller's secure memory. */
int mini_keypair(struct mini_seckey *sk, struct mini_pubkey *pk);
void mini_seckey_public(const struct mini_seckey *sk, struct mini_pubkey *pk);

/* Key id as minisign prints it: the little-endian u64 in upper-case hex, no leading zeros. */
void mini_keyid_hex(const uint8_t keyid[MINI_KEYID_LEN], char out[17]);

/* File forms. *_format return malloc'd text (secret text: secure memory). */
int mini_pubkey_parse(const char *text, size_t len, struct mini_pubkey *ret);
char *mini_pubkey_format(const struct mini_pubkey *pk, const char *untrusted_comment);
int mini_seckey_parse(const char *text, size_t len, struct mini_seckey *ret);
char *mini_seckey_format(const struct mini_seckey *sk, const char *untrusted_comment);

/* Streaming prehash: BLAKE2b-512 over the message. */
struct mini_prehash {
    uint8_t state[384] __attribute__((aligned(64))); /* crypto_generichash_state */
};
void mini_prehash_init(struct mini_prehash *h);
void mini_prehash_update(struct mini_prehash *h, const uint8_t *p, size_t n);
void mini_prehash_final(struct mini_prehash *h, uint8_t out[MINI_HASH_LEN]);

/*
 * Signs a prehashed message; returns the signature file's text (malloc'd)
 * or NULL. The trusted comment must be one line.
 */
char *mini_sign_prehashed(const struct mini_seckey *sk, const uint8_t hash[MINI_HASH_LEN],
                          const char *trusted_comment, const char *untrusted_comment);
char *mini_sign(const struct mini_seckey *sk, const uint8_t *msg, size_t len,
                const char *trusted_comment, const char *untrusted_comment);

/* A parsed signature file. */
struct mini_sig {
    uint8_t alg[2]; /* "ED" or "Ed" */
    uint8_t keyid[MINI_KEYID_LEN];
    uint8_t sig[MINI_SIG_LEN];
    uint8_t global_sig[MINI_SIG_LEN];
    char    trusted_comment[MINI_COMMENT_MAX + 1];
};
int mini_sig_parse(const char *text, size_t len, struct mini_sig *ret);

/*
 * Verifies a parsed signature: the key id, the signature over the message
 * (its BLAKE2b-512 for "ED"; the message itself for legacy "Ed", which needs
 * msg) and the global signature over the trusted comment.
 * Returns 0, or -EBADMSG with a reason (wrong key id, bad signature, bad
 * trusted comment signature), -EINVAL for a legacy signature when
 * !allow_legacy.
 */
OKRA_MUST_CHECK
int mini_verify_prehashed(const struct mini_pubkey *pk, const struct mini_sig *sig,
                          const uint8_t hash[MINI_HASH_LEN]);
OKRA_MUST_CHECK
int mini_verify(const struct mini_pubkey *pk, const struct mini_sig *sig, const uint8_t *msg,
                size_t len, bool allow_legacy);

#endif
