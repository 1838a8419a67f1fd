/*
 * slip39-exponent: re-encodes a SLIP-0039 mnemonic (read from stdin) with
 * another iteration exponent, checksum recomputed, so that the tests can hand
 * okra a share that asks more PBKDF2 rounds than okra allows (computing such
 * a share honestly would take minutes). Tests only; never installed.
 *
 *   slip39-exponent E < MNEMONIC
 */
#include "ceremony/slip39.h"
#include "common/secmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    char                 in[SLIP39_MNEMONIC_MAX], out[SLIP39_MNEMONIC_MAX];
    struct slip39_share *s;

    if (argc != 2 || okra_crypto_init() < 0 || (s = secmem_alloc(sizeof *s)) == NULL) {
        fprintf(stderr, "usage: slip39-exponent E < MNEMONIC\n");
        return 2;
    }
    if (fgets(in, sizeof in, stdin) == NULL || slip39_decode(in, s) < 0) {
        fprintf(stderr, "slip39-exponent: not a SLIP-0039 mnemonic\n");
        return 1;
    }
    s->iteration_exponent = (uint8_t) atoi(argv[1]);
    if (slip39_encode(s, out) < 0)
        return 1;
    puts(out);
    secmem_free(s);
    return 0;
}
