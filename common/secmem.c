#include "common/secmem.h"
#include "common/err.h"

#include <sodium.h>
#include <string.h>

int
okra_crypto_init(void)
{
    /*
     * libsodium's own userspace generator (ChaCha20, fast key erasure, seeded
     * from getrandom, per thread, fork-safe) instead of one getrandom(2) per
     * draw: ingest draws three secrets per file. Set once, before init.
     */
    static int chosen;

    if (!chosen) {
        chosen = 1;
        randombytes_set_implementation(&randombytes_internal_implementation);
    }
    if (sodium_init() < 0)
        return okra_fail(-EIO, "libsodium could not be initialised");
    return 0;
}

void *
secmem_alloc(size_t n)
{
    return sodium_malloc(n == 0 ? 1 : n);
}

void
secmem_free(void *p)
{
    if (p != NULL)
        sodium_free(p);
}

char *
secmem_strndup(const char *s, size_t n)
{
    char *c = secmem_alloc(n + 1);

    if (c == NULL)
        return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

int
secbuf_reserve(struct secbuf *b, size_t total)
{
    size_t   cap;
    uint8_t *p;

    if (total <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < total) {
        if (cap > SIZE_MAX / 2)
            return okra_fail(-ENOMEM, "secure buffer too large");
        cap *= 2;
    }
    if ((p = secmem_alloc(cap)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if (b->len)
        memcpy(p, b->p, b->len);
    secmem_free(b->p);
    b->p = p;
    b->cap = cap;
    return 0;
}

int
secbuf_append(struct secbuf *b, const void *data, size_t n)
{
    int rc;

    if (n > SIZE_MAX - b->len)
        return okra_fail(-ENOMEM, "secure buffer too large");
    if ((rc = secbuf_reserve(b, b->len + n)) < 0)
        return rc;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

void
secbuf_free(struct secbuf *b)
{
    secmem_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
