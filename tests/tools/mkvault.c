/*
 * mkvault: a test vault through the internal API, with a known identity, so
 * that the vault's own tests need no ceremony (and no minutes of scrypt).
 *
 *   mkvault DIR IDENTITY_FILE     IDENTITY_FILE holds AGE-SECRET-KEY-1...
 *
 * Never installed; tests only.
 */
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"
#include "crypto/age.h"
#include "vault/bundle.h"
#include "vault/vault.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    struct vault_init     init = { 0 };
    struct vault         *v;
    struct bundle_writer *bw;
    uint8_t              *secret;
    char                 *text, sums[SHA256_HEX];
    size_t                len;
    json_t               *extra;
    int                   rc;

    if (argc != 3) {
        fprintf(stderr, "usage: mkvault DIR IDENTITY_FILE\n");
        return 2;
    }
    if (okra_crypto_init() < 0 || fs_read_file_secure(AT_FDCWD, argv[2], 4096, &text, &len) < 0)
        return fprintf(stderr, "mkvault: cannot read %s\n", argv[2]), 1;
    {
        char *key = strstr(text, "AGE-SECRET-KEY-1");

        if (key == NULL)
            return fprintf(stderr, "mkvault: no identity in %s\n", argv[2]), 1;
        key[strcspn(key, "\r\n")] = '\0';
        memmove(text, key, strlen(key) + 1);
    }
    secret = secmem_alloc(AGE_KEY_LEN);
    if (age_identity_parse(text, secret) < 0 || age_x25519_public(secret, init.recipient) < 0)
        return fprintf(stderr, "mkvault: %s\n", okra_errmsg()), 1;
    secmem_free(secret);
    secmem_free(text);
    if (vault_create_begin(argv[1], &init, &v) < 0)
        return fprintf(stderr, "mkvault: %s\n", okra_errmsg()), 1;
    extra = json_pack("{s:s, s:s, s:{s:i, s:i, s:[s]}, s:O}", "recipient", v->recipient_text,
                      "station_key", v->station_keyid, "set", "id", 0, "threshold", 1,
                      "custodians", "test", "policy", vault_policy(v));
    {
        struct bundle_header h = { "ceremony-init", "test", NULL, extra };

        rc = bw_begin(v, &h, &bw);
    }
    if (rc == 0)
        rc = bw_commit(bw, sums);
    bw_free(bw);
    json_decref(extra);
    if (rc < 0 || vault_create_publish(v, argv[1]) < 0) {
        fprintf(stderr, "mkvault: %s\n", okra_errmsg());
        vault_create_abandon(v);
        return 1;
    }
    vault_close(v);
    return 0;
}
