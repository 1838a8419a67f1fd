/* fuzz_checkpoint.c: an auditor's saved checkpoint ('okra checkpoint' output) as outside bytes. */
#include "common/secmem.h"
#include "vault/checkpoint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mini_pubkey key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct mini_seckey *sk;

    (void) argc, (void) argv;
    if (okra_crypto_init() < 0 || (sk = secmem_alloc(sizeof *sk)) == NULL ||
        mini_keypair(sk, &key) < 0)
        abort();
    secmem_free(sk);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct checkpoint cp;
    char             *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* a forged signature must never pass */
    if (checkpoint_parse_signed(text, strlen(text), &key, &cp) == 0)
        abort();
    free(text);
    return 0;
}
