/*
 * age_encrypt.c: writing age files: one X25519 recipient or one passphrase,
 * binary (no armor), the payload in 64 KiB STREAM chunks.
 *
 * The streaming writer holds one chunk of plaintext in secure memory and
 * seals it in place. The one-shot helpers read the caller's plaintext where
 * it is and write ciphertext (public) to an ordinary buffer, so sealing a
 * small file costs one X25519 wrap, three HKDFs and no secure allocation
 * (the keys sit in the thread's secure scratch, see age_keys_get).
 */
#include "crypto/age_internal.h"

#include "common/err.h"
#include "common/secmem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_CAP 320 /* either header, with room */

/* The writer's secrets, in one sodium_malloc block. */
struct wsec {
    uint8_t payload_key[32];
    uint8_t chunk[AGE_ENC_CHUNK_LEN]; /* plaintext, sealed in place */
};

struct age_writer {
    age_sink_fn  sink;
    void        *ctx;
    struct wsec *sec;
    uint64_t     counter;
    size_t       fill;
    int          state; /* 0 open, 1 finished, < 0 failed */
};

/*
 * A freed writer's secure block waits for the thread's next writer: ingest
 * opens a writer per file, and a 64 KiB sodium_malloc (guard pages, mlock)
 * costs about 50 us, as much as the X25519 itself. The parked block holds
 * nothing secret (see wsec_put); the thread's exit frees it.
 */
static pthread_once_t             wsec_once = PTHREAD_ONCE_INIT;
static pthread_key_t              wsec_tls;
static _Thread_local struct wsec *wsec_parked;

static void
wsec_destroy(void *p)
{
    secmem_free(p);
}

static void
wsec_make_key(void)
{
    (void)pthread_key_create(&wsec_tls, wsec_destroy);
}

static struct wsec *
wsec_get(void)
{
    struct wsec *s = wsec_parked;

    if (s == NULL)
        return secmem_alloc(sizeof *s);
    wsec_parked = NULL;
    (void)pthread_setspecific(wsec_tls, NULL);
    return s;
}

/* Wipes the key and the plaintext still in the chunk (the rest was sealed in place). */
static void
wsec_put(struct wsec *s, size_t plain_len)
{
    if (s == NULL)
        return;
    sodium_memzero(s->payload_key, sizeof s->payload_key);
    sodium_memzero(s->chunk, plain_len);
    if (wsec_parked != NULL) {
        secmem_free(s);
        return;
    }
    (void)pthread_once(&wsec_once, wsec_make_key);
    wsec_parked = s;
    (void)pthread_setspecific(wsec_tls, s);
}

/* What a recipient type puts in the header. */
struct recipient {
    bool           x25519;
    const uint8_t *pub; /* X25519 */
    const char    *passphrase; /* scrypt */
    int            log_n;
};

static long
header_x25519(struct age_keys *k, const uint8_t pub[AGE_KEY_LEN], char *out, size_t cap)
{
    uint8_t     share[AGE_KEY_LEN], body[AGE_BODY_LEN];
    char        share_b64[44];
    const char *args[2] = { "X25519", share_b64 };
    int         rc;

    if ((rc = age_x25519_wrap(k, pub, share, body)) < 0)
        return rc;
    age_b64_encode(share_b64, share, sizeof share);
    return age_header_write(k, args, 2, body, sizeof body, out, cap);
}

static long
header_scrypt(struct age_keys *k, const char *passphrase, int log_n, char *out, size_t cap)
{
    uint8_t     salt[AGE_SCRYPT_SALT_LEN], body[AGE_BODY_LEN];
    char        salt_b64[24], work[12];
    const char *args[3] = { "scrypt", salt_b64, work };
    int         rc;

    randombytes_buf(salt, sizeof salt);
    if ((rc = age_scrypt_key(k, passphrase, salt, log_n)) < 0)
        return rc;
    age_wrap_file_key(k, body);
    age_b64_encode(salt_b64, salt, sizeof salt);
    snprintf(work, sizeof work, "%d", log_n);
    return age_header_write(k, args, 3, body, sizeof body, out, cap);
}

static int
check_recipient(struct recipient *r)
{
    if (r->x25519)
        return r->pub ? 0 : okra_fail(-EINVAL, "age: no recipient");
    if (r->passphrase == NULL || r->passphrase[0] == '\0')
        return okra_fail(-EINVAL, "age: an empty passphrase protects nothing");
    if (r->log_n == 0)
        r->log_n = AGE_SCRYPT_DEFAULT_LOG_N;
    if (r->log_n < 1 || r->log_n > AGE_SCRYPT_MAX_LOG_N)
        return okra_fail(-EINVAL, "age: scrypt work factor 2^%d is outside 2^1..2^%d", r->log_n,
            AGE_SCRYPT_MAX_LOG_N);
    return 0;
}

/*
 * The header, then the payload nonce, into out (HDR_CAP + AGE_NONCE_LEN);
 * leaves the payload key in k. Returns the length or a negative code.
 */
static long
begin_file(struct age_keys *k, struct recipient *r, char *out)
{
    long hlen;
    int  rc;

    if ((rc = check_recipient(r)) < 0)
        return rc;
    randombytes_buf(k->file_key, sizeof k->file_key);
    hlen = r->x25519 ? header_x25519(k, r->pub, out, HDR_CAP)
                     : header_scrypt(k, r->passphrase, r->log_n, out, HDR_CAP);
    if (hlen < 0)
        return hlen;
    randombytes_buf(out + hlen, AGE_NONCE_LEN);
    if ((rc = age_hkdf(k->payload_key, k->file_key, sizeof k->file_key, (uint8_t *)out + hlen,
             AGE_NONCE_LEN, "payload"))
        < 0)
        return rc;
    return hlen + AGE_NONCE_LEN;
}

