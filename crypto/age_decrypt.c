/*
 * age_decrypt.c: reading an age file: armor detection, the header, the file
 * key (X25519 identities or one passphrase), the header MAC, and the STREAM
 * payload, one authenticated chunk at a time.
 *
 * What counts as what (the codes of common/err.h):
 *   -EINVAL   malformed armor, header, stanza, or payload nonce; an X25519
 *             share of low order; an scrypt work factor over the limit
 *   -EKEYREJECTED  no identity matches, or a wrong passphrase: the key
 *             given does not open the file (so a caller may ask again)
 *   -EBADMSG  a bad header MAC, a payload chunk that fails authentication,
 *             a truncated payload or data after the final chunk: the file
 *             was altered (asking again cannot help)
 */
#include "crypto/age_internal.h"

#include "common/err.h"
#include "common/secmem.h"

#include <stdlib.h>
#include <string.h>

#define ARMOR_PEEK (1024 + 8) /* enough to see past leading whitespace */

struct dec {
    struct age_keys  *k;
    uint8_t          *plain; /* secure: one chunk of plaintext */
    size_t            plain_cap;
    uint8_t          *hdr; /* the header's bytes, for the MAC */
    size_t            hdr_len;
    struct age_header h;
};

/* Collects header lines through the first one that starts with "---". */
static int
read_header(struct dec *d, struct age_rd *r)
{
    const uint8_t *line;
    size_t         n, cap = 0;
    uint8_t       *p;
    int            rc;

    for (;;) {
        /* a malformed line of its own; a source's error (bad armor) keeps its message */
        if ((rc = age_rd_line(r, r->cap - 1, true, &line, &n)) == -EINVAL && !r->src_failed)
            return okra_fail(
                -EINVAL, d->hdr_len ? "age header: a line is too long" : "not an age file");
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        if (d->hdr_len + n > AGE_HEADER_MAX)
            return okra_fail(-EINVAL, "age header: larger than %d bytes", AGE_HEADER_MAX);
        if (d->hdr_len + n > cap) {
            cap = (d->hdr_len + n) * 2;
            if ((p = realloc(d->hdr, cap)) == NULL)
                return okra_fail(-ENOMEM, "out of memory");
            d->hdr = p;
        }
        memcpy(d->hdr + d->hdr_len, line, n);
        d->hdr_len += n;
        /* a wrong first line is reported as such, without reading on */
        if (d->hdr_len == n && (n != sizeof AGE_INTRO - 1 || memcmp(line, AGE_INTRO, n) != 0))
            break;
        if (n >= 3 && memcmp(line, "---", 3) == 0)
            break;
    }
    return age_header_parse(d->hdr, d->hdr_len, &d->h);
}

static int
unwrap_scrypt(struct dec *d, const struct age_identities *ids)
{
    const struct age_stanza *s = &d->h.st[0];
    uint8_t                  salt[AGE_SCRYPT_SALT_LEN];
    int log_n, max = ids->max_log_n > 0 ? ids->max_log_n : AGE_SCRYPT_MAX_LOG_N;
    int rc;

    if (ids->passphrase == NULL)
        return okra_fail(-EKEYREJECTED,
            "age: the file is protected by a passphrase, and none was "
            "given");
    if ((rc = age_stanza_scrypt(s, salt, &log_n)) < 0)
        return rc;
    if (log_n > max)
        return okra_fail(-EINVAL,
            "age: the file's scrypt work factor 2^%d is over the limit of 2^%d "
            "(it would take too long or too much memory)",
            log_n, max);
    if ((rc = age_scrypt_key(d->k, ids->passphrase, salt, log_n)) < 0)
        return rc;
    if (age_unwrap_file_key(d->k, s->body) < 0)
        return okra_fail(-EKEYREJECTED, "age: wrong passphrase");
    return 0;
}

/* Tries every X25519 stanza with one identity: 0, -EBADMSG (none), or an error. */
static int
unwrap_x25519_one(struct dec *d, const uint8_t secret[AGE_KEY_LEN])
{
    uint8_t pub[AGE_KEY_LEN], share[AGE_KEY_LEN];
    size_t  i;
    int     rc;

    if ((rc = age_x25519_public(secret, pub)) < 0)
        return rc;
    for (i = 0; i < d->h.n; i++) {
        if (!age_arg_is(&d->h.st[i].args[0], "X25519"))
            continue;
        if ((rc = age_stanza_x25519(&d->h.st[i], share)) < 0)
            return rc;
        rc = age_x25519_unwrap(d->k, secret, pub, share, d->h.st[i].body);
        if (rc != -EBADMSG)
            return rc;
    }
    return -EBADMSG;
}

