/*
 * slip39.h: SLIP-0039 Shamir's secret-sharing mnemonics (satoshilabs SLIP-0039).
 *
 * Split and combine for one group (okra's use: member threshold T of N),
 * 128- to 256-bit master secrets (any even length >= 16 bytes the spec allows),
 * the digest share, RS1024 checksum, the 4-round Feistel encryption of the
 * master secret with a passphrase and iteration exponent, and the extendable
 * flag (both kinds accepted; new shares set it when asked). Mnemonics that
 * use several groups are decoded and combined as the spec says when a
 * quorum of groups is given, or refused with a clear reason.
 *
 * Field arithmetic over GF(256) does not index tables by secret values (no
 * log/exp tables on secret data): constant-time multiply and inverse.
 *
 * Secrets: the master secret, share values and mnemonic words (they encode
 * the share) live in sodium_malloc'd memory; the module wipes its own
 * temporaries. Public: identifier, indices, thresholds, iteration exponent.
 *
 * Errors: 0 or a negative code (common/err.h) with a reason that names what
 * is wrong: "word 7 ('foo') is not in the SLIP-0039 word list",
 * "checksum does not match", "shares belong to different sets (identifiers
 * 1234 and 5678)", "share 3 given twice (member index 2)", "3 shares
 * needed, 1 given (2 more)", "digest does not match (wrong or corrupted shares)", ...
 */
#ifndef OKRA_SLIP39_H
#define OKRA_SLIP39_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SLIP39_MAX_SECRET 32
#define SLIP39_MAX_SHARES 16
#define SLIP39_MNEMONIC_MAX 512 /* 33 words of at most 8 letters, spaces, NUL */

/* One decoded share (a mnemonic's fields). value is secret. */
struct slip39_share {
    uint16_t identifier;         /* 15 bits */
    bool     extendable;
    uint8_t  iteration_exponent; /* 0..15 */
    uint8_t  group_index;        /* 0..15 */
    uint8_t  group_threshold;    /* 1..16 */
    uint8_t  group_count;        /* 1..16 */
    uint8_t  member_index;       /* 0..15 (okra shows it + 1) */
    uint8_t  member_threshold;   /* 1..16 */
    uint8_t  value_len;          /* bytes, = master secret length */
    uint8_t  value[SLIP39_MAX_SECRET];
};

/* The 1024 words, sorted; word_index returns 0..1023 or -1. */
const char *slip39_word(unsigned index);
int         slip39_word_index(const char *word, size_t len);

/*
 * Decodes and checks one mnemonic (words separated by whitespace, any case):
 * word list, length, padding, RS1024 checksum (with the customization string
 * for the extendable flag). ret is the caller's secure memory.
 */
int slip39_decode(const char *mnemonic, struct slip39_share *ret);

/* Encodes a share into a mnemonic (single spaces); out holds SLIP39_MNEMONIC_MAX. */
int slip39_encode(const struct slip39_share *share, char *out);

/*
 * Splits a master secret (len 16..32, even) into count shares of one group
 * with the given member threshold (1 <= threshold <= count <= 16; threshold 1
 * means count copies as the spec requires). The identifier is a fresh random
 * 15-bit value, returned in *ret_identifier.
 * passphrase may be "" (okra uses ""). ret_mnemonics: count buffers of
 * SLIP39_MNEMONIC_MAX each, caller's secure memory; wiped on failure.
 * ret_identifier may be NULL.
 */
int slip39_split(const uint8_t *secret, size_t len, const char *passphrase,
                 uint8_t iteration_exponent, bool extendable, uint8_t threshold, uint8_t count,
                 uint16_t *ret_identifier, char (*ret_mnemonics)[SLIP39_MNEMONIC_MAX]);

/*
 * Combines decoded shares into the master secret. All shares must agree on
 * identifier, extendable flag, iteration exponent, group threshold and group
 * count; no member index twice in a group; enough members in enough groups.
 * ret_secret: caller's secure memory of SLIP39_MAX_SECRET; *ret_len set.
 *
 * Every share given is used: more members than a group's threshold (or more
 * complete groups than the group threshold) are all interpolated, so one
 * that does not belong fails the digest; a group with too few members is
 * refused even when other groups suffice. (The spec asks for exactly the
 * thresholds; extra shares only add checks.) The passphrase is not checked:
 * a wrong one gives a different secret, as the spec intends. Cost: 4 rounds
 * of PBKDF2 at 2500 << iteration_exponent iterations (exponent 15 takes
 * minutes). slip39_combine_ems (shamir_hazmat.h) stops before that.
 */
OKRA_MUST_CHECK
int slip39_combine(const struct slip39_share *shares, size_t n, const char *passphrase,
                   uint8_t *ret_secret, size_t *ret_len);

/* Convenience: decode each mnemonic, then combine. */
OKRA_MUST_CHECK
int slip39_combine_mnemonics(const char *const *mnemonics, size_t n, const char *passphrase,
                             uint8_t *ret_secret, size_t *ret_len);

#endif