static void
seal(const uint8_t key[32], uint64_t counter, bool last, const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t nonce[12];

    age_stream_nonce(nonce, counter, last);
    crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, in, n, NULL, 0, NULL, nonce, key);
}

/* ---- the streaming writer ---- */

static int
writer_new(struct age_writer **ret, struct recipient *r, age_sink_fn sink, void *ctx)
{
    struct age_writer *w;
    struct age_keys   *k;
    char               hdr[HDR_CAP + AGE_NONCE_LEN];
    long               n;

    if ((w = calloc(1, sizeof *w)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    w->sink = sink;
    w->ctx = ctx;
    if ((w->sec = wsec_get()) == NULL || (k = age_keys_get()) == NULL) {
        age_writer_free(w);
        return okra_fail(-ENOMEM, "out of secure memory");
    }
    if ((n = begin_file(k, r, hdr)) >= 0)
        memcpy(w->sec->payload_key, k->payload_key, sizeof k->payload_key);
    age_keys_put(k);
    if (n >= 0)
        n = sink(ctx, (uint8_t *)hdr, (size_t)n);
    if (n < 0) {
        age_writer_free(w);
        return (int)n;
    }
    *ret = w;
    return 0;
}

int
age_writer_new_x25519(
    struct age_writer **ret, const uint8_t pub[AGE_KEY_LEN], age_sink_fn sink, void *ctx)
{
    struct recipient r = { .x25519 = true, .pub = pub };

    return writer_new(ret, &r, sink, ctx);
}

int
age_writer_new_scrypt(
    struct age_writer **ret, const char *passphrase, int log_n, age_sink_fn sink, void *ctx)
{
    struct recipient r = { .passphrase = passphrase, .log_n = log_n };

    return writer_new(ret, &r, sink, ctx);
}

/* Seals the buffered chunk in place and hands it on. */
static int
flush(struct age_writer *w, bool last)
{
    int rc;

    seal(w->sec->payload_key, w->counter, last, w->sec->chunk, w->fill, w->sec->chunk);
    rc = w->sink(w->ctx, w->sec->chunk, w->fill + AGE_TAG_LEN);
    w->fill = 0;
    w->counter++;
    return rc < 0 ? rc : 0;
}

static int
writer_state(const struct age_writer *w)
{
    if (w == NULL)
        return okra_fail(-EINVAL, "age: no writer");
    if (w->state < 0)
        return w->state;
    if (w->state > 0)
        return okra_fail(-EINVAL, "age: the writer is already finished");
    return 0;
}

int
age_writer_write(struct age_writer *w, const uint8_t *p, size_t n)
{
    size_t take;
    int    rc;

    if ((rc = writer_state(w)) < 0)
        return rc;
    while (n > 0) {
        /* a full chunk goes out only once more data shows it is not the last */
        if (w->fill == AGE_CHUNK_LEN && (rc = flush(w, false)) < 0)
            return w->state = rc;
        take = AGE_CHUNK_LEN - w->fill < n ? AGE_CHUNK_LEN - w->fill : n;
        memcpy(w->sec->chunk + w->fill, p, take);
        w->fill += take;
        p += take;
        n -= take;
    }
    return 0;
}

int
age_writer_finish(struct age_writer *w)
{
    int rc;

    if ((rc = writer_state(w)) < 0)
        return rc;
    rc = flush(w, true);
    sodium_memzero(w->sec->payload_key, sizeof w->sec->payload_key);
    w->state = rc < 0 ? rc : 1;
    return rc;
}

void
age_writer_free(struct age_writer *w)
{
    if (w == NULL)
        return;
    wsec_put(w->sec, w->fill);
    free(w);
}

/* ---- one-shot ---- */

static int
encrypt_oneshot(struct recipient *r, const uint8_t *plain, size_t len, age_sink_fn sink, void *ctx)
{
    struct age_keys *k;
    uint8_t         *out;
    size_t           first = len < AGE_CHUNK_LEN ? len : AGE_CHUNK_LEN, off = 0, n;
    long             o;
    uint64_t         counter = 0;
    int              rc = 0;

    if ((out = malloc(HDR_CAP + AGE_NONCE_LEN + first + AGE_TAG_LEN)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    if ((k = age_keys_get()) == NULL) {
        free(out);
        return okra_fail(-ENOMEM, "out of secure memory");
    }
    if ((o = begin_file(k, r, (char *)out)) < 0)
        rc = (int)o;
    /* header, nonce and first chunk in one piece: a small file is one write */
    while (rc == 0) {
        n = len - off < AGE_CHUNK_LEN ? len - off : AGE_CHUNK_LEN;
        seal(k->payload_key, counter++, off + n == len, n ? plain + off : NULL, n, out + o);
        if ((rc = sink(ctx, out, (size_t)o + n + AGE_TAG_LEN)) > 0)
            rc = 0;
        off += n;
        o = 0;
        if (off == len)
            break;
    }
    age_keys_put(k);
    free(out);
    return rc;
}

int
age_encrypt_x25519(
    const uint8_t pub[AGE_KEY_LEN], const uint8_t *plain, size_t len, age_sink_fn sink, void *ctx)
{
    struct recipient r = { .x25519 = true, .pub = pub };

    return encrypt_oneshot(&r, plain, len, sink, ctx);
}

int
age_encrypt_scrypt(const char *passphrase, int log_n, const uint8_t *plain, size_t len,
    age_sink_fn sink, void *ctx)
{
    struct recipient r = { .passphrase = passphrase, .log_n = log_n };

    return encrypt_oneshot(&r, plain, len, sink, ctx);
}
