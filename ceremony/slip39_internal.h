/*
 * slip39_internal.h: pieces of the SLIP-0039 module shared between its files
 * (word list, RS1024 checksum). Not for use outside ceremony/ and tests.
 *
 * Word indices are secret (they encode a share): the functions here take
 * them in caller's memory and do not branch on them or index tables by them.
 */
#ifndef OKRA_SLIP39_INTERNAL_H
#define OKRA_SLIP39_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ceremony/slip39.h"
#include "common/err.h"

#define SLIP39_WORDS 1024
#define SLIP39_WORD_MAX 8 /* letters in the longest word */
#define SLIP39_RADIX_BITS 10 /* bits per word */
#define SLIP39_CHECKSUM_WORDS 3
#define SLIP39_MIN_WORDS 20 /* 128-bit secret */
#define SLIP39_MAX_WORDS 33 /* 256-bit secret, the most okra takes */

/* The spec's list, sorted, each entry NUL-padded (slip39_wordlist.c). */
extern const char slip39_wordlist[SLIP39_WORDS][SLIP39_WORD_MAX + 1];

/*
 * RS1024 over the customization string ("shamir" or "shamir_extendable",
 * chosen by extendable) and n 10-bit values. data is secret; n is public.
 */
uint32_t rs1024_polymod(bool extendable, const uint16_t *data, size_t n);

/* The three checksum words for n data words. */
void rs1024_create_checksum(
    bool extendable, const uint16_t *data, size_t n, uint16_t ret[SLIP39_CHECKSUM_WORDS]);

/* True when the last three of the n words are the checksum of the others. */
OKRA_MUST_CHECK
bool rs1024_verify_checksum(bool extendable, const uint16_t *data, size_t n);

/*
 * Constant-time word lookups: every entry of the list is read whatever the
 * word. word is up to len bytes, any case; returns 0..1023 or -1.
 * slip39_word_copy writes the NUL-padded word for index (0..1023) into out.
 */
int  slip39_word_lookup(const char *word, size_t len);
void slip39_word_copy(unsigned index, char out[SLIP39_WORD_MAX + 1]);

/* Range checks on a share's public fields and value length (for encode and combine). */
int slip39_check_share(const struct slip39_share *s);

#endif
