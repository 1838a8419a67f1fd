#include "common/sha256.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

static EVP_MD        *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int
sha256_init(struct sha256 *h)
{
    pthread_once(&sha256_once, fetch_sha256);
    if (sha256_md == NULL)
        return -1;
    if (h->ctx == NULL && (h->ctx = EVP_MD_CTX_new()) == NULL)
        return -1;
    return EVP_DigestInit_ex(h->ctx, sha256_md, NULL) == 1 ? 0 : -1;
}

void
sha256_update(struct sha256 *h, const void *p, size_t n)
{
    if (n)
        EVP_DigestUpdate(h->ctx, p, n);
}

void
sha256_final(struct sha256 *h, uint8_t out[SHA256_LEN])
{
    unsigned int n = SHA256_LEN;

    EVP_DigestFinal_ex(h->ctx, out, &n);
}

void
sha256_free(struct sha256 *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

void
sha256_oneshot(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
    struct sha256 h = { 0 };

    if (sha256_init(&h) == 0) {
        sha256_update(&h, p, n);
        sha256_final(&h, out);
    }
    sha256_free(&h);
}
