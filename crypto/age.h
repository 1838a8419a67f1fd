/*
 * age.h: age v1 (C2SP age spec), as okra needs it.
 *
 *   - X25519 recipients ("age1...") and identities ("AGE-SECRET-KEY-1...")
 *   - the scrypt passphrase recipient (custodian share files)
 *   - the STREAM payload (ChaCha20-Poly1305, 64 KiB chunks), header MAC
 *   - ASCII armor on decryption input (and optionally on output)
 *
 * Secrets: identities (32-byte X25519 scalars), passphrases, file keys and
 * decrypted plaintext are the caller's secret memory (sodium_malloc) or the
 * module's own sodium_malloc'd memory; the module wipes what it allocates.
 * Public: recipients, ciphertext.
 *
 * Failure: every function returns 0 or a negative code (common/err.h) with a
 * reason. Decryption never releases plaintext of a chunk before its tag is
 * checked; a failure after some chunks were delivered to a sink is still a
 * failure, and the caller must discard what the sink got.
 */
#ifndef OKRA_AGE_H
#define OKRA_AGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define AGE_KEY_LEN 32
#define AGE_RECIPIENT_MAX 128 /* "age1" + bech32 of 32 bytes, with room */
#define AGE_IDENTITY_MAX 128
#define AGE_SCRYPT_DEFAULT_LOG_N 18 /* age's own default: about a second here */
#define AGE_SCRYPT_MAX_LOG_N 22     /* what decryption accepts, to bound work */

/* Bech32 recipients and identities. */
int age_recipient_parse(const char *s, uint8_t ret_pub[AGE_KEY_LEN]);
int age_recipient_format(const uint8_t pub[AGE_KEY_LEN], char out[AGE_RECIPIENT_MAX]);
/* secret out: ret_secret is caller's secure memory */
int age_identity_parse(const char *s, uint8_t ret_secret[AGE_KEY_LEN]);
/* secret out: out is caller's secure memory of AGE_IDENTITY_MAX bytes */
int age_identity_format(const uint8_t secret[AGE_KEY_LEN], char *out);
int age_x25519_public(const uint8_t secret[AGE_KEY_LEN], uint8_t ret_pub[AGE_KEY_LEN]);

/* Where encrypted or decrypted bytes go. Returns 0 or a negative code. */
typedef int (*age_sink_fn)(void *ctx, const uint8_t *p, size_t n);

/*
 * Streaming encryption to one X25519 recipient or one passphrase. The header
 * goes to the sink at once; each full 64 KiB chunk as soon as the next byte
 * shows it is not the last; age_writer_finish writes the final chunk.
 * Memory stays at one chunk however long the input.
 *
 * scrypt: the passphrase must not be empty; log_n is 1..AGE_SCRYPT_MAX_LOG_N,
 * 0 meaning AGE_SCRYPT_DEFAULT_LOG_N.
 */
struct age_writer;
int age_writer_new_x25519(struct age_writer **ret, const uint8_t pub[AGE_KEY_LEN], age_sink_fn sink,
                          void *ctx);
int age_writer_new_scrypt(struct age_writer **ret, const char *passphrase, int log_n,
                          age_sink_fn sink, void *ctx);
int age_writer_write(struct age_writer *w, const uint8_t *p, size_t n);
int age_writer_finish(struct age_writer *w);
void age_writer_free(struct age_writer *w); /* wipes; NULL ok */

/*
 * One-shot helpers: the same files as the writer, but they read plain where
 * it lies (no copy into a chunk buffer) and hand the header and the first
 * chunk to the sink in one call, so a small file is one write.
 */
int age_encrypt_x25519(const uint8_t pub[AGE_KEY_LEN], const uint8_t *plain, size_t len,
                       age_sink_fn sink, void *ctx);
int age_encrypt_scrypt(const char *passphrase, int log_n, const uint8_t *plain, size_t len,
                       age_sink_fn sink, void *ctx);

/*
 * Decryption. Identities to try: X25519 secrets and/or one passphrase. A
 * file with an scrypt stanza must have it alone (spec). Input may be armored.
 *
 * age_decrypt: whole input in memory; plaintext to the sink chunk by chunk
 * (each authenticated before delivery).
 * Errors: -EINVAL malformed header or armor (also: a missing payload nonce,
 * a low-order X25519 share, an scrypt work factor over max_log_n, no
 * identity given); -EKEYREJECTED no identity matched or a wrong passphrase
 * (the key given does not open it); -EBADMSG a bad header MAC or payload
 * tag, a truncated payload or data after the final chunk (the file was
 * altered; the reason says which). Errors of the sink are returned as they are.
 */
struct age_identities {
    const uint8_t (*x25519)[AGE_KEY_LEN]; /* secret: n_x25519 scalars */
    size_t        n_x25519;
    const char   *passphrase; /* secret; NULL when none */
    int           max_log_n;  /* 0: AGE_SCRYPT_MAX_LOG_N */
};
OKRA_MUST_CHECK
int age_decrypt(const struct age_identities *ids, const uint8_t *in, size_t len, age_sink_fn sink,
                void *ctx);

/*
 * Streaming decryption from a source, for payloads too large to hold:
 * read(ctx, buf, cap) returns bytes read, 0 at end, or a negative code.
 */
typedef long (*age_source_fn)(void *ctx, uint8_t *buf, size_t cap);
OKRA_MUST_CHECK
int age_decrypt_stream(const struct age_identities *ids, age_source_fn source, void *src_ctx,
                       age_sink_fn sink, void *sink_ctx);

/* Whether the bytes start like an age file (binary or armored). */
bool age_looks_like(const uint8_t *p, size_t n);

/* A sink that appends to a struct secbuf (common/secmem.h); ctx is the secbuf. */
int age_sink_secbuf(void *ctx, const uint8_t *p, size_t n);

#endif
