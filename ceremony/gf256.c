/*
 * gf256.c: GF(256) over x^8 + x^4 + x^3 + x + 1 (0x11b), in constant time.
 *
 * Log/exp tables would index memory by secret bytes (a cache-timing leak),
 * so multiply is shift-and-add with masks and the inverse is a fixed chain
 * of multiplications. Both cost the same for every input.
 */
#include "ceremony/shamir_hazmat.h"

uint8_t
gf256_mul(uint8_t a, uint8_t b)
{
    unsigned r = 0, x = a, y = b, i;

    for (i = 0; i < 8; i++) {
        r ^= x & (0u - (y & 1)); /* add a * x^i when bit i of b is set */
        x = (x << 1) ^ (0x11bu & (0u - (x >> 7))); /* times x, reduced mod 0x11b */
        y >>= 1;
    }
    return (uint8_t)r;
}

/* a^254 = a^-1 for a != 0 (the multiplicative group has order 255); 0 -> 0. */
uint8_t
gf256_inv(uint8_t a)
{
    uint8_t sq = a, r = 1;
    int     i;

    /* 254 = 0b11111110: multiply together a^2, a^4, ..., a^128 */
    for (i = 1; i < 8; i++) {
        sq = gf256_mul(sq, sq);
        r = gf256_mul(r, sq);
    }
    return r;
}
