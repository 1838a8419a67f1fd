/*
 * fuzz_sharefile.c: a share file's plaintext or a paper backup from outside
 * bytes (a custodian's medium, a typed-in text file).
 *
 * The input is parsed as share text; when it parses, the mnemonic is
 * decoded and checked against the share file's lines (cer_share_decode),
 * and a share file's lines must format and parse back to themselves. The
 * input is also tried as an age share file with a fixed passphrase (the
 * scrypt work factor is capped low so that a header cannot stall the run).
 */
#include "ceremony/sharefile.h"
#include "ceremony/shares.h"
#include "common/secmem.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return okra_crypto_init() < 0;
}

static void
roundtrip(const struct share_text *t)
{
    struct share_text *u = sharefile_text_new();
    struct secbuf      b = { 0 };

    if (u == NULL)
        abort();
    if (sharefile_format(t, &b) != 0 || sharefile_parse_text((const char *)b.p, b.len, u) != 0 ||
        strcmp(t->vault_id, u->vault_id) != 0 || strcmp(t->custodian, u->custodian) != 0 ||
        t->index != u->index || t->count != u->count || t->threshold != u->threshold ||
        strcmp(t->mnemonic, u->mnemonic) != 0)
        abort(); /* a share that parses must format back to itself */
    secbuf_free(&b);
    secmem_free(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cer_share s = { .label = "fuzz" };

    if (size > SHARE_FILE_MAX)
        return 0;
    if ((s.text = sharefile_text_new()) == NULL)
        abort();
    if (sharefile_parse_text((const char *)data, size, s.text) == 0) {
        if (!s.text->bare)
            roundtrip(s.text);
        cer_share_decode(&s);
    }
    if (age_looks_like(data, size)) {
        struct age_identities ids = { .passphrase = "fuzz", .max_log_n = 4 };
        struct secbuf         plain = { 0 };

        (void)age_decrypt(&ids, data, size, age_sink_secbuf, &plain);
        secbuf_free(&plain);
    }
    cer_shares_clear(&s, 1);
    return 0;
}