static int
unwrap(struct dec *d, const struct age_identities *ids)
{
    size_t i;
    int    rc;

    if (d->h.n == 1 && age_arg_is(&d->h.st[0].args[0], "scrypt"))
        return unwrap_scrypt(d, ids);
    for (i = 0; i < ids->n_x25519; i++)
        if ((rc = unwrap_x25519_one(d, ids->x25519[i])) != -EBADMSG)
            return rc;
    return okra_fail(-EKEYREJECTED, "age: no identity matches (the file is for other recipients)");
}

static int
verify_mac(struct dec *d)
{
    uint8_t mac[AGE_MAC_LEN];
    int     rc;

    if ((rc = age_header_mac(d->k, d->hdr, d->h.mac_len, mac)) < 0)
        return rc;
    if (crypto_verify_32(mac, d->h.mac) != 0)
        return okra_fail(-EBADMSG, "age: the header MAC does not match (the header was altered)");
    return 0;
}

/*
 * One chunk of n bytes at the reader's position, released only once
 * authenticated. A full-size chunk may be the last one: as the reference
 * implementation does, it is tried as a middle chunk first, then as the
 * final one; *last says which it was.
 */
static int
open_chunk(struct dec *d, struct age_rd *r, size_t n, uint64_t counter, bool *last,
    age_sink_fn sink, void *ctx)
{
    uint8_t            nonce[12];
    unsigned long long len = 0;
    int                rc = -1;

    if (n - AGE_TAG_LEN <= d->plain_cap) {
        age_stream_nonce(nonce, counter, *last);
        rc = crypto_aead_chacha20poly1305_ietf_decrypt(
            d->plain, &len, NULL, r->buf + r->pos, n, NULL, 0, nonce, d->k->payload_key);
        if (rc != 0 && !*last) {
            *last = true;
            age_stream_nonce(nonce, counter, true);
            rc = crypto_aead_chacha20poly1305_ietf_decrypt(
                d->plain, &len, NULL, r->buf + r->pos, n, NULL, 0, nonce, d->k->payload_key);
        }
    }
    if (rc != 0)
        return okra_fail(-EBADMSG,
            "age: payload chunk %llu failed authentication (the file "
            "is damaged, truncated or altered)",
            (unsigned long long)counter);
    r->pos += n;
    return len ? sink(ctx, d->plain, (size_t)len) : 0;
}

static int
payload(struct dec *d, struct age_rd *r, age_sink_fn sink, void *ctx)
{
    uint8_t  nonce[AGE_NONCE_LEN];
    uint64_t counter;
    size_t   n;
    bool     last;
    int      rc;

    if ((rc = age_rd_fill(r, AGE_NONCE_LEN)) < 0)
        return rc;
    if (age_rd_avail(r) < AGE_NONCE_LEN)
        return okra_fail(-EINVAL, "age: the payload nonce is missing");
    memcpy(nonce, r->buf + r->pos, AGE_NONCE_LEN);
    r->pos += AGE_NONCE_LEN;
    if ((rc = age_hkdf(
             d->k->payload_key, d->k->file_key, AGE_FILE_KEY_LEN, nonce, sizeof nonce, "payload"))
        < 0)
        return rc;
    for (counter = 0;; counter++) {
        if ((rc = age_rd_fill(r, AGE_ENC_CHUNK_LEN)) < 0)
            return rc;
        n = age_rd_avail(r);
        if (n > AGE_ENC_CHUNK_LEN)
            n = AGE_ENC_CHUNK_LEN;
        else if (n < AGE_ENC_CHUNK_LEN && !r->eof)
            return okra_fail(-EIO, "age: internal error: reader buffer too small");
        last = n < AGE_ENC_CHUNK_LEN; /* a short chunk can only be the last */
        if (n < AGE_TAG_LEN)
            return okra_fail(-EBADMSG, "age: the payload is truncated (no final chunk)");
        if (n == AGE_TAG_LEN && counter > 0)
            return okra_fail(-EBADMSG, "age: the final payload chunk is empty");
        if ((rc = open_chunk(d, r, n, counter, &last, sink, ctx)) < 0)
            return rc;
        if (!last)
            continue;
        if ((rc = age_rd_fill(r, 1)) < 0)
            return rc;
        if (age_rd_avail(r) > 0)
            return okra_fail(-EBADMSG, "age: data after the final payload chunk");
        return 0;
    }
}

