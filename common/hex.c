#include "common/hex.h"

#include <errno.h>

void
hex_encode(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t            i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int
hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
hex_decode(uint8_t *out, size_t n, const char *in)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int hi = hex_nibble(in[2 * i]), lo;

        if (hi < 0 || (lo = hex_nibble(in[2 * i + 1])) < 0)
            return -EINVAL;
        out[i] = (uint8_t) (hi << 4 | lo);
    }
    return 0;
}
