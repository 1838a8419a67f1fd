/*
 * rs1024.c: the SLIP-0039 checksum, a Reed-Solomon code over GF(1024)
 * (the spec's rs1024_polymod, with masks in place of its branch on the
 * secret state).
 */
#include "ceremony/slip39_internal.h"

static const uint32_t rs1024_gen[10] = {
    0xe0e040,
    0x1c1c080,
    0x3838100,
    0x7070200,
    0xe0e0009,
    0x1c0c2412,
    0x38086c24,
    0x3090fc48,
    0x21b1f890,
    0x3f3f120,
};

static uint32_t
rs1024_step(uint32_t chk, uint32_t v)
{
    uint32_t b = chk >> 20;
    unsigned i;

    chk = ((chk & 0xfffff) << 10) ^ v;
    for (i = 0; i < 10; i++)
        chk ^= rs1024_gen[i] & (0u - ((b >> i) & 1));
    return chk;
}

uint32_t
rs1024_polymod(bool extendable, const uint16_t *data, size_t n)
{
    const char *cs = extendable ? "shamir_extendable" : "shamir";
    uint32_t    chk = 1;
    size_t      i;

    for (i = 0; cs[i] != '\0'; i++)
        chk = rs1024_step(chk, (uint8_t)cs[i]);
    for (i = 0; i < n; i++)
        chk = rs1024_step(chk, data[i] & 0x3ff);
    return chk;
}

void
rs1024_create_checksum(
    bool extendable, const uint16_t *data, size_t n, uint16_t ret[SLIP39_CHECKSUM_WORDS])
{
    uint32_t chk = rs1024_polymod(extendable, data, n);
    unsigned i;

    for (i = 0; i < SLIP39_CHECKSUM_WORDS; i++)
        chk = rs1024_step(chk, 0);
    chk ^= 1;
    for (i = 0; i < SLIP39_CHECKSUM_WORDS; i++)
        ret[i] = (uint16_t)((chk >> (10 * (2 - i))) & 0x3ff);
}

bool
rs1024_verify_checksum(bool extendable, const uint16_t *data, size_t n)
{
    return n >= SLIP39_CHECKSUM_WORDS && rs1024_polymod(extendable, data, n) == 1;
}