static int
dec_init(struct dec *d, size_t size_hint)
{
    memset(d, 0, sizeof *d);
    d->plain_cap = size_hint < AGE_CHUNK_LEN ? size_hint : AGE_CHUNK_LEN;
    if ((d->k = age_keys_get()) == NULL || (d->plain = secmem_alloc(d->plain_cap)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    return 0;
}

static void
dec_free(struct dec *d)
{
    age_keys_put(d->k);
    secmem_free(d->plain);
    free(d->hdr);
    age_header_free(&d->h);
}

static int
decrypt_rd(
    struct dec *d, const struct age_identities *ids, struct age_rd *r, age_sink_fn sink, void *ctx)
{
    int rc;

    if ((rc = read_header(d, r)) < 0)
        return rc;
    if (ids == NULL || (ids->n_x25519 == 0 && ids->passphrase == NULL))
        return okra_fail(-EINVAL, "age: no identity or passphrase to decrypt with");
    if ((rc = unwrap(d, ids)) < 0 || (rc = verify_mac(d)) < 0)
        return rc;
    return payload(d, r, sink, ctx);
}

/* Whole input through raw, armored or not. cap sizes the buffers. */
static int
decrypt_source(
    const struct age_identities *ids, struct age_rd *raw, size_t cap, age_sink_fn sink, void *ctx)
{
    struct age_armor armor;
    struct age_rd    inner;
    struct dec       d;
    int              rc;

    if ((rc = age_rd_fill(raw, ARMOR_PEEK)) < 0)
        return rc;
    if (!age_armor_detect(raw->buf + raw->pos, age_rd_avail(raw))) {
        if ((rc = dec_init(&d, cap)) == 0)
            rc = decrypt_rd(&d, ids, raw, sink, ctx);
        dec_free(&d);
        return rc;
    }
    age_armor_init(&armor, raw);
    if ((rc = age_rd_init(&inner, age_armor_read, &armor, cap)) < 0)
        return rc;
    if ((rc = dec_init(&d, cap)) == 0)
        rc = decrypt_rd(&d, ids, &inner, sink, ctx);
    dec_free(&d);
    age_rd_free(&inner);
    return rc;
}

int
age_decrypt(
    const struct age_identities *ids, const uint8_t *in, size_t len, age_sink_fn sink, void *ctx)
{
    struct age_mem_src m = { .p = in, .len = len };
    struct age_rd      raw;
    /* the whole input fits, so a short file needs no 64 KiB buffers */
    size_t cap = len < AGE_ENC_CHUNK_LEN + 1 ? len + 1 : AGE_ENC_CHUNK_LEN + 1;
    int    rc;

    if ((rc = age_rd_init(&raw, age_mem_read, &m, cap)) < 0)
        return rc;
    rc = decrypt_source(ids, &raw, cap, sink, ctx);
    age_rd_free(&raw);
    return rc;
}

int
age_decrypt_stream(const struct age_identities *ids, age_source_fn source, void *src_ctx,
    age_sink_fn sink, void *sink_ctx)
{
    struct age_rd raw;
    int           rc;

    if ((rc = age_rd_init(&raw, source, src_ctx, AGE_ENC_CHUNK_LEN + 1)) < 0)
        return rc;
    rc = decrypt_source(ids, &raw, AGE_ENC_CHUNK_LEN + 1, sink, sink_ctx);
    age_rd_free(&raw);
    return rc;
}

bool
age_looks_like(const uint8_t *p, size_t n)
{
    static const char prefix[] = "age-encryption.org/";
    static const char begin[] = "-----BEGIN AGE ENCRYPTED FILE-----";
    size_t            i = 0;

    if (p == NULL)
        return false;
    if (n >= sizeof prefix - 1 && memcmp(p, prefix, sizeof prefix - 1) == 0)
        return true;
    while (i < n && i < 1024 && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
        i++;
    return n - i >= sizeof begin - 1 && memcmp(p + i, begin, sizeof begin - 1) == 0;
}

int
age_sink_secbuf(void *ctx, const uint8_t *p, size_t n)
{
    return secbuf_append(ctx, p, n);
}
