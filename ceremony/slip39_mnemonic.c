/*
 * slip39_mnemonic.c: one share <-> one mnemonic.
 *
 *   id 15 | ext 1 | e 4 | GI 4 | Gt 4 | g 4 | I 4 | t 4 | padding + value | checksum 30
 *
 * 10 bits per word, big endian. The words encode the share value, so word
 * lookups scan the whole list (no binary search, no table index by a
 * word), and stack copies of words and indices are wiped on every path.
 */
#include "ceremony/slip39.h"
#include "ceremony/slip39_internal.h"
#include "common/err.h"

#include <sodium.h>
#include <string.h>

#define META_WORDS 4 /* id .. t: 40 bits */

_Static_assert(SLIP39_MAX_WORDS *(SLIP39_WORD_MAX + 1) < SLIP39_MNEMONIC_MAX,
    "a mnemonic of the longest words fits");
_Static_assert(SLIP39_MAX_WORDS - META_WORDS - SLIP39_CHECKSUM_WORDS
        == (SLIP39_MAX_SECRET * 8 + SLIP39_RADIX_BITS - 1) / SLIP39_RADIX_BITS,
    "33 words hold a 256-bit value");

/* Lookup by index; index is public here (callers that hold secrets use slip39_word_copy). */
const char *
slip39_word(unsigned index)
{
    return index < SLIP39_WORDS ? slip39_wordlist[index] : NULL;
}

int
slip39_word_index(const char *word, size_t len)
{
    return slip39_word_lookup(word, len);
}

/* ASCII lower case without a branch on the letter. */
static uint8_t
lower(uint8_t c)
{
    unsigned upper = (unsigned)(c - 'A') < 26;

    return (uint8_t)(c | (upper << 5));
}

/* The 8 letters of a NUL-padded word as one integer (the 9th byte is always NUL). */
static uint64_t
word_bits(const char *w)
{
    uint64_t x;

    memcpy(&x, w, sizeof x);
    return x;
}

int
slip39_word_lookup(const char *word, size_t len)
{
    char     buf[SLIP39_WORD_MAX + 1] = { 0 };
    uint64_t want, diff;
    unsigned i, k, index = 0, found = 0, nul = 0;

    if (len == 0 || len > SLIP39_WORD_MAX)
        return -1;
    for (k = 0; k < len; k++) {
        buf[k] = (char)lower((uint8_t)word[k]);
        nul |= buf[k] == 0;
    }
    want = word_bits(buf);
    for (i = 0; i < SLIP39_WORDS; i++) {
        unsigned eq;

        diff = want ^ word_bits(slip39_wordlist[i]);
        eq = (unsigned)(((diff | (0 - diff)) >> 63) ^ 1); /* 1 when diff is 0 */
        index |= i & (0u - eq);
        found |= eq;
    }
    sodium_memzero(buf, sizeof buf);
    return found && !nul ? (int)index : -1;
}

