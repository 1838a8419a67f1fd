/*
 * pgpwords.h: bytes as words of the PGP word list, for reading a hash aloud
 * (as the root KSK ceremonies do since 2016). Nothing here is secret; it is
 * for hashes and fingerprints.
 */
#ifndef OKRA_PGPWORDS_H
#define OKRA_PGPWORDS_H

#include <stddef.h>
#include <stdint.h>

/* The longest word of either list ("businessman", "chambermaid", ...), in bytes. */
#define PGPWORDS_WORD_MAX 11

/* The word for byte at this offset in the sequence (even list, else odd list). */
const char *pgpwords_word(uint8_t byte, size_t offset);

/*
 * The words for n bytes, separated by spaces, with a newline instead of the
 * space before every group-th word (group 0: one line). Writes a NUL-terminated
 * string into out; returns its length, or -1 when cap is too small.
 * (PGPWORDS_WORD_MAX + 1) * n + 1 bytes always suffice.
 */
int pgpwords_encode(const uint8_t *in, size_t n, size_t group, char *out, size_t cap);

#endif
