/*
 * sha256.h: SHA-256 through OpenSSL (which uses the CPU's SHA extensions),
 * with the algorithm fetched once rather than on every init.
 */
#ifndef OKRA_SHA256_H
#define OKRA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
    void *ctx; /* EVP_MD_CTX */
};

int  sha256_init(struct sha256 *h);   /* also resets a used context */
void sha256_update(struct sha256 *h, const void *p, size_t n);
void sha256_final(struct sha256 *h, uint8_t out[SHA256_LEN]); /* ready for sha256_init again */
void sha256_free(struct sha256 *h);
void sha256_oneshot(const void *p, size_t n, uint8_t out[SHA256_LEN]);

#endif
