/*
 * secmem.h: memory for secrets.
 *
 * Everything secret (keys, passphrases, shares, decrypted payloads) lives in
 * memory from sodium_malloc: guard pages, a canary, mlock, MADV_DONTDUMP.
 * secmem_free wipes before it releases. All functions accept NULL where a
 * pointer is freed.
 */
#ifndef OKRA_SECMEM_H
#define OKRA_SECMEM_H

#include <stddef.h>
#include <stdint.h>

/* sodium_init once; returns 0 or a negative code. Safe to call repeatedly. */
int okra_crypto_init(void);

void *secmem_alloc(size_t n);
void  secmem_free(void *p);

/* A copy of n bytes (plus a NUL) in secure memory. */
char *secmem_strndup(const char *s, size_t n);

/*
 * A growable byte buffer in secure memory. Growing copies into a new
 * sodium_malloc block and wipes the old one.
 */
struct secbuf {
    uint8_t *p;
    size_t   len;
    size_t   cap;
};

int  secbuf_reserve(struct secbuf *b, size_t total);
int  secbuf_append(struct secbuf *b, const void *data, size_t n);
void secbuf_free(struct secbuf *b); /* wipes, frees, zeroes the struct */

#endif
