/*
 * bech32.c: Bech32 encoding and decoding (BIP-173 checksum).
 *
 * The checksum and the 5-to-8 bit regrouping run as the characters stream
 * by, so no table of intermediate values (derived from secret data) sits on
 * the stack; the few accumulator words are wiped before returning.
 */
#include "crypto/bech32.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

static const char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t
polymod_step(uint32_t chk, uint8_t v)
{
    static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
    uint32_t              top = chk >> 25;
    int                   i;

    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (i = 0; i < 5; i++)
        chk ^= (uint32_t)(-(int32_t)((top >> i) & 1)) & gen[i];
    return chk;
}

static int
to_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* The checksum state after the expanded human-readable part (lowercased). */
static uint32_t
polymod_hrp(const char *hrp, size_t n)
{
    uint32_t chk = 1;
    size_t   i;

    for (i = 0; i < n; i++)
        chk = polymod_step(chk, (uint8_t)(to_lower((unsigned char)hrp[i]) >> 5));
    chk = polymod_step(chk, 0);
    for (i = 0; i < n; i++)
        chk = polymod_step(chk, (uint8_t)(to_lower((unsigned char)hrp[i]) & 31));
    return chk;
}

static int
charset_index(int c)
{
    const char *p;

    if (c == 0)
        return -1;
    p = strchr(CHARSET, to_lower(c));
    return p == NULL ? -1 : (int)(p - CHARSET);
}

int
bech32_encode(const char *hrp, const uint8_t *data, size_t len, bool upper, char *out, size_t cap)
{
    size_t   hlen = strlen(hrp), nchars = (len * 8 + 4) / 5, o = 0, i;
    uint32_t chk, acc = 0;
    unsigned bits = 0;

    if (hlen == 0 || hlen > BECH32_MAX_LEN)
        return -EINVAL;
    for (i = 0; i < hlen; i++)
        if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z'))
            return -EINVAL;
    if (len > BECH32_MAX_LEN || hlen + 1 + nchars + 6 + 1 > cap)
        return -ENOSPC;
    memcpy(out, hrp, hlen);
    o = hlen;
    out[o++] = '1';
    chk = polymod_hrp(hrp, hlen);
    for (i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            chk = polymod_step(chk, (acc >> bits) & 31);
            out[o++] = CHARSET[(acc >> bits) & 31];
        }
    }
    if (bits > 0) {
        chk = polymod_step(chk, (acc << (5 - bits)) & 31);
        out[o++] = CHARSET[(acc << (5 - bits)) & 31];
    }
    for (i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (i = 0; i < 6; i++)
        out[o++] = CHARSET[(chk >> (5 * (5 - i))) & 31];
    out[o] = '\0';
    if (upper)
        for (i = 0; i < o; i++)
            if (out[i] >= 'a' && out[i] <= 'z')
                out[i] = (char)(out[i] - ('a' - 'A'));
    sodium_memzero(&acc, sizeof acc);
    sodium_memzero(&chk, sizeof chk);
    return 0;
}

/* Printable ASCII only, and not a mix of lower and upper case. */
static int
check_chars(const char *s, size_t n)
{
    bool   lower = false, upper = false;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < 33 || s[i] > 126)
            return -EINVAL;
        lower |= (s[i] >= 'a' && s[i] <= 'z');
        upper |= (s[i] >= 'A' && s[i] <= 'Z');
    }
    return (lower && upper) ? -EINVAL : 0;
}

int
bech32_decode(
    const char *s, char *hrp, size_t hrp_cap, uint8_t *data, size_t data_cap, size_t *ret_len)
{
    size_t      n = strnlen(s, BECH32_MAX_LEN + 1), nd, i, o = 0;
    const char *sep;
    uint32_t    chk, acc = 0;
    unsigned    bits = 0;
    int         v, rc = -EINVAL;

    if (n > BECH32_MAX_LEN || check_chars(s, n) < 0)
        return -EINVAL;
    sep = strrchr(s, '1');
    if (sep == NULL || sep == s || (size_t)(s + n - (sep + 1)) < 6)
        return -EINVAL;
    if ((size_t)(sep - s) + 1 > hrp_cap)
        return -ENOSPC;
    nd = (size_t)(s + n - (sep + 1)) - 6; /* data characters before the checksum */
    if (nd * 5 / 8 > data_cap)
        return -ENOSPC;
    chk = polymod_hrp(s, (size_t)(sep - s));
    for (i = 0; i < nd + 6; i++) {
        if ((v = charset_index((unsigned char)sep[1 + i])) < 0)
            goto out;
        chk = polymod_step(chk, (uint8_t)v);
        if (i >= nd)
            continue;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            data[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Valid padding is under 5 bits, all zero. */
    if (chk != 1 || bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        goto out;
    memcpy(hrp, s, (size_t)(sep - s));
    hrp[sep - s] = '\0';
    *ret_len = o;
    rc = 0;
out:
    sodium_memzero(&acc, sizeof acc);
    sodium_memzero(&chk, sizeof chk);
    return rc;
}
