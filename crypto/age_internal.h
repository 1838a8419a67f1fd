/*
 * age_internal.h: what the age_*.c files share; not for other modules.
 *
 *   age_keys.c    recipients and identities, X25519 and scrypt wrapping,
 *                 HKDF, base64, the secure scratch keys
 *   age_header.c  header parsing (strict, per the spec's ABNF) and writing
 *   age_armor.c   the ASCII armor reader (a source over a source)
 *   age_io.c      the buffered reader over a source
 *   age_decrypt.c unwrapping the file key, the header MAC, the STREAM payload
 *   age_encrypt.c the streaming writer and the one-shot helpers
 */
#ifndef OKRA_AGE_INTERNAL_H
#define OKRA_AGE_INTERNAL_H

#include "common/err.h"
#include "crypto/age.h"

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGE_FILE_KEY_LEN 16
#define AGE_MAC_LEN 32
#define AGE_NONCE_LEN 16 /* the payload nonce (the HKDF salt) */
#define AGE_TAG_LEN 16
#define AGE_CHUNK_LEN 65536
#define AGE_ENC_CHUNK_LEN (AGE_CHUNK_LEN + AGE_TAG_LEN)
#define AGE_SCRYPT_SALT_LEN 16
#define AGE_COLUMNS 64 /* base64 columns in a stanza body line */
#define AGE_HEADER_MAX (1 << 20) /* bounds memory on hostile input */
#define AGE_INTRO "age-encryption.org/v1\n"
#define AGE_SCRYPT_LABEL "age-encryption.org/v1/scrypt"
#define AGE_X25519_INFO "age-encryption.org/v1/X25519"

_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == AGE_TAG_LEN, "tag size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == 32, "key size");
_Static_assert(crypto_scalarmult_curve25519_BYTES == AGE_KEY_LEN, "X25519 size");

/*
 * The secrets of one operation, in sodium_malloc'd memory. Wiped as soon as
 * an operation is done with them.
 */
struct age_keys {
    uint8_t                      file_key[AGE_FILE_KEY_LEN];
    uint8_t                      payload_key[32];
    uint8_t                      mac_key[32];
    uint8_t                      wrap_key[32];
    uint8_t                      shared[32];
    uint8_t                      eph[32]; /* ephemeral X25519 secret */
    crypto_auth_hmacsha256_state hmac; /* keyed state: secret too */
};

/*
 * A secure struct age_keys for this thread. Allocation through sodium_malloc
 * costs more than the X25519 itself (about 27 us against 58 us here), and
 * ingest seals thousands of files, so each thread keeps one and wipes it
 * after every use. A nested user (a sink that encrypts) gets a fresh one.
 * age_keys_put wipes and releases; NULL ok.
 */
struct age_keys *age_keys_get(void);
void             age_keys_put(struct age_keys *k);

/* Strict unpadded canonical base64 (RFC 4648 section 3.5), as age wants it. */
int age_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *ret_len);
/* Unpadded base64 of in into out (room for ((n + 2) / 3) * 4 + 1); returns the length. */
size_t age_b64_encode(char *out, const uint8_t *in, size_t n);

/* HKDF-SHA-256 to 32 bytes; salt may be NULL with salt_len 0. */
int age_hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
    size_t salt_len, const char *info);

/* Body of an X25519 or scrypt stanza: the file key sealed under wrap_key, zero nonce. */
#define AGE_BODY_LEN (AGE_FILE_KEY_LEN + AGE_TAG_LEN)
void age_wrap_file_key(struct age_keys *k, uint8_t body[AGE_BODY_LEN]);
OKRA_MUST_CHECK
int age_unwrap_file_key(struct age_keys *k, const uint8_t body[AGE_BODY_LEN]);

/*
 * A fresh ephemeral X25519 key pair: a random clamped secret and its share
 * X25519(secret, 9), from this thread's batch (age_ephemeral.c). 0 or -errno.
 */
int age_ephemeral_take(uint8_t secret[AGE_KEY_LEN], uint8_t share[AGE_KEY_LEN]);
/* share[i] = X25519(secret[i], 9) for n clamped secrets, a batch at a time. 0 or -errno. */
int age_x25519_base_batch(const uint8_t (*secret)[AGE_KEY_LEN], uint8_t (*share)[AGE_KEY_LEN],
    size_t n);

/* X25519 wrap: fills share and body; k->file_key is set. */
int age_x25519_wrap(struct age_keys *k, const uint8_t pub[AGE_KEY_LEN], uint8_t share[AGE_KEY_LEN],
    uint8_t body[AGE_BODY_LEN]);
