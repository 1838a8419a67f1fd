/*
 * age_ephemeral.c: the ephemeral X25519 key pairs of age's X25519 stanzas,
 * made a batch at a time.
 *
 * Every sealed file needs a fresh ephemeral secret and its share
 * X25519(secret, 9). libsodium 1.0.18 computes that with a Montgomery ladder
 * (28 us here), but the same point is the Ed25519 base point times the same
 * scalar, which libsodium computes from a table (15 us), mapped to
 * Montgomery form: u = (1 + y) / (1 - y) mod 2^255 - 19 (RFC 7748, section
 * 4.1). The map needs an inversion; a batch shares one (Montgomery's trick),
 * done with OpenSSL's BIGNUM. Only public values (the shares' coordinates)
 * go through BIGNUM, so it need not be constant-time; the secrets stay in
 * sodium_malloc'd memory and are wiped as they are handed out.
 *
 * Should anything in a batch fail, the batch is made with
 * crypto_scalarmult_base instead: slower, never wrong. The secrets of a batch
 * not yet handed out when the process ends have sealed nothing; they stay in
 * locked memory until then (the main thread's pool is not freed at exit).
 */
#include "crypto/age_internal.h"

#include "common/secmem.h"

#include <errno.h>
#include <openssl/bn.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* An inversion (about 10 us) shared by this many; at most BATCH - 1 go unused at exit. */
#define BATCH 16

struct pool {
    uint8_t secret[BATCH][AGE_KEY_LEN];
    uint8_t share[BATCH][AGE_KEY_LEN];
    size_t  next, count;
    pid_t   pid; /* a forked child must not hand out its parent's secrets */
};

static pthread_once_t          pool_once = PTHREAD_ONCE_INIT;
static pthread_key_t           pool_tls;
static _Thread_local struct pool *pool_cached;

static void
pool_destroy(void *p)
{
    secmem_free(p); /* wipes */
}

static void
pool_make_key(void)
{
    (void)pthread_key_create(&pool_tls, pool_destroy);
}

/* share[i] = the Montgomery u of secret[i] times the Ed25519 base point, all at once. */
static int
base_batch_edwards(const uint8_t (*secret)[AGE_KEY_LEN], uint8_t (*share)[AGE_KEY_LEN], size_t n)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p, *y, *inv, *t, *num[BATCH], *den[BATCH], *prefix[BATCH];
    uint8_t ed[32];
    size_t  i;
    int     ok = 0;

    if (ctx == NULL || n == 0 || n > BATCH)
        goto out;
    BN_CTX_start(ctx);
    p = BN_CTX_get(ctx);
    y = BN_CTX_get(ctx);
    inv = BN_CTX_get(ctx);
    t = BN_CTX_get(ctx);
    for (i = 0; i < n; i++) {
        num[i] = BN_CTX_get(ctx);
        den[i] = BN_CTX_get(ctx);
        prefix[i] = BN_CTX_get(ctx);
    }
    if (prefix[n - 1] == NULL || !BN_set_bit(p, 255) || !BN_sub_word(p, 19))
        goto end;
    /* num = 1 + y, den = 1 - y, prefix[i] = den[0] * ... * den[i] */
    for (i = 0; i < n; i++) {
        if (crypto_scalarmult_ed25519_base_noclamp(ed, secret[i]) != 0)
            goto end; /* the identity: not for a clamped scalar, short of a 2^-250 chance */
        ed[31] &= 0x7f; /* the sign of x, which u does not depend on */
        if (BN_lebin2bn(ed, sizeof ed, y) == NULL || !BN_mod_add(num[i], BN_value_one(), y, p, ctx) ||
            !BN_mod_sub(den[i], BN_value_one(), y, p, ctx) || BN_is_zero(den[i]) ||
            !(i == 0 ? BN_copy(prefix[0], den[0]) != NULL
                     : BN_mod_mul(prefix[i], prefix[i - 1], den[i], p, ctx)))
            goto end;
    }
    if (BN_mod_inverse(inv, prefix[n - 1], p, ctx) == NULL)
        goto end;
    /* inv = 1 / (den[0] * ... * den[i]) going down: 1 / den[i] = inv * prefix[i - 1] */
    for (i = n; i-- > 0;) {
        if (i > 0 ? !BN_mod_mul(t, inv, prefix[i - 1], p, ctx) || !BN_mod_mul(inv, inv, den[i], p, ctx)
                  : BN_copy(t, inv) == NULL)
            goto end;
        if (!BN_mod_mul(t, t, num[i], p, ctx) || BN_bn2lebinpad(t, share[i], AGE_KEY_LEN) != AGE_KEY_LEN)
            goto end;
    }
    ok = 1;
end:
    BN_CTX_end(ctx);
out:
    BN_CTX_free(ctx);
    return ok;
}

int
age_x25519_base_batch(const uint8_t (*secret)[AGE_KEY_LEN], uint8_t (*share)[AGE_KEY_LEN], size_t n)
{
    size_t i;

    for (i = 0; i < n; i += BATCH) {
        size_t m = n - i < BATCH ? n - i : BATCH, j;

        if (base_batch_edwards(secret + i, share + i, m))
            continue;
        for (j = i; j < i + m; j++)
            if (crypto_scalarmult_base(share[j], secret[j]) != 0)
                return -EIO;
    }
    return 0;
}

static int
pool_fill(struct pool *p)
{
    size_t i;

    for (i = 0; i < BATCH; i++) {
        randombytes_buf(p->secret[i], AGE_KEY_LEN);
        /* clamped as X25519 would clamp it, so that both curves see one scalar */
        p->secret[i][0] &= 248;
        p->secret[i][31] &= 127;
        p->secret[i][31] |= 64;
    }
    if (age_x25519_base_batch((const uint8_t (*)[AGE_KEY_LEN])p->secret, p->share, BATCH) < 0) {
        sodium_memzero(p, sizeof *p);
        return -EIO;
    }
    p->next = 0;
    p->count = BATCH;
    p->pid = getpid();
    return 0;
}

int
age_ephemeral_take(uint8_t secret[AGE_KEY_LEN], uint8_t share[AGE_KEY_LEN])
{
    struct pool *p = pool_cached;

    if (p == NULL) {
        if ((p = secmem_alloc(sizeof *p)) == NULL)
            return -ENOMEM;
        sodium_memzero(p, sizeof *p); /* sodium_malloc fills with garbage */
        (void)pthread_once(&pool_once, pool_make_key);
        (void)pthread_setspecific(pool_tls, p); /* freed with the thread */
        pool_cached = p;
    }
    if (p->pid != getpid()) /* a new pool, or a forked child's copy: never reused */
        sodium_memzero(p, sizeof *p);
    if (p->next == p->count && pool_fill(p) < 0)
        return -EIO;
    memcpy(secret, p->secret[p->next], AGE_KEY_LEN);
    memcpy(share, p->share[p->next], AGE_KEY_LEN);
    sodium_memzero(p->secret[p->next], AGE_KEY_LEN);
    p->next++;
    return 0;
}
