/*
 * fuzz_pkcs12.c: PKCS #12 opening (framing, MAC and PBMAC1, bags, PBE
 * parameters) on outside bytes. The seed vectors' passwords are tried in
 * turn until one is not refused as wrong, so that their bags get decrypted
 * and parsed; what opens is re-read from its opened form, as recovery does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "formats/formats.h"

static const char *const PASSWORDS[] = {
    "",
    "foo",
    "password",
    "cryptography",
    "1234",
    "Hello, \xe4\xb8\x96\xe7\x95\x8c",
    "rHyQTJsubhfxcpH5JttyilHE6BBsNoZp",
    "realpassword",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fmt_detect d;
    struct fmt_info   info = { 0 }, back;
    struct secbuf     op = { NULL, 0, 0 };
    size_t            i;
    int               rc = -EBADMSG;

    okra_crypto_init();
    fmt_detect(data, size, size, &d);
    /* Opened whatever detection says: the parser must hold on its own. */
    d.kind = FMT_PKCS12;
    for (i = 0; rc == -EBADMSG && i < sizeof PASSWORDS / sizeof PASSWORDS[0]; i++) {
        fmt_info_free(&info);
        rc = fmt_inspect(data, size, &d, PASSWORDS[i], &info, &op);
    }
    if (rc == 0) {
        if (fmt_inspect(op.p, op.len, &d, NULL, &back, NULL) != 0 || back.n_keys != info.n_keys
            || back.n_certs != info.n_certs)
            abort();
        fmt_info_free(&back);
    }
    fmt_info_free(&info);
    secbuf_free(&op);
    return 0;
}
