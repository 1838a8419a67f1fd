/* hex.h: lowercase hex, both ways. */
#ifndef OKRA_HEX_H
#define OKRA_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*n hex digits and a NUL into out (which holds 2*n+1). */
void hex_encode(char *out, const uint8_t *in, size_t n);

/* The value of one hex digit (either case), or -1. */
int hex_nibble(char c);

/* Decodes exactly 2*n hex digits (either case); returns 0 or -EINVAL. */
int hex_decode(uint8_t *out, size_t n, const char *in);

#endif
