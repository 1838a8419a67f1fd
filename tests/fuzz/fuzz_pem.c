/*
 * fuzz_pem.c: PEM and DER keys and certificates on outside bytes: the PEM
 * block reader, old "Proc-Type" decryption, PKCS #8 (plain and encrypted),
 * PKCS #1, SEC1 and DSA DER, and the CA certificate loader.
 */
#include <stdint.h>
#include <stdlib.h>

#include "common/secmem.h"
#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
try_as(const uint8_t *data, size_t size, enum fmt_kind kind, const char *name)
{
    struct fmt_detect d = { .kind = kind, .name = name, .inspectable = true };
    struct fmt_info   info;
    struct secbuf     op = { NULL, 0, 0 };

    if (fmt_inspect(data, size, &d, "pw", &info, &op) == 0 && (op.p == NULL || !info.has_key))
        abort();
    fmt_info_free(&info);
    secbuf_free(&op);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const der[]
        = { "der-pkcs8", "der-pkcs8-encrypted", "der-pkcs1", "der-sec1", "der-dsa" };
    struct fmt_detect d;
    struct fmt_cert   c;

    okra_crypto_init();
    fmt_detect(data, size, size, &d);
    if (d.kind == FMT_PEM || d.kind == FMT_DER_KEY)
        try_as(data, size, d.kind, d.name);
    try_as(data, size, FMT_PEM, "pem-pkcs8");
    if (size > 0)
        try_as(data + 1, size - 1, FMT_DER_KEY, der[data[0] % 5]);
    if (fmt_load_ca_cert(data, size, &c) == 0)
        fmt_cert_free(&c);
    return 0;
}
