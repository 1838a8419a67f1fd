/*
 * fuzz_age.c: age decryption and the recipient and identity parsers on
 * arbitrary bytes.
 *
 * The X25519 identity and the passphrase are those of the C2SP CCTV vectors
 * (the seed corpus, see age.seeds), so mutations of the seeds get past the
 * header into the payload. A seed's testkit header ("expect: ...", an empty
 * line) is skipped. The passphrase path caps scrypt at 2^10 to stay fast.
 */
#include "common/secmem.h"
#include "crypto/age.h"
#include "crypto/bech32.h"

#include <stdlib.h>
#include <string.h>

#define CCTV_IDENTITY "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a decryption released: how much, and an FNV-1a hash of it. */
struct released {
    size_t   total;
    uint64_t fnv;
};

static int
count_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct released *r = ctx;
    size_t           i;

    /* every byte is read, so a wrong length shows under ASan */
    for (i = 0; i < n; i++)
        r->fnv = (r->fnv ^ p[i]) * 0x100000001b3ull;
    r->total += n;
    return 0;
}

struct trickle {
    const uint8_t *p;
    size_t         len, off;
};

/* A source that returns 1..13 bytes at a time. */
static long
trickle_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct trickle *t = ctx;
    size_t          n = t->len - t->off, step = 1 + t->off % 13;

    if (n > step)
        n = step;
    if (n > cap)
        n = cap;
    memcpy(buf, t->p + t->off, n);
    t->off += n;
    return (long)n;
}

/* Skips a CCTV testkit header, if the input has one. */
static void
skip_testkit(const uint8_t **data, size_t *size)
{
    const uint8_t *end;

    if (*size < 8 || memcmp(*data, "expect: ", 8) != 0)
        return;
    if ((end = memmem(*data, *size, "\n\n", 2)) == NULL)
        return;
    *size -= (size_t)(end + 2 - *data);
    *data = end + 2;
}

/* A parsed recipient or identity formats back to the very same string. */
static void
fuzz_parsers(const uint8_t *data, size_t size)
{
    char    *s = secmem_alloc(size + 1), *id = secmem_alloc(AGE_IDENTITY_MAX);
    uint8_t *sk = secmem_alloc(AGE_KEY_LEN), pk[AGE_KEY_LEN], buf[256];
    char     r[AGE_RECIPIENT_MAX], hrp[256];
    size_t   len;

    memcpy(s, data, size);
    s[size] = '\0';
    if (age_recipient_parse(s, pk) == 0 && (age_recipient_format(pk, r) != 0 || strcmp(r, s) != 0))
        abort();
    if (age_identity_parse(s, sk) == 0
        && (age_identity_format(sk, id) != 0 || strcmp(id, s) != 0
            || age_x25519_public(sk, pk) != 0))
        abort();
    (void)bech32_decode(s, hrp, sizeof hrp, buf, sizeof buf, &len);
    secmem_free(s);
    secmem_free(id);
    secmem_free(sk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t(*sk)[AGE_KEY_LEN];
    struct age_identities x, p = { .passphrase = "password", .max_log_n = 10 };
    struct trickle        t;
    struct released       mem = { 0, 0xcbf29ce484222325ull }, pass = mem, stream = mem;
    int                   rc1, rc2;

    if (sk == NULL) {
        if (okra_crypto_init() < 0 || (sk = secmem_alloc(AGE_KEY_LEN)) == NULL
            || age_identity_parse(CCTV_IDENTITY, sk[0]) != 0)
            abort();
    }
    x = (struct age_identities) { .x25519 = (const uint8_t(*)[AGE_KEY_LEN])sk, .n_x25519 = 1 };
    if (size <= 256)
        fuzz_parsers(data, size);
    skip_testkit(&data, &size);
    (void)age_looks_like(data, size);
    rc1 = age_decrypt(&x, data, size, count_sink, &mem);
    (void)age_decrypt(&p, data, size, count_sink, &pass);
    /* streaming gives the same verdict, and releases the same bytes, as in memory */
    t = (struct trickle) { .p = data, .len = size };
    rc2 = age_decrypt_stream(&x, trickle_read, &t, count_sink, &stream);
    if (rc1 != rc2 || mem.total != stream.total || mem.fnv != stream.fnv)
        abort();
    return 0;
}
