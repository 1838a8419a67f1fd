/*
 * fuzz_slip39.c: SLIP-0039 mnemonics from outside bytes.
 *
 * The input is decoded as one mnemonic (and, when it decodes, re-encoded and
 * decoded again: the share must survive), then read as newline-separated
 * mnemonics and combined. Combining stops before the key derivation
 * (slip39_combine_ems) unless the iteration exponent is 0, so that a share
 * claiming exponent 15 cannot stall the fuzzer.
 */
#include "ceremony/shamir_hazmat.h"
#include "ceremony/slip39.h"
#include "common/secmem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LINES 40

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return okra_crypto_init() < 0;
}

static void
decode_one(const char *text)
{
    struct slip39_share a, b;
    char                m[SLIP39_MNEMONIC_MAX];

    if (slip39_decode(text, &a) != 0)
        return;
    if (slip39_encode(&a, m) != 0 || slip39_decode(m, &b) != 0 || memcmp(&a, &b, sizeof a) != 0)
        abort(); /* a share that decodes must re-encode to itself */
}

static void
combine_lines(char *text)
{
    static struct slip39_share shares[MAX_LINES];
    uint8_t                    out[SLIP39_MAX_SECRET];
    size_t                     n = 0, len;
    char                      *save = NULL, *line;

    for (line = strtok_r(text, "\n", &save); line != NULL && n < MAX_LINES;
         line = strtok_r(NULL, "\n", &save))
        if (slip39_decode(line, &shares[n]) == 0)
            n++;
    if (n == 0 || slip39_combine_ems(shares, n, out, &len) != 0)
        return;
    if (len < 16 || len > SLIP39_MAX_SECRET || len != shares[0].value_len)
        abort();
    if (shares[0].iteration_exponent == 0 && slip39_combine(shares, n, "", out, &len) != 0)
        abort(); /* the checks passed; decryption cannot fail */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    decode_one(text);
    combine_lines(text);
    free(text);
    return 0;
}