void
slip39_word_copy(unsigned index, char out[SLIP39_WORD_MAX + 1])
{
    uint64_t w = 0;
    unsigned i;

    for (i = 0; i < SLIP39_WORDS; i++) {
        uint64_t mask = 0 - (uint64_t)(((i ^ index) - 1) >> 31); /* all ones when i == index */

        w |= word_bits(slip39_wordlist[i]) & mask;
    }
    memcpy(out, &w, sizeof w);
    out[SLIP39_WORD_MAX] = '\0';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The reason for an unknown word, quoting at most 12 printable bytes of it. */
static int
bad_word(size_t pos, const char *w, size_t len)
{
    char   q[16];
    size_t k, n = len < 12 ? len : 12;

    for (k = 0; k < n; k++)
        q[k] = w[k] > 0x20 && w[k] < 0x7f ? w[k] : '?';
    q[n] = '\0';
    okra_fail(-EINVAL, "word %zu ('%s%s') is not in the SLIP-0039 word list", pos, q,
        len > n ? "..." : "");
    sodium_memzero(q, sizeof q);
    return -EINVAL;
}

/* Splits on white space and looks each word up; counts words past the maximum. */
static int
to_indices(const char *m, uint16_t words[SLIP39_MAX_WORDS], size_t *ret_n)
{
    size_t n = 0;

    for (;;) {
        const char *w;
        size_t      len;
        int         idx;

        while (is_space(*m))
            m++;
        if (*m == '\0')
            break;
        for (w = m; *m != '\0' && !is_space(*m); m++)
            ;
        len = (size_t)(m - w);
        if (n < SLIP39_MAX_WORDS) {
            if ((idx = slip39_word_lookup(w, len)) < 0)
                return bad_word(n + 1, w, len);
            words[n] = (uint16_t)idx;
        }
        n++;
    }
    *ret_n = n;
    return 0;
}

static int
check_length(size_t n)
{
    if (n == 0)
        return okra_fail(-EINVAL, "no words given (empty mnemonic)");
    if (n < SLIP39_MIN_WORDS)
        return okra_fail(
            -EINVAL, "%zu words; a SLIP-0039 share has at least %d", n, SLIP39_MIN_WORDS);
    if (n > SLIP39_MAX_WORDS)
        return okra_fail(
            -EINVAL, "%zu words; okra takes at most %d (256-bit secrets)", n, SLIP39_MAX_WORDS);
    if ((n - META_WORDS - SLIP39_CHECKSUM_WORDS) * SLIP39_RADIX_BITS % 16 > 8)
        return okra_fail(
            -EINVAL, "%zu words is not a SLIP-0039 length (a word is missing or extra)", n);
    return 0;
}

static unsigned
value_bit(const uint16_t *words, size_t pos)
{
    return (words[META_WORDS + pos / 10] >> (9 - pos % 10)) & 1;
}

/* Unpacks the fields and the value of n checked words into s. */
static int
unpack(const uint16_t *words, size_t n, struct slip39_share *s)
{
    size_t   bits = (n - META_WORDS - SLIP39_CHECKSUM_WORDS) * SLIP39_RADIX_BITS;
    size_t   pad = bits % 16, j, b;
    unsigned padbits = 0;

    s->identifier = (uint16_t)(words[0] << 5 | words[1] >> 5);
    s->extendable = (words[1] >> 4) & 1;
    s->iteration_exponent = words[1] & 0xf;
    s->group_index = (uint8_t)(words[2] >> 6);
    s->group_threshold = (uint8_t)(((words[2] >> 2) & 0xf) + 1);
    s->group_count = (uint8_t)((((words[2] & 3) << 2) | (words[3] >> 8)) + 1);
    s->member_index = (words[3] >> 4) & 0xf;
    s->member_threshold = (uint8_t)((words[3] & 0xf) + 1);
    s->value_len = (uint8_t)((bits - pad) / 8);
    for (j = 0; j < pad; j++)
        padbits |= value_bit(words, j);
    for (j = 0; j < s->value_len; j++) {
        unsigned v = 0;

        for (b = 0; b < 8; b++)
            v = v << 1 | value_bit(words, pad + 8 * j + b);
        s->value[j] = (uint8_t)v;
    }
    if (padbits)
        return okra_fail(-EINVAL, "padding bits are not zero (not a valid share)");
    if (s->group_threshold > s->group_count)
        return okra_fail(-EINVAL, "group threshold %u is above the group count %u",
            s->group_threshold, s->group_count);
    return 0;
}

static int
decode_into(const char *mnemonic, uint16_t *words, struct slip39_share *s)
{
    size_t n = 0;
    int    rc;

    if ((rc = to_indices(mnemonic, words, &n)) < 0 || (rc = check_length(n)) < 0)
        return rc;
    if (!rs1024_verify_checksum((words[1] >> 4) & 1, words, n))
        return okra_fail(
            -EINVAL, "checksum does not match (a word is wrong, missing or out of order)");
    return unpack(words, n, s);
}

int
slip39_decode(const char *mnemonic, struct slip39_share *ret)
{
    uint16_t            words[SLIP39_MAX_WORDS];
    struct slip39_share s;
    int                 rc;

    memset(&s, 0, sizeof s);
    if ((rc = decode_into(mnemonic, words, &s)) == 0)
        *ret = s;
    sodium_memzero(words, sizeof words);
    sodium_memzero(&s, sizeof s);
    return rc;
}

int
slip39_check_share(const struct slip39_share *s)
{
    if (s->identifier > 0x7fff || s->iteration_exponent > 15)
        return okra_fail(-EINVAL, "share identifier %u or iteration exponent %u out of range",
            s->identifier, s->iteration_exponent);
    if (s->group_index > 15 || s->member_index > 15)
        return okra_fail(-EINVAL, "share group index %u or member index %u out of range (0 to 15)",
            s->group_index, s->member_index);
    if (s->group_threshold < 1 || s->group_threshold > s->group_count || s->group_count > 16)
        return okra_fail(-EINVAL, "group threshold %u of %u groups is not possible",
            s->group_threshold, s->group_count);
    if (s->member_threshold < 1 || s->member_threshold > 16)
        return okra_fail(
            -EINVAL, "member threshold %u is out of range (1 to 16)", s->member_threshold);
    if (s->value_len < 16 || s->value_len > SLIP39_MAX_SECRET || s->value_len % 2)
        return okra_fail(-EINVAL, "a share value of %u bytes is not possible (16 to %d, even)",
            s->value_len, SLIP39_MAX_SECRET);
    return 0;
}

/* Words of a checked share, checksum included; returns the word count. */
static size_t
pack(const struct slip39_share *s, uint16_t words[SLIP39_MAX_WORDS])
{
    size_t   nv = ((size_t)s->value_len * 8 + SLIP39_RADIX_BITS - 1) / SLIP39_RADIX_BITS;
    size_t   pad = nv * SLIP39_RADIX_BITS - (size_t)s->value_len * 8, n = META_WORDS + nv, j, b;
    unsigned g = s->group_count - 1u;

    memset(words, 0, SLIP39_MAX_WORDS * sizeof *words);
    words[0] = s->identifier >> 5;
    words[1] = (uint16_t)((s->identifier & 31) << 5 | (unsigned)s->extendable << 4
        | s->iteration_exponent);
    words[2] = (uint16_t)(s->group_index << 6 | (s->group_threshold - 1u) << 2 | g >> 2);
    words[3]
        = (uint16_t)((g & 3) << 8 | (unsigned)s->member_index << 4 | (s->member_threshold - 1u));
    for (j = 0; j < s->value_len; j++)
        for (b = 0; b < 8; b++) {
            size_t pos = pad + 8 * j + b;

            words[META_WORDS + pos / 10]
                |= (uint16_t)(((s->value[j] >> (7 - b)) & 1u) << (9 - pos % 10));
        }
    rs1024_create_checksum(s->extendable, words, n, words + n);
    return n + SLIP39_CHECKSUM_WORDS;
}

int
slip39_encode(const struct slip39_share *share, char *out)
{
    uint16_t words[SLIP39_MAX_WORDS];
    char     w[SLIP39_WORD_MAX + 1];
    size_t   n, i, k, pos = 0;
    int      rc;

    if ((rc = slip39_check_share(share)) < 0)
        return rc;
    n = pack(share, words);
    for (i = 0; i < n; i++) {
        size_t wlen = 0;

        slip39_word_copy(words[i], w);
        for (k = 0; k < SLIP39_WORD_MAX; k++)
            wlen += w[k] != 0;
        memcpy(out + pos, w, SLIP39_WORD_MAX); /* the NULs past wlen are overwritten next */
        pos += wlen;
        out[pos++] = ' ';
    }
    out[pos - 1] = '\0';
    sodium_memzero(words, sizeof words);
    sodium_memzero(w, sizeof w);
    return 0;
}