/*
 * X25519 unwrap with identity secret (and its public key): 0 and k->file_key
 * set; -EBADMSG when not addressed to it; -EINVAL for a low-order share.
 */
OKRA_MUST_CHECK
int age_x25519_unwrap(struct age_keys *k, const uint8_t secret[AGE_KEY_LEN],
    const uint8_t pub[AGE_KEY_LEN], const uint8_t share[AGE_KEY_LEN],
    const uint8_t body[AGE_BODY_LEN]);
/* scrypt wrap key from passphrase, salt and log_n into k->wrap_key. */
int age_scrypt_key(struct age_keys *k, const char *passphrase, const uint8_t salt[16], int log_n);

/* ---- header ---- */

struct age_arg {
    const char *p; /* into the header bytes; not NUL-terminated */
    size_t      len;
};

struct age_stanza {
    struct age_arg *args; /* args[0] is the type */
    size_t          nargs;
    uint8_t        *body;
    size_t          body_len;
};

struct age_header {
    struct age_stanza *st;
    size_t             n, cap;
    size_t             mac_len; /* header bytes covered by the MAC (through "---") */
    uint8_t            mac[AGE_MAC_LEN];
};

bool age_arg_is(const struct age_arg *a, const char *s);

/* A native stanza's fields, checked strictly; -EINVAL with a reason. */
int age_stanza_x25519(const struct age_stanza *s, uint8_t share[AGE_KEY_LEN]);
int age_stanza_scrypt(
    const struct age_stanza *s, uint8_t salt[AGE_SCRYPT_SALT_LEN], int *ret_log_n);

/*
 * Parses buf (exactly the header, through the MAC line's LF) per the ABNF,
 * then checks the native stanzas (X25519, scrypt) strictly, whoever they are
 * for. Returns 0 or -EINVAL with a reason; h is freed on failure.
 */
int  age_header_parse(const uint8_t *buf, size_t len, struct age_header *h);
void age_header_free(struct age_header *h);

/*
 * Writes the header for one stanza: intro, "-> " args (space separated),
 * the body, then "---" and the MAC with k->file_key. Returns the length, or
 * a negative code when cap is too small.
 */
long age_header_write(struct age_keys *k, const char *const *args, size_t nargs,
    const uint8_t *body, size_t body_len, char *out, size_t cap);
/* MAC of the header bytes with k->file_key (derives k->mac_key). */
int age_header_mac(struct age_keys *k, const uint8_t *hdr, size_t len, uint8_t mac[AGE_MAC_LEN]);

/* ---- STREAM ---- */

/* The ChaCha20-Poly1305 nonce of chunk counter (11 bytes big endian) and last flag. */
void age_stream_nonce(uint8_t nonce[12], uint64_t counter, bool last);

/* ---- reading ---- */

/* A buffered reader over a source. */
struct age_rd {
    age_source_fn src;
    void         *ctx;
    uint8_t      *buf;
    size_t        cap, pos, len;
    bool          eof;
    bool          src_failed; /* the last error came from src (its message stands) */
};

int  age_rd_init(struct age_rd *r, age_source_fn src, void *ctx, size_t cap);
void age_rd_free(struct age_rd *r);
/* Reads until at least want bytes are buffered (want <= cap) or the source ends. */
int age_rd_fill(struct age_rd *r, size_t want);
static inline size_t
age_rd_avail(const struct age_rd *r)
{
    return r->len - r->pos;
}
/*
 * The next line through its LF (*ret_len includes it), at most max bytes.
 * Returns 1 with a line, 0 at the end of input with nothing buffered,
 * -EINVAL for a line longer than max or cut off by the end, or a source error.
 * With eof_ok, a last line without LF is returned too (*ret_len excludes nothing).
 */
int age_rd_line(
    struct age_rd *r, size_t max, bool eof_ok, const uint8_t **ret_line, size_t *ret_len);

/* A source over memory. */
struct age_mem_src {
    const uint8_t *p;
    size_t         len, off;
};
long age_mem_read(void *ctx, uint8_t *buf, size_t cap);

/* ---- armor ---- */

struct age_armor {
    struct age_rd *raw;
    int            state;
    int            err;
    uint8_t        line[48];
    size_t         lpos, llen;
};

/* Whether the buffered input starts (after whitespace) like ASCII armor. */
bool age_armor_detect(const uint8_t *p, size_t n);
void age_armor_init(struct age_armor *a, struct age_rd *raw);
/* An age_source_fn: the decoded bytes; a negative code for malformed armor. */
long age_armor_read(void *ctx, uint8_t *buf, size_t cap);

#endif
