/*
 * fuzz_minisign.c: the input as a minisign signature file, public key and
 * secret key.
 *
 * A signature that parses is verified against a fixed key (go-minisign's,
 * whose vectors seed the corpus) over the message "test", in both modes. A
 * key that parses must format and parse back to itself; a secret key must
 * also sign something its public half verifies.
 */
#include "common/secmem.h"
#include "crypto/minisign.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char GO_PUBKEY[] = "untrusted comment: minisign public key\n"
                                "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\n";

static struct mini_pubkey  fixed_pk;
static struct mini_seckey *sk, *sk2;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (okra_crypto_init() < 0 || mini_pubkey_parse(GO_PUBKEY, strlen(GO_PUBKEY), &fixed_pk) < 0)
        abort();
    sk = secmem_alloc(sizeof *sk);
    sk2 = secmem_alloc(sizeof *sk2);
    if (sk == NULL || sk2 == NULL)
        abort();
    return 0;
}

static void
check_sig(const char *text, size_t size)
{
    struct mini_sig     sig;
    struct mini_prehash h;
    uint8_t             hash[MINI_HASH_LEN];

    if (mini_sig_parse(text, size, &sig) < 0)
        return;
    if (strlen(sig.trusted_comment) > MINI_COMMENT_MAX)
        abort();
    mini_prehash_init(&h);
    mini_prehash_update(&h, (const uint8_t *)"test", 4);
    mini_prehash_final(&h, hash);
    (void)mini_verify(&fixed_pk, &sig, (const uint8_t *)"test", 4, true);
    (void)mini_verify_prehashed(&fixed_pk, &sig, hash);
}

static void
check_pubkey(const char *text, size_t size)
{
    struct mini_pubkey pk, pk2;
    char              *out;

    if (mini_pubkey_parse(text, size, &pk) < 0)
        return;
    if ((out = mini_pubkey_format(&pk, NULL)) == NULL)
        abort();
    if (mini_pubkey_parse(out, strlen(out), &pk2) < 0 || memcmp(&pk, &pk2, sizeof pk) != 0)
        abort();
    free(out);
}

static void
check_seckey(const char *text, size_t size)
{
    struct mini_pubkey pk;
    struct mini_sig    sig;
    char              *out, *s;

    if (mini_seckey_parse(text, size, sk) < 0)
        return;
    if ((out = mini_seckey_format(sk, NULL)) == NULL)
        abort();
    if (mini_seckey_parse(out, strlen(out), sk2) < 0 || memcmp(sk, sk2, sizeof *sk) != 0)
        abort();
    secmem_free(out);
    mini_seckey_public(sk, &pk);
    if ((s = mini_sign(sk, (const uint8_t *)"m", 1, "fuzz", NULL)) == NULL
        || mini_sig_parse(s, strlen(s), &sig) < 0
        || mini_verify(&pk, &sig, (const uint8_t *)"m", 1, false) < 0)
        abort();
    free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    check_sig(text, size);
    check_pubkey(text, size);
    check_seckey(text, size);
    return 0;
}
