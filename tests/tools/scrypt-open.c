/*
 * scrypt-open: how long a custodian waits for their share file to open at
 * the default work factor (make bench). Seals a share-sized text to a
 * passphrase with age's scrypt recipient, then times opening it; prints ms.
 */
#include "common/secmem.h"
#include "crypto/age.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int
main(void)
{
    static const char   text[] = "okra-share: 1\nmnemonic: academic acid acrobat ...\n";
    struct secbuf        sealed = { 0 }, plain = { 0 };
    struct age_identities ids = { .passphrase = "bench-passphrase" };
    double               t0;

    if (okra_crypto_init() < 0 ||
        age_encrypt_scrypt("bench-passphrase", AGE_SCRYPT_DEFAULT_LOG_N, (const uint8_t *) text,
                           strlen(text), age_sink_secbuf, &sealed) < 0)
        return 1;
    t0 = now_ms();
    if (age_decrypt(&ids, sealed.p, sealed.len, age_sink_secbuf, &plain) < 0)
        return 1;
    printf("%.0f\n", now_ms() - t0);
    secbuf_free(&sealed);
    secbuf_free(&plain);
    return 0;
}
